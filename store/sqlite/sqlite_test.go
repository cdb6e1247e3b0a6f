package sqlite

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/regime/regimetest"
	"github.com/tally-project/tally/store"
	"github.com/tally-project/tally/treaty"
)

func TestStore(t *testing.T) {
	fix := regimetest.New(t, regimetest.Options{}, "US", "RU")
	tr, err := treaty.Lookup("new-start")
	if err != nil {
		t.Fatal(err)
	}
	book, err := exchange.NewBook(&exchange.Config{Regime: fix.Regime, Treaty: tr}, "US")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2011, 6, 1, 0, 0, 0, 0, time.UTC)
	a := &exchange.Author{Party: "US", Signer: fix.NotificationSigner(t, "US"), Now: func() time.Time { return now }}
	write := func(k exchange.Kind, eff string, body any) []byte {
		e, err := a.Write(k, civil.MustParse(eff), body)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	d := &exchange.Declaration{AsOf: civil.MustParse("2011-02-05"), Groups: []exchange.Group{
		{Kind: forces.ICBMLauncher, Type: "MM-III", Status: forces.Deployed, Site: "A", UIDs: []string{"L1", "L2"}},
		{Kind: forces.ICBM, Type: "MM-III", Status: forces.Deployed, Site: "A", UIDs: []string{"M1"}, Carriers: []string{"L1"}},
	}, Warheads: []exchange.BaseWarheads{{Site: "A", Warheads: 3}}}
	aps, err := book.Admit([][]byte{
		write(exchange.InitialDeclaration, "2011-02-05", d),
		write(exchange.StatusChange, "2011-04-01", forces.Event{Date: civil.MustParse("2011-04-01"), Op: forces.OpEliminate, UIDs: []string{"L2"}}),
		write(exchange.NoteKind, "2011-04-02", exchange.Note{Text: "x"}),
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tally.db")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Apply(ctx, aps); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.Cursor(ctx, "US"); n != 3 {
		t.Fatalf("cursor %d", n)
	}
	if err := st.Apply(ctx, aps[2:]); err == nil || !strings.Contains(err.Error(), "entry 2 of US applied when 3 entries are") {
		t.Fatalf("applied twice: %v", err)
	}
	ns, err := st.Notifications(ctx, store.Query{Party: "US", Kind: exchange.StatusChange})
	if err != nil || len(ns) != 1 || ns[0].Seq != 2 || ns[0].Deadline.Due != civil.MustParse("2011-04-06") || !bytes.Contains(ns[0].Entry, []byte("eliminate")) {
		t.Fatalf("notifications: %v %+v", err, ns)
	}
	// Late: provided to RU after the deadlines of the declaration (due
	// 2011-03-22) and the change (2011-04-06); a note has none.
	if err := st.SetProvision(ctx, "US", "RU", []store.Provision{{Lo: 0, Hi: 3, Time: time.Date(2011, 4, 10, 0, 0, 0, 0, time.UTC)}}); err != nil {
		t.Fatal(err)
	}
	late, err := st.Notifications(ctx, store.Query{Late: true})
	if err != nil || len(late) != 2 || late[0].Seq != 1 || late[1].Seq != 2 {
		t.Fatalf("late: %v %+v", err, late)
	}
	un, err := st.Notifications(ctx, store.Query{Unacknowledged: true, Receivers: []string{"US", "RU"}, CreatedBefore: now.Add(time.Hour)})
	if err != nil || len(un) != 3 {
		t.Fatalf("unacknowledged: %v %d", err, len(un))
	}
	// Events replay in date order: the declaration's items, its loads, the
	// elimination.
	var ops []forces.Op
	st.Events(ctx, "US", 0, 0, func(_ uint64, ev forces.Event) error { ops = append(ops, ev.Op); return nil })
	if len(ops) != 3 || ops[0] != forces.OpNew || ops[1] != forces.OpLoad || ops[2] != forces.OpEliminate {
		t.Fatalf("events: %v", ops)
	}
	h, _ := st.ItemHistory(ctx, "US", "L2")
	if len(h) != 2 || h[1].Status != forces.Eliminated {
		t.Fatalf("history: %+v", h)
	}
	// The dump is the same after reopening.
	var a1, a2 bytes.Buffer
	st.Dump(ctx, &a1)
	st.Close()
	st, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.Dump(ctx, &a2)
	if !bytes.Equal(a1.Bytes(), a2.Bytes()) || !bytes.Contains(a1.Bytes(), []byte("# events (party, idx, ord, date, op, event)\n\"US\"\t0\t0\t\"2011-02-05\"\t\"new\"")) {
		t.Fatalf("dump:\n%s", a1.String())
	}
}
