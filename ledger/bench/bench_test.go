package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/ledger/keys"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// loopback opens a ledger in a temporary directory behind the minimal
// submit endpoint on 127.0.0.1 and returns an HTTP Submit to it.
func loopback(tb testing.TB) Submit {
	tb.Helper()
	set, err := keys.Generate("US", keys.DefaultNames("US"))
	if err != nil {
		tb.Fatal(err)
	}
	signer, _ := note.NewSigner(set.Checkpoint.Private)
	l, err := ledger.Open(context.Background(), filepath.Join(tb.TempDir(), "log"), ledger.Options{Signer: signer, Logger: quiet()})
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := SubmitServer(ln, l)
	tb.Cleanup(func() {
		srv.Close()
		l.Close()
	})
	return HTTPSubmit("http://"+ln.Addr().String()+"/", HTTPClient(2048, true), nil)
}

func tesseraSubmit(tb testing.TB, await bool) Submit {
	tb.Helper()
	set, _ := keys.Generate("US", keys.DefaultNames("US"))
	signer, _ := note.NewSigner(set.Checkpoint.Private)
	s, closer, err := Tessera(context.Background(), filepath.Join(tb.TempDir(), "tessera"), signer, await)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(closer)
	return s
}

func TestIngest(t *testing.T) {
	ctx := context.Background()
	r := Ingest(ctx, "tally over HTTP", IngestConfig{Entries: 600, Concurrency: 64}, loopback(t))
	if r.Entries != 600 || r.Errors != 0 || r.P99 <= 0 || r.Rate <= 0 {
		t.Fatalf("%v", r)
	}
	// The open loop gets receipts, and never submits faster than its
	// rate. (How many it completes depends on the machine: no floor.)
	r = Ingest(ctx, "tally, open loop", IngestConfig{Duration: 700 * time.Millisecond, Rate: 300}, loopback(t))
	if r.Errors != 0 || r.Entries == 0 || r.Entries > 300*7/10+1 {
		t.Fatalf("%v", r)
	}
	for _, await := range []bool{false, true} {
		r = Ingest(ctx, "tessera", IngestConfig{Entries: 300, Concurrency: 64}, tesseraSubmit(t, await))
		if r.Entries != 300 || r.Errors != 0 {
			t.Fatalf("await=%v: %v", await, r)
		}
	}
	// A submit endpoint that fails is counted, not hidden.
	bad := HTTPSubmit("http://127.0.0.1:1/", http.DefaultClient, nil)
	if r := Ingest(ctx, "nowhere", IngestConfig{Entries: 3, Concurrency: 1}, bad); r.Errors != 3 || r.FirstError == nil {
		t.Fatalf("%v", r)
	}
}

func TestMeasureAudit(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "signed")
	s, err := BuildSignedLog(ctx, dir, 3000, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Reused, not rebuilt.
	again, err := BuildSignedLog(ctx, dir, 3000, nil)
	if err != nil || again.Size != 3000 {
		t.Fatalf("reopen: %v %v", again, err)
	}
	r, err := MeasureAudit(ctx, s, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Entries != 3000 || r.Problems != 0 || r.HashTree <= 0 || r.Full <= 0 || r.Ed25519 <= 0 {
		t.Fatalf("%+v", r)
	}
	// A signature that does not verify is found by the full audit.
	if err := s.Entries.Check(0, append([]byte{1}, s.Entries.Entry(5)[1:]...)); err == nil {
		t.Fatal("a bad signature passed")
	}
}

// BenchmarkIngest measures receipts over HTTP on loopback: run with
// -benchtime=20000x (b.N is the number of entries).
func BenchmarkIngest(b *testing.B) {
	submit := loopback(b)
	b.ResetTimer()
	r := Ingest(context.Background(), "tally over HTTP", IngestConfig{Entries: b.N, Concurrency: 1024}, submit)
	b.StopTimer()
	report(b, r)
}

// BenchmarkTesseraAppend measures Tessera's own POSIX append of the same
// entries (sequenced and integrated, no checkpoint wait).
func BenchmarkTesseraAppend(b *testing.B) {
	submit := tesseraSubmit(b, false)
	b.ResetTimer()
	r := Ingest(context.Background(), "tessera append", IngestConfig{Entries: b.N, Concurrency: 1024}, submit)
	b.StopTimer()
	report(b, r)
}

func report(b *testing.B, r Result) {
	if r.Errors > 0 {
		b.Fatalf("%v", r)
	}
	b.ReportMetric(r.Rate, "entries/s")
	b.ReportMetric(ms(r.P99), "p99-ms")
	b.ReportMetric(0, "ns/op")
	b.Log(r)
}

// BenchmarkAudit audits a signed log of TALLY_BENCH_AUDIT_ENTRIES entries
// (default 1,000,000), built once in TALLY_BENCH_DIR (default a directory
// under the system temp dir) and reused. It is skipped unless
// TALLY_BENCH_AUDIT is set: building the log takes minutes.
func BenchmarkAudit(b *testing.B) {
	if os.Getenv("TALLY_BENCH_AUDIT") == "" {
		b.Skip("set TALLY_BENCH_AUDIT=1 to build and audit a large log")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("TALLY_BENCH_AUDIT_ENTRIES")); err == nil && v > 0 {
		n = v
	}
	dir := os.Getenv("TALLY_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("tally-bench-audit-%d", n))
	}
	s, err := BuildSignedLog(context.Background(), dir, n, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		r, err := MeasureAudit(context.Background(), s, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.HashTree, "hash-tree-entries/s")
		b.ReportMetric(r.Full, "audit-entries/s")
		b.ReportMetric(r.Ed25519, "ed25519-sigs/s")
		b.ReportMetric(100*r.Ratio(), "audit/ed25519-%")
		b.ReportMetric(0, "ns/op")
		b.Log(r)
	}
}

// BenchmarkTesseraAwait is Tessera's own POSIX append waiting, as a
// receipt does, for a checkpoint that covers each entry.
func BenchmarkTesseraAwait(b *testing.B) {
	submit := tesseraSubmit(b, true)
	b.ResetTimer()
	r := Ingest(context.Background(), "tessera append + checkpoint", IngestConfig{Entries: b.N, Concurrency: 1024}, submit)
	b.StopTimer()
	report(b, r)
}
