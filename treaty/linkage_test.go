package treaty

import (
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/tally-project/tally/catalog"
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/internal/yamlpos"
)

func TestSteps(t *testing.T) {
	d := civil.MustParse
	s1 := mustBundled(t, "start-1")
	l, _ := s1.LimitByID("sndv")
	st := s1.Steps(l)
	// START I entered into force on 1994-12-05: phases at 36 and 60
	// months, the final 1,600 at 84 months.
	if len(st) != 3 || st[0].Start != d("1997-12-05") || st[0].Max != 2100 || st[1].Start != d("1999-12-05") || st[2].Start != d("2001-12-05") || st[2].Max != 1600 || !st[2].Known || st[2].Assumed {
		t.Fatalf("start-1 sndv steps %+v", st)
	}
	// A proposal never enters into force: its starts are unknown until an
	// entry into force is assumed (deep-cuts-500 binds 84 months after it).
	dc := mustBundled(t, "deep-cuts-500")
	w, _ := dc.LimitByID("deployed-warheads")
	if f := Final(dc.Steps(w)); f.Known {
		t.Fatalf("a proposal's start is known: %+v", f)
	}
	f := Final(dc.StepsFrom(w, d("2021-03-01")))
	if !f.Known || !f.Assumed || f.Start != d("2028-03-01") || f.Max != 500 || !strings.Contains(f.How, "7 years after entry into force, entry into force taken as 2021-03-01") {
		t.Fatalf("assumed: %+v", f)
	}
	// 84 months after an assumed entry into force.
	ju := mustBundled(t, "joint-understanding-2009")
	jw, _ := ju.LimitByID("deployed-warheads")
	if f := Final(ju.StepsFrom(jw, d("2011-02-05"))); f.Start != d("2018-02-05") || *f.Min != 1500 || f.Max != 1675 {
		t.Fatalf("ju: %+v", f)
	}
	// A start written as a date stays, whatever the assumption.
	sort := mustBundled(t, "sort")
	sw, _ := sort.LimitByID("deployed-warheads")
	if f := Final(sort.StepsFrom(sw, d("2003-06-01"))); f.Start != d("2012-12-31") || f.Assumed {
		t.Fatalf("sort: %+v", f)
	}
}

func TestLinkageExample(t *testing.T) {
	d := civil.MustParse
	le := mustBundled(t, "linkage-example")
	if le.Kind != KindProposal || !strings.Contains(le.Summary, "ILLUSTRATIVE") || !strings.Contains(le.Proposal.Note, "illustrative") {
		t.Fatal("the linkage example must say it is illustrative")
	}
	tc, ok := le.TrackedByID("aegis-ashore-cells-europe")
	if !ok {
		t.Fatal("no tracked category")
	}
	if _, ok := tc.At(d("2016-05-11")); ok {
		t.Error("a number before the first declaration")
	}
	if x, _ := tc.At(d("2020-09-01")); x.Value != 24 || x.Date != d("2016-05-12") {
		t.Errorf("2020: %+v", x)
	}
	if x, _ := tc.At(d("2023-12-15")); x.Value != 48 {
		t.Errorf("2023-12-15: %+v", x)
	}
	for _, c := range []struct {
		date  string
		known bool
		holds bool
		text  string
	}{
		{"2015-01-01", false, false, "unknown on 2015-01-01: nothing declared"},
		{"2020-09-01", true, false, "does not hold on 2020-09-01: 24 launch cells declared by US Navy (reported) on 2016-05-12 (not above 24)"},
		{"2024-09-01", true, true, "holds on 2024-09-01: 48 launch cells declared by US Navy (reported) on 2023-12-15 (above 24): RU may withdraw"},
	} {
		cs := le.LinkedAt(d(c.date))
		if len(cs) != 2 {
			t.Fatalf("%d clauses", len(cs))
		}
		if cs[0].Known != c.known || cs[0].Holds != c.holds || !strings.Contains(cs[0].Text, c.text) {
			t.Errorf("%s: %+v", c.date, cs[0])
		}
		if c.holds && cs[0].Source.Source != "https://www.altair.com.pl/news/view?news_id=41986" {
			t.Errorf("the status cites the number's source: %+v", cs[0].Source)
		}
	}
	w, _ := le.LimitByID("deployed-warheads")
	if _, _, _, ok := le.LimitWith(w, d("2020-09-01")); ok {
		t.Error("the warhead limit changed in 2020")
	}
	max, _, by, ok := le.LimitWith(w, d("2024-09-01"))
	if !ok || max != 1675 || by.ID != "warheads-rise-with-missile-defense" {
		t.Errorf("2024: %d %v %v", max, by, ok)
	}
	dv, _ := le.LimitByID("deployed-delivery-vehicles")
	if _, _, _, ok := le.LimitWith(dv, d("2024-09-01")); ok {
		t.Error("a clause changed a limit it does not name")
	}
}

