package forces

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/tally-project/tally/civil"
)

// summary renders a state as comparable lines: label, count, carrier,
// attributes and UIDs (when the state has them).
func summary(s *State, withUIDs bool) []string {
	var out []string
	for _, g := range s.Groups {
		line := fmt.Sprintf("%s|%d|%s|%s|%s|%d", g.Label(), g.Count, g.Carrier, g.Attrs.Key(), g.Origin, g.Profile)
		if withUIDs {
			line += "|" + strings.Join(g.UIDs, ",")
		}
		out = append(out, line)
	}
	return out
}

func TestReplayBetweenEvents(t *testing.T) {
	f, err := Bundled("us-history-example")
	if err != nil {
		t.Fatal(err)
	}
	if f.Snapshot() || f.AsOf() != civil.MustParse("2018-06-01") || f.Events() != 15 {
		t.Fatalf("snapshot %v as_of %s events %d", f.Snapshot(), f.AsOf(), f.Events())
	}
	type want struct {
		kind   Kind
		status Status
		site   string
		n      int
	}
	checks := []struct {
		date string
		want []want
	}{
		// Before the first event: the initial items only.
		{"2000-01-01", []want{{ICBMLauncher, Deployed, "Malmstrom", 10}, {ICBM, Deployed, "", 10}, {SLBMLauncher, "", "", 0}, {HeavyBomber, Deployed, "", 5}}},
		{"2011-02-04", []want{{SLBMLauncher, "", "", 0}, {SLBM, "", "", 0}}},
		{"2011-02-05", []want{{SLBMLauncher, Deployed, "Kings Bay", 4}, {SLBM, Deployed, "", 2}}},
		{"2013-04-01", []want{{ICBM, Deployed, "", 10}, {ICBMLauncher, Deployed, "", 10}}},
		{"2013-04-02", []want{{ICBM, Deployed, "", 8}, {ICBM, NonDeployed, "Malmstrom", 2}, {ICBMLauncher, NonDeployed, "", 2}}},
		{"2013-06-01", []want{{ICBM, NonDeployed, "Hill", 2}, {ICBM, "", "Malmstrom", 8}}},
		{"2014-09-29", []want{{SLBMLauncher, Deployed, "", 4}, {SLBMLauncher, Converted, "", 0}}},
		{"2014-09-30", []want{{SLBMLauncher, Deployed, "", 2}, {SLBMLauncher, Converted, "", 2}}},
		{"2016-05-01", []want{{HeavyBomber, Deployed, "", 3}, {HeavyBomber, Converted, "", 2}}},
		{"2018-01-16", []want{{ICBMLauncher, Test, "Vandenberg", 1}, {ICBMLauncher, NonDeployed, "", 1}}},
		// An eliminated item leaves the state.
		{"2018-06-01", []want{{ICBMLauncher, NonDeployed, "", 0}, {ICBMLauncher, "", "", 9}}},
		{"2030-01-01", []want{{ICBMLauncher, "", "", 9}}},
	}
	for _, c := range checks {
		s := mustAt(t, f, c.date)
		if s.Snapshot || s.Date != civil.MustParse(c.date) {
			t.Errorf("%s: state %v %s", c.date, s.Snapshot, s.Date)
		}
		for _, w := range c.want {
			if n := count(s, w.kind, "", w.status, w.site); n != w.n {
				t.Errorf("%s: %s %s %s: %d, want %d", c.date, w.kind, w.status, w.site, n, w.n)
			}
		}
	}
	// Loadings and conversions in progress.
	warheadsOf := func(d, uid string) (int, bool) {
		for _, g := range mustAt(t, f, d).Groups {
			for _, u := range g.UIDs {
				if u == uid {
					return g.Warheads, g.Converting
				}
			}
		}
		t.Fatalf("%s: no %s", d, uid)
		return 0, false
	}
	if w, _ := warheadsOf("2012-02-29", "US-D5-0001"); w != 4 {
		t.Errorf("before the load: %d", w)
	}
	if w, _ := warheadsOf("2012-03-01", "US-D5-0001"); w != 5 {
		t.Errorf("after the load: %d", w)
	}
	if _, conv := warheadsOf("2014-05-01", "US-SSBN-730-T03"); !conv {
		t.Error("a tube being converted is not marked converting")
	}
	// Select picked the first items in UID order.
	for _, g := range mustAt(t, f, "2013-06-01").Groups {
		if g.Kind == ICBM && g.Site == "Hill" && strings.Join(g.UIDs, " ") != "US.icbm.MM-III.0001 US.icbm.MM-III.0002" {
			t.Errorf("moved %v", g.UIDs)
		}
	}
	// The attrs event re-equipped one bomber.
	for _, g := range mustAt(t, f, "2016-07-01").Groups {
		if g.Kind == HeavyBomber && g.Attrs["alcms"] == int64(12) && (g.Count != 1 || g.UIDs[0] != "US.heavy-bomber.B-52H.0002") {
			t.Errorf("re-equipped %v", g.UIDs)
		}
	}
	// The missile taken out of its tube has no carrier.
	for _, g := range mustAt(t, f, "2017-03-02").Groups {
		if g.Kind == SLBM && g.Status == NonDeployed && g.Carrier != "" {
			t.Errorf("carrier %q", g.Carrier)
		}
	}
	if d := f.Dates(); len(d) != 14 || d[0] != civil.MustParse("2011-02-05") {
		t.Errorf("dates %v", d)
	}
}

