package exchange

import (
	"fmt"
	"sort"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/forces"
)

// The kinds of discrepancy between a declaration and the state the
// notifications before it leave.
const (
	// DiffStatus, DiffSite, DiffKind, DiffType: a declared item whose
	// status (site, kind, type) is not what its last notification left.
	DiffStatus = "status"
	DiffSite   = "site"
	DiffKind   = "kind"
	DiffType   = "type"
	// DiffUnknown: a declared UID no notification brought into
	// accountability by the as-of date.
	DiffUnknown = "unknown-uid"
	// DiffMissing: an item the notifications leave in accountability that
	// the declaration does not list.
	DiffMissing = "missing-uid"
	// DiffEliminated: a declared item that a notification eliminated.
	DiffEliminated = "eliminated-uid"
	// DiffBase: warheads declared at a base where the notifications leave
	// no deployed missile.
	DiffBase = "base-warheads"
	// DiffTotal: a declared total that is not what counting the state
	// under the treaty gives.
	DiffTotal = "total"
)

// Discrepancy is one difference between a declaration and the state the
// party's notifications before it leave, with both sides.
type Discrepancy struct {
	Kind string `json:"kind"`
	UID  string `json:"uid,omitempty"`
	// Field is where the declaration says it ("body.groups[3].uids[7]",
	// "part 2: ..." for a declaration in parts, "body.totals[0]").
	Field string `json:"field,omitempty"`
	// Declared is what the declaration says; Replayed what the
	// notifications leave.
	Declared *Side `json:"declared,omitempty"`
	Replayed *Side `json:"replayed,omitempty"`
	// LastChange is the notification that last changed the item before
	// the declaration, and its date.
	LastChange *Ref       `json:"last_change,omitempty"`
	Since      civil.Date `json:"since,omitempty"`
	Detail     string     `json:"detail"`
}

// Side is one side of a discrepancy: an item as one side has it, or a
// number (a total, the warheads at a base).
type Side struct {
	Kind   forces.Kind   `json:"kind,omitempty"`
	Type   string        `json:"type,omitempty"`
	Status forces.Status `json:"status,omitempty"`
	Site   string        `json:"site,omitempty"`
	Value  *int64        `json:"value,omitempty"`
}

func num(v int64) *int64 { return &v }

type declItem struct {
	path string
	kind forces.Kind
	typ  string
	st   forces.Status
	site string
}

