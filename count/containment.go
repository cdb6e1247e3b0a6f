package count

import (
	"sort"

	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/internal/expr"
)

// pieces splits the state's groups by their containment facts: for each
// group, how many of its items are contained (held by a carrier) and how
// many loaded (holding an item), under the treaty's pairs. Work is per
// group, except for explicit carrier UIDs, which are looked up among the
// carriers' UIDs.
func (e *engine) pieces(s *forces.State) []*piece {
	groups := s.Groups
	var contained, loaded []int
	var assumed []*piece
	if len(e.set.Pairs) > 0 {
		contained = make([]int, len(groups))
		loaded = make([]int, len(groups))
		for _, p := range e.set.Pairs {
			e.pair(p, groups, contained, loaded)
			if p.AssumeLoaded {
				// Every carrier left empty holds an assumed item of its
				// own type; the carrier is then loaded.
				for i, g := range groups {
					if g.Kind != p.In || !p.Statuses[g.Status] {
						continue
					}
					if empty := g.Count - loaded[i]; empty > 0 {
						assumed = append(assumed, &piece{g: g, idx: i, kind: p.Item, n: empty, contained: true, assumed: true, split: true})
						loaded[i] = g.Count
					}
				}
			}
		}
	}
	out := make([]*piece, 0, len(groups)+len(assumed))
	for i, g := range groups {
		if g.Count <= 0 {
			continue
		}
		if contained == nil {
			out = append(out, &piece{g: g, idx: i, kind: g.Kind, n: g.Count})
			continue
		}
		c, l, n := contained[i], loaded[i], g.Count
		both := min(c, l)
		for _, part := range [4]struct {
			n          int
			cont, load bool
		}{
			{both, true, true}, {c - both, true, false}, {l - both, false, true}, {n - c - l + both, false, false},
		} {
			if part.n > 0 {
				out = append(out, &piece{g: g, idx: i, kind: g.Kind, n: part.n, contained: part.cont, loaded: part.load, split: part.n < n})
			}
		}
	}
	return append(out, assumed...)
}

// pair matches the items of one containment pair to their carriers,
// adding to contained (items) and loaded (carriers) per group index.
func (e *engine) pair(p *expr.Pair, groups []*forces.Group, contained, loaded []int) {
	var items, carriers []int
	for i, g := range groups {
		if g.Count <= 0 || !p.Statuses[g.Status] {
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
	want := map[string][]int{}
	for _, i := range items {
		if c := groups[i].Carrier; c != "" {
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
	byItem := map[bucketKey][]int{}
	for _, i := range pool {
		g := groups[i]
		k := bucketKey{g.Type, g.Status}
		byItem[k] = append(byItem[k], i)
	}
	byCarrier := map[bucketKey][]int{}
	for _, ci := range carriers {
		g := groups[ci]
		k := bucketKey{g.Type, g.Status}
		if _, ok := byItem[k]; ok {
			byCarrier[k] = append(byCarrier[k], ci)
		}
	}
	for k, its := range byItem {
		cs := byCarrier[k]
		if len(cs) == 0 {
			continue
		}
		sort.SliceStable(its, func(a, b int) bool { return groups[its[a]].Warheads > groups[its[b]].Warheads })
		free := func(i int) int { return groups[i].Count - contained[i] }
		room := func(ci int) int { return groups[ci].Count - loaded[ci] }
		match := func(i, ci int) {
			n := min(free(i), room(ci))
			contained[i] += n
			loaded[ci] += n
		}
		// Same site.
		bySite := map[string][]int{}
		for _, ci := range cs {
			if s := groups[ci].Site; s != "" {
				bySite[s] = append(bySite[s], ci)
			}
		}
		for _, i := range its {
			if s := groups[i].Site; s != "" {
				for _, ci := range bySite[s] {
					if free(i) == 0 {
						break
					}
					match(i, ci)
				}
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
