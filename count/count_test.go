package count

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

func TestNewStartUS2020OfficialTable(t *testing.T) {
	ns := bundled(t, "new-start")
	r := eval(t, ns, state("US", "2020-09-01", us2020(t)...), "2020-09-01")
	want := map[string]int64{"deployed-delivery-vehicles": 675, "deployed-warheads": 1457, "deployed-and-nondeployed-launchers": 800}
	wantTotals(t, r, want)
	for id := range want {
		l := limit(t, r, id)
		if !l.Binding || !l.Within || l.Margin != l.Max-l.Total {
			t.Errorf("%s: %+v", id, l)
		}
	}
	if l := limit(t, r, "deployed-and-nondeployed-launchers"); l.Margin != 0 {
		t.Errorf("800 limit margin %d, want 0", l.Margin)
	}
	// The explanation adds up, and names the rule's source.
	for _, l := range r.Limits {
		var sum int64
		for _, p := range l.Explain {
			sum += p.Units
			if p.Rule == nil || p.Rule.Source.Source == "" || p.Group == nil {
				t.Fatalf("part without rule or group: %+v", p)
			}
		}
		if sum != l.Total {
			t.Errorf("%s: explanation sums to %d, total %d", l.ID, sum, l.Total)
		}
	}
	// The non-deployed bombers include the 5 test ones: 18 = 7+1+6+4.
	var nd int
	for _, p := range limit(t, r, "deployed-and-nondeployed-launchers").Explain {
		if p.Group.Kind == forces.HeavyBomber && p.Group.Status != forces.Deployed {
			nd += p.Items
		}
	}
	if nd != 18 {
		t.Errorf("non-deployed heavy bombers counted: %d, want 18", nd)
	}
}

func TestNewStartMissileCountsOnlyInDeployedLauncher(t *testing.T) {
	ns := bundled(t, "new-start")
	// 10 deployed launchers, 12 missiles declared deployed: only 10 are in
	// launchers. The ones with the most warheads are taken as contained.
	s := state("US", "2020-09-01",
		grp(forces.ICBMLauncher, "MM-III", forces.Deployed, 10),
		grp(forces.ICBM, "MM-III", forces.Deployed, 6, wh(1)),
		grp(forces.ICBM, "MM-III", forces.Deployed, 6, wh(3)),
	)
	r := eval(t, ns, s, "2020-09-01")
	wantTotals(t, r, map[string]int64{"deployed-delivery-vehicles": 10, "deployed-warheads": 6*3 + 4*1, "deployed-and-nondeployed-launchers": 10})
	// The split group is explained as such.
	found := false
	for _, p := range limit(t, r, "deployed-warheads").Explain {
		if p.Items == 4 && strings.Contains(p.Note, "4 of the group's 6 (contained)") {
			found = true
		}
	}
	if !found {
		t.Errorf("split not explained: %+v", limit(t, r, "deployed-warheads").Explain)
	}
	// Sites: a missile at another base is not in these launchers.
	s = state("US", "2020-09-01",
		grp(forces.ICBMLauncher, "MM-III", forces.Deployed, 5, site("Minot")),
		grp(forces.ICBM, "MM-III", forces.Deployed, 5, wh(1), site("Malmstrom")),
	)
	wantTotals(t, eval(t, ns, s, "2020-09-01"), map[string]int64{"deployed-delivery-vehicles": 0, "deployed-warheads": 0})
	// An explicit carrier pairs exactly, across sites.
	s = state("US", "2020-09-01",
		grp(forces.ICBMLauncher, "MM-III", forces.Deployed, 2, site("Minot"), uids("LF-01", "LF-02")),
		grp(forces.ICBM, "MM-III", forces.Deployed, 1, wh(2), site("Malmstrom"), carrier("LF-02"), uids("M-1")),
	)
	wantTotals(t, eval(t, ns, s, "2020-09-01"), map[string]int64{"deployed-delivery-vehicles": 1, "deployed-warheads": 2})
	// A missile in a non-deployed (test) launcher is not deployed.
	s = state("US", "2020-09-01",
		grp(forces.ICBMLauncher, "MM-III", forces.Test, 1, uids("LF-T")),
		grp(forces.ICBM, "MM-III", forces.Deployed, 1, wh(1), carrier("LF-T")),
	)
	wantTotals(t, eval(t, ns, s, "2020-09-01"), map[string]int64{"deployed-delivery-vehicles": 0, "deployed-and-nondeployed-launchers": 1})
}

