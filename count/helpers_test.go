package count

import (
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// Test forces are built directly as groups, the way the counting engine
// receives them from the forces package; Attrs stand in for the type
// catalogue.

type opt func(*forces.Group)

func wh(n int) opt           { return func(g *forces.Group) { g.Warheads = n } }
func site(s string) opt      { return func(g *forces.Group) { g.Site = s } }
func carrier(uid string) opt { return func(g *forces.Group) { g.Carrier = uid } }
func uids(u ...string) opt   { return func(g *forces.Group) { g.UIDs = u } }
func origin(o string) opt    { return func(g *forces.Group) { g.Origin = o } }
func attr(kv ...any) opt {
	return func(g *forces.Group) {
		for i := 0; i+1 < len(kv); i += 2 {
			g.Attrs[kv[i].(string)] = kv[i+1]
		}
	}
}

func grp(kind forces.Kind, typ string, st forces.Status, n int, opts ...opt) *forces.Group {
	g := &forces.Group{Kind: kind, Type: typ, Status: st, Count: n, Warheads: forces.NoLoading, Attrs: forces.Attrs{}}
	for _, o := range opts {
		o(g)
	}
	return g
}

func state(party, date string, gs ...*forces.Group) *forces.State {
	return &forces.State{Party: party, Date: civil.MustParse(date), Snapshot: true, Groups: gs}
}

func bundled(t testing.TB, id string) *treaty.Treaty {
	t.Helper()
	tr, err := treaty.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func eval(t testing.TB, tr *treaty.Treaty, s *forces.State, date string) *Result {
	t.Helper()
	r, err := Evaluate(tr, s, civil.MustParse(date))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func limit(t testing.TB, r *Result, id string) *LimitResult {
	t.Helper()
	l, ok := r.Limit(id)
	if !ok {
		t.Fatalf("no limit %s in %s", id, r.Treaty)
	}
	return l
}

func wantTotals(t testing.TB, r *Result, want map[string]int64) {
	t.Helper()
	for id, w := range want {
		if got, _ := r.Total(id); got != w {
			t.Errorf("%s %s: total %s = %d, want %d", r.Treaty, r.Reading, id, got, w)
		}
	}
}

// csvRows reads a data file from testdata (copied from shared/data) as
// maps keyed by the header.
func csvRows(t testing.TB, name string) []map[string]string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rec[1:] {
		m := map[string]string{}
		for i, h := range rec[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

// usTable2020 reads the official US table for 2020-09-01 as category/type
// -> count.
func usTable2020(t testing.TB) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, r := range csvRows(t, "newstart_us_breakdown.csv") {
		if r["as_of_date"] == "2020-09-01" && r["base"] == "" {
			m[r["category"]+"/"+r["type"]] = atoi(t, r["count"])
		}
	}
	if len(m) == 0 {
		t.Fatal("no 2020-09-01 rows")
	}
	return m
}

// us2020 builds the US forces of 2020-09-01 as the official table reads:
// test launchers and test bombers are part of the non-deployed numbers;
// converted tubes and non-nuclear B-52H are listed as converted. The
// loadings are assumptions (the table gives only totals): each MM-III 1
// RV, Trident II 92 missiles × 5 and 138 × 4.
func us2020(t testing.TB) []*forces.Group {
	tab := usTable2020(t)
	get := func(k string) int {
		n, ok := tab[k]
		if !ok {
			t.Fatalf("no row %s", k)
		}
		return n
	}
	o := origin("newstart_us_breakdown.csv 2020-09-01")
	testICBML := get("icbm_test_launchers/MM-III")
	testB2, testB52 := get("test_heavy_bombers/B-2A"), get("test_heavy_bombers/B-52H")
	if d := get("deployed_slbms/Trident II"); d != 92+138 {
		t.Fatalf("deployed Trident II = %d, the loadings assume 230", d)
	}
	return []*forces.Group{
		grp(forces.ICBMLauncher, "MM-III", forces.Deployed, get("icbm_launchers_deployed/MM-III"), o),
		grp(forces.ICBMLauncher, "MM-III", forces.NonDeployed, get("icbm_launchers_nondeployed/MM-III")-testICBML, o),
		grp(forces.ICBMLauncher, "MM-III", forces.Test, testICBML, o),
		grp(forces.ICBM, "MM-III", forces.Deployed, get("deployed_icbms/MM-III"), wh(1), o),
		grp(forces.ICBM, "MM-III", forces.NonDeployed, get("nondeployed_icbms/MM-III"), o),
		grp(forces.SLBMLauncher, "Trident II", forces.Deployed, get("slbm_launchers_deployed/Trident II"), o),
		grp(forces.SLBMLauncher, "Trident II", forces.NonDeployed, get("slbm_launchers_nondeployed/Trident II"), o),
		grp(forces.SLBM, "Trident II", forces.Deployed, 92, wh(5), o),
		grp(forces.SLBM, "Trident II", forces.Deployed, 138, wh(4), o),
		grp(forces.SLBM, "Trident II", forces.NonDeployed, get("nondeployed_slbms/Trident II"), o),
		// 4 tubes on each of 14 SSBNs closed for good (quietwarriors [S]);
		// not in the table, which lists the 280 remaining.
		grp(forces.SLBMLauncher, "Trident II", forces.Converted, 56, origin("56 converted tubes (Navy SSP via quietwarriors)")),
		grp(forces.HeavyBomber, "B-2A", forces.Deployed, get("deployed_heavy_bombers/B-2A"), o),
		grp(forces.HeavyBomber, "B-2A", forces.NonDeployed, get("nondeployed_heavy_bombers/B-2A")-testB2, o),
		grp(forces.HeavyBomber, "B-2A", forces.Test, testB2, o),
		grp(forces.HeavyBomber, "B-52H", forces.Deployed, get("deployed_heavy_bombers/B-52H"), attr("alcms", int64(20)), o),
		grp(forces.HeavyBomber, "B-52H", forces.NonDeployed, get("nondeployed_heavy_bombers/B-52H")-testB52, attr("alcms", int64(20)), o),
		grp(forces.HeavyBomber, "B-52H", forces.Test, testB52, attr("alcms", int64(20)), o),
		grp(forces.HeavyBomber, "B-52H", forces.Converted, get("heavy_bombers_nonnuclear/B-52H"), o),
	}
}

// ussrType is one line of the USSR's 1990 MOU with the attributes the
// type catalogue gives.
type ussrType struct {
	name       string
	kind       forces.Kind // the missile kind, or heavy-bomber
	attributed int64
	heavy      bool
	basing     string
	alcms      int64
}

// The attributions are the MOU's; alcms values are test fixtures (any
// capacity above 0 makes an ALCM bomber; among the first 180 it counts 8
// whatever its capacity).
var ussrTypes = []ussrType{
	{"SS-11", forces.ICBM, 1, false, "silo", 0},
	{"SS-13", forces.ICBM, 1, false, "silo", 0},
	{"SS-17", forces.ICBM, 4, false, "silo", 0},
	{"SS-18", forces.ICBM, 10, true, "silo", 0},
	{"SS-19", forces.ICBM, 6, false, "silo", 0},
	{"SS-24 (silo)", forces.ICBM, 10, false, "silo", 0},
	{"SS-24 (mobile)", forces.ICBM, 10, false, "rail", 0},
	{"SS-25 (mobile)", forces.ICBM, 1, false, "mobile", 0},
	{"SS-N-6", forces.SLBM, 1, false, "submarine", 0},
	{"SS-N-8", forces.SLBM, 1, false, "submarine", 0},
	{"SS-N-17", forces.SLBM, 1, false, "submarine", 0},
	{"SS-N-18", forces.SLBM, 3, false, "submarine", 0},
	{"SS-N-20", forces.SLBM, 10, false, "submarine", 0},
	{"SS-N-23", forces.SLBM, 4, false, "submarine", 0},
	{"Bear (ALCM)", forces.HeavyBomber, 0, false, "air", 16},
	{"Blackjack", forces.HeavyBomber, 0, false, "air", 12},
	{"Bear (non-ALCM)", forces.HeavyBomber, 0, false, "air", 0},
}

func (u ussrType) attrs() opt {
	return attr("attributed", u.attributed, "heavy", u.heavy, "basing", u.basing, "alcms", u.alcms)
}

func launcherKind(k forces.Kind) forces.Kind {
	if k == forces.ICBM {
		return forces.ICBMLauncher
	}
	return forces.SLBMLauncher
}

// ussr1990 reads the MOU's per-type deployed counts and builds groups with
// no warheads: launchers only, missiles only, or both.
func ussr1990(t testing.TB, launchers, missiles bool) []*forces.Group {
	t.Helper()
	count := map[string]int{}
	for _, r := range csvRows(t, "start1_mou_1990_ussr.csv") {
		if r["party"] == "USSR" && len(r["category"]) > len("deployed_sndv_") && r["category"][:len("deployed_sndv_")] == "deployed_sndv_" {
			count[r["type"]] = atoi(t, r["count"])
		}
	}
	var gs []*forces.Group
	for _, u := range ussrTypes {
		n, ok := count[u.name]
		if !ok {
			t.Fatalf("no MOU row for %s", u.name)
		}
		o := origin(fmt.Sprintf("MOU 1990 %s", u.name))
		if u.kind == forces.HeavyBomber {
			gs = append(gs, grp(forces.HeavyBomber, u.name, forces.Deployed, n, u.attrs(), o))
			continue
		}
		if launchers {
			gs = append(gs, grp(launcherKind(u.kind), u.name, forces.Deployed, n, u.attrs(), o))
		}
		if missiles {
			gs = append(gs, grp(u.kind, u.name, forces.Deployed, n, u.attrs(), o))
		}
	}
	return gs
}

// mouTotals reads the MOU's aggregate rows for the USSR.
func mouTotals(t testing.TB) map[string]int64 {
	t.Helper()
	byCat := map[string]int64{}
	for _, r := range csvRows(t, "start1_mou_1990_ussr.csv") {
		if r["party"] == "USSR" && r["type"] == "Total" && r["unit"] != "metric tons" {
			byCat[r["category"]] = int64(atoi(t, r["count"]))
		}
	}
	heavy := int64(0)
	for _, r := range csvRows(t, "start1_mou_1990_ussr.csv") {
		if r["category"] == "deployed_sndv_ICBM" && r["type"] == "SS-18" {
			heavy = int64(atoi(t, r["count"]))
		}
	}
	return map[string]int64{
		"sndv":                       byCat["deployed_sndv"],
		"heavy-icbms":                heavy,
		"accountable-warheads":       byCat["accountable_warheads"],
		"ballistic-missile-warheads": byCat["warheads_on_deployed_icbms_and_slbms"],
		"heavy-icbm-warheads":        byCat["warheads_on_deployed_heavy_icbms"],
		"mobile-icbm-warheads":       byCat["warheads_on_deployed_mobile_icbms"],
	}
}
