package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/regime"
)

// A signed log for the audit benchmark lives in a directory:
//
//	log/           the ledger
//	regime.yaml    a regime naming the log (party BENCH) and a second party
//	entry.key      the Ed25519 seed that signed the entries (hex)
//
// It is built once and reused: building a million entries takes minutes,
// auditing them is what is measured.

// SignedLog is a built benchmark log.
type SignedLog struct {
	Dir     string
	Regime  *regime.Regime
	Entries *SignedEntries
	Size    uint64
}

// LogDir is the ledger directory of a signed log.
func (s *SignedLog) LogDir() string { return filepath.Join(s.Dir, "log") }

// RegimeFile is the regime of a signed log.
func (s *SignedLog) RegimeFile() string { return filepath.Join(s.Dir, "regime.yaml") }

// BuildSignedLog makes (or reuses, if dir already holds one at least n
// entries long) a log of n entries signed with Ed25519.
func BuildSignedLog(ctx context.Context, dir string, n int, progress func(done, total int)) (*SignedLog, error) {
	if s, err := OpenSignedLog(dir); err == nil && s.Size >= uint64(n) {
		return s, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	bench, err := keys.Generate("BENCH", keys.DefaultNames("BENCH"))
	if err != nil {
		return nil, err
	}
	other, err := keys.Generate("PEER", keys.DefaultNames("PEER"))
	if err != nil {
		return nil, err
	}
	yaml := "version: 1\ntreaty: bench\nparties:\n" + bench.RegimeYAML("Benchmark", "http://bench.invalid/") + other.RegimeYAML("Peer", "http://peer.invalid/")
	if err := os.WriteFile(filepath.Join(dir, "regime.yaml"), []byte(yaml), 0o644); err != nil {
		return nil, err
	}
	reg, err := regime.Parse(filepath.Join(dir, "regime.yaml"), []byte(yaml))
	if err != nil {
		return nil, err
	}
	se, err := NewSignedEntries(200)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "entry.key"), []byte(hex.EncodeToString(se.private.Seed())+"\n"), 0o600); err != nil {
		return nil, err
	}
	signer, err := note.NewSigner(bench.Checkpoint.Private)
	if err != nil {
		return nil, err
	}
	l, err := ledger.Open(ctx, filepath.Join(dir, "log"), ledger.Options{
		Signer:       signer,
		BatchMaxSize: 4096,
		BatchMaxAge:  100 * time.Millisecond,
	})
	if err != nil {
		return nil, err
	}
	const batch = 2048
	var next, done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(batch) - batch)
				if from >= n || ctx.Err() != nil {
					return
				}
				es := make([][]byte, 0, batch)
				for i := from; i < min(from+batch, n); i++ {
					es = append(es, se.Entry(i))
				}
				if _, err := l.AppendBatch(ctx, es); err != nil {
					errs <- err
					return
				}
				if d := done.Add(int64(len(es))); progress != nil {
					progress(int(d), n)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	cerr := l.Close()
	if err := errors.Join(<-errs, cerr); err != nil {
		return nil, err
	}
	return &SignedLog{Dir: dir, Regime: reg, Entries: se, Size: uint64(n)}, nil
}

// OpenSignedLog opens a log made by BuildSignedLog.
func OpenSignedLog(dir string) (*SignedLog, error) {
	reg, err := regime.Load(filepath.Join(dir, "regime.yaml"))
	if err != nil {
		return nil, err
	}
	seed, err := os.ReadFile(filepath.Join(dir, "entry.key"))
	if err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(seed)))
	if err != nil || len(raw) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s: bad entry key", dir)
	}
	priv := ed25519.NewKeyFromSeed(raw)
	se := &SignedEntries{Public: priv.Public().(ed25519.PublicKey), private: priv, size: 200}
	cp, err := os.ReadFile(filepath.Join(dir, "log", "checkpoint"))
	if err != nil {
		return nil, err
	}
	c, err := reg.OpenCheckpoint(cp, time.Now())
	if err != nil {
		return nil, err
	}
	return &SignedLog{Dir: dir, Regime: reg, Entries: se, Size: c.Size}, nil
}

