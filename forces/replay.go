package forces

import (
	"sort"
	"strings"

	"github.com/tally-project/tally/civil"
)

// Forces is a party's forces as a file (or a Inventory) declares them: a
// snapshot that holds at any date, or a history whose state at a date is
// the replay of its events up to that date.
//
// Loading validates everything once and records the replay as a compact
// tape (one step per item an event changes), so that At and Sweep only
// move counts between groups. A Forces is immutable and safe for
// concurrent use.
type Forces struct {
	name     string
	party    string
	asOf     civil.Date
	snapshot bool
	note     string
	sites    []Site
	types    *Types

	siteNames []string
	overs     []Attrs
	profs     []profKey
	origin    []string
	uids      []string

	attrs []Attrs // effective attributes per profile
	rank  []int32 // profiles in report order
	pos   []int32 // profile -> index in Profiles(), -1 for eliminated items
	npos  int32

	tape     []step
	tapeDate []civil.Date
	events   int
}

// Forces returns everything applied to the inventory so far as a history,
// replayable at any date. Later Applies do not change it.
func (l *Inventory) Forces() *Forces {
	f := &Forces{
		name: "inventory", party: l.party, asOf: l.last, types: l.types,
		siteNames: clip(l.sites), overs: clip(l.overs), profs: clip(l.profs),
		origin: clip(l.origin), uids: clip(l.uids),
		tape: clip(l.tape), tapeDate: clip(l.tapeDate), events: l.events,
	}
	f.finish()
	return f
}

// State is the items as they stand now (eliminated ones left out), with
// UIDs.
func (l *Inventory) State() *State {
	f := l.Forces()
	s, _ := f.At(l.last)
	return s
}

func clip[T any](s []T) []T { return s[:len(s):len(s)] }

// finish computes what At and Sweep share: items renumbered in UID order
// (so that At walks them in order and each group's UIDs come out sorted),
// with their UIDs in one arena, attributes per profile and the report
// order of profiles. It copies what it shares with an inventory, so that the
// Forces keeps no more than it needs.
func (f *Forces) finish() {
	n := len(f.uids)
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(a, b int) bool { return f.uids[order[a]] < f.uids[order[b]] })
	rank := make([]int32, n)
	total := 0
	for r, i := range order {
		rank[i] = int32(r)
		total += len(f.uids[i])
	}
	// One arena: 16 bytes of header per UID and no allocation each, and no
	// UID keeps alive the memory of the file it was read from.
	var b strings.Builder
	b.Grow(total)
	for _, i := range order {
		b.WriteString(f.uids[i])
	}
	arena := b.String()
	uids := make([]string, n)
	off := 0
	for r, i := range order {
		l := len(f.uids[i])
		uids[r] = arena[off : off+l]
		off += l
	}
	f.uids = uids
	tape := make([]step, len(f.tape))
	for k, s := range f.tape {
		tape[k] = step{rank[s.item], s.to}
	}
	f.tape = tape
	f.tapeDate = append([]civil.Date(nil), f.tapeDate...)
	profs := make([]profKey, len(f.profs))
	for p, k := range f.profs {
		if k.carrier >= 0 {
			k.carrier = rank[k.carrier]
		}
		profs[p] = k
	}
	f.profs = profs
	var ob strings.Builder
	for _, o := range f.origin {
		ob.WriteString(o)
	}
	oa := ob.String()
	origin := make([]string, len(f.origin))
	off = 0
	for p, o := range f.origin {
		origin[p] = oa[off : off+len(o)]
		off += len(o)
	}
	f.origin = origin

	f.attrs = make([]Attrs, len(f.profs))
	for p, k := range f.profs {
		f.attrs[p] = f.types.Effective(f.types.types[k.typ], f.overs[k.over])
	}
	f.rank = make([]int32, len(f.profs))
	for i := range f.rank {
		f.rank[i] = int32(i)
	}
	over := make([]string, len(f.overs))
	for i, a := range f.overs {
		over[i] = a.Key()
	}
	sort.SliceStable(f.rank, func(a, b int) bool {
		x, y := f.profs[f.rank[a]], f.profs[f.rank[b]]
		if x.kind != y.kind {
			return x.kind < y.kind
		}
		if x.typ != y.typ {
			if a, b := f.types.types[x.typ].Name, f.types.types[y.typ].Name; a != b {
				return naturalLess(a, b)
			}
		}
		if x.status != y.status {
			return x.status < y.status
		}
		if x.site != y.site {
			return f.siteNames[x.site] < f.siteNames[y.site]
		}
		if x.conv != y.conv {
			return !x.conv
		}
		if x.heads != y.heads {
			return x.heads > y.heads
		}
		if x.over != y.over {
			return over[x.over] < over[y.over]
		}
		return f.carrierName(x) < f.carrierName(y)
	})
	elim := uint8(statusIndex(Eliminated))
	f.pos = make([]int32, len(f.profs))
	f.npos = 0
	for _, p := range f.rank {
		f.pos[p] = -1
		if f.profs[p].status != elim {
			f.pos[p] = f.npos
			f.npos++
		}
	}
}

