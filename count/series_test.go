package count

import (
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// A series must say, at every date, exactly what counting the state At
// that date says: these tests replay histories through Series and compare
// each point with Totals (Evaluate without the explanation) of f.At, field
// by field. The histories are random but valid (every event goes through
// forces.Inventory, which rejects what cannot happen), and the dates fall
// before the first event, on event dates, between them and after the
// last.

// seriesDates are the dates a series is checked at: dates the history
// changes (all of them, or every so many to keep at most most of them),
// the days either side, a date before it starts and one after it ends.
func seriesDates(f *forces.Forces, most int) []civil.Date {
	changes := f.Dates()
	if len(changes) == 0 {
		return []civil.Date{civil.MustParse("2020-01-01")}
	}
	ds := []civil.Date{changes[0].AddDays(-400), changes[len(changes)-1].AddDays(400)}
	step := (len(changes) + most - 1) / most
	for i := 0; i < len(changes); i += step {
		d := changes[i]
		ds = append(ds, d.AddDays(-1), d, d.AddDays(1))
	}
	return ds
}

// coverage records what the checked results exercised, so that a test
// can fail when its history proves nothing.
type coverage struct {
	dates, counted             int
	quotaSplit, assumed, split bool
	findings                   bool
}

// checkSeries compares Series(tr, f, dates) with Totals of f.At at each
// date, and notes from Evaluate's explanations what the dates exercised.
func checkSeries(t *testing.T, tr *treaty.Treaty, f *forces.Forces, dates []civil.Date) coverage {
	t.Helper()
	rs, err := Series(tr, f, dates)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(dates) {
		t.Fatalf("%d results for %d dates", len(rs), len(dates))
	}
	var cov coverage
	for i, r := range rs {
		if i > 0 && r.Date < rs[i-1].Date {
			t.Fatalf("not ascending: %s after %s", r.Date, rs[i-1].Date)
		}
		s, err := f.At(r.Date)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Totals(tr, s, r.Date)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(r, want) {
			t.Fatalf("%s under %s at %s:\nseries   %s\nevaluate %s", f.Name(), tr.ID, r.Date, show(r), show(want))
		}
		full, err := Evaluate(tr, s, r.Date)
		if err != nil {
			t.Fatal(err)
		}
		cov.dates++
		for _, l := range full.Limits {
			if l.Total != 0 {
				cov.counted++
				break
			}
		}
		cov.findings = cov.findings || len(full.Findings) > 0
		for _, l := range full.Limits {
			for _, p := range l.Explain {
				cov.quotaSplit = cov.quotaSplit || strings.HasPrefix(p.Note, "beyond the first")
				cov.assumed = cov.assumed || p.Assumed
				cov.split = cov.split || strings.Contains(p.Note, " of the group's ")
			}
		}
	}
	return cov
}

func show(r *Result) string {
	var b strings.Builder
	for _, l := range r.Limits {
		fmt.Fprintf(&b, "%s=%d/%d binding=%v within=%v; ", l.ID, l.Total, l.Max, l.Binding, l.Within)
	}
	for _, x := range r.Totals {
		fmt.Fprintf(&b, "%s=%d; ", x.ID, x.Value)
	}
	fmt.Fprintf(&b, "findings %v; not covered %v; status %v", r.Findings, r.NotCovered, r.Status)
	return b.String()
}

func TestSeriesMatchesEvaluateOnBundledHistory(t *testing.T) {
	f, err := forces.Bundled("us-history-example")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"new-start", "start-1", "sort", "joint-understanding-2009", "deep-cuts-500"} {
		t.Run(id, func(t *testing.T) {
			cov := checkSeries(t, bundled(t, id), f, seriesDates(f, 1000))
			if cov.counted == 0 {
				t.Error("nothing counted at any date")
			}
		})
	}
}

// genTypes are the types a random history of one party is made of.
type genTypes struct {
	party          string
	icbms, slbms   []string
	bombers, subs  []string
	alcms          []int64 // re-equipments of bombers
	missiles, bomb int     // items at the start
}

var (
	genUS = genTypes{
		party: "US", icbms: []string{"MM-III", "Peacekeeper"}, slbms: []string{"Trident II"},
		bombers: []string{"B-52H", "B-52H", "B-52H", "B-2A", "B-1B"}, subs: []string{"Ohio", "Ohio", "Ohio"},
		// 24 is over START I's cap of 20 for the US: a finding.
		alcms: []int64{0, 6, 12, 20, 24},
		// Enough ALCM bombers for the quota of 150 to split.
		missiles: 60, bomb: 420,
	}
	genRU = genTypes{
		party: "RU", icbms: []string{"SS-18", "SS-25 (mobile)", "SS-24 (silo)"}, slbms: []string{"SS-N-23"},
		bombers: []string{"Tu-95MS", "Tu-160"}, subs: []string{"Delta IV", "Delta IV", "Delta IV"},
		alcms:    []int64{0, 6, 16, 20},
		missiles: 60, bomb: 40,
	}
)

