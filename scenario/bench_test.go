package scenario

import "testing"

// BenchmarkNewStart generates the whole regime, both parties, from the
// bundled data: what `tally serve --demo` does before it pushes the
// scenario through the logs. Nothing is cached across iterations.
func BenchmarkNewStart(b *testing.B) {
	b.ReportAllocs()
	var notes, items, decls int
	for i := 0; i < b.N; i++ {
		s, err := NewStart()
		if err != nil {
			b.Fatal(err)
		}
		notes, items, decls = 0, 0, 0
		for _, p := range s.Parties {
			notes += len(p.Notifications())
			for _, d := range p.Declarations() {
				decls++
				items += len(d.Items)
			}
		}
	}
	b.ReportMetric(float64(notes), "notifications")
	b.ReportMetric(float64(decls), "declarations")
	b.ReportMetric(float64(items), "declared-items")
}
