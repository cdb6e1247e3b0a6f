// Package receipt is the proof a party's node gives a submitter that an
// entry is in its log, checkable offline with nothing but the regime file.
//
// A receipt says: the entry with this RFC 6962 leaf hash is at this index
// of the log whose signed checkpoint follows, as this inclusion proof
// shows; and, once the other parties have witnessed the log, their
// cosignatures on that checkpoint. It is written as a C2SP tlog-proof, so
// that generic transparency-log tools can check it given the entry; the
// leaf hash travels in the proof's "extra" line so that tally can check a
// receipt without the entry:
//
//	c2sp.org/tlog-proof@v1
//	extra 3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=     the entry's leaf hash
//	index 41
//	gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=        inclusion proof
//	B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
//
//	tally.us/log                                         checkpoint
//	57
//	sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=
//
//	— tally.us/log hI2DJw...                              the log's signature
//	— tally.ru/witness mJirIklj...                        cosignatures
//
// The package has no dependency on the operating system or the network, so
// that it can run in a browser (GOOS=js GOARCH=wasm).
package receipt

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/transparency-dev/formats/proof"
	mproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/tally-project/tally/regime"
)

// Receipt is an inclusion proof of one entry with the checkpoint it is
// proven against.
type Receipt struct {
	// Index is the entry's position in the log.
	Index uint64
	// LeafHash is the entry's RFC 6962 leaf hash, SHA-256(0x00 || entry).
	LeafHash [32]byte
	// Proof is the RFC 6962 inclusion proof from the leaf to the root.
	Proof [][32]byte
	// Checkpoint is the log's signed checkpoint, with whatever
	// cosignatures were known when the receipt was made.
	Checkpoint []byte
}

// LeafHash is the RFC 6962 leaf hash of an entry.
func LeafHash(entry []byte) [32]byte {
	return [32]byte(rfc6962.DefaultHasher.HashLeaf(entry))
}

// Marshal writes the receipt as a C2SP tlog-proof.
func (r *Receipt) Marshal() []byte {
	return proof.TLogProof{
		Index:      r.Index,
		Hashes:     r.Proof,
		Checkpoint: r.Checkpoint,
		ExtraData:  r.LeafHash[:],
	}.Marshal()
}

// ErrMalformed marks bytes that are not a receipt.
var ErrMalformed = errors.New("malformed receipt")

// MaxProof is the longest inclusion proof of a tree of 2^64 entries.
const MaxProof = 64

// Parse reads a receipt. A tlog-proof without the extra leaf hash line
// parses, with a zero LeafHash, for use with VerifyEntry.
func Parse(data []byte) (*Receipt, error) {
	if !bytes.HasPrefix(data, []byte("c2sp.org/tlog-proof@v1\n")) {
		return nil, fmt.Errorf("%w: does not start with c2sp.org/tlog-proof@v1", ErrMalformed)
	}
	if !bytes.Contains(data, []byte("\n\n")) {
		return nil, fmt.Errorf("%w: no empty line before the checkpoint", ErrMalformed)
	}
	var p proof.TLogProof
	if err := p.Unmarshal(data); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	r := &Receipt{Index: p.Index, Proof: p.Hashes, Checkpoint: p.Checkpoint}
	switch len(p.ExtraData) {
	case 0:
	case 32:
		r.LeafHash = [32]byte(p.ExtraData)
	default:
		return nil, fmt.Errorf("%w: the extra line holds %d bytes, want a 32-byte leaf hash", ErrMalformed, len(p.ExtraData))
	}
	if len(r.Proof) > MaxProof {
		return nil, fmt.Errorf("%w: inclusion proof of %d hashes", ErrMalformed, len(r.Proof))
	}
	if len(r.Checkpoint) == 0 {
		return nil, fmt.Errorf("%w: no checkpoint", ErrMalformed)
	}
	// The library's line scanner forgives stray carriage returns and a
	// missing final newline; a receipt must be exactly in canonical form.
	if !bytes.Equal(p.Marshal(), data) {
		return nil, fmt.Errorf("%w: not in canonical form (stray characters, carriage returns or a missing final newline)", ErrMalformed)
	}
	return r, nil
}

// Result is what holds and what does not in a receipt.
type Result struct {
	// Checkpoint is the checkpoint opened against the regime: its log,
	// signer and valid cosignatures. Nil when it could not be opened.
	Checkpoint *regime.Checkpoint
	// CheckpointErr says why the checkpoint's log signature does not hold.
	CheckpointErr error
	// InclusionErr says why the inclusion proof does not hold.
	InclusionErr error
}

// Valid reports whether the receipt proves inclusion in a checkpoint
// validly signed by a log of the regime.
func (res *Result) Valid() bool {
	return res.CheckpointErr == nil && res.InclusionErr == nil && res.Checkpoint != nil
}

