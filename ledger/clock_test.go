package ledger

import (
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/regime/regimetest"
)

// A regime replayed on a simulated clock: keys valid from 2010 to 2015,
// so that a witness judging by the real clock would refuse the log's
// checkpoints. On the clock, the witness cosigns, its cosignatures carry
// the simulated time, and the log takes them as valid: the entry's time of
// provision is a date of 2012, on both sides.
func TestWitnessOnASimulatedClock(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/"
	fx := regimetest.New(t, regimetest.Options{Nodes: map[string]string{"US": url, "RU": url}}, "US", "RU")
	// Every key valid from 2010 and revoked at the start of 2015.
	yml := strings.ReplaceAll(fx.YAML, "        - key: ", "        - valid-from: 2010-01-01\n          revoked-at: 2015-01-01\n          key: ")
	reg, err := regime.Parse("regime.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	sim := time.Date(2012, 3, 4, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return sim }

	// Judged by the real clock, the cosigner key is no longer valid.
	dir := t.TempDir()
	if _, err := NewWitness(filepath.Join(dir, "w0"), WitnessOptions{Regime: reg, Self: "RU", Cosigner: fx.Cosigner(t, "RU"), Logger: testLogger()}); err == nil {
		t.Fatal("a witness with a revoked cosigner key opened on the real clock")
	}
	cos, err := keys.NewCosignerAt(fx.Keys["RU"].Cosigner.Private, now)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWitness(filepath.Join(dir, "w"), WitnessOptions{Regime: reg, Self: "RU", Cosigner: cos, Logger: testLogger(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	mux := http.NewServeMux()
	mux.Handle("/witness/", http.StripPrefix("/witness", w.Handler()))
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()

	l, err := Open(ctxTimeout(t, 30*time.Second), filepath.Join(dir, "log"), Options{
		Signer: fx.CheckpointSigner(t, "US"), Regime: reg, CheckpointInterval: 100 * time.Millisecond,
		Logger: testLogger(), Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx := ctxTimeout(t, 30*time.Second)
	if _, err := l.Append(ctx, []byte("a change of 2012-03-01")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.WaitWitnessed(ctx, 0); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	sim = sim.Add(30 * 24 * time.Hour)
	mu.Unlock()
	if _, err := l.Append(ctx, []byte("a change of 2012-04-01")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.WaitWitnessed(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"2012-03-04T12:00:00Z", "2012-04-03T12:00:00Z"} {
		got, ok := l.ProvisionTime(uint64(i), "RU")
		if !ok || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("entry %d: provided to RU at %v (%v) as the log has it, want %s", i, got, ok, want)
		}
		got, ok = w.ProvisionTime(l.Origin(), uint64(i))
		if !ok || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("entry %d: provided to RU at %v (%v) as the witness has it, want %s", i, got, ok, want)
		}
	}
}