func TestStart1USSR1990FromAttribution(t *testing.T) {
	s1 := bundled(t, "start-1")
	want := mouTotals(t)
	if want["sndv"] != 2500 || want["accountable-warheads"] != 10271 || want["mobile-icbm-warheads"] != 618 {
		t.Fatalf("MOU totals read wrong: %v", want)
	}
	for _, c := range []struct {
		name                string
		launchers, missiles bool
	}{{"launchers only", true, false}, {"missiles only", false, true}, {"launchers and missiles", true, true}} {
		t.Run(c.name, func(t *testing.T) {
			r := eval(t, s1, state("USSR", "1990-09-01", ussr1990(t, c.launchers, c.missiles)...), "1990-09-01")
			wantTotals(t, r, want)
			if r.Status.InForce || r.Status.Code != treaty.NotYetInForce {
				t.Errorf("1990 status %+v", r.Status)
			}
		})
	}
	// A file listing some launchers loaded and the rest empty counts the
	// same: launcher and missile count once.
	gs := ussr1990(t, true, false)
	for _, g := range gs {
		if g.Kind == forces.ICBMLauncher && g.Type == "SS-18" {
			missiles := *g
			missiles.Kind, missiles.Count = forces.ICBM, 100
			gs = append(gs, &missiles)
		}
	}
	r := eval(t, s1, state("RU", "1990-09-01", gs...), "1990-09-01")
	wantTotals(t, r, want)
	if r.PartyID != "USSR" || r.Party != "RU" {
		t.Errorf("party %q resolved to %q", r.Party, r.PartyID)
	}
}

func TestStart1NeverReadsDeclaredWarheads(t *testing.T) {
	s1 := bundled(t, "start-1")
	// A downloaded SS-N-18 group overrides attributed: 3; its declared
	// warheads are ignored.
	r := eval(t, s1, state("USSR", "1995-01-01",
		grp(forces.SLBM, "SS-N-18", forces.Deployed, 10, wh(7), attr("attributed", int64(3))),
	), "1995-01-01")
	wantTotals(t, r, map[string]int64{"accountable-warheads": 30, "ballistic-missile-warheads": 30, "sndv": 10})
	// A type without an attribution is an error naming the group, not 0.
	_, err := Evaluate(s1, state("USSR", "1995-01-01", grp(forces.SLBM, "SS-N-99", forces.Deployed, 1, origin("x.yaml:3"))), civil.MustParse("1995-01-01"))
	if err == nil || !strings.Contains(err.Error(), "attributed") || !strings.Contains(err.Error(), "SS-N-99") || !strings.Contains(err.Error(), "x.yaml:3") {
		t.Fatalf("got %v", err)
	}
}

// bombers builds US ALCM heavy bomber groups; each pair is count, alcms.
func bombers(spec ...any) []*forces.Group {
	var gs []*forces.Group
	for i := 0; i+1 < len(spec); i += 3 {
		gs = append(gs, grp(forces.HeavyBomber, spec[i].(string), forces.Deployed, spec[i+1].(int), attr("alcms", int64(spec[i+2].(int)))))
	}
	return gs
}

