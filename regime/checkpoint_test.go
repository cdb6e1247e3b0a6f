package regime_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/regime/regimetest"
)

func body(origin string, size uint64) string {
	h := sha256.Sum256([]byte(fmt.Sprint(size)))
	return fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(h[:]))
}

func sign(t *testing.T, text string, s note.Signer) []byte {
	t.Helper()
	msg, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// cosignAt makes a tlog-cosignature (Ed25519 cosignature/v1) line over text
// with a chosen timestamp, written from the C2SP spec rather than with the
// library the code under test uses.
func cosignAt(t *testing.T, p keys.Pair, text string, at time.Time) string {
	t.Helper()
	parts := strings.SplitN(p.Private, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil {
		t.Fatal(err)
	}
	priv := ed25519.NewKeyFromSeed(raw[1:])
	msg := fmt.Sprintf("cosignature/v1\ntime %d\n%s", at.Unix(), text)
	sig := binary.BigEndian.AppendUint64(nil, uint64(at.Unix()))
	sig = append(sig, ed25519.Sign(priv, []byte(msg))...)
	pub := append([]byte{4}, priv.Public().(ed25519.PublicKey)...)
	h := sha256.Sum256(append([]byte(p.Name+"\n"), pub...))
	full := append(h[:4:4], sig...)
	return fmt.Sprintf("— %s %s\n", p.Name, base64.StdEncoding.EncodeToString(full))
}

func TestOpenCheckpointWitnessed(t *testing.T) {
	f := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	r := f.Regime
	text := body("tally.us/log", 42)
	msg := sign(t, text, f.CheckpointSigner(t, "US"))
	now := time.Now()

	c, err := r.OpenCheckpoint(msg, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Size != 42 || c.Log.ID != "US" || c.Signer == nil || c.Witnessed() || len(c.Pending()) != 2 {
		t.Fatalf("size %d log %s witnessed %v pending %d", c.Size, c.Log.ID, c.Witnessed(), len(c.Pending()))
	}

	// One cosignature: not yet witnessed under "all".
	ru := cosignAt(t, f.Keys["RU"].Cosigner, text, now.Add(-time.Minute))
	c, err = r.OpenCheckpoint(append(append([]byte{}, msg...), ru...), now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Witnessed() || c.CosignedBy(r.Party("RU")) == nil || c.CosignedBy(r.Party("RU")).Time.Unix() != now.Add(-time.Minute).Unix() {
		t.Fatalf("after RU: witnessed=%v cosigs=%v", c.Witnessed(), c.Cosignatures)
	}
	// The library cosigner agrees with the spec-written one.
	cosigned := sign(t, text, f.Cosigner(t, "UK"))
	ukLine := string(cosigned[strings.LastIndex(string(cosigned), "\n\n")+2:])
	c, err = r.OpenCheckpoint([]byte(string(msg)+ru+ukLine), now)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Witnessed() || len(c.Cosignatures) != 2 || len(c.Problems) != 0 {
		t.Fatalf("witnessed=%v cosigs=%d problems=%v", c.Witnessed(), len(c.Cosignatures), c.Problems)
	}
}

func TestOpenCheckpointProblems(t *testing.T) {
	f := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	r := f.Regime
	now := time.Now()
	text := body("tally.us/log", 7)
	msg := string(sign(t, text, f.CheckpointSigner(t, "US")))

	// A cosignature over another checkpoint does not verify.
	bad := cosignAt(t, f.Keys["RU"].Cosigner, body("tally.us/log", 8), now)
	// A party cosigning its own log is ignored.
	self := cosignAt(t, f.Keys["US"].Cosigner, text, now)
	// A cosignature from the future is rejected.
	future := cosignAt(t, f.Keys["UK"].Cosigner, text, now.Add(time.Hour))
	c, err := r.OpenCheckpoint([]byte(msg+bad+self+future), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Cosignatures) != 0 || len(c.Problems) != 3 {
		t.Fatalf("cosigs %v problems %q", c.Cosignatures, c.Problems)
	}
	for i, want := range []string{"RU (tally.ru/witness) does not verify", "US cosigns its own log", "UK is dated"} {
		if !strings.Contains(c.Problems[i], want) {
			t.Errorf("problem %d = %q, want %q", i, c.Problems[i], want)
		}
	}

	// Unknown origin, wrong signer, malformed.
	other := sign(t, body("tally.xx/log", 1), f.CheckpointSigner(t, "US"))
	if _, err := r.OpenCheckpoint(other, now); !errors.Is(err, regime.ErrUnknownOrigin) {
		t.Errorf("unknown origin: %v", err)
	}
	byRU := sign(t, text, f.CheckpointSigner(t, "RU"))
	if _, err := r.OpenCheckpoint(byRU, now); !errors.Is(err, regime.ErrNotSigned) {
		t.Errorf("signed by RU: %v", err)
	}
	for _, m := range []string{
		"",
		"tally.us/log\n7\n",
		strings.Replace(msg, "\n7\n", "\n07\n", 1),
		strings.Replace(msg, "\n7\n", "\n-7\n", 1),
		"tally.us/log\n7\nAAAA\n\n— x AAAAAAAA\n",
		text + "\n— tally.us/log !!!\n",
	} {
		if _, err := r.OpenCheckpoint([]byte(m), now); !errors.Is(err, regime.ErrMalformed) && !errors.Is(err, regime.ErrNotSigned) {
			t.Errorf("%q: %v", m, err)
		}
	}
}

// A checkpoint key is rotated: checkpoints witnessed before the revocation
// stay valid, a checkpoint signed after it with the old key is refused,
// the new key takes over.
func TestKeyRotation(t *testing.T) {
	f := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	oldKey := f.Keys["US"].Checkpoint
	newSet, err := keys.Generate("US", keys.DefaultNames("US"))
	if err != nil {
		t.Fatal(err)
	}
	rotation := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	y := strings.Replace(f.YAML, "- key: "+oldKey.Verifier+"\n",
		"- key: "+oldKey.Verifier+"\n          revoked-at: 2026-06-01\n          reason: rotation\n"+
			"        - key: "+newSet.Checkpoint.Verifier+"\n          valid-from: 2026-06-01\n", 1)
	r, err := regime.Parse("rotated.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	oldSigner, _ := note.NewSigner(oldKey.Private)
	newSigner, _ := note.NewSigner(newSet.Checkpoint.Private)
	text := body("tally.us/log", 100)
	later := rotation.Add(30 * 24 * time.Hour)

	// Witnessed before the rotation: still valid a month later.
	before := string(sign(t, text, oldSigner)) + cosignAt(t, f.Keys["RU"].Cosigner, text, rotation.Add(-time.Hour))
	if c, err := r.OpenCheckpoint([]byte(before), later); err != nil || c.Signer.Name() != "tally.us/log" || !c.Signer.ValidAt(rotation.Add(-time.Hour)) {
		t.Fatalf("witnessed before rotation: %v", err)
	}
	// Old key, witnessed only after the rotation: refused.
	after := string(sign(t, text, oldSigner)) + cosignAt(t, f.Keys["RU"].Cosigner, text, rotation.Add(time.Hour))
	if _, err := r.OpenCheckpoint([]byte(after), later); !errors.Is(err, regime.ErrNotSigned) || !strings.Contains(err.Error(), "revoked at 2026-06-01") {
		t.Fatalf("witnessed after rotation: %v", err)
	}
	// Old key, unwitnessed, looked at after the rotation: refused.
	if _, err := r.OpenCheckpoint(sign(t, text, oldSigner), later); !errors.Is(err, regime.ErrNotSigned) {
		t.Fatalf("unwitnessed old key: %v", err)
	}
	// The verifiers of a role follow the validity of its keys.
	us := r.Party("US")
	if k := us.KeyFor(regime.RoleCheckpoint, "tally.us/log", newSigner.KeyHash()); k == nil || k.ValidAt(rotation.Add(-time.Second)) {
		t.Fatalf("KeyFor new key: %v", k)
	}
	msg := sign(t, text, oldSigner)
	if _, err := note.Open(msg, us.Verifiers(regime.RoleCheckpoint, rotation.Add(-time.Hour))); err != nil {
		t.Fatalf("old key before the rotation: %v", err)
	}
	if _, err := note.Open(msg, us.Verifiers(regime.RoleCheckpoint, later)); err == nil {
		t.Fatal("old key accepted after the rotation")
	}
	// New key: valid after, not before.
	if _, err := r.OpenCheckpoint(sign(t, text, newSigner), later); err != nil {
		t.Fatalf("new key: %v", err)
	}
	if _, err := r.OpenCheckpoint(sign(t, text, newSigner), rotation.Add(-time.Hour)); !errors.Is(err, regime.ErrNotSigned) {
		t.Fatalf("new key before its time: %v", err)
	}
}

// A cosigner key revoked after a compromise: its cosignatures dated before
// stay, those dated after do not count.
func TestCosignerRevocation(t *testing.T) {
	f := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	ru := f.Keys["RU"].Cosigner
	y := strings.Replace(f.YAML, "- key: "+ru.Verifier+"\n",
		"- key: "+ru.Verifier+"\n          revoked-at: 2026-05-01T12:00:00Z\n          reason: compromise\n", 1)
	r, err := regime.Parse("revoked.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	revoked := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	text := body("tally.us/log", 5)
	msg := string(sign(t, text, f.CheckpointSigner(t, "US")))
	now := revoked.Add(48 * time.Hour)
	c, err := r.OpenCheckpoint([]byte(msg+cosignAt(t, ru, text, revoked.Add(-time.Second))+cosignAt(t, f.Keys["UK"].Cosigner, text, revoked)), now)
	if err != nil || !c.Witnessed() {
		t.Fatalf("before compromise: witnessed=%v err=%v", c != nil && c.Witnessed(), err)
	}
	c, err = r.OpenCheckpoint([]byte(msg+cosignAt(t, ru, text, revoked)+cosignAt(t, f.Keys["UK"].Cosigner, text, revoked)), now)
	if err != nil || c.Witnessed() || len(c.Problems) != 1 || !strings.Contains(c.Problems[0], "outside the validity") {
		t.Fatalf("after compromise: witnessed=%v problems=%v err=%v", c.Witnessed(), c.Problems, err)
	}
}
