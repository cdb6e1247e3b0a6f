package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tally-project/tally/server"
	"github.com/tally-project/tally/treaty"
)

// The Forces page's declarations are flagged synthetic, and each total
// marked official, derived or synthetic, as the node's provenance says,
// never as the declaration's note words it: every note of the demo ends
// "... are synthetic." (its UIDs and loadings are), official declarations
// included.
func TestDeclarationsProvenance(t *testing.T) {
	r := sharedDemo(t)
	ns, err := treaty.Lookup("new-start")
	if err != nil {
		t.Fatal(err)
	}
	pv := r.Provenance()
	for _, pp := range pv.Parties {
		resp, body := fetch(t, r, "US", r.Tokens.Inspector, "/forces?party="+pp.ID)
		if resp.StatusCode != 200 {
			t.Fatalf("/forces?party=%s: %d", pp.ID, resp.StatusCode)
		}
		d := server.ParseHTML(t, body)
		tables := server.All(d, "table", "decls")
		if len(tables) != 1 {
			t.Fatalf("/forces?party=%s: %d declaration tables", pp.ID, len(tables))
		}
		rows := map[string]string{}
		flags := map[string]bool{}
		cells := map[string][]string{}
		for _, tr := range server.All(tables[0], "tr", "") {
			date := server.Attr(tr, "data-date")
			if date == "" {
				continue
			}
			tds := server.All(tr, "td", "")
			rows[date] = server.Text(tds[len(tds)-1])
			flags[date] = len(server.All(tds[len(tds)-1], "span", "flag-synthetic")) > 0
			for _, td := range tds {
				if f := server.Attr(td, "data-provenance"); f != "" {
					cells[date] = append(cells[date], f)
				}
			}
		}
		synthetic, official := 0, 0
		for _, dcl := range pp.Declarations {
			date := dcl.AsOf.String()
			note, ok := rows[date]
			if !ok {
				t.Errorf("%s's declaration as of %s is not listed", pp.ID, date)
				continue
			}
			if !strings.Contains(note, "synthetic") {
				t.Errorf("%s as of %s: the note %q no longer says \"synthetic\": the test proves nothing", pp.ID, date, note)
			}
			flagged := flags[date]
			if flagged != dcl.Synthetic {
				t.Errorf("%s as of %s: flagged synthetic %v, the provenance says %v (note %q)", pp.ID, date, flagged, dcl.Synthetic, note)
			}
			if dcl.Synthetic {
				synthetic++
			} else {
				official++
			}
			// Each total's mark, in the limits' order.
			var want []string
			for _, l := range ns.Limits {
				for _, tot := range dcl.Totals {
					if tot.ID == l.Total {
						want = append(want, string(tot.Provenance))
					}
				}
			}
			if got := cells[date]; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s as of %s: totals marked %v, the provenance says %v", pp.ID, date, got, want)
			}
		}
		if synthetic == 0 || official == 0 {
			t.Errorf("%s: %d synthetic and %d official declarations: the demo should have both", pp.ID, synthetic, official)
		}
	}
}
