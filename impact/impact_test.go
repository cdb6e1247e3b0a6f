package impact

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// The tests build real files in a temporary directory and load them the
// way the command does: a proposal, forces, rates.

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	f := filepath.Join(dir, name)
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// proposalText is New START's rules with the limits given (months after
// entry into force = 12) and parties given.
func proposalText(id string, ddv, warheads, launchers int, parties string) string {
	r := strings.NewReplacer("ID", id, "DDV", itoa(ddv), "WH", itoa(warheads), "LN", itoa(launchers), "PARTIES", parties)
	return r.Replace(`schema: tally.treaty/v1
id: ID
name: A test proposal on New START's rules
kind: proposal
proposal: {author: tests, parent: new-start, source: impact_test.go, evidence: T}
parties:
PARTIES
dates: {}
covers: [icbm, icbm-launcher, slbm, slbm-launcher, heavy-bomber]
totals:
  - {id: deployed-delivery-vehicles, name: deployed vehicles, unit: delivery vehicles}
  - {id: deployed-warheads, name: deployed warheads, unit: warheads}
  - {id: deployed-and-nondeployed-launchers, name: launchers, unit: launchers}
containment:
  - {item: icbm, in: icbm-launcher, source: x, evidence: S}
  - {item: slbm, in: slbm-launcher, source: x, evidence: S}
  - {item: slbm-launcher, in: submarine, match: carrier, source: x, evidence: R}
rules:
  - id: deployed-missile
    says: a deployed missile in a deployed launcher counts 1 vehicle and its warheads
    when: "item.kind in ['icbm', 'slbm'] && item.status == 'deployed' && item.contained"
    counts: {deployed-delivery-vehicles: 1, deployed-warheads: item.warheads}
    source: x
    evidence: O
  - id: deployed-heavy-bomber
    says: a deployed nuclear heavy bomber counts 1 of each
    when: "item.kind == 'heavy-bomber' && item.status == 'deployed' && type.?nuclear.orValue(true) == true"
    counts: {deployed-delivery-vehicles: 1, deployed-warheads: 1, deployed-and-nondeployed-launchers: 1}
    source: x
    evidence: O
  - id: launcher
    says: a launcher counts 1
    when: "item.kind in ['icbm-launcher', 'slbm-launcher'] && item.status in ['deployed', 'non-deployed', 'test', 'training']"
    counts: {deployed-and-nondeployed-launchers: 1}
    source: x
    evidence: S
  - id: non-deployed-heavy-bomber
    says: a non-deployed nuclear heavy bomber counts 1 launcher
    when: "item.kind == 'heavy-bomber' && item.status in ['non-deployed', 'test'] && type.?nuclear.orValue(true) == true"
    counts: {deployed-and-nondeployed-launchers: 1}
    source: x
    evidence: S
limits:
  - {id: deployed-delivery-vehicles, name: deployed vehicles, total: deployed-delivery-vehicles, max: DDV, months_after_entry_into_force: 12, source: x, evidence: T}
  - {id: deployed-warheads, name: deployed warheads, total: deployed-warheads, max: WH, months_after_entry_into_force: 12, source: x, evidence: T}
  - {id: deployed-and-nondeployed-launchers, name: launchers, total: deployed-and-nondeployed-launchers, max: LN, months_after_entry_into_force: 12, source: x, evidence: T}
`)
}

func itoa(n int) string { return strconv.Itoa(n) }

const twoParties = "  - {id: US, name: United States}\n  - {id: RU, name: Russia}"

// setup writes the proposal, forces and rates, loads them and computes.
func setup(t *testing.T, proposal, forcesText, rates string, start string) (*Report, *treaty.Treaty) {
	t.Helper()
	dir := t.TempDir()
	tr, err := treaty.LoadFile(write(t, dir, "p.yaml", proposal))
	if err != nil {
		t.Fatal(err)
	}
	f, err := forces.LoadFile(write(t, dir, "f.yaml", forcesText))
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.At(f.AsOf())
	if err != nil {
		t.Fatal(err)
	}
	var rs *Rates
	if rates != "" {
		rs, err = LoadRates(write(t, dir, "rates.yaml", rates))
		if err != nil {
			t.Fatal(err)
		}
	}
	d := civil.MustParse(start)
	r, err := Compute(Input{Proposals: []*treaty.Treaty{tr}, Sides: []Side{{State: st, Forces: "f.yaml"}}, Date: d, Rates: rs})
	if err != nil {
		t.Fatal(err)
	}
	return r, tr
}

