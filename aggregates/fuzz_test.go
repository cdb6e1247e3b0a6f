package aggregates

import (
	"errors"
	"strings"
	"testing"

	"github.com/tally-project/tally/internal/yamlpos"
)

// FuzzParse feeds the aggregates reader the embedded file and broken
// variants: never a panic; an error names the file and a line; rows it
// accepts have a source and counts that are not negative.
//
//	go test ./aggregates -run '^$' -fuzz FuzzParse -fuzztime 2m
func FuzzParse(f *testing.F) {
	f.Add(embedded)
	s := string(embedded)
	for _, v := range [][2]string{
		{"2011-02-05,US,882", "2011-02-30,US,882"},
		{"2011-02-05,US,882", "2011-02-05,US,-882"},
		{"2011-02-05,US,882,1800,1124", "2011-02-05,US,882,1800"},
		{",https://insidedefense.com/insider/nuke-numbers,", ",,"},
		{"as_of_date", "date"},
		{"\"Quotes", "Quotes\""},
	} {
		f.Add([]byte(strings.Replace(s, v[0], v[1], 1)))
	}
	f.Add([]byte(""))
	f.Add([]byte("as_of_date,party,deployed_delivery_vehicles,deployed_warheads,deployed_and_nondeployed_launchers,source_url,notes\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := Parse("f.csv", data)
		if err != nil {
			var es yamlpos.Errors
			if !errors.As(err, &es) || !strings.HasPrefix(err.Error(), "f.csv") {
				t.Fatalf("error without the file: %v", err)
			}
			return
		}
		for _, r := range rows {
			if r.Source == "" || r.Party == "" {
				t.Fatalf("accepted %+v", r)
			}
			for _, n := range r.Totals {
				if n < 0 {
					t.Fatalf("negative %+v", r)
				}
			}
		}
	})
}
