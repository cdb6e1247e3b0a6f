package proposal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/treaty"
)

func sets(t *testing.T, ss ...string) []Set {
	t.Helper()
	var out []Set
	for _, s := range ss {
		x, err := ParseSet(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

func lookup(t *testing.T, id string) (*treaty.Treaty, []byte) {
	t.Helper()
	p, err := treaty.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	src, err := Source(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, src
}

var day = civil.MustParse("2026-03-01")

func diffTexts(a, b *treaty.Treaty) map[string]bool {
	out := map[string]bool{}
	for _, c := range treaty.Diff(a, b) {
		out[c.Text] = true
	}
	return out
}

func TestNewFromNewStart(t *testing.T) {
	p, src := lookup(t, "new-start")
	out, tr, err := New(p, src, Draft{ID: "us-500", Author: "US", Note: "a US opening position", Date: day,
		Sets: sets(t, "deployed-warheads.max=1,000", "deployed-warheads.max=500", "deployed-and-nondeployed-launchers.from=2030-01-01",
			"rules.deployed-heavy-bomber.counts.deployed-warheads=type.alcms", "rules.deployed-heavy-bomber.says=a deployed heavy bomber counts the ALCMs it is equipped for")})
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	// It is a proposal of the US, derived from New START.
	if tr.ID != "us-500" || tr.Kind != treaty.KindProposal || tr.Proposal.Parent != "new-start" || tr.Proposal.Party != "US" || tr.Proposal.Note != "a US opening position" {
		t.Fatalf("%+v %+v", tr, tr.Proposal)
	}
	// The parent's comments and layout stay: its head comment, and a
	// folded note written over several lines, line for line.
	for _, keep := range []string{
		"# New START (2010). Limits, counting rules, notification timing and\n# inspection quotas",
		"      [R] deployed SLBM launchers only on ballistic-missile submarines (Article\n      IV, not read). No rule here reads it; a launch tube names its submarine\n      with carrier:.\n",
		"\ncovers: [icbm, icbm-launcher, slbm, slbm-launcher, heavy-bomber]\n\ntotals:\n",
	} {
		if !strings.Contains(text, keep) {
			t.Errorf("lost the parent's text %q", keep)
		}
	}
	// A proposal never enters into force: the dates go, with a comment.
	if tr.Dates.EntryIntoForce != nil || tr.Dates.Expiry != nil || !strings.Contains(text, "# A proposal never enters into force") {
		t.Errorf("dates: %+v", tr.Dates)
	}
	// Each changed entry says this proposal sets it, and keeps the
	// parent's source in its note.
	w, _ := tr.LimitByID("deployed-warheads")
	if w.Max != 500 || w.Evidence != treaty.EvidenceText || !strings.HasPrefix(w.Source.Source, "set by proposal us-500") ||
		!strings.Contains(w.Note, "max 1,550 → 1,000; max 1,550 → 500") || !strings.Contains(w.Note, "https://2009-2017.state.gov/t/avc/rls/175945.htm, evidence O") {
		t.Errorf("warheads: %+v", w)
	}
	l, _ := tr.LimitByID("deployed-and-nondeployed-launchers")
	if l.From == nil || *l.From != civil.MustParse("2030-01-01") || l.MonthsAfterEIF != nil {
		t.Errorf("launchers: %+v", l)
	}
	// from: took the place of months_after_entry_into_force.
	if !strings.Contains(text, "    total: deployed-and-nondeployed-launchers\n    max: 800\n    from: 2030-01-01\n") {
		t.Errorf("from not in place:\n%s", text)
	}
	// An unchanged limit keeps its own source.
	dv, _ := tr.LimitByID("deployed-delivery-vehicles")
	if dv.Source.Source != "https://2009-2017.state.gov/t/avc/rls/175945.htm" || dv.Evidence != treaty.EvidenceOfficial {
		t.Errorf("unchanged limit: %+v", dv)
	}
	// Diff says what changed, in words.
	got := diffTexts(p, tr)
	for _, want := range []string{
		"deployed warheads: 1,550 → 500",
		"a deployed heavy bomber counts toward deployed-warheads: 1 warhead → the warheads it is equipped for (its long-range nuclear ALCMs, type.alcms) (rule deployed-heavy-bomber)",
		"deployed and non-deployed launchers and heavy bombers: binding: from 2018-02-05 (7 years after entry into force) → from 2030-01-01",
		"derives from: — → new-start",
	} {
		if !got[want] {
			t.Errorf("diff lacks %q:\n%v", want, got)
		}
	}
	// The head comment lists the changes.
	if !strings.HasPrefix(text, "# Proposal us-500, drafted from new-start with tally proposal new on 2026-03-01.\n# Changed: deployed warheads: max 1,550 → 1,000\n") {
		t.Errorf("header:\n%s", text[:300])
	}
	// It reloads from disk as the same proposal.
	f := filepath.Join(t.TempDir(), "us-500.yaml")
	if err := os.WriteFile(f, out, 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := treaty.LoadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(treaty.Diff(tr, again)) != 0 {
		t.Errorf("reloaded differs: %v", treaty.Diff(tr, again))
	}
	// A proposal on that proposal: its parent is found next to it.
	src2, _ := Source(again)
	_, tr2, err := New(again, src2, Draft{ID: "ru-700", Author: "Russia", Date: day, Sets: sets(t, "deployed-warheads.max=700")})
	if err != nil {
		t.Fatal(err)
	}
	if tr2.Proposal.Parent != "us-500" || tr2.Proposal.Party != "RU" || tr2.Proposal.Author != "Russia" {
		t.Errorf("%+v", tr2.Proposal)
	}
	f2 := filepath.Join(filepath.Dir(f), "ru-700.yaml")
	out2, _, _ := New(again, src2, Draft{ID: "ru-700", Author: "Russia", Date: day, Sets: sets(t, "deployed-warheads.max=700")})
	os.WriteFile(f2, out2, 0o644)
	ru, _ := treaty.LoadFile(f2)
	if par, err := Parent(ru); err != nil || par.ID != "us-500" {
		t.Errorf("parent: %v %v", par, err)
	}
}

func TestNewRangesAndFrameworks(t *testing.T) {
	p, src := lookup(t, "joint-understanding-2009")
	_, tr, err := New(p, src, Draft{ID: "ju-low", Date: day, Sets: sets(t, "deployed-warheads.min=none", "deployed-warheads.max=1500", "delivery-vehicles.months_after_entry_into_force=36")})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := tr.LimitByID("deployed-warheads")
	dv, _ := tr.LimitByID("delivery-vehicles")
	if w.Min != nil || w.Max != 1500 || *dv.MonthsAfterEIF != 36 || tr.Proposal.Author != "unnamed draft" || tr.Proposal.Party != "" {
		t.Errorf("%+v %+v %+v", w, dv, tr.Proposal)
	}
	got := diffTexts(p, tr)
	if !got["strategic warheads: 1,500–1,675 → 1,500"] || !got["kind: framework → proposal"] {
		t.Errorf("%v", got)
	}
	// The default id.
	_, tr, err = New(p, src, Draft{Date: day, Sets: sets(t, "deployed-warheads.max=1600")})
	if err != nil || tr.ID != "joint-understanding-2009-draft" {
		t.Fatalf("%v %v", tr, err)
	}
}

func TestNewFlowStyleAndJSON(t *testing.T) {
	yamlSrc := `# my own treaty
schema: tally.treaty/v1
id: mine
name: Mine
kind: treaty
parties: [{id: US, name: United States}]
dates: {entry_into_force: {date: 2011-02-05, source: x, evidence: T}}
covers: [heavy-bomber]
totals: [{id: b, name: bombers, unit: bombers}]
rules:
  - {id: r, says: a bomber counts 1, when: "item.kind == 'heavy-bomber'", counts: {b: 1}, source: x, evidence: S}
limits:
  - {id: b, name: bombers, total: b, max: 5, source: x, evidence: S}
`
	dir := t.TempDir()
	f := filepath.Join(dir, "mine.yaml")
	os.WriteFile(f, []byte(yamlSrc), 0o644)
	p, err := treaty.LoadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	out, tr, err := New(p, []byte(yamlSrc), Draft{ID: "mine-3", Date: day, Sets: sets(t, "b.max=3", "rules.r.counts.b=2")})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := tr.LimitByID("b")
	if l.Max != 3 || !strings.HasPrefix(l.Source.Source, "set by proposal mine-3") || tr.Rules[0].Counts["b"] != "2" {
		t.Fatalf("%+v %+v\n%s", l, tr.Rules[0], out)
	}
	if !strings.Contains(string(out), "# my own treaty") {
		t.Error("lost the comment")
	}
	// The same treaty as JSON.
	jsonSrc := `{"schema": "tally.treaty/v1", "id": "j", "name": "JSON treaty", "kind": "proposal",
 "parties": [{"id": "US", "name": "United States"}],
 "dates": {},
 "covers": ["heavy-bomber"],
 "totals": [{"id": "b", "name": "bombers", "unit": "bombers"}],
 "rules": [{"id": "r", "says": "a bomber counts 1", "when": "item.kind == 'heavy-bomber'", "counts": {"b": 1}, "source": "x", "evidence": "S"}],
 "limits": [{"id": "b", "name": "bombers", "total": "b", "max": 5, "source": "x", "evidence": "S"}]}`
	jf := filepath.Join(dir, "j.json")
	os.WriteFile(jf, []byte(jsonSrc), 0o644)
	jp, err := treaty.LoadFile(jf)
	if err != nil {
		t.Fatal(err)
	}
	_, jt, err := New(jp, []byte(jsonSrc), Draft{ID: "j2", Date: day, Sets: sets(t, "b.max=4")})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := jt.LimitByID("b"); l.Max != 4 || jt.Proposal.Parent != "j" {
		t.Errorf("%+v", l)
	}
}

func TestNewErrors(t *testing.T) {
	p, src := lookup(t, "new-start")
	for _, c := range []struct {
		set  string
		want string
	}{
		{"deployed-warhead.max=500", `new-start has no limit "deployed-warhead" (did you mean "deployed-warheads"?)`},
		{"deployed-warheads.max=lots", `--set deployed-warheads.max=lots: "lots" is not a whole number`},
		{"deployed-warheads.max=-5", "must not be negative"},
		{"deployed-warheads.from=2030-02-30", "not a date"},
		{"rules.deployed-heavy-bomb.counts.deployed-warheads=1", `no rule "deployed-heavy-bomb"`},
		{"rules.deployed-heavy-bomber.counts.deployed-warhead=1", `no total "deployed-warhead"`},
		{"rules.deployed-heavy-bomber.counts.deployed-warheads=type.alcm + 'x'", "would not validate"},
		{"deployed-warheads.min=2000", "the range 2,000–1,550 is empty"},
	} {
		s, err := ParseSet(c.set)
		if err != nil {
			t.Fatalf("%s: %v", c.set, err)
		}
		_, _, err = New(p, src, Draft{ID: "x", Date: day, Sets: []Set{s}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.set, err, c.want)
		}
	}
	// A sublimit pushed over its limit fails validation, with the line.
	s1, s1src := lookup(t, "start-1")
	_, _, err := New(s1, s1src, Draft{ID: "x", Date: day, Sets: sets(t, "sndv.max=100")})
	if err == nil || !strings.Contains(err.Error(), "x.yaml:") || !strings.Contains(err.Error(), "exceeds the limit it is within") {
		t.Errorf("got %v", err)
	}
	// ParseSet's own errors.
	for _, c := range []struct{ in, want string }{
		{"deployed-warheads.maxx=5", `did you mean "max"?`},
		{"deployed-warheads", "write FIELD=VALUE"},
		{"max=5", "write LIMIT.FIELD=VALUE"},
		{"rules.x.units=1", "a rule's field is counts.TOTAL, when or says"},
		{"deployed-warheads.max=", "no value after ="},
	} {
		if _, err := ParseSet(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v", c.in, err)
		}
	}
	if _, _, err := New(p, src, Draft{ID: "new-start"}); err == nil {
		t.Error("a proposal took its parent's id")
	}
}
