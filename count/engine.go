package count

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"cel.dev/cel-go/common/types/ref"

	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/internal/expr"
	"github.com/tally-project/tally/treaty"
)

// engine counts one party under one treaty. It is laid out once over a
// fixed list of groups and then counts them at one or more dates, each
// time with the number of items in every group: Evaluate lays it over a
// state's groups and counts once; Series lays it over every profile of a
// history (forces.Forces.Profiles) and counts at each date with the
// counts of a replay. Everything below is the same for both, except how a
// carrier named by UID is found (by the state's UIDs, or where the replay
// says it is).
type engine struct {
	t       *treaty.Treaty
	set     *expr.Set
	party   string
	explain bool
	groups  []*forces.Group
	// pairs is each containment pair laid out over groups (containment.go).
	pairs []pairing

	memo []map[string]memoEntry
	buf  []byte
	item expr.Item
	cur  *piece
	akey func() string // e.attrsKey, bound once
	// attrsKeys caches Attrs.Key per group, for expressions that read type
	// as a whole.
	attrsKeys map[*forces.Group]string
	kbuf      []byte
	// byKind holds, per kind (in forces.Kinds order), its rules, what they
	// read, and the memo of its outcomes by those values.
	byKind []kindInfo
	// slots, when the engine counts many dates, keeps each group's
	// outcome under each of its containment facts (slotsPerGroup per
	// group), so that a date costs no key building and no map lookup.
	slots []*outcome

	// What one date's count works with: counts[i] items of groups[i],
	// and, in a series, where each group's named carrier is
	// (forces.Forces.SweepCarriers); nil for a state, whose carriers are
	// found by their UIDs.
	counts     []int
	carriersAt []int32
	// Containment facts per group and assumed pieces (containment.go).
	contained, loaded []int
	assumed           []piece
	// quotas collects the pieces each quota rule takes, by rule index;
	// order is the order a quota takes them in.
	quotas [][]quotaEntry
	order  []int32
	totals []int64
	// parts collects explanation parts of every total in one slice, in
	// the order they are made; partTotal says which total each is for.
	parts     []Part
	partTotal []int32
}

// newEngine lays an engine for party under t over groups; many says it
// will count more than one date. It returns the treaty's id for the
// party.
func newEngine(t *treaty.Treaty, party string, groups []*forces.Group, explain, many bool) (*engine, string, error) {
	if t == nil || t.Compiled() == nil {
		return nil, "", errors.New("no treaty")
	}
	p, ok := t.Party(party)
	if !ok {
		var names []string
		for _, q := range t.Parties {
			names = append(names, q.ID)
		}
		return nil, "", fmt.Errorf("%q is not a party to %s (parties: %s; aliases count too)", party, t.ID, strings.Join(names, ", "))
	}
	e := &engine{
		t: t, set: t.Compiled(), party: p.ID, explain: explain, groups: groups,
		memo:   make([]map[string]memoEntry, len(t.Compiled().Exprs)),
		totals: make([]int64, len(t.Totals)),
		quotas: make([][]quotaEntry, len(t.Rules)),
	}
	e.akey = e.attrsKey
	e.byKind = make([]kindInfo, len(forces.Kinds))
	for i, k := range forces.Kinds {
		e.byKind[i] = kindInfo{rules: e.set.ByKind[k], reads: e.set.KindReads[k], covered: e.covers(k)}
	}
	e.layOut()
	if many {
		e.slots = make([]*outcome, len(groups)*slotsPerGroup)
	}
	return e, p.ID, nil
}

func totalIndex(t *treaty.Treaty, id string) int {
	for i, x := range t.Totals {
		if x.ID == id {
			return i
		}
	}
	return -1 // a loaded treaty has no limit on an undefined total
}

