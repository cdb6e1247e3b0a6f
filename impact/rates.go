package impact

import (
	_ "embed"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/internal/yamlpos"
)

// Measure is a way to bring a total down.
type Measure string

// The measures, in the order a plan tries them (the least drastic first;
// see Plan).
const (
	// Download takes warheads off deployed missiles (one at a time, the
	// most loaded first, keeping at least Rates.KeepWarheads on each).
	Download Measure = "download"
	// StandDown moves a submarine's launch tubes, and the missiles in
	// them, to non-deployed: its tubes move together.
	StandDown Measure = "stand-down"
	// Convert converts heavy bombers to non-nuclear armaments, or empty
	// SLBM launchers for good.
	Convert Measure = "convert"
	// Eliminate eliminates ICBM launchers (silos; the missile in one goes
	// to non-deployed) or any other item.
	Eliminate Measure = "eliminate"
)

// Measures lists the measures.
var Measures = []Measure{Download, StandDown, Convert, Eliminate}

// Rate is how many items of a kind a side can change in a year by a
// measure.
type Rate struct {
	Kind forces.Kind `yaml:"kind" json:"kind"`
	// Type, when set, restricts the rate to items of that type (canonical
	// name after loading).
	Type string `yaml:"type,omitempty" json:"type,omitempty"`
	// Measure, when set, restricts the rate to one measure.
	Measure Measure `yaml:"measure,omitempty" json:"measure,omitempty"`
	PerYear float64 `yaml:"per_year" json:"per_year"`
	// Batch is how many items move together where the forces do not say
	// (launch tubes of one submarine, when tubes name no submarine);
	// default 1.
	Batch    int    `yaml:"batch,omitempty" json:"batch,omitempty"`
	Source   string `yaml:"source,omitempty" json:"source,omitempty"`
	Evidence string `yaml:"evidence,omitempty" json:"evidence,omitempty"`
	Note     string `yaml:"note,omitempty" json:"note,omitempty"`
	// Default is true for a rate from the bundled defaults.
	Default bool `yaml:"-" json:"default,omitempty"`
	// Line is where the rate was written.
	Line int `yaml:"-" json:"-"`
}

// Rates is a rates file: reduction rates per item kind per year, and the
// assumptions that go with them.
type Rates struct {
	// Start is the day reductions begin (default: the day impact is
	// computed for).
	Start *civil.Date `yaml:"start,omitempty" json:"start,omitempty"`
	// KeepWarheads is the fewest warheads a download leaves on a missile
	// (default 1).
	KeepWarheads *int   `yaml:"keep_warheads,omitempty" json:"keep_warheads,omitempty"`
	Rates        []Rate `yaml:"rates" json:"rates"`
	Note         string `yaml:"note,omitempty" json:"note,omitempty"`
	// File is where the rates were read from.
	File string `yaml:"-" json:"file"`
}

//go:embed default-rates.yaml
var defaultRatesYAML []byte

var (
	defaultOnce  sync.Once
	defaultRates *Rates
)

// DefaultRates returns the bundled default rates (impact/default-rates.yaml):
// the pace of the United States' own New START reductions, 2011 to 2018,
// from the official aggregates, applied to each kind separately.
func DefaultRates() *Rates {
	defaultOnce.Do(func() {
		r, err := ParseRates("impact/default-rates.yaml", defaultRatesYAML)
		if err != nil {
			panic(err) // the package's tests load it
		}
		for i := range r.Rates {
			r.Rates[i].Default = true
		}
		defaultRates = r
	})
	return defaultRates
}

// LoadRates reads a rates file. Its rates take precedence; kinds it does
// not cover fall back to the defaults.
func LoadRates(file string) (*Rates, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ParseRates(file, data)
}

