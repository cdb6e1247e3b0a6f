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
// Series counts a treaty over many dates of a forces history, replaying it
// once; WhatMustChange says, per limit over its maximum, by
// how much and which groups could close the gap.
package count

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"cel.dev/cel-go/common/types/ref"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/internal/expr"
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

// Series counts t over the history f at each of dates, replaying f once in
// date order (forces.Forces.Sweep), and returns one result per date in
// ascending date order. Results carry no explanations: Evaluate one date
// for those.
func Series(t *treaty.Treaty, f *forces.Forces, dates []civil.Date) ([]*Result, error) {
	out := make([]*Result, 0, len(dates))
	err := f.Sweep(dates, func(s *forces.State) error {
		r, err := evaluate(t, s, s.Date, false)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Date, err)
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
	if t == nil || t.Compiled() == nil {
		return nil, errors.New("no treaty")
	}
	if s == nil {
		return nil, errors.New("no forces")
	}
	p, ok := t.Party(s.Party)
	if !ok {
		var names []string
		for _, q := range t.Parties {
			names = append(names, q.ID)
		}
		return nil, fmt.Errorf("%q is not a party to %s (parties: %s; aliases count too)", s.Party, t.ID, strings.Join(names, ", "))
	}
	e := &engine{
		t: t, set: t.Compiled(), party: p.ID, explain: explain,
		memo:   make([]map[string]memoEntry, len(t.Compiled().Exprs)),
		totals: make([]int64, len(t.Totals)),
	}
	e.akey = e.attrsKey
	e.byKind = make([]kindInfo, len(forces.Kinds))
	for i, k := range forces.Kinds {
		e.byKind[i] = kindInfo{rules: e.set.ByKind[k], reads: e.set.KindReads[k], covered: e.covers(k)}
	}
	r := &Result{
		Treaty: t.ID, Party: s.Party, PartyID: p.ID, Date: date,
		Reading: s.Reading, Snapshot: s.Snapshot, Status: t.Status(date),
	}
	if err := e.run(s, r); err != nil {
		return nil, err
	}
	byTotal := e.partsByTotal()
	for i, tot := range t.Totals {
		r.Totals = append(r.Totals, TotalResult{ID: tot.ID, Name: tot.Name, Unit: tot.Unit, Value: e.totals[i]})
	}
	for i := range t.Limits {
		l := &t.Limits[i]
		ls := t.LimitAt(l, date)
		ti := totalIndex(t, l.Total)
		total := e.totals[ti]
		lr := LimitResult{
			ID: l.ID, Name: l.Name, Of: l.Total, Total: total, Max: ls.Max, Min: ls.Min,
			Binding: ls.Binding, Code: ls.Code, Within: total <= ls.Max, Margin: ls.Max - total,
			Phase: ls.Phase, Since: ls.Since, SublimitOf: l.Within, Source: ls.Source,
		}
		if !ls.Binding {
			lr.WhyNot = ls.Reason
		}
		if ls.Min != nil {
			low := *ls.Min - total
			lr.MarginLow = &low
		}
		if explain {
			lr.Explain = byTotal[ti]
		}
		r.Limits = append(r.Limits, lr)
	}
	return r, nil
}

func totalIndex(t *treaty.Treaty, id string) int {
	for i, x := range t.Totals {
		if x.ID == id {
			return i
		}
	}
	return -1 // a loaded treaty has no limit on an undefined total
}

type memoEntry struct {
	v   ref.Val
	err error
}

// piece is a group, or the part of one that shares its containment facts.
type piece struct {
	g                          *forces.Group
	idx                        int // the group's index in the state
	kind                       forces.Kind
	n                          int
	loaded, contained, assumed bool
	split                      bool // n < the group's count
}

type engine struct {
	t       *treaty.Treaty
	set     *expr.Set
	party   string
	explain bool
	memo    []map[string]memoEntry
	buf     []byte
	item    expr.Item
	cur     *piece
	akey    func() string // e.attrsKey, bound once
	// attrsKeys caches Attrs.Key per group, for expressions that read type
	// as a whole.
	attrsKeys map[*forces.Group]string
	kbuf      []byte
	// byKind holds, per kind (in forces.Kinds order), its rules, what they
	// read, and the memo of its outcomes by those values.
	byKind []kindInfo
	totals []int64
	// parts collects explanation parts of every total in one slice, in
	// the order they are made; partTotal says which total each is for.
	parts     []Part
	partTotal []int32
}

func (e *engine) attrsKey() string {
	k, ok := e.attrsKeys[e.cur.g]
	if !ok {
		if e.attrsKeys == nil {
			e.attrsKeys = map[*forces.Group]string{}
		}
		k = "#" + e.cur.g.Attrs.Key()
		e.attrsKeys[e.cur.g] = k
	}
	return k
}

// setItem makes pc the item expressions see.
func (e *engine) setItem(pc *piece) {
	g := pc.g
	e.cur = pc
	e.item = expr.Item{
		Kind: string(pc.kind), TypeName: g.Type, Status: string(g.Status), Site: g.Site, Party: e.party,
		Warheads: int64(g.Warheads), HasWarheads: g.Warheads != forces.NoLoading && !pc.assumed,
		Converting: g.Converting, Loaded: pc.loaded, Contained: pc.contained, Assumed: pc.assumed,
		Attrs: g.Attrs,
	}
	if !e.item.HasWarheads {
		e.item.Warheads = 0
	}
}

// eval evaluates slot for the current item, memoised by what it reads.
func (e *engine) eval(s expr.Slot) (ref.Val, error) {
	e.buf = s.Key(e.buf[:0], &e.item, e.akey)
	m := e.memo[s.Index]
	if m == nil {
		m = map[string]memoEntry{}
		e.memo[s.Index] = m
	}
	if me, ok := m[string(e.buf)]; ok {
		return me.v, me.err
	}
	v, err := s.Eval(&e.item)
	m[string(e.buf)] = memoEntry{v, err}
	return v, err
}

// ruleError names the treaty file position, the rule, the expression and
// the group an evaluation failed on.
func (e *engine) ruleError(r *expr.Rule, where string, err error) error {
	rule := &e.t.Rules[r.Index]
	path := fmt.Sprintf("rules[%d]", r.Index)
	pos := e.t.File
	if l := e.t.Line(path); l > 0 {
		pos = fmt.Sprintf("%s:%d", e.t.File, l)
	}
	g := e.cur.g
	origin := ""
	if g.Origin != "" {
		origin = " (" + g.Origin + ")"
	}
	if errors.Is(err, expr.ErrNoWarheads) {
		return fmt.Errorf("%s: rule %q (%s) reads item.warheads, but group %q%s declares no warheads: give the group warheads:, the reentry vehicles on each missile", pos, rule.ID, where, g.Label(), origin)
	}
	return fmt.Errorf("%s: rule %q (%s) on group %q%s: %v", pos, rule.ID, where, g.Label(), origin, err)
}

func (e *engine) evalBool(r *expr.Rule, where string, s expr.Slot) (bool, error) {
	v, err := e.eval(s)
	if err != nil {
		return false, e.ruleError(r, where, err)
	}
	b, _ := v.Value().(bool)
	return b, nil
}

func (e *engine) evalInt(r *expr.Rule, where string, s expr.Slot) (int64, error) {
	v, err := e.eval(s)
	if err != nil {
		return 0, e.ruleError(r, where, err)
	}
	n, _ := v.Value().(int64)
	return n, nil
}

type kindInfo struct {
	rules    []*expr.Rule
	reads    expr.ReadSet
	covered  bool
	outcomes map[string]*outcome
}

// kindIndex is k's place in forces.Kinds, or -1.
func kindIndex(k forces.Kind) int {
	switch k {
	case forces.ICBM:
		return 0
	case forces.ICBMLauncher:
		return 1
	case forces.SLBM:
		return 2
	case forces.SLBMLauncher:
		return 3
	case forces.Submarine:
		return 4
	case forces.HeavyBomber:
		return 5
	case forces.Warhead:
		return 6
	}
	return -1
}

// outcome is what every rule does with one item: the units it adds to
// each total, the quotas it enters with its order keys, the requirements
// it fails.
type outcome struct {
	adds []struct {
		rule          *expr.Rule
		total         int
		units         int64
		readsWarheads bool
	}
	quotas []struct {
		rule *expr.Rule
		keys []ref.Val
	}
	fails []struct {
		rule  *expr.Rule
		check int
	}
}

// outcome evaluates rules for the current item.
func (e *engine) outcome(rules []*expr.Rule) (*outcome, error) {
	oc := &outcome{}
	for _, cr := range rules {
		if cr.Parties != nil && !cr.Parties[e.party] {
			continue
		}
		ok, err := e.evalBool(cr, "when", cr.When)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		for _, c := range cr.Counts {
			u, err := e.evalInt(cr, c.Path, c.Units)
			if err != nil {
				return nil, err
			}
			oc.adds = append(oc.adds, struct {
				rule          *expr.Rule
				total         int
				units         int64
				readsWarheads bool
			}{cr, c.Total, u, c.Units.ReadsWarheads()})
		}
		if q := cr.Quota; q != nil {
			keys := make([]ref.Val, len(q.Order))
			for i, o := range q.Order {
				v, err := e.eval(o)
				if err != nil {
					return nil, e.ruleError(cr, fmt.Sprintf("quota.order[%d]", i), err)
				}
				keys[i] = v
			}
			oc.quotas = append(oc.quotas, struct {
				rule *expr.Rule
				keys []ref.Val
			}{cr, keys})
		}
		for _, chk := range cr.Require {
			ok, err := e.evalBool(cr, fmt.Sprintf("require[%d]", chk.Index), chk.Cond)
			if err != nil {
				return nil, err
			}
			if !ok {
				oc.fails = append(oc.fails, struct {
					rule  *expr.Rule
					check int
				}{cr, chk.Index})
			}
		}
	}
	return oc, nil
}

type quotaEntry struct {
	pc   *piece
	keys []ref.Val
}

func (e *engine) run(s *forces.State, r *Result) error {
	contained, loaded, assumed := e.containment(s.Groups)
	if e.explain {
		e.parts = make([]Part, 0, len(s.Groups)+len(s.Groups)/2)
		e.partTotal = make([]int32, 0, cap(e.parts))
	}
	var quotas map[*expr.Rule][]quotaEntry
	err := eachPiece(s.Groups, contained, loaded, assumed, func(pc *piece) error {
		ki := kindIndex(pc.kind)
		if ki < 0 || !e.byKind[ki].covered {
			if r.NotCovered == nil {
				r.NotCovered = map[forces.Kind]int{}
			}
			r.NotCovered[pc.kind] += pc.n
			return nil
		}
		kind := &e.byKind[ki]
		rules := kind.rules
		if len(rules) == 0 || pc.n == 0 {
			return nil
		}
		e.setItem(pc)
		// Every piece of a kind that reads the same values has the same
		// outcome under every rule: work it out once.
		e.kbuf = kind.reads.Key(e.kbuf[:0], &e.item, e.akey)
		m := kind.outcomes
		if m == nil {
			m = map[string]*outcome{}
			kind.outcomes = m
		}
		oc, ok := m[string(e.kbuf)]
		if !ok {
			var err error
			if oc, err = e.outcome(rules); err != nil {
				return err
			}
			m[string(e.kbuf)] = oc
		}
		for _, a := range oc.adds {
			e.add(a.total, pc, &e.t.Rules[a.rule.Index], a.units, pc.n, a.readsWarheads, "")
		}
		for _, q := range oc.quotas {
			if quotas == nil {
				quotas = map[*expr.Rule][]quotaEntry{}
			}
			kept := *pc
			quotas[q.rule] = append(quotas[q.rule], quotaEntry{&kept, q.keys})
		}
		for _, f := range oc.fails {
			rule := &e.t.Rules[f.rule.Index]
			rq := &rule.Require[f.check]
			r.Findings = append(r.Findings, Finding{Rule: rule.ID, Says: rq.Says, Group: pc.g.Label(), Origin: pc.g.Origin, Items: pc.n, Source: rq.Source})
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Quotas, in rule order.
	for _, cr := range e.set.Rules {
		entries := quotas[cr]
		if cr.Quota == nil || len(entries) == 0 {
			continue
		}
		if err := e.quota(cr, entries); err != nil {
			return err
		}
	}
	return nil
}

func (e *engine) covers(k forces.Kind) bool {
	for _, c := range e.t.Covers {
		if c == k {
			return true
		}
	}
	return false
}

// add records u units for each of n items of pc toward total ti.
func (e *engine) add(ti int, pc *piece, rule *treaty.Rule, u int64, n int, readsWarheads bool, note string) {
	if u == 0 || n == 0 {
		return
	}
	e.totals[ti] += u * int64(n)
	if !e.explain {
		return
	}
	if note == "" {
		note = pieceNote(pc)
	}
	e.parts = append(e.parts, Part{
		Group: pc.g, Rule: rule, Items: n, Each: u, Units: u * int64(n), Note: note,
		ReadsWarheads: readsWarheads, Assumed: pc.assumed,
	})
	e.partTotal = append(e.partTotal, int32(ti))
}

// partsByTotal sorts the parts by total, keeping their order within each,
// into one slice, and returns each total's share of it.
func (e *engine) partsByTotal() [][]Part {
	if !e.explain {
		return nil
	}
	start := make([]int, len(e.totals)+1)
	for _, ti := range e.partTotal {
		start[ti+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	sorted := make([]Part, len(e.parts))
	next := append([]int(nil), start[:len(e.totals)]...)
	for i, ti := range e.partTotal {
		sorted[next[ti]] = e.parts[i]
		next[ti]++
	}
	out := make([][]Part, len(e.totals))
	for i := range out {
		if start[i] < start[i+1] {
			out[i] = sorted[start[i]:start[i+1]:start[i+1]]
		}
	}
	e.parts, e.partTotal = nil, nil
	return out
}

func pieceNote(pc *piece) string {
	switch {
	case pc.assumed:
		return fmt.Sprintf("%s assumed in %d empty %s %s", pc.kind, pc.n, pc.g.Status, pc.g.Kind)
	case !pc.split:
		return ""
	}
	var facts []string
	if pc.contained {
		facts = append(facts, "contained")
	} else if pc.g.Kind.IsMissile() {
		facts = append(facts, "not contained")
	}
	if pc.loaded {
		facts = append(facts, "loaded")
	} else if pc.g.Kind.IsLauncher() {
		facts = append(facts, "empty")
	}
	return fmt.Sprintf("%d of the group's %d (%s)", pc.n, pc.g.Count, strings.Join(facts, ", "))
}

// quota settles one quota rule over its matching pieces.
func (e *engine) quota(cr *expr.Rule, entries []quotaEntry) error {
	q := cr.Quota
	rule := &e.t.Rules[cr.Index]
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		for k := range q.Order {
			c := expr.Compare(a.keys[k], b.keys[k])
			if q.Desc[k] {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return tieBreak(a.pc, b.pc) < 0
	})
	remaining := q.First
	first := fmt.Sprintf("among the first %s", treaty.FormatInt(q.First))
	beyond := fmt.Sprintf("beyond the first %s", treaty.FormatInt(q.First))
	for _, en := range entries {
		pc := en.pc
		k := int64(pc.n)
		if k > remaining {
			k = remaining
		}
		remaining -= k
		e.setItem(pc)
		if k > 0 {
			u, err := e.evalInt(cr, "quota.units", q.Units)
			if err != nil {
				return err
			}
			e.add(q.Total, pc, rule, u, int(k), q.Units.ReadsWarheads(), first)
		}
		if rest := int64(pc.n) - k; rest > 0 {
			u, err := e.evalInt(cr, "quota.rest", q.Rest)
			if err != nil {
				return err
			}
			e.add(q.Total, pc, rule, u, int(rest), q.Rest.ReadsWarheads(), beyond)
		}
	}
	return nil
}

// tieBreak orders pieces that a quota's order ranks equal, independently
// of the order of groups in the state where it can.
func tieBreak(a, b *piece) int {
	if c := strings.Compare(a.g.Type, b.g.Type); c != 0 {
		return c
	}
	if c := strings.Compare(a.g.Site, b.g.Site); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.g.Status), string(b.g.Status)); c != 0 {
		return c
	}
	if a.g.Warheads != b.g.Warheads {
		return b.g.Warheads - a.g.Warheads
	}
	if c := strings.Compare(a.g.Attrs.Key(), b.g.Attrs.Key()); c != 0 {
		return c
	}
	if c := strings.Compare(a.g.Origin, b.g.Origin); c != 0 {
		return c
	}
	return a.idx - b.idx
}