// count counts counts[i] items of each group into r, whose header the
// caller has filled: totals, limits and findings.
func (e *engine) count(counts []int, r *Result) error {
	e.counts = counts
	clear(e.totals)
	for i := range e.quotas {
		e.quotas[i] = e.quotas[i][:0]
	}
	if err := e.run(r); err != nil {
		return err
	}
	byTotal := e.partsByTotal()
	r.Totals = make([]TotalResult, 0, len(e.t.Totals))
	for i, tot := range e.t.Totals {
		r.Totals = append(r.Totals, TotalResult{ID: tot.ID, Name: tot.Name, Unit: tot.Unit, Value: e.totals[i]})
	}
	r.Limits = make([]LimitResult, 0, len(e.t.Limits))
	for i := range e.t.Limits {
		l := &e.t.Limits[i]
		ls := e.t.LimitAt(l, r.Date)
		ti := totalIndex(e.t, l.Total)
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
		if e.explain {
			lr.Explain = byTotal[ti]
		}
		r.Limits = append(r.Limits, lr)
	}
	return nil
}

type memoEntry struct {
	v   ref.Val
	err error
}

// piece is a group, or the part of one that shares its containment facts.
type piece struct {
	g                          *forces.Group
	idx                        int // the group's index in the engine
	kind                       forces.Kind
	n                          int
	loaded, contained, assumed bool
	split                      bool // n < the group's count
	// facts numbers the containment facts, for the group's slots: 0
	// contained and loaded, 1 contained only, 2 loaded only, 3 neither
	// (a whole group counts as neither), 4 assumed.
	facts uint8
}

const (
	factsNeither  = 3
	factsAssumed  = 4
	slotsPerGroup = 5
)

func (e *engine) attrsKey() string { return e.groupAttrsKey(e.cur.g) }

