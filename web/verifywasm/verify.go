// Command verifywasm is the receipt verifier of the dashboard's Verify
// page, compiled to WebAssembly so that it runs in the reader's browser:
// it checks a receipt (package receipt) against a regime file with exactly
// the code `tally receipt verify` runs, and trusts nothing the server that
// delivered the page says. The server only delivers this program; the
// receipt and the regime come from the reader.
//
// Built with GOOS=js GOARCH=wasm (go generate ./server), it defines one
// JavaScript function:
//
//	tallyVerify({receipt, regime, regimeName, at, entry})
//
// which returns the Outcome as an object with the JSON names below.
// receipt and regime are the files' text; at is an optional time (RFC 3339
// or YYYY-MM-DD) to judge key validity at instead of now, as `--at` does;
// entry is the optional entry the receipt is about, a Uint8Array, as
// `--entry` does. (Objects rather than JSON text keep encoding/json, half
// a megabyte, out of the download.)
package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tally-project/tally/ledger/receipt"
	"github.com/tally-project/tally/regime"
)

// Input is what the page hands the verifier.
type Input struct {
	Receipt    string `json:"receipt"`
	Regime     string `json:"regime"`
	RegimeName string `json:"regimeName"`
	At         string `json:"at"`
	Entry      []byte `json:"entry"`
}

// The verdicts, from best to worst.
const (
	// Valid: the inclusion proof, the log signature and enough
	// cosignatures hold: `tally receipt verify` exits 0.
	Valid = "valid"
	// NotWitnessed: the proof and the log signature hold, but the
	// checkpoint does not carry the cosignatures the regime asks for
	// (exit 4).
	NotWitnessed = "not-witnessed"
	// Invalid: the log signature or the inclusion proof does not hold, or
	// the receipt is not about the entry given (exit 1).
	Invalid = "invalid"
	// Unreadable: the receipt, the regime or the time cannot be read
	// (exit 2).
	Unreadable = "unreadable"
)

// Outcome is what the page shows.
type Outcome struct {
	Verdict string `json:"verdict"`
	// Title is the verdict in words; Reason says why it is not Valid.
	Title  string `json:"title"`
	Reason string `json:"reason,omitempty"`
	// Checks are each thing checked, in order.
	Checks []Check `json:"checks"`
	// Summary is what `tally receipt verify` prints.
	Summary string `json:"summary,omitempty"`
	// At is the time key validity was judged at.
	At string `json:"at"`
}

