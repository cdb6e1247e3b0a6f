package node

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/ledger/receipt"
)

func TestSingleNode(t *testing.T) {
	c := newCluster(t, "US", "RU")
	n := c.start("US")
	ctx := context.Background()
	cl := c.client("US")
	a := c.author("US")
	d, ls := initialOf(t, "US", 4)
	resp, err := cl.Send(ctx, a, []exchange.Draft{draft(t, exchange.InitialDeclaration, "2011-02-05", d)}, map[int][]exchange.Loading{0: ls})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Receipts) != 1 || resp.Receipts[0].Seq != 1 || resp.Receipts[0].Index != 0 {
		t.Fatalf("receipts: %+v", resp.Receipts)
	}
	rc, err := receipt.Parse([]byte(resp.Receipts[0].Proof))
	if err != nil {
		t.Fatal(err)
	}
	if res := rc.Verify(c.fix.Regime, time.Now()); !res.Valid() {
		t.Fatalf("receipt: %s", res.Summary())
	}

	// A change, then a status change of an eliminated item is refused.
	ch := forces.Event{Date: civil.MustParse("2011-03-01"), Op: forces.OpEliminate, UIDs: []string{uid("US", "L", 5)}}
	if _, err := cl.Send(ctx, a, []exchange.Draft{draft(t, exchange.StatusChange, "2011-03-01", ch)}, nil); err != nil {
		t.Fatal(err)
	}
	size, next := n.own.Size(), n.NextSeq()
	bad := forces.Event{Date: civil.MustParse("2011-03-02"), Op: forces.OpStatus, UIDs: []string{uid("US", "L", 5)}, Status: forces.Deployed}
	_, err = cl.Send(ctx, a, []exchange.Draft{
		draft(t, exchange.NoteKind, "2011-03-02", exchange.Note{Text: "a good one first"}),
		draft(t, exchange.StatusChange, "2011-03-02", bad)}, nil)
	var pe *ProblemError
	if !errors.As(err, &pe) || pe.Status != 422 || pe.Errors[0].UID != uid("US", "L", 5) || pe.Errors[0].Field != "body.uids[0]" || pe.Errors[0].Entry != 1 {
		t.Fatalf("eliminated item deployed: %v", err)
	}
	// Private loadings that are not what a declaration commits to.
	d2 := *d
	d2.AsOf = civil.MustParse("2011-09-01")
	wrong := append([]exchange.Loading(nil), ls...)
	wrong[0].Warheads++
	_, err = cl.Send(ctx, a, []exchange.Draft{draft(t, exchange.PeriodicDeclaration, "2011-09-01", &d2)}, map[int][]exchange.Loading{0: wrong})
	if !errors.As(err, &pe) || pe.Status != 422 || pe.Errors[0].Code != exchange.CodeLoading || pe.Errors[0].Field != "private[0]" {
		t.Fatalf("wrong private loadings: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	if n.own.Size() != size || n.NextSeq() != next {
		t.Fatalf("a refused batch was written: size %d -> %d, next %d -> %d", size, n.own.Size(), next, n.NextSeq())
	}

	// The forces: the operator sees its private loadings.
	fv, err := n.Forces(ctx, operator("US"), "US", civil.MustParse("2011-03-05"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(fv.Items) != 9 || !fv.Private {
		t.Fatalf("forces: %d items, private %v", len(fv.Items), fv.Private)
	}
	heads := 0
	for _, it := range fv.Items {
		if it.Warheads != nil {
			heads += *it.Warheads
		}
	}
	if heads != 8 {
		t.Fatalf("private warheads: %d", heads)
	}
	fi, err := n.Forces(ctx, inspector, "US", civil.MustParse("2011-03-05"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range fi.Items {
		if it.Warheads != nil {
			t.Fatalf("an inspector sees a loading: %+v", it)
		}
	}
	if _, err := n.Forces(ctx, Access{Role: RoleObserver}, "US", civil.MustParse("2011-03-05"), 0); !errors.Is(err, ErrForbidden) {
		t.Fatalf("observer forces: %v", err)
	}
	cv, err := n.Compliance(ctx, Access{Role: RoleObserver}, "US", civil.MustParse("2018-03-01"), 0)
	if err != nil {
		t.Fatal(err)
	}
	r := cv.Readings[0].Result
	if got, _ := r.Total("deployed-warheads"); got != 8+1 {
		t.Fatalf("deployed warheads: %d", got)
	}
	if got, _ := r.Total("deployed-and-nondeployed-launchers"); got != 4+1 {
		t.Fatalf("launchers: %d", got)
	}
	// As known at the first entry only: the launcher is not eliminated.
	cv1, err := n.Compliance(ctx, inspector, "US", civil.MustParse("2018-03-01"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := cv1.Readings[0].Result.Total("deployed-and-nondeployed-launchers"); got != 5+1 {
		t.Fatalf("launchers as known at 1: %d", got)
	}

	// Restart: the state is there, and sequence numbers continue.
	c.stop("US")
	n = c.start("US")
	if got := n.NextSeq(); got != 3 {
		t.Fatalf("next seq after restart: %d", got)
	}
	ns, err := n.Notifications(ctx, inspector, NotificationFilter{Party: "US"})
	if err != nil || len(ns) != 2 {
		t.Fatalf("notifications: %v %d", err, len(ns))
	}
	rv, err := n.Reveal(ctx, operator("US"), 1, uid("US", "M", 2))
	if err != nil {
		t.Fatal(err)
	}
	if err := rv.Opening.Verify(rv.Commitment); err != nil || rv.Opening.Warheads != 3 {
		t.Fatalf("reveal: %v %+v", err, rv.Opening)
	}
}

// Signed batches sent at once by several clients of the party arrive out
// of order; each waits for the ones before it, and all are appended in
// sequence.
func TestSignedBatchesOutOfOrder(t *testing.T) {
	c := newCluster(t, "US", "RU")
	c.parkFor = 300 * time.Millisecond
	c.start("US")
	ctx := context.Background()
	cl := c.client("US")
	a := c.author("US")
	d, _ := initialOf(t, "US", 1)
	d.Loadings = nil
	if _, err := cl.Send(ctx, a, []exchange.Draft{draft(t, exchange.InitialDeclaration, "2011-02-05", d)}, nil); err != nil {
		t.Fatal(err)
	}
	const n = 60
	var es [][]byte
	for i := range n {
		e, err := a.Write(exchange.NoteKind, civil.MustParse("2011-03-01"), exchange.Note{Text: fmt.Sprint("note ", i)})
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	errs := make(chan error, n)
	for i := n - 1; i >= 0; i-- { // the last first
		go func(e []byte) {
			_, err := cl.SubmitSigned(ctx, &Signed{Envelopes: [][]byte{e}})
			errs <- err
		}(es[i])
		time.Sleep(time.Millisecond)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := c.nodes["US"].NextSeq(); got != n+2 {
		t.Fatalf("next %d", got)
	}
	// A batch far ahead of its turn waits, then is refused.
	e, _ := a.Write(exchange.NoteKind, civil.MustParse("2011-03-01"), exchange.Note{Text: "far ahead"})
	a.Next += 5
	e2, _ := a.Write(exchange.NoteKind, civil.MustParse("2011-03-01"), exchange.Note{Text: "farther"})
	_ = e
	start := time.Now()
	_, err := cl.SubmitSigned(ctx, &Signed{Envelopes: [][]byte{e2}})
	var pe *ProblemError
	if !errors.As(err, &pe) || pe.Code() != exchange.CodeSeqGap || time.Since(start) < c.parkFor {
		t.Fatalf("a batch whose turn never comes: %v after %v", err, time.Since(start))
	}
}
