package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"

	"github.com/tally-project/tally/regime"
)

// AuditOptions configure Audit.
type AuditOptions struct {
	// Regime checks the signatures of every checkpoint and the
	// cosignatures on them. Nil: no signature is checked, and the report
	// says so.
	Regime *regime.Regime
	// Trusted is a checkpoint the auditor already trusts (a signed note);
	// the log must extend it.
	Trusted []byte
	// Workers read and check entry bundles in parallel; default GOMAXPROCS.
	Workers int
	// CheckEntry is called for every entry, by several workers at once.
	// Default CheckFraming. The exchange checks signatures here.
	CheckEntry func(index uint64, entry []byte) error
	// CheckInOrder, if set, is called for every entry in index order,
	// after CheckEntry; for checks across entries such as sequence
	// numbers.
	CheckInOrder func(index uint64, entry []byte) error
	// Progress, if set, is called about twice a second with the number of
	// entries checked and the total.
	Progress func(done, total uint64)
	// MaxProblems bounds the problems listed (all are counted); default
	// 1000.
	MaxProblems int
}

// CheckFraming is the default entry check: an entry of a tally log is not
// empty (the bundle framing itself, uint16 lengths, is checked as bundles
// are read).
func CheckFraming(index uint64, entry []byte) error {
	if len(entry) == 0 {
		return errors.New("empty entry")
	}
	return nil
}

// Problem is one thing that does not hold.
type Problem struct {
	// Index is the entry concerned, or -1.
	Index int64
	// Where is the resource: a tile or bundle path, "checkpoint",
	// "checkpoints[k]" (the k-th of the archive), "trusted".
	Where string
	What  string
}

func (p Problem) String() string {
	if p.Index >= 0 {
		return fmt.Sprintf("entry %d (%s): %s", p.Index, p.Where, p.What)
	}
	return fmt.Sprintf("%s: %s", p.Where, p.What)
}

// AuditReport is the outcome of an audit.
type AuditReport struct {
	Source string
	Origin string
	// Size and Root are the log's latest checkpoint's.
	Size uint64
	Root []byte
	// Entries is how many entries were read and checked.
	Entries uint64
	// Checkpoints is how many archived checkpoints were checked, and
	// Witnessed how many of those meet the regime's witness policy.
	Checkpoints, Witnessed int
	// SignaturesChecked is false without a regime.
	SignaturesChecked bool
	Problems          []Problem
	// ProblemCount counts all problems, listed or not.
	ProblemCount int
	// Notes are facts worth knowing that are not failures.
	Notes    []string
	Duration time.Duration
}

// OK reports whether everything checked holds.
func (r *AuditReport) OK() bool { return r.ProblemCount == 0 }

type auditor struct {
	ctx  context.Context
	src  Source
	opts AuditOptions
	rep  *AuditReport
	mu   sync.Mutex // guards rep.Problems from workers
}

func (a *auditor) problem(index int64, where, format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rep.ProblemCount++
	if len(a.rep.Problems) < a.opts.MaxProblems {
		a.rep.Problems = append(a.rep.Problems, Problem{Index: index, Where: where, What: fmt.Sprintf(format, args...)})
	}
}

// sizedRoot is a checkpoint to compare with the recomputed tree.
type sizedRoot struct {
	size  uint64
	root  []byte
	where string
}

