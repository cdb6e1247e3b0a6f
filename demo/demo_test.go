package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tally-project/tally/aggregates"
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/ledger/receipt"
	"github.com/tally-project/tally/node"
	"github.com/tally-project/tally/scenario"
	"github.com/tally-project/tally/treaty"
)

func quiet() *slog.Logger {
	if os.Getenv("TALLY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

var inspector = node.Access{Role: node.RoleInspector}

func get(t *testing.T, url, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

// all lists every notification of party on n, page by page.
func all(t *testing.T, n *node.Node, party string) []*node.NotificationView {
	t.Helper()
	var out []*node.NotificationView
	for {
		vs, err := n.Notifications(context.Background(), inspector, node.NotificationFilter{Party: party, Limit: 1000, Offset: len(out)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, vs...)
		if len(vs) < 1000 {
			return out
		}
	}
}

// The demo regime from a fresh directory: two nodes come up, /healthz
// turns 200 once the regime is generated, and what the nodes hold is the
// New START record: both agree on every party's compliance at every
// declaration date, which is the official aggregates; the notifications
// stop when each party stopped; the treaty has expired on 5 February
// 2026; every notification reached the other party on time on the
// simulated clock. Started again on its directory, the demo comes back
// as it was, without generating anything.
func TestDemo(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "demo")
	start := time.Now()
	r, err := Start(ctx, Options{Data: dir, Addr: "127.0.0.1:0", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(ctx)
	if len(r.Parties) != 2 || r.Parties[0].ID != "US" || r.Parties[1].ID != "RU" || r.Restarted {
		t.Fatalf("parties %+v, restarted %v", r.Parties, r.Restarted)
	}
	// Before the regime is generated, /healthz says what is missing.
	var h map[string]any
	if code := get(t, r.Parties[0].URL+"healthz", "", &h); code != 503 || !strings.Contains(fmt.Sprint(h["missing"]), "being generated") {
		t.Fatalf("healthz while generating: %d %v", code, h)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := r.Wait(wctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("ready in %v: %+v", time.Since(start).Round(time.Millisecond), r.Progress())
	for _, p := range r.Parties {
		if code := get(t, p.URL+"healthz", "", &h); code != 200 {
			t.Fatalf("%s healthz: %d %v", p.ID, code, h)
		}
	}
	t.Run("compliance is the official aggregates", func(t *testing.T) { testCompliance(t, r) })
	t.Run("Russia's dispute", func(t *testing.T) { testDispute(t, r) })
	t.Run("the notifications stop", func(t *testing.T) { testStops(t, r) })
	t.Run("on time on the simulated clock", func(t *testing.T) { testTimes(t, r) })
	t.Run("receipts verify offline", func(t *testing.T) { testReceipts(t, r) })
	t.Run("status and provenance", func(t *testing.T) { testEndpoints(t, r) })

	// A restart on the same directory generates nothing: the nodes hold
	// what they held, and are healthy at once.
	sizes := logSizes(r)
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	clock := r.Clock.Now()
	r2, err := Start(ctx, Options{Data: dir, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Shutdown(ctx)
	if !r2.Restarted || r2.Parties[0].URL != r.Parties[0].URL {
		t.Fatalf("restarted %v at %s (was %s)", r2.Restarted, r2.Parties[0].URL, r.Parties[0].URL)
	}
	if err := r2.Wait(wctx); err != nil {
		t.Fatal(err)
	}
	if got := logSizes(r2); fmt.Sprint(got) != fmt.Sprint(sizes) {
		t.Fatalf("log sizes after the restart %v, before %v", got, sizes)
	}
	if p := r2.Progress(); p.Round != 0 || p.Notifications != 0 || !p.Ready {
		t.Fatalf("the restart sent something: %+v", p)
	}
	if now := r2.Clock.Now(); now.Before(clock) || !r2.Clock.Running() {
		t.Fatalf("the clock after the restart is %v (was %v), running %v", now, clock, r2.Clock.Running())
	}
	if r2.Tokens.Inspector != r.Tokens.Inspector {
		t.Fatal("the tokens changed")
	}
	for _, p := range r2.Parties {
		if code := get(t, p.URL+"healthz", "", &h); code != 200 {
			t.Fatalf("%s healthz after the restart: %d %v", p.ID, code, h)
		}
	}
}

func logSizes(r *Regime) map[string]uint64 {
	out := map[string]uint64{}
	for _, p := range r.Parties {
		for _, ls := range p.Node.Logs() {
			out[p.ID+" holds "+ls.Party] = ls.Size
		}
	}
	return out
}

// Both nodes count every party's forces at every declaration date, under
// the treaty, from what their logs hold: the same on both, and the
// official aggregates (aggregates.NewSTART, read independently of the
// scenario) wherever there is one; the declarations no one published are
// labelled synthetic.
func testCompliance(t *testing.T, r *Regime) {
	ctx := context.Background()
	official := map[string]map[string]int64{}
	for _, row := range aggregates.NewSTART() {
		official[row.Party+" "+row.Date.String()] = row.Totals
	}
	pv := r.Provenance()
	checked, synthetic := 0, 0
	for _, pp := range pv.Parties {
		for _, d := range pp.Declarations {
			var views []string
			for _, p := range r.Parties {
				cv, err := p.Node.Compliance(ctx, node.Access{Role: node.RoleObserver}, pp.ID, d.AsOf, 0)
				if err != nil {
					t.Fatal(err)
				}
				res := cv.Readings[0].Result
				got := map[string]int64{}
				for _, tot := range res.Totals {
					got[tot.ID] = tot.Value
				}
				views = append(views, fmt.Sprint(got))
				want := official[pp.ID+" "+d.AsOf.String()]
				for _, tot := range d.Totals {
					if tot.Provenance == "synthetic" {
						synthetic++
						if _, ok := want[tot.ID]; ok {
							t.Errorf("%s %s %s: labelled synthetic, but the aggregates have it", pp.ID, d.AsOf, tot.ID)
						}
						if got[tot.ID] != tot.Value {
							t.Errorf("%s's node: %s %s %s is %d, the synthetic declaration %d", p.ID, pp.ID, d.AsOf, tot.ID, got[tot.ID], tot.Value)
						}
						continue
					}
					w, ok := want[tot.ID]
					if !ok {
						t.Errorf("%s %s %s: labelled %s, but the aggregates have no figure", pp.ID, d.AsOf, tot.ID, tot.Provenance)
						continue
					}
					if got[tot.ID] != w {
						t.Errorf("%s's node counts %s %s %s = %d; the official aggregate is %d", p.ID, pp.ID, d.AsOf, tot.ID, got[tot.ID], w)
					}
					checked++
				}
			}
			if views[0] != views[1] {
				t.Errorf("%s %s: the nodes disagree: %s / %s", pp.ID, d.AsOf, views[0], views[1])
			}
		}
	}
	// 2011-02-05 to 2023-03-01: 25 US and 24 RU declarations, 3 totals each,
	// on 2 nodes; a few are synthetic (2016-03-01 launchers, 2022-09-01).
	if checked < 2*3*45 || synthetic == 0 {
		t.Errorf("%d totals checked against the aggregates, %d synthetic", checked, synthetic)
	}
	// After the treaty's expiry, nothing is in force.
	cv, err := r.Parties[1].Node.Compliance(ctx, inspector, "US", civil.MustParse("2026-02-05"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if st := cv.Readings[0].Result.Status; st.Code != treaty.Expired || st.InForce {
		t.Errorf("status on 2026-02-05: %+v", st)
	}
	cv, _ = r.Parties[1].Node.Compliance(ctx, inspector, "RU", civil.MustParse("2026-02-04"), 0)
	if st := cv.Readings[0].Result.Status; !st.InForce {
		t.Errorf("status on 2026-02-04: %+v", st)
	}
}

// Russia's dispute of the US conversions is a dispute notification in
// Russia's log, signed by Russia and dated 27 February 2018, that the
// United States acknowledged; from that day both nodes count the US
// forces under Russia's reading too. On 1 September 2018 the US declared
// exactly the 800 launchers of the limit (the official figure); Russia's
// reading makes them 901, the 101 of its Foreign Ministry: the 56
// converted Trident II launchers and the 41 converted B-52H counted
// again, and the 4 "training silos" added (treaties.md §6). The B-52H,
// read as deployed nuclear bombers, add 41 to the deployed delivery
// vehicles and 41 warheads (one per bomber) as well.
func testDispute(t *testing.T, r *Regime) {
	ctx := context.Background()
	official := map[string]int64{}
	for _, row := range aggregates.NewSTART() {
		if row.Party == "US" && row.Date == civil.MustParse("2018-09-01") {
			official = row.Totals
		}
	}
	if official["deployed-and-nondeployed-launchers"] != 800 {
		t.Fatalf("the official US launchers of 2018-09-01: %v", official)
	}
	extra := map[string]int64{
		"deployed-and-nondeployed-launchers": 56 + 41 + 4,
		"deployed-delivery-vehicles":         41,
		"deployed-warheads":                  41,
	}
	for _, p := range r.Parties {
		cv, err := p.Node.Compliance(ctx, node.Access{Role: node.RoleObserver}, "US", civil.MustParse("2018-09-01"), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(cv.Readings) != 2 || cv.Readings[1].By != "RU" || cv.Readings[1].Error != "" || len(cv.Readings[1].Disputes) != 1 {
			t.Fatalf("%s's node: readings of the US forces on 2018-09-01: %+v", p.ID, cv.Readings)
		}
		for id, want := range official {
			declared, _ := cv.Readings[0].Result.Total(id)
			read, _ := cv.Readings[1].Result.Total(id)
			if declared != want || read != want+extra[id] {
				t.Errorf("%s's node: US %s on 2018-09-01: %d declared, %d under RU's reading; want %d and %d", p.ID, id, declared, read, want, want+extra[id])
			}
		}
		// The launcher limit: met as declared, exceeded by 101 as Russia reads.
		if lr, _ := cv.Readings[1].Result.Limit("deployed-and-nondeployed-launchers"); lr == nil || lr.Within {
			t.Errorf("%s's node: under RU's reading the launcher limit is met: %+v", p.ID, lr)
		}
		// Before the dispute, one reading only.
		cv, err = p.Node.Compliance(ctx, inspector, "US", civil.MustParse("2018-02-26"), 0)
		if err != nil || len(cv.Readings) != 1 {
			t.Errorf("%s's node: readings on 2018-02-26: %d %v", p.ID, len(cv.Readings), err)
		}
	}
	// The series under Russia's reading, monthly, is what compliance
	// says at each date: nothing before the dispute, then the reading's
	// totals, though the series reads each state once for the dates that
	// hold the same forces.
	var dates []civil.Date
	for d := civil.MustParse("2017-11-01"); d < civil.MustParse("2023-07-01"); d = civil.Of(d.Time().AddDate(0, 1, 0)) {
		dates = append(dates, d)
	}
	dates = append(dates, civil.MustParse("2018-02-27"), civil.MustParse("2018-02-26"), civil.MustParse("2020-09-01"))
	sv, err := r.Party("RU").Node.ComplianceSeries(ctx, node.Access{Role: node.RoleObserver}, "US", dates, 0)
	if err != nil || len(sv.Readings) != 2 || sv.Readings[1].By != "RU" {
		t.Fatalf("the series of the US forces: %v %+v", err, sv)
	}
	for i, d := range sv.Dates {
		cv, err := r.Party("RU").Node.Compliance(ctx, node.Access{Role: node.RoleObserver}, "US", d, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, want := "none", "none"
		if res := sv.Readings[1].Results[i]; res != nil {
			got = fmt.Sprint(res.Totals, res.Over())
		}
		if len(cv.Readings) == 2 {
			want = fmt.Sprint(cv.Readings[1].Result.Totals, cv.Readings[1].Result.Over())
		}
		if got != want {
			t.Errorf("US under RU's reading on %s: the series says %s, compliance %s", d, got, want)
		}
	}
	us := r.Party("US").Node
	vs, err := us.Notifications(ctx, inspector, node.NotificationFilter{Party: "RU", Kind: exchange.DisputeKind})
	if err != nil || len(vs) != 1 {
		t.Fatalf("RU's disputes on the US node: %d %v", len(vs), err)
	}
	v := vs[0]
	if !v.Valid || v.Effective != civil.MustParse("2018-02-27") || !strings.HasPrefix(v.Key, "tally.ru/notification") || len(v.AckedBy) != 1 || v.AckedBy[0] != "US" {
		t.Errorf("RU's dispute: valid %v, effective %s, key %q, acknowledged by %v", v.Valid, v.Effective, v.Key, v.AckedBy)
	}
	if at := v.Provided["US"]; at.Before(v.Effective.Time()) || at.After(v.Effective.AddDays(lagDays+1).Time()) {
		t.Errorf("RU's dispute effective %s reached the US on %s", v.Effective, at)
	}
	var d struct {
		Reading forces.Reading `json:"reading"`
	}
	if err := json.Unmarshal(v.Body, &d); err != nil || len(d.Reading.Changes) != 2 || len(d.Reading.Changes[0].UIDs)+len(d.Reading.Changes[1].UIDs) != 56+41 || d.Reading.Added[0].Count != 4 {
		t.Errorf("RU's dispute names %+v (%v)", d.Reading, err)
	}
}

// Russia writes nothing into its log from 28 February 2023 (its
// suspension), the United States nothing from 1 June 2023 (its
// countermeasures): no notification, no acknowledgement. Russia
// acknowledged the US notifications that reached it before, and none
// after, which stay unacknowledged.
func testStops(t *testing.T, r *Regime) {
	stop := map[string]civil.Date{"RU": civil.MustParse("2023-02-28"), "US": civil.MustParse("2023-06-01")}
	ru := r.Party("RU").Node
	for _, p := range r.Parties {
		var last *node.NotificationView
		for _, v := range all(t, ru, p.ID) {
			if !v.Valid {
				t.Errorf("%s seq %d is not valid: %v", p.ID, v.Seq, v.Problems)
			}
			if v.Effective >= stop[p.ID] || !v.Created.Before(stop[p.ID].Time()) {
				t.Errorf("%s seq %d (%s) effective %s, created %s: after it stopped", p.ID, v.Seq, v.Kind, v.Effective, v.Created)
			}
			// And it reached the other party before then, acknowledgements
			// included.
			for q, at := range v.Provided {
				if !at.Before(stop[p.ID].Time()) {
					t.Errorf("%s seq %d (%s) effective %s reached %s on %s: after it stopped", p.ID, v.Seq, v.Kind, v.Effective, q, at)
				}
			}
			last = v
		}
		t.Logf("%s: %d entries, the last %s effective %s", p.ID, last.Index+1, last.Kind, last.Effective)
	}
	unacked := 0
	for _, v := range all(t, ru, "US") {
		if !v.Kind.Acknowledged() {
			continue
		}
		reached := v.Provided["RU"]
		switch acked := len(v.AckedBy) == 1; {
		case reached.Before(stop["RU"].Time()) && !acked:
			t.Errorf("US seq %d reached RU on %s, before its suspension, and is not acknowledged", v.Seq, reached)
		case !reached.Before(stop["RU"].Time()) && acked:
			t.Errorf("US seq %d reached RU on %s, after its suspension, and is acknowledged", v.Seq, reached)
		case !acked:
			unacked++
		}
	}
	if unacked == 0 {
		t.Error("no US notification of March to May 2023 stays unacknowledged")
	}
	ua, err := ru.Notifications(context.Background(), inspector, node.NotificationFilter{Party: "US", Unacknowledged: true})
	if err != nil || len(ua) != unacked {
		t.Errorf("unacknowledged past the deadline: %d (%v), want %d", len(ua), err, unacked)
	}
}

// Every notification reached the other party when the round that carried
// it was sent, on the simulated clock: within five days of its effective
// date for a change, so on time; a declaration within its thirty (the
// initial one its forty-five) days. Judged on the real clock they would
// all be years late. After the replay a notification sent weeks after its
// change is late, on the simulated clock of 2026.
func testTimes(t *testing.T, r *Regime) {
	ctx := context.Background()
	other := map[string]string{"US": "RU", "RU": "US"}
	for _, p := range r.Parties {
		n := r.Party(other[p.ID]).Node
		changes, decls := 0, 0
		for _, v := range all(t, n, p.ID) {
			if v.Deadline == nil {
				continue
			}
			at, ok := v.Provided[other[p.ID]]
			if !ok {
				t.Fatalf("%s seq %d has not reached %s", p.ID, v.Seq, other[p.ID])
			}
			delay := at.Sub(v.Effective.Time())
			if len(v.Late) > 0 || at.After(v.Deadline.By()) {
				t.Errorf("%s seq %d (%s) effective %s reached %s on %s: late", p.ID, v.Seq, v.Kind, v.Effective, other[p.ID], at)
			}
			if !v.Created.Equal(at) {
				t.Errorf("%s seq %d was created at %s and reached %s at %s: not in one round", p.ID, v.Seq, v.Created, other[p.ID], at)
			}
			if v.Kind.IsDeclaration() {
				decls++
				continue
			}
			changes++
			if delay < 0 || delay > 6*24*time.Hour {
				t.Errorf("%s seq %d effective %s reached %s %v later", p.ID, v.Seq, v.Effective, other[p.ID], delay)
			}
		}
		if changes < 900 || decls < 24 {
			t.Errorf("%s: %d changes and %d declarations checked", p.ID, changes, decls)
		}
	}
	// A change of 1 January 2026 notified now, on the clock of February
	// 2026, reaches Russia late; one of the day before, on time.
	us := r.Party("US")
	now := r.Clock.Now()
	n := civil.Of(now)
	vs, err := us.Node.Forces(ctx, node.Access{Role: node.RoleOperator, Party: "US"}, "US", n, 0)
	if err != nil {
		t.Fatal(err)
	}
	var bomber string
	for _, it := range vs.Items {
		if it.Kind == forces.HeavyBomber && it.Status == forces.Deployed && bomber == "" {
			bomber = it.UID
		}
	}
	if bomber == "" {
		t.Fatal("no deployed US heavy bomber to notify a change of")
	}
	early, recent := n.AddDays(-35), n.AddDays(-1)
	drafts := []exchange.Draft{}
	for _, d := range []civil.Date{early, recent} {
		st := forces.NonDeployed
		if d == recent {
			st = forces.Deployed
		}
		dr, err := exchange.NewDraft(exchange.StatusChange, d, forces.Event{Date: d, Op: forces.OpStatus, UIDs: []string{bomber}, Status: st})
		if err != nil {
			t.Fatal(err)
		}
		drafts = append(drafts, dr)
	}
	cl := &node.Client{Base: us.URL, Token: us.Operator}
	resp, err := cl.Submit(ctx, &node.SubmitRequest{Drafts: drafts})
	if err != nil {
		t.Fatal(err)
	}
	ru := r.Party("RU").Node
	deadline := time.Now().Add(20 * time.Second)
	for _, rc := range resp.Receipts {
		for {
			v, err := ru.Notification(ctx, inspector, "US", rc.Seq)
			if err == nil && !v.Provided["RU"].IsZero() {
				late := len(v.Late) == 1
				if want := v.Effective == early; late != want {
					t.Errorf("US seq %d effective %s provided %s (clock %s): late %v", v.Seq, v.Effective, v.Provided["RU"], now, late)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("US seq %d did not reach RU: %v", rc.Seq, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// The dashboard counts that one late, and it alone: in its lead, in
	// the row of 2026 of its timeline, and in the list of late ones.
	req, _ := http.NewRequest("GET", r.Party("RU").URL+"notifications", nil)
	req.Header.Set("Authorization", "Bearer "+r.Tokens.Inspector)
	hr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(hr.Body)
	hr.Body.Close()
	text := strings.Join(strings.Fields(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(string(page), " ")), " ")
	if !strings.Contains(text, " 1 of them provided to some party after the treaty's deadline") {
		t.Errorf("the Notifications page does not count one late: %.400s", text[strings.Index(text, "Notifications The"):])
	}
	if m := regexp.MustCompile(`<tr><th scope="row">2026</th>(?:<td class="num">[0-9,]+</td>)*<td class="num">([0-9,]+)</td></tr>`).FindStringSubmatch(string(page)); m == nil || m[1] != "1" {
		t.Errorf("the timeline's row of 2026 does not count one late: %v", m)
	}
}

// A receipt of each party's notifications, built by the other party's
// node, verifies offline with the regime alone and carries the other
// party's cosignature.
func testReceipts(t *testing.T, r *Regime) {
	ctx := context.Background()
	for _, p := range r.Parties {
		for _, q := range r.Parties {
			vs, err := q.Node.Notifications(ctx, inspector, node.NotificationFilter{Party: p.ID, Kind: exchange.PeriodicDeclaration, Limit: 1})
			if err != nil || len(vs) != 1 {
				t.Fatalf("%v %v", vs, err)
			}
			rc, err := q.Node.ReceiptOf(ctx, inspector, p.ID, vs[0].Index)
			if err != nil {
				t.Fatal(err)
			}
			res := rc.Verify(r.Regime, time.Now())
			if err := res.Err(); err != nil {
				t.Errorf("%s's receipt of %s entry %d: %s", q.ID, p.ID, vs[0].Index, res.Summary())
			}
			if err := rc.VerifyEntry([]byte(vs[0].Entry)); err != nil {
				t.Error(err)
			}
			rt, _ := receipt.Parse(rc.Marshal())
			if rt == nil || !strings.Contains(string(rt.Checkpoint), "— tally."+strings.ToLower(otherOf(r, p.ID))+"/witness") {
				t.Errorf("%s's receipt of %s has no cosignature of the other party:\n%s", q.ID, p.ID, rc.Checkpoint)
			}
		}
	}
}

func otherOf(r *Regime, id string) string {
	for _, p := range r.Parties {
		if p.ID != id {
			return p.ID
		}
	}
	return ""
}

// The demo's own endpoints: its status (the simulated clock, labelled)
// and the provenance of its figures, for pages to label.
func testEndpoints(t *testing.T, r *Regime) {
	var st Status
	if code := get(t, r.Parties[1].URL+"demo/status", "", &st); code != 200 || !st.Clock.Simulated || !st.Progress.Ready || len(st.Parties) != 2 {
		t.Fatalf("status: %d %+v", code, st)
	}
	if st.Clock.Now.Before(time.Date(2026, 2, 5, 0, 0, 0, 0, time.UTC)) || st.Clock.Now.After(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("the clock reads %s", st.Clock.Now)
	}
	var pv Provenance
	if code := get(t, r.Parties[0].URL+"demo/provenance", "", &pv); code != 200 || len(pv.Parties) != 2 {
		t.Fatalf("provenance: %d %+v", code, pv)
	}
	kinds := map[string]int{}
	var synth []string
	for _, pp := range pv.Parties {
		for _, d := range pp.Declarations {
			for _, tot := range d.Totals {
				kinds[string(tot.Provenance)]++
				if tot.Provenance == "synthetic" {
					if tot.Note == "" {
						t.Errorf("%s %s %s: synthetic without saying how it was chosen", pp.ID, d.AsOf, tot.ID)
					}
					synth = append(synth, pp.ID+" "+d.AsOf.String()+" "+tot.ID)
				}
			}
			if len(d.Groups) == 0 {
				t.Errorf("%s %s: no detail provenance", pp.ID, d.AsOf)
			}
		}
	}
	sort.Strings(synth)
	t.Logf("totals by provenance %v; synthetic: %v", kinds, synth)
	for _, want := range []string{"US 2016-03-01 deployed-and-nondeployed-launchers", "RU 2022-09-01 deployed-warheads", "US 2022-09-01 deployed-delivery-vehicles"} {
		if !strings.Contains(strings.Join(synth, ","), want) {
			t.Errorf("%s is not labelled synthetic", want)
		}
	}
	// The declarations in the logs say so too.
	vs, err := r.Parties[0].Node.Notifications(context.Background(), inspector, node.NotificationFilter{Party: "RU", Kind: exchange.PeriodicDeclaration, From: civil.MustParse("2022-09-01"), To: civil.MustParse("2022-09-01")})
	if err != nil || len(vs) == 0 {
		t.Fatalf("RU's declaration of 2022-09-01: %v %v", vs, err)
	}
	if !strings.Contains(string(vs[0].Body), "SYNTHETIC") {
		t.Errorf("RU's declaration of 2022-09-01 in the log does not say it is synthetic: %.300s", vs[0].Body)
	}
}

// A directory that holds something else is refused with what to do; so
// is a demo whose generation was interrupted.
func TestStartRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "log"), 0o755)
	os.WriteFile(filepath.Join(dir, "log", "checkpoint"), []byte("tally.us/log\n"), 0o644)
	if _, err := Start(ctx, Options{Data: dir, Addr: "127.0.0.1:0", Logger: quiet()}); err == nil || !strings.Contains(err.Error(), "holds a party's node, not a demo") {
		t.Fatalf("a node's directory: %v", err)
	}
	dir = t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if _, err := Start(ctx, Options{Data: dir, Addr: "127.0.0.1:0", Logger: quiet()}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a directory of something else: %v", err)
	}
	dir = t.TempDir()
	st := &state{Version: stateVersion, Started: time.Now()}
	if err := st.save(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(ctx, Options{Data: dir, Addr: "127.0.0.1:0", Logger: quiet()}); err == nil || !strings.Contains(err.Error(), "interrupted") || !strings.Contains(err.Error(), "rm -r "+dir) {
		t.Fatalf("an interrupted demo: %v", err)
	}
}

// Stopped while it generates the regime, a demo is left interrupted:
// started again, it says so and what to do, instead of serving half a
// regime.
func TestInterrupted(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "demo")
	r, err := Start(ctx, Options{Data: dir, Addr: "127.0.0.1:0", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	for r.Progress().Round < 2 {
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Err(); err == nil || r.Progress().Ready {
		t.Fatalf("stopped while generating: %v %+v", err, r.Progress())
	}
	if _, err := Start(ctx, Options{Data: dir, Addr: "127.0.0.1:0", Logger: quiet()}); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("started again: %v", err)
	}
}

// demo.json is read back from a directory a person may have edited:
// whatever it holds, loadState returns a state or an error.
func FuzzLoadState(f *testing.F) {
	st := &state{Version: stateVersion, Treaty: "new-start", Parties: []string{"US", "RU"}, Addrs: map[string]string{"US": "127.0.0.1:8080"}, Generated: true}
	data, _ := json.Marshal(st)
	f.Add(data)
	f.Add([]byte(`{"version":1,"generated":true,"clock":{"at":"2026-02-05T09:00:00Z"}}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, stateFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		st, err := loadState(dir)
		if err == nil && st.Version != stateVersion {
			t.Fatalf("version %d accepted", st.Version)
		}
	})
}

// Started again on other ports, the regime's node URLs move with the
// nodes, even when a party's new port is another party's old one.
func TestReopenMovesURLs(t *testing.T) {
	dir := t.TempDir()
	var lns []net.Listener
	for range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		lns = append(lns, ln)
	}
	addr := func(i int) string { return lns[i].Addr().String() }
	regimeText := fmt.Sprintf("parties:\n  - id: US\n    node: http://%s/\n  - id: RU\n    node: http://%s/\n", addr(0), addr(1))
	if err := os.WriteFile(filepath.Join(dir, "regime.yaml"), []byte(regimeText), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &Regime{Data: dir, state: &state{Version: stateVersion, Addrs: map[string]string{"US": addr(0), "RU": addr(1)}},
		lns: map[string]net.Listener{"US": lns[1], "RU": lns[2]}}
	if err := r.reopen(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "regime.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("parties:\n  - id: US\n    node: http://%s/\n  - id: RU\n    node: http://%s/\n", addr(1), addr(2))
	if string(got) != want {
		t.Fatalf("regime.yaml after the move:\n%s\nwant:\n%s", got, want)
	}
	st, err := loadState(dir)
	if err != nil || st.Addrs["US"] != addr(1) || st.Addrs["RU"] != addr(2) {
		t.Fatalf("demo.json after the move: %+v %v", st, err)
	}
}

// A notification dated after its party stopped writing cannot be sent in
// any round: the plan says so instead of adding empty rounds for ever.
func TestPlanRefusesWhatComesAfterAStop(t *testing.T) {
	s, err := scenario.NewStartWith(scenario.Options{Windows: windows})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan(s); err != nil {
		t.Fatalf("the scenario as it is: %v", err)
	}
	ru, _ := s.Party("RU")
	var last *forces.Event
	for i := range ru.Steps {
		if ru.Steps[i].Event != nil {
			last = ru.Steps[i].Event
		}
	}
	late := *last
	late.Date = civil.MustParse("2023-03-10")
	ru.Steps = append(ru.Steps, scenario.Step{Date: late.Date, Kind: scenario.Notification, Event: &late})
	done := make(chan error, 1)
	go func() { _, err := plan(s); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "2023-03-10") || !strings.Contains(err.Error(), "2023-02-28") {
			t.Fatalf("a notification after RU's suspension: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the plan did not end")
	}
}
