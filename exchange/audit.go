package exchange

import (
	"fmt"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/regime"
)

// Auditor checks the envelopes of one party's log during a whole-log audit
// (ledger.Audit): CheckEntry, run by parallel workers, parses each entry
// and verifies its signature with the key it names; CheckInOrder, run in
// index order, checks that every entry is the same party's, that sequence
// numbers run 1, 2, 3, ..., and that the key could sign at that position,
// following the regime changes in the log: a key retired or revoked at
// entry N signs nothing after N; a key put in place at N signs nothing
// before.
//
// It checks what a third party can check of every entry without replaying
// the party's items; a node replays them (Book).
type Auditor struct {
	reg *regime.Regime

	learned sync.Map // "name+hash" -> note.Verifier put in place by regime changes
	results sync.Map // index -> *auditResult, from CheckEntry to CheckInOrder

	// In-order state.
	party *regime.Party
	next  uint64
	ring  keyring
}

type auditResult struct {
	s        *Signed
	err      error // already reported by CheckEntry
	deferred bool  // the key was not known yet: verify in order
}

// NewAuditor checks envelopes against reg.
func NewAuditor(reg *regime.Regime) *Auditor {
	return &Auditor{reg: reg, next: 1}
}

func keyID(name string, hash uint32) string { return fmt.Sprintf("%s+%08x", name, hash) }

// CheckEntry parses entry as an envelope and verifies its signature. Safe
// for concurrent use.
func (a *Auditor) CheckEntry(index uint64, entry []byte) error {
	r := &auditResult{}
	defer a.results.Store(index, r)
	s, err := Parse(entry)
	if err != nil {
		r.err = fmt.Errorf("not a notification envelope: %v", err)
		return r.err
	}
	r.s = s
	p := a.reg.Party(s.Party)
	if p == nil || p.ID != s.Party {
		r.err = fmt.Errorf("seq %d: party %q is not in the regime", s.Seq, s.Party)
		return r.err
	}
	var v note.Verifier
	if k := p.KeyFor(regime.RoleNotification, s.KeyName, s.KeyHash); k != nil {
		v = k.Verifier()
	} else if lv, ok := a.learned.Load(keyID(s.KeyName, s.KeyHash)); ok {
		v = lv.(note.Verifier)
	} else {
		r.deferred = true
		return nil
	}
	if !s.Verify(v) {
		r.err = fmt.Errorf("%s seq %d: the signature by %s does not verify", s.Party, s.Seq, keyID(s.KeyName, s.KeyHash))
		return r.err
	}
	return nil
}

// CheckInOrder checks party, sequence number and key position. Called in
// index order, after CheckEntry for the same entry.
func (a *Auditor) CheckInOrder(index uint64, entry []byte) error {
	v, ok := a.results.LoadAndDelete(index)
	if !ok {
		return fmt.Errorf("entry %d checked in order before it was parsed", index)
	}
	r := v.(*auditResult)
	s := r.s
	if a.party == nil && s != nil {
		if p := a.reg.Party(s.Party); p != nil && p.ID == s.Party {
			a.party = p
			a.ring = newKeyring(p)
		}
	}
	if r.err != nil {
		// Reported. An envelope of the party with the next number takes
		// the number, valid or not (as a Book has it).
		if s != nil && a.party != nil && s.Party == a.party.ID && s.Seq == a.next {
			a.next++
		}
		return nil
	}
	if s.Party != a.party.ID {
		return fmt.Errorf("an envelope of %s seq %d in the log of %s", s.Party, s.Seq, a.party.ID)
	}
	var errs []string
	if s.Seq != a.next {
		errs = append(errs, fmt.Sprintf("sequence number %d where %d is next", s.Seq, a.next))
	}
	a.next = s.Seq + 1
	k := a.ring.find(s.KeyName, s.KeyHash)
	var body *RegimeChangeBody
	if s.Kind == RegimeChange {
		if b, err := DecodeBody(s.Kind, s.Body); err == nil {
			body = b.(*RegimeChangeBody)
		}
	}
	switch {
	case k != nil:
		if why := k.valid(index, s.Created); why != "" {
			errs = append(errs, fmt.Sprintf("seq %d: %s", s.Seq, why))
		}
		if r.deferred && !s.Verify(k.v) {
			errs = append(errs, fmt.Sprintf("seq %d: the signature by %s does not verify", s.Seq, keyID(s.KeyName, s.KeyHash)))
		}
	case body != nil && body.Change == ChangeRevoke && body.newV != nil && keyID(body.newV.Name(), body.newV.KeyHash()) == keyID(s.KeyName, s.KeyHash):
		// A revocation signed by its replacement; its agreements are the
		// node's to check (Book).
		if r.deferred && !s.Verify(body.newV) {
			errs = append(errs, fmt.Sprintf("seq %d: the signature by %s does not verify", s.Seq, keyID(s.KeyName, s.KeyHash)))
		}
	default:
		errs = append(errs, fmt.Sprintf("seq %d: signed by %s, which is not a notification key of %s at entry %d", s.Seq, keyID(s.KeyName, s.KeyHash), a.party.ID, index))
	}
	if len(errs) == 0 && body != nil && (body.Change == ChangeRotate || body.Change == ChangeRevoke) {
		if old := a.ring.findVerifier(body.keyV); old != nil {
			old.retire(index, fmt.Sprintf("%s by %s seq %d", body.Change, a.party.ID, s.Seq))
		}
		if body.newV != nil {
			a.ring.add(body.newV, index)
			a.learned.Store(keyID(body.newV.Name(), body.newV.KeyHash()), body.newV)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", joinLines(errs))
	}
	return nil
}

func joinLines(ss []string) string {
	out := ss[0]
	for _, s := range ss[1:] {
		out += "; " + s
	}
	return out
}
