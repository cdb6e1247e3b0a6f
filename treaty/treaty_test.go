package treaty

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/tally-project/tally/catalog"
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/internal/yamlpos"
)

func mustBundled(t *testing.T, id string) *Treaty {
	t.Helper()
	tr, err := Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestBundled(t *testing.T) {
	all, err := Bundled()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]*Treaty{}
	for _, tr := range all {
		ids[tr.ID] = tr
	}
	want := map[string][]string{
		"new-start":                {"deployed-delivery-vehicles", "deployed-warheads", "deployed-and-nondeployed-launchers"},
		"start-1":                  {"sndv", "heavy-icbms", "accountable-warheads", "ballistic-missile-warheads", "heavy-icbm-warheads", "mobile-icbm-warheads"},
		"sort":                     {"deployed-warheads"},
		"joint-understanding-2009": {"delivery-vehicles", "deployed-warheads"},
		"deep-cuts-500":            {"deployed-delivery-vehicles", "deployed-warheads", "deployed-and-nondeployed-launchers"},
	}
	for id, limits := range want {
		tr, ok := ids[id]
		if !ok {
			t.Errorf("%s is not bundled", id)
			continue
		}
		var got []string
		for _, l := range tr.Limits {
			got = append(got, l.ID)
		}
		if !reflect.DeepEqual(got, limits) {
			t.Errorf("%s limits %v, want %v", id, got, limits)
		}
	}
	// Cross-references between bundled files resolve.
	for _, tr := range all {
		if s := tr.Dates.SupersededBy; s != nil && ids[s.Treaty] == nil {
			t.Errorf("%s is superseded by unknown %q", tr.ID, s.Treaty)
		}
		if p := tr.Proposal; p != nil && p.Parent != "" && ids[p.Parent] == nil {
			t.Errorf("%s derives from unknown %q", tr.ID, p.Parent)
		}
	}
	// The numbers the task fixes.
	ns := ids["new-start"]
	if l, _ := ns.LimitByID("deployed-warheads"); l.Max != 1550 {
		t.Errorf("new-start warheads %d", l.Max)
	}
	if ns.Dates.Expiry.Date != civil.MustParse("2026-02-05") || len(ns.Dates.Extensions) != 1 || ns.Dates.Extensions[0].Agreed != civil.MustParse("2021-02-03") {
		t.Errorf("new-start dates %+v", ns.Dates)
	}
	if n := ns.Notifications; len(n) != 3 || n[0].WithinDays != 45 || n[1].WithinDays != 30 || !reflect.DeepEqual(n[1].AsOf, []string{"03-01", "09-01"}) || n[2].WithinDays != 5 || n[2].Excludes[0] != "warheads" {
		t.Errorf("new-start notifications %+v", n)
	}
	if in := ns.Inspections; len(in) != 2 || in[0].PerYear != 10 || in[1].PerYear != 8 {
		t.Errorf("new-start inspections %+v", in)
	}
	dc := ids["deep-cuts-500"]
	if dc.Kind != KindProposal || dc.Proposal == nil || !strings.Contains(dc.Proposal.Note, "not an official proposal") || !strings.Contains(dc.Summary, "NPR") {
		t.Errorf("deep-cuts-500 does not say what it is: %+v", dc.Proposal)
	}
	if ju := ids["joint-understanding-2009"]; ju.Kind != KindFramework || ju.Dates.EntryIntoForce != nil {
		t.Errorf("joint understanding: %s", ju.Kind)
	}
}

