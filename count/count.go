// Package count counts a party's forces under a treaty's rules and says
// whether they are within its limits on a date, and why.
//
// Evaluate takes a treaty (package treaty), a party's forces at a date as
// groups of identical items (a forces.State) and the date to judge:
//
//	t, _ := treaty.Lookup("new-start")
//	r, err := count.Evaluate(t, state, civil.MustParse("2020-09-01"))
//	for _, l := range r.Limits {
//		fmt.Println(l.ID, l.Total, l.Max, l.Binding, l.Within)
//	}
//
// For each limit the result gives the total, the bounds that apply on the
// date (the phase in force), whether the limit binds and, if not, why (not
// yet in force, phase not reached, superseded, expired, never in force),
// whether the total is within the maximum (computed on every date, binding
// or not), the margins, and an explanation: which groups counted how many
// units under which rule, with the rule's source.
//
// How counting works:
//
//   - Containment first. For each pair the treaty declares (icbm in
//     icbm-launcher, ...) items are matched to carriers: an explicit
//     carrier UID pairs exactly; otherwise by type, and by site when both
//     give one, one item per carrier, missiles with the most warheads
//     first. A group partly matched is split, so that item.contained and
//     item.loaded are true for exactly the matched items. With
//     assume_loaded (START I) each carrier left empty holds an assumed item
//     of its own type.
//   - Then each rule is evaluated once per group (never per item) and its
//     units multiplied by the group's count. Within one evaluation each
//     expression's result is memoised by the values it reads, and rules are
//     indexed by the kinds they can match, so a state of a hundred thousand
//     items in thousands of groups is counted in milliseconds. Nothing is
//     cached across evaluations.
//   - Quota rules are settled last: the matching items of the party, in the
//     rule's order (ties broken by type, site, status, attributes, origin),
//     the first N get one number of units and the rest another.
//
// A State may be the owner's declaration or another party's reading of it
// (State.Reading); the engine counts what it is given and names the
// reading in the result, so totals under each reading sit side by side.
//
// Series counts a treaty over many dates of a forces history with the
// same engine. The engine is laid out once over a fixed list of groups and
// then counts them by how many items each holds: Evaluate lays it over a
// state's groups and counts once; Series lays it over every group the
// history ever holds (forces.Forces.Profiles), replays the history once for
// the counts at each date (forces.Forces.SweepCarriers), and works out each
// group's outcome under each set of containment facts once for the whole
// series. A date then costs the containment pairing over lists laid out in
// advance and the sums: a 120-date series over a million events takes tens
// of milliseconds, and gives at every date the totals, limits and findings
// Evaluate gives for the state at that date (without the explanation).
// Nothing is kept from one Series call to the next.
//
// WhatMustChange says, per limit over its maximum, by how much and which
// groups could close the gap.
package count

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// Result is a party's standing under a treaty on one date.
type Result struct {
	Treaty string `json:"treaty"`
	// Party is the party as the state names it; PartyID is the treaty's
	// id for it (USSR for a state of party RU under START I).
	Party   string     `json:"party"`
	PartyID string     `json:"party_id"`
	Date    civil.Date `json:"date"`
	// Reading names the reading the state is under ("" = as declared).
	Reading string `json:"reading,omitempty"`
	// Snapshot is true when the forces come from a snapshot taken to hold
	// at any date.
	Snapshot bool          `json:"snapshot,omitempty"`
	Status   treaty.Status `json:"status"`
	Limits   []LimitResult `json:"limits"`
	Totals   []TotalResult `json:"totals"`
	// Findings are requirements of the rules that some items do not meet
	// (a bomber equipped for more ALCMs than allowed).
	Findings []Finding `json:"findings,omitempty"`
	// NotCovered counts items of kinds the treaty does not count (a
	// warhead stockpile), by kind.
	NotCovered map[forces.Kind]int `json:"not_covered,omitempty"`
}

// TotalResult is one total's value.
type TotalResult struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Unit  string `json:"unit"`
	Value int64  `json:"value"`
}

// LimitResult is one limit on one date.
type LimitResult struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Of is the id of the total the limit bounds.
	Of    string `json:"of"`
	Total int64  `json:"total"`
	Max   int64  `json:"max"`
	Min   *int64 `json:"min"`
	// Binding: the limit binds on the date. Code and WhyNot say why not.
	Binding bool             `json:"binding"`
	Code    treaty.LimitCode `json:"status"`
	WhyNot  string           `json:"why_not,omitempty"`
	// Within: Total <= Max, whether binding or not. Being below Min is
	// not a violation.
	Within bool  `json:"within"`
	Margin int64 `json:"margin"`
	// MarginLow is Min - Total, for ranges only.
	MarginLow *int64 `json:"margin_low"`
	// Phase and Since say which value applies (phase 1, from 1997-12-05).
	Phase string `json:"phase,omitempty"`
	Since string `json:"since,omitempty"`
	// SublimitOf names the limit this one is within.
	SublimitOf string        `json:"sublimit_of,omitempty"`
	Source     treaty.Source `json:"source"`
	// Explain is every group's contribution to the total.
	Explain []Part `json:"explain,omitempty"`
}

