package forces

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/tally-project/tally/civil"
)

// The benchmarks use a synthetic party (gen_test.go): 100,000 items with
// explicit UIDs in thousands of groups, and a history of 1,000,000 events
// over twenty years. Nothing is cached across iterations: each iteration
// asks for other dates, and At and Sweep build their states from the tape.
//
//	go test ./forces -run '^$' -bench . -benchtime 20x

var (
	benchStart = civil.MustParse("2011-02-05")
	benchDays  = 20 * 365
)

func heapInuse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkMemory reports the heap a party of 100,000 items holds, per
// item: as a Forces loaded from a snapshot file (what counting keeps), and
// as a Inventory (what the exchange keeps: the Forces' tables plus the UID
// index). Each iteration loads again.
func BenchmarkMemory(b *testing.B) {
	p := newGenParty(1, 100_000, 100)
	var src strings.Builder
	src.WriteString("party: G\nas_of: 2020-09-01\nitems:\n")
	for _, s := range p.specs {
		fmt.Fprintf(&src, "  - {uid: %s, kind: %s, type: %s, status: %s, site: %s", s.UID, s.Kind, s.Type, s.Status, s.Site)
		if s.Warheads != nil {
			fmt.Fprintf(&src, ", warheads: %d", *s.Warheads)
		}
		if a, ok := s.Attrs["alcms"]; ok {
			fmt.Fprintf(&src, ", alcms: %d", a)
		}
		src.WriteString("}\n")
	}
	data := []byte(src.String())
	n := len(p.specs)
	var forcesB, inventoryB float64
	var groups int
	for i := 0; i < b.N; i++ {
		base := heapInuse()
		f, err := Parse("bench.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		forcesB = float64(heapInuse()-base) / float64(n)
		s, _ := f.At(civil.MustParse("2020-09-01"))
		groups = len(s.Groups)
		runtime.KeepAlive(f)
		s, f = nil, nil

		base = heapInuse()
		l, err := p.inventory(benchStart, nil)
		if err != nil {
			b.Fatal(err)
		}
		inventoryB = float64(heapInuse()-base) / float64(n)
		runtime.KeepAlive(l)
	}
	b.ReportMetric(forcesB, "forces-B/item")
	b.ReportMetric(inventoryB, "inventory-B/item")
	b.ReportMetric(float64(groups), "groups")
	b.ReportMetric(float64(n), "items")
}

// BenchmarkAtSnapshot is At on a 100,000-item snapshot, with UIDs.
func BenchmarkAtSnapshot(b *testing.B) {
	p := newGenParty(1, 100_000, 100)
	l, err := p.inventory(benchStart, nil)
	if err != nil {
		b.Fatal(err)
	}
	f := l.Forces()
	f.snapshot = true
	b.ResetTimer()
	groups := 0
	for i := 0; i < b.N; i++ {
		s, _ := f.At(benchStart.AddDays(i))
		groups = len(s.Groups)
	}
	b.ReportMetric(float64(groups), "groups")
}

func benchHistory(b *testing.B, events int) *Forces {
	p := newGenParty(2, 100_000, 100)
	l, err := p.inventory(benchStart.AddDays(-1), p.events(events, benchStart, benchDays))
	if err != nil {
		b.Fatal(err)
	}
	return l.Forces()
}

// BenchmarkSweep replays a history of 1,000,000 events (over 100,000
// items) to 120 monthly dates; each iteration starts on another day, so no
// two iterations ask for the same dates.
func BenchmarkSweep(b *testing.B) {
	f := benchHistory(b, 1_000_000)
	b.ResetTimer()
	groups := 0
	for i := 0; i < b.N; i++ {
		dates := make([]civil.Date, 120)
		for j := range dates {
			dates[j] = benchStart.AddDays(i % 28).AddMonths(2 * j)
		}
		err := f.Sweep(dates, func(s *State) error {
			groups = max(groups, len(s.Groups))
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(f.Events()), "events")
	b.ReportMetric(float64(groups), "max-groups")
}

// BenchmarkAtHistory is At, with UIDs, on the same history at one date.
func BenchmarkAtHistory(b *testing.B) {
	f := benchHistory(b, 1_000_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.At(benchStart.AddDays(benchDays/2 + i))
	}
}

// BenchmarkApply is the inventory validating and applying one event at a
// time, as the exchange does for each notification.
func BenchmarkApply(b *testing.B) {
	p := newGenParty(3, 100_000, 100)
	evs := p.events(b.N, benchStart, benchDays)
	l, err := p.inventory(benchStart.AddDays(-1), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range evs {
		if err := l.Apply(evs[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSweepCounts is the same replay as BenchmarkSweep, handing
// counts per profile instead of states.
func BenchmarkSweepCounts(b *testing.B) {
	f := benchHistory(b, 1_000_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dates := make([]civil.Date, 120)
		for j := range dates {
			dates[j] = benchStart.AddDays(i % 28).AddMonths(2 * j)
		}
		total := int64(0)
		f.SweepCounts(dates, func(_ civil.Date, counts []int32) error {
			for _, c := range counts {
				total += int64(c)
			}
			return nil
		})
		if total == 0 {
			b.Fatal("no items")
		}
	}
}
