package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/ledger/receipt"
	"github.com/tally-project/tally/regime"
)

// MaxEntry is the largest entry a log takes: C2SP tlog-tiles frames
// entries with a 16-bit length. Larger documents must be split or
// committed to by hash.
const MaxEntry = 1<<16 - 1

// Errors from Append.
var (
	ErrEntryTooLarge = fmt.Errorf("entry larger than %d bytes", MaxEntry)
	ErrEmptyEntry    = errors.New("empty entry")
	ErrClosed        = errors.New("log closed")
)

// Defaults and bounds of Options.
const (
	DefaultCheckpointInterval = 250 * time.Millisecond
	// MaxCheckpointInterval bounds how long an entry waits for a checkpoint,
	// and so for its receipt.
	MaxCheckpointInterval = 500 * time.Millisecond
	// MinCheckpointInterval is Tessera's POSIX storage's minimum.
	MinCheckpointInterval = 100 * time.Millisecond
	DefaultBatchMaxSize   = 512
	DefaultBatchMaxAge    = 20 * time.Millisecond
)

// Options configure a Log.
type Options struct {
	// Signer signs checkpoints. Its name is the log's origin. Required.
	Signer note.Signer
	// Regime, when set, must list the log (its origin and Signer's key).
	// The log then sends its checkpoints to the witnesses the regime names
	// for it and judges the cosignatures they return.
	Regime *regime.Regime
	// HTTPClient is used to reach witnesses; default a client with a
	// 10-second timeout.
	HTTPClient *http.Client
	// CheckpointInterval is how often a new checkpoint is signed while
	// entries arrive; default 250ms, from 100ms to 500ms.
	CheckpointInterval time.Duration
	// BatchMaxSize and BatchMaxAge bound how many entries Tessera sequences
	// together and how long the first of them waits.
	BatchMaxSize uint
	BatchMaxAge  time.Duration
	// Logger receives operational messages; default slog.Default().
	Logger *slog.Logger
	// Now is the clock that judges the validity of keys and cosignatures;
	// default time.Now.
	Now func() time.Time
}

// Log is a party's own append-only log, stored by Tessera in a directory.
// It is safe for concurrent use.
type Log struct {
	dir    string
	origin string
	opts   Options
	log    *slog.Logger
	party  *regime.Party

	app      *tessera.Appender
	reader   tessera.LogReader
	shutdown func(context.Context) error
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	wake     chan struct{}

	arch *archive

	mu        sync.Mutex
	published *archived     // latest published checkpoint
	changed   chan struct{} // closed and replaced when published or its cosignatures change
	closed    bool

	proofs proofCache
}

