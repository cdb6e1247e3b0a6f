package impact

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/tally-project/tally/forces"
)

// A unit is items a measure treats alike: a launcher with the missile in
// it, an empty launcher, or any other item (a bomber, a missile out of
// its launcher, a submarine, a warhead). Units are kept by what counting
// rules can read (kind, type, status, loading, attributes, and site when
// the treaty's rules read it), with a count; measures turn units into
// other units (a loaded silo eliminated becomes a non-deployed missile).
//
// Which missile sits in which launcher is the physical pairing the forces
// invariants guarantee: a deployed missile is in a deployed launcher of
// its type (at its site, when both give one); an explicit carrier UID
// pairs exactly. The most loaded missiles are paired first, as the
// counting engine pairs them.
type unitClass int

const (
	loaded unitClass = iota // a launcher holding a missile
	empty                   // a launcher holding none
	item                    // any other item
)

type unit struct {
	class unitClass
	// l is the launcher (loaded, empty) or the item (item); m the missile
	// in a loaded launcher: a group of the forces, or a changed copy of
	// one; only what rules read of it matters here (never its Count or
	// UIDs). Read only.
	l, m *forces.Group
	// sub is the submarine holding a launch tube, when the tube names it.
	sub   *forces.Group
	count int
	key   string
	// site says whether the key holds the site (the rules read it).
	site bool
	// from is the plan move that made these items what they are (-1:
	// they were so from the start); a move that takes them waits for it.
	from int
}

func (u *unit) kind() forces.Kind { return u.l.Kind }

// warheads on the missile of a loaded launcher.
func (u *unit) warheads() int {
	if u.class != loaded || u.m.Warheads == forces.NoLoading {
		return 0
	}
	return u.m.Warheads
}

// template copies g as a one-item group for a mini state.
func template(g *forces.Group) *forces.Group {
	t := *g
	t.Count, t.UIDs, t.Profile = 1, nil, 0
	return &t
}

// keyer renders attribute sets, once per distinct map: groups of one
// forces share their attribute maps, and rendering one is the costly part
// of a unit's key.
type keyer map[uintptr]string

func (k keyer) attrs(a forces.Attrs) string {
	if len(a) == 0 {
		return ""
	}
	p := uintptr(reflect.ValueOf(a).UnsafePointer())
	if s, ok := k[p]; ok {
		return s
	}
	s := a.Key()
	k[p] = s
	return s
}

// groupKey identifies what rules can read of a group; site only when it
// matters.
func groupKey(b *strings.Builder, g *forces.Group, site bool, k keyer) {
	if g == nil {
		b.WriteString("-|")
		return
	}
	b.WriteString(string(g.Kind))
	b.WriteByte('|')
	b.WriteString(g.Type)
	b.WriteByte('|')
	b.WriteString(string(g.Status))
	b.WriteByte('|')
	if site {
		b.WriteString(g.Site)
	}
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(g.Warheads))
	b.WriteByte('|')
	b.WriteString(k.attrs(g.Attrs))
	if g.Converting {
		b.WriteString("|converting")
	}
	b.WriteByte('#')
}

// keyOf is the unit's key, with or without site.
func (u *unit) keyOf(site bool, k keyer) string {
	var b strings.Builder
	b.WriteByte(byte('0' + u.class))
	groupKey(&b, u.l, site, k)
	groupKey(&b, u.m, site, k)
	if u.sub != nil && len(u.sub.UIDs) > 0 {
		b.WriteString(u.sub.UIDs[0])
	}
	return b.String()
}

// label describes one item of the unit for reports: "Trident II
// deployed SLBM launcher (4 warheads)", "MM-III non-deployed ICBM launcher
// (empty)", "B-52H deployed heavy bomber".
func (u *unit) label() string {
	s := fmt.Sprintf("%s %s %s", u.l.Type, u.l.Status, kindWord(u.l.Kind))
	switch u.class {
	case loaded:
		if w := u.warheads(); w > 0 {
			s += fmt.Sprintf(" (%d warhead%s)", w, plural(int64(w)))
		} else {
			s += " (with a missile)"
		}
	case empty:
		s += " (empty)"
	}
	if u.l.Site != "" && u.site {
		s += " at " + u.l.Site
	}
	if u.sub != nil && len(u.sub.UIDs) > 0 {
		s += " on " + u.sub.UIDs[0]
	}
	return s
}