// randomHistory makes a valid history of about events events for gt's
// party: launchers at a few sites (and some with no site), missiles in
// them by count or naming their launcher as carrier, launch tubes naming
// their submarine, bombers; then random status changes, moves between
// sites and carriers, loadings, re-equipments, conversions, eliminations
// and new items, on dates a few days apart (several on one date at
// times). Events the inventory rejects are left out.
func randomHistory(t testing.TB, seed int64, gt genTypes, events int) *forces.Forces {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	inv := forces.NewInventory(gt.party, nil)
	sites := []string{"", "Alpha", "Bravo", "Charlie"}
	statuses := []forces.Status{forces.Deployed, forces.Deployed, forces.NonDeployed, forces.Test, forces.Training}
	pick := func(xs []string) string { return xs[rng.Intn(len(xs))] }
	var launchers, missiles, bombers, subs, all []string
	var tubes []int // launch tubes that name each submarine
	n := 0
	uid := func(prefix string) string { n++; return fmt.Sprintf("%s-%05d", prefix, n) }
	heads := func() *int { w := 1 + rng.Intn(5); return &w }
	// newMissiles makes k launchers and up to k missiles of one type at
	// one site, deployed or not, some naming their launcher.
	newItems := func(k int) []forces.ItemSpec {
		var out []forces.ItemSpec
		icbm := rng.Intn(3) > 0
		typ, lk, mk := pick(gt.slbms), forces.SLBMLauncher, forces.SLBM
		if icbm {
			typ, lk, mk = pick(gt.icbms), forces.ICBMLauncher, forces.ICBM
		}
		site := pick(sites)
		var sub string
		if j := rng.Intn(len(subs)); !icbm && tubes[j]+k <= 16 && rng.Intn(2) == 0 {
			sub = subs[j]
			tubes[j] += k
		}
		for j := 0; j < k; j++ {
			st := forces.Deployed
			if rng.Intn(4) == 0 {
				st = forces.NonDeployed
			}
			l := forces.ItemSpec{UID: uid("L"), Kind: lk, Type: typ, Status: st, Site: site, Carrier: sub}
			out = append(out, l)
			launchers = append(launchers, l.UID)
			if rng.Intn(4) == 0 {
				continue // an empty launcher
			}
			m := forces.ItemSpec{UID: uid("M"), Kind: mk, Type: typ, Status: st, Site: site, Warheads: heads()}
			if rng.Intn(5) == 0 {
				m.Site = "" // a missile that names no site
			}
			if rng.Intn(2) == 0 {
				m.Carrier = l.UID
			}
			out = append(out, m)
			missiles = append(missiles, m.UID)
		}
		return out
	}
	var specs []forces.ItemSpec
	for j := range gt.subs {
		s := forces.ItemSpec{UID: uid("S"), Kind: forces.Submarine, Type: gt.subs[j], Status: forces.Deployed, Site: "Bravo"}
		specs = append(specs, s)
		subs = append(subs, s.UID)
		tubes = append(tubes, 0)
	}
	for len(missiles) < gt.missiles {
		specs = append(specs, newItems(1+rng.Intn(6))...)
	}
	for j := 0; j < gt.bomb; j++ {
		b := forces.ItemSpec{UID: uid("B"), Kind: forces.HeavyBomber, Type: pick(gt.bombers), Status: statuses[rng.Intn(3)], Site: pick(sites)}
		specs = append(specs, b)
		bombers = append(bombers, b.UID)
	}
	for _, s := range specs {
		all = append(all, s.UID)
	}
	day := civil.MustParse("2009-06-01")
	if err := inv.Apply(forces.Event{Date: day, Op: forces.OpNew, Items: specs}); err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for k := 0; k < events; k++ {
		if rng.Intn(3) > 0 {
			day = day.AddDays(1 + rng.Intn(20))
		}
		ev := forces.Event{Date: day}
		switch r := rng.Intn(20); {
		case r < 5:
			ev.Op, ev.Status = forces.OpStatus, statuses[rng.Intn(len(statuses))]
			ev.UIDs = []string{pick(append(append([]string{}, launchers...), missiles...))}
			if r < 2 {
				ev.UIDs = []string{pick(bombers)}
			}
		case r < 8:
			ev.Op, ev.UIDs = forces.OpMove, []string{pick(missiles)}
			if rng.Intn(3) == 0 {
				ev.Carrier = forces.NoCarrier
			} else {
				ev.Carrier = pick(launchers)
			}
		case r < 10:
			ev.Op, ev.UIDs, ev.Site = forces.OpMove, []string{pick(all)}, pick(sites[1:])
		case r < 12:
			ev.Op, ev.UIDs, ev.Warheads = forces.OpLoad, []string{pick(missiles)}, heads()
		case r < 14:
			ev.Op, ev.UIDs = forces.OpAttrs, []string{pick(bombers)}
			ev.Attrs = forces.Attrs{"alcms": gt.alcms[rng.Intn(len(gt.alcms))]}
		case r < 15:
			ev.Op, ev.UIDs = forces.OpConversionStart, []string{pick(append(append([]string{}, launchers...), bombers...))}
		case r < 16:
			ev.Op, ev.UIDs = forces.OpConversionComplete, []string{pick(append(append([]string{}, launchers...), bombers...))}
		case r < 17:
			ev.Op, ev.UIDs = forces.OpEliminate, []string{pick(all)}
		default:
			ev.Op, ev.Items = forces.OpNew, newItems(1+rng.Intn(4))
			if rng.Intn(3) == 0 {
				b := forces.ItemSpec{UID: uid("B"), Kind: forces.HeavyBomber, Type: pick(gt.bombers), Status: forces.Deployed, Site: pick(sites)}
				ev.Items = append(ev.Items, b)
				bombers = append(bombers, b.UID)
			}
			for _, s := range ev.Items {
				all = append(all, s.UID)
			}
		}
		if err := inv.Apply(ev); err != nil {
			continue // not valid now: a history never holds it
		}
		accepted++
	}
	if accepted < events/5 {
		t.Fatalf("only %d of %d events accepted: the generator makes too few valid ones", accepted, events)
	}
	return inv.Forces()
}