// Open opens the log in dir, creating it if needed, and starts signing
// checkpoints (and, with a regime, sending them to witnesses). Close it to
// stop.
func Open(ctx context.Context, dir string, opts Options) (*Log, error) {
	if opts.Signer == nil {
		return nil, errors.New("ledger.Open: a checkpoint signer is required")
	}
	if opts.CheckpointInterval == 0 {
		opts.CheckpointInterval = DefaultCheckpointInterval
	}
	if opts.CheckpointInterval < MinCheckpointInterval || opts.CheckpointInterval > MaxCheckpointInterval {
		return nil, fmt.Errorf("ledger.Open: checkpoint interval %v is outside %v to %v", opts.CheckpointInterval, MinCheckpointInterval, MaxCheckpointInterval)
	}
	if opts.BatchMaxSize == 0 {
		opts.BatchMaxSize = DefaultBatchMaxSize
	}
	if opts.BatchMaxAge == 0 {
		opts.BatchMaxAge = DefaultBatchMaxAge
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Log{
		dir:     dir,
		origin:  opts.Signer.Name(),
		opts:    opts,
		changed: make(chan struct{}),
		wake:    make(chan struct{}, 1),
	}
	l.log = opts.Logger.With("log", l.origin)
	if opts.Regime != nil {
		l.party = opts.Regime.LogOwner(l.origin)
		if l.party == nil {
			return nil, fmt.Errorf("ledger.Open: origin %q is not the log of any party in regime %s", l.origin, opts.Regime.File())
		}
		if !hasKey(l.party.Keys.Checkpoint, opts.Signer) {
			return nil, fmt.Errorf("ledger.Open: the checkpoint key %s+%08x is not a checkpoint key of %s in regime %s", opts.Signer.Name(), opts.Signer.KeyHash(), l.party.ID, opts.Regime.File())
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var err error
	if l.arch, err = openArchive(filepath.Join(dir, ArchiveFile), opts.Regime, opts.Now); err != nil {
		return nil, err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	driver, err := posix.New(bg, posix.Config{Path: dir, HTTPClient: opts.HTTPClient})
	if err != nil {
		l.fail()
		return nil, err
	}
	topts := tessera.NewAppendOptions().
		WithCheckpointSigner(wakingSigner{opts.Signer, l.wake}).
		WithCheckpointInterval(opts.CheckpointInterval).
		WithBatching(opts.BatchMaxSize, opts.BatchMaxAge)
	l.app, l.shutdown, l.reader, err = tessera.NewAppender(bg, driver, topts)
	if err != nil {
		l.fail()
		return nil, fmt.Errorf("opening the log in %s: %v", dir, err)
	}
	l.published = l.arch.latest()
	if err := l.poll(); err != nil {
		l.fail()
		return nil, err
	}
	l.wg.Add(1)
	go l.watchPublication(bg)
	if l.party != nil {
		for _, w := range l.party.Witnesses() {
			s := newSubmitter(l, w)
			l.wg.Add(1)
			go s.run(bg)
		}
	}
	return l, nil
}

func (l *Log) fail() {
	l.cancel()
	l.arch.close()
}

func hasKey(keys []*regime.Key, s note.Signer) bool {
	for _, k := range keys {
		if k.Name() == s.Name() && k.Hash() == s.KeyHash() {
			return true
		}
	}
	return false
}

// wakingSigner signs checkpoints and pokes the publication watcher, which
// then finds the new checkpoint without waiting for its next poll.
type wakingSigner struct {
	note.Signer
	wake chan struct{}
}

func (s wakingSigner) Sign(msg []byte) ([]byte, error) {
	sig, err := s.Signer.Sign(msg)
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return sig, err
}

// Origin is the log's checkpoint origin.
func (l *Log) Origin() string { return l.origin }

// Dir is the log's directory.
func (l *Log) Dir() string { return l.dir }

// watchPublication archives every checkpoint Tessera publishes and wakes
// whoever waits for one.
func (l *Log) watchPublication(ctx context.Context) {
	defer l.wg.Done()
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-l.wake:
			// Tessera writes the checkpoint right after signing it.
			time.Sleep(2 * time.Millisecond)
		}
		if err := l.poll(); err != nil {
			l.log.Error("archiving the published checkpoint", "err", err)
		}
	}
}

// poll reads the published checkpoint and archives it if it is new.
func (l *Log) poll() error {
	msg, err := l.reader.ReadCheckpoint(context.Background())
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	l.mu.Lock()
	same := l.published != nil && bytes.Equal(l.published.Note, msg)
	l.mu.Unlock()
	if same {
		return nil
	}
	ar, err := l.arch.addCheckpoint(msg)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.published = ar
	l.notifyLocked()
	l.mu.Unlock()
	return nil
}

func (l *Log) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *Log) notify() {
	l.mu.Lock()
	l.notifyLocked()
	l.mu.Unlock()
}

// waitFor blocks until cond holds (checked under l.mu after every change)
// or ctx ends.
func (l *Log) waitFor(ctx context.Context, cond func() bool) error {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return ErrClosed
		}
		ok := cond()
		ch := l.changed
		l.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// Append adds an entry and returns its receipt once the entry is durable,
// integrated into the tree and covered by a signed checkpoint. The receipt
// carries whatever cosignatures that checkpoint already has (usually none:
// witnessing happens afterwards; see Receipt and WaitWitnessed).
func (l *Log) Append(ctx context.Context, entry []byte) (*receipt.Receipt, error) {
	rs, err := l.AppendBatch(ctx, [][]byte{entry})
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// AppendBatch adds entries in order (a later entry gets a higher index;
// entries appended concurrently by others may fall in between) and returns
// their receipts. Every entry is checked before any is added. If adding
// fails part way, a prefix of the batch may be in the log: the caller finds
// out by reading it back (see Scan).
func (l *Log) AppendBatch(ctx context.Context, entries [][]byte) ([]*receipt.Receipt, error) {
	wait, err := l.AppendBatchAsync(ctx, entries)
	if err != nil {
		return nil, err
	}
	return wait()
}

// AppendBatchAsync is AppendBatch in two steps, for a caller that appends
// batches in a given order without waiting for each batch's receipts
// before adding the next: it adds the entries, so that entries added after
// it returns get higher indexes, and returns a function that waits until
// they are durable, integrated and covered by a checkpoint, and returns
// their receipts.
func (l *Log) AppendBatchAsync(ctx context.Context, entries [][]byte) (func() ([]*receipt.Receipt, error), error) {
	for i, e := range entries {
		switch {
		case len(e) == 0:
			return nil, fmt.Errorf("entry %d of the batch: %w", i, ErrEmptyEntry)
		case len(e) > MaxEntry:
			return nil, fmt.Errorf("entry %d of the batch has %d bytes: %w", i, len(e), ErrEntryTooLarge)
		}
	}
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return nil, ErrClosed
	}
	futures := make([]tessera.IndexFuture, len(entries))
	for i, e := range entries {
		futures[i] = l.app.Add(ctx, tessera.NewEntry(e))
	}
	return func() ([]*receipt.Receipt, error) {
		idx := make([]uint64, len(entries))
		var top uint64
		for i, f := range futures {
			x, err := f()
			if err != nil {
				return nil, fmt.Errorf("appending entry %d of the batch: %w", i, err)
			}
			idx[i] = x.Index
			top = max(top, x.Index)
		}
		var cp *archived
		err := l.waitFor(ctx, func() bool {
			if l.published != nil && l.published.Size > top {
				cp = l.published
				return true
			}
			return false
		})
		if err != nil {
			return nil, fmt.Errorf("waiting for a checkpoint covering entry %d: %w", top, err)
		}
		out := make([]*receipt.Receipt, len(entries))
		for i, e := range entries {
			r, err := l.receiptAt(ctx, idx[i], receipt.LeafHash(e), cp)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}, nil
}

// receiptAt builds the receipt of entry index in checkpoint cp.
func (l *Log) receiptAt(ctx context.Context, index uint64, leaf [32]byte, cp *archived) (*receipt.Receipt, error) {
	snap := l.arch.snapshot(cp)
	hashes, err := l.proofs.inclusion(ctx, l.reader.ReadTile, index, snap.Size)
	if err != nil {
		return nil, fmt.Errorf("inclusion proof of entry %d in the checkpoint of size %d: %w", index, snap.Size, err)
	}
	return &receipt.Receipt{Index: index, LeafHash: leaf, Proof: hashes, Checkpoint: snap.Full()}, nil
}

// Receipt returns the freshest receipt of entry index: against the latest
// checkpoint that meets the witness policy, or failing that the covering
// checkpoint with the most cosignatures. It fails if no checkpoint covers
// the entry yet.
func (l *Log) Receipt(ctx context.Context, index uint64) (*receipt.Receipt, error) {
	cp, _ := l.arch.best(index)
	if cp == nil {
		return nil, fmt.Errorf("no checkpoint covers entry %d yet", index)
	}
	leaf, err := l.leafHash(ctx, index, cp.Size)
	if err != nil {
		return nil, err
	}
	return l.receiptAt(ctx, index, leaf, cp)
}

// WaitWitnessed blocks until a checkpoint covering entry index meets the
// witness policy, and returns the receipt against it. It needs a regime.
func (l *Log) WaitWitnessed(ctx context.Context, index uint64) (*receipt.Receipt, error) {
	if l.party == nil {
		return nil, errors.New("the log has no regime, so no witness policy")
	}
	var cp *archived
	err := l.waitFor(ctx, func() bool {
		c, witnessed := l.arch.best(index)
		cp = c
		return witnessed
	})
	if err != nil {
		return nil, err
	}
	leaf, err := l.leafHash(ctx, index, cp.Size)
	if err != nil {
		return nil, err
	}
	return l.receiptAt(ctx, index, leaf, cp)
}

func (l *Log) leafHash(ctx context.Context, index, size uint64) ([32]byte, error) {
	e, err := l.entry(ctx, index, size)
	if err != nil {
		return [32]byte{}, err
	}
	return receipt.LeafHash(e), nil
}

// Size is the size of the latest published checkpoint.
func (l *Log) Size() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.published == nil {
		return 0
	}
	return l.published.Size
}

// WitnessedSize is the size of the latest checkpoint that meets the
// witness policy (0 without a regime).
func (l *Log) WitnessedSize() uint64 { return l.arch.witnessedSize() }

// Checkpoint is the latest published checkpoint with the cosignatures
// received for it so far.
func (l *Log) Checkpoint() []byte {
	l.mu.Lock()
	cp := l.published
	l.mu.Unlock()
	if cp == nil {
		return nil
	}
	s := l.arch.snapshot(cp)
	return s.Full()
}

// Checkpoints returns every archived checkpoint, with its cosignatures.
func (l *Log) Checkpoints() []ArchivedCheckpoint {
	l.arch.mu.Lock()
	defer l.arch.mu.Unlock()
	out := make([]ArchivedCheckpoint, len(l.arch.cps))
	for i, c := range l.arch.cps {
		out[i] = c.ArchivedCheckpoint
		out[i].Cosignatures = append([]string(nil), c.Cosignatures...)
	}
	return out
}

// ProvisionTime is when party witness first cosigned a checkpoint that
// includes entry index, as the cosignatures this log received say.
func (l *Log) ProvisionTime(index uint64, witness string) (time.Time, bool) {
	return l.arch.provisionTime(index, witness)
}

// IntegratedSize is the number of entries durably in the tree, some of
// which may not be covered by a published checkpoint yet (after a crash,
// the next checkpoint covers them).
func (l *Log) IntegratedSize(ctx context.Context) (uint64, error) {
	return l.reader.IntegratedSize(ctx)
}

// Entry reads back the entry at index.
func (l *Log) Entry(ctx context.Context, index uint64) ([]byte, error) {
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return nil, err
	}
	if index >= size {
		return nil, fmt.Errorf("entry %d: the log has %d entries", index, size)
	}
	return l.entry(ctx, index, size)
}

