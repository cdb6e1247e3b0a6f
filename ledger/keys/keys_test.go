package keys

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/regime"
)

func TestGenerateWriteLoad(t *testing.T) {
	set, err := Generate("UK", DefaultNames("UK"))
	if err != nil {
		t.Fatal(err)
	}
	if set.Checkpoint.Name != "tally.uk/log" || set.Cosigner.Name != "tally.uk/witness" {
		t.Fatalf("names %q %q", set.Checkpoint.Name, set.Cosigner.Name)
	}
	dir := t.TempDir()
	files, err := set.Write(dir)
	if err != nil || len(files) != 6 {
		t.Fatal(files, err)
	}
	for _, role := range regime.Roles {
		priv, pub := Files(dir, "UK", role)
		if fi, _ := os.Stat(priv); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v", priv, fi.Mode())
		}
		if fi, _ := os.Stat(pub); fi.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v", pub, fi.Mode())
		}
	}
	// What a loaded signer signs, the written verifier key verifies.
	s, err := LoadSigner(filepath.Join(dir, "UK.checkpoint.key"))
	if err != nil {
		t.Fatal(err)
	}
	vkey, _ := LoadVerifierKey(filepath.Join(dir, "UK.checkpoint.vkey"))
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := note.Sign(&note.Note{Text: "tally.uk/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"}, s)
	if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCosigner(filepath.Join(dir, "UK.cosigner.key"))
	if err != nil {
		t.Fatal(err)
	}
	cvkey, _ := LoadVerifierKey(filepath.Join(dir, "UK.cosigner.vkey"))
	cv, err := fnote.NewVerifierForCosignatureV1(cvkey)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ = note.Sign(&note.Note{Text: "tally.us/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"}, c)
	if _, err := note.Open(msg, note.VerifierList(cv)); err != nil {
		t.Fatalf("cosignature: %v", err)
	}
	// Nothing is overwritten, not even partly.
	other, _ := Generate("UK", DefaultNames("UK"))
	os.Remove(filepath.Join(dir, "UK.cosigner.vkey"))
	if _, err := other.Write(dir); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("overwrite: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "UK.cosigner.vkey")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a refused write wrote a file")
	}
	if _, err := Generate("UK", Names{Origin: "bad name", Notification: "n", Cosigner: "c"}); err == nil {
		t.Fatal("a key name with a space was accepted")
	}
	if _, err := Generate("UK", Names{Origin: "o", Notification: "n", Cosigner: "c+d"}); err == nil {
		t.Fatal("a cosigner name with '+' was accepted")
	}
}

// A cosigner on a given clock makes cosignatures that the regime's
// cosignature/v1 verifier accepts, stamped with that clock's time.
func TestCosignerAt(t *testing.T) {
	set, err := Generate("UK", DefaultNames("UK"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2013, 4, 7, 10, 30, 0, 0, time.UTC)
	c, err := NewCosignerAt(set.Cosigner.Private, func() time.Time { return at })
	if err != nil {
		t.Fatal(err)
	}
	std, _ := NewCosigner(set.Cosigner.Private)
	if c.Name() != std.Name() || c.KeyHash() != std.KeyHash() {
		t.Fatalf("%s+%08x, want %s+%08x", c.Name(), c.KeyHash(), std.Name(), std.KeyHash())
	}
	v, err := fnote.NewVerifierForCosignatureV1(set.Cosigner.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: "tally.us/log\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"}, c)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		t.Fatal(err)
	}
	got, err := fnote.CoSigV1Timestamp(n.Sigs[0])
	if err != nil || !got.Equal(at) {
		t.Fatalf("timestamp %v (%v), want %v", got, err, at)
	}
	// Signed at another time, the same text gets another signature, and a
	// checkpoint key is not a cosigner key.
	at = at.Add(time.Hour)
	msg2, _ := note.Sign(&note.Note{Text: n.Text}, c)
	if bytes.Equal(msg, msg2) {
		t.Fatal("the time is not in the signature")
	}
	if _, err := NewCosignerAt(set.Checkpoint.Private, nil); err == nil {
		t.Fatal("a checkpoint key loaded as a cosigner")
	}
	bad := strings.Replace(set.Cosigner.Private, "+"+strings.SplitN(set.Cosigner.Private, "+", 5)[3]+"+", "+00000000+", 1)
	if _, err := NewCosignerAt(bad, nil); err == nil {
		t.Fatal("a key with a wrong hash loaded")
	}
}

// A cosigner key read from a file is outside input: whatever it holds,
// NewCosignerAt returns a signer or an error, never panics, and a signer
// it returns signs.
func FuzzNewCosignerAt(f *testing.F) {
	set, err := Generate("UK", DefaultNames("UK"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(set.Cosigner.Private)
	f.Add(set.Checkpoint.Private)
	f.Add("PRIVATE+KEY+a+00000000+BA==")
	f.Add("PRIVATE+KEY++++")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := NewCosignerAt(s, func() time.Time { return time.Unix(1e9, 0) })
		if err != nil {
			return
		}
		if _, err := c.Sign([]byte("o\n1\nAA==\n")); err != nil {
			t.Fatal(err)
		}
	})
}
