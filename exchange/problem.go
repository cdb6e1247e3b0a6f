package exchange

import (
	"fmt"
	"strings"
)

// Codes say what kind of problem a Problem is, for programs (an API
// answers each with its own status); Msg says it for people.
const (
	CodeMalformed   = "malformed"     // not an envelope at all
	CodeTooLarge    = "too-large"     // more than a log entry holds
	CodeSignature   = "bad-signature" // the signature does not verify
	CodeUnknownKey  = "unknown-key"   // no notification key of the party by that name
	CodeKeyInvalid  = "key-not-valid" // the key is not valid at that time or position
	CodeParty       = "unknown-party" // the party is not in the regime
	CodeNotOwn      = "not-own-party" // a node takes submissions for its own party only
	CodeSeqUsed     = "sequence-used" // a different envelope holds that sequence number
	CodeSeqGap      = "sequence-gap"  // not the next sequence number
	CodeUnknownKind = "unknown-kind"  // no such kind, or no such version
	CodeSchema      = "schema"        // the body or a header field does not fit the kind's schema
	CodeTransition  = "transition"    // an item does not exist, or cannot change that way
	CodeDate        = "date"          // a date that makes no sense
	CodeLoading     = "loading"       // a per-missile loading where none may be, or loadings that do not match
	CodeDeclaration = "declaration"   // the parts of a declaration do not fit together
	CodeRegime      = "regime-change" // a regime change that may not be made
)

// Problem is one reason a notification is refused: which envelope of a
// batch, which field (a header field such as "seq", or a path into the
// body such as "body.uids[2]"), which item, and why.
type Problem struct {
	// Entry is the envelope's position in the batch (0 for a single one).
	Entry int    `json:"entry"`
	Party string `json:"party,omitempty"`
	Seq   uint64 `json:"seq,omitempty"`
	// Field is the header field or body path at fault; "" for the
	// envelope as a whole.
	Field string `json:"field,omitempty"`
	// UID is the item at fault, if any.
	UID  string `json:"uid,omitempty"`
	Code string `json:"code"`
	Msg  string `json:"detail"`
}

func (p *Problem) Error() string {
	var b strings.Builder
	if p.Party != "" {
		fmt.Fprintf(&b, "%s seq %d: ", p.Party, p.Seq)
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	if p.UID != "" && !strings.Contains(p.Msg, p.UID) {
		fmt.Fprintf(&b, "item %s: ", p.UID)
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Rejection is why a batch was refused: every problem found, each naming
// the envelope, the field and the item. Nothing of the batch was applied.
type Rejection struct {
	Problems []*Problem
}

func (r *Rejection) Error() string {
	if len(r.Problems) == 1 {
		return r.Problems[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "\n  envelope %d: %s", p.Entry, p.Error())
	}
	return b.String()
}

// Code is the code of the first problem: what a caller reacts to.
func (r *Rejection) Code() string {
	if len(r.Problems) == 0 {
		return ""
	}
	return r.Problems[0].Code
}

func reject(ps ...*Problem) *Rejection { return &Rejection{Problems: ps} }
