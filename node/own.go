package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/internal/durable"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/ledger/receipt"
)

// ErrShuttingDown: the node is stopping and takes no more submissions.
var ErrShuttingDown = errors.New("the node is shutting down")

// ErrRecovering: appending to the log failed and the node is recovering
// its state from the log; submit again shortly.
var ErrRecovering = errors.New("the node is recovering its state from its log after a write failed; submit again")

// Submission is an ordered batch of notifications for the node's own
// party: signed envelopes (the entries exactly as they go into the log),
// or drafts the node numbers and signs with the party's notification key.
// It is accepted whole or not at all.
type Submission struct {
	// Envelopes are signed envelopes (exchange.Envelope.Sign), in order.
	Envelopes [][]byte
	// Drafts are notifications for the node to number and sign.
	Drafts []exchange.Draft
	// Private are the per-missile loadings behind declarations of the
	// batch, which the node keeps and never shares.
	Private []PrivateLoadings
}

// PrivateLoadings are the salted loadings behind the declaration whose
// first part is the batch's envelope Entry (or has sequence number Seq).
type PrivateLoadings struct {
	Entry    int                `json:"entry"`
	Loadings []exchange.Loading `json:"loadings"`
}

// Receipt is what a submitter gets for each notification: where it is in
// the log, and the receipt proving it (a C2SP tlog-proof).
type Receipt struct {
	Party string        `json:"party"`
	Seq   uint64        `json:"seq"`
	Index uint64        `json:"index"`
	Kind  exchange.Kind `json:"kind"`
	// Existing is true when the envelope was already in the log: a retry.
	Existing bool             `json:"existing,omitempty"`
	Receipt  *receipt.Receipt `json:"-"`
	Proof    string           `json:"receipt"`
}

type request struct {
	sub    Submission
	done   chan result
	queued time.Time
}

type result struct {
	receipts []*Receipt
	err      error
}

// flight is an entry admitted and being appended.
type flight struct {
	seq, index uint64
	kind       exchange.Kind
	entry      []byte
	done       chan struct{}
	once       sync.Once
	rc         *receipt.Receipt
	err        error
}

func (f *flight) finish(rc *receipt.Receipt, err error) {
	f.once.Do(func() {
		f.rc, f.err = rc, err
		close(f.done)
	})
}

type admitted struct {
	req      *request
	existing []*existingRef
	aps      []*exchange.Applied
	flights  []*flight
}

type existingRef struct {
	seq, index uint64
	kind       exchange.Kind
	f          *flight // nil if appended before
}

type round struct {
	epoch uint64
	reqs  []*admitted
}

// Submit appends a batch of notifications of the node's party and returns
// a receipt for each, once each is durable in the log and covered by a
// signed checkpoint. A batch is checked whole first (exchange.Book.Admit):
// if anything is wrong, the error is an *exchange.Rejection naming each
// problem, and nothing is written. Envelopes already in the log (a retry
// after a lost answer) get their receipts again.
func (n *Node) Submit(ctx context.Context, sub Submission) ([]*Receipt, error) {
	if n.closing.Load() {
		return nil, ErrShuttingDown
	}
	if len(sub.Envelopes) > 0 && len(sub.Drafts) > 0 {
		return nil, &exchange.Rejection{Problems: []*exchange.Problem{{Field: "drafts", Code: exchange.CodeSchema, Msg: "a batch holds envelopes or drafts, not both"}}}
	}
	if len(sub.Envelopes)+len(sub.Drafts) == 0 {
		return nil, &exchange.Rejection{Problems: []*exchange.Problem{{Code: exchange.CodeSchema, Msg: "an empty batch"}}}
	}
	if len(sub.Envelopes)+len(sub.Drafts) > maxRound {
		return nil, &exchange.Rejection{Problems: []*exchange.Problem{{Code: exchange.CodeTooLarge, Msg: fmt.Sprintf("a batch holds at most %d notifications", maxRound)}}}
	}
	req := &request{sub: sub, done: make(chan result, 1), queued: time.Now()}
	if err := n.enqueue(req); err != nil {
		return nil, err
	}
	select {
	case r := <-req.done:
		n.metrics.submitted(r.err, time.Since(req.queued))
		return r.receipts, r.err
	case <-ctx.Done():
		// The batch may still be appended: submitting the same envelopes
		// again returns their receipts.
		return nil, ctx.Err()
	}
}