// TestEveryBundledNumberHasASource walks every bundled treaty: each
// number or date must sit in an entry with a source and an evidence tag.
func TestEveryBundledNumberHasASource(t *testing.T) {
	all, err := Bundled()
	if err != nil {
		t.Fatal(err)
	}
	srcType := reflect.TypeFor[Source]()
	dateType := reflect.TypeFor[civil.Date]()
	numbers := 0
	var walk func(v reflect.Value, src *Source, path string)
	walk = func(v reflect.Value, src *Source, path string) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), src, path)
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), src, yamlpos.Index(path, i))
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(v.MapIndex(k), src, yamlpos.Join(path, k.String()))
			}
		case reflect.Struct:
			if f := v.FieldByName("Source"); f.IsValid() && f.Type() == srcType {
				s := f.Interface().(Source)
				src = &s
			}
			for i := 0; i < v.NumField(); i++ {
				f := v.Type().Field(i)
				if !f.IsExported() || f.Type == srcType {
					continue
				}
				fv := v.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				p := yamlpos.Join(path, name)
				isNum := f.Type == dateType || (f.Type.Kind() == reflect.Pointer && f.Type.Elem() == dateType)
				switch f.Type.Kind() {
				case reflect.Int, reflect.Int64:
					isNum = true
				case reflect.Pointer:
					k := f.Type.Elem().Kind()
					isNum = isNum || k == reflect.Int || k == reflect.Int64 || k == reflect.Float64
				}
				if isNum && !(fv.Kind() == reflect.Pointer && fv.IsNil()) {
					numbers++
					if src == nil || src.Source == "" || !strings.Contains("TOSR", string(src.Evidence)) || src.Evidence == "" {
						t.Errorf("%s: %s has no source", v.Type(), p)
					}
				}
				if f.Type != dateType {
					walk(fv, src, p)
				}
			}
		case reflect.String:
			// A rule's units are expressions; a literal number there is a
			// number too, covered by the rule's source.
			if v.Type() == reflect.TypeFor[Expr]() && regexp.MustCompile(`\d`).MatchString(v.String()) {
				numbers++
				if src == nil || src.Source == "" {
					t.Errorf("%s: expression %q has no source", path, v.String())
				}
			}
		}
	}
	for _, tr := range all {
		walk(reflect.ValueOf(tr).Elem(), nil, tr.ID)
	}
	if numbers < 50 {
		t.Fatalf("only %d numbers seen: the walk is broken", numbers)
	}
	// Rules that rest on recalled facts say so.
	s1 := mustBundled(t, "start-1")
	r, _ := s1.RuleByID("us-alcm-bombers")
	if !strings.Contains(r.Note, "[R]") {
		t.Error("the quota order rests on an [R] reading and must say so")
	}
}

func TestPartyAliases(t *testing.T) {
	s1 := mustBundled(t, "start-1")
	for _, name := range []string{"USSR", "RU", "russia", "Soviet Union"} {
		if p, ok := s1.Party(name); !ok || p.ID != "USSR" {
			t.Errorf("%q → %v", name, p)
		}
	}
	if _, ok := mustBundled(t, "new-start").Party("USSR"); ok {
		t.Error("USSR is not a New START party")
	}
}