// groupAttrsKey is "#" + g.Attrs.Key(), made once per group.
func (e *engine) groupAttrsKey(g *forces.Group) string {
	k, ok := e.attrsKeys[g]
	if !ok {
		if e.attrsKeys == nil {
			e.attrsKeys = map[*forces.Group]string{}
		}
		k = "#" + g.Attrs.Key()
		e.attrsKeys[g] = k
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
	adds   []addOutcome
	quotas []quotaOutcome
	fails  []struct {
		rule  *expr.Rule
		check int
	}
}

type addOutcome struct {
	rule          *expr.Rule
	total         int
	units         int64
	readsWarheads bool
}

// quotaOutcome is an item's place in one quota rule: its order keys, and
// its units among the first and beyond them, worked out when first
// needed (an item beyond the first never evaluates the units of the
// first). The outcome is shared by items that read the same values, which
// the quota's expressions are among.
type quotaOutcome struct {
	rule        *expr.Rule
	keys        []ref.Val
	first, rest lazyInt
}

type lazyInt struct {
	v  int64
	ok bool
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
			oc.adds = append(oc.adds, addOutcome{cr, c.Total, u, c.Units.ReadsWarheads()})
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
			oc.quotas = append(oc.quotas, quotaOutcome{rule: cr, keys: keys})
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

// outcomeOf is pc's outcome under the rules of its kind: from the
// group's slot when counting many dates, else worked out once per
// distinct combination of the values the kind's rules read.
func (e *engine) outcomeOf(pc *piece, kind *kindInfo) (*outcome, error) {
	var slot **outcome
	if e.slots != nil {
		// A group's assumed pieces always stand for the same kind: the
		// item kind of the first assume_loaded pair that takes the group
		// as a carrier in its status (that pair leaves it loaded).
		slot = &e.slots[pc.idx*slotsPerGroup+int(pc.facts)]
		if *slot != nil {
			return *slot, nil
		}
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
		if oc, err = e.outcome(kind.rules); err != nil {
			return nil, err
		}
		m[string(e.kbuf)] = oc
	}
	if slot != nil {
		*slot = oc
	}
	return oc, nil
}

type quotaEntry struct {
	pc piece
	q  *quotaOutcome
}

func (e *engine) run(r *Result) error {
	e.containment()
	if e.explain {
		e.parts = make([]Part, 0, len(e.groups)+len(e.groups)/2)
		e.partTotal = make([]int32, 0, cap(e.parts))
	}
	err := e.eachPiece(func(pc *piece) error {
		ki := kindIndex(pc.kind)
		if ki < 0 || !e.byKind[ki].covered {
			if r.NotCovered == nil {
				r.NotCovered = map[forces.Kind]int{}
			}
			r.NotCovered[pc.kind] += pc.n
			return nil
		}
		kind := &e.byKind[ki]
		if len(kind.rules) == 0 {
			return nil
		}
		oc, err := e.outcomeOf(pc, kind)
		if err != nil {
			return err
		}
		for i := range oc.adds {
			a := &oc.adds[i]
			e.add(a.total, pc, a.rule, a.units, pc.n, a.readsWarheads, "")
		}
		for i := range oc.quotas {
			q := &oc.quotas[i]
			e.quotas[q.rule.Index] = append(e.quotas[q.rule.Index], quotaEntry{*pc, q})
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
		if entries := e.quotas[cr.Index]; cr.Quota != nil && len(entries) > 0 {
			if err := e.quota(cr, entries); err != nil {
				return err
			}
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

// add records u units for each of n items of pc toward total ti under
// rule cr.
func (e *engine) add(ti int, pc *piece, cr *expr.Rule, u int64, n int, readsWarheads bool, note string) {
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
		Group: pc.g, Rule: &e.t.Rules[cr.Index], Items: n, Each: u, Units: u * int64(n), Note: note,
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

// quota settles one quota rule over its matching pieces: in the rule's
// order, ties broken by tieBreak, the first q.First items count q.Units
// each and the rest q.Rest.
func (e *engine) quota(cr *expr.Rule, entries []quotaEntry) error {
	q := cr.Quota
	// Sorted by place, not moved: an entry is a whole piece. A total
	// order: two pieces of one group keep the order eachPiece made them
	// in, which their facts follow.
	order := e.order[:0]
	for i := range entries {
		order = append(order, int32(i))
	}
	e.order = order
	sort.Slice(order, func(i, j int) bool {
		a, b := &entries[order[i]], &entries[order[j]]
		for k := range q.Order {
			c := expr.Compare(a.q.keys[k], b.q.keys[k])
			if q.Desc[k] {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		if c := e.tieBreak(a.pc.idx, b.pc.idx); c != 0 {
			return c < 0
		}
		return a.pc.facts < b.pc.facts
	})
	remaining := q.First
	var first, beyond string
	if e.explain {
		first = fmt.Sprintf("among the first %s", treaty.FormatInt(q.First))
		beyond = fmt.Sprintf("beyond the first %s", treaty.FormatInt(q.First))
	}
	for _, i := range order {
		en := &entries[i]
		pc := &en.pc
		k := min(int64(pc.n), remaining)
		remaining -= k
		if k > 0 {
			u, err := e.quotaUnits(cr, pc, &en.q.first, "quota.units", q.Units)
			if err != nil {
				return err
			}
			e.add(q.Total, pc, cr, u, int(k), q.Units.ReadsWarheads(), first)
		}
		if rest := int64(pc.n) - k; rest > 0 {
			u, err := e.quotaUnits(cr, pc, &en.q.rest, "quota.rest", q.Rest)
			if err != nil {
				return err
			}
			e.add(q.Total, pc, cr, u, int(rest), q.Rest.ReadsWarheads(), beyond)
		}
	}
	return nil
}

// quotaUnits evaluates a quota's units for pc once per outcome. An error
// is not kept: it names the group it happened on.
func (e *engine) quotaUnits(cr *expr.Rule, pc *piece, v *lazyInt, where string, s expr.Slot) (int64, error) {
	if v.ok {
		return v.v, nil
	}
	e.setItem(pc)
	u, err := e.evalInt(cr, where, s)
	if err != nil {
		return 0, err
	}
	v.v, v.ok = u, true
	return u, nil
}

// tieBreak orders groups that a quota's order ranks equal, independently
// of the order of groups in the state where it can: by type, site,
// status, loading, attributes, origin, and last their place.
func (e *engine) tieBreak(i, j int) int {
	a, b := e.groups[i], e.groups[j]
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	if c := strings.Compare(a.Site, b.Site); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.Status), string(b.Status)); c != 0 {
		return c
	}
	if a.Warheads != b.Warheads {
		return b.Warheads - a.Warheads
	}
	if c := strings.Compare(e.groupAttrsKey(a), e.groupAttrsKey(b)); c != 0 {
		return c
	}
	if c := strings.Compare(a.Origin, b.Origin); c != 0 {
		return c
	}
	return i - j
}