func (n *Node) enqueue(req *request) (err error) {
	defer func() {
		if recover() != nil {
			err = ErrShuttingDown // the queue is closed
		}
	}()
	n.queue <- req
	return nil
}

// Parking: signed batches that arrive ahead of their turn (a client with
// several batches in flight) wait until the batches before them are
// admitted, for a while.
const (
	// parkAhead is how far past the next sequence number a batch may be
	// and still wait for its turn.
	parkAhead = 1 << 16
	// DefaultParkFor is how long it waits before it is refused (a
	// sequence gap).
	DefaultParkFor = 5 * time.Second
)

type parked struct {
	req   *request
	since time.Time
}

// sequence admits queued batches, a round at a time, against the own
// book, and hands each round to the appender. While a round is appended,
// the next is admitted. A signed batch whose first sequence number is
// ahead of the next waits (parks) until the batches before it come.
func (n *Node) sequence() {
	defer close(n.seqDone)
	defer close(n.rounds)
	park := map[uint64][]parked{}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		var reqs []*request
		select {
		case req, ok := <-n.queue:
			if !ok {
				for _, ps := range park {
					for _, p := range ps {
						p.req.done <- result{err: ErrShuttingDown}
					}
				}
				return
			}
			reqs = append(reqs, req)
			size := req.size()
		gather:
			for size < maxRound {
				select {
				case r, ok := <-n.queue:
					if !ok {
						break gather
					}
					reqs = append(reqs, r)
					size += r.size()
				default:
					break gather
				}
			}
		case now := <-tick.C:
			n.ownMu.Lock()
			next := n.logs[n.cfg.Party].book.Next()
			n.ownMu.Unlock()
			for seq, ps := range park {
				var keep []parked
				for _, p := range ps {
					if now.Sub(p.since) < n.cfg.ParkFor {
						keep = append(keep, p)
						continue
					}
					p.req.done <- result{err: &exchange.Rejection{Problems: []*exchange.Problem{{Party: n.cfg.Party, Seq: seq, Field: "seq", Code: exchange.CodeSeqGap,
						Msg: fmt.Sprintf("sequence number %d: the next of %s is %d, and the notifications before it did not come within %v", seq, n.cfg.Party, next, n.cfg.ParkFor)}}}}
				}
				if keep == nil {
					delete(park, seq)
				} else {
					park[seq] = keep
				}
			}
			continue
		}
		rd := &round{}
		n.ownMu.Lock()
		rd.epoch = n.epoch
		book := n.logs[n.cfg.Party].book
		for i := 0; i < len(reqs); i++ {
			r := reqs[i]
			if n.broken != nil {
				r.done <- result{err: ErrRecovering}
				continue
			}
			if seq, ok := firstSeq(r, n.cfg.Party); ok && seq > book.Next() && seq-book.Next() <= parkAhead {
				park[seq] = append(park[seq], parked{r, time.Now()})
				continue
			}
			a, err := n.admit(r)
			if err != nil {
				r.done <- result{err: err}
				continue
			}
			rd.reqs = append(rd.reqs, a)
			// The batches that were waiting for this one.
			if ps, ok := park[book.Next()]; ok {
				delete(park, book.Next())
				for _, p := range ps {
					reqs = append(reqs, p.req)
				}
			}
		}
		n.ownMu.Unlock()
		if len(rd.reqs) > 0 {
			n.rounds <- rd
		}
	}
}

// firstSeq is the sequence number of a signed batch's first envelope,
// when it is one of party's: another party's batch never waits for its
// turn here, it is refused at once as not the node's own.
func firstSeq(r *request, party string) (uint64, bool) {
	if len(r.sub.Envelopes) == 0 {
		return 0, false
	}
	s, err := exchange.Parse(r.sub.Envelopes[0])
	if err != nil || s.Party != party {
		return 0, false
	}
	return s.Seq, true
}

