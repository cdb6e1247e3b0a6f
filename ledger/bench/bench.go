// Package bench measures a log under load: how many entries a node takes
// per second with a receipt for each, how long a submitter waits for its
// receipt, and how fast a whole log is audited.
//
// Ingest drives any Submit function, so the same tool measures a ledger
// in-process, a node's submit endpoint over HTTP on loopback, or Tessera
// alone for comparison. Audit measures ledger.Audit on a log of signed
// entries against crypto/ed25519 verifying the same signatures alone.
package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Submit sends one entry and returns once its receipt is back (or the
// submission failed).
type Submit func(ctx context.Context, entry []byte) error

// IngestConfig shapes a load run.
type IngestConfig struct {
	// Entries is how many entries to submit; ignored if Duration is set.
	Entries int
	// Duration, if set, runs for this long.
	Duration time.Duration
	// Concurrency is how many submissions are in flight at once (closed
	// loop). Default 1024.
	Concurrency int
	// Rate, if set, submits at this many entries per second whatever the
	// latency (open loop), up to Concurrency in flight.
	Rate float64
	// Entry makes the i-th entry; default Filler(200).
	Entry func(i int) []byte
}

// Result is the outcome of a load run.
type Result struct {
	Name     string
	Entries  int // receipts received
	Errors   int
	Elapsed  time.Duration
	Rate     float64 // receipts per second
	P50, P90 time.Duration
	P99, Max time.Duration
	// FirstError is the first submission error, if any.
	FirstError error
}

func (r Result) String() string {
	s := fmt.Sprintf("%-34s %8d entries in %6.2fs: %8.0f/s   latency p50 %6.1fms p90 %6.1fms p99 %6.1fms max %6.1fms",
		r.Name, r.Entries, r.Elapsed.Seconds(), r.Rate, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max))
	if r.Errors > 0 {
		s += fmt.Sprintf("   %d errors (first: %v)", r.Errors, r.FirstError)
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Filler makes entries of about size bytes with the index in them, so
// that every entry is distinct.
func Filler(size int) func(int) []byte {
	return func(i int) []byte {
		e := make([]byte, max(size, 16))
		copy(e, fmt.Sprintf("entry %010d ", i))
		for k := 17; k < len(e); k++ {
			e[k] = byte('a' + (i+k)%26)
		}
		return e
	}
}

// Ingest submits entries with cfg's concurrency (or rate) and measures the
// latency of each submission until its receipt.
func Ingest(ctx context.Context, name string, cfg IngestConfig, submit Submit) Result {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1024
	}
	if cfg.Entry == nil {
		cfg.Entry = Filler(200)
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		errs      int
		firstErr  error
	)
	record := func(d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if ctx.Err() != nil && cfg.Duration > 0 {
				return // cut off by the end of the run
			}
			errs++
			if firstErr == nil {
				firstErr = err
			}
			return
		}
		latencies = append(latencies, d)
	}
	// take returns the index of the next entry to submit, or -1.
	take := func() int {
		i := int(next.Add(1) - 1)
		if cfg.Duration == 0 && i >= cfg.Entries || ctx.Err() != nil {
			return -1
		}
		return i
	}
	start := time.Now()
	var wg sync.WaitGroup
	if cfg.Rate > 0 {
		sem := make(chan struct{}, cfg.Concurrency)
		interval := time.Duration(float64(time.Second) / cfg.Rate)
		due := start
		for {
			i := take()
			if i < 0 {
				break
			}
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
			due = due.Add(interval)
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				break
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				e := cfg.Entry(i)
				t0 := time.Now()
				err := submit(ctx, e)
				record(time.Since(t0), err)
			}()
		}
	} else {
		for range cfg.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := take()
					if i < 0 {
						return
					}
					e := cfg.Entry(i)
					t0 := time.Now()
					err := submit(ctx, e)
					record(time.Since(t0), err)
				}
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	if cfg.Duration > 0 && elapsed > cfg.Duration {
		elapsed = cfg.Duration
	}
	r := Result{Name: name, Entries: len(latencies), Errors: errs, FirstError: firstErr, Elapsed: elapsed}
	if len(latencies) > 0 {
		slices.Sort(latencies)
		q := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
		r.P50, r.P90, r.P99, r.Max = q(0.50), q(0.90), q(0.99), latencies[len(latencies)-1]
		r.Rate = float64(len(latencies)) / elapsed.Seconds()
	}
	return r
}

// SignedEntries makes entries of the form signature || payload, each
// payload signed with an Ed25519 key, as notifications are: the audit
// benchmark checks one signature per entry.
type SignedEntries struct {
	Public  ed25519.PublicKey
	private ed25519.PrivateKey
	size    int
}

// NewSignedEntries makes a fresh key; entries are about size bytes.
func NewSignedEntries(size int) (*SignedEntries, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &SignedEntries{Public: pub, private: priv, size: max(size, ed25519.SignatureSize+16)}, nil
}

// Entry makes the i-th signed entry.
func (s *SignedEntries) Entry(i int) []byte {
	payload := Filler(s.size - ed25519.SignatureSize)(i)
	binary.BigEndian.PutUint64(payload[len(payload)-8:], uint64(i))
	return append(ed25519.Sign(s.private, payload), payload...)
}

// Check verifies an entry's signature: the entry check of the audit
// benchmark.
func (s *SignedEntries) Check(_ uint64, entry []byte) error {
	return VerifySigned(s.Public, entry)
}

// VerifySigned checks an entry made by SignedEntries.
func VerifySigned(pub ed25519.PublicKey, entry []byte) error {
	if len(entry) < ed25519.SignatureSize {
		return fmt.Errorf("entry of %d bytes has no signature", len(entry))
	}
	if !ed25519.Verify(pub, entry[ed25519.SignatureSize:], entry[:ed25519.SignatureSize]) {
		return fmt.Errorf("bad signature")
	}
	return nil
}
