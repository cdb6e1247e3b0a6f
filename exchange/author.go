package exchange

import (
	"encoding/json"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/civil"
)

// Author writes a party's envelopes: it numbers them from Next and signs
// them with the party's notification key.
type Author struct {
	Party  string
	Signer note.Signer
	// Next is the sequence number the next envelope gets.
	Next uint64
	// Now gives the created time; default time.Now.
	Now func() time.Time
}

// Draft is a notification not yet numbered or signed.
type Draft struct {
	Kind      Kind            `json:"kind"`
	Effective civil.Date      `json:"effective"`
	Body      json.RawMessage `json:"body"`
}

// NewDraft marshals body (a value or raw JSON) into a draft.
func NewDraft(k Kind, eff civil.Date, body any) (Draft, error) {
	var raw []byte
	switch b := body.(type) {
	case json.RawMessage:
		raw = b
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return Draft{}, fmt.Errorf("exchange: %s body: %v", k, err)
		}
	}
	return Draft{Kind: k, Effective: eff, Body: raw}, nil
}

// Sign numbers and signs a draft, and advances Next.
func (a *Author) Sign(d Draft) ([]byte, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	if a.Next == 0 {
		a.Next = 1
	}
	e := &Envelope{Party: a.Party, Seq: a.Next, Kind: d.Kind, Effective: d.Effective, Created: now().UTC(), Body: d.Body}
	msg, err := e.Sign(a.Signer)
	if err != nil {
		return nil, err
	}
	a.Next++
	return msg, nil
}

// Write is NewDraft then Sign.
func (a *Author) Write(k Kind, eff civil.Date, body any) ([]byte, error) {
	d, err := NewDraft(k, eff, body)
	if err != nil {
		return nil, err
	}
	return a.Sign(d)
}

// SignDeclaration splits a declaration into parts that each fit a log
// entry and signs them as consecutive envelopes of kind k.
func (a *Author) SignDeclaration(k Kind, d *Declaration) ([][]byte, error) {
	if !k.IsDeclaration() {
		return nil, fmt.Errorf("exchange: %s is not a declaration", k)
	}
	parts, err := d.Split(0)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, len(parts))
	for _, p := range parts {
		e, err := a.Write(k, d.AsOf, p)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
