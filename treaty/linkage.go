package treaty

import (
	"fmt"
	"strings"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/internal/yamlpos"
)

// Linkage ties a treaty's limits to something outside them. A tracked
// category (missile-defense interceptors deployed in a region) carries
// the numbers declared for it over time; a linked clause says what follows
// while a tracked number is above or below a threshold: a party may
// withdraw, or a limit takes another value. ClauseAt says whether a
// clause's condition holds on a date, and LimitWith gives the value a
// limit takes once the clauses that hold are applied.

// TrackedByID returns the tracked category with the given id.
func (t *Treaty) TrackedByID(id string) (*Tracked, bool) {
	i, ok := t.trackIdx[id]
	if !ok {
		return nil, false
	}
	return &t.Tracked[i], true
}

// At returns the number declared for the category on d: the last one
// declared on or before d. ok is false before the first.
func (c *Tracked) At(d civil.Date) (Declared, bool) {
	var out Declared
	found := false
	for _, x := range c.Declared {
		if x.Date > d {
			break
		}
		out, found = x, true
	}
	return out, found
}

// op returns the condition's comparison and threshold ("above", 24).
func (c *Condition) op() (string, int64, bool) {
	switch {
	case c.Above != nil:
		return "above", *c.Above, true
	case c.AtLeast != nil:
		return "at least", *c.AtLeast, true
	case c.Below != nil:
		return "below", *c.Below, true
	case c.AtMost != nil:
		return "at most", *c.AtMost, true
	}
	return "", 0, false
}

// Holds reports whether n meets the condition.
func (c *Condition) Holds(n int64) bool {
	switch {
	case c.Above != nil:
		return n > *c.Above
	case c.AtLeast != nil:
		return n >= *c.AtLeast
	case c.Below != nil:
		return n < *c.Below
	case c.AtMost != nil:
		return n <= *c.AtMost
	}
	return false
}

// Words is the condition in words: "aegis-ashore-cells above 24".
func (c *Condition) Words(t *Treaty) string {
	op, n, _ := c.op()
	name := c.Tracked
	unit := ""
	if tc, ok := t.TrackedByID(c.Tracked); ok {
		name, unit = tc.Name, " "+tc.Unit
	}
	return fmt.Sprintf("%s %s %s%s", name, op, fmtInt(n), unit)
}

// Words is the effect in words: "RU may withdraw; the deployed warheads
// limit becomes 1,675".
func (e *Effect) Words(t *Treaty) string {
	var s []string
	if len(e.Withdraw) > 0 {
		s = append(s, strings.Join(e.Withdraw, " and ")+" may withdraw")
	}
	if e.Limit != "" {
		name := e.Limit
		if l, ok := t.LimitByID(e.Limit); ok {
			name = l.Name
		}
		if e.Max != nil {
			s = append(s, fmt.Sprintf("the %s limit becomes %s", name, limitWords(*e.Max, e.Min)))
		}
	}
	return strings.Join(s, "; ")
}

// ClauseStatus is a linked clause on one date.
type ClauseStatus struct {
	ID   string `json:"id"`
	Says string `json:"says"`
	// Condition and Effect in words.
	Condition string `json:"condition"`
	Effect    string `json:"effect"`
	// Known is false when nothing was declared for the tracked category
	// on or before the date: whether the clause holds cannot be told.
	Known bool `json:"known"`
	Holds bool `json:"holds"`
	// Value is the tracked number on the date, declared on AsOf, with its
	// source.
	Value  int64      `json:"value"`
	Unit   string     `json:"unit,omitempty"`
	AsOf   civil.Date `json:"as_of,omitempty"`
	By     string     `json:"by,omitempty"`
	Source Source     `json:"source"`
	// Text says it all in a line: "holds: 48 launch cells declared on
	// 2023-12-15 (above 24): RU may withdraw".
	Text string `json:"text"`
	// Clause is the clause itself.
	Clause *Clause `json:"-"`
}

// ClauseAt says whether c (one of t.Linked) holds on d, from the number
// declared for its tracked category on or before d.
func (t *Treaty) ClauseAt(c *Clause, d civil.Date) ClauseStatus {
	cs := ClauseStatus{ID: c.ID, Says: c.Says, Condition: c.If.Words(t), Effect: c.Then.Words(t), Clause: c}
	tc, ok := t.TrackedByID(c.If.Tracked)
	if !ok {
		cs.Text = fmt.Sprintf("unknown: no tracked category %q", c.If.Tracked)
		return cs
	}
	cs.Unit = tc.Unit
	x, ok := tc.At(d)
	if !ok {
		cs.Text = fmt.Sprintf("unknown on %s: nothing declared for %s before %s", d, tc.Name, firstDeclared(tc))
		return cs
	}
	cs.Known, cs.Value, cs.AsOf, cs.By, cs.Source = true, x.Value, x.Date, x.By, x.Source
	cs.Holds = c.If.Holds(x.Value)
	op, n, _ := c.If.op()
	by := ""
	if x.By != "" {
		by = " by " + x.By
	}
	if cs.Holds {
		cs.Text = fmt.Sprintf("holds on %s: %s %s declared%s on %s (%s %s): %s", d, fmtInt(x.Value), tc.Unit, by, x.Date, op, fmtInt(n), cs.Effect)
	} else {
		cs.Text = fmt.Sprintf("does not hold on %s: %s %s declared%s on %s (not %s %s)", d, fmtInt(x.Value), tc.Unit, by, x.Date, op, fmtInt(n))
	}
	return cs
}

