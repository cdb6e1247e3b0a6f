package node

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/ledger/receipt"
)

// Three nodes on loopback, each with its own data directory, keys and
// server: each sends notifications through the HTTP API, each witnesses
// and replicates the others, and all three compute the same forces and
// compliance for every party, acknowledge every notification and agree on
// when each reached whom.
func TestThreeNodes(t *testing.T) {
	parties := []string{"US", "RU", "CN"}
	c := newCluster(t, parties...)
	for _, p := range parties {
		c.start(p)
	}
	ctx := context.Background()
	today := civil.Of(time.Now().UTC())
	sent := map[string]int{}
	for i, p := range parties {
		cl, a := c.client(p), c.author(p)
		d, ls := initialOf(t, p, 3+i)
		drafts := []exchange.Draft{draft(t, exchange.InitialDeclaration, "2011-02-05", d)}
		// A missile leaves deployed status, in its launcher.
		drafts = append(drafts, draft(t, exchange.StatusChange, "2011-04-01",
			forces.Event{Date: civil.MustParse("2011-04-01"), Op: forces.OpStatus, UIDs: []string{uid(p, "M", 1)}, Status: forces.NonDeployed}))
		// The spare launcher is eliminated.
		drafts = append(drafts, draft(t, exchange.StatusChange, "2011-05-01",
			forces.Event{Date: civil.MustParse("2011-05-01"), Op: forces.OpEliminate, UIDs: []string{uid(p, "L", 4+i)}}))
		if _, err := cl.Send(ctx, a, drafts, map[int][]exchange.Loading{0: ls}); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		// The periodic declaration still lists the missile as deployed:
		// a discrepancy.
		d2 := *d
		d2.AsOf = civil.MustParse("2011-09-01")
		d2.Loadings = nil
		if _, err := cl.Send(ctx, a, []exchange.Draft{draft(t, exchange.PeriodicDeclaration, "2011-09-01", &d2)}, nil); err != nil {
			t.Fatalf("%s periodic: %v", p, err)
		}
		// A new item notified in time.
		nw := forces.Event{Date: today, Op: forces.OpNew, Items: []forces.ItemSpec{{UID: uid(p, "B", 2), Kind: forces.HeavyBomber, Type: "B-2A", Status: forces.Deployed, Site: p + "-air"}}}
		if _, err := cl.Send(ctx, a, []exchange.Draft{draft(t, exchange.NewItem, today.String(), nw)}, nil); err != nil {
			t.Fatalf("%s new item: %v", p, err)
		}
		sent[p] = 5
	}
	// RU disputes a US item: the eliminated launcher, it says, is still there.
	reading := map[string]any{"name": "RU reading", "by": "RU", "of": "US",
		"added": []map[string]any{{"uid": "RU-sees-1", "kind": "icbm-launcher", "type": "MM-III", "status": "non-deployed"}}}
	if _, err := c.client("RU").Send(ctx, c.author("RU"), []exchange.Draft{draft(t, exchange.DisputeKind, today.String(),
		map[string]any{"id": "spare-launcher", "of": "US", "reading": reading, "about": []exchange.Ref{{Party: "US", Seq: 3}}})}, nil); err != nil {
		t.Fatal(err)
	}

	// Every node holds every log, witnessed, and every notification is
	// acknowledged by the two other parties.
	eventually(t, 30*time.Second, func() error {
		for _, p := range parties {
			n := c.nodes[p]
			for _, ls := range n.Logs() {
				if !ls.Witnessed {
					return fmt.Errorf("%s: the log of %s is not witnessed (%+v)", p, ls.Party, ls)
				}
			}
			for _, q := range parties {
				vs, err := n.Notifications(ctx, inspector, NotificationFilter{Party: q})
				if err != nil {
					return err
				}
				for _, v := range vs {
					if v.Kind.Acknowledged() && len(v.AckedBy) != 2 {
						return fmt.Errorf("%s: %s seq %d acknowledged by %v", p, q, v.Seq, v.AckedBy)
					}
					if len(v.Provided) != 2 {
						return fmt.Errorf("%s: %s seq %d provided to %v", p, q, v.Seq, v.Provided)
					}
				}
			}
		}
		return nil
	})

	// The same forces and compliance everywhere, for every party and
	// reading; and the same notifications, discrepancies and times.
	dates := []civil.Date{civil.MustParse("2011-02-05"), civil.MustParse("2011-04-15"), civil.MustParse("2018-02-05"), today}
	type view struct {
		Forces, Compliance, Notifications, Discrepancies string
	}
	views := map[string]map[string]view{}
	for _, p := range parties {
		n := c.nodes[p]
		views[p] = map[string]view{}
		for _, q := range parties {
			var v view
			for _, d := range dates {
				fv, err := n.Forces(ctx, inspector, q, d, 0)
				if err != nil {
					t.Fatal(err)
				}
				v.Forces += js(t, fv)
				cv, err := n.Compliance(ctx, Access{Role: RoleObserver}, q, d, 0)
				if err != nil {
					t.Fatal(err)
				}
				v.Compliance += js(t, cv)
			}
			ns, err := n.Notifications(ctx, inspector, NotificationFilter{Party: q})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range ns {
				x.AckedBy, x.Unacknowledged = nil, nil
			}
			v.Notifications = js(t, ns)
			ds, err := n.Discrepancies(ctx, inspector, DiscrepancyFilter{Party: q})
			if err != nil {
				t.Fatal(err)
			}
			v.Discrepancies = js(t, ds)
			views[p][q] = v
		}
	}
	for _, q := range parties {
		for _, p := range parties[1:] {
			if !reflect.DeepEqual(views[p][q], views["US"][q]) {
				a, b := views["US"][q], views[p][q]
				t.Errorf("%s's view of %s differs from US's:\nforces equal %v, compliance equal %v, notifications equal %v, discrepancies equal %v\n%s\n%s",
					p, q, a.Forces == b.Forces, a.Compliance == b.Compliance, a.Notifications == b.Notifications, a.Discrepancies == b.Discrepancies, a.Notifications, b.Notifications)
			}
		}
	}
	// What the views say.
	n := c.nodes["CN"]
	cv, err := n.Compliance(ctx, inspector, "US", today, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cv.Readings) != 2 || cv.Readings[1].By != "RU" || cv.Readings[1].Error != "" {
		t.Fatalf("readings: %+v", cv.Readings)
	}
	declared, _ := cv.Readings[0].Result.Total("deployed-and-nondeployed-launchers")
	underRU, _ := cv.Readings[1].Result.Total("deployed-and-nondeployed-launchers")
	if declared != 3+1+1 || underRU != declared+1 {
		t.Fatalf("launchers: declared %d, under RU's reading %d", declared, underRU)
	}
	ds, err := n.Discrepancies(ctx, inspector, DiscrepancyFilter{Party: "RU"})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, d := range ds {
		kinds[d.Kind] = d.UID
	}
	if kinds["status"] != uid("RU", "M", 1) || kinds["eliminated-uid"] != uid("RU", "L", 5) {
		t.Fatalf("discrepancies of RU: %+v", ds)
	}
	late, err := n.Notifications(ctx, inspector, NotificationFilter{Party: "US", Late: true})
	if err != nil {
		t.Fatal(err)
	}
	// The 2011 notifications were late (sent today); the new item of today
	// was not.
	if len(late) != 4 {
		t.Fatalf("late: %d", len(late))
	}
	for _, v := range late {
		if len(v.Late) != 2 || v.Kind == exchange.NewItem {
			t.Fatalf("late: %+v", v)
		}
	}
	// A receipt of another party's entry, built by this node, verifies
	// offline with the regime alone and carries every cosignature.
	rv, err := n.receiptView(ctx, inspector, mustOne(t, n, "RU", 2))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := receipt.Parse([]byte(rv.Receipt))
	if err != nil {
		t.Fatal(err)
	}
	if res := rc.Verify(c.fix.Regime, time.Now()); res.Err() != nil {
		t.Fatalf("receipt of RU seq 2 from CN: %s", res.Summary())
	}
	if err := rc.VerifyEntry([]byte(rv.Entry)); err != nil {
		t.Fatal(err)
	}
}

func mustOne(t *testing.T, n *Node, p string, seq uint64) *NotificationView {
	t.Helper()
	v, err := n.Notification(context.Background(), inspector, p, seq)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
