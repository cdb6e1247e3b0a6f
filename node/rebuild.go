package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/store"
	"github.com/tally-project/tally/store/sqlite"
)

// RebuildReport says what Rebuild read.
type RebuildReport struct {
	// Entries is how many entries of each party's log were applied.
	Entries map[string]uint64
	// Invalid is how many of them are not valid notifications.
	Invalid map[string]int
	// Loadings is how many declarations' private loadings were restored.
	Loadings int
	Duration time.Duration
}

// Rebuild makes the projection of a stopped node again, from its data
// directory alone: its own log (audited: every hash, the tree and the
// checkpoints must hold), the copies of the other parties' logs (checked
// against the checkpoints their replicas trusted), the private loadings,
// and the checkpoint archives for the times of provision. It writes a new
// store at dst (which must not exist); the result is the same as the
// node's own projection (Dump them to compare).
func Rebuild(ctx context.Context, cfg Config, dst string) (*RebuildReport, error) {
	start := time.Now()
	if cfg.Regime == nil || cfg.Treaty == nil {
		return nil, errors.New("rebuild: a regime and a treaty are required")
	}
	self := cfg.Regime.Party(cfg.Party)
	if self == nil || self.ID != cfg.Party {
		return nil, fmt.Errorf("rebuild: party %q is not in the regime", cfg.Party)
	}
	if _, err := os.Stat(dst); err == nil {
		return nil, fmt.Errorf("rebuild: %s exists", dst)
	}
	st, err := sqlite.Open(ctx, dst)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ex := &exchange.Config{Regime: cfg.Regime, Treaty: cfg.Treaty, MaxAge: cfg.MaxAge}
	rep := &RebuildReport{Entries: map[string]uint64{}, Invalid: map[string]int{}}
	for _, p := range cfg.Regime.Parties {
		book, err := exchange.NewBook(ex, p.ID)
		if err != nil {
			return nil, err
		}
		var batch []*exchange.Applied
		trusted := false // signatures already verified (by the audit)
		apply := func(i uint64, e []byte) error {
			var ap *exchange.Applied
			var err error
			if trusted {
				ap, err = book.ApplyTrusted(i, bytes.Clone(e))
			} else {
				ap, err = book.Apply(i, bytes.Clone(e))
			}
			if err != nil {
				return err
			}
			if !ap.Valid {
				rep.Invalid[p.ID]++
			}
			rep.Entries[p.ID]++
			batch = append(batch, ap)
			if len(batch) >= 1000 {
				if err := st.Apply(ctx, batch); err != nil {
					return err
				}
				batch = nil
			}
			return nil
		}
		if p.ID == cfg.Party {
			dir := filepath.Join(cfg.Data, "log")
			if _, err := os.Stat(filepath.Join(dir, "checkpoint")); err != nil {
				continue // nothing published yet
			}
			// The audit verifies every envelope's signature, in parallel;
			// if anything fails, nothing is rebuilt.
			au := exchange.NewAuditor(cfg.Regime)
			trusted = true
			ar, err := ledger.Audit(ctx, ledger.DirSource(dir), ledger.AuditOptions{Regime: cfg.Regime, CheckEntry: au.CheckEntry,
				CheckInOrder: func(i uint64, e []byte) error {
					if err := au.CheckInOrder(i, e); err != nil {
						return err
					}
					return apply(i, e)
				}})
			if err != nil {
				return nil, fmt.Errorf("rebuild: auditing the log: %v", err)
			}
			if !ar.OK() {
				var ps []string
				for _, pr := range ar.Problems {
					ps = append(ps, pr.String())
				}
				return nil, fmt.Errorf("rebuild: the log in %s does not verify; nothing is rebuilt from it:\n  %s", dir, strings.Join(ps, "\n  "))
			}
		} else {
			dir := filepath.Join(cfg.Data, "replicas", p.ID)
			m, err := openMirror(filepath.Join(dir, "entries"))
			if err != nil {
				return nil, err
			}
			err = checkMirror(cfg, dir, m)
			if err == nil {
				err = m.Scan(0, m.Len(), apply)
			}
			m.Close()
			if err != nil {
				return nil, fmt.Errorf("rebuild: the copy of %s's log: %v", p.ID, err)
			}
		}
		if err := st.Apply(ctx, batch); err != nil {
			return nil, err
		}
	}
	// Private loadings.
	files, _ := filepath.Glob(filepath.Join(cfg.Data, "private", cfg.Party+"-*.loadings.json"))
	for _, f := range files {
		seqs := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), cfg.Party+"-"), ".loadings.json")
		seq, err := strconv.ParseUint(seqs, 10, 64)
		if err != nil {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var ls []exchange.Loading
		if err := json.Unmarshal(data, &ls); err != nil {
			return nil, fmt.Errorf("rebuild: %s: %v", f, err)
		}
		// Only loadings whose declaration is in the log: a crash between
		// keeping them and appending leaves an orphan.
		ds, err := st.Declarations(ctx, cfg.Party)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if d.FirstSeq == seq {
				if err := st.SaveLoadings(ctx, cfg.Party, seq, ls); err != nil {
					return nil, err
				}
				rep.Loadings++
			}
		}
	}
	// Times of provision.
	for _, p := range cfg.Regime.Parties {
		path := filepath.Join(cfg.Data, "log", ledger.ArchiveFile)
		if p.ID != cfg.Party {
			path = filepath.Join(cfg.Data, "replicas", p.ID, "checkpoints")
		}
		cps, err := readArchive(path)
		if err != nil {
			return nil, err
		}
		pt := newProvTracker(cfg.Regime, cfg.clock(), p.ID)
		if err := pt.save(ctx, st, pt.add(cps)); err != nil {
			return nil, err
		}
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// checkMirror checks a copy of another party's log against the checkpoint
// its replica last trusted: the entries held give that checkpoint's root.
func checkMirror(cfg Config, dir string, m *mirror) error {
	data, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var state struct {
		Checkpoint string `json:"checkpoint"`
	}
	if err := json.Unmarshal(data, &state); err != nil || state.Checkpoint == "" {
		return nil
	}
	c, err := cfg.Regime.OpenCheckpoint([]byte(state.Checkpoint), cfg.clock()())
	if err != nil {
		return fmt.Errorf("the replica's checkpoint: %v", err)
	}
	if c.Size > m.Len() {
		return fmt.Errorf("the copy holds %d entries, fewer than the %d of the checkpoint its replica trusted", m.Len(), c.Size)
	}
	rf := &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	rng := rf.NewEmptyRange(0)
	err = m.Scan(0, c.Size, func(_ uint64, e []byte) error {
		return rng.Append(rfc6962.DefaultHasher.HashLeaf(e), nil)
	})
	if err != nil {
		return err
	}
	root, err := rng.GetRootHash(nil)
	if err != nil {
		return err
	}
	if c.Size == 0 {
		// The compact range of no entries has no root; RFC 6962 gives
		// the empty tree the hash of the empty string. A replica trusts
		// the checkpoint of a log that is still empty.
		root = rfc6962.DefaultHasher.EmptyRoot()
	}
	if !bytes.Equal(root, c.Hash) {
		return fmt.Errorf("the %d entries held do not give the root of the checkpoint the replica trusted", c.Size)
	}
	return nil
}

// Dump writes the node's projection as canonical text (see store.Store).
func (n *Node) Dump(ctx context.Context, w io.Writer) error {
	return n.store.Dump(ctx, w)
}

var _ store.Store = (*sqlite.Store)(nil)
