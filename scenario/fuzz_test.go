package scenario

import (
	"bytes"
	"testing"

	"github.com/tally-project/tally/catalog"
)

// FuzzReaders feeds the three table readers arbitrary bytes: a bad table
// is an error naming the file and line, never a panic.
//
//	go test ./scenario -run XXX -fuzz FuzzReaders -fuzztime 30s
func FuzzReaders(f *testing.F) {
	for _, name := range []string{aggregatesFile, compositionFile, regimeFile} {
		data, err := catalog.FS.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		// A few lines of each: the fuzzer minimises every new input it
		// finds interesting, which takes long on a whole table.
		lines := bytes.SplitAfter(data, []byte("\n"))
		f.Add(bytes.Join(lines[:min(len(lines), 12)], nil))
	}
	f.Add([]byte("as_of_date,party,deployed_delivery_vehicles,deployed_warheads,deployed_and_nondeployed_launchers,source_url,notes\n2011-02-30,US,1,2,3,x,y\n"))
	f.Add([]byte("party,series,as_of_date,count,provenance,evidence,source_url,note\nUS,a,2011-02-05,-1,official,O,u,n\n"))
	f.Add([]byte("id,date,parties,title,source_url,evidence,note\nx,2030-01-01,US,t,u,O,n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if o, err := readOfficial("f.csv", data); err == nil {
			for _, fig := range o {
				if len(fig.Totals) > 3 {
					t.Fatalf("%d totals", len(fig.Totals))
				}
			}
		}
		if a, err := readAnchors("f.csv", data); err == nil {
			for _, ps := range a.series {
				for _, s := range ps {
					for i := 1; i < len(s.anchors); i++ {
						if s.anchors[i].date <= s.anchors[i-1].date {
							t.Fatal("anchors out of order")
						}
					}
					s.at(s.anchors[0].date)
				}
			}
		}
		if r, err := readRegime("f.csv", data); err == nil {
			for _, x := range r {
				if x.Date < entryIntoForce || x.Date >= expiry {
					t.Fatalf("regime event dated %s", x.Date)
				}
			}
		}
	})
}
