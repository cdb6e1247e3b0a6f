package demo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/node"
	"github.com/tally-project/tally/regime"
)

// generate replays the scenario through the nodes, round by round, on
// the simulated clock; then lets the clock run from the treaty's expiry.
func (r *Regime) generate(ctx context.Context) {
	defer close(r.done)
	start := time.Now()
	err := r.replay(ctx)
	if err == nil {
		err = r.acknowledged(ctx, endOfReplay(r.sc))
	}
	if err == nil {
		err = r.settleAll(ctx)
	}
	if err == nil {
		r.Clock.Run(endOfReplay(r.sc))
		st := r.state
		st.Generated = true
		st.Clock.At, st.Clock.Real = endOfReplay(r.sc), time.Now().UTC()
		p := r.Progress()
		st.Rounds, st.Notifications = p.Round, p.Notifications
		st.Took = time.Since(start).Seconds()
		err = st.save(r.Data)
	}
	r.finish(err, time.Since(start))
}

// settle waits, for a demo started again, until the nodes have caught up
// with each other.
func (r *Regime) settle(ctx context.Context) {
	defer close(r.done)
	start := time.Now()
	r.finish(r.settleAll(ctx), time.Since(start))
}

func (r *Regime) finish(err error, took time.Duration) {
	r.mu.Lock()
	r.err = err
	if err == nil {
		r.progress.Ready, r.progress.Took = true, took
	}
	r.mu.Unlock()
	if err != nil {
		r.log.Error("the demo regime failed", "err", err)
	} else {
		r.log.Info("the demo regime is ready", "took", took.Round(time.Millisecond), "rounds", r.Progress().Round)
	}
	close(r.ready)
}

// sender submits one party's notifications to its node through the API,
// signed with the party's notification key on the simulated clock.
type sender struct {
	party  *Party
	client *node.Client
	author *exchange.Author
	sites  map[string][]forces.Site
	// sent is the size of the party's log after its last round.
	sent uint64
}

