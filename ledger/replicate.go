package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"

	"github.com/tally-project/tally/internal/durable"
	"github.com/tally-project/tally/regime"
)

// ReplicatorOptions configure a Replicator.
type ReplicatorOptions struct {
	// Regime gives the log's keys and witness policy. Required.
	Regime *regime.Regime
	// Log is the party whose log is replicated. Required.
	Log string
	// Self is the replicating party. A checkpoint its own witness cosigned
	// is trusted even before the regime's witness policy is met: the
	// replicating party has itself checked that it extends everything it
	// saw. Empty: only checkpoints meeting the policy are trusted.
	Self string
	// Deliver receives each new entry, in index order. An entry is
	// delivered at least once: after a crash the entries delivered since
	// the last saved state are delivered again, so Deliver must recognise
	// an index it has seen. An error stops the round; the entry is offered
	// again next round. Required.
	Deliver func(ctx context.Context, index uint64, entry []byte) error
	// Source reads the log; default HTTPSource of its URL in the regime.
	Source Source
	// Checkpoint fetches the checkpoint to replicate up to; default
	// Source.ReadCheckpoint. A node passes its witness's latest cosigned
	// checkpoint of the log.
	Checkpoint func(ctx context.Context) ([]byte, error)
	// Inconsistent is told when the log's data contradicts a trusted
	// checkpoint (entries that do not hash to it, or a checkpoint of the
	// size already replicated with another root). A node passes it to its
	// witness (Witness.Observe).
	Inconsistent func(ctx context.Context, checkpoint []byte, detail string)
	// Interval between rounds in Run; default 1s.
	Interval time.Duration
	// HTTPClient for the default Source; default a 30-second timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the clock that judges the validity of keys; default
	// time.Now.
	Now func() time.Time
}

// Replicator keeps a verified copy of the position of another party's log
// and hands its entries, in order, to the application. It checks every
// entry against a trusted checkpoint before delivering it: the entries'
// own hashes, not the log's tiles, give the root, so nothing unproven is
// delivered. Its state survives restarts.
type Replicator struct {
	opts  ReplicatorOptions
	party *regime.Party
	self  *regime.Party
	path  string
	log   *slog.Logger
	rf    *compact.RangeFactory

	mu    sync.Mutex
	state replicaState
	rng   *compact.Range // compact range of the entries delivered, [0, state.Next)
}

type replicaState struct {
	Origin string `json:"origin"`
	// Next is the index of the next entry to deliver.
	Next uint64 `json:"next"`
	// Range is the compact Merkle range of entries [0, Next).
	Range [][]byte `json:"range"`
	// Checkpoint is the latest trusted checkpoint fully delivered.
	Checkpoint string `json:"checkpoint,omitempty"`
}

// ErrNotTrusted: the checkpoint offered is validly signed but neither
// meets the witness policy nor is cosigned by Self yet.
var ErrNotTrusted = errors.New("checkpoint not witnessed yet")

// NewReplicator opens the replica state in dir (created if needed).
func NewReplicator(dir string, opts ReplicatorOptions) (*Replicator, error) {
	if opts.Regime == nil || opts.Deliver == nil {
		return nil, errors.New("ledger.NewReplicator: a regime and a Deliver function are required")
	}
	r := &Replicator{opts: opts, path: filepath.Join(dir, "state.json"), rf: &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}}
	if r.party = opts.Regime.Party(opts.Log); r.party == nil {
		return nil, fmt.Errorf("ledger.NewReplicator: party %q is not in the regime", opts.Log)
	}
	if opts.Self != "" {
		if r.self = opts.Regime.Party(opts.Self); r.self == nil {
			return nil, fmt.Errorf("ledger.NewReplicator: party %q is not in the regime", opts.Self)
		}
	}
	if r.opts.HTTPClient == nil {
		r.opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if r.opts.Source == nil {
		src, err := HTTPSource(r.party.LogURL(), r.opts.HTTPClient)
		if err != nil {
			return nil, err
		}
		r.opts.Source = src
	}
	if r.opts.Checkpoint == nil {
		r.opts.Checkpoint = r.opts.Source.ReadCheckpoint
	}
	if r.opts.Interval == 0 {
		r.opts.Interval = time.Second
	}
	if r.opts.Logger == nil {
		r.opts.Logger = slog.Default()
	}
	if r.opts.Now == nil {
		r.opts.Now = time.Now
	}
	r.log = r.opts.Logger.With("replica", r.party.ID)
	data, err := os.ReadFile(r.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		r.state = replicaState{Origin: r.party.Log.Origin}
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, &r.state); err != nil {
			return nil, fmt.Errorf("%s: %v", r.path, err)
		}
		if r.state.Origin != r.party.Log.Origin {
			return nil, fmt.Errorf("%s replicates %q, not the log of %s (%q)", r.path, r.state.Origin, r.party.ID, r.party.Log.Origin)
		}
	}
	if r.rng, err = r.rf.NewRange(0, r.state.Next, r.state.Range); err != nil {
		return nil, fmt.Errorf("%s: %v", r.path, err)
	}
	return r, nil
}

// Next is the index of the next entry to deliver: how many have been.
func (r *Replicator) Next() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state.Next
}

