package scenario

import (
	"fmt"
	"math"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
)

// partyPlan is what the scenario knows of one party: its sites, when its
// declarations and notifications stop, how to compose its forces on a
// date from the composition table, and how its missiles are loaded.
type partyPlan struct {
	id, name string
	sites    []forces.Site
	// lastDeclaration is the party's last periodic declaration;
	// notifyUntil the first day it sends no notification.
	lastDeclaration civil.Date
	notifyUntil     civil.Date
	compose         func(b *builder, t targets)
	loads           func(d civil.Date) []loadRule
}

// exact returns the series' value at the builder's date when the table
// gives an anchor on that very date, so that a count the plan works out
// (a remainder) can be checked against a published figure.
func (b *builder) exact(name string) (value, bool) {
	s := b.a.series[b.party][name]
	if s == nil {
		return value{}, false
	}
	s.used = true
	for _, x := range s.anchors {
		if x.date == b.c.date {
			return value{x.value, detail{x.prov, x.source, x.note}}, true
		}
	}
	return value{}, false
}

// remainder is a count the plan works out so that a total adds up. When
// the table has a published figure for it on the date, the two must agree
// and the count takes the figure's provenance.
func (b *builder) remainder(name string, n int, format string, args ...any) value {
	if v, ok := b.exact(name); ok {
		if v.n != n {
			b.fail(fmt.Errorf("%s %s: %s works out at %d but the table gives %d (%s)", b.party, b.c.date, name, n, v.n, v.detail.source))
		}
		return v
	}
	return synthetic(n, format, args...)
}

// split divides n in proportion to weights, largest remainders first, ties
// to the earlier: a deterministic apportionment.
func split(n int, weights []float64) []int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	out := make([]int, len(weights))
	if n <= 0 || sum == 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	var rs []rem
	given := 0
	for i, w := range weights {
		x := float64(n) * w / sum
		out[i] = int(math.Floor(x))
		given += out[i]
		rs = append(rs, rem{i, x - math.Floor(x)})
	}
	for k := 0; given < n; k++ {
		best := -1
		for j, r := range rs {
			if best < 0 || r.r > rs[best].r {
				best = j
			}
		}
		out[rs[best].i]++
		rs[best].r = -1
		given++
	}
	return out
}

// fill spreads n over boats with the given capacities, evenly over the
// active ones first (in order), then over the others.
func fill(n int, caps []int, active []bool) ([]int, error) {
	out := make([]int, len(caps))
	for pass := 0; pass < 2 && n > 0; pass++ {
		want := pass == 0
		for n > 0 {
			room := 0
			for i, c := range caps {
				if active[i] == want && out[i] < c {
					room++
				}
			}
			if room == 0 {
				break
			}
			each := max(1, n/room)
			for i, c := range caps {
				if n == 0 {
					break
				}
				if active[i] == want && out[i] < c {
					k := min(each, c-out[i], n)
					out[i] += k
					n -= k
				}
			}
		}
	}
	if n > 0 {
		return nil, fmt.Errorf("%d more deployed launchers than the submarines have tubes", n)
	}
	return out, nil
}

// halfYear numbers the six-month periods, so that a rotation (which
// submarine is in overhaul) moves on at each declaration.
func halfYear(d civil.Date) int {
	y, m, _ := d.Ymd()
	h := y * 2
	if m >= 7 {
		h++
	}
	return h
}
