package regime

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	flog "github.com/transparency-dev/formats/log"
	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// Errors from OpenCheckpoint, to be told apart with errors.Is (a witness
// answers each with its own HTTP status, as C2SP tlog-witness requires).
var (
	// ErrMalformed: the bytes are not a signed checkpoint.
	ErrMalformed = errors.New("malformed checkpoint")
	// ErrUnknownOrigin: the origin is not the log of any party.
	ErrUnknownOrigin = errors.New("unknown log origin")
	// ErrNotSigned: no valid signature by the log's checkpoint key.
	ErrNotSigned = errors.New("no valid log signature")
)

// FutureSkew is how far in the future a cosignature timestamp may be
// before it is rejected, to absorb clock differences between nodes.
const FutureSkew = 5 * time.Minute

// Checkpoint is a signed log checkpoint (C2SP tlog-checkpoint) whose
// signatures have been checked against the regime.
type Checkpoint struct {
	Origin string
	Size   uint64
	Hash   []byte // the RFC 6962 root hash, 32 bytes
	// Extension holds any lines after the root hash, with their newlines.
	Extension []byte
	// Text is the signed note body (origin, size, hash, extensions).
	Text string
	// Note is the signed note as given, with every signature line.
	Note []byte
	// Log is the party whose log this is.
	Log *Party
	// Signer is the checkpoint key whose signature verified.
	Signer *Key
	// SignerLine is the log's signature line, "— name base64\n".
	SignerLine string
	// Cosignatures are the valid cosignatures by other parties' cosigner
	// keys, one per key (the earliest), in the order of the note.
	Cosignatures []Cosignature
	// Problems lists signatures by regime keys that did not hold: a bad
	// signature, a key outside its validity, a timestamp in the future.
	// Signatures by keys the regime does not know are ignored, as C2SP
	// signed-note requires.
	Problems []string
}

// Cosignature is one valid cosignature on a checkpoint.
type Cosignature struct {
	// Witness is the cosigning party.
	Witness *Party
	// Key is the cosigner key.
	Key *Key
	// Time is the cosignature's timestamp: when the witness cosigned.
	Time time.Time
	// Line is the signature line, "— name base64\n".
	Line string
}

// Witnessed reports whether the log's witness policy is met: at least
// Threshold of its witnesses have validly cosigned.
func (c *Checkpoint) Witnessed() bool {
	return len(c.witnessParties()) >= c.Log.threshold
}

