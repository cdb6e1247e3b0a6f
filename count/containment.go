package count

import (
	"sort"

	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/internal/expr"
)

// containment works out, for each group of the state, how many of its
// items are contained (held by a carrier) and how many loaded (holding an
// item) under the treaty's pairs, and the assumed items of carriers
// taken to be loaded. Work is per group, except for explicit carrier UIDs,
// which are looked up among the carriers' UIDs. Both slices are nil when
// the treaty declares no containment.
func (e *engine) containment(groups []*forces.Group) (contained, loaded []int, assumed []piece) {
	if len(e.set.Pairs) == 0 {
		return nil, nil, nil
	}
	contained = make([]int, len(groups))
	loaded = make([]int, len(groups))
	for _, p := range e.set.Pairs {
		var statuses [8]bool // by statusIndex; a small map lookup per group costs more
		for st := range p.Statuses {
			statuses[statusIndex(st)] = true
		}
		e.pair(p, &statuses, groups, contained, loaded)
		if !p.AssumeLoaded {
			continue
		}
		// Every carrier left empty holds an assumed item of its own type;
		// the carrier is then loaded.
		for i, g := range groups {
			if g == nil || g.Kind != p.In || !statuses[statusIndex(g.Status)] {
				continue
			}
			if empty := g.Count - loaded[i]; empty > 0 {
				assumed = append(assumed, piece{g: g, idx: i, kind: p.Item, n: empty, contained: true, assumed: true, split: true})
				loaded[i] = g.Count
			}
		}
	}
	return contained, loaded, assumed
}

// eachPiece calls f for every piece of the state, in state order, then
// for the assumed ones: a group whole, or split by its containment facts
// (contained and loaded, contained only, loaded only, neither). The piece
// passed to f is reused: copy it to keep it.
func eachPiece(groups []*forces.Group, contained, loaded []int, assumed []piece, f func(*piece) error) error {
	var pc piece
	for i, g := range groups {
		if g == nil || g.Count <= 0 {
			continue
		}
		if contained == nil || (contained[i] == 0 && loaded[i] == 0) {
			pc = piece{g: g, idx: i, kind: g.Kind, n: g.Count}
			if err := f(&pc); err != nil {
				return err
			}
			continue
		}
		c, l, n := contained[i], loaded[i], g.Count
		both := min(c, l)
		parts := [4]int{both, c - both, l - both, n - c - l + both}
		for k, m := range parts {
			if m <= 0 {
				continue
			}
			pc = piece{g: g, idx: i, kind: g.Kind, n: m, contained: k < 2, loaded: k == 0 || k == 2, split: m < n}
			if err := f(&pc); err != nil {
				return err
			}
		}
	}
	for i := range assumed {
		pc = assumed[i]
		if err := f(&pc); err != nil {
			return err
		}
	}
	return nil
}

// pair matches the items of one containment pair to their carriers,
// adding to contained (items) and loaded (carriers) per group index.
func (e *engine) pair(p *expr.Pair, statuses *[8]bool, groups []*forces.Group, contained, loaded []int) {
	var items, carriers []int
	for i, g := range groups {
		if g == nil || g.Count <= 0 || !statuses[statusIndex(g.Status)] {
			continue
		}
		switch g.Kind {
		case p.Item:
			items = append(items, i)
		case p.In:
			carriers = append(carriers, i)
		}
	}
	if len(items) == 0 {
		return
	}
	// Explicit carrier UIDs pair exactly.
	var pool []int // items left to match by type
	var want map[string][]int
	for _, i := range items {
		if c := groups[i].Carrier; c != "" {
			if want == nil {
				want = map[string][]int{}
			}
			want[c] = append(want[c], i)
		} else {
			pool = append(pool, i)
		}
	}
	if len(want) > 0 {
		found := map[string]bool{}
		for _, ci := range carriers {
			for _, uid := range groups[ci].UIDs {
				holders, ok := want[uid]
				if !ok || found[uid] {
					continue
				}
				found[uid] = true
				held := false
				for _, i := range holders {
					if groups[i].Status == groups[ci].Status {
						contained[i] = groups[i].Count
						held = true
					}
				}
				if held && loaded[ci] < groups[ci].Count {
					loaded[ci]++
				}
			}
		}
		if !p.ByCarrier {
			// A carrier named but not in the state (or a state without
			// UIDs): match by type instead.
			for uid, holders := range want {
				if !found[uid] {
					pool = append(pool, holders...)
				}
			}
			sort.Ints(pool)
		}
	}
	if p.ByCarrier || len(pool) == 0 {
		return
	}
	// By type and status; by site where both give one. Missiles with the
	// most warheads first, so that the count is never lower than any other
	// assignment would give when the forces hold more items than carriers.
	type bucketKey struct {
		typ    string
		status forces.Status
	}
	type bucket struct{ items, carriers []int }
	buckets := map[bucketKey]*bucket{}
	for _, i := range pool {
		g := groups[i]
		k := bucketKey{g.Type, g.Status}
		b := buckets[k]
		if b == nil {
			b = &bucket{}
			buckets[k] = b
		}
		b.items = append(b.items, i)
	}
	for _, ci := range carriers {
		g := groups[ci]
		if b := buckets[bucketKey{g.Type, g.Status}]; b != nil {
			b.carriers = append(b.carriers, ci)
		}
	}
	free := func(i int) int { return groups[i].Count - contained[i] }
	room := func(ci int) int { return groups[ci].Count - loaded[ci] }
	match := func(i, ci int) {
		n := min(free(i), room(ci))
		contained[i] += n
		loaded[ci] += n
	}
	for _, b := range buckets {
		its, cs := b.items, b.carriers
		if len(cs) == 0 {
			continue
		}
		sort.Slice(its, func(a, c int) bool {
			wa, wc := groups[its[a]].Warheads, groups[its[c]].Warheads
			return wa > wc || (wa == wc && its[a] < its[c])
		})
		// Same site: carriers chained per site, in state order (1-based
		// links, 0 ends a chain).
		head := make(map[string]int32, len(cs))
		next := make([]int32, len(cs))
		noSite := false
		for j := len(cs) - 1; j >= 0; j-- {
			s := groups[cs[j]].Site
			if s == "" {
				noSite = true
				continue
			}
			next[j] = head[s]
			head[s] = int32(j + 1)
		}
		for _, i := range its {
			s := groups[i].Site
			if s == "" {
				continue
			}
			for j := head[s]; j != 0 && free(i) > 0; j = next[j-1] {
				match(i, cs[j-1])
			}
		}
		// An item without a site goes into any carrier; a carrier without
		// a site takes any item.
		for _, i := range its {
			if groups[i].Site != "" {
				continue
			}
			for _, ci := range cs {
				if free(i) == 0 {
					break
				}
				match(i, ci)
			}
		}
		if !noSite {
			continue
		}
		for _, ci := range cs {
			if groups[ci].Site != "" {
				continue
			}
			for _, i := range its {
				if room(ci) == 0 {
					break
				}
				match(i, ci)
			}
		}
	}
}

// statusIndex is s's place in forces.Statuses, or 7 for another.
func statusIndex(s forces.Status) int {
	switch s {
	case forces.Deployed:
		return 0
	case forces.NonDeployed:
		return 1
	case forces.Test:
		return 2
	case forces.Training:
		return 3
	case forces.Converted:
		return 4
	case forces.Eliminated:
		return 5
	}
	return 7
}
