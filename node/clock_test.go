package node

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
)

// Two nodes on a simulated clock in 2012: a notification created then is
// fresh to them, reaches the other party at the clock's time (its
// cosignature), is acknowledged on the clock's date; and /healthz waits
// for what Config.Health says is missing.
func TestNodesOnASimulatedClock(t *testing.T) {
	var mu sync.Mutex
	sim := time.Date(2012, 3, 4, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return sim }
	var missing atomic.Value
	missing.Store([]string{"the demo regime is being generated"})
	c := newCluster(t, "US", "RU")
	c.now = now
	c.health = func() []string { return missing.Load().([]string) }
	us, ru := c.start("US"), c.start("RU")
	ctx := context.Background()

	health := func(p string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Get("http://" + c.addrs[p] + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	if code, v := health("US"); code != 503 || fmt.Sprint(v["missing"]) != "[the demo regime is being generated]" {
		t.Fatalf("healthz while something is missing: %d %v", code, v)
	}

	a := c.author("US")
	a.Now = now
	d, ls := initialOf(t, "US", 2)
	if _, err := c.client("US").Send(ctx, a, []exchange.Draft{draft(t, exchange.InitialDeclaration, "2011-02-05", d)}, map[int][]exchange.Loading{0: ls}); err != nil {
		t.Fatal(err)
	}
	if err := us.WaitWitnessed(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// A month later on the clock, a change of three days before.
	mu.Lock()
	sim = sim.AddDate(0, 1, 0)
	mu.Unlock()
	if _, err := c.client("US").Send(ctx, a, []exchange.Draft{draft(t, exchange.NoteKind, "2012-04-01", exchange.Note{Text: "a note of April 2012"})}, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error {
		v, err := ru.Notification(ctx, inspector, "US", 2)
		if err != nil {
			return err
		}
		if len(v.AckedBy) != 1 || v.Provided["RU"].IsZero() {
			return fmt.Errorf("not acknowledged, or its time of provision not collected, yet: %+v", v)
		}
		v1, err := ru.Notification(ctx, inspector, "US", 1)
		if err != nil || v1.Provided["RU"].IsZero() {
			return fmt.Errorf("US seq 1: %v %+v", err, v1)
		}
		return nil
	})
	for seq, want := range map[uint64]string{1: "2012-03-04T12:00:00Z", 2: "2012-04-04T12:00:00Z"} {
		v, err := ru.Notification(ctx, inspector, "US", seq)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.Provided["RU"].UTC().Format(time.RFC3339); got != want {
			t.Errorf("US seq %d reached RU at %s, want %s", seq, got, want)
		}
		if got := v.Created.UTC().Format(time.RFC3339); got != want {
			t.Errorf("US seq %d created %s, want %s", seq, got, want)
		}
	}
	// The initial database was due on 2011-03-22: late, as the clock says.
	if v, _ := ru.Notification(ctx, inspector, "US", 1); len(v.Late) != 1 {
		t.Errorf("the initial database of 2012 is not late: %+v", v.Late)
	}
	acks, err := ru.Notifications(ctx, inspector, NotificationFilter{Party: "RU", Kind: exchange.Acknowledgement})
	if err != nil || len(acks) == 0 {
		t.Fatalf("RU's acknowledgements: %v %v", acks, err)
	}
	for _, ack := range acks {
		if ack.Effective < civil.MustParse("2012-03-04") || ack.Effective > civil.MustParse("2012-04-04") || ack.Created.Year() != 2012 {
			t.Errorf("RU's acknowledgement is effective %s, created %s: not on the clock", ack.Effective, ack.Created)
		}
	}
	missing.Store([]string(nil))
	if code, v := health("RU"); code != 200 || v["status"] != "ok" {
		t.Fatalf("healthz with nothing missing: %d %v", code, v)
	}
}

// The dashboard's checkpoints are judged on the node's clock, as the node
// judged them when it took them: on a clock two years ahead of the real
// one, a cosignature made on that clock is not "in the future".
func TestDashboardCheckpointsOnTheNodesClock(t *testing.T) {
	sim := time.Now().UTC().AddDate(2, 0, 0).Truncate(time.Second)
	c := newCluster(t, "US", "RU")
	c.now = func() time.Time { return sim }
	us, _ := c.start("US"), c.start("RU")
	ctx := context.Background()
	a := c.author("US")
	a.Now = c.now
	d, ls := initialOf(t, "US", 2)
	if _, err := c.client("US").Send(ctx, a, []exchange.Draft{draft(t, exchange.InitialDeclaration, "2011-02-05", d)}, map[int][]exchange.Loading{0: ls}); err != nil {
		t.Fatal(err)
	}
	if err := us.WaitWitnessed(ctx, 1); err != nil {
		t.Fatal(err)
	}
	v := &dashView{n: us, who: inspector}
	for _, party := range []string{"US", "RU"} {
		eventually(t, 20*time.Second, func() error {
			cps, err := v.Checkpoints(ctx, party, 5)
			if err != nil {
				return err
			}
			if len(cps) == 0 {
				return fmt.Errorf("no checkpoint of %s", party)
			}
			for _, cp := range cps {
				if len(cp.Problems) > 0 {
					t.Fatalf("%s's checkpoint of size %d: %v", party, cp.Size, cp.Problems)
				}
			}
			cp := cps[0]
			if !cp.Witnessed || len(cp.Cosigned) != 1 {
				return fmt.Errorf("%s's newest checkpoint (size %d) not witnessed yet: %+v", party, cp.Size, cp.Cosigned)
			}
			if got := cp.Cosigned[0].Time; got.Before(sim.Add(-time.Minute)) {
				return fmt.Errorf("%s's checkpoint cosigned at %s, not on the node's clock (%s)", party, got, sim)
			}
			return nil
		})
	}
}