// Audit reads a whole log from src and checks everything: every entry's
// hash and the whole tree against the latest checkpoint, every hash tile,
// every archived checkpoint (signature, cosignatures, root against the
// entries), consistency with a trusted checkpoint, and each entry with the
// entry checks. It returns an error only when it cannot start (no
// checkpoint to audit against); everything else is a Problem in the
// report.
func Audit(ctx context.Context, src Source, opts AuditOptions) (*AuditReport, error) {
	start := time.Now()
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.CheckEntry == nil {
		opts.CheckEntry = CheckFraming
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 1000
	}
	a := &auditor{ctx: ctx, src: src, opts: opts, rep: &AuditReport{Source: src.String(), SignaturesChecked: opts.Regime != nil}}
	raw, err := src.ReadCheckpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the checkpoint of %s: %w", src, err)
	}
	latest, err := a.checkpoint(raw, "checkpoint")
	if err != nil {
		return nil, fmt.Errorf("%s: the checkpoint: %w", src, err)
	}
	rep := a.rep
	rep.Origin, rep.Size, rep.Root = latest.Origin, latest.Size, latest.Hash
	if opts.Regime == nil {
		rep.Notes = append(rep.Notes, "no regime given: signatures and cosignatures were not checked")
	}
	roots := []sizedRoot{{latest.Size, latest.Hash, "checkpoint"}}
	roots = append(roots, a.archive(latest)...)
	if opts.Trusted != nil {
		if t, err := a.checkpoint(opts.Trusted, "trusted"); err != nil {
			a.problem(-1, "trusted", "%v", err)
		} else if t.Origin != latest.Origin {
			a.problem(-1, "trusted", "the trusted checkpoint is of log %q, not %q", t.Origin, latest.Origin)
		} else if t.Size > latest.Size {
			a.problem(-1, "trusted", "the log has %d entries, fewer than the %d of the trusted checkpoint: it was rolled back, or is another log", latest.Size, t.Size)
		} else {
			roots = append(roots, sizedRoot{t.Size, t.Hash, "trusted"})
		}
	}
	a.entries(latest.Size, roots)
	// Problems about the whole log first, then by entry.
	sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Index < rep.Problems[j].Index })
	rep.Duration = time.Since(start)
	return rep, ctx.Err()
}

// checkpoint opens a checkpoint: with the regime, signatures and all;
// without, its text only.
func (a *auditor) checkpoint(msg []byte, where string) (*regime.Checkpoint, error) {
	if a.opts.Regime == nil {
		text, err := noteText(msg)
		if err != nil {
			return nil, err
		}
		return regime.ParseCheckpointText(text)
	}
	c, err := a.opts.Regime.OpenCheckpoint(msg, time.Now())
	if err != nil {
		if c == nil || errors.Is(err, regime.ErrMalformed) || errors.Is(err, regime.ErrUnknownOrigin) {
			return nil, err
		}
		a.problem(-1, where, "%v", err)
	}
	for _, p := range c.Problems {
		a.problem(-1, where, "%s", p)
	}
	return c, nil
}

// archive checks every archived checkpoint and returns those to compare
// with the tree.
func (a *auditor) archive(latest *regime.Checkpoint) []sizedRoot {
	data, err := a.src.ReadArchive(a.ctx)
	if isNotFound(err) {
		a.rep.Notes = append(a.rep.Notes, "no checkpoint archive: only the latest checkpoint was checked")
		return nil
	}
	if err != nil {
		a.problem(-1, ArchiveFile, "cannot read: %v", err)
		return nil
	}
	cps, err := ParseArchive(data)
	if err != nil {
		a.problem(-1, ArchiveFile, "%v", err)
		return nil
	}
	var out []sizedRoot
	var prev uint64
	for k, ac := range cps {
		where := fmt.Sprintf("%s[%d] (size %d)", ArchiveFile, k, ac.Size)
		c, err := a.checkpoint(ac.Full(), where)
		a.rep.Checkpoints++
		if err != nil {
			a.problem(-1, where, "%v", err)
			continue
		}
		if c.Origin != latest.Origin {
			a.problem(-1, where, "a checkpoint of log %q in the archive of %q", c.Origin, latest.Origin)
			continue
		}
		if a.opts.Regime != nil && c.Witnessed() {
			a.rep.Witnessed++
		}
		if c.Size < prev {
			a.problem(-1, where, "archived after a checkpoint of size %d: the log went back", prev)
		}
		prev = max(prev, c.Size)
		if c.Size > latest.Size {
			a.problem(-1, where, "larger than the log's checkpoint (%d entries): the log was rolled back", latest.Size)
			continue
		}
		out = append(out, sizedRoot{c.Size, c.Hash, where})
	}
	return out
}

// bundleResult is what a worker finds in one entry bundle.
type bundleResult struct {
	index   uint64
	leaves  [][]byte // leaf hashes; nil if neither the bundle nor its tile could be read
	root    []byte   // hash of a full bundle
	entries [][]byte // kept only for CheckInOrder
	// mismatch lists positions whose entry hash differs from the level-0
	// tile; entryHashed tells whether leaves came from the entries.
	mismatch    []int
	entryHashed bool
	where       string // the bundle's path
}