// Check is one thing checked.
type Check struct {
	What string `json:"what"`
	// OK is false for a check that failed.
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

func (o *Outcome) add(what string, ok bool, format string, args ...any) {
	o.Checks = append(o.Checks, Check{What: what, OK: ok, Detail: fmt.Sprintf(format, args...)})
}

func (o *Outcome) fail(verdict, reason string) Outcome {
	o.Verdict, o.Reason = verdict, reason
	o.Title = titles[verdict]
	return *o
}

var titles = map[string]string{
	Valid:        "Valid and witnessed",
	NotWitnessed: "Not witnessed",
	Invalid:      "Not valid",
	Unreadable:   "Cannot be read",
}

// normalise undoes what a text box does to a pasted file: carriage
// returns, and a final newline lost or doubled. A receipt is otherwise
// read byte for byte, as the command line reads it.
func normalise(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.TrimRight(s, " \t\n") + "\n"
}

// verify checks in with receipt.Receipt.Verify, as `tally receipt verify`
// does; now is the clock.
func verify(in Input, now time.Time) Outcome {
	o := Outcome{}
	at := now
	if s := strings.TrimSpace(in.At); s != "" {
		t, err := regime.ParseTime(s)
		if err != nil {
			o.At = s
			o.add("Time", false, "%v", err)
			return o.fail(Unreadable, fmt.Sprintf("the time to judge at: %v", err))
		}
		at = t
	}
	o.At = at.UTC().Format(time.RFC3339)

	if strings.TrimSpace(in.Receipt) == "" {
		o.add("Receipt", false, "no receipt given")
		return o.fail(Unreadable, "no receipt given")
	}
	r, err := receipt.Parse([]byte(normalise(in.Receipt)))
	if err != nil {
		o.add("Receipt", false, "%v", err)
		return o.fail(Unreadable, err.Error())
	}
	o.add("Receipt", true, "entry %d, an inclusion proof of %d hashes", r.Index, len(r.Proof))

	name := in.RegimeName
	if name == "" {
		name = "regime"
	}
	if strings.TrimSpace(in.Regime) == "" {
		o.add("Regime", false, "no regime given: a receipt is checked against the parties' keys in the regime file")
		return o.fail(Unreadable, "no regime given")
	}
	reg, err := regime.Parse(name, []byte(in.Regime))
	if err != nil {
		o.add("Regime", false, "%v", err)
		return o.fail(Unreadable, err.Error())
	}
	var ids []string
	for _, p := range reg.Parties {
		ids = append(ids, p.ID)
	}
	o.add("Regime", true, "treaty %s, parties %s", reg.Treaty, strings.Join(ids, ", "))

	var entryErr error
	if in.Entry != nil {
		if entryErr = r.VerifyEntry(in.Entry); entryErr != nil {
			o.add("Entry", false, "%v", entryErr)
		} else {
			o.add("Entry", true, "the receipt is about this entry (leaf hash %x…)", r.LeafHash[:8])
		}
	}

	res := r.Verify(reg, at)
	o.Summary = res.Summary()
	c := res.Checkpoint
	switch {
	case c == nil:
		o.add("Log signature", false, "%v", res.CheckpointErr)
	case res.CheckpointErr != nil:
		o.add("Log signature", false, "%v", res.CheckpointErr)
	default:
		o.add("Log signature", true, "%s's log %s, checkpoint of %d entries, signed by %s", c.Log.ID, c.Origin, c.Size, c.Signer.Name())
	}
	if c != nil {
		if res.InclusionErr != nil {
			o.add("Inclusion proof", false, "%v", res.InclusionErr)
		} else {
			o.add("Inclusion proof", true, "entry %d is in the tree of %d entries with root %x…", r.Index, c.Size, c.Hash[:8])
		}
	}
	if c != nil && c.Log != nil {
		for _, cs := range c.Cosignatures {
			o.add("Cosignature", true, "by %s (%s) at %s", cs.Witness.ID, cs.Key.Name(), cs.Time.UTC().Format(time.RFC3339))
		}
		for _, p := range c.Problems {
			o.add("Signature", false, "%s", p)
		}
		var pending []string
		for _, p := range c.Pending() {
			pending = append(pending, p.ID)
		}
		have := len(c.Log.Witnesses()) - len(pending)
		if c.Witnessed() {
			o.add("Witness policy", true, "%d of %d cosignatures needed, %d present", c.Log.Threshold(), len(c.Log.Witnesses()), have)
		} else {
			o.add("Witness policy", false, "%d of %d cosignatures needed, %d present (missing: %s)", c.Log.Threshold(), len(c.Log.Witnesses()), have, strings.Join(pending, ", "))
		}
	}

	err = res.Err()
	switch {
	case entryErr != nil:
		return o.fail(Invalid, "the receipt is not about the entry given: "+entryErr.Error())
	case err == nil:
		o.Verdict, o.Title = Valid, titles[Valid]
		return o
	case errors.Is(err, receipt.ErrNotWitnessed):
		reason := "the checkpoint does not carry the cosignatures the regime asks for"
		if c != nil && len(c.Problems) > 0 {
			reason += ": " + strings.Join(c.Problems, "; ")
		}
		return o.fail(NotWitnessed, reason)
	default:
		return o.fail(Invalid, err.Error())
	}
}
