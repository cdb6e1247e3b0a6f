// Package keys makes and loads a party's signing keys.
//
// A party signs with three Ed25519 keys, one per role (see package regime):
// the checkpoint key signs its log's checkpoints, the notification key its
// notifications, and the cosigner key its cosignatures on other parties'
// checkpoints. Each is kept in two files:
//
//	US.checkpoint.key     PRIVATE+KEY+tally.us/log+1a2b3c4d+AY...   mode 0600
//	US.checkpoint.vkey    tally.us/log+1a2b3c4d+AY...                 the verifier key
//
// Private keys are in the signed-note format of golang.org/x/mod/sumdb/note.
// The cosigner's are written with the tlog-cosignature algorithm byte
// (0x04), so that a cosigner key cannot be loaded as a checkpoint or
// notification signer by mistake, and its verifier key is a C2SP
// tlog-cosignature vkey. The verifier keys go into the regime file.
package keys

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/regime"
)

// Pair is one key: its role, signed-note name, private key and verifier key.
type Pair struct {
	Role     regime.Role
	Name     string
	Private  string // PRIVATE+KEY+name+hash+base64
	Verifier string // name+hash+base64
}

// Set is a party's three keys.
type Set struct {
	Party        string
	Checkpoint   Pair
	Notification Pair
	Cosigner     Pair
}

// Pairs returns the set's keys in role order.
func (s *Set) Pairs() []Pair { return []Pair{s.Checkpoint, s.Notification, s.Cosigner} }

// Names are the signed-note names of a party's keys.
type Names struct {
	// Origin is the log origin, which is the checkpoint key's name.
	Origin       string
	Notification string
	Cosigner     string
}

// DefaultNames are tally.<party>/log, tally.<party>/notification and
// tally.<party>/witness, with the party id in lower case.
func DefaultNames(party string) Names {
	base := "tally." + strings.ToLower(party)
	return Names{Origin: base + "/log", Notification: base + "/notification", Cosigner: base + "/witness"}
}

// Generate makes a fresh set of keys for party, reading randomness from
// crypto/rand.
func Generate(party string, names Names) (*Set, error) {
	return GenerateFrom(rand.Reader, party, names)
}

// GenerateFrom is Generate with a given source of randomness (tests use a
// deterministic one).
func GenerateFrom(r io.Reader, party string, names Names) (*Set, error) {
	for _, n := range []string{names.Origin, names.Notification, names.Cosigner} {
		if n == "" || !utf8.ValidString(n) || strings.IndexFunc(n, unicode.IsSpace) >= 0 || strings.Contains(n, "+") {
			return nil, fmt.Errorf("key name %q: a signed-note key name is non-empty UTF-8 without spaces or '+'", n)
		}
	}
	s := &Set{Party: party}
	var err error
	if s.Checkpoint, err = ed25519Pair(r, regime.RoleCheckpoint, names.Origin); err != nil {
		return nil, err
	}
	if s.Notification, err = ed25519Pair(r, regime.RoleNotification, names.Notification); err != nil {
		return nil, err
	}
	if s.Cosigner, err = cosignerPair(r, names.Cosigner); err != nil {
		return nil, err
	}
	return s, nil
}

func ed25519Pair(r io.Reader, role regime.Role, name string) (Pair, error) {
	skey, vkey, err := note.GenerateKey(r, name)
	if err != nil {
		return Pair{}, fmt.Errorf("%s key %q: %v", role, name, err)
	}
	return Pair{Role: role, Name: name, Private: skey, Verifier: vkey}, nil
}

const algCosignatureV1 = 4

func cosignerPair(r io.Reader, name string) (Pair, error) {
	pub, priv, err := ed25519.GenerateKey(r)
	if err != nil {
		return Pair{}, err
	}
	pk := append([]byte{algCosignatureV1}, pub...)
	sk := append([]byte{algCosignatureV1}, priv.Seed()...)
	h := keyHash(name, pk)
	return Pair{
		Role:     regime.RoleCosigner,
		Name:     name,
		Private:  fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, h, base64.StdEncoding.EncodeToString(sk)),
		Verifier: fmt.Sprintf("%s+%08x+%s", name, h, base64.StdEncoding.EncodeToString(pk)),
	}, nil
}