func (f *Forces) carrierName(k profKey) string {
	if k.carrier < 0 {
		return ""
	}
	return f.uids[k.carrier]
}

// Name is the file the forces were read from.
func (f *Forces) Name() string { return f.name }

// Party is the party whose forces these are.
func (f *Forces) Party() string { return f.party }

// AsOf is the date a snapshot is declared as of, or the date a history is
// known to (its as_of, else its last event).
func (f *Forces) AsOf() civil.Date { return f.asOf }

// Snapshot reports whether the forces are a snapshot, taken to hold at any
// date they are counted at.
func (f *Forces) Snapshot() bool { return f.snapshot }

// Note is the file's note.
func (f *Forces) Note() string { return f.note }

// Sites are the sites the file declares (nil when it declares none).
func (f *Forces) Sites() []Site { return f.sites }

// Types is the type catalogue the forces resolve against: the bundled one,
// or the file's types over it.
func (f *Forces) Types() *Types { return f.types }

// Items is the number of items ever declared, eliminated ones included.
func (f *Forces) Items() int { return len(f.uids) }

// Events is the number of events in the history (0 for a snapshot).
func (f *Forces) Events() int { return f.events }

// Dates are the distinct dates on which the history changes, ascending.
func (f *Forces) Dates() []civil.Date {
	var out []civil.Date
	for _, d := range f.tapeDate {
		if d != initialDate && (len(out) == 0 || out[len(out)-1] != d) {
			out = append(out, d)
		}
	}
	return out
}

// stepsThrough is the number of tape steps dated d or earlier.
func (f *Forces) stepsThrough(d civil.Date) int {
	if f.snapshot {
		return len(f.tape)
	}
	return sort.Search(len(f.tapeDate), func(i int) bool { return f.tapeDate[i] > d })
}

// At is the forces at date d, with every group's UIDs. Eliminated items
// are left out. For a snapshot every date gives the same groups, with
// State.Snapshot set so that reports can say so.
func (f *Forces) At(d civil.Date) (*State, error) {
	cur := make([]int32, len(f.uids))
	for i := range cur {
		cur[i] = -1
	}
	for _, s := range f.tape[:f.stepsThrough(d)] {
		cur[s.item] = s.to
	}
	return f.build(d, cur), nil
}

func (f *Forces) newState(d civil.Date) *State {
	return &State{Party: f.party, Date: d, Snapshot: f.snapshot, types: f.types}
}

// build makes the state in which item i is in profile cur[i] (-1: not yet
// declared), with UIDs.
func (f *Forces) build(d civil.Date, cur []int32) *State {
	elim := uint8(statusIndex(Eliminated))
	counts := make([]int32, len(f.profs))
	n := 0
	for _, p := range cur {
		if p >= 0 && f.profs[p].status != elim {
			counts[p]++
			n++
		}
	}
	uids := make([]string, n)
	start := make([]int32, len(f.profs))
	ng := 0
	off := int32(0)
	for _, p := range f.rank {
		if counts[p] > 0 {
			start[p] = off
			off += counts[p]
			ng++
		}
	}
	fill := make([]int32, len(f.profs))
	copy(fill, start)
	for i, p := range cur { // items are numbered in UID order
		if p >= 0 && counts[p] > 0 {
			uids[fill[p]] = f.uids[i]
			fill[p]++
		}
	}
	s := f.newState(d)
	groups := make([]Group, 0, ng)
	s.Groups = make([]*Group, 0, ng)
	for _, p := range f.rank {
		if c := counts[p]; c > 0 {
			groups = append(groups, f.group(p, int(c)))
			g := &groups[len(groups)-1]
			g.UIDs = uids[start[p] : start[p]+c : start[p]+c]
			s.Groups = append(s.Groups, g)
		}
	}
	return s
}

func (f *Forces) group(p int32, count int) Group {
	k := f.profs[p]
	g := Group{
		Kind: Kinds[k.kind], Type: f.types.types[k.typ].Name, Status: Statuses[k.status],
		Site: f.siteNames[k.site], Warheads: int(k.heads), Attrs: f.attrs[p],
		Converting: k.conv, Count: count, Origin: f.origin[p], Profile: int(f.pos[p]) + 1,
	}
	if o := f.overs[k.over]; len(o) > 0 {
		g.Overrides = o
	}
	if k.carrier >= 0 {
		g.Carrier = f.uids[k.carrier]
	}
	return g
}

