package impact

import (
	"errors"
	"strings"
	"testing"

	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/internal/yamlpos"
)

func TestDefaultRates(t *testing.T) {
	d := DefaultRates()
	for _, r := range d.Rates {
		if r.Source == "" || r.Evidence == "" || r.Note == "" || !r.Default {
			t.Errorf("default rate without its source: %+v", r)
		}
	}
	for _, c := range []struct {
		kind    forces.Kind
		typ     string
		m       Measure
		perYear float64
		batch   int
	}{
		{forces.ICBM, "MM-III", Download, 64, 0},
		{forces.SLBMLauncher, "Trident II", StandDown, 33, 20},
		{forces.SLBMLauncher, "SS-N-32", StandDown, 33, 16},
		{forces.SLBMLauncher, "Trident II", Convert, 46, 0},
		{forces.HeavyBomber, "B-52H", Convert, 46, 0},
		{forces.ICBMLauncher, "SS-18", Eliminate, 46, 0},
	} {
		r, ok := d.Lookup(c.kind, c.typ, c.m)
		if !ok || r.PerYear != c.perYear || r.Batch != c.batch {
			t.Errorf("%s %s %s: %+v %v", c.kind, c.typ, c.m, r, ok)
		}
	}
	if d.keep() != 1 {
		t.Error("keep")
	}
}

// A rates file's entries come first, the most specific winning; kinds it
// does not name fall back to the defaults.
func TestRatesLookup(t *testing.T) {
	r, err := ParseRates("r.yaml", []byte(`start: 2022-01-01
keep_warheads: 2
rates:
  - {kind: heavy-bomber, per_year: 10}
  - {kind: heavy-bomber, type: B-2A, per_year: 2}
  - {kind: heavy-bomber, measure: convert, per_year: 5}
  - {kind: heavy-bomber, type: Bear H, measure: convert, per_year: 7, source: "https://example.org", evidence: R}
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		typ     string
		m       Measure
		perYear float64
	}{
		{"B-52H", Eliminate, 10}, // kind only
		{"B-2A", Eliminate, 2},   // type
		{"B-2A", Convert, 5},     // measure beats type
		{"Tu-95MS", Convert, 7},  // type and measure (Bear H is an alias)
	} {
		x, _ := r.Lookup(forces.HeavyBomber, c.typ, c.m)
		if x.PerYear != c.perYear {
			t.Errorf("%s %s: %v, want %v", c.typ, c.m, x.PerYear, c.perYear)
		}
	}
	if x, ok := r.Lookup(forces.ICBMLauncher, "MM-III", Eliminate); !ok || !x.Default || x.PerYear != 46 {
		t.Errorf("fallback: %+v", x)
	}
	if r.keep() != 2 || r.Start.String() != "2022-01-01" {
		t.Errorf("keep %d start %v", r.keep(), r.Start)
	}
}

func TestRatesErrors(t *testing.T) {
	for _, c := range []struct {
		text, path, msg string
	}{
		{"rates: []\n", "rates", "missing"},
		{"rates:\n  - {kind: bomber, per_year: 3}\n", "rates[0].kind", "heavy-bomber"},
		{"rates:\n  - {kind: heavy-bomber, per_year: -3}\n", "rates[0].per_year", "0 or more"},
		{"rates:\n  - {kind: heavy-bomber}\n", "rates[0]", "per_year is missing"},
		{"rates:\n  - {kind: heavy-bomber, per_year: 3, measure: convertt}\n", "rates[0].measure", `did you mean "convert"?`},
		{"rates:\n  - {kind: heavy-bomber, per_year: 3, type: B-52Q}\n", "rates[0].type", "B-52"},
		{"rates:\n  - {kind: slbm-launcher, per_year: 3, batch: 0}\n", "rates[0].batch", "at least 1"},
		{"rates:\n  - {kind: heavy-bomber, per_year: 3, evidence: X}\n", "rates[0].evidence", "not an evidence tag"},
		{"rates:\n  - {kind: heavy-bomber, per_year: 3}\n  - {kind: heavy-bomber, per_year: 4}\n", "rates[1]", "line 2"},
		{"rates:\n  - {kind: heavy-bomber, per_year: 3, perYear: 4}\n", "rates[0].perYear", "unknown field"},
		{"keep_warheads: -1\nrates:\n  - {kind: heavy-bomber, per_year: 3}\n", "keep_warheads", "between 0"},
		{"start: 2022-02-30\nrates:\n  - {kind: heavy-bomber, per_year: 3}\n", "start", "date"},
	} {
		_, err := ParseRates("r.yaml", []byte(c.text))
		var es yamlpos.Errors
		if !errors.As(err, &es) {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		ok := false
		for _, e := range es {
			ok = ok || (e.Path == c.path && strings.Contains(e.Msg, c.msg) && e.Line > 0)
		}
		if !ok || !strings.HasPrefix(err.Error(), "r.yaml:") {
			t.Errorf("%q: got %v, want %s: %s", c.text, err, c.path, c.msg)
		}
	}
}