// Witnessed reports whether the receipt is valid and its checkpoint meets
// the regime's witness policy for the log.
func (res *Result) Witnessed() bool { return res.Valid() && res.Checkpoint.Witnessed() }

// Err is nil when the receipt is valid and witnessed; ErrNotWitnessed when
// it is valid but not (yet) witnessed; otherwise what failed.
func (res *Result) Err() error {
	switch {
	case res.CheckpointErr != nil:
		return res.CheckpointErr
	case res.InclusionErr != nil:
		return res.InclusionErr
	case !res.Checkpoint.Witnessed():
		return ErrNotWitnessed
	}
	return nil
}

// ErrNotWitnessed: the receipt is valid but its checkpoint does not (yet)
// carry enough cosignatures. Fetch a fresher receipt later.
var ErrNotWitnessed = errors.New("not yet witnessed")

// Verify checks the receipt against the regime at time now: the
// checkpoint's log signature and cosignatures (see regime.OpenCheckpoint)
// and the inclusion proof of the leaf hash in the checkpoint's tree.
func (r *Receipt) Verify(reg *regime.Regime, now time.Time) *Result {
	res := &Result{}
	c, err := reg.OpenCheckpoint(r.Checkpoint, now)
	if err != nil {
		res.CheckpointErr = err
		if c == nil || c.Log == nil {
			return res
		}
	}
	res.Checkpoint = c
	res.InclusionErr = r.VerifyInclusion(c.Size, c.Hash)
	return res
}

// VerifyInclusion checks the inclusion proof against a tree size and root.
func (r *Receipt) VerifyInclusion(size uint64, root []byte) error {
	if r.Index >= size {
		return fmt.Errorf("index %d is not in a tree of %d entries", r.Index, size)
	}
	if r.LeafHash == ([32]byte{}) {
		return errors.New("the receipt carries no leaf hash; check it with the entry")
	}
	hashes := make([][]byte, len(r.Proof))
	for i := range r.Proof {
		hashes[i] = r.Proof[i][:]
	}
	if err := mproof.VerifyInclusion(rfc6962.DefaultHasher, r.Index, size, r.LeafHash[:], hashes, root); err != nil {
		return fmt.Errorf("the inclusion proof of entry %d does not lead to the checkpoint's root: %v", r.Index, err)
	}
	return nil
}

// VerifyEntry checks that entry is the one the receipt is about. A receipt
// without a leaf hash takes the entry's.
func (r *Receipt) VerifyEntry(entry []byte) error {
	h := LeafHash(entry)
	if r.LeafHash == ([32]byte{}) {
		r.LeafHash = h
		return nil
	}
	if h != r.LeafHash {
		return fmt.Errorf("the entry's leaf hash %x is not the receipt's %x", h[:8], r.LeafHash[:8])
	}
	return nil
}

// Summary describes a result in a few lines for people: what held, which
// cosignatures, what is missing.
func (res *Result) Summary() string {
	var b strings.Builder
	c := res.Checkpoint
	if c == nil {
		fmt.Fprintf(&b, "checkpoint: FAILED: %v\n", res.CheckpointErr)
		return b.String()
	}
	if c.Log != nil {
		fmt.Fprintf(&b, "log: %s (%s), checkpoint of %d entries, root %x\n", c.Log.ID, c.Origin, c.Size, c.Hash)
	}
	if res.CheckpointErr != nil {
		fmt.Fprintf(&b, "log signature: FAILED: %v\n", res.CheckpointErr)
	} else {
		fmt.Fprintf(&b, "log signature: ok (%s)\n", c.Signer.Name())
	}
	if res.InclusionErr != nil {
		fmt.Fprintf(&b, "inclusion: FAILED: %v\n", res.InclusionErr)
	} else {
		fmt.Fprintf(&b, "inclusion: ok\n")
	}
	if c.Log != nil {
		for _, cs := range c.Cosignatures {
			fmt.Fprintf(&b, "cosignature: ok, %s (%s) at %s\n", cs.Witness.ID, cs.Key.Name(), cs.Time.UTC().Format(time.RFC3339))
		}
		for _, p := range c.Problems {
			fmt.Fprintf(&b, "signature: FAILED: %s\n", p)
		}
		var pending []string
		for _, p := range c.Pending() {
			pending = append(pending, p.ID)
		}
		have := len(c.Log.Witnesses()) - len(pending)
		state := "witnessed"
		if !c.Witnessed() {
			state = "NOT YET WITNESSED"
		}
		fmt.Fprintf(&b, "witness policy: %s, %d of %d cosignatures needed, %d present", state, c.Log.Threshold(), len(c.Log.Witnesses()), have)
		if len(pending) > 0 {
			fmt.Fprintf(&b, " (missing: %s)", strings.Join(pending, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}