func lim(t *testing.T, c *Cell, id string) *Limit {
	t.Helper()
	for i := range c.Limits {
		if c.Limits[i].ID == id {
			return &c.Limits[i]
		}
	}
	t.Fatalf("no limit %s", id)
	return nil
}

func date(s string) civil.Date { return civil.MustParse(s) }

// Ten MM-III, 3 warheads each, against 25 deployed warheads.
//
// Totals: 10 vehicles, 10 × 3 = 30 warheads, 10 launchers. Over: 30 - 25
// = 5 warheads. Download, one warhead at a time from the most loaded: all
// ten carry 3; bringing them all to 2 would give 10 ≥ 5, so 5 of them go
// from 3 to 2: 5 warheads off 5 missiles.
//
// Rate: 10 ICBMs downloaded a year. 5 missiles take 5 × 365 / 10 = 182.5
// days, rounded up to 183: from 2021-01-01, day 183 is 2021-07-03
// (January 31 + February 28 + March 31 + April 30 + May 31 + June 30 =
// 181 days to July 1, +2).
//
// Deadline: the proposal never enters into force; taken to on 2021-01-01
// (the date), its limits bind 12 months later, 2022-01-01. On time.
func TestDownloadHandWorked(t *testing.T) {
	r, _ := setup(t, proposalText("p", 700, 25, 800, twoParties), `party: US
as_of: 2021-01-01
items:
  - {kind: icbm-launcher, type: MM-III, status: deployed, count: 10, site: Minot}
  - {kind: icbm, type: MM-III, status: deployed, count: 10, warheads: 3, site: Minot}
`, `rates:
  - {kind: icbm, measure: download, per_year: 10}
`, "2021-01-01")
	c := r.Cell(0, 0)
	w := lim(t, c, "deployed-warheads")
	if w.Total != 30 || w.Max != 25 || w.Over != 5 {
		t.Fatalf("%+v", w)
	}
	if len(w.Options) == 0 || w.Options[0].Measure != Download || w.Options[0].Items != 5 || w.Options[0].Closes != 5 {
		t.Fatalf("options %+v", w.Options)
	}
	if !strings.Contains(w.Options[0].Text, "download 5 warheads from 5 missiles (5 × MM-III ICBM, 3 → 2 warheads)") {
		t.Errorf("option text %q", w.Options[0].Text)
	}
	if len(c.Plan) != 1 || c.Plan[0].Items != 5 || c.Plan[0].Effects["deployed-warheads"] != -5 || c.Plan[0].Effects["deployed-delivery-vehicles"] != 0 {
		t.Fatalf("plan %+v", c.Plan)
	}
	if *w.Met != date("2021-07-03") || w.Deadline != date("2022-01-01") || !w.OnTime {
		t.Errorf("met %v deadline %v on time %v", w.Met, w.Deadline, w.OnTime)
	}
	if c.Complies == nil || *c.Complies != date("2021-07-03") || !c.OnTime || c.Within {
		t.Errorf("cell %+v", c)
	}
	if c.Deadline != date("2022-01-01") || !r.Proposals[0].Assumed {
		t.Errorf("deadline %+v", r.Proposals[0])
	}
	// The assumptions are printed.
	all := strings.Join(r.Assumptions, "\n")
	for _, want := range []string{"reductions begin on 2021-01-01", "leaving at least 1", "p taken to enter into force on 2021-01-01"} {
		if !strings.Contains(all, want) {
			t.Errorf("assumptions lack %q:\n%s", want, all)
		}
	}
}

