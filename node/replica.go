package node

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/store"
)

// deliver is the replica's Deliver for another party's log: the entry,
// checked against a witnessed checkpoint, goes into the mirror and through
// the party's book; what the book says of it is stored in batches.
func (n *Node) deliver(ls *logState) func(ctx context.Context, index uint64, entry []byte) error {
	return func(ctx context.Context, index uint64, entry []byte) error {
		ls.mu.Lock()
		defer ls.mu.Unlock()
		have := ls.mirror.Len()
		switch {
		case index < have:
			// Delivered again after a restart: it must be the same entry.
			old, err := ls.mirror.Entry(index)
			if err != nil {
				return err
			}
			if !bytes.Equal(old, entry) {
				return fmt.Errorf("entry %d of %s differs from the copy already held", index, ls.party.ID)
			}
			return nil
		case index > have:
			return fmt.Errorf("entry %d of %s delivered after %d entries", index, ls.party.ID, have)
		}
		if err := ls.mirror.Append(index, entry); err != nil {
			return err
		}
		ap, err := ls.book.Apply(index, entry)
		if err != nil {
			return err
		}
		if !ap.Valid {
			n.metrics.invalid.WithLabelValues(ls.party.ID).Inc()
			n.log.Warn("an invalid entry in another party's log", "log", ls.party.ID, "index", index, "problem", ap.Error())
		}
		ls.pending = append(ls.pending, ap)
		if len(ls.pending) >= 1024 {
			if err := n.flush(ctx, ls); err != nil {
				return err
			}
		}
		return nil
	}
}

// flush makes the mirror durable and stores the pending entries
// (ls.mu held).
func (n *Node) flush(ctx context.Context, ls *logState) error {
	if err := ls.mirror.Sync(); err != nil {
		return err
	}
	if len(ls.pending) == 0 {
		return nil
	}
	if err := n.store.Apply(ctx, ls.pending); err != nil {
		n.log.Error("storing the projection", "log", ls.party.ID, "err", err)
		return err
	}
	ls.pending = nil
	return nil
}

// replicate follows another party's log: a round of replication, the
// entries stored, an acknowledgement of what is new.
func (n *Node) replicate(ls *logState) {
	defer n.bgWG.Done()
	t := time.NewTicker(n.cfg.ReplicateInterval)
	defer t.Stop()
	for {
		err := ls.rep.Sync(n.bg)
		ls.mu.Lock()
		ferr := n.flush(context.Background(), ls)
		ls.synced.Store(ls.book.Size())
		ls.mu.Unlock()
		if err != nil && !errors.Is(err, ledger.ErrNotTrusted) && n.bg.Err() == nil {
			n.log.Debug("replicating", "log", ls.party.ID, "err", err)
		}
		if ferr == nil && n.bg.Err() == nil {
			if err := n.acknowledge(n.bg, ls); err != nil && n.bg.Err() == nil {
				n.log.Warn("acknowledging", "log", ls.party.ID, "err", err)
			}
		}
		n.metrics.replica.WithLabelValues(ls.party.ID).Set(float64(ls.synced.Load()))
		select {
		case <-n.bg.Done():
			return
		case <-t.C:
		}
	}
}

// acknowledge writes an acknowledgement of the entries of ls's log that
// are new since the last one, if any of them is of a kind acknowledged,
// or not a valid notification (which the acknowledgement names).
func (n *Node) acknowledge(ctx context.Context, ls *logState) error {
	if n.cfg.Acknowledge != nil && !n.cfg.Acknowledge() {
		return nil
	}
	n.ownMu.Lock()
	acked := n.logs[n.cfg.Party].book.Acked(ls.party.ID)
	n.ownMu.Unlock()
	ls.mu.Lock()
	size := ls.book.Size()
	cp := ls.rep.Checkpoint()
	ls.mu.Unlock()
	if size <= acked || len(cp) == 0 {
		return nil
	}
	c, err := n.reg.OpenCheckpoint(cp, n.cfg.Now())
	if err != nil {
		return err
	}
	if c.Size != size {
		return nil // mid-way: the next round ends on a checkpoint
	}
	news, err := n.store.Notifications(ctx, store.Query{Party: ls.party.ID, FromIndex: acked, KnownAt: size, WithoutEntry: true})
	if err != nil {
		return err
	}
	worth := false
	a := &exchange.Ack{Of: ls.party.ID, Size: size, Root: base64.StdEncoding.EncodeToString(c.Hash)}
	for _, nt := range news {
		switch {
		case !nt.Valid:
			a.Invalid = append(a.Invalid, nt.Index)
			worth = true
		case nt.Kind.Acknowledged():
			worth = true
		}
		if nt.Valid {
			a.Through = nt.Seq
		}
	}
	if !worth {
		return nil
	}
	if a.Through == 0 {
		// Nothing valid among the new entries: name the last valid one.
		if prev, err := n.store.Notifications(ctx, store.Query{Party: ls.party.ID, KnownAt: acked, Newest: true, Limit: 1, Valid: boolPtr(true), WithoutEntry: true}); err == nil && len(prev) > 0 {
			a.Through = prev[0].Seq
		}
	}
	_, err = n.submitDraft(ctx, exchange.Acknowledgement, civil.Of(n.cfg.Now().UTC()), a)
	return err
}