// Part is what one group (or part of one) added to a total under one rule.
type Part struct {
	Group *forces.Group
	Rule  *treaty.Rule
	// Items is how many of the group's items this part is (all of them,
	// unless containment or a quota split the group).
	Items int
	// Each is the units per item; Units = Items × Each.
	Each  int64
	Units int64
	// Note says why the part is split or special: "among the first 150",
	// "assumed in empty deployed launchers", "in deployed launchers".
	Note string
	// ReadsWarheads: the units come from item.warheads (so downloading
	// warheads changes them).
	ReadsWarheads bool
	// Assumed: the items are assumed in empty carriers, not listed.
	Assumed bool
}

// MarshalJSON writes a part with its group's label and origin and its
// rule's id, sentence and source.
func (p Part) MarshalJSON() ([]byte, error) {
	type out struct {
		Group    string          `json:"group"`
		Origin   string          `json:"origin,omitempty"`
		Rule     string          `json:"rule"`
		Says     string          `json:"says"`
		Items    int             `json:"items"`
		Each     int64           `json:"each"`
		Units    int64           `json:"units"`
		Note     string          `json:"note,omitempty"`
		Source   string          `json:"source"`
		Evidence treaty.Evidence `json:"evidence"`
	}
	o := out{Items: p.Items, Each: p.Each, Units: p.Units, Note: p.Note}
	if p.Group != nil {
		o.Group, o.Origin = p.Label(), p.Group.Origin
	}
	if p.Rule != nil {
		o.Rule, o.Says, o.Source, o.Evidence = p.Rule.ID, p.Rule.Says, p.Rule.Source.Source, p.Rule.Evidence
	}
	return json.Marshal(o)
}

// Label describes the part's group; an assumed part names the kind it
// stands for.
func (p Part) Label() string {
	if p.Group == nil {
		return ""
	}
	return p.Group.Label()
}

// Finding is a rule's requirement that some items do not meet.
type Finding struct {
	Rule  string `json:"rule"`
	Says  string `json:"says"`
	Group string `json:"group"`
	// Origin is where the group was declared.
	Origin string        `json:"origin,omitempty"`
	Items  int           `json:"items"`
	Source treaty.Source `json:"source"`
}

// Limit returns the result for the limit with the given id.
func (r *Result) Limit(id string) (*LimitResult, bool) {
	for i := range r.Limits {
		if r.Limits[i].ID == id {
			return &r.Limits[i], true
		}
	}
	return nil, false
}

// Total returns the value of the total with the given id.
func (r *Result) Total(id string) (int64, bool) {
	for _, t := range r.Totals {
		if t.ID == id {
			return t.Value, true
		}
	}
	return 0, false
}

// Over reports whether any binding limit's maximum is exceeded.
func (r *Result) Over() bool {
	for _, l := range r.Limits {
		if l.Binding && !l.Within {
			return true
		}
	}
	return false
}

// Evaluate counts s under t and judges it on date.
func Evaluate(t *treaty.Treaty, s *forces.State, date civil.Date) (*Result, error) {
	return evaluate(t, s, date, true)
}

// Series counts t over the history f at each of dates and returns one
// result per date in ascending date order, each what Totals would give
// for the state f.At that date. It replays f once
// (forces.Forces.SweepCarriers) and counts the groups the history ever
// holds, its profiles, at every date by their counts: each profile's
// outcome under the rules is worked out once for the whole series, and a
// date costs only the containment pairing and the sums. Results carry
// no explanations: Evaluate one date for those.
func Series(t *treaty.Treaty, f *forces.Forces, dates []civil.Date) ([]*Result, error) {
	e, partyID, err := newEngine(t, f.Party(), f.Profiles(), false, true)
	if err != nil {
		return nil, err
	}
	counts := make([]int, len(e.groups))
	out := make([]*Result, 0, len(dates))
	err = f.SweepCarriers(dates, func(d civil.Date, c, carriers []int32) error {
		for i, n := range c {
			counts[i] = int(n)
		}
		e.carriersAt = carriers
		r := &Result{Treaty: t.ID, Party: f.Party(), PartyID: partyID, Date: d, Snapshot: f.Snapshot(), Status: t.Status(d)}
		if err := e.count(counts, r); err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func evaluate(t *treaty.Treaty, s *forces.State, date civil.Date, explain bool) (*Result, error) {
	if s == nil {
		return nil, errors.New("no forces")
	}
	e, partyID, err := newEngine(t, s.Party, s.Groups, explain, false)
	if err != nil {
		return nil, err
	}
	counts := make([]int, len(s.Groups))
	for i, g := range s.Groups {
		if g != nil && g.Count > 0 {
			counts[i] = g.Count
		}
	}
	r := &Result{
		Treaty: t.ID, Party: s.Party, PartyID: partyID, Date: date,
		Reading: s.Reading, Snapshot: s.Snapshot, Status: t.Status(date),
	}
	if err := e.count(counts, r); err != nil {
		return nil, err
	}
	return r, nil
}