// keyHash is the signed-note key ID: SHA-256(name || "\n" || key)[:4].
func keyHash(name string, key []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte("\n"))
	h.Write(key)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// Files returns the private and verifier key file names of a party's key of
// the given role in dir.
func Files(dir, party string, role regime.Role) (private, verifier string) {
	base := filepath.Join(dir, party+"."+string(role))
	return base + ".key", base + ".vkey"
}

// Write stores the set in dir (created if needed): private keys with mode
// 0600, verifier keys with mode 0644. It never overwrites a file: if any
// exists, nothing is written.
func (s *Set) Write(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	type file struct {
		path string
		data string
		mode os.FileMode
	}
	var files []file
	for _, p := range s.Pairs() {
		priv, pub := Files(dir, s.Party, p.Role)
		files = append(files, file{priv, p.Private + "\n", 0o600}, file{pub, p.Verifier + "\n", 0o644})
	}
	for _, f := range files {
		if _, err := os.Lstat(f.path); err == nil {
			return nil, fmt.Errorf("%s: %w; keys are never overwritten", f.path, fs.ErrExist)
		}
	}
	var written []string
	for _, f := range files {
		if err := writeExclusive(f.path, []byte(f.data), f.mode); err != nil {
			for _, w := range written {
				os.Remove(w)
			}
			return nil, err
		}
		written = append(written, f.path)
	}
	return written, nil
}

func writeExclusive(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	// The umask may have narrowed the mode; it cannot have widened it.
	return os.Chmod(path, mode)
}

// RegimeYAML is the party entry of a regime file for this set, with node as
// the node URL, to paste under "parties:".
func (s *Set) RegimeYAML(name, node string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  - id: %s\n", s.Party)
	fmt.Fprintf(&b, "    name: %s\n", name)
	fmt.Fprintf(&b, "    node: %s\n", node)
	fmt.Fprintf(&b, "    log:\n      origin: %s\n", s.Checkpoint.Name)
	fmt.Fprintf(&b, "    keys:\n")
	for _, p := range s.Pairs() {
		fmt.Fprintf(&b, "      %s:\n        - key: %s\n", p.Role, p.Verifier)
	}
	return b.String()
}

// ErrExposed is returned when a private key file can be read by others.
var ErrExposed = errors.New("private key file is readable by other users")

func readPrivate(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s: %w (mode %04o); run chmod 600 %s", path, ErrExposed, fi.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(data))
	if !strings.HasPrefix(s, "PRIVATE+KEY+") {
		return "", fmt.Errorf("%s: not a private key (want PRIVATE+KEY+name+hash+key)", path)
	}
	return s, nil
}

// LoadSigner loads an Ed25519 signed-note signer: a checkpoint or a
// notification key.
func LoadSigner(path string) (note.Signer, error) {
	s, err := readPrivate(path)
	if err != nil {
		return nil, err
	}
	signer, err := note.NewSigner(s)
	if err != nil {
		return nil, fmt.Errorf("%s: not an Ed25519 signed-note key (a cosigner key cannot sign checkpoints or notifications): %v", path, err)
	}
	return signer, nil
}

// LoadCosigner loads a cosigner key (C2SP tlog-cosignature, Ed25519
// cosignature/v1).
func LoadCosigner(path string) (*fnote.Signer, error) {
	s, err := readPrivate(path)
	if err != nil {
		return nil, err
	}
	if !isAlg(s, algCosignatureV1) {
		return nil, fmt.Errorf("%s: not a cosigner key (want algorithm %d, tlog-cosignature)", path, algCosignatureV1)
	}
	signer, err := fnote.NewSignerForCosignatureV1(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return signer, nil
}

// NewCosigner makes a cosigner from a private key string (as in Pair).
func NewCosigner(private string) (*fnote.Signer, error) {
	if !isAlg(private, algCosignatureV1) {
		return nil, fmt.Errorf("not a cosigner key (want algorithm %d)", algCosignatureV1)
	}
	return fnote.NewSignerForCosignatureV1(private)
}

func isAlg(skey string, alg byte) bool {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return false
	}
	k, err := base64.StdEncoding.DecodeString(parts[4])
	return err == nil && len(k) > 0 && k[0] == alg
}

// LoadVerifierKey reads a verifier key file (one line).
func LoadVerifierKey(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(data)), nil
}