func TestSweepEqualsAt(t *testing.T) {
	f, err := Bundled("us-history-example")
	if err != nil {
		t.Fatal(err)
	}
	var dates []civil.Date
	for d := civil.MustParse("2011-01-01"); d <= civil.MustParse("2018-12-31"); d = d.AddDays(17) {
		dates = append(dates, d)
	}
	dates = append(dates, f.Dates()...)
	for _, d := range f.Dates() {
		dates = append(dates, d.AddDays(-1))
	}
	// Out of order on purpose: Sweep calls back in date order.
	rand.New(rand.NewSource(1)).Shuffle(len(dates), func(i, j int) { dates[i], dates[j] = dates[j], dates[i] })
	compareSweep(t, f, dates)
}

func compareSweep(t *testing.T, f *Forces, dates []civil.Date) {
	t.Helper()
	var last civil.Date
	n := 0
	err := f.Sweep(dates, func(s *State) error {
		if n > 0 && s.Date < last {
			t.Fatalf("sweep went back from %s to %s", last, s.Date)
		}
		last = s.Date
		n++
		at, _ := f.At(s.Date)
		got, want := summary(s, false), summary(at, false)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: sweep and At differ:\nsweep %v\nat    %v", s.Date, got, want)
		}
		for _, g := range s.Groups {
			if g.UIDs != nil {
				t.Fatal("sweep states carry no UIDs")
			}
		}
		return nil
	})
	if err != nil || n != len(dates) {
		t.Fatalf("sweep: %v, %d of %d dates", err, n, len(dates))
	}
	stop := errors.New("stop")
	if err := f.Sweep(dates, func(*State) error { return stop }); err != stop {
		t.Fatalf("sweep did not return fn's error: %v", err)
	}
}

// TestRandomHistory applies random events, valid and not, to an inventory and
// records the inventory's live items at the end of each date; the replay
// (At, and Sweep) must give the same forces at every one of those dates.
func TestRandomHistory(t *testing.T) {
	for seed := int64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { randomHistory(t, seed) })
	}
}

