package main

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serveDemoCmd starts tally serve --demo and reads its standard output
// until the line want; it returns the process and what it printed.
func serveDemoCmd(t *testing.T, want string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(tallyBin, append([]string{"serve", "--demo", "--log-level", "warn"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	startBackground(t, cmd)
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var out strings.Builder
	timeout := time.After(90 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("tally serve --demo stopped:\n%s", out.String())
			}
			out.WriteString(l + "\n")
			if strings.HasPrefix(l, want) {
				go func() {
					for range lines {
					}
				}()
				return cmd, out.String()
			}
		case <-timeout:
			t.Fatalf("tally serve --demo did not print %q:\n%s", want, out.String())
		}
	}
}

// tally serve --demo from nothing: it prints the dashboard's URL, a token
// per role and that its clock is simulated, says when it is ready, and is
// then healthy; the operator's token is the US node's. Stopped and
// started again on its directory it regenerates nothing. tally serve with
// neither --demo nor a regime says what to run.
func TestServeDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the demo regime")
	}
	r := tally(t, "serve")
	if r.code != exitBadInput || !strings.Contains(r.stderr, "tally serve --demo") || !strings.Contains(r.stderr, "--regime regime.yaml --party US") {
		t.Fatalf("tally serve alone: %d %s", r.code, r.stderr)
	}
	// What the demo sets itself is refused, not silently ignored.
	for _, flag := range []string{"--party", "--treaty", "--checkpoint-interval"} {
		if r := tally(t, "serve", "--demo", flag, "1s"); r.code != exitBadInput || !strings.Contains(r.stderr, flag) {
			t.Errorf("tally serve --demo %s: %d %s", flag, r.code, r.stderr)
		}
	}
	data := filepath.Join(t.TempDir(), "demo")
	cmd, out := serveDemoCmd(t, "Ready in ", "--data", data, "--addr", "127.0.0.1:0")
	for _, want := range []string{"dashboard  http://127.0.0.1:", "operator of US ", "operator of RU ", "inspector ", "observer ", "SIMULATED", "2226 notifications", "2011-02-05 to 2026-02-05"} {
		if !strings.Contains(out, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, out)
		}
	}
	url := regexp.MustCompile(`dashboard  (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(out)[1]
	op := regexp.MustCompile(`operator of US +(tly_\S+)`).FindStringSubmatch(out)[1]
	resp, err := http.Get(url + "healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("GET", url+"api/v1/next", nil)
	req.Header.Set("Authorization", "Bearer "+op)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the US operator's token on the US node: %v %v", resp, err)
	}
	resp.Body.Close()
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	cmd, out = serveDemoCmd(t, "Ready.", "--data", data)
	if !strings.Contains(out, "Started again from "+data+" (nothing regenerated)") || !strings.Contains(out, url) {
		t.Fatalf("the restart:\n%s", out)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
}