// TestSeriesMatchesEvaluateOnRandomHistories checks series of random
// histories under New START (pairing in deployed launchers, explicit
// carriers), START I (assumed missiles in empty launchers, the bomber
// quota, requirements) and SORT, for two parties.
func TestSeriesMatchesEvaluateOnRandomHistories(t *testing.T) {
	for _, gt := range []genTypes{genUS, genRU} {
		for seed := int64(1); seed <= 2; seed++ {
			f := randomHistory(t, seed, gt, 400)
			dates := seriesDates(f, 80)
			for _, id := range []string{"new-start", "start-1", "sort"} {
				t.Run(fmt.Sprintf("%s/%d/%s", gt.party, seed, id), func(t *testing.T) {
					cov := checkSeries(t, bundled(t, id), f, dates)
					if cov.counted < cov.dates/2 {
						t.Errorf("only %d of %d dates count anything", cov.counted, cov.dates)
					}
					if id == "new-start" && !cov.split {
						t.Error("no group was ever split by containment")
					}
					if id == "start-1" {
						if !cov.assumed {
							t.Error("no missile was ever assumed in an empty launcher")
						}
						if gt.party == "US" && (!cov.quotaSplit || !cov.findings) {
							t.Errorf("the quota never split (%v) or no requirement failed (%v)", cov.quotaSplit, cov.findings)
						}
					}
				})
			}
		}
	}
}