// TestLinkageErrors checks that each mistake in the linkage fields is an
// error naming the line and field.
func TestLinkageErrors(t *testing.T) {
	base, err := fs.ReadFile(catalog.FS, "treaties/linkage-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		from, to string
		path     string
		msg      string
	}{
		{"if: {tracked: aegis-ashore-cells-europe, above: 24}\n    then:\n      withdraw", "if: {tracked: aegis-ashore-cell, above: 24}\n    then:\n      withdraw", "linked[0].if.tracked", `did you mean "aegis-ashore-cells-europe"`},
		{"above: 24}\n    then:\n      withdraw", "above: 24, below: 30}\n    then:\n      withdraw", "linked[0].if", "exactly one of above"},
		{"above: 24}\n    then:\n      withdraw", "above: -2}\n    then:\n      withdraw", "linked[0].if", "must not be negative"},
		{"withdraw: [RU]", "withdraw: [RUS]", "linked[0].then.withdraw[0]", `unknown party "RUS"`},
		{"      withdraw: [RU]\n", "      note: none\n", "linked[0].then.note", "unknown field"},
		{"      limit: deployed-warheads\n      max: 1675\n", "      limit: deployed-warhead\n      max: 1675\n", "linked[1].then.limit", `did you mean "deployed-warheads"`},
		{"      limit: deployed-warheads\n      max: 1675\n", "      limit: deployed-warheads\n", "linked[1].then", "give the max"},
		{"      limit: deployed-warheads\n      max: 1675\n", "      max: 1675\n", "linked[1].then", "max and min need limit"},
		{"      - date: 2023-12-15\n", "      - date: 2016-01-01\n", "tracked[0].declared[1].date", "not after the previous number's date"},
		{"        value: 48\n", "        value: -48\n", "tracked[0].declared[1].value", "must not be negative"},
		{"        evidence: S\n        note: >-\n          Redzikowo", "        note: >-\n          Redzikowo", "tracked[0].declared[1].evidence", "missing"},
		{"    unit: launch cells\n", "", "tracked[0].unit", "missing"},
		{"    party: US\n    note: >-\n      Vertical", "    party: UK\n    note: >-\n      Vertical", "tracked[0].party", `unknown party "UK"`},
		{"  - id: warheads-rise-with-missile-defense\n", "  - id: withdraw-over-missile-defense\n", "linked[1].id", "duplicate linked clause id"},
	} {
		bad := strings.Replace(string(base), c.from, c.to, 1)
		if bad == string(base) {
			t.Fatalf("variant %q did not apply", c.from)
		}
		_, err := Parse("link.yaml", []byte(bad))
		var es yamlpos.Errors
		if !errors.As(err, &es) {
			t.Errorf("%q: got %v", c.to, err)
			continue
		}
		found := false
		for _, e := range es {
			if e.Path == c.path && strings.Contains(e.Msg, c.msg) && e.Line > 0 {
				found = true
			}
		}
		if !found {
			t.Errorf("%q → want %s: %s, got:\n%v", c.to, c.path, c.msg, err)
		}
	}
	// Only a proposal or a treaty may carry linkage; any kind may, but a
	// treaty's must still validate: the minimal treaty with a clause on an
	// undeclared category fails.
	_, err = Parse("m.yaml", []byte(minimal+"linked:\n  - {id: x, says: s, if: {tracked: t, above: 1}, then: {withdraw: [US]}, source: u, evidence: S}\n"))
	if err == nil || !strings.Contains(err.Error(), "declare it under tracked:") {
		t.Errorf("got %v", err)
	}
}

// TestDiffInWords checks the words Diff uses for the changes negotiators
// make: a limit's value, how an item counts, a linked clause.
func TestDiffInWords(t *testing.T) {
	ns := mustBundled(t, "new-start")
	data, _ := fs.ReadFile(catalog.FS, "treaties/new-start.yaml")
	text := strings.Replace(string(data), "      deployed-warheads: 1\n", "      deployed-warheads: type.alcms\n", 1)
	text = strings.Replace(text, "    max: 1550\n", "    max: 500\n", 1)
	mod, err := Parse("mod.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range Diff(ns, mod) {
		got[c.Text] = true
	}
	for _, want := range []string{
		"deployed warheads: 1,550 → 500",
		"a deployed heavy bomber counts toward deployed-warheads: 1 warhead → the warheads it is equipped for (its long-range nuclear ALCMs, type.alcms) (rule deployed-heavy-bomber)",
	} {
		if !got[want] {
			t.Errorf("diff lacks %q:\n%v", want, got)
		}
	}
	// A rule that starts counting toward another total, and one that
	// reads another loading.
	text = strings.Replace(string(data), "    counts:\n      deployed-and-nondeployed-launchers: 1\n    source: https://www.airandspaceforces.com", "    counts:\n      deployed-and-nondeployed-launchers: 1\n      deployed-delivery-vehicles: 2\n    source: https://www.airandspaceforces.com", 1)
	text = strings.Replace(text, "      deployed-warheads: item.warheads\n", "      deployed-warheads: type.attributed\n", 1)
	mod, err = Parse("mod.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]bool{}
	for _, c := range Diff(ns, mod) {
		got[c.Text] = true
	}
	for _, want := range []string{
		"a heavy bomber counts toward deployed-delivery-vehicles: nothing → 2 delivery vehicles (rule non-deployed-heavy-bomber)",
		"a deployed ICBM or SLBM counts toward deployed-warheads: the warheads actually on it (item.warheads) → the warheads attributed to its type (type.attributed) (rule deployed-missile)",
	} {
		if !got[want] {
			t.Errorf("diff lacks %q:\n%v", want, got)
		}
	}
	// Linkage, in words.
	le := mustBundled(t, "linkage-example")
	got = map[string]bool{}
	for _, c := range Diff(ns, le) {
		got[c.Text] = true
	}
	want := "linked clause warheads-rise-with-missile-defense added: if SM-3 interceptor launch cells at the US Aegis Ashore sites in Europe above 24 launch cells, then the deployed warheads limit becomes 1,675"
	if !got[want] {
		t.Errorf("diff lacks %q:\n%v", want, got)
	}
}
