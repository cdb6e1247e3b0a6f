package count

import (
	"sort"

	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/internal/expr"
)

// Containment works out, at each date, how many items of each group are
// contained (held by a carrier) and how many loaded (holding an item)
// under the treaty's pairs, and the items assumed in carriers taken to be
// loaded. What can pair with what does not change with the counts, so it
// is laid out once per engine (layOut): which groups are items and
// carriers of each pair, which carrier UIDs items name, and, for pairing
// by type, buckets of one type and status with their items in the order
// they are matched and their carriers chained by site. A date then walks
// these lists with its counts; a group with no items at the date takes
// part in no match.

// pairing is one containment pair laid out over the engine's groups.
type pairing struct {
	*expr.Pair
	statuses [8]bool // by statusIndex
	// items and carriers are the groups of kind Item and In in the pair's
	// statuses, in group order.
	items, carriers []int
	// named are the carrier UIDs items name, each with the items naming
	// it; byUID indexes them. at and found are per date: the group the
	// carrier is in (-1: not in the state), and whether that group is a
	// carrier of the pair.
	named []namedCarrier
	byUID map[string]int
	at    []int32
	found []bool
	// buckets pair by type (not when the pair matches only by carrier).
	buckets []bucket
}

type namedCarrier struct {
	uid     string
	holders []int
}

// bucket is the items and carriers of one type and status.
type bucket struct {
	// items are in the order they are matched: most warheads first, then
	// group order.
	items []bucketItem
	// carriers are in group order; next chains those at one site
	// (1-based, 0 ends a chain).
	carriers []int
	next     []int32
	// noSite are the carriers with no site, which take any item.
	noSite []int
}

type bucketItem struct {
	g int
	// named is the item's carrier in pairing.named, or -1: an item whose
	// named carrier is found at the date is not matched by type.
	named int32
	// chain is the first carrier at the item's site (1-based, 0: none);
	// sited says whether the item gives a site.
	chain int32
	sited bool
}

// layOut lays every containment pair of the treaty over the engine's
// groups.
func (e *engine) layOut() {
	if len(e.set.Pairs) == 0 {
		return
	}
	e.contained = make([]int, len(e.groups))
	e.loaded = make([]int, len(e.groups))
	e.pairs = make([]pairing, len(e.set.Pairs))
	for pi, p := range e.set.Pairs {
		pl := &e.pairs[pi]
		pl.Pair = p
		for st := range p.Statuses {
			pl.statuses[statusIndex(st)] = true
		}
		for i, g := range e.groups {
			if g == nil || !pl.statuses[statusIndex(g.Status)] {
				continue
			}
			switch g.Kind {
			case p.Item:
				pl.items = append(pl.items, i)
			case p.In:
				pl.carriers = append(pl.carriers, i)
			}
		}
		for _, i := range pl.items {
			uid := e.groups[i].Carrier
			if uid == "" {
				continue
			}
			if pl.byUID == nil {
				pl.byUID = map[string]int{}
			}
			k, ok := pl.byUID[uid]
			if !ok {
				k = len(pl.named)
				pl.byUID[uid] = k
				pl.named = append(pl.named, namedCarrier{uid: uid})
			}
			pl.named[k].holders = append(pl.named[k].holders, i)
		}
		pl.at = make([]int32, len(pl.named))
		pl.found = make([]bool, len(pl.named))
		if !p.ByCarrier {
			e.layOutBuckets(pl)
		}
	}
}

// layOutBuckets groups the pair's items and carriers by type and status.
// Missiles with the most warheads are matched first, so that the count
// is never lower than any other assignment would give when the forces
// hold more items than carriers.
func (e *engine) layOutBuckets(pl *pairing) {
	type key struct {
		typ    string
		status forces.Status
	}
	idx := map[key]int{}
	for _, i := range pl.items {
		g := e.groups[i]
		k := key{g.Type, g.Status}
		b, ok := idx[k]
		if !ok {
			b = len(pl.buckets)
			idx[k] = b
			pl.buckets = append(pl.buckets, bucket{})
		}
		named := int32(-1)
		if g.Carrier != "" {
			named = int32(pl.byUID[g.Carrier])
		}
		pl.buckets[b].items = append(pl.buckets[b].items, bucketItem{g: i, named: named, sited: g.Site != ""})
	}
	for _, ci := range pl.carriers {
		g := e.groups[ci]
		if b, ok := idx[key{g.Type, g.Status}]; ok {
			pl.buckets[b].carriers = append(pl.buckets[b].carriers, ci)
		}
	}
	kept := pl.buckets[:0]
	for _, b := range pl.buckets {
		if len(b.carriers) == 0 {
			continue // nothing to match into
		}
		its := b.items
		sort.Slice(its, func(a, c int) bool {
			wa, wc := e.groups[its[a].g].Warheads, e.groups[its[c].g].Warheads
			return wa > wc || (wa == wc && its[a].g < its[c].g)
		})
		cs := b.carriers
		head := make(map[string]int32, len(cs))
		b.next = make([]int32, len(cs))
		for j := len(cs) - 1; j >= 0; j-- {
			s := e.groups[cs[j]].Site
			if s == "" {
				continue
			}
			b.next[j] = head[s]
			head[s] = int32(j + 1)
		}
		for _, ci := range cs {
			if e.groups[ci].Site == "" {
				b.noSite = append(b.noSite, ci)
			}
		}
		for j := range its {
			if its[j].sited {
				its[j].chain = head[e.groups[its[j].g].Site]
			}
		}
		kept = append(kept, b)
	}
	pl.buckets = kept
}

