package count

import (
	"fmt"
	"runtime"
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

// BenchmarkSeries120 counts New START at 120 monthly dates over a
// synthetic history of 1,000,000 events applied incrementally to a state
// of 100,000 items in 7,000 groups (the way a replay feeds Series): about
// 8,300 events between two dates, each moving an item between a deployed
// and a non-deployed group of a site. The state carries no UIDs, as a
// replay for counting may leave them out. Reported: ms per whole series.
func BenchmarkSeries120(b *testing.B) {
	tr := bundled(b, "new-start")
	base := bigState(100_000, false)
	const events, points = 1_000_000, 120
	dates := make([]civil.Date, points)
	for i := range dates {
		dates[i] = civil.MustParse("2011-03-01").AddMonths(i)
	}
	counts := make([]int, len(base.Groups))
	for i, g := range base.Groups {
		counts[i] = g.Count
	}
	b.ReportAllocs()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		for i, g := range base.Groups {
			g.Count = counts[i]
		}
		applied, next := 0, 0
		stateAt := func(d civil.Date) (*forces.State, error) {
			target := events * (next + 1) / points
			for ; applied < target; applied++ {
				// Move an ICBM launcher between deployed and non-deployed
				// at one site (groups 0 and 2 of each site's seven).
				site := (applied * 7919) % (len(base.Groups) / 7)
				dep, non := base.Groups[site*7], base.Groups[site*7+2]
				if applied%2 == 0 && dep.Count > 0 {
					dep.Count--
					non.Count++
				} else if non.Count > 0 {
					non.Count--
					dep.Count++
				}
			}
			next++
			base.Date = d
			return base, nil
		}
		rs, err := Series(tr, dates, stateAt)
		if err != nil {
			b.Fatal(err)
		}
		if len(rs) != points || applied != events {
			b.Fatalf("%d points, %d events", len(rs), applied)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/series")
}
