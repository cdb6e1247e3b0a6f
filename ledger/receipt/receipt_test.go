package receipt_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/ledger/receipt"
	"github.com/tally-project/tally/regime/regimetest"
)

// tree returns the root of the RFC 6962 tree over entries and the
// inclusion proof of entry i, computed here from the RFC's recursive
// definitions, independently of the code under test.
func tree(t testing.TB, entries [][]byte, i uint64) ([]byte, [][32]byte) {
	t.Helper()
	h := rfc6962.DefaultHasher
	leaves := make([][]byte, len(entries))
	for k, e := range entries {
		leaves[k] = h.HashLeaf(e)
	}
	var out [][32]byte
	for _, x := range path(int(i), leaves) {
		out = append(out, [32]byte(x))
	}
	return mth(leaves), out
}

// split is the largest power of two smaller than n.
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

func mth(l [][]byte) []byte {
	if len(l) == 1 {
		return l[0]
	}
	k := split(len(l))
	return rfc6962.DefaultHasher.HashChildren(mth(l[:k]), mth(l[k:]))
}

func path(m int, l [][]byte) [][]byte {
	if len(l) == 1 {
		return nil
	}
	k := split(len(l))
	if m < k {
		return append(path(m, l[:k]), mth(l[k:]))
	}
	return append(path(m-k, l[k:]), mth(l[:k]))
}

func makeReceipt(t testing.TB, fx *regimetest.Fixture, n int, i uint64, cosigners ...string) (*receipt.Receipt, [][]byte) {
	t.Helper()
	var entries [][]byte
	for k := range n {
		entries = append(entries, fmt.Appendf(nil, "entry %d", k))
	}
	root, p := tree(t, entries, i)
	text := fmt.Sprintf("tally.us/log\n%d\n%s\n", n, base64.StdEncoding.EncodeToString(root))
	signers := []note.Signer{fx.CheckpointSigner(t, "US")}
	for _, c := range cosigners {
		signers = append(signers, fx.Cosigner(t, c))
	}
	msg, err := note.Sign(&note.Note{Text: text}, signers...)
	if err != nil {
		t.Fatal(err)
	}
	return &receipt.Receipt{Index: i, LeafHash: receipt.LeafHash(entries[i]), Proof: p, Checkpoint: msg}, entries
}