// containment works out the containment facts of the date's counts into
// e.contained, e.loaded and e.assumed.
func (e *engine) containment() {
	e.assumed = e.assumed[:0]
	if len(e.pairs) == 0 {
		return
	}
	clear(e.contained)
	clear(e.loaded)
	for pi := range e.pairs {
		pl := &e.pairs[pi]
		e.pair(pl)
		if !pl.AssumeLoaded {
			continue
		}
		// Every carrier left empty holds an assumed item of its own type;
		// the carrier is then loaded.
		for _, ci := range pl.carriers {
			if empty := e.counts[ci] - e.loaded[ci]; empty > 0 {
				e.assumed = append(e.assumed, piece{g: e.groups[ci], idx: ci, kind: pl.Item, n: empty, contained: true, assumed: true, split: true, facts: factsAssumed})
				e.loaded[ci] = e.counts[ci]
			}
		}
	}
}

// pair matches the date's items of one pair to their carriers, adding to
// e.contained (items) and e.loaded (carriers): an explicit carrier UID
// pairs exactly; the other items (and those whose carrier is not a
// carrier of the pair at the date) by type and status, by site where
// both give one, one item per carrier.
func (e *engine) pair(pl *pairing) {
	n, contained, loaded := e.counts, e.contained, e.loaded
	if len(pl.named) > 0 {
		e.locate(pl)
		for k := range pl.named {
			c := pl.at[k]
			pl.found[k] = c >= 0 && n[c] > 0 && e.groups[c].Kind == pl.In && pl.statuses[statusIndex(e.groups[c].Status)]
			if !pl.found[k] {
				continue
			}
			held := false
			for _, i := range pl.named[k].holders {
				if n[i] > 0 && e.groups[i].Status == e.groups[c].Status {
					contained[i] = n[i]
					held = true
				}
			}
			if held && loaded[c] < n[c] {
				loaded[c]++
			}
		}
	}
	match := func(i, ci int) {
		m := min(n[i]-contained[i], n[ci]-loaded[ci])
		contained[i] += m
		loaded[ci] += m
	}
	for bi := range pl.buckets {
		b := &pl.buckets[bi]
		pooled := func(it *bucketItem) bool {
			return n[it.g] > 0 && (it.named < 0 || !pl.found[it.named])
		}
		// Same site first: each item along its site's chain.
		for j := range b.items {
			it := &b.items[j]
			if !it.sited || !pooled(it) {
				continue
			}
			for c := it.chain; c != 0 && n[it.g] > contained[it.g]; c = b.next[c-1] {
				match(it.g, b.carriers[c-1])
			}
		}
		// An item without a site goes into any carrier; a carrier without
		// a site takes any item.
		for j := range b.items {
			it := &b.items[j]
			if it.sited || !pooled(it) {
				continue
			}
			for _, ci := range b.carriers {
				if n[it.g] == contained[it.g] {
					break
				}
				match(it.g, ci)
			}
		}
		for _, ci := range b.noSite {
			for j := range b.items {
				if n[ci] <= loaded[ci] {
					break
				}
				if it := &b.items[j]; pooled(it) {
					match(it.g, ci)
				}
			}
		}
	}
}

// locate finds, for each carrier UID the pair's items name, the group
// that holds it at the date: in a series, where the replay says the
// carrier is; in a state, the first carrier of the pair listing the UID.
func (e *engine) locate(pl *pairing) {
	if e.carriersAt != nil {
		for k := range pl.named {
			pl.at[k] = e.carriersAt[pl.named[k].holders[0]]
		}
		return
	}
	for k := range pl.at {
		pl.at[k] = -1
	}
	for _, ci := range pl.carriers {
		if e.counts[ci] <= 0 {
			continue
		}
		for _, uid := range e.groups[ci].UIDs {
			if k, ok := pl.byUID[uid]; ok && pl.at[k] < 0 {
				pl.at[k] = int32(ci)
			}
		}
	}
}

// eachPiece calls f for every piece of the date, in group order, then
// for the assumed ones: a group whole, or split by its containment facts
// (contained and loaded, contained only, loaded only, neither). The piece
// passed to f is reused: copy it to keep it.
func (e *engine) eachPiece(f func(*piece) error) error {
	var pc piece
	for i, g := range e.groups {
		n := e.counts[i]
		if n <= 0 {
			continue
		}
		if e.contained == nil || (e.contained[i] == 0 && e.loaded[i] == 0) {
			pc = piece{g: g, idx: i, kind: g.Kind, n: n, facts: factsNeither}
			if err := f(&pc); err != nil {
				return err
			}
			continue
		}
		c, l := e.contained[i], e.loaded[i]
		both := min(c, l)
		parts := [4]int{both, c - both, l - both, n - c - l + both}
		for k, m := range parts {
			if m <= 0 {
				continue
			}
			pc = piece{g: g, idx: i, kind: g.Kind, n: m, contained: k < 2, loaded: k == 0 || k == 2, split: m < n, facts: uint8(k)}
			if err := f(&pc); err != nil {
				return err
			}
		}
	}
	for i := range e.assumed {
		pc = e.assumed[i]
		if err := f(&pc); err != nil {
			return err
		}
	}
	return nil
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
