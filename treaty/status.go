package treaty

import (
	"fmt"
	"strconv"

	"github.com/tally-project/tally/civil"
)

// StatusCode says whether a treaty is in force on a date, or why not.
type StatusCode string

// The treaty status codes.
const (
	InForce       StatusCode = "in-force"
	NotYetInForce StatusCode = "not-yet-in-force"
	// NeverInForce: a framework or proposal, or a treaty that never
	// entered into force.
	NeverInForce StatusCode = "never-in-force"
	Superseded   StatusCode = "superseded"
	Expired      StatusCode = "expired"
)

// Status is a treaty's standing on one date.
type Status struct {
	InForce bool       `json:"in_force"`
	Code    StatusCode `json:"code"`
	// Reason says why it is not in force, in words.
	Reason string `json:"reason,omitempty"`
}

// Status returns whether the treaty is in force on d, and why not.
// Expiry is the first day with no treaty; supersession takes effect on its
// date.
func (t *Treaty) Status(d civil.Date) Status {
	dt := &t.Dates
	if dt.EntryIntoForce == nil {
		switch t.Kind {
		case KindFramework:
			return Status{Code: NeverInForce, Reason: "a framework, never in force: it set out terms for a treaty and bound no one"}
		case KindProposal:
			return Status{Code: NeverInForce, Reason: "a proposal, never agreed or in force: within and margin show what it would require"}
		}
		return Status{Code: NeverInForce, Reason: "never entered into force"}
	}
	if d < dt.EntryIntoForce.Date {
		return Status{Code: NotYetInForce, Reason: fmt.Sprintf("not yet in force: it enters into force on %s", dt.EntryIntoForce.Date)}
	}
	if s := dt.SupersededBy; s != nil && d >= s.Date {
		return Status{Code: Superseded, Reason: fmt.Sprintf("superseded by %s on %s", s.Treaty, s.Date)}
	}
	if e := dt.Expiry; e != nil && d >= e.Date {
		return Status{Code: Expired, Reason: fmt.Sprintf("expired on %s: there is no treaty from that day on", e.Date)}
	}
	return Status{InForce: true, Code: InForce}
}

// LimitCode says whether a limit binds on a date, or why not.
type LimitCode string

// The limit status codes; a treaty-level reason (NotYetInForce, ...) is
// given as the treaty's StatusCode.
const (
	Binding LimitCode = "binding"
	// NotYetApplicable: the treaty is in force, the limit applies later.
	NotYetApplicable LimitCode = "not-yet-applicable"
	// PhaseNotReached: the limit's first phase has not started.
	PhaseNotReached LimitCode = "phase-not-reached"
	// Lapsed: the limit stopped binding before the treaty ended.
	Lapsed LimitCode = "lapsed"
)

// LimitStatus is a limit's standing on one date: whether it binds, and
// the value that applies (the phase in force, or the next one to come, or
// the last one that applied).
type LimitStatus struct {
	Binding bool      `json:"binding"`
	Code    LimitCode `json:"code"`
	Reason  string    `json:"reason,omitempty"`
	Max     int64     `json:"max"`
	Min     *int64    `json:"min"`
	// Phase names the phase the value comes from ("phase 1", "final");
	// empty for a limit without phases.
	Phase string `json:"phase,omitempty"`
	// Since says from when the value applies ("from 2018-02-05", "36
	// months after entry into force").
	Since string `json:"since,omitempty"`
	// Source is the source of the value.
	Source Source `json:"source"`
}

// LimitAt returns whether l binds on d and the value that applies. l must
// be one of t.Limits.
func (t *Treaty) LimitAt(l *Limit, d civil.Date) LimitStatus {
	i, ok := t.limitIdx[l.ID]
	if !ok || &t.Limits[i] != l {
		return LimitStatus{Code: LimitCode(NeverInForce), Reason: "not a limit of " + t.ID, Max: l.Max, Min: l.Min, Source: l.Source}
	}
	s := t.starts[i]
	// The value: the last step started by d; before any, the first.
	cur := -1
	for j, st := range s.steps {
		if st.known && st.start <= d {
			cur = j
		}
	}
	pick := cur
	if pick < 0 {
		pick = 0
	}
	st := s.steps[pick]
	ls := LimitStatus{Max: st.max, Min: st.min, Phase: st.name, Since: when(st), Source: st.src}
	first := s.steps[0]

	ts := t.Status(d)
	if !ts.InForce {
		ls.Code, ls.Reason = LimitCode(ts.Code), ts.Reason
		switch ts.Code {
		case Superseded:
			sup := t.Dates.SupersededBy
			if !first.known || first.start >= sup.Date {
				ls.Reason = fmt.Sprintf("superseded by %s on %s, before this limit was to bind (%s), so it never bound", sup.Treaty, sup.Date, when(first))
			}
		case NotYetInForce:
			if first.known && first.start > t.Dates.EntryIntoForce.Date {
				ls.Reason += fmt.Sprintf("; the limit applies %s", when(first))
			}
		}
		return ls
	}
	if s.until != nil && d >= *s.until {
		ls.Code, ls.Reason = Lapsed, fmt.Sprintf("the limit bound until %s (the last day was %s)", *s.until, s.until.AddDays(-1))
		return ls
	}
	if cur < 0 {
		if len(s.steps) > 1 {
			ls.Code = PhaseNotReached
			ls.Reason = fmt.Sprintf("phase not reached: %s (max %s) applies %s", first.name, fmtInt(first.max), when(first))
		} else {
			ls.Code = NotYetApplicable
			ls.Reason = fmt.Sprintf("the limit applies %s", when(first))
		}
		if sup := t.Dates.SupersededBy; sup != nil && first.known && first.start >= sup.Date {
			ls.Reason += fmt.Sprintf(" (it never did: superseded by %s on %s)", sup.Treaty, sup.Date)
		}
		return ls
	}
	ls.Binding, ls.Code = true, Binding
	return ls
}

// when renders a step's start: "from 2018-02-05", or "from 1997-12-05 (36
// months after entry into force)".
func when(st step) string {
	switch {
	case !st.known:
		return st.how + " (which never came)"
	case st.how == "from "+st.start.String():
		return st.how
	}
	return fmt.Sprintf("from %s (%s)", st.start, st.how)
}

// fmtInt writes n with thousands separators: 1,550.
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := false
	if n < 0 {
		neg, s = true, s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// FormatInt writes n with thousands separators (1,550), as reports do.
func FormatInt(n int64) string { return fmtInt(n) }
