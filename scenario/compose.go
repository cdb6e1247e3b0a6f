package scenario

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
)

// A composition is what a party holds on one date, as counts: so many
// deployed MM-III (each a launcher and its missile) at Minot, so many B-52H
// converted at Barksdale. Items that must be told apart individually
// (submarines and their launch tubes) are listed one by one, by a key of
// the plan's own. The engine (engine.go) turns one composition into the
// next with notifications, item by item.

// slot is a place in a composition: items of one kind and type, in one
// status, at one site (and, for launch tubes, in one submarine).
type slot struct {
	kind   forces.Kind
	typ    string // the type as the plan writes it; a variant is its own class
	status forces.Status
	site   string
	// carrier is the plan's key of the item that holds these (a launch
	// tube's submarine); "" for items counted, not listed.
	carrier string
}

func (s slot) String() string {
	x := fmt.Sprintf("%s %s %s", s.kind, s.typ, s.status)
	if s.site != "" {
		x += " at " + s.site
	}
	if s.carrier != "" {
		x += " in " + s.carrier
	}
	return x
}

// groupKey is a slot without its carrier: the grain of Declaration.Groups.
type groupKey struct {
	kind   forces.Kind
	typ    string
	status forces.Status
	site   string
}

func (s slot) group() groupKey { return groupKey{s.kind, s.typ, s.status, s.site} }

type composition struct {
	date   civil.Date
	counts map[slot]int
	// explicit are items the plan names one by one, by key, in the order
	// they are listed (a submarine before its tubes).
	explicit map[string]slot
	order    []string
	details  map[groupKey]detail
	// notes says what the plan did to make the totals add up.
	notes []string
	// exits says, per type, why items of that type leaving the
	// composition leave accountability, when that is not an elimination.
	exits map[string]string
}

func newComposition(d civil.Date) *composition {
	return &composition{date: d, counts: map[slot]int{}, explicit: map[string]slot{}, details: map[groupKey]detail{}, exits: map[string]string{}}
}

func (c *composition) add(s slot, n int, det detail) error {
	if n < 0 {
		return fmt.Errorf("%s: %d %s: a count cannot be negative", c.date, n, s)
	}
	if n == 0 {
		return nil
	}
	c.counts[s] += n
	c.details[s.group()] = weaker(c.details[s.group()], det)
	return nil
}

func (c *composition) item(key string, s slot, det detail) {
	if _, dup := c.explicit[key]; dup {
		panic("scenario: explicit item listed twice: " + key)
	}
	c.explicit[key] = s
	c.order = append(c.order, key)
	c.details[s.group()] = weaker(c.details[s.group()], det)
}

// groups is the composition's Declaration.Groups.
func (c *composition) groups() []Group {
	n := map[groupKey]int{}
	for s, k := range c.counts {
		n[s.group()] += k
	}
	for _, s := range c.explicit {
		n[s.group()]++
	}
	var out []Group
	for g, k := range n {
		if k == 0 {
			continue
		}
		d := c.details[g]
		out = append(out, Group{Kind: g.kind, Type: g.typ, Status: g.status, Site: g.site, Count: k, Detail: d.prov, Source: d.source, Note: d.note})
	}
	sort.Slice(out, func(i, j int) bool { return groupLess(out[i], out[j]) })
	return out
}