func (r *request) size() int { return len(r.sub.Envelopes) + len(r.sub.Drafts) }

// admit checks one batch against the own book (n.ownMu held).
func (n *Node) admit(req *request) (*admitted, error) {
	ls := n.logs[n.cfg.Party]
	book := ls.book
	entries := req.sub.Envelopes
	if len(req.sub.Drafts) > 0 {
		var err error
		if entries, err = n.signDrafts(book, req.sub.Drafts); err != nil {
			return nil, err
		}
	}
	a := &admitted{req: req}
	// The envelopes already in the log: a prefix of the batch.
	k := 0
	for ; k < len(entries); k++ {
		s, err := exchange.Parse(entries[k])
		if err != nil {
			p := asProblem(err)
			p.Entry = k
			return nil, &exchange.Rejection{Problems: []*exchange.Problem{p}}
		}
		if s.Party != n.cfg.Party {
			code := exchange.CodeNotOwn
			if n.reg.Party(s.Party) == nil {
				code = exchange.CodeParty
			}
			return nil, &exchange.Rejection{Problems: []*exchange.Problem{{Entry: k, Party: s.Party, Seq: s.Seq, Field: "party", Code: code,
				Msg: fmt.Sprintf("this is the node of %s; it takes notifications of %s only", n.cfg.Party, n.cfg.Party)}}}
		}
		if s.Seq >= book.Next() {
			break
		}
		idx, _ := book.Index(s.Seq)
		f := n.flights[s.Seq]
		var logged []byte
		if f != nil {
			logged = f.entry
		} else {
			e, err := n.own.Entry(context.Background(), idx)
			if err != nil {
				return nil, fmt.Errorf("reading entry %d back: %v", idx, err)
			}
			logged = e
		}
		if !bytes.Equal(logged, entries[k]) {
			kind := exchange.Kind("?")
			if ls, err := exchange.Parse(logged); err == nil {
				kind = ls.Kind
			}
			return nil, &exchange.Rejection{Problems: []*exchange.Problem{{Entry: k, Party: s.Party, Seq: s.Seq, Field: "seq", Code: exchange.CodeSeqUsed,
				Msg: fmt.Sprintf("sequence number %d is already used by a different envelope (%s, entry %d of the log); the next is %d", s.Seq, kind, idx, book.Next())}}}
		}
		a.existing = append(a.existing, &existingRef{seq: s.Seq, index: idx, kind: s.Kind, f: f})
	}
	rest := entries[k:]
	if len(rest) == 0 {
		return a, nil
	}
	if err := n.checkPrivate(req.sub.Private, entries, k); err != nil {
		return nil, err
	}
	aps, err := book.Admit(rest, n.cfg.Now())
	if err != nil {
		var rej *exchange.Rejection
		if errors.As(err, &rej) {
			for _, p := range rej.Problems {
				p.Entry += k
			}
		}
		return nil, err
	}
	a.aps = aps
	if err := n.savePrivate(req.sub.Private, entries, aps, k); err != nil {
		// The book has taken the batch; the log has not. Recover, once
		// the rounds in flight are done.
		n.broken = err
		n.epoch++
		if n.inflight == 0 {
			go n.recover(err)
		}
		return nil, err
	}
	for _, ap := range aps {
		f := &flight{seq: ap.Seq, index: ap.Index, kind: ap.Kind, entry: ap.Entry, done: make(chan struct{})}
		n.flights[ap.Seq] = f
		a.flights = append(a.flights, f)
	}
	return a, nil
}

func asProblem(err error) *exchange.Problem {
	var p *exchange.Problem
	if errors.As(err, &p) {
		return p
	}
	return &exchange.Problem{Code: exchange.CodeMalformed, Msg: err.Error()}
}