// Thirty deployed B-52H against 20 launchers and heavy bombers; the
// bombers can only be converted, at 4 a year.
//
// Totals: 30 vehicles, 30 warheads (one per bomber), 30 launchers and
// bombers. Over the 20: 10. The plan converts 10 deployed bombers to
// non-nuclear armaments (each -1 vehicle, -1 warhead, -1 launcher).
//
// 10 bombers at 4 a year: 10 × 365 / 4 = 912.5, rounded up to 913 days.
// From 2021-01-01: 365 days to 2022-01-01, 730 to 2023-01-01, and 183
// more to 2023-07-03. The limit binds 12 months after the assumed entry
// into force, 2022-01-01: the side cannot comply by the deadline; it is
// 548 days late.
func TestCannotComplyByTheDeadline(t *testing.T) {
	r, _ := setup(t, proposalText("p", 700, 1550, 20, twoParties), `party: US
as_of: 2021-01-01
items:
  - {kind: heavy-bomber, type: B-52H, status: deployed, count: 30}
`, `rates:
  - {kind: heavy-bomber, per_year: 4, note: a slow pace}
`, "2021-01-01")
	c := r.Cell(0, 0)
	l := lim(t, c, "deployed-and-nondeployed-launchers")
	if l.Total != 30 || l.Over != 10 {
		t.Fatalf("%+v", l)
	}
	if len(c.Plan) != 1 || c.Plan[0].Step != "convert deployed heavy bombers" || c.Plan[0].Items != 10 {
		t.Fatalf("plan %+v", c.Plan)
	}
	if *l.Met != date("2023-07-03") || l.OnTime || l.Deadline != date("2022-01-01") {
		t.Errorf("met %v on time %v deadline %v", l.Met, l.OnTime, l.Deadline)
	}
	if c.OnTime || c.Complies == nil || *c.Complies != date("2023-07-03") || c.Complies.DaysUntil(c.Deadline) != -548 {
		t.Errorf("cell: complies %v deadline %v on time %v", c.Complies, c.Deadline, c.OnTime)
	}
	// The rate used is reported, the user's, not a default.
	if len(r.Rates) != 1 || r.Rates[0].PerYear != 4 || r.Rates[0].Default {
		t.Errorf("rates %+v", r.Rates)
	}
}

// Two submarines that name their tubes, 20 tubes each, every tube holding
// a Trident II with 4 warheads; 30 deployed vehicles allowed.
//
// Totals: 40 vehicles, 160 warheads, 40 launchers. Over: 10 vehicles. A
// submarine's tubes move together: standing one down takes 20 tubes and
// their 20 missiles (80 warheads) to non-deployed: 40 - 20 = 20 ≤ 30.
// The tubes still count as launchers (40).
//
// 20 tubes at 10 a year: 20 × 365 / 10 = 730 days, the whole boat done on
// the last day: 2021-01-01 + 730 = 2023-01-01.
func TestStandDownWholeSubmarines(t *testing.T) {
	r, _ := setup(t, proposalText("p", 30, 1550, 800, twoParties), `party: US
as_of: 2021-01-01
items:
  - {uid: SSBN-1, kind: submarine, type: Ohio, status: deployed}
  - {uid: SSBN-2, kind: submarine, type: Ohio, status: deployed}
  - {kind: slbm-launcher, type: Trident II, status: deployed, count: 20, carrier: SSBN-1}
  - {kind: slbm-launcher, type: Trident II, status: deployed, count: 20, carrier: SSBN-2}
  - {kind: slbm, type: Trident II, status: deployed, count: 40, warheads: 4}
`, `rates:
  - {kind: slbm-launcher, measure: stand-down, per_year: 10}
`, "2021-01-01")
	c := r.Cell(0, 0)
	dv := lim(t, c, "deployed-delivery-vehicles")
	if dv.Total != 40 || dv.Over != 10 {
		t.Fatalf("%+v", dv)
	}
	if len(c.Plan) != 1 || c.Plan[0].Measure != StandDown || c.Plan[0].Items != 20 || c.Plan[0].Submarines != 1 {
		t.Fatalf("plan %+v", c.Plan)
	}
	if e := c.Plan[0].Effects; e["deployed-delivery-vehicles"] != -20 || e["deployed-warheads"] != -80 || e["deployed-and-nondeployed-launchers"] != 0 {
		t.Errorf("effects %v", e)
	}
	if !strings.Contains(c.Plan[0].Text, "on SSBN-1") {
		t.Errorf("the boat is named: %s", c.Plan[0].Text)
	}
	if *dv.Met != date("2023-01-01") {
		t.Errorf("met %v", dv.Met)
	}
}

