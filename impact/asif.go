package impact

import (
	"fmt"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/treaty"
)

// AsIf says how to read a treaty or proposal as if it bound: from an
// assumed entry into force (a proposal or a framework never enters into
// force, so its limits written as "84 months after entry into force" have
// no date until one is assumed) and, with Low, at the low end of its
// ranges ("what if the low end of the 2009 Joint Understanding had been
// the treaty?").
type AsIf struct {
	// EntryIntoForce, when set, is taken as the day the treaty entered
	// into force; limits counted from entry into force start from it.
	// When nil, a treaty's own dates apply and a proposal never binds.
	EntryIntoForce *civil.Date `json:"entry_into_force,omitempty"`
	// Low takes the lower end of each range as its maximum.
	Low bool `json:"low,omitempty"`
}

// Bound is the value of a limit on one date under an AsIf.
type Bound struct {
	Max int64  `json:"max"`
	Min *int64 `json:"min,omitempty"`
	// Binding: the limit binds on the date (as if, under an assumed entry
	// into force). Why says why not, or what was assumed.
	Binding bool   `json:"binding"`
	Why     string `json:"why,omitempty"`
	// Since says from when the value applies.
	Since string `json:"since,omitempty"`
	// Linked names the linked clause that set the value, if one did.
	Linked string `json:"linked,omitempty"`
}

// Bound returns the value of l (one of t.Limits) on d.
func (a AsIf) Bound(t *treaty.Treaty, l *treaty.Limit, d civil.Date) Bound {
	var b Bound
	if a.EntryIntoForce == nil {
		ls := t.LimitAt(l, d)
		b = Bound{Max: ls.Max, Min: ls.Min, Binding: ls.Binding, Since: ls.Since}
		if !ls.Binding {
			b.Why = ls.Reason
		}
	} else {
		eif := *a.EntryIntoForce
		steps := t.StepsFrom(l, eif)
		cur := -1
		for i, st := range steps {
			if st.Known && st.Start <= d {
				cur = i
			}
		}
		pick := max(cur, 0)
		st := steps[pick]
		b = Bound{Max: st.Max, Min: st.Min, Since: st.How}
		switch {
		case d < eif:
			b.Why = fmt.Sprintf("as if in force from %s: not yet in force", eif)
		case cur < 0:
			b.Why = fmt.Sprintf("as if in force from %s: the limit would apply %s (%s)", eif, st.Start, st.How)
		case l.Until != nil && d >= *l.Until:
			b.Why = fmt.Sprintf("the limit bound until %s", *l.Until)
		default:
			b.Binding = true
		}
	}
	if max, min, by, ok := t.LimitWith(l, d); ok {
		b.Max, b.Min, b.Linked = max, min, by.ID
	}
	if a.Low && b.Min != nil {
		b.Max, b.Min = *b.Min, nil
	}
	return b
}

// Assumptions says what a is, in words, for t.
func (a AsIf) Assumptions(t *treaty.Treaty) []string {
	var out []string
	if a.EntryIntoForce != nil {
		if t.Dates.EntryIntoForce != nil {
			out = append(out, fmt.Sprintf("%s taken to enter into force on %s, not on %s", t.ID, *a.EntryIntoForce, t.Dates.EntryIntoForce.Date))
		} else {
			out = append(out, fmt.Sprintf("%s taken to enter into force on %s (a %s never does); its limits bind as written from that day", t.ID, *a.EntryIntoForce, t.Kind))
		}
	}
	if a.Low {
		out = append(out, "each range read at its low end: the lower bound taken as the maximum")
	}
	return out
}