func (r *Regime) replay(ctx context.Context) error {
	rounds, err := plan(r.sc)
	if err != nil {
		return err
	}
	sites := map[string][]forces.Site{}
	for _, p := range r.sc.Parties {
		sites[p.ID] = p.Sites
	}
	senders := map[string]*sender{}
	r.senders = senders
	for _, p := range r.Parties {
		priv, _ := keys.Files(filepath.Join(p.Data, "keys"), p.ID, regime.RoleNotification)
		signer, err := keys.LoadSigner(priv)
		if err != nil {
			return err
		}
		senders[p.ID] = &sender{party: p, sites: sites,
			client: &node.Client{Base: p.URL, Token: p.Operator},
			author: &exchange.Author{Party: p.ID, Signer: signer, Now: r.Clock.Now}}
	}
	r.mu.Lock()
	r.progress.Rounds = len(rounds)
	r.mu.Unlock()
	for k, rd := range rounds {
		t0 := time.Now()
		if err := r.acknowledged(ctx, rd.at); err != nil {
			return err
		}
		r.Clock.Set(rd.at)
		var wg sync.WaitGroup
		errs := make([]error, len(r.Parties))
		sent := make([]int, len(r.Parties))
		for i, p := range r.Parties {
			its := rd.items[p.ID]
			if len(its) == 0 {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				sent[i], errs[i] = senders[p.ID].send(ctx, its)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("round %d (%s): %w", k+1, rd.at.Format(time.DateOnly), err)
		}
		r.mu.Lock()
		r.progress.Round = k + 1
		for _, n := range sent {
			r.progress.Notifications += n
		}
		r.progress.Simulated = civil.Of(rd.at)
		r.mu.Unlock()
		r.log.Debug("round sent", "round", k+1, "at", rd.at.Format(time.DateOnly), "took", time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

// send submits a round's items of one party and waits until the other
// parties have cosigned a checkpoint that covers them: their time of
// provision is then the round's simulated moment.
func (s *sender) send(ctx context.Context, its []*item) (int, error) {
	p, err := prepare(its, s.sites, nil)
	if err != nil {
		return 0, err
	}
	var resp *node.SubmitResponse
	for attempt := 0; ; attempt++ {
		// Numbered from the node's next sequence number; if the node's
		// own acknowledgements take those numbers first, signed again.
		s.author.Next = s.party.Node.NextSeq()
		req, err := p.sign(s.author)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", s.party.ID, err)
		}
		resp, err = s.client.Submit(ctx, req)
		var pe *node.ProblemError
		if errors.As(err, &pe) && pe.Code() == exchange.CodeSeqUsed && attempt < 10 {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", s.party.ID, err)
		}
		break
	}
	last := resp.Receipts[len(resp.Receipts)-1]
	if err := s.party.Node.WaitWitnessed(ctx, last.Index+1); err != nil {
		return 0, fmt.Errorf("%s: waiting for the other parties to cosign: %w", s.party.ID, err)
	}
	s.sent = last.Index + 1
	return len(resp.Receipts), nil
}

// acknowledged waits, before the clock moves to next, until every node
// that acknowledges now has acknowledged what was sent so far, if it will
// not acknowledge at next: a party acknowledges what reached it before it
// suspended its notifications, and nothing after. Those last
// acknowledgements reach the other parties before the clock moves too:
// a party that stopped writing on a day has nothing provided after it.
func (r *Regime) acknowledged(ctx context.Context, next time.Time) error {
	now := r.Clock.Now()
	withhold := withholdOf(r.sc)
	for _, q := range r.Parties {
		cut, ok := withhold[q.ID]
		if !ok || now.After(cut) || next.Before(cut) {
			continue
		}
		if err := r.waitAcks(ctx, q); err != nil {
			return err
		}
		// Every entry of its log is its own, numbered from 1.
		if err := q.Node.WaitWitnessed(ctx, q.Node.NextSeq()-1); err != nil {
			return fmt.Errorf("%s: waiting for the other parties to cosign its last acknowledgements: %w", q.ID, err)
		}
	}
	return nil
}

// waitAcks waits until q's node has acknowledged everything the driver
// sent to the other parties' logs.
func (r *Regime) waitAcks(ctx context.Context, q *Party) error {
	for {
		behind := ""
		for _, p := range r.Parties {
			if s := r.senders[p.ID]; p != q && s != nil && q.Node.Acknowledged(p.ID) < s.sent {
				behind = fmt.Sprintf("%s has acknowledged %d of the %d entries of %s's log", q.ID, q.Node.Acknowledged(p.ID), s.sent, p.ID)
			}
		}
		if behind == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %s", ctx.Err(), behind)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// settleAll waits until every node holds every log, as far as it goes,
// and every log has a checkpoint cosigned by the other parties.
func (r *Regime) settleAll(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		missing := r.lacks(ctx)
		if len(missing) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %s", ctx.Err(), strings.Join(missing, "; "))
		case <-t.C:
		}
	}
}

// lacks says what keeps the nodes from agreeing: a log not replicated as
// far as its owner published it, or not cosigned by the other parties.
func (r *Regime) lacks(ctx context.Context) []string {
	var out []string
	own := map[string]uint64{}
	for _, p := range r.Parties {
		for _, ls := range p.Node.Logs() {
			if ls.Own {
				own[ls.Party] = ls.Size
			}
		}
	}
	for _, p := range r.Parties {
		for _, ls := range p.Node.Logs() {
			switch {
			case !ls.Witnessed:
				out = append(out, fmt.Sprintf("%s's node: the latest checkpoint of %s's log is not cosigned by %s", p.ID, ls.Party, strings.Join(ls.Pending, ", ")))
			case !ls.Own && ls.Size < own[ls.Party]:
				out = append(out, fmt.Sprintf("%s's node holds %d of the %d entries of %s's log", p.ID, ls.Size, own[ls.Party], ls.Party))
			case ls.Size > 0:
				// When the last entry reached each other party, as this
				// node has it from their cosignatures.
				v, err := p.Node.NotificationAt(ctx, node.Access{Role: node.RoleInspector}, ls.Party, ls.Size-1)
				if err != nil {
					out = append(out, fmt.Sprintf("%s's node: %s's entry %d: %v", p.ID, ls.Party, ls.Size-1, err))
					continue
				}
				for _, q := range r.Parties {
					if q.ID != ls.Party && v.Provided[q.ID].IsZero() {
						out = append(out, fmt.Sprintf("%s's node does not know yet when %s's entry %d reached %s", p.ID, ls.Party, ls.Size-1, q.ID))
					}
				}
			}
		}
	}
	return out
}

// missing is what /healthz of party id's node waits for: the regime
// generated, every declaration applied on this node, every log it holds
// cosigned by the other parties.
func (r *Regime) missing(id string) []string {
	select {
	case <-r.ready:
	default:
		p := r.Progress()
		return []string{fmt.Sprintf("the demo regime is being generated: round %d of %d, simulated date %s, %d notifications sent", p.Round, p.Rounds, p.Simulated, p.Notifications)}
	}
	if err := r.Err(); err != nil {
		return []string{"the demo regime failed: " + err.Error()}
	}
	p := r.Party(id)
	if p == nil {
		return nil
	}
	var out []string
	ctx := context.Background()
	for _, sp := range r.sc.Parties {
		want := len(sp.Declarations())
		ds, err := p.Node.Declarations(ctx, node.Access{Role: node.RoleInspector}, sp.ID)
		if err != nil {
			out = append(out, fmt.Sprintf("declarations of %s: %v", sp.ID, err))
			continue
		}
		if len(ds) < want {
			out = append(out, fmt.Sprintf("%d of the %d declarations of %s applied", len(ds), want, sp.ID))
		}
	}
	for _, ls := range p.Node.Logs() {
		// A checkpoint cosigned by the other parties, not necessarily the
		// latest: a notification sent to the demo is cosigned a moment
		// after it is appended, and the node is healthy meanwhile.
		if ls.WitnessedSize == 0 && !ls.Witnessed {
			out = append(out, fmt.Sprintf("the log of %s has no checkpoint cosigned by %s", ls.Party, strings.Join(ls.Pending, ", ")))
		}
	}
	return out
}
