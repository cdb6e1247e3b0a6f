package exchange

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/regime"
)

// BenchmarkAudit audits a log of N signed notifications (N from
// TALLY_AUDIT_ENTRIES, default 100,000; built once in
// $TMPDIR/tally-exchange-audit-N and reused) three ways, with the same
// workers (GOMAXPROCS): hashes and tree only; the whole audit with the
// exchange's checks (each envelope parsed, its signature verified, its
// key and sequence number checked in order); and crypto/ed25519 alone
// verifying the same signatures, already in memory (each is timed three times, interleaved, and the
// best kept, as the machine may be shared). It reports each rate and the ratio of the whole
// audit to Ed25519 alone.
//
//	TALLY_AUDIT_ENTRIES=1000000 go test ./exchange -run '^$' -bench Audit -benchtime 1x
func BenchmarkAudit(b *testing.B) {
	n := 100_000
	if s := os.Getenv("TALLY_AUDIT_ENTRIES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("TALLY_AUDIT_ENTRIES=%q", s)
		}
		n = v
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("tally-exchange-audit-%d", n))
	reg, pub, err := buildEnvelopeLog(b, dir, n)
	if err != nil {
		b.Fatal(err)
	}
	src := ledger.DirSource(filepath.Join(dir, "log"))
	workers := runtime.GOMAXPROCS(0)
	ctx := context.Background()

	// What Ed25519 alone verifies: every entry's signed text and signature.
	type sig struct{ text, sig []byte }
	var sigs []sig
	_, err = ledger.Audit(ctx, src, ledger.AuditOptions{Workers: workers, CheckInOrder: func(i uint64, e []byte) error {
		s, err := Parse(append([]byte(nil), e...))
		if err != nil {
			return err
		}
		sigs = append(sigs, sig{s.text, s.sig})
		return nil
	}})
	if err != nil {
		b.Fatal(err)
	}
	ed := func() float64 {
		start := time.Now()
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(sigs); i += workers {
					if !ed25519.Verify(pub, sigs[i].text, sigs[i].sig) {
						panic("a signature does not verify")
					}
				}
			}()
		}
		wg.Wait()
		return float64(len(sigs)) / time.Since(start).Seconds()
	}

	// The machine may be shared: each is timed three times, interleaved,
	// and the best of each kept.
	const tries = 3
	b.ResetTimer()
	for range b.N {
		var hash, full, edAlone float64
		var entries uint64
		for range tries {
			edAlone = max(edAlone, ed())
			start := time.Now()
			rep, err := ledger.Audit(ctx, src, ledger.AuditOptions{Regime: reg, Workers: workers})
			if err != nil || !rep.OK() {
				b.Fatalf("audit: %v %v", err, rep.Problems)
			}
			hash = max(hash, float64(rep.Entries)/time.Since(start).Seconds())
			a := NewAuditor(reg)
			start = time.Now()
			rep, err = ledger.Audit(ctx, src, ledger.AuditOptions{Regime: reg, Workers: workers, CheckEntry: a.CheckEntry, CheckInOrder: a.CheckInOrder})
			if err != nil || !rep.OK() {
				b.Fatalf("audit with signatures: %v %v", err, rep.Problems)
			}
			full = max(full, float64(rep.Entries)/time.Since(start).Seconds())
			entries = rep.Entries
		}
		edAlone = max(edAlone, ed())
		b.ReportMetric(hash, "hash-tree-entries/s")
		b.ReportMetric(full, "audit-entries/s")
		b.ReportMetric(edAlone, "ed25519-alone/s")
		b.ReportMetric(full/edAlone, "audit/ed25519")
		b.Logf("%d entries, %d workers: hashes and tree %.0f/s; whole audit with signatures %.0f/s; Ed25519 alone %.0f/s; audit/Ed25519 %.2f (best of %d each)",
			entries, workers, hash, full, edAlone, full/edAlone, tries)
	}
}

// buildEnvelopeLog makes (or reuses) a log of n notes of party US, signed,
// numbered 1 to n.
func buildEnvelopeLog(b *testing.B, dir string, n int) (*regime.Regime, ed25519.PublicKey, error) {
	regPath := filepath.Join(dir, "regime.yaml")
	if reg, err := regime.Load(regPath); err == nil {
		if rep, err := ledger.Audit(context.Background(), ledger.DirSource(filepath.Join(dir, "log")), ledger.AuditOptions{}); err == nil && rep.Size == uint64(n) {
			return reg, pubOf(reg), nil
		}
	}
	b.Logf("building a log of %d signed notifications in %s", n, dir)
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	us, err := keys.Generate("US", keys.DefaultNames("US"))
	if err != nil {
		return nil, nil, err
	}
	ru, err := keys.Generate("RU", keys.DefaultNames("RU"))
	if err != nil {
		return nil, nil, err
	}
	yaml := "version: 1\ntreaty: new-start\nparties:\n" + us.RegimeYAML("US", "http://us.invalid/") + ru.RegimeYAML("RU", "http://ru.invalid/")
	if err := os.WriteFile(regPath, []byte(yaml), 0o644); err != nil {
		return nil, nil, err
	}
	reg, err := regime.Parse(regPath, []byte(yaml))
	if err != nil {
		return nil, nil, err
	}
	cp, _ := note.NewSigner(us.Checkpoint.Private)
	ns, _ := note.NewSigner(us.Notification.Private)
	ctx := context.Background()
	l, err := ledger.Open(ctx, filepath.Join(dir, "log"), ledger.Options{Signer: cp, BatchMaxSize: 4096, BatchMaxAge: 100 * time.Millisecond})
	if err != nil {
		return nil, nil, err
	}
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 8192
	waits := make(chan func() error, 8)
	done := make(chan error, 1)
	go func() {
		var first error
		for w := range waits {
			if err := w(); err != nil && first == nil {
				first = err
			}
		}
		done <- first
	}()
	for from := 0; from < n; from += batch {
		es := make([][]byte, min(batch, n-from))
		var wg sync.WaitGroup
		for w := range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(es); i += runtime.GOMAXPROCS(0) {
					seq := uint64(from + i + 1)
					e := &Envelope{Party: "US", Seq: seq, Kind: NoteKind, Effective: civil.MustParse("2020-01-01"), Created: created,
						Body: fmt.Appendf(nil, `{"text":"notification %d of a benchmark log, about the size of a status change with a few items named"}`, seq)}
					msg, err := e.Sign(ns)
					if err != nil {
						panic(err)
					}
					es[i] = msg
				}
			}()
		}
		wg.Wait()
		wait, err := l.AppendBatchAsync(ctx, es)
		if err != nil {
			return nil, nil, err
		}
		waits <- func() error { _, err := wait(); return err }
	}
	close(waits)
	if err := <-done; err != nil {
		return nil, nil, err
	}
	if err := l.Close(); err != nil {
		return nil, nil, err
	}
	return reg, pubOf(reg), nil
}

func pubOf(reg *regime.Regime) ed25519.PublicKey {
	// A verifier key is name+hash+base64(0x01 || the Ed25519 key).
	k := reg.Party("US").Keys.Notification[0].Key
	raw, err := base64.StdEncoding.DecodeString(k[strings.LastIndexByte(k, '+')+1:])
	if err != nil || len(raw) != 33 {
		panic(fmt.Sprintf("verifier key %s", k))
	}
	return ed25519.PublicKey(raw[1:])
}