// signDrafts numbers and signs drafts with a notification key the own
// book takes now.
func (n *Node) signDrafts(book *exchange.Book, drafts []exchange.Draft) ([][]byte, error) {
	signer, err := n.currentSigner(book)
	if err != nil {
		return nil, err
	}
	a := &exchange.Author{Party: n.cfg.Party, Signer: signer, Next: book.Next(), Now: n.cfg.Now}
	out := make([][]byte, len(drafts))
	for i, d := range drafts {
		e, err := a.Sign(d)
		if err != nil {
			p := asProblem(err)
			p.Entry = i
			return nil, &exchange.Rejection{Problems: []*exchange.Problem{p}}
		}
		out[i] = e
	}
	return out, nil
}

// currentSigner is the first notification key of the node's that may sign
// the next entry; the keys directory is read again if none may.
func (n *Node) currentSigner(book *exchange.Book) (noteSigner, error) {
	for attempt := 0; attempt < 2; attempt++ {
		for _, s := range n.signers {
			if book.KeyValid(s.Name(), s.KeyHash(), n.cfg.Now()) == nil {
				return s, nil
			}
		}
		ss, err := loadNotificationSigners(n.cfg.Keys, n.cfg.Party)
		if err != nil {
			return nil, err
		}
		n.signers = ss
	}
	return nil, fmt.Errorf("none of the notification keys in %s may sign %s's next notification (a regime change retired them?)", n.cfg.Keys, n.cfg.Party)
}

// checkPrivate checks private loadings against the declarations of the
// batch they belong to, before anything is admitted.
func (n *Node) checkPrivate(ps []PrivateLoadings, entries [][]byte, k int) error {
	for i, p := range ps {
		field := fmt.Sprintf("private[%d]", i)
		bad := func(format string, args ...any) error {
			return &exchange.Rejection{Problems: []*exchange.Problem{{Entry: p.Entry, Field: field, Code: exchange.CodeLoading, Msg: fmt.Sprintf(format, args...)}}}
		}
		if p.Entry < k || p.Entry >= len(entries) {
			return bad("entry %d is not a new envelope of the batch", p.Entry)
		}
		var parts []*exchange.Declaration
		for j := p.Entry; j < len(entries); j++ {
			s, err := exchange.Parse(entries[j])
			if err != nil || !s.Kind.IsDeclaration() {
				break
			}
			// The book decodes the body strictly when it admits the
			// batch, and refuses it whole if that fails; here plain JSON
			// is enough to match the loadings, and much faster on a
			// declaration of thousands of items. A body JSON cannot read
			// gets the strict decoder's error.
			d := &exchange.Declaration{}
			if json.Unmarshal(s.Body, d) != nil {
				if _, err := exchange.DecodeBody(s.Kind, s.Body); err != nil {
					return err
				}
			}
			if j == p.Entry && max(d.Part, 1) != 1 {
				return bad("entry %d is part %d of a declaration; private loadings go with part 1", j, d.Part)
			}
			parts = append(parts, d)
			if len(parts) == max(d.Parts, 1) {
				break
			}
		}
		if len(parts) == 0 {
			return bad("entry %d is not a declaration", p.Entry)
		}
		if len(parts) != max(parts[0].Parts, 1) {
			return bad("the batch holds %d of the %d parts of the declaration; send every part with its private loadings", len(parts), parts[0].Parts)
		}
		whole, err := exchange.Join(parts)
		if err != nil {
			return bad("%v", err)
		}
		deployed := map[string]string{}
		for _, g := range whole.Groups {
			if g.Kind.IsMissile() && g.Status == "deployed" {
				for _, u := range g.UIDs {
					deployed[u] = g.Site
				}
			}
		}
		err = exchange.VerifyLoadings(whole, p.Loadings, func(uid string) (string, bool) {
			s, ok := deployed[uid]
			return s, ok
		})
		if err != nil {
			return bad("%v", err)
		}
		if len(p.Loadings) != len(deployed) {
			return bad("%d loadings for %d deployed missiles", len(p.Loadings), len(deployed))
		}
	}
	return nil
}

// savePrivate writes the private loadings of admitted declarations to the
// private directory, durably, before their declarations are appended.
func (n *Node) savePrivate(ps []PrivateLoadings, entries [][]byte, aps []*exchange.Applied, k int) error {
	for _, p := range ps {
		ap := aps[p.Entry-k]
		path := filepath.Join(n.cfg.Data, "private", fmt.Sprintf("%s-%d.loadings.json", n.cfg.Party, ap.Seq))
		data, err := json.Marshal(p.Loadings)
		if err != nil {
			return err
		}
		if err := durable.WriteFile(path, data, 0o600); err != nil {
			return fmt.Errorf("keeping the private loadings: %v", err)
		}
	}
	return nil
}

