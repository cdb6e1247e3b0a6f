package impact

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// bigSide is one party of 100,000 items in 7,000 groups: per site,
// deployed and non-deployed ICBM launchers and ICBMs (three loadings),
// deployed SLBMs in deployed tubes, heavy bombers. Types are the party's
// own, with the catalogue's attributes.
func bigSide(tb testing.TB, party string, items int) *forces.State {
	tb.Helper()
	types := map[string][3]string{
		"US": {"MM-III", "Trident II", "B-52H"},
		"RU": {"RS-24", "SS-N-32", "Tu-95MS"},
	}[party]
	cat := forces.Catalogue()
	attrs := func(name string) forces.Attrs {
		r, err := cat.Resolve(name)
		if err != nil {
			tb.Fatal(err)
		}
		return cat.Effective(r.Type, r.Overrides)
	}
	s := &forces.State{Party: party, Date: civil.MustParse("2020-09-01")}
	per := []struct {
		kind forces.Kind
		typ  string
		st   forces.Status
		n    int
		wh   bool
	}{
		{forces.ICBMLauncher, types[0], forces.Deployed, 30, false},
		{forces.ICBM, types[0], forces.Deployed, 30, true},
		{forces.ICBMLauncher, types[0], forces.NonDeployed, 10, false},
		{forces.ICBM, types[0], forces.NonDeployed, 10, false},
		{forces.SLBMLauncher, types[1], forces.Deployed, 8, false},
		{forces.SLBM, types[1], forces.Deployed, 8, true},
		{forces.HeavyBomber, types[2], forces.Deployed, 4, false},
	}
	for i := 0; i < items/100; i++ {
		site := fmt.Sprintf("%s-site-%05d", party, i)
		for k, p := range per {
			g := &forces.Group{Kind: p.kind, Type: p.typ, Status: p.st, Site: site, Count: p.n, Warheads: forces.NoLoading, Attrs: attrs(p.typ), Origin: "bench"}
			if p.wh {
				g.Warheads = 1 + (i+k)%3
			}
			s.Groups = append(s.Groups, g)
		}
	}
	return s
}

// benchProposals are ten proposals: New START and four that count like
// it with other numbers or linkage (deep cuts, the linkage example, two
// drafts), and five that count differently (the 2009 Joint Understanding,
// SORT, START I, New START with bombers counting their ALCMs, New START
// counting converted launchers). Six rule sets in all.
func benchProposals(tb testing.TB) []*treaty.Treaty {
	tb.Helper()
	var out []*treaty.Treaty
	for _, id := range []string{"new-start", "deep-cuts-500", "linkage-example", "joint-understanding-2009", "sort", "start-1"} {
		t, err := treaty.Lookup(id)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, t)
	}
	src, err := os.ReadFile("../catalog/treaties/new-start.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	for i, edit := range [][][2]string{
		{{"    max: 1550\n", "    max: 1000\n"}},
		{{"    max: 700\n", "    max: 500\n"}, {"    max: 800\n", "    max: 600\n"}},
		{{"      deployed-warheads: 1\n", "      deployed-warheads: type.alcms\n"}},
		{{"item.status in ['deployed', 'non-deployed', 'test', 'training']\"\n    counts:\n      deployed-and-nondeployed-launchers: 1", "item.status in ['deployed', 'non-deployed', 'test', 'training', 'converted']\"\n    counts:\n      deployed-and-nondeployed-launchers: 1"}},
	} {
		text := strings.Replace(string(src), "id: new-start\n", fmt.Sprintf("id: variant-%d\n", i), 1)
		for _, e := range edit {
			if !strings.Contains(text, e[0]) {
				tb.Fatalf("variant %d: %q not found", i, e[0])
			}
			text = strings.Replace(text, e[0], e[1], 1)
		}
		t, err := treaty.Parse(fmt.Sprintf("variant-%d.yaml", i), []byte(text))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, t)
	}
	return out
}

// BenchmarkImpact10x2x100k is the impact of 10 proposals (six rule sets)
// on 2 parties of 100,000 items each (7,000 groups each): counting every
// side under every rule set, working out every measure's effect, every
// limit's options, the plans and their dates. Each iteration changes both
// states (a group's count) and the date, and starts from nothing: no
// count, unit or effect is kept from one iteration to the next.
//
//	go test ./impact -run '^$' -bench Impact10x2x100k -benchtime 20x
func BenchmarkImpact10x2x100k(b *testing.B) {
	ps := benchProposals(b)
	us, ru := bigSide(b, "US", 100_000), bigSide(b, "RU", 100_000)
	if us.Items() != 100_000 || len(us.Groups) < 5000 {
		b.Fatalf("%d items in %d groups", us.Items(), len(us.Groups))
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range []*forces.State{us, ru} {
			g := s.Groups[(i*7+2)%len(s.Groups)] // a non-deployed launcher group
			if i%2 == 0 {
				g.Count++
			} else {
				g.Count--
			}
		}
		d := civil.MustParse("2020-09-01").AddDays(i % 1000)
		r, err := Compute(Input{Proposals: ps, Sides: []Side{{State: us}, {State: ru}}, Date: d})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Cells) != 20 {
			b.Fatalf("%d cells", len(r.Cells))
		}
		if i == 0 {
			moves, over := 0, 0
			for _, c := range r.Cells {
				if c.Error != "" {
					b.Fatalf("%s %s: %s", c.Proposal, c.Party, c.Error)
				}
				moves += len(c.Plan)
				for _, l := range c.Limits {
					if l.Over > 0 {
						over++
					}
				}
			}
			if moves == 0 || over == 0 {
				b.Fatalf("nothing to cut: %d moves, %d limits over", moves, over)
			}
			b.ReportMetric(float64(moves), "moves")
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	// CPU time of the process per iteration (all threads, GC included):
	// what the work costs whatever else runs on a shared machine.
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(len(us.Groups)+len(ru.Groups)), "groups")
}

// BenchmarkSliders is one move of a slider: Compute on a Prepared impact
// (the counts kept, as a page keeps them while its sliders move) with a
// new warhead limit each time.
//
//	go test ./impact -run '^$' -bench Sliders -benchtime 50x
func BenchmarkSliders(b *testing.B) {
	ps := benchProposals(b)
	us, ru := bigSide(b, "US", 100_000), bigSide(b, "RU", 100_000)
	p, err := Prepare(Input{Proposals: ps, Sides: []Side{{State: us}, {State: ru}}, Date: civil.MustParse("2020-09-01")})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Compute(map[string]int64{"deployed-warheads": int64(500 + i%1500)})
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}