func boolPtr(b bool) *bool { return &b }

// provisionLoop collects cosignatures into times of provision.
func (n *Node) provisionLoop() {
	defer n.bgWG.Done()
	t := time.NewTicker(n.cfg.ProvisionInterval)
	defer t.Stop()
	for {
		select {
		case <-n.bg.Done():
			return
		case <-t.C:
		}
		n.syncProvision(n.bg, false)
	}
}

// syncProvision reads the checkpoint archives (the own log's, and copies
// of the others', fetched unless local) and stores the times of
// provision that changed.
func (n *Node) syncProvision(ctx context.Context, local bool) {
	for _, id := range n.order {
		ls := n.logs[id]
		path := filepath.Join(n.cfg.Data, "log", ledger.ArchiveFile)
		if id != n.cfg.Party {
			path = ls.archive
			if !local {
				if _, err := fetchArchive(ctx, n.cfg.HTTPClient, ls.party.LogURL()+ledger.ArchiveFile, path); err != nil && ctx.Err() == nil {
					n.log.Debug("fetching a checkpoint archive", "log", id, "err", err)
				}
			}
		}
		cps, err := readArchive(path)
		if err != nil {
			n.log.Warn("reading a checkpoint archive", "log", id, "err", err)
			continue
		}
		changed := ls.prov.add(cps)
		if err := ls.prov.save(context.WithoutCancel(ctx), n.store, changed); err != nil {
			n.log.Warn("storing times of provision", "log", id, "err", err)
		}
		if len(cps) > 0 && id != n.cfg.Party {
			latest := cps[len(cps)-1]
			ls.latest.Store(latest.Full())
			if cur, _ := ls.witnessed.Load().([]byte); len(changed) > 0 || cur == nil {
				for i := len(cps) - 1; i >= 0 && i >= len(cps)-64; i-- {
					c, err := n.reg.OpenCheckpoint(cps[i].Full(), n.cfg.Now())
					if err == nil && c.Witnessed() {
						ls.witnessed.Store(cps[i].Full())
						break
					}
				}
			}
		}
	}
}

// logStatus is what the node knows of one log.
type LogStatus struct {
	Party  string `json:"party"`
	Origin string `json:"origin"`
	// Own is true for the node's own log.
	Own bool `json:"own"`
	// Size is how many entries the node holds of the log (its own: the
	// published size).
	Size uint64 `json:"size"`
	// Checkpoint is the latest checkpoint the node holds of the log, with
	// its cosignatures (its own: the latest published; another's: the
	// latest its witness cosigned).
	Checkpoint string `json:"checkpoint,omitempty"`
	// Cosigned lists the parties whose valid cosignature it carries, with
	// their times.
	Cosigned []Cosignature `json:"cosigned"`
	// Pending lists the witnesses that have not cosigned it.
	Pending []string `json:"pending"`
	// Witnessed reports whether it meets the regime's witness policy.
	Witnessed bool `json:"witnessed"`
	// WitnessedSize is the largest witnessed size known.
	WitnessedSize uint64 `json:"witnessed_size"`
}

// Cosignature is one cosignature on a checkpoint.
type Cosignature struct {
	Witness string    `json:"witness"`
	Time    time.Time `json:"time"`
}

// Logs reports every log's latest checkpoint with its cosignatures and
// witness status.
func (n *Node) Logs() []LogStatus {
	var out []LogStatus
	for _, id := range n.order {
		ls := n.logs[id]
		st := LogStatus{Party: id, Origin: ls.party.Log.Origin, Own: id == n.cfg.Party}
		var cp []byte
		if st.Own {
			cp = n.own.Checkpoint()
			st.Size = n.own.Size()
			st.WitnessedSize = n.own.WitnessedSize()
		} else {
			// The log's latest checkpoint as it published it, with every
			// cosignature it received (from its archive); failing that,
			// the latest this node's witness cosigned.
			cp, _ = ls.latest.Load().([]byte)
			if len(cp) == 0 {
				cp = n.wit.Latest(ls.party.Log.Origin)
			}
			st.Size = ls.synced.Load()
			if w, _ := ls.witnessed.Load().([]byte); len(w) > 0 {
				if c, err := n.reg.OpenCheckpoint(w, n.cfg.Now()); err == nil {
					st.WitnessedSize = c.Size
				}
			}
		}
		if len(cp) > 0 {
			st.Checkpoint = string(cp)
			if c, err := n.reg.OpenCheckpoint(cp, n.cfg.Now()); err == nil {
				for _, cs := range c.Cosignatures {
					st.Cosigned = append(st.Cosigned, Cosignature{Witness: cs.Witness.ID, Time: cs.Time})
				}
				for _, p := range c.Pending() {
					st.Pending = append(st.Pending, p.ID)
				}
				st.Witnessed = c.Witnessed()
				if st.Witnessed && c.Size > st.WitnessedSize {
					st.WitnessedSize = c.Size
				}
			}
		}
		out = append(out, st)
	}
	return out
}

// Alerts lists the alerts the node's witness has raised.
func (n *Node) Alerts() []ledger.Alert { return n.wit.Alerts() }

func partyIDs(ps []*regime.Party) string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return strings.Join(ids, ", ")
}
