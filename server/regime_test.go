package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/demo"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/regime"
)

// The tests of this file and the others of package server_test run the
// dashboard as a node serves it, on the demo regime of `tally serve
// --demo` (package demo): the United States and Russia, two real nodes on
// loopback with their own keys, logs and witnesses, New START 2011-2026
// generated through the submit, append and witness path on the simulated
// clock, with Russia's 2018 dispute of the US conversions. One demo is
// started for the test binary, on first use, and shared: the tests that
// write to it (the role matrix submits notes) write what the others
// tolerate.

var shared struct {
	once sync.Once
	dir  string
	r    *demo.Regime
	err  error
	took time.Duration
}

// sharedDemo returns the running demo, starting it on first use.
func sharedDemo(t testing.TB) *demo.Regime {
	t.Helper()
	shared.once.Do(func() {
		start := time.Now()
		shared.dir, shared.err = os.MkdirTemp("", "tally-dashboard-demo-")
		if shared.err != nil {
			return
		}
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		if os.Getenv("TALLY_TEST_LOG") != "" {
			logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
		}
		ctx := context.Background()
		shared.r, shared.err = demo.Start(ctx, demo.Options{Data: filepath.Join(shared.dir, "demo"), Addr: "127.0.0.1:0", Logger: logger})
		if shared.err != nil {
			return
		}
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		shared.err = shared.r.Wait(wctx)
		shared.took = time.Since(start)
	})
	if shared.err != nil {
		t.Fatalf("starting the demo regime: %v", shared.err)
	}
	return shared.r
}

// urlOf is party's node's base URL ("http://127.0.0.1:port/").
func urlOf(r *demo.Regime, party string) string { return r.Party(party).URL }

// operator is the token of party's operator, valid on its node.
func operator(r *demo.Regime, party string) string { return r.Tokens.Operator[party] }

// sign writes an envelope of party, numbered as the party's next and
// signed with its notification key on the demo's clock: for tests that
// submit (or try to submit elsewhere) what only that party can sign.
func sign(t testing.TB, r *demo.Regime, party string, k exchange.Kind, eff civil.Date, body any) []byte {
	t.Helper()
	p := r.Party(party)
	priv, _ := keys.Files(filepath.Join(p.Data, "keys"), party, regime.RoleNotification)
	signer, err := keys.LoadSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	a := &exchange.Author{Party: party, Signer: signer, Now: r.Clock.Now, Next: p.Node.NextSeq()}
	e, err := a.Write(k, eff, body)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.r != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		shared.r.Shutdown(ctx)
		cancel()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// fetch gets a path of party's node with a token ("" for none) and
// returns the status and body.
func fetch(t *testing.T, r *demo.Regime, party, token, path string) (*http.Response, string) {
	t.Helper()
	resp, b := do(t, "GET", strings.TrimSuffix(urlOf(r, party), "/")+path, token, "", nil)
	return resp, string(b)
}
