package forces

import (
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"
)

func readCSV(t *testing.T, name string) []map[string]string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

// TestUS2020MatchesTheOfficialTable checks us-2020-09-01.yaml against every
// 2020-09-01 row of newstart_us_breakdown.csv, read as the official table
// reads: test launchers and test bombers are part of the non-deployed
// numbers; converted items are listed apart.
func TestUS2020MatchesTheOfficialTable(t *testing.T) {
	f, err := Bundled("us-2020-09-01")
	if err != nil {
		t.Fatal(err)
	}
	s := mustAt(t, f, "2020-09-01")
	nd := func(k Kind, typ string) int {
		return count(s, k, typ, NonDeployed, "") + count(s, k, typ, Test, "") + count(s, k, typ, Training, "")
	}
	total := func(k Kind, typ string) int { return count(s, k, typ, Deployed, "") + nd(k, typ) }
	categories := map[string]func(typ string) int{
		"deployed_icbms":             func(typ string) int { return count(s, ICBM, typ, Deployed, "") },
		"nondeployed_icbms":          func(typ string) int { return nd(ICBM, typ) },
		"icbm_launchers_total":       func(typ string) int { return total(ICBMLauncher, typ) },
		"icbm_launchers_deployed":    func(typ string) int { return count(s, ICBMLauncher, typ, Deployed, "") },
		"icbm_launchers_nondeployed": func(typ string) int { return nd(ICBMLauncher, typ) },
		"icbm_test_launchers":        func(typ string) int { return count(s, ICBMLauncher, typ, Test, "") },
		"deployed_slbms":             func(typ string) int { return count(s, SLBM, typ, Deployed, "") },
		"nondeployed_slbms":          func(typ string) int { return nd(SLBM, typ) },
		"slbm_launchers_total":       func(typ string) int { return total(SLBMLauncher, typ) },
		"slbm_launchers_deployed":    func(typ string) int { return count(s, SLBMLauncher, typ, Deployed, "") },
		"slbm_launchers_nondeployed": func(typ string) int { return nd(SLBMLauncher, typ) },
		"slbm_test_launchers":        func(typ string) int { return count(s, SLBMLauncher, typ, Test, "") },
		"deployed_heavy_bombers":     func(typ string) int { return count(s, HeavyBomber, typ, Deployed, "") },
		"nondeployed_heavy_bombers":  func(typ string) int { return nd(HeavyBomber, typ) },
		"test_heavy_bombers":         func(typ string) int { return count(s, HeavyBomber, typ, Test, "") },
		"heavy_bombers_nonnuclear":   func(typ string) int { return count(s, HeavyBomber, typ, Converted, "") },
	}
	checked := 0
	for _, r := range readCSV(t, "newstart_us_breakdown.csv") {
		if r["as_of_date"] != "2020-09-01" {
			continue
		}
		fn, ok := categories[r["category"]]
		if !ok {
			t.Errorf("category %s not checked", r["category"])
			continue
		}
		typ := r["type"]
		if typ == "Total" {
			typ = ""
		}
		if got, want := fn(typ), atoi(t, r["count"]); got != want {
			t.Errorf("%s %s: file has %d, table %d", r["category"], r["type"], got, want)
		}
		checked++
	}
	if checked != 36 {
		t.Errorf("checked %d rows, want the table's 36", checked)
	}
	// The listed-but-not-counted items.
	if n := count(s, SLBMLauncher, "Trident II", Converted, ""); n != 56 {
		t.Errorf("converted SLBM launchers %d, want 56", n)
	}
	// The loadings the file assumes reproduce the official aggregates, as a
	// check on the data (the counting rules themselves are the treaty's).
	deployed, warheads, launchers := 0, 0, 0
	for _, g := range s.Groups {
		counted := g.Status != Converted && g.Attrs["nuclear"] == true
		switch {
		case g.Kind.IsMissile() && g.Status == Deployed:
			deployed += g.Count
			warheads += g.Count * g.Warheads
		case g.Kind == HeavyBomber && g.Status == Deployed && counted:
			deployed += g.Count
			warheads += g.Count
		}
		if (g.Kind.IsLauncher() || g.Kind == HeavyBomber) && counted {
			launchers += g.Count
		}
	}
	if deployed != 675 || warheads != 1457 || launchers != 800 {
		t.Errorf("aggregates %d / %d / %d, want 675 / 1457 / 800", deployed, warheads, launchers)
	}
}

