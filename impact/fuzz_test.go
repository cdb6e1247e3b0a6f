package impact

import (
	"errors"
	"strings"
	"testing"

	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/internal/yamlpos"
)

// FuzzParseRates feeds the rates reader the default file and broken
// variants: never a panic; an error names the file and a line; rates it
// accepts are numbers of items a year, 0 or more, with a batch of at
// least 1 when given, and can be looked up.
//
//	go test ./impact -run '^$' -fuzz FuzzParseRates -fuzztime 2m
func FuzzParseRates(f *testing.F) {
	f.Add(defaultRatesYAML)
	s := string(defaultRatesYAML)
	for _, v := range [][2]string{
		{"per_year: 64", "per_year: -64"},
		{"per_year: 64", "per_year: .nan"},
		{"per_year: 64", "per_year: 1e308"},
		{"batch: 20", "batch: 0"},
		{"kind: icbm", "kind: icmb"},
		{"measure: download", "measure: downlaod"},
		{"type: Trident II", "type: Trident IX"},
		{"keep_warheads: 1", "keep_warheads: 1000"},
	} {
		f.Add([]byte(strings.Replace(s, v[0], v[1], 1)))
	}
	f.Add([]byte("rates: [{kind: heavy-bomber, per_year: 3}]\nstart: 2020-01-01\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRates("f.yaml", data)
		if err != nil {
			var es yamlpos.Errors
			if !errors.As(err, &es) || !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error without the file: %v", err)
			}
			return
		}
		for _, x := range r.Rates {
			if x.PerYear < 0 || x.PerYear != x.PerYear || x.Batch < 0 {
				t.Fatalf("accepted %+v", x)
			}
			r.Lookup(x.Kind, x.Type, x.Measure)
		}
		r.Lookup(forces.HeavyBomber, "B-52H", Convert)
		_ = r.keep()
	})
}