func TestStart1USBomberQuota(t *testing.T) {
	s1 := bundled(t, "start-1")
	count := func(gs []*forces.Group) *Result {
		return eval(t, s1, state("US", "2002-01-01", gs...), "2002-01-01")
	}
	for _, c := range []struct {
		name        string
		gs          []*forces.Group
		accountable int64
		sndv        int64
	}{
		// The 150 with the most ALCMs (100 × 20 and 50 × 12) count 10;
		// the 10 left count the 12 they are equipped for.
		{"160 bombers, 100×20 and 60×12", bombers("B-52H", 100, 20, "B-52G", 60, 12), 1500 + 10*12, 160},
		// Same bombers listed the other way round: same result.
		{"order in the file does not matter", bombers("B-52G", 60, 12, "B-52H", 100, 20), 1620, 160},
		// The 20s go first, so the 12s are the ones beyond 150.
		{"150×12 and 10×20", bombers("B-52G", 150, 12, "B-52H", 10, 20), 1500 + 10*12, 160},
		{"fewer than 150", bombers("B-52H", 40, 20), 400, 40},
		{"exactly 150", bombers("B-52H", 150, 20), 1500, 150},
		{"ties: 2 × 80 at 20", bombers("B-52H", 80, 20, "B-52H", 80, 20), 1500 + 10*20, 160},
		// A bomber with no ALCMs counts 1 and takes no quota place.
		{"non-ALCM bombers", append(bombers("B-52H", 150, 20), grp(forces.HeavyBomber, "B-1B", forces.Deployed, 90, attr("alcms", int64(0)))), 1500 + 90, 240},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := count(c.gs)
			wantTotals(t, r, map[string]int64{"accountable-warheads": c.accountable, "sndv": c.sndv})
		})
	}
	// Ties are broken by site, not by the order of groups in the state.
	a := grp(forces.HeavyBomber, "B-52H", forces.Deployed, 80, attr("alcms", int64(20)), site("Barksdale"))
	b := grp(forces.HeavyBomber, "B-52H", forces.Deployed, 80, attr("alcms", int64(20)), site("Minot"))
	for _, gs := range [][]*forces.Group{{a, b}, {b, a}} {
		r := count(gs)
		for _, p := range limit(t, r, "accountable-warheads").Explain {
			if strings.HasPrefix(p.Note, "beyond") && (p.Group.Site != "Minot" || p.Items != 10 || p.Each != 20) {
				t.Errorf("beyond the first 150: %d at %s × %d", p.Items, p.Group.Site, p.Each)
			}
			if strings.HasPrefix(p.Note, "among") && p.Group.Site == "Minot" && p.Items != 70 {
				t.Errorf("Minot among the first: %d, want 70", p.Items)
			}
		}
	}
	// More than 20 ALCMs breaks a requirement: reported, still counted.
	r := count(bombers("B-52H", 2, 24))
	if len(r.Findings) != 1 || r.Findings[0].Items != 2 || !strings.Contains(r.Findings[0].Says, "20") {
		t.Errorf("findings %+v", r.Findings)
	}
	// The USSR rule: first 180 at 8; a US state does not use it.
	r = eval(t, s1, state("Russia", "2002-01-01", bombers("Blackjack", 200, 12)...), "2002-01-01")
	wantTotals(t, r, map[string]int64{"accountable-warheads": 180*8 + 20*12})
}

func TestStart1Phases(t *testing.T) {
	s1 := bundled(t, "start-1")
	s := state("US", "2000-01-01", grp(forces.ICBM, "MM-III", forces.Deployed, 2000, attr("attributed", int64(3))))
	for _, c := range []struct {
		date    string
		binding bool
		max     int64
		code    treaty.LimitCode
	}{
		{"1996-01-01", false, 2100, treaty.PhaseNotReached},
		{"1997-12-05", true, 2100, treaty.Binding},
		{"1999-12-05", true, 1900, treaty.Binding},
		{"2001-12-05", true, 1600, treaty.Binding},
		{"2009-12-05", false, 1600, treaty.LimitCode(treaty.Expired)},
	} {
		l := limit(t, eval(t, s1, s, c.date), "sndv")
		if l.Binding != c.binding || l.Max != c.max || l.Code != c.code || l.Total != 2000 || l.Within != (2000 <= c.max) {
			t.Errorf("%s: %+v", c.date, l)
		}
		if !l.Binding && l.WhyNot == "" {
			t.Errorf("%s: no reason", c.date)
		}
	}
	if l := limit(t, eval(t, s1, s, "2003-01-01"), "heavy-icbms"); l.SublimitOf != "sndv" {
		t.Errorf("heavy-icbms is within %q", l.SublimitOf)
	}
}

