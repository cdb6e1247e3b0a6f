package impact

import (
	"math/rand"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// poolState is the forces a plan leaves: its pool of units as groups.
func poolState(party string, pool []*unit) *forces.State {
	s := &forces.State{Party: party}
	for _, u := range pool {
		if u.count <= 0 {
			continue
		}
		l := template(u.l)
		l.Count, l.Carrier = u.count, ""
		s.Groups = append(s.Groups, l)
		if u.class == loaded {
			m := template(u.m)
			m.Count, m.Carrier = u.count, ""
			s.Groups = append(s.Groups, m)
		}
	}
	return s
}

// randomForces is a made-up force of a few hundred items in mixed
// statuses and loadings.
func randomForces(rng *rand.Rand, party string) *forces.State {
	cat := forces.Catalogue()
	attrs := func(name string) forces.Attrs {
		r, _ := cat.Resolve(name)
		return cat.Effective(r.Type, r.Overrides)
	}
	s := &forces.State{Party: party, Date: civil.MustParse("2021-01-01")}
	add := func(k forces.Kind, typ string, st forces.Status, n, wh int) {
		if n > 0 {
			s.Groups = append(s.Groups, &forces.Group{Kind: k, Type: typ, Status: st, Count: n, Warheads: wh, Attrs: attrs(typ)})
		}
	}
	for _, typ := range []string{"MM-III", "RS-24"} {
		dep := rng.Intn(80)
		add(forces.ICBMLauncher, typ, forces.Deployed, dep, forces.NoLoading)
		left := dep
		for w := 1; w <= 4 && left > 0; w++ {
			n := rng.Intn(left + 1)
			add(forces.ICBM, typ, forces.Deployed, n, w)
			left -= n
		}
		add(forces.ICBMLauncher, typ, forces.NonDeployed, rng.Intn(20), forces.NoLoading)
		add(forces.ICBMLauncher, typ, forces.Test, rng.Intn(3), forces.NoLoading)
		add(forces.ICBM, typ, forces.NonDeployed, rng.Intn(30), forces.NoLoading)
	}
	tubes := rng.Intn(100)
	add(forces.SLBMLauncher, "Trident II", forces.Deployed, tubes, forces.NoLoading)
	add(forces.SLBM, "Trident II", forces.Deployed, tubes/2, 4)
	add(forces.SLBM, "Trident II", forces.Deployed, tubes-tubes/2-rng.Intn(tubes/4+1), 5)
	add(forces.SLBMLauncher, "Trident II", forces.NonDeployed, rng.Intn(30), forces.NoLoading)
	add(forces.SLBMLauncher, "Trident II", forces.Converted, rng.Intn(10), forces.NoLoading)
	add(forces.HeavyBomber, "B-52H", forces.Deployed, rng.Intn(40), forces.NoLoading)
	add(forces.HeavyBomber, "B-2A", forces.NonDeployed, rng.Intn(10), forces.NoLoading)
	add(forces.HeavyBomber, "B-52H", forces.Test, rng.Intn(4), forces.NoLoading)
	return s
}

// TestPlansHoldWhenRecounted applies each plan and recounts what it
// leaves with the counting engine: the totals the plan expects are the
// totals the engine gives, and every limit the plan says it meets is met.
// This checks the one-item counts add up, over many made-up forces and
// every bundled rule set.
func TestPlansHoldWhenRecounted(t *testing.T) {
	var ps []*treaty.Treaty
	for _, id := range []string{"new-start", "deep-cuts-500", "joint-understanding-2009", "sort"} {
		p, err := treaty.Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	rng := rand.New(rand.NewSource(7))
	moves := 0
	for trial := 0; trial < 40; trial++ {
		st := randomForces(rng, "US")
		// Limits low enough to need cuts.
		limits := map[string]int64{"deployed-warheads": int64(rng.Intn(300)), "deployed-delivery-vehicles": int64(rng.Intn(150)),
			"deployed-and-nondeployed-launchers": int64(rng.Intn(250)), "delivery-vehicles": int64(rng.Intn(150))}
		p, err := Prepare(Input{Proposals: ps, Sides: []Side{{State: st}}, Date: st.Date})
		if err != nil {
			t.Fatal(err)
		}
		for pi, tr := range ps {
			b := p.bases[0][pi]
			var targets []target
			for i := range tr.Limits {
				l := &tr.Limits[i]
				max := treaty.Final(tr.StepsFrom(l, st.Date)).Max
				if x, ok := limits[l.ID]; ok {
					max = x
				}
				targets = append(targets, target{li: i, ti: totalIndex(tr, l.Total), max: max})
			}
			// The units, put back together, count as the forces do.
			before, err := count.Evaluate(tr, poolState("US", b.pool), st.Date)
			if err != nil {
				t.Fatal(err)
			}
			for i, x := range before.Totals {
				if x.Value != b.totals[i] {
					t.Errorf("trial %d %s: %s: units count %d, the forces %d", trial, tr.ID, x.ID, x.Value, b.totals[i])
				}
			}
			pl := &planner{p: p, b: b, t: tr, keep: 1, used: map[string]Rate{}}
			pl.init(targets)
			unmet := pl.run(targets)
			after, err := count.Evaluate(tr, poolState("US", pl.pool), st.Date)
			if err != nil {
				t.Fatal(err)
			}
			for i, x := range after.Totals {
				if x.Value != pl.cur[i] {
					t.Errorf("trial %d %s: %s: the plan expects %d, the recount gives %d", trial, tr.ID, x.ID, pl.cur[i], x.Value)
				}
			}
			for i, tg := range targets {
				if _, bad := unmet[i]; bad {
					continue
				}
				if v := after.Totals[tg.ti].Value; v > tg.max {
					t.Errorf("trial %d %s: %s: %d over %d after the plan", trial, tr.ID, tr.Limits[tg.li].ID, v, tg.max)
				}
			}
			moves += len(pl.moves)
			// The plan's moves add up to the change.
			var sum = make([]int64, len(b.totals))
			for _, m := range pl.moves {
				for i, d := range m.delta {
					sum[i] += d
				}
			}
			for i := range sum {
				if b.totals[i]+sum[i] != pl.cur[i] {
					t.Errorf("trial %d %s: moves add to %d, not %d", trial, tr.ID, b.totals[i]+sum[i], pl.cur[i])
				}
			}
		}
	}
	if moves < 100 {
		t.Errorf("only %d moves in all: the test cuts too little", moves)
	}
}
