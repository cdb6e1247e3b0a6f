package keys

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// A cosignature (C2SP tlog-cosignature, cosignature/v1) carries the time
// it was made, and that time is what fixes when a notification reached
// the cosigning party. The signer of transparency-dev/formats stamps
// time.Now; a regime replayed on a simulated clock (tally serve --demo)
// needs its cosignatures stamped with that clock instead, so that the
// times of provision fall on the simulated dates.

// LoadCosignerAt is LoadCosigner whose cosignatures carry the time now
// gives rather than time.Now.
func LoadCosignerAt(path string, now func() time.Time) (note.Signer, error) {
	s, err := readPrivate(path)
	if err != nil {
		return nil, err
	}
	c, err := NewCosignerAt(s, now)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return c, nil
}

// NewCosignerAt makes a cosigner from a private key string (as in Pair)
// whose cosignatures carry the time now gives (nil: time.Now).
func NewCosignerAt(private string, now func() time.Time) (note.Signer, error) {
	if !isAlg(private, algCosignatureV1) {
		return nil, fmt.Errorf("not a cosigner key (want algorithm %d)", algCosignatureV1)
	}
	parts := strings.SplitN(private, "+", 5)
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if parts[0] != "PRIVATE" || parts[1] != "KEY" || parts[2] == "" || err != nil || len(raw) != 1+ed25519.SeedSize {
		return nil, errors.New("malformed cosigner key: want PRIVATE+KEY+name+hash+key")
	}
	priv := ed25519.NewKeyFromSeed(raw[1:])
	pub := append([]byte{algCosignatureV1}, priv.Public().(ed25519.PublicKey)...)
	name := parts[2]
	h := keyHash(name, pub)
	if fmt.Sprintf("%08x", h) != parts[3] {
		return nil, fmt.Errorf("the key hash %s does not match the key (%08x)", parts[3], h)
	}
	if now == nil {
		now = time.Now
	}
	return &clockedCosigner{name: name, hash: h, key: priv, now: now}, nil
}

type clockedCosigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
	now  func() time.Time
}

func (c *clockedCosigner) Name() string    { return c.name }
func (c *clockedCosigner) KeyHash() uint32 { return c.hash }

// Sign signs a checkpoint as cosignature/v1 has it: the message
// "cosignature/v1\ntime <unix seconds>\n" followed by the note's text;
// the signature is the 8-byte big-endian time then the Ed25519 signature.
func (c *clockedCosigner) Sign(msg []byte) ([]byte, error) {
	t := c.now().Unix()
	if t < 0 {
		return nil, fmt.Errorf("cannot cosign at %v, before 1970", c.now())
	}
	if strings.Count(string(msg), "\n") < 2 {
		return nil, errors.New("cosigned note format invalid")
	}
	m := fmt.Appendf(nil, "cosignature/v1\ntime %d\n%s", t, msg)
	sig := binary.BigEndian.AppendUint64(make([]byte, 0, 8+ed25519.SignatureSize), uint64(t))
	return append(sig, ed25519.Sign(c.key, m)...), nil
}