// TestUSSR1990MatchesTheMOU checks ussr-1990-09-01.yaml and the
// catalogue's attributions against start1_mou_1990_ussr.csv: each type's
// deployed launchers, and attributed warheads x launchers = the MOU's
// accountable warheads, row by row and in total.
func TestUSSR1990MatchesTheMOU(t *testing.T) {
	f, err := Bundled("ussr-1990-09-01")
	if err != nil {
		t.Fatal(err)
	}
	s := mustAt(t, f, "1990-09-01")
	for _, g := range s.Groups {
		if g.Warheads != NoLoading {
			t.Errorf("%s declares warheads: attribution must come from the catalogue", g.Label())
		}
	}
	// byName sums groups of the kind whose type the MOU's name resolves to
	// (with the variant's attributes, e.g. SS-24 (mobile)).
	byName := func(kind Kind, name string) (n int, attributed int64) {
		r, err := Catalogue().Resolve(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range s.Groups {
			if g.Kind != kind || g.Type != r.Type.Name || g.Status != Deployed {
				continue
			}
			match := true
			for k, v := range r.Overrides {
				match = match && g.Attrs[k] == v
			}
			if !match {
				continue
			}
			if attributed != 0 && attributed != g.Attrs["attributed"].(int64) {
				t.Errorf("%s: groups disagree on attribution", name)
			}
			n += g.Count
			attributed = g.Attrs["attributed"].(int64)
		}
		return n, attributed
	}
	rows := readCSV(t, "start1_mou_1990_ussr.csv")
	totals := map[string]int{}
	for _, r := range rows {
		cat, name := r["category"], r["type"]
		switch {
		case strings.HasPrefix(cat, "deployed_sndv_"):
			kind := map[string]Kind{"deployed_sndv_ICBM": ICBMLauncher, "deployed_sndv_SLBM": SLBMLauncher, "deployed_sndv_heavy_bomber": HeavyBomber}[cat]
			n, _ := byName(kind, name)
			if want := atoi(t, r["count"]); n != want {
				t.Errorf("%s: file has %d deployed, MOU %d", name, n, want)
			}
			if kind != HeavyBomber {
				missile := map[Kind]Kind{ICBMLauncher: ICBM, SLBMLauncher: SLBM}[kind]
				if m, _ := byName(missile, name); m != n {
					t.Errorf("%s: %d missiles for %d launchers", name, m, n)
				}
			}
			totals["sndv"] += n
		case cat == "accountable_warheads_ICBM" || cat == "accountable_warheads_SLBM":
			kind := map[string]Kind{"accountable_warheads_ICBM": ICBMLauncher, "accountable_warheads_SLBM": SLBMLauncher}[cat]
			n, a := byName(kind, name)
			if got, want := n*int(a), atoi(t, r["count"]); got != want {
				t.Errorf("%s: %d x attributed %d = %d, MOU %d", name, n, a, got, want)
			}
			totals["ballistic"] += n * int(a)
		case cat == "accountable_warheads_heavy_bomber" && name == "Bear (non-ALCM)":
			n, a := byName(HeavyBomber, name)
			if got, want := n*int(a), atoi(t, r["count"]); got != want {
				t.Errorf("%s: %d, MOU %d", name, got, want)
			}
		}
	}
	want := map[string]string{}
	for _, r := range rows {
		want[r["category"]] = r["count"]
	}
	if totals["sndv"] != atoi(t, want["deployed_sndv"]) || totals["ballistic"] != atoi(t, want["warheads_on_deployed_icbms_and_slbms"]) {
		t.Errorf("totals %v; MOU sndv %s, ballistic warheads %s", totals, want["deployed_sndv"], want["warheads_on_deployed_icbms_and_slbms"])
	}
	heavy, mobile := 0, 0
	for _, g := range s.Groups {
		if g.Kind != ICBMLauncher {
			continue
		}
		w := g.Count * int(g.Attrs["attributed"].(int64))
		if g.Attrs["heavy"] == true {
			heavy += w
		}
		if g.Attrs["basing"] == "mobile" {
			mobile += w
		}
	}
	if heavy != atoi(t, want["warheads_on_deployed_heavy_icbms"]) || mobile != atoi(t, want["warheads_on_deployed_mobile_icbms"]) {
		t.Errorf("heavy %d mobile %d; MOU %s and %s", heavy, mobile, want["warheads_on_deployed_heavy_icbms"], want["warheads_on_deployed_mobile_icbms"])
	}
	// The bombers the MOU counts by the ALCM rule are ALCM bombers.
	for _, name := range []string{"Bear (ALCM)", "Blackjack"} {
		r, _ := Catalogue().Resolve(name)
		if a, _ := Catalogue().Effective(r.Type, r.Overrides)["alcms"].(int64); a <= 0 {
			t.Errorf("%s: alcms %d", name, a)
		}
	}
}

func TestBundledFilesLoad(t *testing.T) {
	names := BundledNames()
	if strings.Join(names, " ") != "us-2020-09-01 us-history-example ussr-1990-09-01" {
		t.Fatalf("bundled %v", names)
	}
	for _, n := range names {
		f, err := Bundled(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if f.Items() == 0 {
			t.Errorf("%s: no items", n)
		}
	}
	if r := BundledReadingNames(); strings.Join(r, " ") != "us-2020-09-01.ru-reading" {
		t.Fatalf("bundled readings %v", r)
	}
	if _, err := Bundled("../types/us"); err == nil {
		t.Fatal("a bundled name must not reach outside catalog/forces")
	}
}

func TestHistoryExampleUsesEveryOp(t *testing.T) {
	data, err := os.ReadFile("../catalog/forces/us-history-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range Ops {
		if !strings.Contains(string(data), "op: "+string(op)+"\n") {
			t.Errorf("the history example has no %s event", op)
		}
	}
	for _, w := range []string{"select:", "uids:", "carrier:", "items:"} {
		if !strings.Contains(string(data), w) {
			t.Errorf("the history example does not use %s", w)
		}
	}
}