func TestBindingAndReasons(t *testing.T) {
	gs := []*forces.Group{grp(forces.ICBMLauncher, "MM-III", forces.Deployed, 5), grp(forces.ICBM, "MM-III", forces.Deployed, 5, wh(1))}
	// SORT never bound, and says why.
	r := eval(t, bundled(t, "sort"), state("US", "2012-12-31", gs...), "2012-12-31")
	l := limit(t, r, "deployed-warheads")
	if l.Binding || !strings.Contains(l.WhyNot, "superseded by new-start on 2011-02-05") || !strings.Contains(l.WhyNot, "never bound") {
		t.Errorf("SORT: %+v", l)
	}
	// A range: below the minimum is within, with a positive low margin.
	if !l.Within || l.Min == nil || *l.Min != 1700 || l.MarginLow == nil || *l.MarginLow != 1695 || l.Margin != 2195 {
		t.Errorf("SORT range: %+v", l)
	}
	ns := bundled(t, "new-start")
	// New START on its expiry day: no treaty.
	r = eval(t, ns, state("US", "2026-02-05", gs...), "2026-02-05")
	if r.Status.Code != treaty.Expired || limit(t, r, "deployed-warheads").Binding {
		t.Errorf("2026-02-05: %+v", r.Status)
	}
	if r := eval(t, ns, state("US", "2026-02-04", gs...), "2026-02-04"); !r.Status.InForce {
		t.Errorf("2026-02-04: %+v", r.Status)
	}
	// Before 2018-02-05 nothing binds, but within and margin are computed.
	big := []*forces.Group{grp(forces.ICBMLauncher, "MM-III", forces.Deployed, 900), grp(forces.ICBM, "MM-III", forces.Deployed, 900, wh(3))}
	r = eval(t, ns, state("US", "2015-01-01", big...), "2015-01-01")
	l = limit(t, r, "deployed-warheads")
	if l.Binding || l.Within || l.Margin != 1550-2700 || !strings.Contains(l.WhyNot, "2018-02-05") || r.Over() {
		t.Errorf("2015: %+v", l)
	}
	if r := eval(t, ns, state("US", "2018-02-05", big...), "2018-02-05"); !r.Over() {
		t.Error("2018-02-05: over a binding maximum not reported")
	}
	// A framework never in force.
	r = eval(t, bundled(t, "joint-understanding-2009"), state("RU", "2012-01-01", big...), "2012-01-01")
	if l := limit(t, r, "delivery-vehicles"); l.Binding || !strings.Contains(l.WhyNot, "framework") || l.Total != 900 || !l.Within || l.Margin != 200 || *l.MarginLow != -400 {
		t.Errorf("JU: %+v", l)
	}
}

func TestOneItemTwoReadings(t *testing.T) {
	ns := bundled(t, "new-start")
	declared := state("US", "2022-03-01", us2020(t)...)
	// The RU reading of the same items (treaties.md §6): the 41 B-52H it
	// cannot confirm as converted are deployed nuclear bombers, the 56
	// closed tubes non-deployed launchers, and 4 "training silos" are
	// non-deployed ICBM launchers the owner did not declare.
	var ru []*forces.Group
	for _, g := range declared.Groups {
		c := *g
		switch {
		case g.Kind == forces.HeavyBomber && g.Status == forces.Converted:
			c.Status = forces.Deployed
		case g.Kind == forces.SLBMLauncher && g.Status == forces.Converted:
			c.Status = forces.NonDeployed
		}
		ru = append(ru, &c)
	}
	ru = append(ru, grp(forces.ICBMLauncher, "MM-III", forces.Training, 4, origin("RU reading: training silos")))
	reading := &forces.State{Party: "US", Date: declared.Date, Groups: ru, Reading: "RU reading (2018-2022 dispute)"}

	a := eval(t, ns, declared, "2022-03-01")
	b := eval(t, ns, reading, "2022-03-01")
	wantTotals(t, a, map[string]int64{"deployed-delivery-vehicles": 675, "deployed-warheads": 1457, "deployed-and-nondeployed-launchers": 800})
	wantTotals(t, b, map[string]int64{"deployed-delivery-vehicles": 675 + 41, "deployed-warheads": 1457 + 41, "deployed-and-nondeployed-launchers": 901})
	if a.Reading != "" || b.Reading != "RU reading (2018-2022 dispute)" {
		t.Errorf("readings %q %q", a.Reading, b.Reading)
	}
	if a.Over() || !b.Over() {
		t.Errorf("over: declared %v, RU reading %v", a.Over(), b.Over())
	}
	// Under the reading the US is over the 700 by 16 and the 800 by 101.
	ch := WhatMustChange(b)
	if len(ch) != 2 || ch[0].Limit != "deployed-delivery-vehicles" || ch[0].Over != 16 ||
		ch[1].Limit != "deployed-and-nondeployed-launchers" || ch[1].Over != 101 || len(ch[1].Options) == 0 {
		t.Fatalf("what must change: %+v", ch)
	}
}