// added is a round whose entries were added to the log, waiting for
// their receipts.
type added struct {
	rd    *round
	fs    []*flight
	aps   []*exchange.Applied
	wait  func() ([]*receipt.Receipt, error)
	err   error
	stale bool
}

// appendRounds adds the entries of admitted rounds to the log, in order,
// without waiting for each round's receipts before adding the next: the
// log then covers several rounds with one checkpoint.
func (n *Node) appendRounds() {
	defer close(n.waits)
	for rd := range n.rounds {
		a := &added{rd: rd}
		var entries [][]byte
		for _, ad := range rd.reqs {
			for _, f := range ad.flights {
				entries = append(entries, f.entry)
				a.fs = append(a.fs, f)
			}
			a.aps = append(a.aps, ad.aps...)
		}
		n.ownMu.Lock()
		a.stale = rd.epoch != n.epoch || n.broken != nil
		if !a.stale && len(entries) > 0 {
			a.wait, a.err = n.own.AppendBatchAsync(context.Background(), entries)
		}
		n.inflight++
		n.ownMu.Unlock()
		n.waits <- a
	}
}

// finishRounds waits for each added round's receipts, in order, stores
// what the round did, and answers its submitters. After a failed append it
// recovers the own book from the log, once no round is in flight.
func (n *Node) finishRounds() {
	defer close(n.appDone)
	for a := range n.waits {
		n.finish(a)
		n.ownMu.Lock()
		n.inflight--
		broken := n.broken != nil && n.inflight == 0
		cause := n.broken
		n.ownMu.Unlock()
		if broken {
			n.recover(cause)
		}
	}
}

func (n *Node) finish(a *added) {
	if a.stale {
		n.failRound(a.rd, ErrRecovering)
		return
	}
	var rcs []*receipt.Receipt
	err := a.err
	if err == nil && a.wait != nil {
		rcs, err = a.wait()
	}
	if err != nil {
		n.log.Error("appending to the log", "entries", len(a.fs), "err", err)
		n.ownMu.Lock()
		if n.broken == nil {
			n.broken = err
		}
		n.epoch++
		n.ownMu.Unlock()
		n.failRound(a.rd, fmt.Errorf("appending to the log: %v (%w)", err, ErrRecovering))
		return
	}
	for i, f := range a.fs {
		f.finish(rcs[i], nil)
	}
	if len(a.fs) > 0 {
		n.metrics.appended.Add(float64(len(a.fs)))
		n.ownMu.Lock()
		current := a.rd.epoch == n.epoch
		n.ownMu.Unlock()
		if current {
			n.storeOwn(a.aps)
			n.savedLoadings(a.rd)
		} // else the recovery stores what the log holds
	}
	n.ownMu.Lock()
	for _, f := range a.fs {
		if n.flights[f.seq] == f {
			delete(n.flights, f.seq)
		}
	}
	n.ownMu.Unlock()
	for _, ad := range a.rd.reqs {
		ad.req.done <- n.answer(ad)
	}
}

// storeOwn writes what the own entries did to the projection; what cannot
// be written now is kept for the next round (and, after a crash, replayed
// from the log at start).
func (n *Node) storeOwn(aps []*exchange.Applied) {
	n.unstored = append(n.unstored, aps...)
	if err := n.store.Apply(context.Background(), n.unstored); err != nil {
		n.log.Error("storing the projection of the own log", "entries", len(n.unstored), "err", err)
		return
	}
	n.unstored = nil
}

// savedLoadings copies the private loadings of a round's declarations into
// the store.
func (n *Node) savedLoadings(rd *round) {
	for _, a := range rd.reqs {
		for _, p := range a.req.sub.Private {
			ap := a.aps[p.Entry-len(a.existing)]
			if err := n.store.SaveLoadings(context.Background(), n.cfg.Party, ap.Seq, p.Loadings); err != nil {
				n.log.Error("storing private loadings", "seq", ap.Seq, "err", err)
			}
		}
	}
}