func firstDeclared(tc *Tracked) string {
	if len(tc.Declared) == 0 {
		return "any date (no numbers declared)"
	}
	return tc.Declared[0].Date.String()
}

// LinkedAt returns every linked clause's status on d, in file order.
func (t *Treaty) LinkedAt(d civil.Date) []ClauseStatus {
	out := make([]ClauseStatus, 0, len(t.Linked))
	for i := range t.Linked {
		out = append(out, t.ClauseAt(&t.Linked[i], d))
	}
	return out
}

// LimitWith returns the value limit l takes on d once the linked clauses
// that hold on d are applied: the last such clause that sets l wins. ok is
// false when no clause changes l; by names the clause that did.
func (t *Treaty) LimitWith(l *Limit, d civil.Date) (max int64, min *int64, by *ClauseStatus, ok bool) {
	for i := range t.Linked {
		c := &t.Linked[i]
		if c.Then.Limit != l.ID || c.Then.Max == nil {
			continue
		}
		cs := t.ClauseAt(c, d)
		if !cs.Holds {
			continue
		}
		max, min, ok = *c.Then.Max, c.Then.Min, true
		by = &cs
	}
	return max, min, by, ok
}

func (v *validator) checkLinkage() {
	t := v.t
	t.trackIdx = map[string]int{}
	seen := v.ids("tracked category")
	for i := range t.Tracked {
		tc := &t.Tracked[i]
		p := yamlpos.Index("tracked", i)
		if !seen.add(p, tc.ID) {
			continue
		}
		t.trackIdx[tc.ID] = i
		if !idPattern.MatchString(tc.ID) {
			v.errorf(yamlpos.Join(p, "id"), "%q is not an id: use lower-case letters, digits and dashes", tc.ID)
		}
		if strings.TrimSpace(tc.Name) == "" {
			v.errorf(yamlpos.Join(p, "name"), "missing: what is tracked, in words")
		}
		if strings.TrimSpace(tc.Unit) == "" {
			v.errorf(yamlpos.Join(p, "unit"), "missing: the unit, plural (interceptors)")
		}
		if tc.Party != "" {
			v.resolveParty(yamlpos.Join(p, "party"), tc.Party)
		}
		for j, x := range tc.Declared {
			dp := yamlpos.Index(yamlpos.Join(p, "declared"), j)
			v.source(dp, x.Source)
			if x.Value < 0 {
				v.errorf(yamlpos.Join(dp, "value"), "must not be negative")
			}
			if j > 0 && x.Date <= tc.Declared[j-1].Date {
				v.errorf(yamlpos.Join(dp, "date"), "%s is not after the previous number's date, %s: list the numbers in date order, one per date", x.Date, tc.Declared[j-1].Date)
			}
		}
	}
	seenC := v.ids("linked clause")
	for i := range t.Linked {
		c := &t.Linked[i]
		p := yamlpos.Index("linked", i)
		seenC.add(p, c.ID)
		if c.ID != "" && !idPattern.MatchString(c.ID) {
			v.errorf(yamlpos.Join(p, "id"), "%q is not an id: use lower-case letters, digits and dashes", c.ID)
		}
		if strings.TrimSpace(c.Says) == "" {
			v.errorf(yamlpos.Join(p, "says"), "missing: the clause in one sentence")
		}
		v.source(p, c.Source)
		ip := yamlpos.Join(p, "if")
		if c.If.Tracked == "" {
			v.errorf(yamlpos.Join(ip, "tracked"), "missing: the id of a tracked category")
		} else if _, ok := t.trackIdx[c.If.Tracked]; !ok {
			var known []string
			for _, x := range t.Tracked {
				known = append(known, x.ID)
			}
			if len(known) == 0 {
				v.errorf(yamlpos.Join(ip, "tracked"), "no tracked category %q: declare it under tracked:", c.If.Tracked)
			} else {
				v.errorf(yamlpos.Join(ip, "tracked"), "no tracked category %q%s", c.If.Tracked, hint(c.If.Tracked, known))
			}
		}
		n := 0
		for _, x := range []*int64{c.If.Above, c.If.AtLeast, c.If.Below, c.If.AtMost} {
			if x != nil {
				n++
				if *x < 0 {
					v.errorf(ip, "the threshold must not be negative")
				}
			}
		}
		if n != 1 {
			v.errorf(ip, "give exactly one of above, at_least, below, at_most (found %d)", n)
		}
		tp := yamlpos.Join(p, "then")
		e := &c.Then
		if len(e.Withdraw) == 0 && e.Limit == "" {
			v.errorf(tp, "say what follows: withdraw (parties that may withdraw), or limit with max, or both")
		}
		for j, name := range e.Withdraw {
			v.resolveParty(yamlpos.Index(yamlpos.Join(tp, "withdraw"), j), name)
		}
		switch {
		case e.Limit != "":
			if _, ok := t.limitIdx[e.Limit]; !ok {
				var known []string
				for _, l := range t.Limits {
					known = append(known, l.ID)
				}
				v.errorf(yamlpos.Join(tp, "limit"), "no limit %q%s", e.Limit, hint(e.Limit, known))
			}
			if e.Max == nil {
				v.errorf(tp, "limit %s: give the max it takes while the condition holds", e.Limit)
			} else {
				v.bounds(tp, *e.Max, e.Min)
			}
		case e.Max != nil || e.Min != nil:
			v.errorf(tp, "max and min need limit: the id of the limit they change")
		}
	}
}
