package node

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/ledger/receipt"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/treaty"
)

// crashChild runs a node in this process, as the crash test's child, from
// the environment, until it is killed.
func crashChild() {
	reg, err := regime.Load(os.Getenv("TALLY_CRASH_REGIME"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	tr, err := treaty.LoadFile(os.Getenv("TALLY_CRASH_TREATY"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg := Config{Regime: reg, Party: os.Getenv("TALLY_CRASH_PARTY"), Data: os.Getenv("TALLY_CRASH_DATA"), Treaty: tr,
		Tokens:             []Token{{Role: RoleOperator, Token: os.Getenv("TALLY_CRASH_TOKEN")}},
		CheckpointInterval: 100 * time.Millisecond, HTTPClient: &http.Client{Timeout: time.Second}, Logger: discard}
	n, err := Open(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", os.Getenv("TALLY_CRASH_ADDR"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n.Serve(ln)
}

// A node killed with SIGKILL at random moments while notifications stream
// in, and restarted, again and again: every notification that got a
// receipt is in the log and the projection, the log verifies, sequence
// numbers run on without a gap, and a batch whose answer was lost gets its
// receipts when submitted again.
func TestCrashAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a node process ten times")
	}
	c := newCluster(t, "US", "RU")
	dir := t.TempDir()
	regPath := filepath.Join(dir, "regime.yaml")
	if err := os.WriteFile(regPath, []byte(c.fix.YAML), 0o644); err != nil {
		t.Fatal(err)
	}
	treatyPath, _ := filepath.Abs("testdata/new-start-3.yaml")
	token := c.tokens["US"].Token
	addr := c.addrs["US"]
	env := append(os.Environ(), "TALLY_CRASH_CHILD=1", "TALLY_CRASH_REGIME="+regPath, "TALLY_CRASH_TREATY="+treatyPath,
		"TALLY_CRASH_PARTY=US", "TALLY_CRASH_DATA="+c.dirs["US"], "TALLY_CRASH_TOKEN="+token, "TALLY_CRASH_ADDR="+addr)
	cl := &Client{Base: "http://" + addr + "/", Token: token, HTTP: &http.Client{Timeout: 5 * time.Second}}
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				cmd.Process.Kill()
				cmd.Wait()
			}
		})
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, err := http.Get("http://" + addr + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return cmd
				}
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("the node did not start: %s", stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	a := c.author("US")
	a.Next = 1
	ctx := context.Background()
	today := civil.Of(time.Now().UTC())
	receipts := map[uint64]*Receipt{} // by seq
	entries := map[uint64]string{}
	var pending *SubmitRequest // signed, answer lost
	var retried, retriedExisting int
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	item := 0
	next := func() *SubmitRequest {
		req := &SubmitRequest{}
		for range 1 + rng.IntN(4) {
			var e []byte
			var err error
			if rng.IntN(2) == 0 {
				item++
				e, err = a.Write(exchange.NewItem, today, forces.Event{Date: today, Op: forces.OpNew,
					Items: []forces.ItemSpec{{UID: fmt.Sprintf("US-B%05d", item), Kind: forces.HeavyBomber, Type: "B-52H", Status: forces.Deployed, Site: "Minot"}}})
			} else {
				e, err = a.Write(exchange.NoteKind, today, exchange.Note{Text: fmt.Sprintf("note %d", a.Next)})
			}
			if err != nil {
				t.Fatal(err)
			}
			req.Envelopes = append(req.Envelopes, string(e))
		}
		return req
	}
	record := func(req *SubmitRequest, resp *SubmitResponse) {
		if len(resp.Receipts) != len(req.Envelopes) {
			t.Fatalf("%d receipts for %d envelopes", len(resp.Receipts), len(req.Envelopes))
		}
		for i, r := range resp.Receipts {
			receipts[r.Seq] = r
			entries[r.Seq] = req.Envelopes[i]
		}
	}
	d, _ := initialOf(t, "US", 2)
	d.Loadings = nil
	init, err := a.Write(exchange.InitialDeclaration, d.AsOf, d)
	if err != nil {
		t.Fatal(err)
	}
	pending = &SubmitRequest{Envelopes: []string{string(init)}}
	const initialItems = 6 // 3 launchers, 2 missiles, a bomber
	begin := time.Now()
	for round := 0; round < 10 && time.Since(begin) < 40*time.Second; round++ {
		cmd := start()
		// A batch whose answer was lost: submitted again, unchanged.
		if pending != nil {
			resp, err := cl.Submit(ctx, pending)
			if err != nil {
				t.Fatalf("round %d: the retried batch: %v", round, err)
			}
			record(pending, resp)
			if round > 0 {
				retried++
			}
			if round > 0 && resp.Receipts[0].Existing {
				retriedExisting++
			}
			pending = nil
		}
		killAt := time.Now().Add(time.Duration(150+rng.IntN(1200)) * time.Millisecond)
		killed := make(chan struct{})
		go func() {
			time.Sleep(time.Until(killAt))
			cmd.Process.Kill() // SIGKILL
			cmd.Wait()
			close(killed)
		}()
		for {
			req := next()
			resp, err := cl.Submit(ctx, req)
			if err != nil {
				var pe *ProblemError
				if errors.As(err, &pe) && pe.Status < 500 {
					t.Fatalf("round %d: refused: %v", round, err)
				}
				pending = req // the answer is lost: the batch may or may not be in
				break
			}
			record(req, resp)
		}
		<-killed
	}
	if retried == 0 {
		t.Fatal("no batch was interrupted")
	}
	t.Logf("%d notifications with receipts over the crashes; %d batches submitted again after a crash (%d already in the log)", len(receipts), retried, retriedExisting)

	// Start once more, and check.
	cmd := start()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if pending != nil {
		resp, err := cl.Submit(ctx, pending)
		if err != nil {
			t.Fatal(err)
		}
		record(pending, resp)
	}
	next_, err := cl.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if next_ != a.Next || uint64(len(receipts)) != a.Next-1 {
		t.Fatalf("next seq %d, signed up to %d, %d receipts", next_, a.Next-1, len(receipts))
	}
	for seq := uint64(1); seq < a.Next; seq++ {
		r := receipts[seq]
		if r == nil {
			t.Fatalf("seq %d: no receipt", seq)
		}
		rc, err := receipt.Parse([]byte(r.Proof))
		if err != nil {
			t.Fatal(err)
		}
		if res := rc.Verify(c.fix.Regime, time.Now()); !res.Valid() {
			t.Fatalf("seq %d: %s", seq, res.Summary())
		}
		if err := rc.VerifyEntry([]byte(entries[seq])); err != nil {
			t.Fatalf("seq %d: the receipt is not of the envelope signed: %v", seq, err)
		}
		var v NotificationView
		if err := cl.Get(ctx, fmt.Sprintf("%s/notifications/US/%d", APIPrefix, seq), &v); err != nil {
			t.Fatalf("seq %d in the projection: %v", seq, err)
		}
		if v.Entry != entries[seq] || v.Index != r.Index || !v.Valid {
			t.Fatalf("seq %d: the projection has entry %d %q", seq, v.Index, v.Entry)
		}
	}
	var fv ForcesView
	if err := cl.Get(ctx, APIPrefix+"/forces/US?date="+today.String(), &fv); err != nil {
		t.Fatal(err)
	}
	if len(fv.Items) != initialItems+item {
		t.Fatalf("the projection holds %d items, %d were notified", len(fv.Items), item)
	}
	// The log verifies, envelope by envelope.
	au := exchange.NewAuditor(c.fix.Regime)
	rep, err := ledger.Audit(ctx, ledger.DirSource(filepath.Join(c.dirs["US"], "log")), ledger.AuditOptions{Regime: c.fix.Regime, CheckEntry: au.CheckEntry, CheckInOrder: au.CheckInOrder})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Entries != a.Next-1 {
		t.Fatalf("audit: %d entries, problems %v", rep.Entries, rep.Problems)
	}
}
