package scenario

import (
	"fmt"
	"sort"

	"github.com/tally-project/tally/forces"
)

// loadRule is how many warheads each deployed missile of a type may carry
// on a date: at least min, at most max, nominal when it is first deployed.
// New START counts the reentry vehicles actually on each deployed missile;
// the loadings are not public, so every loading here is synthetic, chosen
// within these bounds so that the warheads add up to the official total.
type loadRule struct {
	typ               string // canonical type name
	min, nominal, max int
}

// load sets the warheads on every deployed missile so that they add up to
// target. A missile keeps its loading from the last declaration where it
// can (under New START warhead numbers change only in the periodic
// declarations, so between them they stay put); the difference is spread
// one warhead at a time over the missiles, taking the types in turn in
// rules' order and each type's missiles in UID order.
func (e *engine) load(items []*item, rules []loadRule, target int64) error {
	byType := map[string][]*item{}
	var sum int64
	for _, it := range items {
		if !it.slot.kind.IsMissile() {
			continue
		}
		if it.slot.status != forces.Deployed {
			it.warheads = -1
			continue
		}
		typ := e.canonical(it.slot.typ)
		r, ok := findRule(rules, typ)
		if !ok {
			return fmt.Errorf("%s: no loading rule for deployed %s %s", e.party, typ, it.slot.kind)
		}
		w := it.warheads
		if w < 0 {
			w = r.nominal
		}
		w = max(r.min, min(r.max, w))
		it.warheads = w
		sum += int64(w)
		byType[typ] = append(byType[typ], it)
	}
	longest := 0
	for _, ms := range byType {
		longest = max(longest, len(ms))
	}
	for diff := target - sum; diff != 0; {
		step := 1
		if diff < 0 {
			step = -1
		}
		moved := false
		// One warhead at a time, the first missile of each type in turn,
		// then the second, so that the change spreads over the types.
		for i := 0; i < longest && diff != 0; i++ {
			for _, r := range rules {
				ms := byType[r.typ]
				if i >= len(ms) || diff == 0 {
					continue
				}
				it := ms[i]
				w := it.warheads + step
				if w < r.min || w > r.max {
					continue
				}
				it.warheads = w
				diff -= int64(step)
				moved = true
			}
		}
		if !moved {
			return fmt.Errorf("%s: the deployed missiles cannot carry %d warheads within their loading bounds (%d short)", e.party, target, diff)
		}
	}
	return nil
}

func findRule(rules []loadRule, typ string) (loadRule, bool) {
	for _, r := range rules {
		if r.typ == typ {
			return r, true
		}
	}
	return loadRule{}, false
}

// declare builds the declaration of the items as they stand, as of c's
// date, after checking that the composition adds up to the targets.
func (e *engine) declare(kind StepKind, c *composition, t targets, rules []loadRule) (*Declaration, error) {
	if err := c.deployedBalance(e.canonical); err != nil {
		return nil, fmt.Errorf("%s: %w", e.party, err)
	}
	ddv, launchers, bombers := c.totals()
	if want := t.get(DeployedDeliveryVehicles); ddv != want {
		return nil, fmt.Errorf("%s %s: the composition has %d deployed delivery vehicles, the target is %d", e.party, c.date, ddv, want)
	}
	if want := t.get(DeployedAndNondeployedLaunchers); launchers != want {
		return nil, fmt.Errorf("%s %s: the composition has %d launchers and heavy bombers, the target is %d", e.party, c.date, launchers, want)
	}
	items := e.sorted()
	if err := e.load(items, rules, t.get(DeployedWarheads)-bombers); err != nil {
		return nil, fmt.Errorf("%s: %w", c.date, err)
	}
	d := &Declaration{Party: e.party, AsOf: c.date, Totals: t.totals, Groups: c.groups(), Synthetic: t.synthetic()}
	base := map[string]int64{}
	d.Items = make([]forces.ItemSpec, 0, len(items))
	loads := make([]int, len(items))
	for i, it := range items {
		d.Items = append(d.Items, e.spec(it, &loads[i]))
		if it.slot.status != forces.Deployed {
			continue
		}
		switch {
		case it.slot.kind.IsMissile():
			base[it.slot.site] += int64(it.warheads)
		case it.slot.kind == forces.HeavyBomber:
			base[it.slot.site]++
		}
	}
	for s, n := range base {
		d.WarheadsByBase = append(d.WarheadsByBase, BaseWarheads{Site: s, Warheads: n})
	}
	sort.Slice(d.WarheadsByBase, func(i, j int) bool { return d.WarheadsByBase[i].Site < d.WarheadsByBase[j].Site })
	if kind == InitialDatabase {
		d.Note = "the initial database, with data as of entry into force (Protocol Part Four, Section II, paragraph 1)"
	} else {
		d.Note = "six-month update (Protocol Part Four, Section II, paragraph 2)"
	}
	if len(c.notes) > 0 {
		d.Note += "; " + joinNotes(c.notes)
	}
	return d, nil
}

func joinNotes(ns []string) string {
	out := ""
	for i, n := range ns {
		if i > 0 {
			out += "; "
		}
		out += n
	}
	return out
}
