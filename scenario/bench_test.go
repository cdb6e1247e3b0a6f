package scenario

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user and system time so far: on a shared
// machine it says what a generation costs better than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkNewStart generates the whole regime, both parties, from the
// bundled data: what `tally serve --demo` does before it pushes the
// scenario through the logs. Nothing is cached across iterations.
func BenchmarkNewStart(b *testing.B) {
	b.ReportAllocs()
	var notes, items, decls int
	cpu := cpuTime()
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
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(notes), "notifications")
	b.ReportMetric(float64(decls), "declarations")
	b.ReportMetric(float64(items), "declared-items")
}