func groupLess(a, b Group) bool {
	if a.Kind != b.Kind {
		return kindRank(a.Kind) < kindRank(b.Kind)
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	if a.Status != b.Status {
		return statusRank(a.Status) < statusRank(b.Status)
	}
	return a.Site < b.Site
}

func kindRank(k forces.Kind) int {
	for i, x := range forces.Kinds {
		if x == k {
			return i
		}
	}
	return len(forces.Kinds)
}

func statusRank(s forces.Status) int {
	for i, x := range forces.Statuses {
		if x == s {
			return i
		}
	}
	return len(forces.Statuses)
}

// missileLauncher reports whether k is a missile or a missile launcher:
// the kinds whose deployed counts must balance.
func missileLauncher(k forces.Kind) bool { return k.IsMissile() || k.IsLauncher() }

func launcherOf(k forces.Kind) forces.Kind {
	switch k {
	case forces.ICBM:
		return forces.ICBMLauncher
	case forces.SLBM:
		return forces.SLBMLauncher
	}
	return ""
}

// counted reports how one item in slot s counts under New START (the rules
// of catalog/treaties/new-start.yaml, which the tests check this against):
// a deployed missile or nuclear heavy bomber is a delivery vehicle; a
// launcher, deployed or not, and a nuclear heavy bomber, deployed or not,
// count toward the 800. A converted bomber is equipped for non-nuclear
// armaments and counts nowhere.
func counted(s slot) (ddv, launchers bool) {
	switch s.kind {
	case forces.ICBM, forces.SLBM:
		return s.status == forces.Deployed, false
	case forces.ICBMLauncher, forces.SLBMLauncher:
		switch s.status {
		case forces.Deployed, forces.NonDeployed, forces.Test, forces.Training:
			return false, true
		}
	case forces.HeavyBomber:
		switch s.status {
		case forces.Deployed:
			return true, true
		case forces.NonDeployed, forces.Test:
			return false, true
		}
	}
	return false, false
}

// totals counts the composition's delivery vehicles and launchers, and its
// deployed heavy bombers (each counts one warhead).
func (c *composition) totals() (ddv, launchers, bombers int64) {
	add := func(s slot, n int) {
		d, l := counted(s)
		if d {
			ddv += int64(n)
		}
		if l {
			launchers += int64(n)
		}
		if d && s.kind == forces.HeavyBomber {
			bombers += int64(n)
		}
	}
	for s, n := range c.counts {
		add(s, n)
	}
	for _, s := range c.explicit {
		add(s, 1)
	}
	return
}

// deployedBalance checks that at every site the deployed missiles of each
// type equal the deployed launchers: New START's deployed launcher is one
// that holds a missile.
func (c *composition) deployedBalance(canon func(string) string) error {
	type k struct{ typ, site string }
	m, l := map[k]int{}, map[k]int{}
	add := func(s slot, n int) {
		if s.status != forces.Deployed {
			return
		}
		key := k{canon(s.typ), s.site}
		switch {
		case s.kind.IsMissile():
			m[key] += n
		case s.kind.IsLauncher():
			l[key] += n
		}
	}
	for s, n := range c.counts {
		add(s, n)
	}
	for _, s := range c.explicit {
		add(s, 1)
	}
	var bad []string
	for key, n := range m {
		if l[key] != n {
			bad = append(bad, fmt.Sprintf("%s at %s: %d deployed missiles, %d deployed launchers", key.typ, key.site, n, l[key]))
		}
	}
	for key, n := range l {
		if _, ok := m[key]; !ok {
			bad = append(bad, fmt.Sprintf("%s at %s: 0 deployed missiles, %d deployed launchers", key.typ, key.site, n))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("%s: %s", c.date, strings.Join(bad, "; "))
	}
	return nil
}

// builder reads a plan's series and fills a composition, keeping the first
// error so that plan code reads as a list of counts.
type builder struct {
	a     *anchors
	party string
	c     *composition
	// prev is the composition of the previous declaration (nil for the
	// first), for counts that depend on how the last one left things.
	prev *composition
	err  error
}

func (b *builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// v is the series name at the composition's date.
func (b *builder) v(name string) value {
	x, err := b.a.get(b.party, name, b.c.date)
	if err != nil {
		b.fail(err)
	}
	return x
}

// n is the series' count.
func (b *builder) n(name string) int { return b.v(name).n }

func (b *builder) add(kind forces.Kind, typ string, status forces.Status, site string, v value) {
	if err := b.c.add(slot{kind: kind, typ: typ, status: status, site: site}, v.n, v.detail); err != nil {
		b.fail(err)
	}
}

// pair adds v.n deployed missiles of kind mk and type typ at site, each in
// a deployed launcher of its type there.
func (b *builder) pair(mk forces.Kind, typ, site string, v value) {
	b.add(mk, typ, forces.Deployed, site, v)
	b.add(launcherOf(mk), typ, forces.Deployed, site, v)
}

// synthetic is a count the plan works out from others (a remainder, a
// split), with a note that says how.
func synthetic(n int, format string, args ...any) value {
	return value{n, detail{prov: Synthetic, note: fmt.Sprintf(format, args...)}}
}