func randomHistory(t *testing.T, seed int64) {
	rng := rand.New(rand.NewSource(seed))
	l := NewInventory("R", nil)
	day := civil.MustParse("2011-02-05")
	var uids []string
	snapshots := map[civil.Date][]string{}
	live := func() []string {
		counts := map[string]int{}
		for _, u := range uids {
			it, _ := l.Item(u)
			if it.Status == Eliminated {
				continue
			}
			g := Group{Kind: it.Kind, Type: it.Type, Status: it.Status, Site: it.Site, Warheads: it.Warheads, Converting: it.Converting}
			counts[fmt.Sprintf("%s|%s|%s", g.Label(), it.Carrier, it.Attrs.Key())]++
		}
		var out []string
		for k, n := range counts {
			out = append(out, fmt.Sprintf("%s|%d", k, n))
		}
		sort.Strings(out)
		return out
	}
	gen := &randomEvents{rng: rng, uids: &uids}
	applied, rejected := 0, 0
	for i := 0; i < 1500; i++ {
		if rng.Intn(4) == 0 {
			snapshots[day] = live()
			day = day.AddDays(1 + rng.Intn(30))
		}
		ev := gen.event(day)
		before := l.Len()
		if err := l.Apply(ev); err != nil {
			var ee EventErrors
			if !errors.As(err, &ee) || len(ee) == 0 {
				t.Fatalf("error %T: %v", err, err)
			}
			if l.Len() != before {
				t.Fatal("a rejected event added items")
			}
			rejected++
			continue
		}
		applied++
		if ev.Op == OpNew {
			uids = append(uids, l.uids[before:]...)
		}
	}
	snapshots[day] = live()
	if applied < 300 || rejected < 100 {
		t.Fatalf("applied %d rejected %d: the generator does not exercise both", applied, rejected)
	}
	f := l.Forces()
	var dates []civil.Date
	for d, want := range snapshots {
		dates = append(dates, d)
		s, _ := f.At(d)
		var got []string
		for _, g := range s.Groups {
			got = append(got, fmt.Sprintf("%s|%s|%s|%d", g.Label(), g.Carrier, g.Attrs.Key(), g.Count))
		}
		sort.Strings(got)
		// Label includes overrides; the live items' labels do not: compare
		// without them.
		strip := func(xs []string) []string {
			out := make([]string, len(xs))
			for i, x := range xs {
				if j := strings.Index(x, " ["); j >= 0 {
					if k := strings.Index(x[j:], "]"); k >= 0 {
						x = x[:j] + x[j+k+1:]
					}
				}
				out[i] = x
			}
			sort.Strings(out)
			return out
		}
		if !reflect.DeepEqual(strip(got), strip(want)) {
			t.Fatalf("%s: replay differs from the live inventory:\nreplay %v\nlive   %v", d, strip(got), strip(want))
		}
	}
	compareSweep(t, f, dates)
}

