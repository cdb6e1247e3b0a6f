package server_test

import (
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/klog/v2"

	"github.com/tally-project/tally/server/internal/nodetest"
)

// The tests of this file and the others of package server_test run the
// dashboard as a node serves it: a regime of two real nodes (US and RU)
// on loopback, fed with the New START scenario (package nodetest),
// started once for the test binary.

var shared struct {
	once sync.Once
	dir  string
	g    *nodetest.Regime
	err  error
	took time.Duration
}

// regime returns the running regime, starting it on first use.
func regime(t testing.TB) *nodetest.Regime {
	t.Helper()
	shared.once.Do(func() {
		start := time.Now()
		shared.dir, shared.err = os.MkdirTemp("", "tally-dashboard-regime-")
		if shared.err == nil {
			shared.g, shared.err = nodetest.Start(context.Background(), shared.dir, nodetest.Options{})
		}
		shared.took = time.Since(start)
	})
	if shared.err != nil {
		t.Fatalf("starting the regime: %v", shared.err)
	}
	return shared.g
}

func TestMain(m *testing.M) {
	// Tessera logs through klog; the tests read what fails, not that.
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	fs.Set("logtostderr", "false")
	fs.Set("alsologtostderr", "false")
	fs.Set("stderrthreshold", "FATAL")
	klog.SetOutput(io.Discard)
	code := m.Run()
	if shared.g != nil {
		shared.g.Close()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// fetch gets a path of party's node with a token ("" for none) and
// returns the status and body.
func fetch(t testing.TB, g *nodetest.Regime, party, token, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", strings.TrimSuffix(g.URL[party], "/")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}
