package aggregates

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/impact"
	"github.com/tally-project/tally/treaty"
)

// Reads says which of New START's totals a total of t counts, if any.
// A total counts what New START's total X counts when the rules that add
// to it are New START's rules for X: the same conditions, the same units,
// the same parties, no quota, and the same containment for the kinds they
// match. Ids do not matter (the 2009 Joint Understanding's
// delivery-vehicles counts exactly what New START's deployed vehicles
// count); rules do (a proposal that reuses the id deployed-warheads but
// counts a bomber's ALCMs cannot be read from the aggregates). why says,
// when no total matches, what differs.
func Reads(t *treaty.Treaty, total string) (newStart string, why string) {
	ns, err := treaty.Lookup("new-start")
	if err != nil {
		return "", "the bundled new-start treaty does not load: " + err.Error()
	}
	sig, why := signature(t, total)
	if why != "" {
		return "", why
	}
	for _, id := range Totals {
		if nsig, _ := signature(ns, id); strings.Join(nsig, "; ") == strings.Join(sig, "; ") {
			return id, ""
		}
	}
	// Say how it differs from the New START total of the same id.
	if _, ok := ns.TotalByID(total); !ok {
		return "", fmt.Sprintf("its rules count something none of New START's three totals counts: %s", strings.Join(sig, "; "))
	}
	nsig, _ := signature(ns, total)
	mine, theirs := difference(sig, nsig), difference(nsig, sig)
	return "", fmt.Sprintf("counted by other rules than New START's %s: %s, where New START has %s", total, strings.Join(mine, "; "), strings.Join(theirs, "; "))
}

// difference is the parts of a not in b.
func difference(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return []string{"nothing else"}
	}
	return out
}

// signature is what the rules adding to total count, in a canonical form.
func signature(t *treaty.Treaty, total string) ([]string, string) {
	var parts []string
	kinds := map[forces.Kind]bool{}
	set := t.Compiled()
	for i := range t.Rules {
		r := &t.Rules[i]
		if q := r.Quota; q != nil && q.Total == total {
			return nil, fmt.Sprintf("rule %s gives %s by a quota (the first N items), which totals cannot replay", r.ID, total)
		}
		u, ok := r.Counts[total]
		if !ok {
			continue
		}
		ps := append([]string(nil), r.Parties...)
		sort.Strings(ps)
		parts = append(parts, fmt.Sprintf("when %s counts %s for %s", norm(string(r.When)), norm(string(u)), orAll(ps)))
		for _, cr := range set.Rules {
			if cr.Index == i {
				ks := cr.When.Kinds()
				if ks == nil {
					ks = t.Covers
				}
				for _, k := range ks {
					kinds[k] = true
				}
			}
		}
	}
	if len(parts) == 0 {
		return nil, fmt.Sprintf("no rule counts toward %s", total)
	}
	sort.Strings(parts)
	// The containment those kinds take part in.
	for _, c := range t.Containment {
		if !kinds[c.Item] && !kinds[c.In] {
			continue
		}
		st := make([]string, len(c.Statuses))
		for i, s := range c.Statuses {
			st[i] = string(s)
		}
		sort.Strings(st)
		parts = append(parts, fmt.Sprintf("%s in %s (match %s, statuses %s, assumed %v)", c.Item, c.In, orDefault(c.Match, "type"), orDefault(strings.Join(st, ","), "deployed"), c.AssumeLoaded))
	}
	return parts, ""
}

func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

func orAll(ps []string) string {
	if len(ps) == 0 {
		return "all parties"
	}
	return strings.Join(ps, ",")
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Limit is one limit of the evaluated treaty and whether the aggregates
// can judge it.
type Limit struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Total string `json:"total"`
	// Reads is the New START total the aggregates give for it; Why says
	// why none does.
	Reads string `json:"reads,omitempty"`
	Why   string `json:"why,omitempty"`
}

// Value is one limit at one exchange for one party.
type Value struct {
	Limit string `json:"limit"`
	// Total is the declared total; nil when the source gave none.
	Total *int64       `json:"total"`
	Bound impact.Bound `json:"bound"`
	// Within is Total <= Bound.Max, nil when Total is.
	Within *bool `json:"within"`
	// Over is Total - Max when over, else 0.
	Over int64 `json:"over"`
}

// Point is one party at one exchange.
type Point struct {
	Date civil.Date `json:"date"`
	// Party is as the data name it; PartyID is the treaty's id for it.
	Party   string  `json:"party"`
	PartyID string  `json:"party_id"`
	Values  []Value `json:"values"`
	Source  string  `json:"source"`
	Notes   string  `json:"notes,omitempty"`
	Derived bool    `json:"derived,omitempty"`
}

// Result is a treaty evaluated on the aggregates.
type Result struct {
	Treaty string      `json:"treaty"`
	Title  string      `json:"title"`
	AsIf   impact.AsIf `json:"as_if"`
	// Assumptions says what was assumed, in words.
	Assumptions []string `json:"assumptions"`
	// Limits are every limit of the treaty: those the aggregates judge
	// (Reads set) and those they cannot (Why set).
	Limits []Limit  `json:"limits"`
	Points []Point  `json:"points"`
	Notes  []string `json:"notes,omitempty"`
}

// Evaluate judges the limits of t that the aggregates can give at each of
// rows' dates, per party, under as. Rows of parties that are not parties
// to t are left out, and said so in Notes.
func Evaluate(t *treaty.Treaty, rows []Row, as impact.AsIf) (*Result, error) {
	res := &Result{Treaty: t.ID, Title: t.Title(), AsIf: as, Assumptions: as.Assumptions(t)}
	res.Assumptions = append(res.Assumptions,
		"totals as the parties declared them at each exchange (the official aggregates); no items, so only limits on totals counted as New START counts them can be judged")
	var judged []int
	for i := range t.Limits {
		l := &t.Limits[i]
		reads, why := Reads(t, l.Total)
		res.Limits = append(res.Limits, Limit{ID: l.ID, Name: l.Name, Total: l.Total, Reads: reads, Why: why})
		if reads != "" {
			judged = append(judged, i)
		}
	}
	if len(judged) == 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("none of %s's limits can be judged from totals alone", t.ID))
	}
	skipped := map[string]bool{}
	for _, row := range rows {
		p, ok := t.Party(row.Party)
		if !ok {
			if !skipped[row.Party] {
				skipped[row.Party] = true
				res.Notes = append(res.Notes, fmt.Sprintf("rows of %s left out: not a party to %s", row.Party, t.ID))
			}
			continue
		}
		pt := Point{Date: row.Date, Party: row.Party, PartyID: p.ID, Source: row.Source, Notes: row.Notes, Derived: row.Derived}
		for _, i := range judged {
			l := &t.Limits[i]
			v := Value{Limit: l.ID, Bound: as.Bound(t, l, row.Date)}
			if n, ok := row.Totals[res.Limits[i].Reads]; ok {
				v.Total = &n
				in := n <= v.Bound.Max
				v.Within = &in
				if !in {
					v.Over = n - v.Bound.Max
				}
			}
			pt.Values = append(pt.Values, v)
		}
		res.Points = append(res.Points, pt)
	}
	return res, nil
}