func TestWhatMustChange(t *testing.T) {
	ns := bundled(t, "new-start")
	s := state("US", "2020-09-01",
		grp(forces.ICBMLauncher, "MM-III", forces.Deployed, 400),
		grp(forces.ICBM, "MM-III", forces.Deployed, 400, wh(3)),
		grp(forces.SLBMLauncher, "Trident II", forces.Deployed, 240),
		grp(forces.SLBM, "Trident II", forces.Deployed, 240, wh(4)),
	)
	r := eval(t, ns, s, "2020-09-01")
	// 400×3 + 240×4 = 2160 warheads: 610 over.
	ch := WhatMustChange(r)
	if len(ch) != 1 || ch[0].Over != 610 {
		t.Fatalf("%+v", ch)
	}
	var mm, tr *Option
	for i := range ch[0].Options {
		o := &ch[0].Options[i]
		switch {
		case strings.Contains(o.Group, "MM-III"):
			mm = o
		case strings.Contains(o.Group, "Trident"):
			tr = o
		}
	}
	if mm == nil || tr == nil {
		t.Fatalf("options %+v", ch[0].Options)
	}
	// 610/3 → 204 MM-III out; or download 2 from each of 305.
	if mm.Items != 204 || mm.Closes != 612 || mm.Download == nil || mm.Download.Missiles != 305 || mm.Download.PerMissile != 2 {
		t.Errorf("MM-III option %+v %+v", mm, mm.Download)
	}
	// 610/4 → 153 Trident II out; downloading 3 from each of 204 closes 612.
	if tr.Items != 153 || tr.Download == nil || tr.Download.Missiles != 204 || tr.Download.Closes < 610 {
		t.Errorf("Trident option %+v %+v", tr, tr.Download)
	}
	if !strings.Contains(mm.Text, "download") {
		t.Errorf("text %q", mm.Text)
	}
}