// Sweep replays the history once, in date order, and calls fn with the
// state at each of dates (ascending, whatever their order in dates). The
// states carry group counts but no UIDs: Sweep is for counting a series.
// fn may keep the states; a group that did not change between two dates is
// the same *Group in both, so groups are read only. Sweep stops at fn's
// first error and returns it.
func (f *Forces) Sweep(dates []civil.Date, fn func(*State) error) error {
	ds := append([]civil.Date(nil), dates...)
	sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
	cur := make([]int32, len(f.uids))
	for i := range cur {
		cur[i] = -1
	}
	counts := make([]int32, len(f.profs))
	elim := uint8(statusIndex(Eliminated))
	live := 0 // profiles with a count, to size the groups
	at := 0
	// A profile's group is made once per Sweep; at each date a group whose
	// count has not changed since the previous date is shared with that
	// date's state, others are fresh copies.
	tmpl := make([]Group, len(f.profs))
	made := make([]bool, len(f.profs))
	prev := make([]*Group, len(f.profs))
	for _, d := range ds {
		end := f.stepsThrough(d)
		for _, s := range f.tape[at:end] {
			if old := cur[s.item]; old >= 0 {
				if counts[old]--; counts[old] == 0 {
					live--
				}
				prev[old] = nil
			}
			cur[s.item] = s.to
			if counts[s.to]++; counts[s.to] == 1 {
				live++
			}
			prev[s.to] = nil
		}
		at = end
		s := f.newState(d)
		s.Groups = make([]*Group, 0, live)
		fresh := 0
		for _, p := range f.rank {
			if counts[p] > 0 && prev[p] == nil {
				fresh++
			}
		}
		groups := make([]Group, 0, fresh)
		for _, p := range f.rank {
			c := counts[p]
			if c == 0 || f.profs[p].status == elim {
				continue
			}
			if g := prev[p]; g != nil {
				s.Groups = append(s.Groups, g)
				continue
			}
			if !made[p] {
				tmpl[p], made[p] = f.group(p, 0), true
			}
			groups = append(groups, tmpl[p])
			g := &groups[len(groups)-1]
			g.Count = int(c)
			prev[p] = g
			s.Groups = append(s.Groups, g)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

// naturalLess orders names with their numbers read as numbers: SS-N-6
// before SS-N-17.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// Profiles returns every group the forces ever hold, eliminated items
// aside, in report order, with Count 0 and no UIDs: the groups a series is
// made of. With SweepCounts, a counting engine can evaluate its rules once
// per profile and, at each date, only weigh them by the counts.
func (f *Forces) Profiles() []*Group {
	out := make([]*Group, 0, f.npos)
	for _, p := range f.rank {
		if f.pos[p] >= 0 {
			g := f.group(p, 0)
			out = append(out, &g)
		}
	}
	return out
}

// SweepCounts is Sweep without states: it replays the history once and
// calls fn at each of dates (ascending) with the number of items in each
// of Profiles() at that date (counts[i] for Profiles()[i]). counts is
// reused from one call to the next: fn must copy what it keeps.
func (f *Forces) SweepCounts(dates []civil.Date, fn func(d civil.Date, counts []int32) error) error {
	return f.SweepCarriers(dates, func(d civil.Date, counts, _ []int32) error { return fn(d, counts) })
}

// SweepCarriers is SweepCounts that also says where each named carrier
// is, which a state At(d) tells by its groups' UIDs: for a profile
// Profiles()[i] that names a Carrier, carriers[i] is the index in
// Profiles() of the profile the carrier item is in at d, or -1 while the
// carrier is not yet declared or once it is eliminated; carriers[i] is -1
// for a profile that names no carrier. Both slices are reused from one
// call to the next: fn must copy what it keeps.
func (f *Forces) SweepCarriers(dates []civil.Date, fn func(d civil.Date, counts, carriers []int32) error) error {
	ds := append([]civil.Date(nil), dates...)
	sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
	n := f.npos
	pos := make([]int32, len(f.profs)) // eliminated items count in counts[n]
	for p, x := range f.pos {
		pos[p] = x
		if x < 0 {
			pos[p] = n
		}
	}
	// The profiles that name each carrier item, to update when it moves.
	// isCarrier spares the map lookup for the items no profile names.
	carriers := make([]int32, n)
	var naming map[int32][]int32
	var isCarrier []bool
	for p, k := range f.profs {
		if at := f.pos[p]; at >= 0 {
			carriers[at] = -1
			if k.carrier >= 0 {
				if naming == nil {
					naming, isCarrier = map[int32][]int32{}, make([]bool, len(f.uids))
				}
				naming[k.carrier] = append(naming[k.carrier], at)
				isCarrier[k.carrier] = true
			}
		}
	}
	cur := make([]int32, len(f.uids))
	for i := range cur {
		cur[i] = -1
	}
	counts := make([]int32, n+1)
	at := 0
	for _, d := range ds {
		steps := f.tape[at:f.stepsThrough(d)]
		for _, s := range steps {
			if old := cur[s.item]; old >= 0 {
				counts[pos[old]]--
			}
			cur[s.item] = s.to
			counts[pos[s.to]]++
		}
		// Apart, so that the counts loop stays as tight as SweepCounts
		// needs: a carrier ends where its last step takes it.
		if naming != nil {
			for _, s := range steps {
				if isCarrier[s.item] {
					for _, q := range naming[s.item] {
						carriers[q] = f.pos[s.to]
					}
				}
			}
		}
		at += len(steps)
		if err := fn(d, counts[:n], carriers); err != nil {
			return err
		}
	}
	return nil
}
