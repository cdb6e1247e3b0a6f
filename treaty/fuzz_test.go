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

// FuzzParse feeds the loader bundled treaties and broken variants of them:
// it must never panic, an error must name the file and a line, and a
// treaty it accepts must be usable (status, limits, diff).
//
//	go test ./treaty -run '^$' -fuzz FuzzParse -fuzztime 5m -fuzzminimizetime 5s
//
// (The default minimisation time, 60s per new input, makes long pauses.)
func FuzzParse(f *testing.F) {
	names, _ := fs.Glob(catalog.FS, "treaties/*.yaml")
	for _, n := range names {
		data, _ := fs.ReadFile(catalog.FS, n)
		f.Add(data)
		s := string(data)
		for _, v := range [][2]string{
			{"max: 1550", "max: -1"},
			{"max: 1550", "max: lots"},
			{"date: 2011-02-05", "date: 2011-02-30"},
			{"item.warheads", "item.warheads + 'x'"},
			{"item.kind", "item.kindd"},
			{"months_after_entry_into_force: 84", "months_after_entry_into_force: -84"},
			{"evidence: O", "evidence: Z"},
			{"kind: treaty", "kind: framework"},
			{"parties:", "partys:"},
			{"total: deployed-warheads", "total: nothing"},
			{"above: 24", "above: -24"},
			{"above: 24", "above: 24, below: 3"},
			{"tracked: aegis-ashore-cells-europe, above", "tracked: aegis-ashore-cell, above"},
			{"date: 2023-12-15", "date: 2016-05-12"},
			{"withdraw: [RU]", "withdraw: [USSR]"},
			{"limit: deployed-warheads\n      max: 1675", "limit: deployed-warheads"},
		} {
			if strings.Contains(s, v[0]) {
				f.Add([]byte(strings.Replace(s, v[0], v[1], 1)))
			}
		}
	}
	f.Add([]byte(minimal))
	f.Add([]byte(""))
	f.Add([]byte("schema: tally.treaty/v1\nrules: [{when: '[1,2].map(x, x)', counts: {a: 1}}]\n"))
	f.Add([]byte("&a [*a]"))
	f.Add([]byte("limits:\n  - phases: [{}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			var es yamlpos.Errors
			if !errors.As(err, &es) {
				t.Fatalf("not a yamlpos.Errors: %T %v", err, err)
			}
			for _, e := range es {
				if e.Line < 1 && !strings.Contains(e.Msg, "alias") {
					t.Fatalf("error without a line: %v", e)
				}
			}
			return
		}
		for _, d := range []string{"1990-01-01", "2015-06-01", "2030-01-01"} {
			day := civil.MustParse(d)
			tr.Status(day)
			for i := range tr.Limits {
				tr.LimitAt(&tr.Limits[i], day)
			}
		}
		Diff(tr, tr)
	})
}
