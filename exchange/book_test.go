package exchange

import (
	"strings"
	"testing"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/regime/regimetest"
)

func TestBookFlow(t *testing.T) {
	f := newFixture(t, regimetest.Options{})
	us := f.book("US")
	d, ls := usInitial(t)
	if d.Loadings == nil || d.Loadings.Count != 2 || len(ls) != 2 {
		t.Fatalf("loadings: %+v %v", d.Loadings, ls)
	}
	if len(d.Warheads) != 1 || d.Warheads[0].Warheads != 3 {
		t.Fatalf("warheads per base: %+v", d.Warheads)
	}
	init := f.write("US", InitialDeclaration, "2011-02-05", d)
	aps := f.admit(us, init)
	ap := aps[0]
	if !ap.Valid || ap.Declaration == nil || ap.Declaration.Items != 7 || len(ap.Declaration.Discrepancies) != 0 {
		t.Fatalf("initial: %+v %+v", ap, ap.Declaration)
	}
	if ap.Deadline == nil || ap.Deadline.Due != civil.MustParse("2011-03-22") || ap.Deadline.Rule != "initial-database" {
		t.Fatalf("deadline: %+v", ap.Deadline)
	}
	// The new items, then the loads the warheads per base give: 3 warheads
	// over two deployed missiles at Malmstrom, 2 on the first in UID order.
	if len(ap.Events) != 3 || ap.Events[0].Op != forces.OpNew || ap.Events[1].Op != forces.OpLoad {
		t.Fatalf("events: %+v", ap.Events)
	}
	if ev := ap.Events[1]; *ev.Warheads != 1 || ev.UIDs[0] != "US-M2" {
		t.Fatalf("load 1: %+v", ev)
	}
	if ev := ap.Events[2]; *ev.Warheads != 2 || ev.UIDs[0] != "US-M1" {
		t.Fatalf("load 2: %+v", ev)
	}

	// A change: US-M2 leaves deployed status.
	f.now = f.now.AddDate(0, 1, 0)
	ch := f.write("US", StatusChange, "2011-04-10", forces.Event{Date: civil.MustParse("2011-04-10"), Op: forces.OpStatus, UIDs: []string{"US-M2"}, Status: forces.NonDeployed})
	aps = f.admit(us, ch)
	if it := aps[0].Items; len(it) != 1 || it[0].Status != forces.NonDeployed || it[0].UID != "US-M2" {
		t.Fatalf("items: %+v", it)
	}

	// The periodic declaration as of 1 September still says deployed, and
	// lists an item never notified.
	f.now = time.Date(2011, 9, 20, 0, 0, 0, 0, time.UTC)
	d2 := *d
	d2.AsOf = civil.MustParse("2011-09-01")
	d2.Groups = append([]Group(nil), d.Groups...)
	d2.Groups = append(d2.Groups, Group{Kind: forces.HeavyBomber, Type: "B-2A", Status: forces.Deployed, Site: "Whiteman", UIDs: []string{"US-B2"}})
	d2.Totals = []DeclaredTotal{{Total: "deployed-warheads", Value: 4}}
	per := f.write("US", PeriodicDeclaration, "2011-09-01", &d2)
	aps = f.admit(us, per)
	rec := aps[0].Declaration
	kinds := map[string]Discrepancy{}
	for _, x := range rec.Discrepancies {
		kinds[x.Kind+" "+x.UID] = x
	}
	st, ok := kinds["status US-M2"]
	if !ok || st.Declared.Status != forces.Deployed || st.Replayed.Status != forces.NonDeployed || st.LastChange.Seq != 2 || !strings.Contains(st.Detail, "made it non-deployed") {
		t.Fatalf("status discrepancy: %+v\nall: %+v", st, rec.Discrepancies)
	}
	if _, ok := kinds["unknown-uid US-B2"]; !ok {
		t.Fatalf("no unknown-uid discrepancy: %+v", rec.Discrepancies)
	}
	// The total: 3 warheads at Malmstrom now spread over the one deployed
	// missile there, plus 1 for the deployed bomber = 4: it adds up.
	if _, ok := kinds["total "]; ok {
		t.Fatalf("total discrepancy: %+v", kinds["total "])
	}
	if len(rec.Discrepancies) != 2 {
		t.Fatalf("discrepancies: %+v", rec.Discrepancies)
	}

	// Replaying the same entries into a fresh book gives the same result.
	re := f.book("US")
	for i, e := range [][]byte{init, ch, per} {
		ap, err := re.Apply(uint64(i), e)
		if err != nil || !ap.Valid {
			t.Fatalf("replay %d: %v %+v", i, err, ap.Problems)
		}
	}
	if re.Next() != us.Next() || re.Size() != us.Size() {
		t.Fatalf("replay: next %d size %d, want %d %d", re.Next(), re.Size(), us.Next(), us.Size())
	}
}

// The parties declared their forces as of 5 February 2018, the day the
// central limits applied: a periodic declaration may be as of the
// treaty's reduction deadline, with the periodic rule's deadline; any
// other day off the 1 March / 1 September rule is still refused.
func TestPeriodicDeclarationAsOfTheReductionDeadline(t *testing.T) {
	f := newFixture(t, regimetest.Options{})
	us := f.book("US")
	d, _ := usInitial(t)
	f.admit(us, f.write("US", InitialDeclaration, "2011-02-05", d))
	f.now = time.Date(2018, 2, 20, 0, 0, 0, 0, time.UTC)
	for _, day := range []string{"2018-02-04", "2018-02-06"} {
		d2 := *d
		d2.AsOf = civil.MustParse(day)
		_, err := us.Admit([][]byte{f.write("US", PeriodicDeclaration, day, &d2)}, f.now)
		if err == nil || !strings.Contains(err.Error(), "body.as_of") {
			t.Fatalf("as of %s: %v", day, err)
		}
		f.authors["US"].Next--
	}
	d2 := *d
	d2.AsOf = civil.MustParse("2018-02-05")
	aps := f.admit(us, f.write("US", PeriodicDeclaration, "2018-02-05", &d2))
	if ap := aps[0]; !ap.Valid || ap.Deadline == nil || ap.Deadline.Due != civil.MustParse("2018-03-07") || ap.Deadline.Rule != "six-month-update" {
		t.Fatalf("as of the reduction deadline: %+v %+v", ap.Problems, ap.Deadline)
	}
}