func TestLedgerApplyIsAtomic(t *testing.T) {
	l := NewInventory("US", nil)
	must := func(ev Event) {
		t.Helper()
		if err := l.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	d := civil.MustParse("2020-01-01")
	must(Event{Date: d, Op: OpNew, Items: []ItemSpec{
		{UID: "L1", Kind: ICBMLauncher, Type: "MM-III", Status: Deployed},
		{UID: "L2", Kind: ICBMLauncher, Type: "MM-III", Status: Deployed},
		{UID: "M1", Kind: ICBM, Type: "MM-III", Status: Deployed, Carrier: "L1"},
	}})
	before := summary(l.State(), true)
	tape := len(l.tape)
	bad := []Event{
		// One good UID and one eliminated-to-be-unknown UID.
		{Date: d, Op: OpStatus, UIDs: []string{"L2", "L9"}, Status: NonDeployed},
		// A new event with one good item and one reusing a UID.
		{Date: d, Op: OpNew, Items: []ItemSpec{{UID: "L3", Kind: ICBMLauncher, Type: "MM-III", Status: Deployed}, {UID: "L1", Kind: ICBMLauncher, Type: "MM-III", Status: Deployed}}},
		// Valid per item, but leaves a deployed missile without a deployed launcher.
		{Date: d, Op: OpStatus, UIDs: []string{"L1", "L2"}, Status: Test},
		// An earlier date.
		{Date: d.AddDays(-1), Op: OpStatus, UIDs: []string{"L2"}, Status: Test},
	}
	for i, ev := range bad {
		if err := l.Check(ev); err == nil {
			t.Errorf("bad[%d]: Check accepted it", i)
		}
		err := l.Apply(ev)
		var ee EventErrors
		if !errors.As(err, &ee) {
			t.Fatalf("bad[%d]: %v", i, err)
		}
		if got := summary(l.State(), true); !reflect.DeepEqual(got, before) || len(l.tape) != tape {
			t.Fatalf("bad[%d] changed the inventory:\n%v\n%v", i, got, before)
		}
	}
	// The errors name the field and the item.
	err := l.Apply(bad[0])
	if got := err.Error(); got != "uids[1]: item L9: no such item" {
		t.Errorf("error %q", got)
	}
	err = l.Apply(bad[1])
	if got := err.Error(); !strings.HasPrefix(got, "items[1].uid: item L1: already exists") {
		t.Errorf("error %q", got)
	}
	// Check changes nothing either, and the good part applies on its own.
	must(Event{Date: d.AddDays(1), Op: OpStatus, UIDs: []string{"L2"}, Status: NonDeployed})
	if it, _ := l.Item("L2"); it.Status != NonDeployed {
		t.Fatalf("L2 %v", it.Status)
	}
	// An inventory's Forces does not change with later events.
	f := l.Forces()
	must(Event{Date: d.AddDays(2), Op: OpEliminate, UIDs: []string{"L2"}})
	if s, _ := f.At(d.AddDays(10)); count(s, ICBMLauncher, "", NonDeployed, "") != 1 {
		t.Fatal("an earlier Forces saw a later event")
	}
	if err := l.Apply(Event{Date: d.AddDays(3), Op: OpStatus, UIDs: []string{"L2"}, Status: Deployed}); err == nil || !strings.Contains(err.Error(), "was eliminated on 2020-01-03") {
		t.Fatalf("deploying an eliminated item: %v", err)
	}
	if err := l.Apply(Event{Date: d.AddDays(3), Op: OpNew, Items: []ItemSpec{{UID: "L2", Kind: ICBMLauncher, Type: "MM-III", Status: Deployed}}}); err == nil || !strings.Contains(err.Error(), "never reused") {
		t.Fatalf("reusing a UID: %v", err)
	}
}

func TestEventJSON(t *testing.T) {
	w := 4
	ev := Event{Date: civil.MustParse("2013-04-02"), Op: OpNew, Note: "two bombers", Items: []ItemSpec{
		{UID: "US-B52H-0100", Kind: HeavyBomber, Type: "B-52H", Status: Deployed, Site: "Minot", Attrs: Attrs{"alcms": int64(12)}},
		{Kind: SLBM, Type: "Trident II", Status: Deployed, Count: 2, Warheads: &w},
	}}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"date":"2013-04-02","op":"new","items":[{"uid":"US-B52H-0100","kind":"heavy-bomber","type":"B-52H","status":"deployed","site":"Minot","alcms":12},{"kind":"slbm","type":"Trident II","status":"deployed","count":2,"warheads":4}],"note":"two bombers"}`
	if string(b) != want {
		t.Fatalf("JSON\n%s\nwant\n%s", b, want)
	}
	// Both the strict parser and encoding/json read it back the same.
	strict, err := ParseEvent("ev.json", b)
	if err != nil {
		t.Fatal(err)
	}
	var plain Event
	if err := json.Unmarshal(b, &plain); err != nil {
		t.Fatal(err)
	}
	strict.Items[0].Line, strict.Items[1].Line = 0, 0
	if !reflect.DeepEqual(strict, ev) || !reflect.DeepEqual(plain, ev) {
		t.Fatalf("round trip:\n%+v\n%+v\n%+v", strict, plain, ev)
	}
	// The strict parser names the line and field of a problem.
	_, err = ParseEvent("ev.json", []byte("{\"date\": \"2013-04-02\",\n \"op\": \"status\",\n \"uidz\": [\"A\"]}"))
	if err == nil || !strings.HasPrefix(err.Error(), "ev.json:3:") || !strings.Contains(err.Error(), `did you mean "uids"`) {
		t.Fatalf("strict: %v", err)
	}
	_, err = ParseEvent("ev.json", []byte(`{"date": "2013-02-30", "op": "stat", "uids": ["A"]}`))
	if err == nil || !strings.Contains(err.Error(), "ev.json:1:") || !strings.Contains(err.Error(), `"2013-02-30" is not a date`) || !strings.Contains(err.Error(), `unknown op "stat"`) {
		t.Fatalf("strict: %v", err)
	}
	// An applied JSON event checks its attributes against the catalogue.
	var bad Event
	json.Unmarshal([]byte(`{"date":"2013-04-02","op":"new","items":[{"kind":"heavy-bomber","type":"B-52H","status":"deployed","alcmz":12}]}`), &bad)
	if err := NewInventory("US", nil).Apply(bad); err == nil || !strings.Contains(err.Error(), `items[0].alcmz: unknown field or attribute "alcmz" (did you mean "alcms"?)`) {
		t.Fatalf("apply: %v", err)
	}
}

func TestApplyAllIsAllOrNothing(t *testing.T) {
	d := civil.MustParse("2020-01-01")
	setup := []Event{{Date: d, Op: OpNew, Items: []ItemSpec{
		{UID: "SUB", Kind: Submarine, Type: "Ohio", Status: Deployed},
		{UID: "T1", Kind: SLBMLauncher, Type: "Trident II", Status: Deployed, Carrier: "SUB"},
		{UID: "T2", Kind: SLBMLauncher, Type: "Trident II", Status: Deployed, Carrier: "SUB"},
		{UID: "D1", Kind: SLBM, Type: "Trident II", Status: Deployed, Carrier: "T1"},
		{Kind: HeavyBomber, Type: "B-2A", Status: Deployed, Count: 3},
	}}}
	newLedger := func() *Inventory {
		l := NewInventory("US", nil)
		if err := l.ApplyAll(setup); err != nil {
			t.Fatal(err)
		}
		return l
	}
	l := newLedger()
	before := summary(l.State(), true)
	w := 5
	batch := []Event{
		{Date: d.AddDays(1), Op: OpMove, UIDs: []string{"D1"}, Carrier: "T2"},
		{Date: d.AddDays(1), Op: OpNew, Items: []ItemSpec{{Kind: HeavyBomber, Type: "B-2A", Status: Test, Count: 2}, {UID: "D2", Kind: SLBM, Type: "Trident II", Status: NonDeployed, Carrier: "T1"}}},
		{Date: d.AddDays(2), Op: OpEliminate, UIDs: []string{"US.heavy-bomber.B-2A.0001"}},
		{Date: d.AddDays(2), Op: OpLoad, UIDs: []string{"D1"}, Warheads: &w},
		{Date: d.AddDays(3), Op: OpStatus, UIDs: []string{"T2"}, Status: NonDeployed}, // D1 is deployed in T2
	}
	err := l.ApplyAll(batch)
	var be *BatchError
	if !errors.As(err, &be) || be.Index != 4 || !strings.Contains(err.Error(), "event 4: uids[0]: item D1: is deployed but its launcher T2 is non-deployed") {
		t.Fatalf("batch error: %v", err)
	}
	if got := summary(l.State(), true); !reflect.DeepEqual(got, before) {
		t.Fatalf("the failed batch changed the inventory:\n%s\n%s", strings.Join(got, "\n"), strings.Join(before, "\n"))
	}
	if d0, _ := l.Date(); d0 != d || l.Len() != 7 {
		t.Fatalf("date %s len %d", d0, l.Len())
	}
	// The inventory behaves as if the batch never was: the same batch without
	// its bad event gives what a fresh inventory gives, UIDs generated alike.
	fresh := newLedger()
	for _, ev := range batch[:4] {
		if err := fresh.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.ApplyAll(batch[:4]); err != nil {
		t.Fatal(err)
	}
	if a, b := summary(l.State(), true), summary(fresh.State(), true); !reflect.DeepEqual(a, b) {
		t.Fatalf("after rollback and retry:\n%s\nfresh:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	if a, b := l.Forces().Dates(), fresh.Forces().Dates(); !reflect.DeepEqual(a, b) {
		t.Fatalf("dates %v %v", a, b)
	}
}

// randomEvents makes random events, valid and not, over the items whose
// UIDs *uids lists (the caller adds the items its inventory accepts).
type randomEvents struct {
	rng  *rand.Rand
	uids *[]string
	next int
}

func (r *randomEvents) event(day civil.Date) Event {
	rng, uids := r.rng, *r.uids
	pick := func() string {
		if len(uids) == 0 || rng.Intn(20) == 0 {
			return fmt.Sprintf("nope-%d", rng.Intn(5))
		}
		return uids[rng.Intn(len(uids))]
	}
	statuses := []Status{Deployed, NonDeployed, Test, Training, Converted, Eliminated}
	types := []struct {
		k Kind
		t string
	}{{ICBMLauncher, "MM-III"}, {ICBM, "MM-III"}, {SLBMLauncher, "Trident II"}, {SLBM, "Trident II"}, {HeavyBomber, "B-52H"}, {Submarine, "Ohio"}}
	ev := Event{Date: day}
	switch rng.Intn(9) {
	case 0, 1:
		ty := types[rng.Intn(len(types))]
		spec := ItemSpec{Kind: ty.k, Type: ty.t, Status: statuses[rng.Intn(4)], Site: fmt.Sprintf("S%d", rng.Intn(3))}
		if rng.Intn(2) == 0 {
			r.next++
			spec.UID = fmt.Sprintf("R-%04d", r.next)
		} else {
			spec.Count = 1 + rng.Intn(4)
		}
		if ty.k.IsMissile() && rng.Intn(2) == 0 {
			w := rng.Intn(4)
			spec.Warheads = &w
		}
		if rng.Intn(6) == 0 {
			spec.Carrier = pick()
		}
		ev.Op, ev.Items = OpNew, []ItemSpec{spec}
	case 2:
		ev.Op, ev.UIDs, ev.Status = OpStatus, []string{pick()}, statuses[rng.Intn(4)]
	case 3:
		ev.Op, ev.Select, ev.Count, ev.Status = OpStatus, &Selector{Kind: types[rng.Intn(len(types))].k}, 1+rng.Intn(3), statuses[rng.Intn(4)]
	case 4:
		ev.Op, ev.UIDs = OpMove, []string{pick()}
		if rng.Intn(2) == 0 {
			ev.Site = fmt.Sprintf("S%d", rng.Intn(3))
		} else if rng.Intn(2) == 0 {
			ev.Carrier = pick()
		} else {
			ev.Carrier = NoCarrier
		}
	case 5:
		ev.Op, ev.UIDs = []Op{OpConversionStart, OpConversionComplete}[rng.Intn(2)], []string{pick()}
	case 6:
		ev.Op, ev.UIDs = OpEliminate, []string{pick()}
	case 7:
		w := rng.Intn(5)
		ev.Op, ev.UIDs, ev.Warheads = OpLoad, []string{pick()}, &w
	case 8:
		ev.Op, ev.UIDs, ev.Attrs = OpAttrs, []string{pick()}, Attrs{"alcms": int64(rng.Intn(3) * 6)}
	}
	return ev
}

// TestApplyAllMatchesApply applies random batches, valid and not, with
// ApplyAll to one inventory and, when a batch is accepted, one event at a
// time to another: the two must always agree.
func TestApplyAllMatchesApply(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	a, b := NewInventory("R", nil), NewInventory("R", nil)
	var uids []string
	gen := &randomEvents{rng: rng, uids: &uids}
	day := civil.MustParse("2011-02-05")
	ok, failed := 0, 0
	for i := 0; i < 400; i++ {
		day = day.AddDays(rng.Intn(3))
		batch := make([]Event, 1+rng.Intn(4))
		for j := range batch {
			batch[j] = gen.event(day)
		}
		n := a.Len()
		if err := a.ApplyAll(batch); err != nil {
			failed++
		} else {
			ok++
			for _, ev := range batch {
				if err := b.Apply(ev); err != nil {
					t.Fatalf("batch %d accepted by ApplyAll, rejected by Apply: %v", i, err)
				}
			}
			uids = append(uids, a.uids[n:]...)
		}
		if i%50 == 49 {
			if x, y := summary(a.State(), true), summary(b.State(), true); !reflect.DeepEqual(x, y) {
				t.Fatalf("after batch %d:\n%s\n--\n%s", i, strings.Join(x, "\n"), strings.Join(y, "\n"))
			}
		}
	}
	if ok < 50 || failed < 50 {
		t.Fatalf("%d batches accepted, %d rejected", ok, failed)
	}
	for _, u := range uids {
		x, _ := a.Item(u)
		y, _ := b.Item(u)
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("%s: %+v / %+v", u, x, y)
		}
	}
}

func TestSweepCountsEqualsSweep(t *testing.T) {
	f, err := Bundled("us-history-example")
	if err != nil {
		t.Fatal(err)
	}
	profiles := f.Profiles()
	var dates []civil.Date
	for d := civil.MustParse("2010-01-01"); d <= civil.MustParse("2019-01-01"); d = d.AddDays(29) {
		dates = append(dates, d)
	}
	var want [][]string
	f.Sweep(dates, func(s *State) error {
		want = append(want, summary(s, false))
		return nil
	})
	i := 0
	err = f.SweepCounts(dates, func(d civil.Date, counts []int32) error {
		if len(counts) != len(profiles) {
			t.Fatalf("%d counts for %d profiles", len(counts), len(profiles))
		}
		s := &State{}
		for j, c := range counts {
			if profiles[j].Profile != j+1 {
				t.Fatalf("profile %d has Profile %d", j, profiles[j].Profile)
			}
			if c > 0 {
				g := *profiles[j]
				g.Count = int(c)
				s.Groups = append(s.Groups, &g)
			}
		}
		if got := summary(s, false); !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("%s:\n%v\n%v", d, got, want[i])
		}
		i++
		return nil
	})
	if err != nil || i != len(dates) {
		t.Fatal(err, i)
	}
}

// TestSweepCarriersAgreesWithAt checks where SweepCarriers puts each named
// carrier against the UIDs of the state At the same date: before the
// carrier is declared, while it changes, and after it is eliminated.
func TestSweepCarriersAgreesWithAt(t *testing.T) {
	l := NewInventory("US", nil)
	apply := func(ev Event) {
		t.Helper()
		if err := l.Apply(ev); err != nil {
			t.Fatal(err)
		}
	}
	d := civil.MustParse
	four := 4
	apply(Event{Date: d("2011-01-01"), Op: OpNew, Items: []ItemSpec{
		{UID: "SSBN-1", Kind: Submarine, Type: "Ohio", Status: Deployed, Site: "Kings Bay"},
		{UID: "T1", Kind: SLBMLauncher, Type: "Trident II", Status: Deployed, Site: "Kings Bay", Carrier: "SSBN-1"},
		{UID: "T2", Kind: SLBMLauncher, Type: "Trident II", Status: Deployed, Site: "Kings Bay", Carrier: "SSBN-1"},
	}})
	apply(Event{Date: d("2012-01-01"), Op: OpNew, Items: []ItemSpec{
		{UID: "D1", Kind: SLBM, Type: "Trident II", Status: Deployed, Site: "Kings Bay", Carrier: "T1", Warheads: &four},
	}})
	apply(Event{Date: d("2013-01-01"), Op: OpStatus, UIDs: []string{"D1"}, Status: NonDeployed})
	apply(Event{Date: d("2013-02-01"), Op: OpStatus, UIDs: []string{"T1"}, Status: NonDeployed})
	apply(Event{Date: d("2014-01-01"), Op: OpMove, UIDs: []string{"D1"}, Carrier: "T2"})
	apply(Event{Date: d("2015-01-01"), Op: OpMove, UIDs: []string{"D1"}, Carrier: NoCarrier})
	apply(Event{Date: d("2016-01-01"), Op: OpEliminate, UIDs: []string{"T1"}})
	f := l.Forces()
	var dates []civil.Date
	for x := d("2010-06-01"); x <= d("2016-06-01"); x = x.AddDays(30) {
		dates = append(dates, x)
	}
	profiles := f.Profiles()
	named, seen := 0, 0
	err := f.SweepCarriers(dates, func(at civil.Date, counts, carriers []int32) error {
		s, _ := f.At(at)
		where := map[string]int{}
		for _, g := range s.Groups {
			for _, u := range g.UIDs {
				where[u] = g.Profile - 1
			}
		}
		for i, p := range profiles {
			want := -1
			if p.Carrier != "" {
				named++
				if w, ok := where[p.Carrier]; ok {
					want = w
					seen++
				}
			}
			if int(carriers[i]) != want {
				t.Errorf("%s: profile %q: carrier at %d, want %d", at, p.Label(), carriers[i], want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if named == 0 || seen == 0 || seen == named {
		t.Errorf("named %d, seen %d: the history tests neither a held nor a missing carrier", named, seen)
	}
}