func (a *auditor) entries(size uint64, roots []sizedRoot) {
	nb := (size + layout.EntryBundleWidth - 1) / layout.EntryBundleWidth
	jobs := make(chan uint64)
	type slot struct {
		index uint64
		ch    chan *bundleResult
	}
	order := make(chan slot, a.opts.Workers*4)
	slots := make(map[uint64]chan *bundleResult)
	var smu sync.Mutex
	go func() {
		defer close(jobs)
		defer close(order)
		for i := uint64(0); i < nb; i++ {
			ch := make(chan *bundleResult, 1)
			smu.Lock()
			slots[i] = ch
			smu.Unlock()
			// The job goes first: a slot in order is always filled.
			select {
			case jobs <- i:
			case <-a.ctx.Done():
				return
			}
			select {
			case order <- slot{i, ch}:
			case <-a.ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range a.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r := a.bundle(i, size)
				smu.Lock()
				ch := slots[i]
				delete(slots, i)
				smu.Unlock()
				ch <- r
			}
		}()
	}
	seq := newSequencer(a, size, roots)
	lastProgress := time.Now()
	for s := range order {
		r := <-s.ch
		seq.add(r)
		if r.entryHashed {
			a.rep.Entries += uint64(len(r.leaves))
		}
		if a.opts.Progress != nil && time.Since(lastProgress) > 500*time.Millisecond {
			a.opts.Progress(a.rep.Entries, size)
			lastProgress = time.Now()
		}
	}
	wg.Wait()
	if a.ctx.Err() != nil {
		a.problem(-1, a.src.String(), "audit interrupted after %d of %d entries", a.rep.Entries, size)
		return
	}
	if a.opts.Progress != nil {
		a.opts.Progress(a.rep.Entries, size)
	}
	seq.finish()
}

// bundle reads, hashes and checks one entry bundle and its level-0 tile.
func (a *auditor) bundle(i, size uint64) *bundleResult {
	p := layout.PartialTileSize(0, i, size)
	want := int(p)
	if p == 0 {
		want = layout.EntryBundleWidth
	}
	first := i * layout.EntryBundleWidth
	r := &bundleResult{index: i, where: layout.EntriesPath(i, p)}
	entries, err := a.readEntries(i, p, want)
	if err != nil {
		a.problem(int64(first), r.where, "%v", err)
	} else {
		r.entryHashed = true
		r.leaves = make([][]byte, len(entries))
		for k, e := range entries {
			idx := first + uint64(k)
			r.leaves[k] = rfc6962.DefaultHasher.HashLeaf(e)
			if err := a.opts.CheckEntry(idx, e); err != nil {
				a.problem(int64(idx), r.where, "%v", err)
			}
		}
		if a.opts.CheckInOrder != nil {
			r.entries = entries
		}
	}
	tile, err := a.readTile(0, i, p, want)
	tilePath := layout.TilePath(0, i, p)
	switch {
	case err != nil:
		a.problem(int64(first), tilePath, "%v", err)
	case r.leaves == nil:
		r.leaves = tile // carry on with the tile's hashes to check the rest
	default:
		for k := range r.leaves {
			if !bytes.Equal(r.leaves[k], tile[k]) {
				r.mismatch = append(r.mismatch, k)
			}
		}
	}
	if r.leaves != nil && p == 0 {
		r.root = subtreeRoot(r.leaves)
	}
	return r
}

// readEntries reads a bundle that must hold want entries: exactly, or a
// full bundle read in place of a partial one that is gone.
func (a *auditor) readEntries(i uint64, p uint8, want int) ([][]byte, error) {
	raw, err := a.src.ReadEntryBundle(a.ctx, i, p)
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("the entry bundle is missing")
		}
		return nil, err
	}
	var b api.EntryBundle
	if err := b.UnmarshalText(raw); err != nil {
		return nil, fmt.Errorf("the entry bundle is damaged (truncated or altered framing): %v", err)
	}
	n := len(b.Entries)
	if n != want && !(p > 0 && n == layout.EntryBundleWidth) {
		return nil, fmt.Errorf("the entry bundle holds %d entries, want %d: entries were dropped or added", n, want)
	}
	return b.Entries[:want], nil
}

