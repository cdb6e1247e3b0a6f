package expr

import "github.com/tally-project/tally/forces"

// Set is the compiled form of one treaty's rules, built once when the
// treaty is loaded and read-only after. Indexes refer to the treaty's
// Totals, Rules and Containment slices.
type Set struct {
	// Exprs are every compiled expression; a Slot's Index is its place
	// here, so that an evaluation can keep one memo per expression.
	Exprs []*Expr
	Rules []*Rule
	// ByKind lists, per kind, the rules that can match it, in file order.
	ByKind map[forces.Kind][]*Rule
	// KindReads is what the rules of each kind read together (Finish).
	KindReads map[forces.Kind]ReadSet
	Pairs     []*Pair
}

// Slot is an expression and its index in Set.Exprs.
type Slot struct {
	*Expr
	Index int
}

// Add appends x to the set's expressions and returns its slot.
func (s *Set) Add(x *Expr) Slot {
	s.Exprs = append(s.Exprs, x)
	return Slot{Expr: x, Index: len(s.Exprs) - 1}
}

// Rule is one counting rule ready to evaluate.
type Rule struct {
	Index int // in the treaty's Rules
	// Parties are the party ids the rule applies to; nil means all.
	Parties map[string]bool
	When    Slot
	Counts  []Count
	Quota   *Quota
	Require []Check
}

// Count is one entry of a rule's counts.
type Count struct {
	Total int // in the treaty's Totals
	Units Slot
	// Path is where the expression is written (rules[0].counts.x).
	Path string
}

// Quota is a rule's quota ready to evaluate.
type Quota struct {
	Total int
	First int64
	Order []Slot
	Desc  []bool
	Units Slot
	Rest  Slot
}

// Check is one requirement of a rule.
type Check struct {
	Index int // in the rule's Require
	Cond  Slot
}

// Pair is one containment pair.
type Pair struct {
	Index        int // in the treaty's Containment
	Item, In     forces.Kind
	ByCarrier    bool
	Statuses     map[forces.Status]bool
	AssumeLoaded bool
}

// Finish computes, once every rule is added, what the rules that can
// match each kind read together: an evaluation memoises a kind's whole
// outcome (every rule's units) by those values.
func (s *Set) Finish() {
	s.KindReads = map[forces.Kind]ReadSet{}
	for k, rules := range s.ByKind {
		var u ReadSet
		for _, r := range rules {
			u = u.Union(r.When.ReadSet)
			for _, c := range r.Counts {
				u = u.Union(c.Units.ReadSet)
			}
			if q := r.Quota; q != nil {
				for _, o := range q.Order {
					u = u.Union(o.ReadSet)
				}
				u = u.Union(q.Units.ReadSet).Union(q.Rest.ReadSet)
			}
			for _, c := range r.Require {
				u = u.Union(c.Cond.ReadSet)
			}
		}
		s.KindReads[k] = u
	}
}