// Without submarines named, tubes move in the rate's batches, the least
// loaded first. 30 tubes, 10 Trident II with 3 warheads and 20 with 5;
// batches of 8; 25 vehicles allowed: over 5. One batch: the 8 least
// loaded tubes, all with 3-warhead missiles: -8 vehicles, -24 warheads.
func TestStandDownBatches(t *testing.T) {
	r, _ := setup(t, proposalText("p", 25, 1550, 800, twoParties), `party: US
as_of: 2021-01-01
items:
  - {kind: slbm-launcher, type: Trident II, status: deployed, count: 30}
  - {kind: slbm, type: Trident II, status: deployed, count: 20, warheads: 5}
  - {kind: slbm, type: Trident II, status: deployed, count: 10, warheads: 3}
`, `rates:
  - {kind: slbm-launcher, measure: stand-down, per_year: 8, batch: 8}
`, "2021-01-01")
	c := r.Cell(0, 0)
	if len(c.Plan) != 1 || c.Plan[0].Items != 8 || c.Plan[0].Effects["deployed-warheads"] != -24 {
		t.Fatalf("plan %+v", c.Plan)
	}
	// 8 tubes at 8 a year: one year, 365 days: 2022-01-01.
	if m := lim(t, c, "deployed-delivery-vehicles").Met; *m != date("2022-01-01") {
		t.Errorf("met %v", m)
	}
}