// Checkpoint is the latest trusted checkpoint whose entries have all been
// delivered.
func (r *Replicator) Checkpoint() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return []byte(r.state.Checkpoint)
}

// Run replicates every Interval until ctx ends.
func (r *Replicator) Run(ctx context.Context) {
	t := time.NewTicker(r.opts.Interval)
	defer t.Stop()
	for {
		if err := r.Sync(ctx); err != nil && !errors.Is(err, ErrNotTrusted) && ctx.Err() == nil {
			r.log.Warn("replicating", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// chunk is how many entries are verified together with one consistency
// proof before they are delivered.
const chunk = 16 * layout.EntryBundleWidth

// Sync does one round: it fetches a checkpoint, and if it is trusted,
// delivers every entry up to it.
func (r *Replicator) Sync(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	raw, err := r.opts.Checkpoint(ctx)
	if err != nil {
		return err
	}
	if len(raw) == 0 {
		return ErrNotTrusted
	}
	c, err := r.opts.Regime.OpenCheckpoint(raw, r.opts.Now())
	if err != nil {
		return err
	}
	if c.Log != r.party {
		return fmt.Errorf("a checkpoint of %s offered to the replica of %s", c.Log.ID, r.party.ID)
	}
	if !c.Witnessed() && (r.self == nil || c.CosignedBy(r.self) == nil) {
		return ErrNotTrusted
	}
	next := r.state.Next
	switch {
	case c.Size < next:
		return nil // older than what we have; witnesses compare histories
	case c.Size == next:
		root, err := r.rng.GetRootHash(nil)
		if err != nil {
			return err
		}
		if next == 0 {
			// The compact range of no entries has no root; RFC 6962
			// gives the empty tree the hash of the empty string.
			root = rfc6962.DefaultHasher.EmptyRoot()
		}
		if !bytes.Equal(root, c.Hash) {
			return r.inconsistent(ctx, raw, fmt.Sprintf("a trusted checkpoint of size %d has root %x, the entries already delivered give %x", c.Size, c.Hash, root))
		}
		if r.state.Checkpoint != string(raw) {
			r.state.Checkpoint = string(raw)
			return r.save()
		}
		return nil
	}
	for next < c.Size {
		end := min(next+chunk-next%layout.EntryBundleWidth, c.Size)
		entries, err := r.fetch(ctx, next, end, c.Size)
		if err != nil {
			return err
		}
		trial, err := r.rf.NewRange(0, next, slices.Clone(r.rng.Hashes()))
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := trial.Append(rfc6962.DefaultHasher.HashLeaf(e), nil); err != nil {
				return err
			}
		}
		root, err := trial.GetRootHash(nil)
		if err != nil {
			return err
		}
		if end == c.Size {
			if !bytes.Equal(root, c.Hash) {
				return r.inconsistent(ctx, raw, fmt.Sprintf("entries %d to %d do not hash to the trusted checkpoint's root", next, end-1))
			}
		} else {
			p, err := consistencyFrom(ctx, r.opts.Source, end, c.Size)
			if err != nil {
				return fmt.Errorf("consistency proof %d→%d: %w", end, c.Size, err)
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, end, c.Size, p, root, c.Hash); err != nil {
				return r.inconsistent(ctx, raw, fmt.Sprintf("entries %d to %d are not a prefix of the trusted checkpoint of size %d: %v", next, end-1, c.Size, err))
			}
		}
		// Verified: deliver, in order.
		for i, e := range entries {
			if err := r.opts.Deliver(ctx, next, e); err != nil {
				if i > 0 {
					if serr := r.save(); serr != nil {
						return errors.Join(err, serr)
					}
				}
				return fmt.Errorf("delivering entry %d: %w", next, err)
			}
			if err := r.rng.Append(rfc6962.DefaultHasher.HashLeaf(e), nil); err != nil {
				return err
			}
			next++
			r.state.Next = next
		}
		if next == c.Size {
			r.state.Checkpoint = string(raw)
		}
		if err := r.save(); err != nil {
			return err
		}
	}
	return nil
}

// fetch reads entries [from, to) of a tree of the given size.
func (r *Replicator) fetch(ctx context.Context, from, to, size uint64) ([][]byte, error) {
	out := make([][]byte, 0, to-from)
	for i := from; i < to; {
		es, err := readBundle(ctx, r.opts.Source, i/layout.EntryBundleWidth, size)
		if err != nil {
			return nil, fmt.Errorf("reading entry %d: %w", i, err)
		}
		for j := i % layout.EntryBundleWidth; j < uint64(len(es)) && i < to; j++ {
			out = append(out, bytes.Clone(es[j]))
			i++
		}
	}
	return out, nil
}

func (r *Replicator) inconsistent(ctx context.Context, raw []byte, detail string) error {
	r.log.Error("the log contradicts a trusted checkpoint", "detail", detail)
	if r.opts.Inconsistent != nil {
		r.opts.Inconsistent(ctx, raw, detail)
	}
	return fmt.Errorf("the log of %s contradicts a trusted checkpoint: %s", r.party.ID, detail)
}

func (r *Replicator) save() error {
	r.state.Range = r.rng.Hashes()
	data, err := json.MarshalIndent(r.state, "", "  ")
	if err != nil {
		return err
	}
	return durable.WriteFile(r.path, data, 0o644)
}
