package ledger

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/regime/regimetest"
)

// The crash test re-executes the test binary as a child that appends to a
// log without end, printing each receipt it gets, until it is killed.
const (
	crashDirEnv   = "TALLY_LEDGER_CRASH_DIR"
	crashKeyEnv   = "TALLY_LEDGER_CRASH_KEY"
	crashRoundEnv = "TALLY_LEDGER_CRASH_ROUND"
	// crashRoundsEnv raises the number of kill rounds (default 6).
	crashRoundsEnv = "TALLY_CRASH_ROUNDS"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

func crashChild(dir string) {
	signer, err := note.NewSigner(os.Getenv(crashKeyEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	l, err := Open(context.Background(), dir, Options{Signer: signer, Regime: nil, CheckpointInterval: 100 * time.Millisecond, Logger: testLogger()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	round := os.Getenv(crashRoundEnv)
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				e := fmt.Appendf(nil, "round %s writer %d entry %d", round, w, i)
				// Batches of one to three, to mix the paths.
				batch := [][]byte{e}
				for j := range i % 3 {
					batch = append(batch, fmt.Appendf(e, " +%d", j))
				}
				rs, err := l.AppendBatch(context.Background(), batch)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(4)
				}
				mu.Lock()
				for k, r := range rs {
					fmt.Fprintf(out, "%d %x\n", r.Index, batch[k])
				}
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

type receipted struct {
	index uint64
	entry []byte
}

// Kill -9 a process appending to a log at random moments, reopen, and
// check that every entry that got a receipt is there, at its index, and
// that the log verifies; indexes go on from where they were.
func TestCrashKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes; skipped in -short")
	}
	rounds := 6
	if n, err := strconv.Atoi(os.Getenv(crashRoundsEnv)); err == nil && n > 0 {
		rounds = n
	}
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	dir := filepath.Join(t.TempDir(), "log")
	var all []receipted
	seen := map[uint64]bool{}
	var lastSize uint64
	for round := range rounds {
		got := runAndKill(t, dir, fx, round, time.Duration(300+rand.IntN(1200))*time.Millisecond)
		for _, r := range got {
			if seen[r.index] {
				t.Fatalf("round %d: index %d given twice", round, r.index)
			}
			seen[r.index] = true
		}
		all = append(all, got...)

		l := openLog(t, dir, fx, "US", nil)
		ctx := ctxTimeout(t, 30*time.Second)
		size, err := l.IntegratedSize(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if size < lastSize {
			t.Fatalf("round %d: the log shrank from %d to %d", round, lastSize, size)
		}
		lastSize = size
		for _, r := range all {
			e, err := l.Entry(ctx, r.index)
			if err != nil || !bytes.Equal(e, r.entry) {
				t.Fatalf("round %d: entry %d with a receipt: got %q, %v; want %q", round, r.index, e, err, r.entry)
			}
		}
		// The reopened log goes on, and everything receipted gets a valid
		// receipt again.
		r, err := l.Append(ctx, fmt.Appendf(nil, "after crash %d", round))
		if err != nil {
			t.Fatal(err)
		}
		if r.Index != size {
			t.Fatalf("round %d: after reopening at %d entries, the next index is %d", round, size, r.Index)
		}
		seen[r.Index] = true
		all = append(all, receipted{r.Index, fmt.Appendf(nil, "after crash %d", round)})
		if len(all) > 0 {
			pick := all[rand.IntN(len(all))]
			rr, err := l.Receipt(ctx, pick.index)
			if err != nil || rr.VerifyEntry(pick.entry) != nil || !rr.Verify(fx.Regime, time.Now()).Valid() {
				t.Fatalf("round %d: receipt of %d: %v", round, pick.index, err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		rep, err := Audit(ctx, DirSource(dir), AuditOptions{Regime: fx.Regime})
		if err != nil || !rep.OK() {
			t.Fatalf("round %d: audit: %v\n%s", round, err, problemsText(rep))
		}
		t.Logf("round %d: killed after %d receipts; log has %d entries, %d checkpoints archived", round, len(got), rep.Size, rep.Checkpoints)
	}
	if len(all) < rounds {
		t.Fatalf("only %d receipts in %d rounds", len(all), rounds)
	}
}

// runAndKill runs the appending child for d, kills it with SIGKILL and
// returns the receipts it printed.
func runAndKill(t *testing.T, dir string, fx *regimetest.Fixture, round int, d time.Duration) []receipted {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		crashDirEnv+"="+dir,
		crashKeyEnv+"="+fx.Keys["US"].Checkpoint.Private,
		crashRoundEnv+"="+strconv.Itoa(round),
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var got []receipted
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			idx, hx, ok := strings.Cut(sc.Text(), " ")
			i, err1 := strconv.ParseUint(idx, 10, 64)
			e, err2 := hex.DecodeString(hx)
			if ok && err1 == nil && err2 == nil {
				got = append(got, receipted{i, e})
			}
		}
	}()
	time.Sleep(d)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL: %v\n%s", err, stderr.String())
	}
	return got
}