func TestVerify(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	now := time.Now()
	for _, c := range []struct {
		n, i      int
		cosigners []string
		err       error
	}{
		{1, 0, nil, receipt.ErrNotWitnessed},
		{7, 3, []string{"RU"}, receipt.ErrNotWitnessed},
		{300, 257, []string{"RU", "UK"}, nil},
	} {
		r, entries := makeReceipt(t, fx, c.n, uint64(c.i), c.cosigners...)
		b := r.Marshal()
		if !bytes.HasPrefix(b, []byte("c2sp.org/tlog-proof@v1\nextra ")) {
			t.Fatalf("not a tlog-proof:\n%s", b)
		}
		p, err := receipt.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p.Marshal(), b) {
			t.Fatalf("does not round-trip")
		}
		res := p.Verify(fx.Regime, now)
		if !res.Valid() || !errors.Is(res.Err(), c.err) && res.Err() != c.err {
			t.Fatalf("n=%d i=%d: %v\n%s", c.n, c.i, res.Err(), res.Summary())
		}
		if err := p.VerifyEntry(entries[c.i]); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyFailures(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	now := time.Now()
	r, entries := makeReceipt(t, fx, 20, 5, "RU", "UK")

	wrongLeaf := *r
	wrongLeaf.LeafHash = receipt.LeafHash(entries[6])
	if res := wrongLeaf.Verify(fx.Regime, now); res.InclusionErr == nil || res.Valid() {
		t.Fatal("accepted another entry's leaf hash")
	}
	wrongIndex := *r
	wrongIndex.Index = 4
	if res := wrongIndex.Verify(fx.Regime, now); res.InclusionErr == nil {
		t.Fatal("accepted a wrong index")
	}
	badProof := *r
	badProof.Proof = append([][32]byte{}, r.Proof...)
	badProof.Proof[1][0] ^= 1
	if res := badProof.Verify(fx.Regime, now); res.InclusionErr == nil {
		t.Fatal("accepted a bad proof")
	}
	// A checkpoint signed by someone else.
	other := regimetest.New(t, regimetest.Options{}, "US", "RU")
	forged := *r
	forged.Checkpoint, _ = note.Sign(&note.Note{Text: textOf(r.Checkpoint)}, other.CheckpointSigner(t, "US"))
	if res := forged.Verify(fx.Regime, now); res.CheckpointErr == nil || res.Valid() {
		t.Fatal("accepted a checkpoint signed by an unknown key")
	}
	// A cosignature that does not verify is reported, the policy not met.
	tampered := *r
	tampered.Checkpoint = flipSignature(t, r.Checkpoint, "tally.ru/witness")
	res := tampered.Verify(fx.Regime, now)
	if res.Witnessed() || !strings.Contains(res.Summary(), "signature: FAILED: the cosignature by RU (tally.ru/witness) does not verify") {
		t.Fatalf("tampered cosignature:\n%s", res.Summary())
	}
	if err := r.VerifyEntry([]byte("not it")); err == nil {
		t.Fatal("VerifyEntry accepted another entry")
	}
}

// flipSignature alters the last byte of the signature by key name,
// keeping its key ID, so that it no longer verifies.
func flipSignature(t *testing.T, msg []byte, name string) []byte {
	t.Helper()
	var out []string
	for _, line := range strings.SplitAfter(string(msg), "\n") {
		if b64, ok := strings.CutPrefix(line, "— "+name+" "); ok {
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(b64, "\n"))
			if err != nil {
				t.Fatal(err)
			}
			raw[len(raw)-1] ^= 1
			line = "— " + name + " " + base64.StdEncoding.EncodeToString(raw) + "\n"
		}
		out = append(out, line)
	}
	return []byte(strings.Join(out, ""))
}

func textOf(msg []byte) string {
	i := bytes.LastIndex(msg, []byte("\n\n"))
	return string(msg[:i+1])
}

func TestParseRejects(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU")
	r, _ := makeReceipt(t, fx, 4, 1)
	good := string(r.Marshal())
	h := sha256.Sum256(nil)
	for _, b := range []string{
		"",
		"c2sp.org/tlog-proof@v2\n" + good[len("c2sp.org/tlog-proof@v1\n"):],
		strings.Replace(good, "index 1", "index x", 1),
		strings.Replace(good, "extra ", "extra AAAA", 1),
		"c2sp.org/tlog-proof@v1\nindex 1\n" + base64.StdEncoding.EncodeToString(h[:]) + "\n",
		strings.TrimSuffix(good, "\n"),
		strings.Replace(good, "\n\n", "\r\n\n", 1),
	} {
		if _, err := receipt.Parse([]byte(b)); err == nil {
			t.Errorf("accepted %q", b)
		}
	}
}

func FuzzParse(f *testing.F) {
	fx := regimetest.New(f, regimetest.Options{}, "US", "RU")
	r, _ := makeReceipt(f, fx, 9, 4)
	f.Add(r.Marshal())
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 0\n\ntally.us/log\n1\nAAAA\n\n— x y\n"))
	now := time.Now()
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := receipt.Parse(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Marshal(), b) && r.LeafHash != ([32]byte{}) {
			t.Fatalf("a parsed receipt does not re-marshal to its input")
		}
		res := r.Verify(fx.Regime, now)
		_ = res.Summary()
		_ = res.Err()
	})
}

// The verifier must build for browsers: GOOS=js GOARCH=wasm.
func TestBuildsForWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds for another platform")
	}
	// go test puts the go command that runs it first on PATH.
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool: %v", err)
	}
	cmd := exec.Command(gobin, "build", "-o", os.DevNull, "github.com/tally-project/tally/ledger/receipt")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go build: %v\n%s", err, out)
	}
}