// AuditResult compares the audit of a signed log with Ed25519 alone.
type AuditResult struct {
	Entries uint64
	Workers int
	// HashTree is the rate (entries/s) of the audit with the default
	// entry check: every hash, the tree, the tiles, the checkpoints.
	HashTree float64
	// Full is the rate of the whole audit with one Ed25519 signature
	// check per entry.
	Full float64
	// Ed25519 is the rate at which crypto/ed25519 alone verifies the same
	// signatures, already in memory, with the same workers: the better of
	// a run just before and one just after the full audit.
	Ed25519 float64
	// Problems found (must be zero).
	Problems int
}

// Ratio is Full over Ed25519: what the audit keeps of the signature
// checking speed.
func (r AuditResult) Ratio() float64 { return r.Full / r.Ed25519 }

func (r AuditResult) String() string {
	return fmt.Sprintf("audit of %d entries, GOMAXPROCS %d, %d workers:\n"+
		"  hash and tree checks:           %9.0f entries/s\n"+
		"  whole audit with Ed25519:       %9.0f entries/s\n"+
		"  crypto/ed25519 alone, same keys: %8.0f signatures/s\n"+
		"  audit / ed25519 alone:          %9.1f%%",
		r.Entries, runtime.GOMAXPROCS(0), r.Workers, r.HashTree, r.Full, r.Ed25519, 100*r.Ratio())
}

// MeasureAudit audits the log twice (without, then with signature checks)
// and times crypto/ed25519 on the same signatures, all with the same
// number of workers.
func MeasureAudit(ctx context.Context, s *SignedLog, workers int, progress func(done, total uint64)) (AuditResult, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	res := AuditResult{Workers: workers}
	src := ledger.DirSource(s.LogDir())
	run := func(check func(uint64, []byte) error) (float64, error) {
		start := time.Now()
		rep, err := ledger.Audit(ctx, src, ledger.AuditOptions{Regime: s.Regime, Workers: workers, CheckEntry: check, Progress: progress})
		if err != nil {
			return 0, err
		}
		res.Entries = rep.Entries
		res.Problems += rep.ProblemCount
		if !rep.OK() {
			return 0, fmt.Errorf("the benchmark log does not verify: %v", rep.Problems[0])
		}
		return float64(rep.Entries) / time.Since(start).Seconds(), nil
	}
	// The same signatures, read into memory first (not timed), in one
	// buffer so that they weigh little on the garbage collector.
	var buf []byte
	var ends []int
	l := ledger.DirSource(s.LogDir())
	if _, err := ledger.Audit(ctx, l, ledger.AuditOptions{Workers: workers, CheckInOrder: func(_ uint64, e []byte) error {
		buf = append(buf, e...)
		ends = append(ends, len(buf))
		return nil
	}}); err != nil {
		return res, err
	}
	entries := make([][]byte, len(ends))
	for i, end := range ends {
		start := 0
		if i > 0 {
			start = ends[i-1]
		}
		entries[i] = buf[start:end:end]
	}
	var err error
	if res.HashTree, err = run(nil); err != nil {
		return res, err
	}
	// The machine may be shared: crypto/ed25519 alone is timed right
	// before and right after the full audit, and the faster run is kept,
	// which can only make the audit look worse.
	before := VerifyAll(s.Entries.Public, entries, workers)
	if res.Full, err = run(s.Entries.Check); err != nil {
		return res, err
	}
	after := VerifyAll(s.Entries.Public, entries, workers)
	res.Ed25519 = max(before, after)
	return res, nil
}

// VerifyAll verifies every entry's signature with crypto/ed25519 using
// workers goroutines and returns signatures per second.
func VerifyAll(pub ed25519.PublicKey, entries [][]byte, workers int) float64 {
	var next atomic.Int64
	var bad atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	const chunk = 256
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(chunk) - chunk)
				if from >= len(entries) {
					return
				}
				for _, e := range entries[from:min(from+chunk, len(entries))] {
					if !ed25519.Verify(pub, e[ed25519.SignatureSize:], e[:ed25519.SignatureSize]) {
						bad.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	if bad.Load() > 0 {
		return 0
	}
	return float64(len(entries)) / time.Since(start).Seconds()
}
