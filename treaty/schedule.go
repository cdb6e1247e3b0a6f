package treaty

import (
	"fmt"

	"github.com/tally-project/tally/civil"
)

// LimitStep is one value of a limit and the day it starts to bind: a
// phase, or the final value.
type LimitStep struct {
	// Name is the phase's name ("phase 1", "final"); empty for a limit
	// without phases.
	Name string `json:"name,omitempty"`
	// Start is the first day the value binds. Known is false when the
	// start counts from an entry into force that never came (a proposal,
	// a framework): then Start is meaningless.
	Start civil.Date `json:"start"`
	Known bool       `json:"known"`
	// How says how the start is fixed: "from 2018-02-05", "84 months after
	// entry into force".
	How    string `json:"how"`
	Max    int64  `json:"max"`
	Min    *int64 `json:"min,omitempty"`
	Source Source `json:"source"`
	// Assumed is true when Start comes from an assumed entry into force
	// (StepsFrom), not from the treaty's own dates.
	Assumed bool `json:"assumed,omitempty"`
}

// Steps returns l's values in date order, each with the day it starts to
// bind: its phases, then its final value. l must be one of t.Limits.
func (t *Treaty) Steps(l *Limit) []LimitStep {
	return t.steps(l, nil)
}

// StepsFrom is Steps for a treaty taken to enter into force on eif: a
// proposal or a framework, which never does, evaluated as if it had (what
// if the 2009 Joint Understanding had been the treaty?). Starts written as
// months after entry into force, or as entry into force itself, are
// counted from eif and marked Assumed; starts written as dates stay. For a
// treaty that did enter into force, eif replaces its date the same way.
func (t *Treaty) StepsFrom(l *Limit, eif civil.Date) []LimitStep {
	return t.steps(l, &eif)
}

func (t *Treaty) steps(l *Limit, eif *civil.Date) []LimitStep {
	i, ok := t.limitIdx[l.ID]
	if !ok || &t.Limits[i] != l || i >= len(t.starts) {
		return []LimitStep{{Max: l.Max, Min: l.Min, Source: l.Source, How: "not a limit of " + t.ID}}
	}
	var out []LimitStep
	for _, st := range t.starts[i].steps {
		ls := LimitStep{Name: st.name, Start: st.start, Known: st.known, How: st.how, Max: st.max, Min: st.min, Source: st.src}
		if eif != nil && st.rel {
			ls.Start, ls.Known, ls.Assumed = eif.AddMonths(st.months), true, true
			switch {
			case st.months == 0:
				ls.How = fmt.Sprintf("from entry into force, taken as %s", *eif)
			default:
				ls.How = fmt.Sprintf("%s, entry into force taken as %s", st.how, *eif)
			}
		}
		out = append(out, ls)
	}
	return out
}

// Final returns the last of steps: the value the limit settles at.
func Final(steps []LimitStep) LimitStep { return steps[len(steps)-1] }
