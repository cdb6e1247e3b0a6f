package scenario

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

var (
	onceScenario sync.Once
	theScenario  *Scenario
	scenarioErr  error
)

// newStart generates the scenario once for the tests that only read it.
func newStart(t *testing.T) *Scenario {
	t.Helper()
	onceScenario.Do(func() { theScenario, scenarioErr = NewStart() })
	if scenarioErr != nil {
		t.Fatal(scenarioErr)
	}
	return theScenario
}

func newStartTreaty(t *testing.T) *treaty.Treaty {
	t.Helper()
	tr, err := treaty.Lookup("new-start")
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// declared builds a declaration's items in a fresh inventory: the state
// the other party would build from it.
func declared(t *testing.T, p *Party, d *Declaration) *forces.Inventory {
	t.Helper()
	inv := forces.NewInventory(p.ID, nil)
	inv.DeclareSites(p.Sites)
	if err := inv.Apply(forces.Event{Date: d.AsOf, Op: forces.OpNew, Items: d.Items}); err != nil {
		t.Fatalf("%s %s: the declaration's items do not load: %v", p.ID, d.AsOf, err)
	}
	return inv
}

// The CSV's figures, read independently of the package's reader.
func csvFigures(t *testing.T) map[string]map[string]string {
	t.Helper()
	data, err := os.ReadFile("../catalog/scenario/newstart_aggregates.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, r := range recs[1:] {
		out[r[1]+" "+r[0]] = map[string]string{
			DeployedDeliveryVehicles:        r[2],
			DeployedWarheads:                r[3],
			DeployedAndNondeployedLaunchers: r[4],
			"notes":                         r[6],
		}
	}
	return out
}

// Every declaration, counted by the treaty engine under new-start at its
// date, gives exactly its totals; those totals are the CSV's wherever it
// has a figure, and labelled synthetic (with how they were chosen) where
// it has none.
func TestDeclarationsAddUpToOfficialTotals(t *testing.T) {
	s := newStart(t)
	tr := newStartTreaty(t)
	figs := csvFigures(t)
	for _, p := range s.Parties {
		decls := p.Declarations()
		if len(decls) < 20 {
			t.Fatalf("%s: %d declarations", p.ID, len(decls))
		}
		for _, d := range decls {
			r, err := count.Evaluate(tr, declared(t, p, d).State(), d.AsOf)
			if err != nil {
				t.Fatal(err)
			}
			row := figs[p.ID+" "+d.AsOf.String()]
			synthetic := false
			for _, id := range TotalIDs {
				got, ok := r.Total(id)
				if !ok {
					t.Fatalf("no total %s", id)
				}
				want, ok := d.Total(id)
				if !ok {
					t.Fatalf("%s %s: declaration has no %s", p.ID, d.AsOf, id)
				}
				if got != want.Value {
					t.Errorf("%s %s %s: counted %d, declared %d", p.ID, d.AsOf, id, got, want.Value)
				}
				cell := ""
				if row != nil {
					cell = row[id]
				}
				switch {
				case cell != "":
					v, _ := strconv.ParseInt(cell, 10, 64)
					if want.Value != v {
						t.Errorf("%s %s %s: declared %d, the CSV gives %s", p.ID, d.AsOf, id, want.Value, cell)
					}
					if want.Provenance != Official && want.Provenance != Derived {
						t.Errorf("%s %s %s: a CSV figure labelled %s", p.ID, d.AsOf, id, want.Provenance)
					}
				default:
					synthetic = true
					if want.Provenance != Synthetic || want.Note == "" {
						t.Errorf("%s %s %s: no CSV figure, but labelled %q with note %q", p.ID, d.AsOf, id, want.Provenance, want.Note)
					}
				}
			}
			if d.Synthetic != synthetic {
				t.Errorf("%s %s: Synthetic = %v", p.ID, d.AsOf, d.Synthetic)
			}
		}
	}
}

// The CSV's DERIVED figures are labelled derived, and only those.
func TestDerivedFiguresFollowTheNotes(t *testing.T) {
	s := newStart(t)
	figs := csvFigures(t)
	for key, row := range figs {
		f := strings.Fields(key)
		d := civil.MustParse(f[1])
		o, ok := s.Official(f[0], d)
		marked := strings.Contains(row["notes"], "DERIVED")
		if !ok {
			if row[DeployedWarheads] != "" {
				t.Errorf("%s: Official says no figures", key)
			}
			continue
		}
		derived := 0
		for _, tot := range o.Totals {
			if tot.Provenance == Derived {
				derived++
			}
			if tot.Source == "" {
				t.Errorf("%s %s: no source", key, tot.ID)
			}
		}
		if marked != (derived > 0) {
			t.Errorf("%s: notes say DERIVED: %v, derived totals: %d", key, marked, derived)
		}
	}
	if _, ok := s.Official("RU", civil.MustParse("2023-03-01")); ok {
		t.Error("Russia's March 2023 data were not provided")
	}
	if _, ok := s.Official("US", civil.MustParse("2022-09-01")); ok {
		t.Error("the September 2022 exchange was never published")
	}
	o, ok := s.Official("US", civil.MustParse("2016-03-01"))
	if !ok || len(o.Totals) != 2 {
		t.Fatalf("US 2016-03-01: %+v", o)
	}
	if tot, _ := o.Total(DeployedDeliveryVehicles); tot.Provenance != Derived || tot.Value != 741 {
		t.Errorf("US 2016-03-01 DDV: %+v", tot)
	}
}

// The synthetic totals are the ones the rules give.
func TestSyntheticTotals(t *testing.T) {
	s := newStart(t)
	cases := []struct {
		party, date, id string
		want            int64
	}{
		{"US", "2016-03-01", DeployedAndNondeployedLaunchers, 873},
		{"RU", "2016-03-01", DeployedAndNondeployedLaunchers, 862},
		{"US", "2022-09-01", DeployedDeliveryVehicles, 674},
		{"US", "2022-09-01", DeployedWarheads, 1467},
		{"US", "2022-09-01", DeployedAndNondeployedLaunchers, 800},
		{"RU", "2022-09-01", DeployedDeliveryVehicles, 526},
		{"RU", "2022-09-01", DeployedWarheads, 1474},
		{"RU", "2022-09-01", DeployedAndNondeployedLaunchers, 761},
	}
	for _, c := range cases {
		p, _ := s.Party(c.party)
		d, ok := p.Declaration(civil.MustParse(c.date))
		if !ok {
			t.Fatalf("%s has no declaration as of %s", c.party, c.date)
		}
		tot, _ := d.Total(c.id)
		if tot.Value != c.want || tot.Provenance != Synthetic || !strings.Contains(tot.Note, "not published") {
			t.Errorf("%s %s %s: %+v, want %d synthetic", c.party, c.date, c.id, tot, c.want)
		}
	}
}

// Replaying the initial database and every notification through a
// forces.Inventory, every notification applies and, at each declaration,
// the items are exactly the declaration's (UID, kind, type, status, site,
// carrier, attributes). Loadings are not compared: they change only in the
// declarations.
func TestReplayReproducesEveryDeclaration(t *testing.T) {
	s := newStart(t)
	for _, p := range s.Parties {
		inv := forces.NewInventory(p.ID, nil)
		inv.DeclareSites(p.Sites)
		decls := 0
		for i, st := range p.Steps {
			switch st.Kind {
			case InitialDatabase:
				if i != 0 && p.Steps[i-1].Kind != RegimeEvent {
					t.Fatalf("%s: the initial database is not first", p.ID)
				}
				if err := inv.Apply(forces.Event{Date: st.Date, Op: forces.OpNew, Items: st.Declaration.Items}); err != nil {
					t.Fatal(err)
				}
				decls++
			case Notification:
				if st.Event.Date != st.Date {
					t.Fatalf("%s step %d: dated %s, event %s", p.ID, i, st.Date, st.Event.Date)
				}
				if err := inv.Apply(*st.Event); err != nil {
					t.Fatalf("%s %s: notification %q does not apply: %v", p.ID, st.Date, st.Event.Note, err)
				}
			case PeriodicDeclaration:
				sameItems(t, p.ID+" "+st.Date.String(), inv, declared(t, p, st.Declaration))
				decls++
			}
		}
		if decls != len(p.Declarations()) {
			t.Fatalf("%s: replayed %d of %d declarations", p.ID, decls, len(p.Declarations()))
		}
	}
}

func sameItems(t *testing.T, what string, got, want *forces.Inventory) {
	t.Helper()
	uids := func(inv *forces.Inventory) []string {
		var out []string
		for _, g := range inv.State().Groups {
			out = append(out, g.UIDs...)
		}
		sort.Strings(out)
		return out
	}
	g, w := uids(got), uids(want)
	if strings.Join(g, ",") != strings.Join(w, ",") {
		t.Fatalf("%s: replay has %d items, the declaration %d", what, len(g), len(w))
	}
	bad := 0
	for _, u := range w {
		a, _ := got.Item(u)
		b, _ := want.Item(u)
		ka := fmt.Sprintf("%s|%s|%s|%s|%s|%v|%s", a.Kind, a.Type, a.Status, a.Site, a.Carrier, a.Converting, a.Attrs.Key())
		kb := fmt.Sprintf("%s|%s|%s|%s|%s|%v|%s", b.Kind, b.Type, b.Status, b.Site, b.Carrier, b.Converting, b.Attrs.Key())
		if ka != kb {
			if bad++; bad <= 5 {
				t.Errorf("%s: %s replays as %s, declared %s", what, u, ka, kb)
			}
		}
	}
}

// Russia sends nothing from its suspension (28 February 2023), the US
// nothing from its countermeasures (1 June 2023), and nothing is dated on
// or after expiry (5 February 2026). Each party's last declaration is where
// the record says.
func TestTheRegimeEnds(t *testing.T) {
	s := newStart(t)
	stop := map[string]string{"RU": "2023-02-28", "US": "2023-06-01"}
	last := map[string]string{"RU": "2022-09-01", "US": "2023-03-01"}
	for _, p := range s.Parties {
		var lastNote, lastDecl civil.Date
		for _, st := range p.Steps {
			if st.Date >= s.End {
				t.Errorf("%s: step dated %s, on or after expiry", p.ID, st.Date)
			}
			switch st.Kind {
			case Notification:
				lastNote = st.Date
				if st.Date >= civil.MustParse(stop[p.ID]) {
					t.Errorf("%s notification dated %s", p.ID, st.Date)
				}
			case PeriodicDeclaration:
				lastDecl = st.Date
			}
		}
		if lastDecl.String() != last[p.ID] {
			t.Errorf("%s: last declaration %s, want %s", p.ID, lastDecl, last[p.ID])
		}
		if lastNote <= lastDecl {
			t.Errorf("%s: no notification after the last declaration (%s)", p.ID, lastDecl)
		}
	}
	want := map[string]string{"suspension": "2023-02-28 RU", "countermeasures": "2023-06-01 US", "last-day": "2026-02-04 US RU", "entry-into-force": "2011-02-05 US RU"}
	for _, r := range s.Regime {
		if w, ok := want[r.ID]; ok {
			if got := r.Date.String() + " " + strings.Join(r.Parties, " "); got != w {
				t.Errorf("regime %s: %s, want %s", r.ID, got, w)
			}
			delete(want, r.ID)
		}
		if r.Source == "" || r.Evidence == "" {
			t.Errorf("regime %s has no source", r.ID)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing regime events: %v", want)
	}
	// Regime events are in the parties' timelines too.
	ru, _ := s.Party("RU")
	found := false
	for _, st := range ru.Steps {
		found = found || (st.Kind == RegimeEvent && st.Regime.ID == "suspension")
	}
	if !found {
		t.Error("Russia's timeline does not show the suspension")
	}
}

// The US declaration of 1 September 2020 is the official table, row by row.
func TestUS2020MatchesTheOfficialBreakdown(t *testing.T) {
	s := newStart(t)
	us, _ := s.Party("US")
	d, ok := us.Declaration(civil.MustParse("2020-09-01"))
	if !ok {
		t.Fatal("no US declaration as of 2020-09-01")
	}
	data, err := os.ReadFile("../catalog/scenario/newstart_us_breakdown.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	type pick struct {
		kind     forces.Kind
		statuses []forces.Status
		nuclear  bool // heavy bombers: only those equipped for nuclear armaments
	}
	D, N, T, C := forces.Deployed, forces.NonDeployed, forces.Test, forces.Converted
	categories := map[string]pick{
		"deployed_icbms":             {forces.ICBM, []forces.Status{D}, false},
		"nondeployed_icbms":          {forces.ICBM, []forces.Status{N, T}, false},
		"icbm_launchers_total":       {forces.ICBMLauncher, []forces.Status{D, N, T, forces.Training}, false},
		"icbm_launchers_deployed":    {forces.ICBMLauncher, []forces.Status{D}, false},
		"icbm_launchers_nondeployed": {forces.ICBMLauncher, []forces.Status{N, T, forces.Training}, false},
		"icbm_test_launchers":        {forces.ICBMLauncher, []forces.Status{T}, false},
		"deployed_slbms":             {forces.SLBM, []forces.Status{D}, false},
		"nondeployed_slbms":          {forces.SLBM, []forces.Status{N, T}, false},
		"slbm_launchers_total":       {forces.SLBMLauncher, []forces.Status{D, N, T, forces.Training}, false},
		"slbm_launchers_deployed":    {forces.SLBMLauncher, []forces.Status{D}, false},
		"slbm_launchers_nondeployed": {forces.SLBMLauncher, []forces.Status{N, T, forces.Training}, false},
		"slbm_test_launchers":        {forces.SLBMLauncher, []forces.Status{T}, false},
		"deployed_heavy_bombers":     {forces.HeavyBomber, []forces.Status{D}, true},
		"nondeployed_heavy_bombers":  {forces.HeavyBomber, []forces.Status{N, T}, true},
		"test_heavy_bombers":         {forces.HeavyBomber, []forces.Status{T}, true},
		"heavy_bombers_nonnuclear":   {forces.HeavyBomber, []forces.Status{C}, false},
	}
	rows := 0
	for _, r := range recs[1:] {
		if r[0] != "2020-09-01" {
			continue
		}
		rows++
		pk, ok := categories[r[1]]
		if !ok {
			t.Fatalf("category %q not understood", r[1])
		}
		want, _ := strconv.Atoi(r[3])
		got := 0
		for _, it := range d.Items {
			if it.Kind != pk.kind || (r[2] != "Total" && it.Type != r[2]) {
				continue
			}
			for _, st := range pk.statuses {
				if it.Status == st {
					got++
				}
			}
		}
		if got != want {
			t.Errorf("2020-09-01 %s %s: declared %d, official %d", r[1], r[2], got, want)
		}
	}
	if rows != 36 {
		t.Fatalf("read %d rows of 2020-09-01", rows)
	}
	// The 56 closed tubes are declared converted.
	conv := 0
	for _, it := range d.Items {
		if it.Kind == forces.SLBMLauncher && it.Status == forces.Converted {
			conv++
		}
	}
	if conv != 56 {
		t.Errorf("%d converted SLBM launchers, want 56", conv)
	}
	// Groups say this detail is official.
	for _, g := range d.Groups {
		if g.Kind == forces.HeavyBomber && g.Type == "B-2A" && g.Status == forces.Deployed && g.Detail != Official {
			t.Errorf("deployed B-2A on 2020-09-01: detail %s", g.Detail)
		}
	}
}

// The 2017-03-01 deployed ICBMs and SLBMs are the official ones, base by base.
func TestUS2017ByBase(t *testing.T) {
	s := newStart(t)
	us, _ := s.Party("US")
	d, _ := us.Declaration(civil.MustParse("2017-03-01"))
	n := map[string]int{}
	for _, it := range d.Items {
		if it.Status == forces.Deployed && it.Kind.IsMissile() {
			n[it.Type+"@"+it.Site]++
		}
		if it.Kind == forces.HeavyBomber && it.Status == forces.Deployed {
			n[it.Type]++
		}
		if it.Kind == forces.HeavyBomber && it.Status == forces.Converted {
			n["converted "+it.Type]++
		}
	}
	want := map[string]int{"MM-III@F.E. Warren": 136, "MM-III@Malmstrom": 133, "MM-III@Minot": 136,
		"Trident II@Kings Bay": 100, "Trident II@Bangor": 120, "B-2A": 12, "B-52H": 36, "converted B-52H": 41}
	for k, v := range want {
		if n[k] != v {
			t.Errorf("2017-03-01 %s: %d, official %d", k, n[k], v)
		}
	}
}

// The warheads a declaration shares per base add up to its deployed
// warheads, and are the per-missile loadings it keeps private, summed.
func TestWarheadsByBase(t *testing.T) {
	s := newStart(t)
	for _, p := range s.Parties {
		for _, d := range p.Declarations() {
			perBase := map[string]int64{}
			for _, it := range d.Items {
				if it.Status != forces.Deployed {
					if it.Warheads != nil {
						t.Fatalf("%s %s: %s is %s but carries a loading", p.ID, d.AsOf, it.UID, it.Status)
					}
					continue
				}
				switch {
				case it.Kind.IsMissile():
					if it.Warheads == nil || *it.Warheads < 1 {
						t.Fatalf("%s %s: deployed %s has no loading", p.ID, d.AsOf, it.UID)
					}
					perBase[it.Site] += int64(*it.Warheads)
				case it.Kind == forces.HeavyBomber:
					perBase[it.Site]++
				}
			}
			var sum int64
			for _, b := range d.WarheadsByBase {
				sum += b.Warheads
				if perBase[b.Site] != b.Warheads {
					t.Errorf("%s %s %s: %d shared, %d on the items", p.ID, d.AsOf, b.Site, b.Warheads, perBase[b.Site])
				}
			}
			tot, _ := d.Total(DeployedWarheads)
			if sum != tot.Value {
				t.Errorf("%s %s: warheads by base add up to %d, total %d", p.ID, d.AsOf, sum, tot.Value)
			}
			for _, it := range d.Shared().Items {
				if it.Warheads != nil {
					t.Fatalf("%s %s: Shared keeps the loading of %s", p.ID, d.AsOf, it.UID)
				}
			}
		}
	}
}

// Notifications never carry warhead numbers: under New START those change
// only in the periodic declarations.
func TestNotificationsCarryNoWarheads(t *testing.T) {
	s := newStart(t)
	for _, p := range s.Parties {
		for _, ev := range p.Notifications() {
			if ev.Op == forces.OpLoad || ev.Warheads != nil {
				t.Fatalf("%s %s: a notification changes loadings", p.ID, ev.Date)
			}
			for _, it := range ev.Items {
				if it.Warheads != nil {
					t.Fatalf("%s %s: new item %s declares a loading", p.ID, ev.Date, it.UID)
				}
			}
		}
	}
}

// UIDs are readable, issued once, and never reused after elimination (the
// replay test has the inventory refuse reuse; this checks the issuing).
func TestUIDs(t *testing.T) {
	s := newStart(t)
	re := regexp.MustCompile(`^(US|RU)-(ICBM|ICBML|SLBM|SLBML|SSBN|HB)-[0-9]{6}$`)
	for _, p := range s.Parties {
		seen := map[string]bool{}
		for _, st := range p.Steps {
			var items []forces.ItemSpec
			switch {
			case st.Kind == InitialDatabase:
				items = st.Declaration.Items
			case st.Event != nil:
				items = st.Event.Items
			}
			for _, it := range items {
				if !re.MatchString(it.UID) || !strings.HasPrefix(it.UID, p.ID+"-") {
					t.Fatalf("UID %q", it.UID)
				}
				if seen[it.UID] {
					t.Fatalf("%s issued twice", it.UID)
				}
				seen[it.UID] = true
			}
		}
		for _, d := range p.Declarations() {
			for _, it := range d.Items {
				if !seen[it.UID] {
					t.Fatalf("%s %s: %s declared but never issued", p.ID, d.AsOf, it.UID)
				}
			}
		}
	}
}

// New items are only of types in production: no SS-25 or MM-III appears
// from nowhere to make a count add up.
func TestNewItemsAreOfTypesInProduction(t *testing.T) {
	s := newStart(t)
	allowed := map[string]map[string]bool{
		"US": {"slbm Trident II": true},
		"RU": {"icbm RS-24 (mobile)": true, "icbm-launcher RS-24 (mobile)": true, "icbm RS-24 (silo)": true,
			"icbm-launcher RS-24 (silo)": true, "slbm SS-N-32": true, "slbm-launcher SS-N-32": true,
			"submarine Borei": true, "heavy-bomber Tu-160": true},
	}
	for _, p := range s.Parties {
		for _, ev := range p.Notifications() {
			for _, it := range ev.Items {
				if k := string(it.Kind) + " " + it.Type; !allowed[p.ID][k] {
					t.Errorf("%s %s: new %s", p.ID, ev.Date, k)
				}
			}
		}
	}
}

// A few thousand notifications in all: enough to explain every change,
// few enough for a demo.
func TestNotificationVolume(t *testing.T) {
	s := newStart(t)
	total := 0
	for _, p := range s.Parties {
		n := len(p.Notifications())
		if n < 300 {
			t.Errorf("%s: only %d notifications", p.ID, n)
		}
		total += n
	}
	if total < 1000 || total > 6000 {
		t.Errorf("%d notifications in all", total)
	}
	t.Logf("%d notifications", total)
}

// The detail groups cover every item, Russia's detail is synthetic, and
// the US's official detail is marked.
func TestDetailProvenance(t *testing.T) {
	s := newStart(t)
	for _, p := range s.Parties {
		for _, d := range p.Declarations() {
			n := 0
			for _, g := range d.Groups {
				n += g.Count
				if p.ID == "RU" && g.Detail != Synthetic {
					t.Errorf("RU %s: %s %s detail %s", d.AsOf, g.Kind, g.Type, g.Detail)
				}
				if g.Detail == "" || (g.Detail != Synthetic && g.Source == "") {
					t.Errorf("%s %s: group %+v has no provenance or source", p.ID, d.AsOf, g)
				}
			}
			if n != len(d.Items) {
				t.Errorf("%s %s: groups hold %d items, the declaration %d", p.ID, d.AsOf, n, len(d.Items))
			}
		}
	}
}

// Two generations are byte for byte the same.
func TestDeterministic(t *testing.T) {
	a, err := NewStart()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewStart()
	if err != nil {
		t.Fatal(err)
	}
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("two generations differ")
	}
	if len(ja) < 1_000_000 {
		t.Fatalf("the JSON is only %d bytes", len(ja))
	}
}

// Declaration dates: entry into force, every 1 March and 1 September from
// 2011-09-01, with 5 February 2018 in place of 1 March 2018 as the
// official releases have it.
func TestDeclarationDates(t *testing.T) {
	s := newStart(t)
	us, _ := s.Party("US")
	var got []string
	for _, d := range us.Declarations() {
		got = append(got, d.AsOf.String())
	}
	joined := strings.Join(got, " ")
	for _, want := range []string{"2011-02-05 2011-09-01 2012-03-01", "2017-09-01 2018-02-05 2018-09-01", "2022-03-01 2022-09-01 2023-03-01"} {
		if !strings.Contains(joined, want) {
			t.Errorf("US declarations %s lack %s", joined, want)
		}
	}
	if strings.Contains(joined, "2018-03-01") {
		t.Error("2018-03-01 is replaced by 2018-02-05")
	}
	if us.Declarations()[0].Note == "" || us.Steps[1].Kind != InitialDatabase {
		t.Errorf("first steps: %s, %s", us.Steps[0].Kind, us.Steps[1].Kind)
	}
}

// A bad table is an error that names the file, the line and the column.
func TestTableErrors(t *testing.T) {
	head := "party,series,as_of_date,count,provenance,evidence,source_url,note\n"
	cases := []struct{ data, want string }{
		{head + "US,a,2011-02-05,1,synthetic,,,n\nUS,a,2011-02-30,1,synthetic,,,n\n", "f.csv:3: as_of_date:"},
		{head + "US,a,2011-02-05,-4,synthetic,,,n\n", "f.csv:2: count:"},
		{head + "US,a,2011-02-05,4,official,,,n\n", "f.csv:2: source_url: an official count needs"},
		{head + "US,a,2011-02-05,4,guessed,,,n\n", "f.csv:2: provenance:"},
		{head + "US,a,2011-02-05,4,synthetic,,,\n", "f.csv:2: note:"},
		{head + "US,a,2011-02-05,4,synthetic,,,n\nUS,a,2011-02-05,5,synthetic,,,n\n", "two counts for 2011-02-05 (also line 2)"},
		{"party,series\n", "f.csv"},
	}
	for _, c := range cases {
		_, err := readAnchors("f.csv", []byte(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.data, err, c.want)
		}
	}
	a, err := readAnchors("f.csv", []byte(head+"US,a,2011-02-05,1,synthetic,,,n\nUS,b,2011-02-05,1,synthetic,,,n\n"))
	if err != nil {
		t.Fatal(err)
	}
	a.get("US", "a", entryIntoForce)
	if err := a.unused("US"); err == nil || !strings.Contains(err.Error(), `f.csv:3: series US "b" is never read`) {
		t.Errorf("unused: %v", err)
	}
	if _, err := readRegime("r.csv", []byte("id,date,parties,title,source_url,evidence,note\nx,2026-02-05,US,t,u,O,n\n")); err == nil || !strings.Contains(err.Error(), "r.csv:2: date: 2026-02-05 is outside") {
		t.Errorf("regime: %v", err)
	}
	if _, err := readOfficial("o.csv", []byte("as_of_date,party,deployed_delivery_vehicles,deployed_warheads,deployed_and_nondeployed_launchers,source_url,notes\n2011-02-05,US,x,1,1,u,n\n")); err == nil || !strings.Contains(err.Error(), "o.csv:2: deployed_delivery_vehicles:") {
		t.Errorf("official: %v", err)
	}
}

// Between two anchors a count is interpolated and synthetic; on an anchor
// it has the anchor's provenance.
func TestInterpolation(t *testing.T) {
	head := "party,series,as_of_date,count,provenance,evidence,source_url,note\n"
	a, err := readAnchors("f.csv", []byte(head+"US,a,2011-01-01,10,official,O,u,n\nUS,a,2011-01-11,20,reported,S,v,m\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		d    string
		n    int
		prov Provenance
	}{{"2010-06-01", 10, Synthetic}, {"2011-01-01", 10, Official}, {"2011-01-04", 13, Synthetic}, {"2011-01-11", 20, Reported}, {"2012-01-01", 20, Synthetic}} {
		v, _ := a.get("US", "a", civil.MustParse(c.d))
		if v.n != c.n || v.detail.prov != c.prov {
			t.Errorf("%s: %d %s, want %d %s", c.d, v.n, v.detail.prov, c.n, c.prov)
		}
	}
}