func (n *Node) failRound(rd *round, err error) {
	for _, a := range rd.reqs {
		for _, f := range a.flights {
			f.finish(nil, err)
		}
		a.req.done <- result{err: err}
	}
}

// answer builds the receipts of an appended batch.
func (n *Node) answer(a *admitted) result {
	out := make([]*Receipt, 0, len(a.existing)+len(a.flights))
	for _, e := range a.existing {
		var rc *receipt.Receipt
		if e.f != nil {
			<-e.f.done
			if e.f.err != nil {
				return result{err: fmt.Errorf("seq %d: %v", e.seq, e.f.err)}
			}
			rc = e.f.rc
		} else {
			var err error
			if rc, err = n.own.Receipt(context.Background(), e.index); err != nil {
				return result{err: fmt.Errorf("seq %d: %v", e.seq, err)}
			}
		}
		out = append(out, &Receipt{Party: n.cfg.Party, Seq: e.seq, Index: e.index, Kind: e.kind, Existing: true, Receipt: rc, Proof: string(rc.Marshal())})
	}
	for _, f := range a.flights {
		out = append(out, &Receipt{Party: n.cfg.Party, Seq: f.seq, Index: f.index, Kind: f.kind, Receipt: f.rc, Proof: string(f.rc.Marshal())})
	}
	return result{receipts: out}
}

// recover rebuilds the own book from the log after a failed append: the
// log may hold a prefix of the failed round.
func (n *Node) recover(cause error) {
	n.ownMu.Lock()
	defer n.ownMu.Unlock()
	ctx := context.Background()
	for attempt := 0; ; attempt++ {
		err := n.rebuildOwn(ctx)
		if err == nil {
			n.broken = nil
			n.log.Info("recovered the own book from the log", "after", cause)
			return
		}
		n.log.Error("recovering the own book", "err", err)
		if n.closing.Load() || attempt > 50 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (n *Node) rebuildOwn(ctx context.Context) error {
	if err := n.waitPublished(ctx); err != nil {
		return err
	}
	ls := n.logs[n.cfg.Party]
	b, err := exchange.NewBook(n.ex, n.cfg.Party)
	if err != nil {
		return err
	}
	old := ls.book
	ls.book = b
	n.unstored = nil
	if err := n.catchUpOwn(ctx); err != nil {
		ls.book = old
		return err
	}
	n.flights = map[uint64]*flight{}
	return nil
}

// submitDraft appends one notification the node writes itself (an
// acknowledgement, a witness alert).
func (n *Node) submitDraft(ctx context.Context, k exchange.Kind, eff civil.Date, body any) (*Receipt, error) {
	d, err := exchange.NewDraft(k, eff, body)
	if err != nil {
		return nil, err
	}
	rs, err := n.Submit(ctx, Submission{Drafts: []exchange.Draft{d}})
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// alertSink writes an alert of the node's witness into the node's own log
// as a witness-alert notification, once.
func (n *Node) alertSink(ctx context.Context, a ledger.Alert) error {
	if !n.ready.Load() {
		return errors.New("the node is not ready yet")
	}
	n.ownMu.Lock()
	logged := n.logs[n.cfg.Party].book.AlertLogged(a.ID)
	n.ownMu.Unlock()
	if logged {
		return nil
	}
	n.metrics.alerts.Inc()
	_, err := n.submitDraft(ctx, exchange.WitnessAlert, civil.Of(a.Time.UTC()), json.RawMessage(a.Marshal()))
	var rej *exchange.Rejection
	if errors.As(err, &rej) && rej.Code() == exchange.CodeSchema {
		n.ownMu.Lock()
		logged = n.logs[n.cfg.Party].book.AlertLogged(a.ID)
		n.ownMu.Unlock()
		if logged {
			return nil
		}
	}
	if err != nil {
		n.log.Error("writing a witness alert into the log", "alert", a.ID, "err", err)
	}
	return err
}
