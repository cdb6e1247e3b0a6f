package aggregates

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/impact"
	"github.com/tally-project/tally/internal/yamlpos"
	"github.com/tally-project/tally/treaty"
)

func find(t *testing.T, rows []Row, date, party string) Row {
	t.Helper()
	for _, r := range rows {
		if r.Date == civil.MustParse(date) && r.Party == party {
			return r
		}
	}
	t.Fatalf("no row %s %s", date, party)
	return Row{}
}

func TestEmbedded(t *testing.T) {
	rows := NewSTART()
	if len(rows) != 48 {
		t.Fatalf("%d rows", len(rows))
	}
	// The copy is the shared file, byte for byte.
	if shared, err := os.ReadFile("../../../shared/data/newstart_aggregates.csv"); err == nil && string(shared) != string(embedded) {
		t.Error("aggregates/newstart_aggregates.csv differs from shared/data/newstart_aggregates.csv")
	}
	us := find(t, rows, "2020-09-01", "US")
	if us.Totals[DeployedDeliveryVehicles] != 675 || us.Totals[DeployedWarheads] != 1457 || us.Totals[Launchers] != 800 ||
		us.Source != "https://www.globalsecurity.org/wmd/library/news/usa/2020/usa-201201-state01.htm" || us.Derived {
		t.Errorf("US 2020-09-01: %+v", us)
	}
	// Russia provided nothing for 2023-03-01.
	if ru := find(t, rows, "2023-03-01", "RU"); len(ru.Totals) != 0 || !strings.Contains(ru.Notes, "Not provided") {
		t.Errorf("RU 2023: %+v", ru)
	}
	// The US launchers of 2016-03-01 were not found.
	if us16 := find(t, rows, "2016-03-01", "US"); us16.Totals[DeployedDeliveryVehicles] != 741 {
		t.Errorf("%+v", us16)
	} else if _, ok := us16.Totals[Launchers]; ok {
		t.Error("a total no source gave is present")
	}
	var derived []string
	for _, r := range rows {
		if r.Derived {
			derived = append(derived, r.Date.String()+" "+r.Party)
		}
		if r.Source == "" {
			t.Errorf("%s %s has no source", r.Date, r.Party)
		}
	}
	if strings.Join(derived, ", ") != "2012-09-01 RU, 2016-03-01 RU, 2016-03-01 US" {
		t.Errorf("derived rows: %v", derived)
	}
}

func TestReads(t *testing.T) {
	for _, c := range []struct {
		treaty, total, reads, why string
	}{
		{"new-start", "deployed-warheads", DeployedWarheads, ""},
		{"deep-cuts-500", "deployed-and-nondeployed-launchers", Launchers, ""},
		// Another id, the same rules.
		{"joint-understanding-2009", "delivery-vehicles", DeployedDeliveryVehicles, ""},
		// The same id, another rule.
		{"sort", "deployed-warheads", "", "type.?alcms.orValue(0) > 0 ? type.alcms : 1"},
		{"start-1", "accountable-warheads", "", "by a quota"},
		{"start-1", "sndv", "", "none of New START's three totals"},
	} {
		tr, err := treaty.Lookup(c.treaty)
		if err != nil {
			t.Fatal(err)
		}
		reads, why := Reads(tr, c.total)
		if reads != c.reads || !strings.Contains(why, c.why) {
			t.Errorf("%s %s: %q %q", c.treaty, c.total, reads, why)
		}
	}
}