func kindWord(k forces.Kind) string {
	switch k {
	case forces.ICBMLauncher:
		return "ICBM launcher"
	case forces.SLBMLauncher:
		return "SLBM launcher"
	case forces.ICBM:
		return "ICBM"
	case forces.SLBM:
		return "SLBM"
	case forces.HeavyBomber:
		return "heavy bomber"
	}
	return string(k)
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// gkey is what rules can read of a group, for merging units.
type gkey struct {
	kind       forces.Kind
	typ        string
	status     forces.Status
	site       string
	warheads   int
	attrs      uintptr // the attribute map's identity: the catalogue shares one per type and overrides
	converting bool
}

// ukey is a unit's identity as a map key: cheaper than its string key
// for the thousands of units of a large force.
type ukey struct {
	class unitClass
	l, m  gkey
	sub   string
}

func gk(g *forces.Group, site bool) gkey {
	if g == nil {
		return gkey{}
	}
	x := gkey{kind: g.Kind, typ: g.Type, status: g.Status, warheads: g.Warheads, converting: g.Converting}
	if len(g.Attrs) > 0 {
		x.attrs = uintptr(reflect.ValueOf(g.Attrs).UnsafePointer())
	}
	if site {
		x.site = g.Site
	}
	return x
}

func (u *unit) mapKey(site bool) ukey {
	x := ukey{class: u.class, l: gk(u.l, site), m: gk(u.m, site)}
	if u.sub != nil && len(u.sub.UIDs) > 0 {
		x.sub = u.sub.UIDs[0]
	}
	return x
}

// units splits a state into units, in the state's order.
func units(s *forces.State) []*unit { return splitUnits(s) }

func splitUnits(s *forces.State) []*unit {
	var out []*unit
	var subs map[string]*forces.Group
	type lref struct {
		g    *forces.Group
		room int
		uses []struct {
			m *forces.Group
			n int
		}
	}
	var launchers []*lref
	byBucket := map[string][]*lref{} // kind|type|site → deployed launchers
	byType := map[string][]*lref{}   // kind|type → deployed launchers
	var missiles []*forces.Group
	for _, g := range s.Groups {
		if g == nil || g.Count <= 0 {
			continue
		}
		switch {
		case g.Kind == forces.Submarine:
			if subs == nil {
				subs = map[string]*forces.Group{}
			}
			for _, uid := range g.UIDs {
				subs[uid] = g
			}
			out = append(out, &unit{class: item, l: g, count: g.Count, from: -1})
		case g.Kind.IsLauncher():
			lr := &lref{g: g, room: g.Count}
			launchers = append(launchers, lr)
			if g.Status == forces.Deployed {
				bk := string(g.Kind) + "|" + g.Type
				byType[bk] = append(byType[bk], lr)
				byBucket[bk+"|"+g.Site] = append(byBucket[bk+"|"+g.Site], lr)
			}
		case g.Kind.IsMissile() && g.Status == forces.Deployed:
			missiles = append(missiles, g)
		default:
			out = append(out, &unit{class: item, l: g, count: g.Count, from: -1})
		}
	}
	// The most loaded missiles first, then by position, as the counting
	// engine pairs them.
	sort.SliceStable(missiles, func(i, j int) bool { return missiles[i].Warheads > missiles[j].Warheads })
	launcherOf := func(k forces.Kind) forces.Kind {
		if k == forces.ICBM {
			return forces.ICBMLauncher
		}
		return forces.SLBMLauncher
	}
	left := make([]int, len(missiles))
	fill := func(i int, pool []*lref) {
		for _, lr := range pool {
			if left[i] == 0 {
				return
			}
			if n := min(left[i], lr.room); n > 0 {
				lr.room -= n
				left[i] -= n
				lr.uses = append(lr.uses, struct {
					m *forces.Group
					n int
				}{missiles[i], n})
			}
		}
	}
	for i, m := range missiles {
		left[i] = m.Count
		if m.Site != "" {
			fill(i, byBucket[string(launcherOf(m.Kind))+"|"+m.Type+"|"+m.Site])
		}
	}
	for i, m := range missiles {
		fill(i, byType[string(launcherOf(m.Kind))+"|"+m.Type])
		if left[i] > 0 { // more deployed missiles than launchers: left as items
			out = append(out, &unit{class: item, l: m, count: left[i], from: -1})
		}
	}
	for _, lr := range launchers {
		var sub *forces.Group
		if c := lr.g.Carrier; c != "" && subs[c] != nil {
			sub = template(subs[c])
			sub.UIDs = []string{c}
		}
		for _, use := range lr.uses {
			out = append(out, &unit{class: loaded, l: lr.g, m: use.m, sub: sub, count: use.n, from: -1})
		}
		if lr.room > 0 {
			out = append(out, &unit{class: empty, l: lr.g, sub: sub, count: lr.room, from: -1})
		}
	}
	return out
}

// miniState is the one-unit state whose count gives a unit's totals.
func (u *unit) miniState(party string) *forces.State {
	s := &forces.State{Party: party}
	l := template(u.l)
	if u.sub != nil {
		s.Groups = append(s.Groups, u.sub)
		l.Carrier = u.sub.UIDs[0]
	}
	if u.class == loaded {
		l.UIDs = []string{"mini-launcher"}
		m := template(u.m)
		m.Carrier = "mini-launcher"
		s.Groups = append(s.Groups, l, m)
	} else {
		s.Groups = append(s.Groups, l)
	}
	return s
}

// derive returns a unit of one item made of the given templates.
func derive(class unitClass, l, m, sub *forces.Group, site bool, k keyer) *unit {
	u := &unit{class: class, l: l, m: m, sub: sub, count: 1, from: -1, site: site}
	u.key = u.keyOf(site, k)
	return u
}

// with returns a copy of g with status st and attributes set.
func with(g *forces.Group, st forces.Status, attrs forces.Attrs) *forces.Group {
	c := *g
	c.Status = st
	c.Converting = false
	if len(attrs) > 0 {
		a := make(forces.Attrs, len(g.Attrs)+len(attrs))
		for k, v := range g.Attrs {
			a[k] = v
		}
		o := make(forces.Attrs, len(g.Overrides)+len(attrs))
		for k, v := range g.Overrides {
			o[k] = v
		}
		for k, v := range attrs {
			if _, has := g.Attrs[k]; has || len(g.Attrs) == 0 {
				a[k] = v
				o[k] = v
			}
		}
		c.Attrs, c.Overrides = a, o
	}
	return &c
}

// offload is a missile taken out of its launcher: non-deployed, no
// warheads declared, no carrier.
func offload(m *forces.Group) *forces.Group {
	c := with(m, forces.NonDeployed, nil)
	c.Warheads, c.Carrier = forces.NoLoading, ""
	return c
}
