package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkReady measures `tally serve --demo` from nothing to ready: a
// fresh directory each time (keys, regime, two nodes, the scenario
// generated anew, every round sent, applied and cosigned), until Wait
// returns; the target is 10 s. It reports seconds to ready and rounds.
//
//	go test ./demo -run '^$' -bench Ready -benchtime 3x
func BenchmarkReady(b *testing.B) {
	ctx := context.Background()
	var total time.Duration
	rounds := 0
	for i := 0; i < b.N; i++ {
		dir := filepath.Join(b.TempDir(), "demo")
		start := time.Now()
		r, err := Start(ctx, Options{Data: dir, Addr: "127.0.0.1:0", Logger: quiet()})
		if err != nil {
			b.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err = r.Wait(wctx)
		cancel()
		took := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		total += took
		rounds = r.Progress().Round
		b.StopTimer()
		if err := r.Shutdown(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/ready")
	b.ReportMetric(float64(rounds), "rounds")
}