func TestEvaluateNewSTART(t *testing.T) {
	ns, _ := treaty.Lookup("new-start")
	r, err := Evaluate(ns, NewSTART(), impact.AsIf{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Points) != 48 || len(r.Limits) != 3 {
		t.Fatalf("%d points %d limits", len(r.Points), len(r.Limits))
	}
	get := func(date, party, limit string) Value {
		for _, p := range r.Points {
			if p.Date == civil.MustParse(date) && p.Party == party {
				for _, v := range p.Values {
					if v.Limit == limit {
						return v
					}
				}
			}
		}
		t.Fatalf("no %s %s %s", date, party, limit)
		return Value{}
	}
	// 2011-02-05, US: 1,800 warheads against 1,550, not yet binding.
	v := get("2011-02-05", "US", "deployed-warheads")
	if *v.Total != 1800 || v.Bound.Binding || *v.Within || v.Over != 250 || !strings.Contains(v.Bound.Why, "2018-02-05") {
		t.Errorf("2011 US: %+v", v)
	}
	// 2018-02-05: binding; both within.
	for _, p := range []string{"US", "RU"} {
		for _, l := range Totals {
			v := get("2018-02-05", p, l)
			if !v.Bound.Binding || !*v.Within {
				t.Errorf("2018 %s %s: %+v", p, l, v)
			}
		}
	}
	// 2023-03-01 RU: no data.
	if v := get("2023-03-01", "RU", "deployed-warheads"); v.Total != nil || v.Within != nil {
		t.Errorf("RU 2023: %+v", v)
	}
	// 2026: expired.
	rows := []Row{{Date: civil.MustParse("2026-03-01"), Party: "US", Totals: map[string]int64{DeployedWarheads: 1600}, Source: "x"}}
	r, _ = Evaluate(ns, rows, impact.AsIf{})
	if v := r.Points[0].Values[1]; v.Bound.Binding || !strings.Contains(v.Bound.Why, "expired") || v.Over != 50 {
		t.Errorf("2026: %+v", v)
	}
}

// What if the low end of the 2009 Joint Understanding had been the treaty,
// in force from 2011-02-05 like New START? Its limits bind 84 months
// later, on 2018-02-05, at 500 delivery vehicles and 1,500 warheads.
func TestJointUnderstandingLowEnd(t *testing.T) {
	ju, _ := treaty.Lookup("joint-understanding-2009")
	eif := civil.MustParse("2011-02-05")
	r, err := Evaluate(ju, NewSTART(), impact.AsIf{EntryIntoForce: &eif, Low: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Assumptions) < 2 || !strings.Contains(strings.Join(r.Assumptions, "\n"), "low end") {
		t.Errorf("assumptions: %v", r.Assumptions)
	}
	for _, l := range r.Limits {
		if l.Reads == "" {
			t.Errorf("%s cannot be judged: %s", l.ID, l.Why)
		}
	}
	want := map[string]struct {
		total, max, over int64
		binding          bool
	}{
		// US 2018-02-05: 652 deployed vehicles, 652 - 500 = 152 over.
		"2018-02-05 US delivery-vehicles": {652, 500, 152, true},
		// RU 2018-02-05: 527 - 500 = 27 over.
		"2018-02-05 RU delivery-vehicles": {527, 500, 27, true},
		// US 2018-02-05: 1,350 warheads, within 1,500.
		"2018-02-05 US deployed-warheads": {1350, 1500, 0, true},
		// US 2022-03-01: 1,515 - 1,500 = 15 over.
		"2022-03-01 US deployed-warheads": {1515, 1500, 15, true},
		// 2017-09-01 is before the limits bind: RU 1,561 - 1,500 = 61.
		"2017-09-01 RU deployed-warheads": {1561, 1500, 61, false},
	}
	seen := 0
	for _, p := range r.Points {
		for _, v := range p.Values {
			w, ok := want[p.Date.String()+" "+p.Party+" "+v.Limit]
			if !ok {
				continue
			}
			seen++
			if *v.Total != w.total || v.Bound.Max != w.max || v.Over != w.over || v.Bound.Binding != w.binding {
				t.Errorf("%s %s %s: %+v (bound %+v)", p.Date, p.Party, v.Limit, v, v.Bound)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("saw %d of %d", seen, len(want))
	}
	// The high end (as written): 1,100 and 1,675, within once binding.
	r, _ = Evaluate(ju, NewSTART(), impact.AsIf{EntryIntoForce: &eif})
	for _, p := range r.Points {
		for _, v := range p.Values {
			if v.Bound.Binding && v.Within != nil && !*v.Within {
				t.Errorf("%s %s %s over the high end: %+v", p.Date, p.Party, v.Limit, v)
			}
		}
	}
	// Without an assumed entry into force, a framework never binds.
	r, _ = Evaluate(ju, NewSTART(), impact.AsIf{})
	if v := r.Points[len(r.Points)-2].Values[0]; v.Bound.Binding || !strings.Contains(v.Bound.Why, "framework") {
		t.Errorf("%+v", v)
	}
}

func TestStartOneCannotBeJudged(t *testing.T) {
	s1, _ := treaty.Lookup("start-1")
	r, _ := Evaluate(s1, NewSTART(), impact.AsIf{})
	for _, l := range r.Limits {
		if l.Reads != "" || l.Why == "" {
			t.Errorf("%+v", l)
		}
	}
	if len(r.Notes) == 0 || !strings.Contains(r.Notes[0], "none of start-1's limits") {
		t.Errorf("notes %v", r.Notes)
	}
	// RU rows count for the USSR (an alias), with no values.
	if r.Points[0].Party != "RU" || r.Points[0].PartyID != "USSR" || len(r.Points[0].Values) != 0 {
		t.Errorf("%+v", r.Points[0])
	}
}

func TestParseErrors(t *testing.T) {
	head := "as_of_date,party,deployed_delivery_vehicles,deployed_warheads,deployed_and_nondeployed_launchers,source_url,notes\n"
	for _, c := range []struct {
		data string
		line int
		col  string
		msg  string
	}{
		{"date,party\n", 1, "", "header"},
		{head + "2011-02-30,US,1,2,3,https://x,\n", 2, "as_of_date", "not a date"},
		{head + "2011-02-05,US,1,-2,3,https://x,\n", 2, "deployed_warheads", "not a count"},
		{head + "2011-02-05,US,1,2,3,,\n", 2, "source_url", "missing"},
		{head + "2011-02-05,,1,2,3,https://x,\n", 2, "party", "missing"},
		{head + "2011-02-05,US,1,2,3,https://x,\n2011-02-05,US,1,2,3,https://y,\n", 3, "", "also on line 2"},
		{head + "2011-02-05,US,1,2\n", 2, "", "wrong number of fields"},
		{head + "2011-02-05,US,1,2,3,https://x,\"open\n", 2, "", "quote"},
	} {
		_, err := Parse("a.csv", []byte(c.data))
		var es yamlpos.Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Errorf("%q: %v", c.data, err)
			continue
		}
		if es[0].Line != c.line || es[0].Path != c.col || !strings.Contains(es[0].Msg, c.msg) || !strings.HasPrefix(err.Error(), "a.csv:") {
			t.Errorf("%q: got %v, want line %d %s %s", c.data, err, c.line, c.col, c.msg)
		}
	}
}
