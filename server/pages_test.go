package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
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

// impactJSON is what /impact/compute answers, as far as the tests read it.
type impactJSON struct {
	Date      string
	Proposals []struct {
		ID     string
		Linked []struct{ ID, State, Text, Source string }
	}
	Sides []struct {
		Label string
		Rows  []struct {
			Limit string
			Cells []struct{ Total, Max, Over string }
		}
	}
}

func impactOn(t *testing.T, path string) impactJSON {
	t.Helper()
	r := sharedDemo(t)
	resp, body := fetch(t, r, "US", r.Tokens.Inspector, path)
	var res impactJSON
	if err := json.Unmarshal([]byte(body), &res); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("%s: %d %v %.300s", path, resp.StatusCode, err, body)
	}
	return res
}

// cell is the first proposal's cell of limit for the side labelled label.
func (res impactJSON) cell(t *testing.T, label, limit string) string {
	t.Helper()
	for _, s := range res.Sides {
		if s.Label != label {
			continue
		}
		for _, row := range s.Rows {
			if row.Limit == limit {
				c := row.Cells[0]
				return c.Total + " of " + c.Max + ": " + c.Over
			}
		}
	}
	var labels []string
	for _, s := range res.Sides {
		labels = append(labels, s.Label)
	}
	t.Fatalf("no side %q with %s (sides: %v)", label, limit, labels)
	return ""
}

// The Impact page on the node's forces counts each side as declared and
// under each other party's reading that holds on the date, side by side,
// as `tally impact --dispute` does: on 2018-09-01 the United States
// declares the 800 launchers of New START's limit, and Russia's reading
// (its dispute of the converted launchers and bombers, and the training
// silos) makes them 901, 101 over, as the Overview says.
func TestImpactUnderTheNodesReadings(t *testing.T) {
	res := impactOn(t, "/impact/compute?p=new-start&forces=node&at=2018-09-01")
	const launchers = "deployed-and-nondeployed-launchers"
	if got := res.cell(t, "US (as declared)", launchers); got != "800 of 800: within" {
		t.Errorf("US as declared: %s", got)
	}
	if got := res.cell(t, "US (RU reading (2018-2022 dispute of the US conversions))", launchers); got != "901 of 800: 101 over" {
		t.Errorf("US as Russia reads them: %s", got)
	}
	if got := res.cell(t, "RU (as declared)", launchers); strings.HasSuffix(got, "over") {
		t.Errorf("RU as declared: %s", got)
	}
	if len(res.Sides) != 3 {
		t.Errorf("%d sides, want US and RU as declared and US as RU reads them", len(res.Sides))
	}
	// Before the dispute, no reading holds.
	if res := impactOn(t, "/impact/compute?p=new-start&forces=node&at=2017-09-01"); len(res.Sides) != 2 {
		t.Errorf("2017-09-01: %d sides, want US and RU as declared", len(res.Sides))
	}
	// The page shows the reading's side too.
	r := sharedDemo(t)
	_, body := fetch(t, r, "US", r.Tokens.Inspector, "/impact?p=new-start&forces=node&at=2018-09-01")
	var heads []string
	for _, tr := range server.All(server.ParseHTML(t, body), "tr", "side-head") {
		heads = append(heads, server.Text(tr))
	}
	if len(heads) != 3 || !strings.Contains(heads[1], "US (RU reading (2018-2022 dispute of the US conversions))") {
		t.Errorf("/impact: sides %q", heads)
	}
}

// The Impact page shows each linked clause of each chosen proposal and
// whether its condition holds on the page's date: linkage-example ties
// Russia's right to withdraw, and a warhead limit of 1,675, to more than
// 24 Aegis Ashore launch cells in Europe: 24 from 2016-05-12, 48 from
// 2023-12-15 (catalog/treaties/linkage-example.yaml).
func TestImpactLinkedClauses(t *testing.T) {
	for _, c := range []struct {
		at, state, warheads string
	}{{"2015-09-01", "unknown", "1,550"}, {"2018-09-01", "does not hold", "1,550"}, {"2024-01-01", "holds", "1,675"}} {
		res := impactOn(t, "/impact/compute?p=linkage-example&p=new-start&forces=node&at="+c.at)
		var linked []string
		for _, p := range res.Proposals {
			for _, l := range p.Linked {
				if p.ID != "linkage-example" {
					t.Errorf("%s: %s has a linked clause %s", c.at, p.ID, l.ID)
				}
				linked = append(linked, l.ID+": "+l.State)
				if l.State != "unknown" && (!strings.Contains(l.Text, "launch cells") || !strings.HasPrefix(l.Source, "https://")) {
					t.Errorf("%s: %s says %q (source %q)", c.at, l.ID, l.Text, l.Source)
				}
			}
		}
		want := fmt.Sprintf("[withdraw-over-missile-defense: %[1]s warheads-rise-with-missile-defense: %[1]s]", c.state)
		if fmt.Sprint(linked) != want {
			t.Errorf("%s: linked clauses %v, want %s", c.at, linked, want)
		}
		if got := res.cell(t, "US (as declared)", "deployed-warheads"); !strings.Contains(got, " of "+c.warheads+":") {
			t.Errorf("%s: US warheads under linkage-example: %s, want a limit of %s", c.at, got, c.warheads)
		}

		r := sharedDemo(t)
		_, body := fetch(t, r, "US", r.Tokens.Inspector, "/impact?p=linkage-example&p=new-start&forces=node&at="+c.at)
		d := server.ParseHTML(t, body)
		var shown []string
		for _, sec := range server.All(d, "section", "linked") {
			if server.Attr(sec, "data-proposal") != "linkage-example" {
				t.Errorf("%s: linked clauses shown for %s", c.at, server.Attr(sec, "data-proposal"))
			}
			for _, li := range server.All(sec, "li", "") {
				shown = append(shown, server.Attr(li, "data-clause")+": "+server.Attr(li, "data-state"))
				if !strings.Contains(server.Text(li), c.state) {
					t.Errorf("%s: the clause reads %q", c.at, server.Text(li))
				}
			}
		}
		if fmt.Sprint(shown) != want {
			t.Errorf("%s: /impact shows linked clauses %v, want %s", c.at, shown, want)
		}
		for _, prob := range server.A11yProblems(d) {
			t.Errorf("%s: /impact: %s", c.at, prob)
		}
	}
}