// Pending lists the witnesses of the log that have not cosigned.
func (c *Checkpoint) Pending() []*Party {
	have := c.witnessParties()
	var out []*Party
	for _, w := range c.Log.witnesses {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}

// CosignedBy returns the cosignature of party w, or nil.
func (c *Checkpoint) CosignedBy(w *Party) *Cosignature {
	for i := range c.Cosignatures {
		if c.Cosignatures[i].Witness == w {
			return &c.Cosignatures[i]
		}
	}
	return nil
}

func (c *Checkpoint) witnessParties() []*Party {
	var out []*Party
	for _, cs := range c.Cosignatures {
		if c.Log.WitnessedBy(cs.Witness) && !slices.Contains(out, cs.Witness) {
			out = append(out, cs.Witness)
		}
	}
	return out
}

// OpenCheckpoint parses a signed checkpoint and checks every signature on
// it against the regime.
//
// It fails (with ErrMalformed, ErrUnknownOrigin or ErrNotSigned) unless the
// note is a well-formed checkpoint of a regime log carrying a valid
// signature by one of the log's checkpoint keys. The key must be valid at
// the time of the earliest valid cosignature, or at now when there is none:
// a checkpoint witnessed before its key was revoked stays valid, a fresh
// one signed with a revoked key does not. Cosignatures are kept when they
// verify, their key was valid at their timestamp, and the timestamp is not
// more than FutureSkew after now.
func (r *Regime) OpenCheckpoint(msg []byte, now time.Time) (*Checkpoint, error) {
	_, err := note.Open(msg, note.VerifierList())
	var une *note.UnverifiedNoteError
	if !errors.As(err, &une) {
		return nil, fmt.Errorf("%w: not a signed note (%v)", ErrMalformed, err)
	}
	n := une.Note
	c, err := ParseCheckpointText(n.Text)
	if err != nil {
		return nil, err
	}
	c.Note = msg
	c.Log = r.byOrigin[c.Origin]
	if c.Log == nil {
		return c, fmt.Errorf("%w %q", ErrUnknownOrigin, c.Origin)
	}
	text := []byte(n.Text)
	var signers []*Key
	var signerLines []string
	for _, s := range n.UnverifiedSigs {
		raw, err := base64.StdEncoding.DecodeString(s.Base64)
		if err != nil || len(raw) < 5 {
			continue // note.Open already rejects these
		}
		sig := raw[4:]
		for _, k := range c.Log.Keys.Checkpoint {
			if k.Name() != s.Name || k.Hash() != s.Hash {
				continue
			}
			if k.verifier.Verify(text, sig) {
				signers = append(signers, k)
				signerLines = append(signerLines, fmt.Sprintf("— %s %s\n", s.Name, s.Base64))
			} else {
				c.Problems = append(c.Problems, fmt.Sprintf("the log signature by %s does not verify", s.Name))
			}
		}
		for _, p := range r.Parties {
			for _, k := range p.Keys.Cosigner {
				if k.Name() != s.Name || k.Hash() != s.Hash {
					continue
				}
				c.addCosignature(p, k, s, sig, now)
			}
		}
	}
	if len(signers) == 0 {
		return c, fmt.Errorf("%w: the checkpoint of %q carries no signature by a checkpoint key of %s", ErrNotSigned, c.Origin, c.Log.ID)
	}
	at := now
	for _, cs := range c.Cosignatures {
		if cs.Time.Before(at) {
			at = cs.Time
		}
	}
	for i, k := range signers {
		if k.ValidAt(at) {
			c.Signer, c.SignerLine = k, signerLines[i]
			break
		}
	}
	if c.Signer == nil {
		k := signers[0]
		return c, fmt.Errorf("%w: the checkpoint of %q is signed by %s, which is not valid at %s (valid from %s, revoked at %s)",
			ErrNotSigned, c.Origin, k.Name(), at.UTC().Format(time.RFC3339), orAlways(k.ValidFrom), orNever(k.RevokedAt))
	}
	return c, nil
}

func (c *Checkpoint) addCosignature(p *Party, k *Key, s note.Signature, sig []byte, now time.Time) {
	switch {
	case p == c.Log:
		c.Problems = append(c.Problems, fmt.Sprintf("%s cosigns its own log; ignored", p.ID))
		return
	case !k.verifier.Verify([]byte(c.Text), sig):
		c.Problems = append(c.Problems, fmt.Sprintf("the cosignature by %s (%s) does not verify", p.ID, s.Name))
		return
	}
	ts, err := fnote.CoSigV1Timestamp(s)
	if err != nil {
		c.Problems = append(c.Problems, fmt.Sprintf("the cosignature by %s has no timestamp: %v", p.ID, err))
		return
	}
	ts = ts.UTC()
	switch {
	case ts.After(now.Add(FutureSkew)):
		c.Problems = append(c.Problems, fmt.Sprintf("the cosignature by %s is dated %s, in the future", p.ID, ts.Format(time.RFC3339)))
		return
	case !k.ValidAt(ts):
		c.Problems = append(c.Problems, fmt.Sprintf("the cosignature by %s is dated %s, outside the validity of key %s (valid from %s, revoked at %s)",
			p.ID, ts.Format(time.RFC3339), s.Name, orAlways(k.ValidFrom), orNever(k.RevokedAt)))
		return
	}
	line := fmt.Sprintf("— %s %s\n", s.Name, s.Base64)
	for i, have := range c.Cosignatures {
		if have.Key == k {
			if ts.Before(have.Time) {
				c.Cosignatures[i].Time, c.Cosignatures[i].Line = ts, line
			}
			return
		}
	}
	c.Cosignatures = append(c.Cosignatures, Cosignature{Witness: p, Key: k, Time: ts, Line: line})
}

// ParseCheckpointText parses a checkpoint body (C2SP tlog-checkpoint):
// origin, decimal size without leading zeroes, base64 SHA-256 root hash,
// then optional non-empty extension lines, each ending in a newline. It
// checks no signature; use OpenCheckpoint for that.
func ParseCheckpointText(text string) (*Checkpoint, error) {
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("%w: the body does not end with a newline", ErrMalformed)
	}
	lines := strings.Split(text[:len(text)-1], "\n")
	if len(lines) < 3 {
		return nil, fmt.Errorf("%w: want origin, size and root hash lines, got %d line(s)", ErrMalformed, len(lines))
	}
	var cp flog.Checkpoint
	rest, err := cp.Unmarshal([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if !validKeyName(cp.Origin) {
		return nil, fmt.Errorf("%w: origin %q has spaces or '+'", ErrMalformed, cp.Origin)
	}
	if strconv.FormatUint(cp.Size, 10) != lines[1] {
		return nil, fmt.Errorf("%w: size %q is not a decimal without leading zeroes", ErrMalformed, lines[1])
	}
	if len(cp.Hash) != 32 {
		return nil, fmt.Errorf("%w: the root hash has %d bytes, want 32", ErrMalformed, len(cp.Hash))
	}
	if base64.StdEncoding.EncodeToString(cp.Hash) != lines[2] {
		return nil, fmt.Errorf("%w: the root hash is not canonical base64", ErrMalformed)
	}
	for i, l := range lines[3:] {
		if l == "" {
			return nil, fmt.Errorf("%w: extension line %d is empty", ErrMalformed, i+1)
		}
	}
	return &Checkpoint{Origin: cp.Origin, Size: cp.Size, Hash: cp.Hash, Extension: rest, Text: text}, nil
}

func orAlways(s string) string {
	if s == "" {
		return "always"
	}
	return s
}

func orNever(s string) string {
	if s == "" {
		return "never"
	}
	return s
}
