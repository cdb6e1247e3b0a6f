// Package receipttest makes real receipts for tests of the receipt
// verifier: a party's log (package ledger, on Tessera) in a temporary
// directory, witnessed over loopback HTTP by the other party's real
// witness, so that the receipts carry genuine log signatures and
// cosignatures; and the ways a receipt can be tampered with, one flipped
// byte at a time.
package receipttest

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/ledger/receipt"
	"github.com/tally-project/tally/regime/regimetest"
)

// Fixture is a regime of two parties, US and RU, and receipts of entries
// in the US log.
type Fixture struct {
	// Regime is the regime file, with the keys of both parties.
	Regime string
	// Receipt is a receipt of Entry, witnessed by RU.
	Receipt []byte
	Entry   []byte
	// Unwitnessed is a receipt of another entry before RU cosigned it.
	Unwitnessed []byte
	// Keys has the private keys, for tests that sign more.
	Keys *regimetest.Fixture
}

// New appends entries to a US log witnessed by RU and returns receipts.
// Everything runs on 127.0.0.1 and in t.TempDir, and is stopped when the
// test ends.
func New(t testing.TB) *Fixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	lns := map[string]net.Listener{}
	urls := map[string]string{}
	for _, id := range []string{"US", "RU"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[id] = ln
		urls[id] = "http://" + ln.Addr().String() + "/"
	}
	fx := regimetest.New(t, regimetest.Options{Nodes: urls}, "US", "RU")
	dir := t.TempDir()

	wit, err := ledger.NewWitness(filepath.Join(dir, "ru-witness"), ledger.WitnessOptions{
		Regime: fx.Regime, Self: "RU", Cosigner: fx.Cosigner(t, "RU"), Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	log, err := ledger.Open(ctx, filepath.Join(dir, "us-log"), ledger.Options{
		Signer: fx.CheckpointSigner(t, "US"), Regime: fx.Regime,
		CheckpointInterval: ledger.MinCheckpointInterval, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	serve := func(ln net.Listener, prefix string, h http.Handler) *http.Server {
		mux := http.NewServeMux()
		mux.Handle(prefix, http.StripPrefix(prefix, h))
		srv := &http.Server{Handler: mux}
		go srv.Serve(ln)
		return srv
	}
	ruSrv := serve(lns["RU"], "/witness/", wit.Handler())
	usSrv := serve(lns["US"], "/log/", log.Handler())
	t.Cleanup(func() {
		log.Close()
		usSrv.Close()
		ruSrv.Close()
		wit.Close()
	})

	var entries [][]byte
	for i := range 5 {
		entries = append(entries, fmt.Appendf(nil, `{"party":"US","kind":"item-notification","seq":%d,"event":{"date":"2020-09-01","op":"status","uids":["US-ICBM-%04d"],"status":"non-deployed"}}`, i+1, i+1))
	}
	if _, err := log.AppendBatch(ctx, entries); err != nil {
		t.Fatal(err)
	}
	const index = 2
	r, err := log.WaitWitnessed(ctx, index)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Proof) == 0 {
		t.Fatal("receipttest: an inclusion proof without hashes tests nothing")
	}
	f := &Fixture{Regime: fx.YAML, Receipt: r.Marshal(), Entry: entries[index], Keys: fx}

	// A receipt made before RU cosigns: take its checkpoint without the
	// cosignature lines.
	u := *r
	u.Checkpoint = []byte(strings.Join(keepLines(string(r.Checkpoint), func(l string) bool {
		return !strings.HasPrefix(l, "— tally.ru/")
	}), ""))
	f.Unwitnessed = u.Marshal()
	return f
}

func keepLines(s string, keep func(string) bool) []string {
	var out []string
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" && keep(l) {
			out = append(out, l)
		}
	}
	return out
}

// FlipProofHash returns rc with one byte of its first inclusion-proof
// hash flipped.
func FlipProofHash(t testing.TB, rc []byte) []byte {
	t.Helper()
	r, err := receipt.Parse(rc)
	if err != nil {
		t.Fatal(err)
	}
	r.Proof[0][7] ^= 0x01
	return r.Marshal()
}

// FlipLogSignature returns rc with one byte of the log's Ed25519 signature
// on the checkpoint flipped.
func FlipLogSignature(t testing.TB, rc []byte) []byte {
	t.Helper()
	// The signature line: key hash (4 bytes) then the signature.
	return flipSignature(t, rc, "— tally.us/log ", 4+10)
}

// FlipCosignature returns rc with one byte of RU's cosignature flipped.
func FlipCosignature(t testing.TB, rc []byte) []byte {
	t.Helper()
	// A cosignature/v1 line: key hash (4), timestamp (8), signature.
	return flipSignature(t, rc, "— tally.ru/witness ", 4+8+10)
}

func flipSignature(t testing.TB, rc []byte, prefix string, at int) []byte {
	t.Helper()
	lines := strings.SplitAfter(string(rc), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(strings.TrimPrefix(l, prefix), "\n"))
		if err != nil {
			t.Fatal(err)
		}
		raw[at] ^= 0x01
		lines[i] = prefix + base64.StdEncoding.EncodeToString(raw) + "\n"
		return []byte(strings.Join(lines, ""))
	}
	t.Fatalf("receipttest: no line starting %q in\n%s", prefix, rc)
	return nil
}
