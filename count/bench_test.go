package count

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
)

// bigState is one party of items items in about items/100*6 groups: per
// site, deployed and non-deployed ICBM launchers and ICBMs (with one of
// three loadings), deployed SLBMs in deployed tubes and heavy bombers. With
// uids set, every item has a UID, as a replayed declaration would.
func bigState(items int, withUIDs bool) *forces.State {
	s := &forces.State{Party: "US", Date: civil.MustParse("2020-09-01")}
	sites := items / 100
	per := []struct {
		kind forces.Kind
		typ  string
		st   forces.Status
		n    int
		wh   int
	}{
		{forces.ICBMLauncher, "MM-III", forces.Deployed, 30, forces.NoLoading},
		{forces.ICBM, "MM-III", forces.Deployed, 30, 1},
		{forces.ICBMLauncher, "MM-III", forces.NonDeployed, 10, forces.NoLoading},
		{forces.ICBM, "MM-III", forces.NonDeployed, 10, forces.NoLoading},
		{forces.SLBMLauncher, "Trident II", forces.Deployed, 8, forces.NoLoading},
		{forces.SLBM, "Trident II", forces.Deployed, 8, 4},
		{forces.HeavyBomber, "B-52H", forces.Deployed, 4, forces.NoLoading},
	}
	n := 0
	for i := 0; i < sites; i++ {
		site := fmt.Sprintf("site-%05d", i)
		for k, p := range per {
			g := &forces.Group{Kind: p.kind, Type: p.typ, Status: p.st, Site: site, Count: p.n, Warheads: p.wh,
				Attrs: forces.Attrs{"attributed": int64(3), "alcms": int64(20)}, Origin: "bench"}
			if p.wh != forces.NoLoading {
				g.Warheads = 1 + (i+k)%3 // three loadings: more distinct groups
			}
			if withUIDs {
				g.UIDs = make([]string, p.n)
				for j := range g.UIDs {
					g.UIDs[j] = fmt.Sprintf("US-%07d", n)
					n++
				}
			}
			s.Groups = append(s.Groups, g)
		}
	}
	return s
}

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkEvaluate100k counts one party of 100,000 items in 7,000 groups
// under New START and START I. Each iteration is a new date and a changed
// state (one group's count moves), and nothing is kept between
// evaluations. Reported: ms/op, and heap bytes per item after GC for the
// state with UIDs, and for the count's result (with its explanation).
func BenchmarkEvaluate100k(b *testing.B) {
	for _, id := range []string{"new-start", "start-1"} {
		b.Run(id, func(b *testing.B) {
			tr := bundled(b, id)
			before := heapInuse()
			s := bigState(100_000, true)
			items := s.Items()
			afterState := heapInuse()
			r, err := Evaluate(tr, s, s.Date)
			if err != nil {
				b.Fatal(err)
			}
			afterCount := heapInuse()
			runtime.KeepAlive(r)
			r = nil
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// A changed state and a new date each time.
				g := s.Groups[(i*7)%len(s.Groups)]
				if i%2 == 0 {
					g.Count++
				} else {
					g.Count--
				}
				if _, err := Evaluate(tr, s, s.Date.AddDays(i%4000)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
			b.ReportMetric(float64(afterState-before)/float64(items), "state-B/item")
			b.ReportMetric(float64(afterCount-afterState)/float64(items), "count-B/item")
			b.ReportMetric(float64(afterCount-before)/float64(items), "heap-B/item")
			b.ReportMetric(float64(len(s.Groups)), "groups")
		})
	}
}

// history1M is one party's history: 100,000 items at 1,000 sites (7,000
// groups: deployed and non-deployed ICBM launchers and ICBMs, SLBM tubes
// and SLBMs, heavy bombers) declared on 2011-02-05, then 1,000,000 events
// over ten years, about 270 a day, each changing one item: ICBMs and
// bombers moving between deployed and non-deployed, ICBMs reloaded with
// one to three warheads. Built once through forces.Inventory, which
// validates every event as the exchange would.
var history1M = sync.OnceValues(func() (*forces.Forces, error) {
	const sites, perSite = 1000, 100
	start := civil.MustParse("2011-02-05")
	inv := forces.NewInventory("US", forces.Catalogue())
	one := func(n int) *int { return &n }
	type item struct {
		uid      string
		deployed bool
	}
	var icbms, bombers []item
	var specs []forces.ItemSpec
	for s := 0; s < sites; s++ {
		site := fmt.Sprintf("site-%04d", s)
		add := func(kind forces.Kind, typ string, st forces.Status, n int, wh *int) {
			for j := 0; j < n; j++ {
				uid := fmt.Sprintf("%s-%06d", site, len(specs))
				specs = append(specs, forces.ItemSpec{UID: uid, Kind: kind, Type: typ, Status: st, Site: site, Warheads: wh})
				switch kind {
				case forces.ICBM:
					// Only missiles deployed at the start move, so deployed
					// missiles never outnumber deployed launchers.
					if st == forces.Deployed {
						icbms = append(icbms, item{uid, true})
					}
				case forces.HeavyBomber:
					bombers = append(bombers, item{uid, st == forces.Deployed})
				}
			}
		}
		add(forces.ICBMLauncher, "MM-III", forces.Deployed, 30, nil)
		add(forces.ICBM, "MM-III", forces.Deployed, 30, one(1))
		add(forces.ICBM, "MM-III", forces.NonDeployed, 10, nil)
		add(forces.SLBMLauncher, "Trident II", forces.Deployed, 12, nil)
		add(forces.SLBM, "Trident II", forces.Deployed, 12, one(4))
		add(forces.HeavyBomber, "B-52H", forces.Deployed, 6, nil)
	}
	if err := inv.Apply(forces.Event{Date: start, Op: forces.OpNew, Items: specs}); err != nil {
		return nil, err
	}
	const events = 1_000_000
	perDay := events / 3650
	for k := 0; k < events; k++ {
		d := start.AddDays(1 + k/perDay)
		var ev forces.Event
		switch k % 3 {
		case 0, 1: // an ICBM deployed <-> non-deployed, or reloaded
			it := &icbms[(k*7919)%len(icbms)]
			switch {
			case it.deployed && k%2 == 0:
				ev = forces.Event{Date: d, Op: forces.OpLoad, UIDs: []string{it.uid}, Warheads: one(1 + k%3)}
			case it.deployed:
				ev = forces.Event{Date: d, Op: forces.OpStatus, UIDs: []string{it.uid}, Status: forces.NonDeployed}
				it.deployed = false
			default:
				ev = forces.Event{Date: d, Op: forces.OpStatus, UIDs: []string{it.uid}, Status: forces.Deployed}
				it.deployed = true
			}
		default: // a bomber deployed <-> non-deployed
			it := &bombers[(k*104729)%len(bombers)]
			st := forces.Deployed
			if it.deployed {
				st = forces.NonDeployed
			}
			it.deployed = !it.deployed
			ev = forces.Event{Date: d, Op: forces.OpStatus, UIDs: []string{it.uid}, Status: st}
		}
		if err := inv.Apply(ev); err != nil {
			return nil, fmt.Errorf("event %d: %w", k, err)
		}
	}
	return inv.Forces(), nil
})

// BenchmarkSeries120 counts a treaty at 120 monthly dates over the
// 1,000,000-event history: one replay and 120 counts. Each iteration asks
// for a different set of dates, so nothing of one series serves the
// next, and nothing is kept between series. Reported: ms per whole
// series. New START pairs missiles with deployed launchers; START I also
// assumes missiles in empty launchers and ranks the 6,000 bombers for
// its quota of 150 at every date.
func BenchmarkSeries120(b *testing.B) {
	f, err := history1M()
	if err != nil {
		b.Fatal(err)
	}
	for _, id := range []string{"new-start", "start-1"} {
		b.Run(id, func(b *testing.B) {
			tr := bundled(b, id)
			b.ReportAllocs()
			b.ResetTimer()
			for it := 0; it < b.N; it++ {
				dates := make([]civil.Date, 120)
				for i := range dates {
					dates[i] = civil.MustParse("2011-03-01").AddMonths(i).AddDays(it % 28)
				}
				rs, err := Series(tr, f, dates)
				if err != nil {
					b.Fatal(err)
				}
				if len(rs) != len(dates) {
					b.Fatalf("%d points", len(rs))
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/series")
			b.ReportMetric(float64(f.Events()), "events")
		})
	}
}
