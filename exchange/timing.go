package exchange

import (
	"fmt"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/treaty"
)

// Deadline is when a notification is due under the treaty's timing rules.
type Deadline struct {
	// Rule is the id of the treaty's notification rule (six-month-update).
	Rule string `json:"rule"`
	// Due is the last day on which it may be provided (GMT, as New START
	// Part Four §I has it); it is late if provided after the end of that
	// day.
	Due civil.Date `json:"due"`
}

// By is the instant after which a notification is late: the end of Due.
func (d *Deadline) By() time.Time { return d.Due.AddDays(1).Time() }

// Late reports whether a notification provided at t is late.
func (d *Deadline) Late(t time.Time) bool { return d != nil && t.After(d.By()) }

// rule returns the treaty's first rule of a kind (initial, periodic,
// change), or nil.
func rule(t *treaty.Treaty, kind string) *treaty.Notification {
	if t == nil {
		return nil
	}
	for i := range t.Notifications {
		if t.Notifications[i].Kind == kind {
			return &t.Notifications[i]
		}
	}
	return nil
}

// DeadlineOf is the deadline of a notification of kind k effective on
// date eff under treaty t: for the initial declaration, days after entry
// into force; for a periodic one, days after its as-of day; for an item
// notification, days after the change. Nil when no rule times it.
func DeadlineOf(t *treaty.Treaty, k Kind, eff civil.Date) *Deadline {
	s := kinds[k]
	if s == nil || s.rule == "" {
		return nil
	}
	r := rule(t, s.rule)
	if r == nil {
		return nil
	}
	base := eff
	if s.rule == ruleInitial && t.Dates.EntryIntoForce != nil {
		base = t.Dates.EntryIntoForce.Date
	}
	return &Deadline{Rule: r.ID, Due: base.AddDays(r.WithinDays)}
}

// checkAsOf checks a declaration's as-of date against the treaty: the
// initial database is as of entry into force, a periodic one as of one of
// the rule's days, or of the reduction deadline, after entry into force.
func checkAsOf(t *treaty.Treaty, k Kind, asOf civil.Date) string {
	if t == nil {
		return ""
	}
	var eif civil.Date
	hasEIF := t.Dates.EntryIntoForce != nil
	if hasEIF {
		eif = t.Dates.EntryIntoForce.Date
	}
	switch k {
	case InitialDeclaration:
		if r := rule(t, ruleInitial); r != nil && hasEIF && asOf != eif {
			return fmt.Sprintf("the initial database is as of entry into force, %s (treaty %s, rule %s), not %s", eif, t.ID, r.ID, asOf)
		}
	case PeriodicDeclaration:
		r := rule(t, rulePeriodic)
		if r == nil {
			return ""
		}
		if hasEIF && asOf < eif {
			return fmt.Sprintf("%s is before entry into force (%s)", asOf, eif)
		}
		if len(r.AsOf) == 0 {
			return ""
		}
		// The day the central limits apply is a day of data too: under
		// New START both parties declared their forces as of 5 February
		// 2018, the reduction deadline, and those are the official figures
		// of that period (newstart_aggregates.csv has them in place of a
		// 1 March 2018 update). Which treaty provision called for that
		// exchange is not confirmed here [R].
		if rd := t.Dates.ReductionDeadline; rd != nil && asOf == rd.Date {
			return ""
		}
		_, m, d := asOf.Ymd()
		md := fmt.Sprintf("%02d-%02d", int(m), d)
		for _, x := range r.AsOf {
			if x == md {
				return ""
			}
		}
		return fmt.Sprintf("periodic data are as of %v each year (treaty %s, rule %s), not %s", r.AsOf, t.ID, r.ID, asOf)
	}
	return ""
}

// warheadsExcluded reports whether the treaty's change rule says warhead
// numbers may not change by a change notification, and names the rule.
func warheadsExcluded(t *treaty.Treaty) (string, bool) {
	r := rule(t, ruleChange)
	if r == nil {
		return "", false
	}
	for _, x := range r.Excludes {
		if x == "warheads" {
			return r.ID, true
		}
	}
	return "", false
}