// readTile reads a hash tile that must hold want hashes (or a full tile
// in place of a partial one).
func (a *auditor) readTile(level, i uint64, p uint8, want int) ([][]byte, error) {
	raw, err := a.src.ReadTile(a.ctx, level, i, p)
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("the hash tile is missing")
		}
		return nil, err
	}
	var t api.HashTile
	if err := t.UnmarshalText(raw); err != nil {
		return nil, fmt.Errorf("the hash tile is damaged: %v", err)
	}
	n := len(t.Nodes)
	if n != want && !(p > 0 && n == layout.TileWidth) {
		return nil, fmt.Errorf("the hash tile holds %d hashes, want %d", n, want)
	}
	return t.Nodes[:want], nil
}

// subtreeRoot is the Merkle tree hash of a power-of-two run of hashes.
func subtreeRoot(hs [][]byte) []byte {
	level := make([][]byte, len(hs))
	copy(level, hs)
	for len(level) > 1 {
		next := make([][]byte, len(level)/2)
		for k := range next {
			next[k] = rfc6962.DefaultHasher.HashChildren(level[2*k], level[2*k+1])
		}
		level = next
	}
	return level[0]
}

// sequencer takes bundle results in index order, grows the tree, checks
// the higher tiles and compares roots with the checkpoints.
type sequencer struct {
	a     *auditor
	size  uint64
	rf    *compact.RangeFactory
	rng   *compact.Range
	roots []sizedRoot // sorted by size
	next  int         // first root not yet compared
	// levels[l] collects, for tile level l ≥ 1, the hashes of the current
	// tile: roots of full tiles one level down.
	levels   map[uint64][][]byte
	broken   bool   // the tree could not be recomputed past brokenAt
	brokenAt uint64 // first entry whose hash is unknown
	// mismatches between entries and level-0 tiles, judged at the end.
	mismatches []mismatch
	// contradicted lists checkpoints whose root the entries do not give.
	contradicted []sizedRoot
	matched      []sizedRoot
}

type mismatch struct {
	index uint64
	where string
	tile  string
	k     int
}

func newSequencer(a *auditor, size uint64, roots []sizedRoot) *sequencer {
	sort.SliceStable(roots, func(i, j int) bool { return roots[i].size < roots[j].size })
	s := &sequencer{a: a, size: size, rf: &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}, roots: roots, levels: map[uint64][][]byte{}}
	s.rng = s.rf.NewEmptyRange(0)
	s.compareAt(0)
	return s
}

// compareAt compares the checkpoints of the current tree size.
func (s *sequencer) compareAt(size uint64) {
	for s.next < len(s.roots) && s.roots[s.next].size == size {
		r := s.roots[s.next]
		s.next++
		if s.broken {
			continue
		}
		got := rfc6962.DefaultHasher.EmptyRoot()
		if size > 0 {
			got, _ = s.rng.GetRootHash(nil)
		}
		if bytes.Equal(got, r.root) {
			s.matched = append(s.matched, r)
		} else {
			s.contradicted = append(s.contradicted, r)
		}
	}
}

func (s *sequencer) add(r *bundleResult) {
	first := r.index * layout.EntryBundleWidth
	if s.a.opts.CheckInOrder != nil {
		for k, e := range r.entries {
			if err := s.a.opts.CheckInOrder(first+uint64(k), e); err != nil {
				s.a.problem(int64(first)+int64(k), r.where, "%v", err)
			}
		}
	}
	for _, k := range r.mismatch {
		s.mismatches = append(s.mismatches, mismatch{first + uint64(k), r.where, layout.TilePath(0, r.index, layout.PartialTileSize(0, r.index, s.size)), k})
	}
	if r.leaves == nil {
		if !s.broken {
			s.broken, s.brokenAt = true, first
		}
		return
	}
	if s.broken {
		return
	}
	end := first + uint64(len(r.leaves))
	interior := s.next < len(s.roots) && s.roots[s.next].size < end
	if r.root != nil && !interior {
		// A whole bundle: one merge.
		sub, _ := s.rf.NewRange(first, end, [][]byte{r.root})
		if err := s.rng.AppendRange(sub, nil); err != nil {
			s.a.problem(-1, r.where, "tree: %v", err)
		}
	} else {
		for k, h := range r.leaves {
			if err := s.rng.Append(h, nil); err != nil {
				s.a.problem(-1, r.where, "tree: %v", err)
			}
			s.compareAt(first + uint64(k) + 1)
		}
	}
	s.compareAt(end)
	if r.root != nil {
		s.push(1, r.root)
	}
}