// The plan works limit by limit, in the proposal's order, and keeps the
// effects of each step on the others. 100 MM-III silos (each a missile
// with 2 warheads) and 10 empty non-deployed silos; 20 deployed B-52H.
// Limits: 90 vehicles, 150 warheads, 100 launchers and bombers.
//
// Totals: 120 vehicles, 220 warheads, 130 launchers.
//  1. Vehicles, over 30: no submarine; convert the 20 deployed bombers
//     (-20 each of the three), then eliminate 10 loaded silos (-10
//     vehicles, -20 warheads, -10 launchers): 90, 180, 100.
//  2. Warheads, over 30 (180 - 150): download the 90 remaining missiles
//     from 2 to 1: 30 of them are enough: 150.
//  3. Launchers: 100, within.
//
// At the default rates (bombers and silos 46 a year, downloads 64): 20
// bombers take 20 × 365 / 46 = 158.7 → 159 days; 10 silos 10 × 365 / 46
// = 79.3 → 80 days; 30 downloads 30 × 365 / 64 = 171.1 → 172 days.
func TestPlanAcrossLimits(t *testing.T) {
	r, _ := setup(t, proposalText("p", 90, 150, 100, twoParties), `party: US
as_of: 2021-01-01
items:
  - {kind: icbm-launcher, type: MM-III, status: deployed, count: 100}
  - {kind: icbm, type: MM-III, status: deployed, count: 100, warheads: 2}
  - {kind: icbm-launcher, type: MM-III, status: non-deployed, count: 10}
  - {kind: heavy-bomber, type: B-52H, status: deployed, count: 20}
`, "", "2021-01-01")
	c := r.Cell(0, 0)
	if t1, t2, t3 := lim(t, c, "deployed-delivery-vehicles").Total, lim(t, c, "deployed-warheads").Total, lim(t, c, "deployed-and-nondeployed-launchers").Total; t1 != 120 || t2 != 220 || t3 != 130 {
		t.Fatalf("totals %d %d %d", t1, t2, t3)
	}
	type mv struct {
		step  string
		items int
	}
	var got []mv
	for _, m := range c.Plan {
		got = append(got, mv{m.Step, m.Items})
	}
	want := []mv{{"convert deployed heavy bombers", 20}, {"eliminate deployed ICBM launchers", 10}, {"download warheads", 30}}
	if len(got) != len(want) {
		t.Fatalf("plan %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("move %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// Vehicles are met when both the bombers (day 159) and the silos (day
	// 80) are done: day 159, 2021-06-09 (151 days to June 1, +8).
	if m := lim(t, c, "deployed-delivery-vehicles").Met; *m != date("2021-06-09") {
		t.Errorf("vehicles met %v", m)
	}
	// Warheads: 220 - 20 (bombers) - 20 (silos) - 30 (downloads) = 150,
	// all done by day 172: 2021-06-22.
	if m := lim(t, c, "deployed-warheads").Met; *m != date("2021-06-22") {
		t.Errorf("warheads met %v", m)
	}
	if *c.Complies != date("2021-06-22") {
		t.Errorf("complies %v", c.Complies)
	}
	// Launchers: 130 - 20 - 10 = 100 once bombers and silos are done.
	if l := lim(t, c, "deployed-and-nondeployed-launchers"); l.Over != 30 || *l.Met != date("2021-06-09") {
		t.Errorf("launchers %+v", l)
	}
}

// No measure left: a limit on warheads a side cannot download, with a
// rate of 0 for the only other measure.
func TestNever(t *testing.T) {
	r, _ := setup(t, proposalText("p", 700, 5, 800, twoParties), `party: US
as_of: 2021-01-01
items:
  - {kind: heavy-bomber, type: B-52H, status: deployed, count: 10}
`, `rates:
  - {kind: heavy-bomber, per_year: 0}
`, "2021-01-01")
	c := r.Cell(0, 0)
	if c.Complies != nil || c.OnTime || !strings.Contains(c.Never, "no rate") {
		t.Errorf("%+v", c)
	}
	// With nothing at all that brings it down: a warhead limit of 0
	// against bombers a proposal counts even when converted.
	text := strings.Replace(proposalText("q", 700, 0, 800, twoParties), "item.status == 'deployed' && type.?nuclear.orValue(true) == true\"\n    counts: {deployed-delivery-vehicles: 1, deployed-warheads: 1", "item.status in ['deployed', 'converted', 'eliminated']\"\n    counts: {deployed-delivery-vehicles: 1, deployed-warheads: 1", 1)
	r, _ = setup(t, text, `party: US
as_of: 2021-01-01
items:
  - {kind: heavy-bomber, type: B-52H, status: deployed, count: 10}
`, "", "2021-01-01")
	c = r.Cell(0, 0)
	if l := lim(t, c, "deployed-warheads"); l.Unmet == "" || l.Met != nil {
		t.Errorf("%+v", l)
	}
}

// One item, two readings: the bundled US forces of 2020-09-01 and
// Russia's reading of them, under New START.
//
// As declared: 675 vehicles, 1,457 warheads, 800 launchers, within.
// Under the reading: the 56 converted tubes count again (+56 launchers),
// the 41 converted B-52H count as deployed nuclear bombers (+41 vehicles,
// +41 warheads, +41 launchers) and 4 training silos are added (+4
// launchers): 716, 1,498, 901. Over: 16 vehicles, 101 launchers.
//
// The plan under the reading (default rates, from 2020-09-01):
//   - vehicles: stand down one Ohio (20 tubes with their missiles, the
//     least loaded first: 4 warheads each): 716 - 20 = 696; 33 tubes a
//     year: 20 × 365 / 33 = 221.2 → 222 days, 2021-04-11.
//   - launchers: eliminate the 61 empty non-deployed silos (53
//     non-deployed, 4 test, 4 added): 61 × 365 / 46 = 484.0 → 485 days,
//     2021-12-30; then convert 40 non-deployed tubes (once the boat is
//     stood down): 40 × 365 / 46 = 317.4 → 318 days after 2021-04-11,
//     2022-02-23. 901 - 61 - 40 = 800.
//
// New START's deadline, 2018-02-05, has passed: late under the reading,
// on time as declared.
func TestDisputeBothReadings(t *testing.T) {
	ns, _ := treaty.Lookup("new-start")
	us, err := forces.Bundled("us-2020-09-01")
	if err != nil {
		t.Fatal(err)
	}
	st, _ := us.At(us.AsOf())
	rd, err := forces.BundledReading("us-2020-09-01.ru-reading")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compute(Input{Proposals: []*treaty.Treaty{ns}, Sides: []Side{{State: st, Forces: "us-2020-09-01", Readings: []*forces.Reading{rd}}}, Date: us.AsOf()})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sides) != 2 || r.Sides[0].Label() != "US (as declared)" || r.Sides[1].Label() != "US (RU reading (2018-2022 dispute))" || r.Sides[1].By != "RU" {
		t.Fatalf("sides %+v", r.Sides)
	}
	decl, read := r.Cell(0, 0), r.Cell(1, 0)
	for _, c := range []struct {
		cell              *Cell
		ddv, wh, ln, over int64
	}{{decl, 675, 1457, 800, 0}, {read, 716, 1498, 901, 101}} {
		if a, b, l := lim(t, c.cell, "deployed-delivery-vehicles"), lim(t, c.cell, "deployed-warheads"), lim(t, c.cell, "deployed-and-nondeployed-launchers"); a.Total != c.ddv || b.Total != c.wh || l.Total != c.ln || l.Over != c.over {
			t.Errorf("%s: %d %d %d over %d", c.cell.Reading, a.Total, b.Total, l.Total, l.Over)
		}
	}
	if !decl.Within || !decl.OnTime || len(decl.Plan) != 0 {
		t.Errorf("declared: %+v", decl)
	}
	if read.Within || read.OnTime || read.Reading != "RU reading (2018-2022 dispute)" {
		t.Errorf("read: %+v", read)
	}
	if m := lim(t, read, "deployed-delivery-vehicles").Met; *m != date("2021-04-11") {
		t.Errorf("vehicles met %v", m)
	}
	l := lim(t, read, "deployed-and-nondeployed-launchers")
	if *l.Met != date("2022-02-23") || *read.Complies != date("2022-02-23") {
		t.Errorf("launchers met %v, complies %v", l.Met, read.Complies)
	}
	if len(read.Plan) != 3 || read.Plan[1].Items != 61 || read.Plan[2].Items != 40 || read.Plan[2].Start != date("2021-04-11") {
		t.Errorf("plan %+v", read.Plan)
	}
	// One of the options for the 101: converting every deployed bomber
	// (12 B-2A, 36 B-52H and the 41 read as deployed) closes 89 only.
	found := false
	for _, o := range l.Options {
		if o.Step == "convert deployed heavy bombers" {
			found = o.Items == 89 && o.Closes == 89 && strings.Contains(o.Text, "not enough alone")
		}
	}
	if !found {
		t.Errorf("options %+v", l.Options)
	}
}

// Nothing assumes two parties: three parties, one proposal.
func TestThreeParties(t *testing.T) {
	three := twoParties + "\n  - {id: CN, name: China}"
	dir := t.TempDir()
	tr, err := treaty.LoadFile(write(t, dir, "p.yaml", proposalText("p3", 700, 100, 800, three)))
	if err != nil {
		t.Fatal(err)
	}
	var sides []Side
	for i, party := range []string{"US", "RU", "CN"} {
		f, err := forces.LoadFile(write(t, dir, party+".yaml", "party: "+party+"\nas_of: 2021-01-01\nitems:\n  - {kind: icbm-launcher, type: MM-III, status: deployed, count: 50}\n  - {kind: icbm, type: MM-III, status: deployed, count: 50, warheads: "+itoa(i+1)+"}\n"))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.At(f.AsOf())
		sides = append(sides, Side{State: st, Forces: party + ".yaml"})
	}
	r, err := Compute(Input{Proposals: []*treaty.Treaty{tr}, Sides: sides, Date: date("2021-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	// 50, 100 and 150 warheads against 100: only CN is over, by 50.
	for i, want := range []int64{0, 0, 50} {
		if got := lim(t, r.Cell(i, 0), "deployed-warheads").Over; got != want {
			t.Errorf("%s over %d, want %d", r.Sides[i].Party, got, want)
		}
	}
}

// The page with sliders: Prepare counts once; Compute recomputes from a
// map of limit values.
func TestSliders(t *testing.T) {
	ns, _ := treaty.Lookup("new-start")
	us, _ := forces.Bundled("us-2020-09-01")
	st, _ := us.At(us.AsOf())
	p, err := Prepare(Input{Proposals: []*treaty.Treaty{ns}, Sides: []Side{{State: st}}, Date: us.AsOf()})
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Compute(nil).Cell(0, 0); !c.Within {
		t.Fatal("within as written")
	}
	// 1,400 warheads: 57 over; download 57 from the 92 five-warhead
	// Trident II.
	r := p.Compute(map[string]int64{"deployed-warheads": 1400})
	w := lim(t, r.Cell(0, 0), "deployed-warheads")
	if w.Max != 1400 || w.Over != 57 || w.Set == "" || r.Cell(0, 0).Plan[0].Items != 57 || !strings.Contains(r.Cell(0, 0).Plan[0].Text, "57 × Trident II SLBM, 5 → 4") {
		t.Errorf("%+v %+v", w, r.Cell(0, 0).Plan)
	}
	// Back to the written values: the same as the first time.
	if c := p.Compute(nil).Cell(0, 0); !c.Within {
		t.Error("sliders leaked into the next computation")
	}
}

// A linked clause that holds changes a limit and lets a party withdraw.
func TestLinkedClauses(t *testing.T) {
	le, _ := treaty.Lookup("linkage-example")
	us, _ := forces.Bundled("us-2020-09-01")
	st, _ := us.At(us.AsOf())
	for _, c := range []struct {
		date     string
		max      int64
		withdraw bool
	}{{"2020-09-01", 1550, false}, {"2024-09-01", 1675, true}} {
		r, err := Compute(Input{Proposals: []*treaty.Treaty{le}, Sides: []Side{{State: st}}, Date: date(c.date)})
		if err != nil {
			t.Fatal(err)
		}
		cell := r.Cell(0, 0)
		w := lim(t, cell, "deployed-warheads")
		if w.Max != c.max || (w.Set != "") != c.withdraw || (len(cell.Withdraw) == 1 && cell.Withdraw[0] == "RU") != c.withdraw {
			t.Errorf("%s: %+v withdraw %v", c.date, w, cell.Withdraw)
		}
		if len(r.Proposals[0].Linked) != 2 || r.Proposals[0].Linked[0].Holds != c.withdraw {
			t.Errorf("%s: linked %+v", c.date, r.Proposals[0].Linked)
		}
	}
}

// Proposals that count alike share one count; one that counts a
// bomber's ALCMs gets its own, and its own effects.
func TestProposalsCountTheirOwnWay(t *testing.T) {
	ns, _ := treaty.Lookup("new-start")
	dc, _ := treaty.Lookup("deep-cuts-500")
	src, _ := os.ReadFile("../catalog/treaties/new-start.yaml")
	alcm, err := treaty.Parse("alcm.yaml", []byte(strings.Replace(strings.Replace(string(src), "id: new-start\n", "id: alcm-count\n", 1), "      deployed-warheads: 1\n", "      deployed-warheads: type.alcms\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	us, _ := forces.Bundled("us-2020-09-01")
	st, _ := us.At(us.AsOf())
	p, err := Prepare(Input{Proposals: []*treaty.Treaty{ns, dc, alcm}, Sides: []Side{{State: st}}, Date: us.AsOf()})
	if err != nil {
		t.Fatal(err)
	}
	if p.bases[0][0] != p.bases[0][1] || p.bases[0][0] == p.bases[0][2] {
		t.Error("new-start and deep-cuts-500 count alike; alcm-count does not")
	}
	r := p.Compute(nil)
	// The catalogue gives the B-2A no ALCMs (0) and the B-52H 20: the 48
	// deployed bombers no longer count 1 each but 12 × 0 + 36 × 20:
	// 1,457 - 48 + 720 = 2,129, over 1,550 by 579.
	w := lim(t, r.Cell(0, 2), "deployed-warheads")
	if w.Total != 2129 || w.Over != 579 {
		t.Fatalf("%+v", w)
	}
	// Converting a B-52H takes 20 warheads off under this count: 579 /
	// 20 = 28.95, so 29 B-52H (the B-2A would take none off).
	found := false
	for _, o := range w.Options {
		if o.Step == "convert deployed heavy bombers" {
			found = o.Items == 29 && o.Closes == 579 && len(o.Groups) == 1 && strings.HasPrefix(o.Groups[0], "29 × B-52H")
		}
	}
	if !found {
		t.Errorf("%+v", w.Options)
	}
}

func TestReportJSON(t *testing.T) {
	r, _ := setup(t, proposalText("p", 700, 25, 800, twoParties), "party: US\nas_of: 2021-01-01\nitems:\n  - {kind: icbm-launcher, type: MM-III, status: deployed, count: 10}\n  - {kind: icbm, type: MM-III, status: deployed, count: 10, warheads: 3}\n", "", "2021-01-01")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	cells := back["cells"].([]any)
	if len(cells) != 1 || cells[0].(map[string]any)["on_time"] != true {
		t.Errorf("%s", b)
	}
}
