package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/regime"
)

// run3 is tally (cli_test.go) returning stdout, stderr and the exit code.
func run3(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	r := tally(t, args...)
	return r.stdout, r.stderr, r.code
}

// regimeFromKeys generates keys for the parties with the command and
// assembles the regime file from the entries it prints.
func regimeFromKeys(t *testing.T, dir string, parties ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("version: 1\ntreaty: new-start\nparties:\n")
	for _, p := range parties {
		out, stderr, code := run3(t, "keys", "generate", "--party", p, "--out", dir, "--name", "Party "+p)
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

func TestKeysGenerate(t *testing.T) {
	dir := t.TempDir()
	regimePath := regimeFromKeys(t, dir, "US", "RU", "UK")
	reg, err := regime.Load(regimePath)
	if err != nil {
		t.Fatalf("the printed entries do not make a regime: %v", err)
	}
	for _, role := range regime.Roles {
		priv, pub := keys.Files(dir, "US", role)
		fi, err := os.Stat(priv)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", priv, fi.Mode(), err)
		}
		vkey, _ := keys.LoadVerifierKey(pub)
		if got := reg.Party("US").KeysFor(role)[0].Key; got != vkey {
			t.Fatalf("%s in the regime is %q, file has %q", role, got, vkey)
		}
	}
	if _, err := keys.LoadSigner(filepath.Join(dir, "US.checkpoint.key")); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.LoadCosigner(filepath.Join(dir, "US.cosigner.key")); err != nil {
		t.Fatal(err)
	}
	// A cosigner key cannot sign checkpoints, nor the reverse.
	if _, err := keys.LoadSigner(filepath.Join(dir, "US.cosigner.key")); err == nil {
		t.Fatal("a cosigner key loaded as a checkpoint signer")
	}
	if _, err := keys.LoadCosigner(filepath.Join(dir, "US.checkpoint.key")); err == nil {
		t.Fatal("a checkpoint key loaded as a cosigner")
	}
	// An exposed private key is refused.
	os.Chmod(filepath.Join(dir, "US.notification.key"), 0o644)
	if _, err := keys.LoadSigner(filepath.Join(dir, "US.notification.key")); !errors.Is(err, keys.ErrExposed) {
		t.Fatalf("exposed key: %v", err)
	}
	// Existing keys are never overwritten.
	if _, stderr, code := run3(t, "keys", "generate", "--party", "US", "--out", dir); code != exitBadInput || !strings.Contains(stderr, "never overwritten") {
		t.Fatalf("overwrite: %d %s", code, stderr)
	}
	for _, bad := range [][]string{{}, {"--party", "us"}, {"--party", "U S"}} {
		if _, _, code := run3(t, append([]string{"keys", "generate", "--out", dir}, bad...)...); code != exitBadInput {
			t.Fatalf("party %v: exit %d", bad, code)
		}
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestReceiptAndVerifyCommands(t *testing.T) {
	dir := t.TempDir()
	regimePath := regimeFromKeys(t, dir, "US", "RU", "UK")
	reg, err := regime.Load(regimePath)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := keys.LoadSigner(filepath.Join(dir, "US.checkpoint.key"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logDir := filepath.Join(dir, "log")
	l, err := ledger.Open(ctx, logDir, ledger.Options{Signer: signer, CheckpointInterval: 100 * time.Millisecond, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	var entries [][]byte
	for i := range 300 {
		entries = append(entries, fmt.Appendf(nil, "notification %d", i))
	}
	rs, err := l.AppendBatch(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[42]
	receiptPath := filepath.Join(dir, "42.tlog-proof")
	os.WriteFile(receiptPath, r.Marshal(), 0o644)
	entryPath := filepath.Join(dir, "42.entry")
	os.WriteFile(entryPath, entries[42], 0o644)
	os.WriteFile(filepath.Join(dir, "41.entry"), entries[41], 0o644)

	// Not witnessed yet: its own exit status.
	out, stderr, code := run3(t, "receipt", "verify", receiptPath, "--regime", regimePath, "--entry", entryPath)
	if code != exitNotWitnessed || !strings.Contains(out, "NOT YET WITNESSED") || !strings.Contains(out, "inclusion: ok") || !strings.Contains(stderr, "NOT YET WITNESSED") {
		t.Fatalf("unwitnessed: %d\n%s%s", code, out, stderr)
	}
	// Another entry: fails.
	if out, _, code := run3(t, "receipt", "verify", receiptPath, "--regime", regimePath, "--entry", filepath.Join(dir, "41.entry")); code != exitFailure || !strings.Contains(out, "entry: FAILED") {
		t.Fatalf("wrong entry: %d\n%s", code, out)
	}
	// Witnessed: RU and UK cosign (their witnesses, in process).
	full := r.Checkpoint
	for _, p := range []string{"RU", "UK"} {
		cos, err := keys.LoadCosigner(filepath.Join(dir, p+".cosigner.key"))
		if err != nil {
			t.Fatal(err)
		}
		w, err := ledger.NewWitness(filepath.Join(dir, "witness-"+p), ledger.WitnessOptions{Regime: reg, Self: p, Cosigner: cos, Logger: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		status, _, line := w.AddCheckpoint(ctx, append([]byte("old 0\n\n"), r.Checkpoint...))
		w.Close()
		if status != 200 {
			t.Fatalf("%s witness: %d %s", p, status, line)
		}
		full = append(full, line...)
	}
	r.Checkpoint = full
	os.WriteFile(receiptPath, r.Marshal(), 0o644)
	out, stderr, code = run3(t, "receipt", "verify", receiptPath, "--regime", regimePath, "--entry", entryPath)
	if code != 0 || !strings.Contains(out, "cosignature: ok, RU") || !strings.Contains(out, "cosignature: ok, UK") || !strings.Contains(out, "valid and witnessed") {
		t.Fatalf("witnessed: %d\n%s%s", code, out, stderr)
	}
	// From standard input, tampered: fails.
	bad := bytes.Replace(r.Marshal(), []byte("index 42"), []byte("index 43"), 1)
	cmd := exec.Command(tallyBin, "receipt", "verify", "-", "--regime", regimePath)
	cmd.Stdin = bytes.NewReader(bad)
	if err := cmd.Run(); err == nil || cmd.ProcessState.ExitCode() != exitFailure {
		t.Fatalf("tampered receipt: %v", err)
	}
	if _, _, code := run3(t, "receipt", "verify", filepath.Join(dir, "42.entry"), "--regime", regimePath); code != exitBadInput {
		t.Fatalf("not a receipt: %d", code)
	}

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// tally verify: everything holds, then a flipped byte is named. The
	// entries are not notifications: --raw checks their framing only.
	out, stderr, code = run3(t, "verify", logDir, "--regime", regimePath, "--raw")
	if code != 0 || !strings.Contains(out, "OK: everything holds") || !strings.Contains(out, "checked 300 entries") {
		t.Fatalf("verify: %d\n%s%s", code, out, stderr)
	}
	trusted := filepath.Join(dir, "trusted.checkpoint")
	os.WriteFile(trusted, rs[0].Checkpoint, 0o644)
	if out, _, code := run3(t, "verify", logDir, "--regime", regimePath, "--raw", "--trusted", trusted); code != 0 {
		t.Fatalf("verify --trusted: %d\n%s", code, out)
	}
	bundle := filepath.Join(logDir, "tile", "entries", "000")
	raw, _ := os.ReadFile(bundle)
	i := bytes.Index(raw, []byte("notification 7"))
	raw[i+13] = '8'
	os.WriteFile(bundle, raw, 0o644)
	out, _, code = run3(t, "verify", logDir, "--regime", regimePath, "--raw")
	if code != exitFailure || !strings.Contains(out, "entry 7 (tile/entries/000): the entry's hash differs") {
		t.Fatalf("tampered: %d\n%s", code, out)
	}
	if _, _, code := run3(t, "verify", filepath.Join(dir, "nowhere")); code != exitBadInput {
		t.Fatalf("missing dir: %d", code)
	}
}

func TestBenchCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the load tool")
	}
	out, stderr, code := run3(t, "bench", "ingest", "--entries", "400", "--concurrency", "32")
	if code != 0 || !strings.Contains(out, "tally receipts, HTTP on loopback") || !strings.Contains(out, "tessera POSIX append + checkpoint") || strings.Contains(stderr, "Initializing") {
		t.Fatalf("bench ingest: %d\n%s%s", code, out, stderr)
	}
	out, stderr, code = run3(t, "bench", "verify", "--entries", "1500", "--dir", filepath.Join(t.TempDir(), "b"))
	if code != 0 || !strings.Contains(out, "audit / ed25519 alone") {
		t.Fatalf("bench verify: %d\n%s%s", code, out, stderr)
	}
}