// ParseRates reads a rates file's contents; name is used in errors, which
// name file:line and the field, every problem at once.
func ParseRates(name string, data []byte) (*Rates, error) {
	r := &Rates{}
	doc, err := yamlpos.Load(name, data, r)
	if err != nil {
		return nil, err
	}
	r.File = name
	var errs yamlpos.Errors
	fail := func(path, format string, args ...any) { errs = append(errs, doc.Errorf(path, format, args...)) }
	if len(r.Rates) == 0 {
		fail("rates", "missing: list rates, e.g. - {kind: heavy-bomber, per_year: 12}")
	}
	if k := r.KeepWarheads; k != nil && (*k < 0 || *k > forces.MaxWarheads) {
		fail("keep_warheads", "%d: between 0 and %d", *k, forces.MaxWarheads)
	}
	seen := map[string]string{}
	for i := range r.Rates {
		x := &r.Rates[i]
		p := yamlpos.Index("rates", i)
		x.Line = doc.Line(p)
		if _, err := forces.ParseKind(string(x.Kind)); err != nil {
			fail(yamlpos.Join(p, "kind"), "%v", err)
		}
		if x.Measure != "" {
			ok := false
			for _, m := range Measures {
				ok = ok || m == x.Measure
			}
			if !ok {
				var names []string
				for _, m := range Measures {
					names = append(names, string(m))
				}
				hint := ""
				if s := yamlpos.Suggest(string(x.Measure), names); s != "" {
					hint = fmt.Sprintf(" (did you mean %q?)", s)
				}
				fail(yamlpos.Join(p, "measure"), "%q is not a measure: %s%s", x.Measure, strings.Join(names, ", "), hint)
			}
		}
		if x.Type != "" {
			res, err := forces.Catalogue().Resolve(x.Type)
			if err != nil {
				fail(yamlpos.Join(p, "type"), "%v", err)
			} else {
				x.Type = res.Type.Name
			}
		}
		if !doc.Has(yamlpos.Join(p, "per_year")) {
			fail(p, "per_year is missing: items of the kind changed in a year")
		} else if x.PerYear < 0 || math.IsNaN(x.PerYear) || math.IsInf(x.PerYear, 0) || x.PerYear > 1e9 {
			fail(yamlpos.Join(p, "per_year"), "%v: a rate is a number of items a year, 0 or more", x.PerYear)
		}
		if doc.Has(yamlpos.Join(p, "batch")) && (x.Batch < 1 || x.Batch > forces.MaxCount) {
			fail(yamlpos.Join(p, "batch"), "%d: at least 1", x.Batch)
		}
		if x.Evidence != "" && (len(x.Evidence) != 1 || !strings.Contains("TOSR", x.Evidence)) {
			fail(yamlpos.Join(p, "evidence"), "%q is not an evidence tag: T, O, S or R", x.Evidence)
		}
		key := fmt.Sprintf("%s|%s|%s", x.Kind, x.Type, x.Measure)
		if prev, dup := seen[key]; dup {
			fail(p, "a second rate for the same kind, type and measure (the first is at line %d)", doc.Line(prev))
		}
		seen[key] = p
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

// Lookup returns the rate for items of kind and type changed by m: the
// most specific entry (type and measure, then measure, then type, then
// kind alone) of r, else of the defaults. ok is false when neither has
// one.
func (r *Rates) Lookup(kind forces.Kind, typ string, m Measure) (Rate, bool) {
	for _, set := range []*Rates{r, r.fallback()} {
		if set == nil {
			continue
		}
		best, score := Rate{}, -1
		for _, x := range set.Rates {
			if x.Kind != kind || (x.Type != "" && x.Type != typ) || (x.Measure != "" && x.Measure != m) {
				continue
			}
			s := 0
			if x.Measure != "" {
				s += 2
			}
			if x.Type != "" {
				s++
			}
			if s > score {
				best, score = x, s
			}
		}
		if score >= 0 {
			return best, true
		}
	}
	return Rate{}, false
}

func (r *Rates) fallback() *Rates {
	if r == DefaultRates() {
		return nil
	}
	return DefaultRates()
}

// keep is the fewest warheads a download leaves.
func (r *Rates) keep() int {
	for _, set := range []*Rates{r, r.fallback()} {
		if set != nil && set.KeepWarheads != nil {
			return *set.KeepWarheads
		}
	}
	return 1
}

// label says which rate is used, for reports: "heavy-bomber convert: 46 a
// year (default)".
func (x Rate) label() string {
	s := string(x.Kind)
	if x.Type != "" {
		s += " " + x.Type
	}
	if x.Measure != "" {
		s += " " + string(x.Measure)
	}
	s += fmt.Sprintf(": %s a year", fmtRate(x.PerYear))
	if x.Batch > 1 {
		s += fmt.Sprintf(", in batches of %d", x.Batch)
	}
	if x.Default {
		s += " (default)"
	}
	return s
}

func fmtRate(f float64) string {
	if f == math.Trunc(f) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprintf("%.2f", f)
}