// push adds the hash of a full tile of level l-1 to the level-l tile
// being collected, and checks the level-l tile when it is complete.
func (s *sequencer) push(l uint64, h []byte) {
	s.levels[l] = append(s.levels[l], h)
	if len(s.levels[l]) < layout.TileWidth {
		return
	}
	hs := s.levels[l]
	n := s.tileIndex(l)
	s.checkTile(l, n, 0, hs)
	s.levels[l] = nil
	s.push(l+1, subtreeRoot(hs))
}

// tileIndex is the index of the level-l tile being collected.
func (s *sequencer) tileIndex(l uint64) uint64 {
	full := s.rng.End() >> (8 * l) // full tiles of level l-1 so far
	if uint64(len(s.levels[l])) == layout.TileWidth {
		return (full - 1) / layout.TileWidth
	}
	return full / layout.TileWidth
}

func (s *sequencer) checkTile(l, n uint64, p uint8, hs [][]byte) {
	want := len(hs)
	tile, err := s.a.readTile(l, n, p, want)
	path := layout.TilePath(l, n, p)
	first := n << (8 * (l + 1))
	if err != nil {
		s.a.problem(-1, path, "%v (covering entries from %d)", err, first)
		return
	}
	for k := range hs {
		if !bytes.Equal(tile[k], hs[k]) {
			span := uint64(1) << (8 * l)
			from := first + uint64(k)*span
			s.a.problem(-1, path, "hash %d differs from the tree computed from entries %d to %d (the tile, or the tiles and entries below it, were altered)", k, from, from+span-1)
		}
	}
}

func (s *sequencer) finish() {
	a := s.a
	if !s.broken {
		// Partial tiles of levels 1 and up at the right edge.
		for l := uint64(1); s.size>>(8*l) > 0; l++ {
			if hs := s.levels[l]; len(hs) > 0 {
				s.checkTile(l, s.tileIndex(l), layout.PartialTileSize(l, s.tileIndex(l), s.size), hs)
			}
		}
	} else {
		a.problem(int64(s.brokenAt), "tree", "the tree cannot be recomputed from this entry on: the entries and their tile are unreadable")
	}
	rootOK := true
	for _, r := range s.contradicted {
		if r.where == "checkpoint" {
			rootOK = false
		}
	}
	// Entries whose hash differs from their tile: the entry was altered if
	// the entries do not give the checkpoint's root, the tile otherwise.
	for _, m := range s.mismatches {
		if rootOK {
			a.problem(int64(m.index), m.tile, "hash %d differs from the entry's hash while the entries give the checkpoint's root: the tile was altered", m.k)
		} else {
			a.problem(int64(m.index), m.where, "the entry's hash differs from %s and the entries do not give the checkpoint's root: the entry was altered", m.tile)
		}
	}
	// Checkpoints the entries contradict; the last one they match bounds
	// where the history changed.
	for _, r := range s.contradicted {
		var after uint64
		for _, m := range s.matched {
			if m.size < r.size {
				after = max(after, m.size)
			}
		}
		switch r.where {
		case "trusted":
			a.problem(-1, "trusted", "the log is not consistent with the trusted checkpoint of size %d: the entries give another root (an entry from %d to %d differs)", r.size, after, r.size-1)
		default:
			a.problem(-1, r.where, "its root is not the root of the first %d entries: the log was rewritten (entries %d to %d changed)", r.size, after, r.size-1)
		}
	}
}