func TestLimitStatus(t *testing.T) {
	d := civil.MustParse
	for _, c := range []struct {
		treaty, limit, date string
		binding             bool
		code                LimitCode
		reason              string
		max                 int64
	}{
		{"new-start", "deployed-warheads", "2011-01-01", false, LimitCode(NotYetInForce), "enters into force on 2011-02-05", 1550},
		{"new-start", "deployed-warheads", "2017-12-31", false, NotYetApplicable, "applies from 2018-02-05", 1550},
		{"new-start", "deployed-warheads", "2018-02-05", true, Binding, "", 1550},
		{"new-start", "deployed-warheads", "2026-02-04", true, Binding, "", 1550},
		{"new-start", "deployed-warheads", "2026-02-05", false, LimitCode(Expired), "expired on 2026-02-05", 1550},
		{"sort", "deployed-warheads", "2010-01-01", false, NotYetApplicable, "it never did: superseded by new-start on 2011-02-05", 2200},
		{"sort", "deployed-warheads", "2012-12-31", false, LimitCode(Superseded), "so it never bound", 2200},
		{"joint-understanding-2009", "deployed-warheads", "2015-01-01", false, LimitCode(NeverInForce), "framework", 1675},
		{"deep-cuts-500", "deployed-warheads", "2015-01-01", false, LimitCode(NeverInForce), "proposal", 500},
		{"start-1", "sndv", "1997-12-04", false, PhaseNotReached, "applies from 1997-12-05 (36 months after entry into force)", 2100},
		{"start-1", "sndv", "1997-12-05", true, Binding, "", 2100},
		{"start-1", "sndv", "1999-12-05", true, Binding, "", 1900},
		{"start-1", "sndv", "2001-12-05", true, Binding, "", 1600},
		{"start-1", "heavy-icbms", "1998-01-01", false, NotYetApplicable, "from 2001-12-05 (7 years after entry into force)", 154},
	} {
		tr := mustBundled(t, c.treaty)
		l, _ := tr.LimitByID(c.limit)
		ls := tr.LimitAt(l, d(c.date))
		if ls.Binding != c.binding || ls.Code != c.code || !strings.Contains(ls.Reason, c.reason) || ls.Max != c.max {
			t.Errorf("%s %s %s: %+v", c.treaty, c.limit, c.date, ls)
		}
	}
	// A standalone treaty with a limit that lapses before expiry.
	tr, err := Parse("x.yaml", []byte(strings.Replace(minimal, "    max: 10\n", "    max: 10\n    until: 2012-01-01\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if ls := tr.LimitAt(&tr.Limits[0], d("2012-01-01")); ls.Binding || ls.Code != Lapsed {
		t.Errorf("lapsed: %+v", ls)
	}
}

func TestLookup(t *testing.T) {
	if tr, err := Lookup("sort"); err != nil || tr.ID != "sort" {
		t.Fatalf("%v %v", tr, err)
	}
	p := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(p, []byte(minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	if tr, err := Lookup(p); err != nil || tr.ID != "mini" || tr.File != p {
		t.Fatalf("%v %v", tr, err)
	}
	_, err := Lookup("new-strat")
	if err == nil || !strings.Contains(err.Error(), "new-start") {
		t.Fatalf("got %v", err)
	}
	if _, err := Lookup(filepath.Join(t.TempDir(), "none.yaml")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("got %v", err)
	}
}

// minimal is a small valid treaty for edits.
const minimal = `schema: tally.treaty/v1
id: mini
name: A minimal treaty
kind: treaty
parties:
  - {id: US, name: United States}
  - {id: RU, name: Russia, aliases: [USSR]}
dates:
  entry_into_force: {date: 2011-02-05, source: https://example.org/t, evidence: T}
  expiry: {date: 2021-02-05, source: https://example.org/t, evidence: T}
covers: [icbm, icbm-launcher]
totals:
  - {id: missiles, name: deployed ICBMs, unit: missiles}
rules:
  - id: deployed
    says: a deployed ICBM counts 1
    when: "item.kind == 'icbm' && item.status == 'deployed'"
    counts:
      missiles: 1
    source: https://example.org/t
    evidence: T
limits:
  - id: missiles
    name: deployed ICBMs
    total: missiles
    max: 10
    source: https://example.org/t
    evidence: T
`

// lineOf is the 1-based line of the first occurrence of s in text.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	i := strings.Index(text, s)
	if i < 0 {
		t.Fatalf("%q not in the variant", s)
	}
	return strings.Count(text[:i], "\n") + 1
}

func TestValidationErrors(t *testing.T) {
	ns, _ := fs.ReadFile(catalog.FS, "treaties/new-start.yaml")
	s1, _ := fs.ReadFile(catalog.FS, "treaties/start-1.yaml")
	for _, c := range []struct {
		name     string
		base     string
		from, to string
		// at is the text whose line the error must name; path and msg
		// must appear in it.
		at, path, msg string
		col           int
	}{
		{"unknown field with a suggestion", minimal, "    max: 10\n", "    maxx: 10\n", "maxx", "limits[0].maxx", `unknown field "maxx" (did you mean "max"?)`, 5},
		{"CEL syntax error at its column", minimal, `when: "item.kind == 'icbm' && item.status == 'deployed'"`, `when: "item.kind == 'icbm' && && item.status == 'deployed'"`, "when:", "rules[0].when", "at 1:24 in the expression", 35},
		{"CEL unknown field", minimal, "      missiles: 1\n", "      missiles: item.warhead\n", "item.warhead", "rules[0].counts.missiles", "undefined field 'warhead'", 21},
		{"when must be bool", minimal, `when: "item.kind == 'icbm' && item.status == 'deployed'"`, `when: item.kind`, "when:", "rules[0].when", "must give true or false (a bool), but gives a string", 0},
		{"units returning a string", minimal, "      missiles: 1\n", "      missiles: item.status\n", "missiles: item.status", "rules[0].counts.missiles", "must give a whole number (an int), but gives a string", 0},
		{"counts on an undefined total", minimal, "      missiles: 1\n", "      missile: 1\n", "missile: 1", "rules[0].counts.missile", `undefined total "missile" (did you mean "missiles"?)`, 0},
		{"limit on an undefined total", minimal, "    total: missiles\n", "    total: warheads\n", "total: warheads", "limits[0].total", `undefined total "warheads"`, 0},
		{"impossible date", minimal, "date: 2021-02-05", "date: 2021-02-30", "2021-02-30", "dates.expiry.date", `"2021-02-30" is not a date`, 0},
		{"expiry before entry into force", minimal, "date: 2021-02-05", "date: 2010-02-05", "2010-02-05", "dates.expiry.date", "expiry 2010-02-05 is before entry into force 2011-02-05", 0},
		{"phase before entry into force", string(s1), "{months_after_entry_into_force: 36, max: 2100,", "{from: 1990-01-01, max: 2100,", "from: 1990-01-01", "limits[0].phases[0].from", "before entry into force on 1994-12-05", 0},
		{"phase after the final value", string(s1), "{months_after_entry_into_force: 60, max: 1900,", "{months_after_entry_into_force: 90, max: 1900,", "months_after_entry_into_force: 84\n    phases", "limits[0].months_after_entry_into_force", "not after the previous phase", 0},
		{"duplicate rule id", minimal, "limits:\n", "  - {id: deployed, says: again, when: 'true', counts: {missiles: 1}, source: x, evidence: T}\nlimits:\n", "id: deployed, says: again", "rules[1].id", `duplicate rule id "deployed" (first at line`, 0},
		{"duplicate limit id", string(ns), "  - id: deployed-warheads\n    name: deployed warheads\n", "  - id: deployed-delivery-vehicles\n    name: deployed warheads\n", "id: deployed-delivery-vehicles\n    name: deployed warheads", "limits[1].id", "duplicate limit id", 0},
		{"unknown party in a rule", string(s1), "    parties: [USSR]\n", "    parties: [USRR]\n", "parties: [USRR]", "rules[5].parties[0]", `unknown party "USRR" (did you mean "USSR"?)`, 0},
		{"number without a source", minimal, "    max: 10\n    source: https://example.org/t\n    evidence: T\n", "    max: 10\n", "  - id: missiles\n    name", "limits[0]", "no source", 0},
		{"bad evidence tag", minimal, "    max: 10\n    source: https://example.org/t\n    evidence: T\n", "    max: 10\n    source: https://example.org/t\n    evidence: X\n", "evidence: X", "limits[0].evidence", `"X" is not an evidence tag`, 0},
		{"misspelt kind in a rule", minimal, "item.kind == 'icbm'", "item.kind == 'icmb'", "when:", "rules[0].when", `"icmb" is not an item kind (did you mean "icbm"?)`, 0},
		{"misspelt status in a rule", minimal, "item.status == 'deployed'", "item.status == 'deploy'", "when:", "rules[0].when", `"deploy" is not a status`, 0},
		{"sublimit above its limit", string(s1), "    max: 154\n", "    max: 1754\n", "max: 1754", "limits[1].max", "sublimit 1,754 exceeds the limit it is within (sndv, 1,600)", 0},
		{"range upside down", minimal, "    max: 10\n", "    max: 10\n    min: 20\n", "min: 20", "limits[0].min", "the range 20–10 is empty", 0},
		{"unsupported schema", minimal, "schema: tally.treaty/v1", "schema: tally.treaty/v9", "schema:", "schema", "unsupported schema", 0},
		{"framework with entry into force", minimal, "kind: treaty", "kind: framework", "entry_into_force", "dates.entry_into_force", "a framework never enters into force", 0},
		{"a rule that counts nothing", minimal, "    counts:\n      missiles: 1\n", "", "  - id: deployed", "rules[0]", "the rule counts nothing", 0},
		{"quota on an undefined total", string(s1), "      total: accountable-warheads\n      first: 150", "      total: acountable-warheads\n      first: 150", "total: acountable-warheads", "rules[4].quota.total", `did you mean "accountable-warheads"`, 0},
		{"extension out of step", string(ns), "      to: 2026-02-05\n", "      to: 2025-02-05\n", "date: 2026-02-05\n    source: https://asil", "dates.expiry.date", "differs from the end of the last extension", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := strings.Replace(c.base, c.from, c.to, 1)
			if text == c.base {
				t.Fatalf("variant %q did not apply", c.from)
			}
			_, err := Parse("v.yaml", []byte(text))
			var es yamlpos.Errors
			if !errors.As(err, &es) {
				t.Fatalf("want yamlpos.Errors, got %v", err)
			}
			line := lineOf(t, text, c.at)
			for _, e := range es {
				if e.Path == c.path && strings.Contains(e.Msg, c.msg) {
					if e.File != "v.yaml" || e.Line != line || (c.col != 0 && e.Col != c.col) {
						t.Errorf("placed at %s:%d:%d, want line %d col %d: %v", e.File, e.Line, e.Col, line, c.col, e)
					}
					return
				}
			}
			t.Errorf("no error at %s with %q; got:\n%v", c.path, c.msg, err)
		})
	}
}

func TestAllErrorsAtOnce(t *testing.T) {
	text := strings.Replace(minimal, "    max: 10\n", "    maxx: 10\n    mxa: 3\n", 1)
	_, err := Parse("v.yaml", []byte(text))
	var es yamlpos.Errors
	if !errors.As(err, &es) || len(es) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
}

func TestMultilineExpressionErrorLine(t *testing.T) {
	text := strings.Replace(minimal, `    when: "item.kind == 'icbm' && item.status == 'deployed'"`, "    when: |\n      item.kind == 'icbm' &&\n        item.staus == 'deployed'", 1)
	_, err := Parse("v.yaml", []byte(text))
	var es yamlpos.Errors
	if !errors.As(err, &es) {
		t.Fatalf("got %v", err)
	}
	want := lineOf(t, text, "item.staus")
	// CEL marks the dot of item.staus, at column 13 of the file.
	if es[0].Line != want || es[0].Col != 13 || !strings.Contains(es[0].Msg, "staus") {
		t.Fatalf("got %v (want line %d col 13)", es[0], want)
	}
}

func TestDiff(t *testing.T) {
	ns, dc := mustBundled(t, "new-start"), mustBundled(t, "deep-cuts-500")
	texts := func(cs []Change) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.Text)
		}
		sort.Strings(s)
		return strings.Join(s, "\n")
	}
	got := texts(Diff(ns, dc))
	for _, want := range []string{
		"deployed warheads: 1,550 → 500",
		"deployed ICBMs, SLBMs and heavy bombers: 700 → 226",
		"deployed and non-deployed launchers and heavy bombers: 800 → 258",
		"kind: treaty → proposal",
		"expiry (first day with no treaty): 2026-02-05 → —",
		"deployed warheads: binding: from 2018-02-05 (7 years after entry into force) → 7 years after entry into force (which never came)",
		"derives from: — → new-start",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	if len(Diff(ns, ns)) != 0 {
		t.Errorf("a treaty differs from itself: %v", Diff(ns, ns))
	}
	// A rule whose sentence changed is shown by its sentence.
	data, _ := fs.ReadFile(catalog.FS, "treaties/new-start.yaml")
	text := strings.Replace(string(data),
		"    says: a deployed heavy bomber equipped for nuclear armaments counts 1 delivery vehicle, 1 warhead, and 1 toward the launchers and heavy bombers\n",
		"    says: a deployed heavy bomber counts the warheads it is equipped for\n", 1)
	text = strings.Replace(text, "      deployed-warheads: 1\n", "      deployed-warheads: type.alcms\n", 1)
	mod, err := Parse("mod.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	got = texts(Diff(ns, mod))
	if !strings.Contains(got, `rule deployed-heavy-bomber: "a deployed heavy bomber equipped for nuclear armaments counts 1 delivery vehicle, 1 warhead, and 1 toward the launchers and heavy bombers" → "a deployed heavy bomber counts the warheads it is equipped for"`) {
		t.Errorf("rule change:\n%s", got)
	}
	// The same expressions change without the sentence: flagged.
	text = strings.Replace(string(data), "      deployed-warheads: 1\n", "      deployed-warheads: 2\n", 1)
	mod, err = Parse("mod.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(Diff(ns, mod)); !strings.Contains(got, "its expressions changed, its sentence did not") || !strings.Contains(got, "deployed-warheads: 2") {
		t.Errorf("silent change:\n%s", got)
	}
	// Parties and dates.
	s1 := mustBundled(t, "start-1")
	got = texts(Diff(ns, s1))
	for _, want := range []string{"party RU (Russian Federation) removed", "party USSR (Union of Soviet Socialist Republics) added", "entry into force: 2011-02-05 → 1994-12-05", "rule deployed-missile removed"} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
}

func TestJSONTreaty(t *testing.T) {
	src := `{"schema": "tally.treaty/v1", "id": "j", "name": "JSON treaty", "kind": "proposal",
 "parties": [{"id": "US", "name": "United States"}],
 "dates": {},
 "covers": ["heavy-bomber"],
 "totals": [{"id": "b", "name": "bombers", "unit": "bombers"}],
 "rules": [{"id": "r", "says": "a bomber counts 1", "when": "item.kind == 'heavy-bomber'", "counts": {"b": 1}, "source": "x", "evidence": "S"}],
 "limits": [{"id": "b", "name": "bombers", "total": "b", "max": 5, "source": "x", "evidence": "S"}]}`
	tr, err := Parse("j.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Limits[0].Max != 5 || tr.Kind != KindProposal {
		t.Fatalf("%+v", tr)
	}
	_, err = Parse("j.json", []byte(strings.Replace(src, `"max": 5`, `"max": 5, "mx": 1`, 1)))
	if err == nil || !strings.HasPrefix(err.Error(), "j.json:7:") {
		t.Fatalf("got %v", err)
	}
}