func TestErrors(t *testing.T) {
	ns := bundled(t, "new-start")
	// A rule that reads item.warheads on a group with no loading.
	_, err := Evaluate(ns, state("US", "2020-09-01",
		grp(forces.ICBMLauncher, "MM-III", forces.Deployed, 3),
		grp(forces.ICBM, "MM-III", forces.Deployed, 3, origin("us.yaml:12")),
	), civil.MustParse("2020-09-01"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"deployed-missile", "item.warheads", "icbm MM-III deployed", "us.yaml:12", "new-start.yaml:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	// A party the treaty does not have.
	if _, err := Evaluate(ns, state("CN", "2020-09-01"), civil.MustParse("2020-09-01")); err == nil || !strings.Contains(err.Error(), "CN") {
		t.Errorf("got %v", err)
	}
}

func TestNonNuclearBomberTypeNotCounted(t *testing.T) {
	r := eval(t, bundled(t, "new-start"), state("US", "2020-09-01",
		grp(forces.HeavyBomber, "B-1B", forces.Deployed, 44, attr("nuclear", false)),
		grp(forces.HeavyBomber, "B-52H", forces.Deployed, 3, attr("nuclear", true)),
		grp(forces.HeavyBomber, "B-52H", forces.Converted, 41),
	), "2020-09-01")
	wantTotals(t, r, map[string]int64{"deployed-delivery-vehicles": 3, "deployed-warheads": 3, "deployed-and-nondeployed-launchers": 3})
}

func TestStockpileNotCounted(t *testing.T) {
	r := eval(t, bundled(t, "new-start"), state("US", "2020-09-01",
		grp(forces.Warhead, "W88", forces.NonDeployed, 384),
		grp(forces.HeavyBomber, "B-2A", forces.Deployed, 2),
	), "2020-09-01")
	wantTotals(t, r, map[string]int64{"deployed-warheads": 2})
	if r.NotCovered[forces.Warhead] != 384 {
		t.Errorf("not covered %v", r.NotCovered)
	}
}

func TestJSONShape(t *testing.T) {
	r := eval(t, bundled(t, "sort"), state("US", "2012-12-31", us2020(t)...), "2012-12-31")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Treaty, Party, Date string
		Limits              []map[string]any
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Treaty != "sort" || m.Party != "US" || m.Date != "2012-12-31" || len(m.Limits) != 1 {
		t.Fatalf("%s", b)
	}
	for _, k := range []string{"id", "total", "max", "min", "binding", "within", "margin", "margin_low", "why_not", "explain"} {
		if _, ok := m.Limits[0][k]; !ok {
			t.Errorf("limit lacks %q: %s", k, b)
		}
	}
	ex := m.Limits[0]["explain"].([]any)[0].(map[string]any)
	for _, k := range []string{"group", "origin", "rule", "says", "items", "each", "units", "source", "evidence"} {
		if _, ok := ex[k]; !ok {
			t.Errorf("explain lacks %q: %v", k, ex)
		}
	}
	// A max-only limit has min and margin_low null.
	r = eval(t, bundled(t, "new-start"), state("US", "2020-09-01"), "2020-09-01")
	b, _ = json.Marshal(r.Limits[0])
	if !strings.Contains(string(b), `"min":null`) || !strings.Contains(string(b), `"margin_low":null`) {
		t.Errorf("%s", b)
	}
}

// TestSeriesMatchesEvaluate replays the bundled history once for a whole
// series and checks every point against counting the state At that date.
func TestSeriesMatchesEvaluate(t *testing.T) {
	ns := bundled(t, "new-start")
	f, err := forces.Bundled("us-history-example")
	if err != nil {
		t.Fatal(err)
	}
	// Given out of order: the series comes back in date order.
	dates := []civil.Date{civil.MustParse("2026-03-01"), civil.MustParse("2011-03-01"), civil.MustParse("2012-06-01"),
		civil.MustParse("2017-09-01"), civil.MustParse("2018-03-01")}
	rs, err := Series(ns, f, dates)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(dates) {
		t.Fatalf("%d results", len(rs))
	}
	changed := false
	for i, r := range rs {
		if i > 0 && r.Date <= rs[i-1].Date {
			t.Fatalf("not ascending: %s after %s", r.Date, rs[i-1].Date)
		}
		s, err := f.At(r.Date)
		if err != nil {
			t.Fatal(err)
		}
		want := eval(t, ns, s, r.Date.String())
		for j, l := range r.Limits {
			w := want.Limits[j]
			if l.Total != w.Total || l.Binding != w.Binding || l.Within != w.Within {
				t.Errorf("%s %s: series %d/%v/%v, evaluate %d/%v/%v", r.Date, l.ID, l.Total, l.Binding, l.Within, w.Total, w.Binding, w.Within)
			}
			if i > 0 && l.Total != rs[i-1].Limits[j].Total {
				changed = true
			}
		}
	}
	if !changed {
		t.Error("the history example changes no total between the dates: the test proves nothing")
	}
	if rs[1].Limits[0].Binding || !rs[3].Limits[0].Binding || rs[4].Limits[0].Binding {
		t.Error("binding over the series is wrong")
	}
}

func TestKindAndStatusIndexesFollowForces(t *testing.T) {
	for i, k := range forces.Kinds {
		if kindIndex(k) != i {
			t.Errorf("kindIndex(%s) = %d, want %d", k, kindIndex(k), i)
		}
	}
	for i, s := range forces.Statuses {
		if statusIndex(s) != i {
			t.Errorf("statusIndex(%s) = %d, want %d", s, statusIndex(s), i)
		}
	}
	if len(forces.Statuses) > 7 {
		t.Error("statusIndex reserves 7 for unknown statuses")
	}
}
