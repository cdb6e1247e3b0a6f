package forces

import (
	"fmt"
	"math/rand"

	"github.com/tally-project/tally/civil"
)

// A synthetic party for tests and benchmarks: launchers and missiles of
// several types at many sites with several loadings, and bombers with
// several ALCM loads, so that n items fall in thousands of groups.

var (
	genMissiles = []struct {
		kind Kind
		typ  string
	}{{ICBM, "MM-III"}, {ICBM, "RS-24"}, {SLBM, "Trident II"}, {SLBM, "SS-N-32"}}
	genBombers = []string{"B-52H", "B-2A", "Tu-95MS", "Tu-160"}
)

type genItem struct {
	uid      string
	kind     Kind
	status   Status
	site     int
	warheads int
	alcms    int
}

type genParty struct {
	rng   *rand.Rand
	sites int
	items []*genItem
	specs []ItemSpec
}

// newGenParty makes about n items with explicit UIDs: for each site and
// missile type a block of launchers with as many deployed missiles in
// them (by count, not carrier), and bombers.
func newGenParty(seed int64, n, sites int) *genParty {
	p := &genParty{rng: rand.New(rand.NewSource(seed)), sites: sites}
	i := 0
	uid := func() string { i++; return fmt.Sprintf("G%07d", (i*7919)%10000019) }
	add := func(it *genItem, typ string, attrs Attrs) {
		p.items = append(p.items, it)
		spec := ItemSpec{UID: it.uid, Kind: it.kind, Type: typ, Status: it.status, Site: siteName(it.site), Attrs: attrs}
		if it.kind.IsMissile() {
			w := it.warheads
			spec.Warheads = &w
		}
		p.specs = append(p.specs, spec)
	}
	for len(p.items) < n {
		site := p.rng.Intn(sites)
		if p.rng.Intn(10) < 7 {
			m := genMissiles[p.rng.Intn(len(genMissiles))]
			block := 1 + p.rng.Intn(10)
			for b := 0; b < block; b++ {
				add(&genItem{uid: uid(), kind: launcherOf(m.kind), status: Deployed, site: site}, m.typ, nil)
				add(&genItem{uid: uid(), kind: m.kind, status: Deployed, site: site, warheads: 1 + p.rng.Intn(5)}, m.typ, nil)
			}
			continue
		}
		st := []Status{Deployed, NonDeployed, Test}[p.rng.Intn(3)]
		alcms := []int{0, 6, 12, 16, 20}[p.rng.Intn(5)]
		add(&genItem{uid: uid(), kind: HeavyBomber, status: st, site: site, alcms: alcms}, genBombers[p.rng.Intn(len(genBombers))], Attrs{"alcms": int64(alcms)})
	}
	return p
}

func siteName(i int) string { return fmt.Sprintf("Base-%03d", i) }

// events makes n valid events spread from `from` over `days` days: bomber
// status changes and moves, missile loadings, bomber re-equipment.
func (p *genParty) events(n int, from civil.Date, days int) []Event {
	evs := make([]Event, n)
	dates := make([]int, n)
	for i := range dates {
		dates[i] = p.rng.Intn(days)
	}
	sortInts(dates)
	var bombers, missiles []*genItem
	for _, it := range p.items {
		if it.kind == HeavyBomber {
			bombers = append(bombers, it)
		} else if it.kind.IsMissile() {
			missiles = append(missiles, it)
		}
	}
	for i := range evs {
		ev := Event{Date: from.AddDays(dates[i])}
		switch r := p.rng.Intn(10); {
		case r < 4:
			b := bombers[p.rng.Intn(len(bombers))]
			next := []Status{Deployed, NonDeployed, Test}[p.rng.Intn(3)]
			for next == b.status {
				next = []Status{Deployed, NonDeployed, Test}[p.rng.Intn(3)]
			}
			b.status = next
			ev.Op, ev.UIDs, ev.Status = OpStatus, []string{b.uid}, next
		case r < 7:
			m := missiles[p.rng.Intn(len(missiles))]
			w := 1 + p.rng.Intn(5)
			m.warheads = w
			ev.Op, ev.UIDs, ev.Warheads = OpLoad, []string{m.uid}, &w
		case r < 9:
			b := bombers[p.rng.Intn(len(bombers))]
			s := p.rng.Intn(p.sites)
			for s == b.site {
				s = p.rng.Intn(p.sites)
			}
			b.site = s
			ev.Op, ev.UIDs, ev.Site = OpMove, []string{b.uid}, siteName(s)
		default:
			b := bombers[p.rng.Intn(len(bombers))]
			b.alcms = []int{0, 6, 12, 16, 20}[p.rng.Intn(5)]
			ev.Op, ev.UIDs, ev.Attrs = OpAttrs, []string{b.uid}, Attrs{"alcms": int64(b.alcms)}
		}
		evs[i] = ev
	}
	return evs
}

func sortInts(a []int) {
	// counting sort: dates are small integers
	maxV := 0
	for _, v := range a {
		maxV = max(maxV, v)
	}
	c := make([]int, maxV+1)
	for _, v := range a {
		c[v]++
	}
	i := 0
	for v, n := range c {
		for ; n > 0; n-- {
			a[i] = v
			i++
		}
	}
}

// inventory applies the party's items (as of `at`) and then evs.
func (p *genParty) inventory(at civil.Date, evs []Event) (*Inventory, error) {
	l := NewInventory("G", nil)
	if err := l.Apply(Event{Date: at, Op: OpNew, Items: p.specs}); err != nil {
		return nil, err
	}
	for i, ev := range evs {
		if err := l.Apply(ev); err != nil {
			return nil, fmt.Errorf("event %d (%s %s): %w", i, ev.Date, ev.Op, err)
		}
	}
	return l, nil
}
