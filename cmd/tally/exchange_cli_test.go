package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/ledger/keys"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// regimeWithNodes generates keys with the command, each party's node at
// the address given, and writes the regime file.
func regimeWithNodes(t *testing.T, dir string, addrs map[string]string, parties ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("version: 1\ntreaty: new-start\nparties:\n")
	for _, p := range parties {
		out, stderr, code := run3(t, "keys", "generate", "--party", p, "--out", filepath.Join(dir, strings.ToLower(p), "keys"), "--node", "http://"+addrs[p]+"/")
		if code != 0 {
			t.Fatalf("keys generate %s: %d %s", p, code, stderr)
		}
		b.WriteString(out[strings.Index(out, "\n")+1:])
	}
	path := filepath.Join(dir, "regime.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// serveNode starts tally serve as a process and waits until it is healthy.
func serveNode(t *testing.T, regimePath, party, data, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(tallyBin, "serve", "--regime", regimePath, "--party", party, "--data", data,
		"--checkpoint-interval", "100ms", "--replicate-interval", "200ms", "--log-level", "warn")
	cmd.Env = append(os.Environ(), "TALLY_ADDR="+addr)
	stderr := startBackground(t, cmd)
	waitHealthy(t, addr, stderr)
	return cmd
}

// startBackground starts cmd, keeping its standard error, and kills it
// when the test ends if it is still running.
func startBackground(t *testing.T, cmd *exec.Cmd) *bytes.Buffer {
	t.Helper()
	var stderr bytes.Buffer
	if cmd.Stderr == nil {
		cmd.Stderr = &stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return &stderr
}

// Two tally serve processes exchange notifications sent with tally notify;
// tally verify checks each log, envelope by envelope, and names the entry
// of a flipped byte; tally rebuild --check finds the projection is what
// the logs give.
func TestServeNotifyVerifyRebuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two nodes")
	}
	dir := t.TempDir()
	addrs := map[string]string{"US": freeAddr(t), "RU": freeAddr(t)}
	regimePath := regimeWithNodes(t, dir, addrs, "US", "RU")
	data := map[string]string{"US": filepath.Join(dir, "us"), "RU": filepath.Join(dir, "ru")}
	us := serveNode(t, regimePath, "US", data["US"], addrs["US"])
	ru := serveNode(t, regimePath, "RU", data["RU"], addrs["RU"])

	forcesFile := filepath.Join(dir, "us-forces.yaml")
	os.WriteFile(forcesFile, []byte(`party: US
as_of: 2011-02-05
items:
  - {uid: L1, kind: icbm-launcher, type: MM-III, status: deployed, site: Malmstrom}
  - {uid: L2, kind: icbm-launcher, type: MM-III, status: deployed, site: Malmstrom}
  - {uid: M1, kind: icbm, type: MM-III, status: deployed, site: Malmstrom, carrier: L1, warheads: 1}
  - {uid: M2, kind: icbm, type: MM-III, status: deployed, site: Malmstrom, carrier: L2, warheads: 3}
`), 0o644)
	file := filepath.Join(dir, "n.yaml")
	os.WriteFile(file, []byte(`party: US
notifications:
  - declare: {kind: initial, as_of: 2011-02-05, forces: us-forces.yaml, totals: new-start}
  - kind: status-change/v1
    body: {date: 2011-03-01, op: status, uids: [M2], status: non-deployed}
  - kind: note/v1
    effective: 2011-03-02
    body: {text: "M2 went to maintenance"}
`), 0o644)
	tok := roleToken(t, data["US"], "operator")
	out, stderr, code := run3(t, "notify", "send", file, "--url", "http://"+addrs["US"], "--token", tok, "--party", "US",
		"--key", filepath.Join(data["US"], "keys", "US.notification.key"), "--receipts", filepath.Join(dir, "receipts"))
	if code != 0 || !strings.Contains(out, "US seq 3: entry 2, note/v1") {
		t.Fatalf("notify send: %d\n%s%s", code, out, stderr)
	}
	// A change of a loading is refused, naming the field and the rule.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("notifications:\n  - kind: status-change/v1\n    body: {date: 2011-03-03, op: status, uids: [M1], status: non-deployed, warheads: 2}\n"), 0o644)
	_, stderr, code = run3(t, "notify", "send", bad, "--url", "http://"+addrs["US"], "--token", tok, "--party", "US",
		"--key", filepath.Join(data["US"], "keys", "US.notification.key"))
	if code != exitBadInput || !strings.Contains(stderr, "warheads") {
		t.Fatalf("a loading change: %d %s", code, stderr)
	}
	// RU acknowledges; then both stop gracefully.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var b strings.Builder
		r, err := http.Get("http://" + addrs["RU"] + "/api/v1/checkpoints")
		if err == nil {
			buf := new(bytes.Buffer)
			buf.ReadFrom(r.Body)
			r.Body.Close()
			b.WriteString(buf.String())
		}
		if strings.Contains(b.String(), `"party":"RU","origin":"tally.ru/log","own":true,"size":1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("RU did not acknowledge: %s", b.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, c := range []*exec.Cmd{us, ru} {
		c.Process.Signal(syscall.SIGTERM)
		if err := c.Wait(); err != nil {
			t.Fatalf("graceful stop: %v", err)
		}
	}
	logDir := filepath.Join(data["US"], "log")
	out, stderr, code = run3(t, "verify", logDir, "--regime", regimePath)
	if code != 0 || !strings.Contains(out, "checked 3 entries") {
		t.Fatalf("verify: %d\n%s%s", code, out, stderr)
	}
	out, stderr, code = run3(t, "rebuild", "--data", data["US"], "--regime", regimePath, "--check")
	if code != 0 || !strings.Contains(out, "OK: the projection is what the logs give") {
		t.Fatalf("rebuild --check: %d\n%s%s", code, out, stderr)
	}
	// A byte flipped in the note's text.
	bundle := filepath.Join(logDir, "tile", "entries", "000.p", "3")
	raw, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(raw, []byte("maintenance"))
	raw[i] = 'M'
	os.WriteFile(bundle, raw, 0o644)
	out, _, code = run3(t, "verify", logDir, "--regime", regimePath)
	if code != exitFailure || !strings.Contains(out, "entry 2 (tile/entries/000.p/3): the entry's hash differs") || !strings.Contains(out, "entry 2 (tile/entries/000.p/3): US seq 3: the signature by tally.us/notification") {
		t.Fatalf("a flipped byte: %d\n%s", code, out)
	}
}

type posing struct {
	note.Signer
	hash uint32
}

func (p posing) KeyHash() uint32 { return p.hash }

// A log whose entries hash and chain correctly but one of which is not
// signed by the party's notification key: verify names that entry.
func TestVerifyNamesAForgedEnvelope(t *testing.T) {
	dir := t.TempDir()
	regimePath := regimeFromKeys(t, dir, "US", "RU")
	signer, err := keys.LoadSigner(filepath.Join(dir, "US.checkpoint.key"))
	if err != nil {
		t.Fatal(err)
	}
	notifier, err := keys.LoadSigner(filepath.Join(dir, "US.notification.key"))
	if err != nil {
		t.Fatal(err)
	}
	// A key of the same name the regime does not list.
	fskey, _, err := note.GenerateKey(nil, notifier.Name())
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := note.NewSigner(fskey)
	// It signs, and names the party's real key.
	forger := posing{fs, notifier.KeyHash()}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logDir := filepath.Join(dir, "log")
	l, err := ledger.Open(ctx, logDir, ledger.Options{Signer: signer, CheckpointInterval: 100 * time.Millisecond, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	a := &exchange.Author{Party: "US", Signer: notifier}
	f := &exchange.Author{Party: "US", Signer: forger}
	var entries [][]byte
	for i := range 5 {
		au := a
		if i == 3 {
			f.Next = a.Next
			au = f
			a.Next++
		}
		e, err := au.Write(exchange.NoteKind, civil.MustParse("2011-03-01"), exchange.Note{Text: fmt.Sprintf("note %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	if _, err := l.AppendBatch(ctx, entries); err != nil {
		t.Fatal(err)
	}
	l.Close()
	out, _, code := run3(t, "verify", logDir, "--regime", regimePath)
	if code != exitFailure || !strings.Contains(out, "FAILED: 1 problem") || !strings.Contains(out, "entry 3 (tile/entries/000.p/5): US seq 4: the signature by tally.us/notification") {
		t.Fatalf("a forged envelope: %d\n%s", code, out)
	}
}