// TestSeriesPairsByCarrier counts a small history whose missiles name
// their launchers: a missile moved into a launcher at another site, one
// taken out of its launcher (it is then matched by type), launchers
// partly loaded at a site, a missile and a launcher with no site, tubes
// named by a submarine and a missile moved between them, a carrier
// eliminated after its missile moved out. Pairing by type alone (a
// series of states without UIDs) gets some of these dates wrong.
func TestSeriesPairsByCarrier(t *testing.T) {
	inv := forces.NewInventory("US", nil)
	d := civil.MustParse
	w := func(n int) *int { return &n }
	apply := func(ev forces.Event) {
		t.Helper()
		if err := inv.Apply(ev); err != nil {
			t.Fatalf("%s %s: %v", ev.Date, ev.Op, err)
		}
	}
	L, M := forces.ICBMLauncher, forces.ICBM
	dep, non := forces.Deployed, forces.NonDeployed
	apply(forces.Event{Date: d("2011-03-01"), Op: forces.OpNew, Items: []forces.ItemSpec{
		{UID: "L1", Kind: L, Type: "MM-III", Status: dep, Site: "Alpha"},
		{UID: "L2", Kind: L, Type: "MM-III", Status: dep, Site: "Alpha"},
		{UID: "L3", Kind: L, Type: "MM-III", Status: dep, Site: "Alpha"},
		{UID: "L4", Kind: L, Type: "MM-III", Status: dep},
		{UID: "L5", Kind: L, Type: "MM-III", Status: non, Site: "Bravo"},
		{UID: "M1", Kind: M, Type: "MM-III", Status: dep, Site: "Alpha", Carrier: "L1", Warheads: w(3)},
		{UID: "M2", Kind: M, Type: "MM-III", Status: dep, Site: "Alpha", Warheads: w(2)},
		{UID: "M3", Kind: M, Type: "MM-III", Status: dep, Warheads: w(1)},
		{UID: "M4", Kind: M, Type: "MM-III", Status: non, Site: "Bravo", Carrier: "L5", Warheads: w(1)},
		{UID: "SSBN", Kind: forces.Submarine, Type: "Ohio", Status: dep, Site: "Kings Bay"},
		{UID: "T1", Kind: forces.SLBMLauncher, Type: "Trident II", Status: dep, Site: "Kings Bay", Carrier: "SSBN"},
		{UID: "T2", Kind: forces.SLBMLauncher, Type: "Trident II", Status: dep, Site: "Kings Bay", Carrier: "SSBN"},
		{UID: "D1", Kind: forces.SLBM, Type: "Trident II", Status: dep, Site: "Kings Bay", Carrier: "T1", Warheads: w(4)},
	}})
	apply(forces.Event{Date: d("2012-01-01"), Op: forces.OpMove, UIDs: []string{"M4"}, Site: "Alpha", Carrier: "L3"})
	apply(forces.Event{Date: d("2012-01-01"), Op: forces.OpStatus, UIDs: []string{"M4"}, Status: dep})
	// A missile whose site is not its launcher's: the carrier it names
	// holds it, and the launcher at its own site stays free for none.
	apply(forces.Event{Date: d("2012-06-01"), Op: forces.OpNew, Items: []forces.ItemSpec{
		{UID: "LX", Kind: L, Type: "MM-III", Status: dep, Site: "Delta"},
		{UID: "LY", Kind: L, Type: "MM-III", Status: dep, Site: "Echo"},
		{UID: "MX", Kind: M, Type: "MM-III", Status: dep, Site: "Delta", Carrier: "LY", Warheads: w(2)},
		{UID: "MY", Kind: M, Type: "MM-III", Status: dep, Site: "Echo", Warheads: w(5)},
	}})
	apply(forces.Event{Date: d("2013-01-01"), Op: forces.OpMove, UIDs: []string{"M1"}, Carrier: forces.NoCarrier})
	apply(forces.Event{Date: d("2013-06-01"), Op: forces.OpStatus, UIDs: []string{"M1"}, Status: non})
	apply(forces.Event{Date: d("2013-06-01"), Op: forces.OpStatus, UIDs: []string{"L1"}, Status: non})
	apply(forces.Event{Date: d("2014-01-01"), Op: forces.OpEliminate, UIDs: []string{"L1"}})
	apply(forces.Event{Date: d("2015-01-01"), Op: forces.OpMove, UIDs: []string{"D1"}, Carrier: "T2"})
	apply(forces.Event{Date: d("2016-01-01"), Op: forces.OpStatus, UIDs: []string{"T1"}, Status: non})
	f := inv.Forces()
	// Worked by hand for 2012-07-01: M1, M4 and MX in the launchers they
	// name; M2 in the third Alpha launcher; M3 (no site) in L4, the first
	// launcher with room; MY finds LY taken and no launcher free without
	// a site. With D1, 6 deployed missiles carrying 3+2+1+1+2+4 warheads.
	rs, err := Series(bundled(t, "new-start"), f, []civil.Date{d("2012-07-01")})
	if err != nil {
		t.Fatal(err)
	}
	wantTotals(t, rs[0], map[string]int64{"deployed-delivery-vehicles": 6, "deployed-warheads": 13})
	for _, id := range []string{"new-start", "start-1", "sort"} {
		t.Run(id, func(t *testing.T) {
			cov := checkSeries(t, bundled(t, id), f, seriesDates(f, 1000))
			if id == "new-start" && !cov.split {
				t.Error("no group was split by containment")
			}
			if id == "start-1" && !cov.assumed {
				t.Error("no missile was assumed in an empty launcher")
			}
		})
	}
}