func (l *Log) entry(ctx context.Context, index, size uint64) ([]byte, error) {
	es, err := readBundle(ctx, readerSource{l.reader}, index/layout.EntryBundleWidth, size)
	if err != nil {
		return nil, err
	}
	return es[index%layout.EntryBundleWidth], nil
}

// Scan calls fn with every entry from index from up to (not including) to,
// in order, stopping at the first error. A to beyond the integrated size
// is cut to it. The slice passed to fn is only valid during the call.
func (l *Log) Scan(ctx context.Context, from, to uint64, fn func(index uint64, entry []byte) error) error {
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return err
	}
	to = min(to, size)
	src := readerSource{l.reader}
	for i := from; i < to; {
		es, err := readBundle(ctx, src, i/layout.EntryBundleWidth, size)
		if err != nil {
			return err
		}
		for j := i % layout.EntryBundleWidth; j < uint64(len(es)) && i < to; j++ {
			if err := fn(i, es[j]); err != nil {
				return err
			}
			i++
		}
	}
	return nil
}

// Close stops the log: it waits until every appended entry is covered by
// a published checkpoint, stops witnessing and closes the archive.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := l.shutdown(ctx)
	_ = l.poll()
	l.mu.Lock()
	l.closed = true
	l.notifyLocked()
	l.mu.Unlock()
	l.cancel()
	l.wg.Wait()
	if cerr := l.arch.close(); err == nil {
		err = cerr
	}
	return err
}

// readerSource adapts a Tessera LogReader to the reads readBundle needs.
type readerSource struct{ tessera.LogReader }

func (readerSource) ReadArchive(context.Context) ([]byte, error) { return nil, os.ErrNotExist }
func (readerSource) String() string                              { return "local log" }