// declare checks a complete declaration against the items as the
// notifications before it leave them, and derives the loadings its
// warheads per base give the deployed missiles.
func (b *Book) declare(s *step) *DeclarationRecord {
	c := s.decl
	d := c.decl
	first := c.parts[0]
	rec := &DeclarationRecord{Kind: c.kind, AsOf: d.AsOf, First: first.index, Last: s.index,
		FirstSeq: first.seq, LastSeq: s.s.Seq, Parts: len(c.parts), Declaration: d}
	before := first.index
	if c.kind == InitialDeclaration {
		before = s.index + 1 // it declares its own items
	}
	declared := map[string]*declItem{}
	var order []string
	for pi, p := range c.parts {
		for gi, g := range p.decl.Groups {
			typ := g.Type
			if r, err := b.types().Resolve(g.Type); err == nil {
				typ = r.Type.Name
			}
			for ui, u := range g.UIDs {
				path := fmt.Sprintf("body.groups[%d].uids[%d]", gi, ui)
				if len(c.parts) > 1 {
					path = fmt.Sprintf("part %d: %s", pi+1, path)
				}
				declared[u] = &declItem{path: path, kind: g.Kind, typ: typ, st: g.Status, site: g.Site}
				order = append(order, u)
			}
		}
	}
	rec.Items = len(order)
	var diffs []Discrepancy
	if c.kind == PeriodicDeclaration {
		for _, u := range order {
			di := declared[u]
			dside := &Side{Kind: di.kind, Type: di.typ, Status: di.st, Site: di.site}
			h := b.items[u]
			var r *rev
			if h != nil {
				r = h.at(d.AsOf, before)
			}
			if r == nil {
				diffs = append(diffs, Discrepancy{Kind: DiffUnknown, UID: u, Field: di.path, Declared: dside,
					Detail: fmt.Sprintf("item %s is declared, but no notification before the declaration brought it into accountability by %s", u, d.AsOf)})
				continue
			}
			rside := &Side{Kind: h.kind, Type: h.typ, Status: r.status, Site: r.site}
			last := &Ref{Party: b.party.ID, Seq: r.seq}
			if r.status == forces.Eliminated {
				diffs = append(diffs, Discrepancy{Kind: DiffEliminated, UID: u, Field: di.path, Declared: dside, Replayed: rside, LastChange: last, Since: r.date,
					Detail: fmt.Sprintf("item %s is declared %s, but seq %d eliminated it on %s", u, di.st, r.seq, r.date)})
				continue
			}
			for _, f := range []struct {
				kind, what string
				decl, repl string
			}{
				{DiffKind, "a", string(di.kind), string(h.kind)},
				{DiffType, "of type", di.typ, h.typ},
				{DiffStatus, "", string(di.st), string(r.status)},
				{DiffSite, "at", di.site, r.site},
			} {
				if f.decl == f.repl {
					continue
				}
				detail := fmt.Sprintf("item %s is declared %s %s, but its last change (seq %d, %s) left it %s %s", u, f.what, orNone(f.decl), r.seq, r.date, f.what, orNone(f.repl))
				if f.what == "" {
					detail = fmt.Sprintf("item %s is declared %s, but its last change (seq %d, %s) made it %s", u, f.decl, r.seq, r.date, f.repl)
				}
				diffs = append(diffs, Discrepancy{Kind: f.kind, UID: u, Field: di.path, Declared: dside, Replayed: rside, LastChange: last, Since: r.date, Detail: detail})
			}
		}
		var missing []string
		for u, h := range b.items {
			if _, ok := declared[u]; ok {
				continue
			}
			if r := h.at(d.AsOf, before); r != nil && r.status != forces.Eliminated {
				missing = append(missing, u)
			}
		}
		sort.Strings(missing)
		for _, u := range missing {
			h := b.items[u]
			r := h.at(d.AsOf, before)
			diffs = append(diffs, Discrepancy{Kind: DiffMissing, UID: u, Replayed: &Side{Kind: h.kind, Type: h.typ, Status: r.status, Site: r.site},
				LastChange: &Ref{Party: b.party.ID, Seq: r.seq}, Since: r.date,
				Detail: fmt.Sprintf("item %s (%s %s %s) is in accountability after seq %d (%s) but not declared", u, h.kind, h.typ, r.status, r.seq, r.date)})
		}
	}

	// Loadings: the warheads per base spread over the deployed missiles
	// there, as the notifications leave them on the as-of date.
	bases := map[string][]string{}
	for u, h := range b.items {
		if !h.kind.IsMissile() {
			continue
		}
		if r := h.at(d.AsOf, before); r != nil && r.status == forces.Deployed {
			bases[r.site] = append(bases[r.site], u)
		}
	}
	heads := map[string]int{}
	perBase := map[string]int{}
	for i, w := range d.Warheads {
		perBase[w.Site] = w.Warheads
		us := bases[w.Site]
		if len(us) == 0 {
			if w.Warheads > 0 {
				diffs = append(diffs, Discrepancy{Kind: DiffBase, Field: fmt.Sprintf("body.warheads[%d]", i),
					Declared: &Side{Site: w.Site, Value: num(int64(w.Warheads))}, Replayed: &Side{Site: w.Site, Value: num(0)},
					Detail: fmt.Sprintf("%d warheads are declared at %s, where the notifications leave no deployed missile on %s", w.Warheads, orNone(w.Site), d.AsOf)})
			}
			continue
		}
	}
	siteNames := make([]string, 0, len(bases))
	for site := range bases {
		siteNames = append(siteNames, site)
	}
	sort.Strings(siteNames)
	byValue := map[int][]string{}
	for _, site := range siteNames {
		us := bases[site]
		sort.Strings(us)
		w := perBase[site]
		q, r := w/len(us), w%len(us)
		for i, u := range us {
			n := q
			if i < r {
				n++
			}
			heads[u] = n
			byValue[n] = append(byValue[n], u)
		}
	}
	values := make([]int, 0, len(byValue))
	for v := range byValue {
		values = append(values, v)
	}
	sort.Ints(values)
	for _, v := range values {
		us := byValue[v]
		sort.Strings(us)
		n := v
		s.ap.Events = append(s.ap.Events, forces.Event{Date: d.AsOf, Op: forces.OpLoad, UIDs: us, Warheads: &n,
			Note: fmt.Sprintf("warheads per base of the %s as of %s, spread over the deployed missiles there", c.kind, d.AsOf)})
	}

	// Totals.
	if len(d.Totals) > 0 && b.cfg.Treaty != nil {
		res, err := count.Evaluate(b.cfg.Treaty, b.stateAt(d.AsOf, before, heads), d.AsOf)
		for i, t := range d.Totals {
			field := fmt.Sprintf("body.totals[%d]", i)
			if err != nil {
				diffs = append(diffs, Discrepancy{Kind: DiffTotal, Field: field, Declared: &Side{Value: num(t.Value)},
					Detail: fmt.Sprintf("total %s: the state cannot be counted under %s: %v", t.Total, b.cfg.Treaty.ID, err)})
				continue
			}
			got, ok := res.Total(t.Total)
			if !ok {
				diffs = append(diffs, Discrepancy{Kind: DiffTotal, Field: field, Declared: &Side{Value: num(t.Value)},
					Detail: fmt.Sprintf("%q is not a total of %s", t.Total, b.cfg.Treaty.ID)})
				continue
			}
			if got != t.Value {
				diffs = append(diffs, Discrepancy{Kind: DiffTotal, Field: field, Declared: &Side{Value: num(t.Value)}, Replayed: &Side{Value: num(got)},
					Detail: fmt.Sprintf("%s: declared %d, the items as notified (with the declared warheads per base) count %d under %s", t.Total, t.Value, got, b.cfg.Treaty.ID)})
			}
		}
	}
	rec.Discrepancies = diffs
	return rec
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// stateAt builds the party's forces on date d as the notifications before
// index left them, with the given warheads on deployed missiles.
func (b *Book) stateAt(d civil.Date, before uint64, heads map[string]int) *forces.State {
	type gkey struct {
		kind       forces.Kind
		typ        string
		status     forces.Status
		site       string
		carrier    string
		warheads   int
		converting bool
		attrs      string
	}
	groups := map[gkey]*forces.Group{}
	for u, h := range b.items {
		r := h.at(d, before)
		if r == nil || r.status == forces.Eliminated {
			continue
		}
		it, _ := b.inv.Item(u)
		w := forces.NoLoading
		if h.kind.IsMissile() {
			w = heads[u]
		}
		k := gkey{h.kind, h.typ, r.status, r.site, r.carrier, w, r.converting, it.Attrs.Key()}
		g := groups[k]
		if g == nil {
			g = &forces.Group{Kind: h.kind, Type: h.typ, Status: r.status, Site: r.site, Carrier: r.carrier,
				Warheads: w, Converting: r.converting, Attrs: it.Attrs}
			groups[k] = g
		}
		g.UIDs = append(g.UIDs, u)
		g.Count++
	}
	s := &forces.State{Party: b.party.ID, Date: d}
	for _, g := range groups {
		sort.Strings(g.UIDs)
		s.Groups = append(s.Groups, g)
	}
	sort.Slice(s.Groups, func(i, j int) bool { return s.Groups[i].UIDs[0] < s.Groups[j].UIDs[0] })
	return s
}
