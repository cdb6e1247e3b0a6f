package exchange

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/treaty"
)

// Config is what every Book of a regime shares.
type Config struct {
	Regime *regime.Regime
	// Treaty gives the timing rules and the counting of declared totals;
	// nil: no deadlines and no totals checked.
	Treaty *treaty.Treaty
	// Types is the type catalogue items resolve against; nil: the bundled
	// one.
	Types *forces.Types
	// MaxAge is how old an envelope may be when submitted (its created
	// time before now); default 24 hours. An older one must be signed
	// again.
	MaxAge time.Duration
	// Skew is how far in the future an envelope's created time may be;
	// default regime.FutureSkew.
	Skew time.Duration
}

func (c *Config) maxAge() time.Duration {
	if c.MaxAge > 0 {
		return c.MaxAge
	}
	return 24 * time.Hour
}

func (c *Config) skew() time.Duration {
	if c.Skew > 0 {
		return c.Skew
	}
	return regime.FutureSkew
}

// Book is one party's notifications as its log orders them, and what they
// imply: the next sequence number, the party's notification keys after the
// regime changes so far, its items (a forces.Inventory), the declaration
// being received in parts, its disputes.
//
// A node keeps a Book for every party: its own, fed by Admit before an
// entry is written, and each other party's, fed by Apply as the replica
// delivers entries. Apply depends on the log and the regime only, never on
// the clock or on other logs, so every node that replays a log gets the
// same result. Admit checks what Apply checks, and also that the envelope
// is fresh and its key valid now.
//
// A Book is not safe for concurrent use.
type Book struct {
	cfg   *Config
	party *regime.Party

	size uint64 // entries applied; the index of the next
	st   bookState
	inv  *forces.Inventory
	// items is every item's history as the log tells it, for declarations.
	items map[string]*itemHist
	// seqIdx[seq-1] is the index of the entry with that sequence number.
	seqIdx []uint64
}

// bookState is the small part of a book a batch changes tentatively.
type bookState struct {
	next     uint64 // next sequence number
	keys     keyring
	initial  *civil.Date // as-of date of the initial declaration, once received
	periodic civil.Date  // as-of date of the last periodic declaration
	pending  *pending    // a declaration received in part
	disputes map[uint64]*disputeState
	ids      map[string]uint64 // dispute id -> seq
	alerts   map[string]bool
	acked    map[string]uint64 // party -> size acknowledged
}

func (s *bookState) clone() bookState {
	c := *s
	c.keys = s.keys.clone()
	c.disputes = maps.Clone(s.disputes)
	c.ids = maps.Clone(s.ids)
	c.alerts = maps.Clone(s.alerts)
	c.acked = maps.Clone(s.acked)
	if s.pending != nil {
		p := *s.pending
		p.parts = append([]*partRef(nil), s.pending.parts...)
		c.pending = &p
	}
	return c
}

type disputeState struct {
	ID     string
	Of     string
	Index  uint64
	Active bool
}

// pending is a declaration of which some parts have been received.
type pending struct {
	kind  Kind
	parts []*partRef
}

type partRef struct {
	index uint64
	seq   uint64
	decl  *Declaration
}

type itemHist struct {
	kind forces.Kind
	typ  string
	revs []rev
}

// rev is an item as one notification left it.
type rev struct {
	index      uint64
	seq        uint64
	date       civil.Date
	status     forces.Status
	site       string
	carrier    string
	converting bool
}

// NewBook starts the book of party, empty.
func NewBook(cfg *Config, party string) (*Book, error) {
	p := cfg.Regime.Party(party)
	if p == nil || p.ID != party {
		return nil, fmt.Errorf("exchange: %q is not a party of regime %s", party, cfg.Regime.File())
	}
	b := &Book{cfg: cfg, party: p, inv: forces.NewInventory(party, cfg.Types), items: map[string]*itemHist{}}
	b.st = bookState{next: 1, keys: newKeyring(p), disputes: map[uint64]*disputeState{}, ids: map[string]uint64{},
		alerts: map[string]bool{}, acked: map[string]uint64{}}
	return b, nil
}

// Party is the book's party.
func (b *Book) Party() string { return b.party.ID }

// Size is the number of entries applied: the index of the next one.
func (b *Book) Size() uint64 { return b.size }

// Next is the next sequence number.
func (b *Book) Next() uint64 { return b.st.next }

// Index returns the index of the entry with sequence number seq.
func (b *Book) Index(seq uint64) (uint64, bool) {
	if seq == 0 || seq > uint64(len(b.seqIdx)) {
		return 0, false
	}
	return b.seqIdx[seq-1], true
}

// AlertLogged reports whether the party has logged the witness alert with
// that id.
func (b *Book) AlertLogged(id string) bool { return b.st.alerts[id] }

// Acked is the size of party p's log this party has acknowledged.
func (b *Book) Acked(p string) uint64 { return b.st.acked[p] }

// Disputes lists the party's disputes, active or not, in log order.
func (b *Book) Disputes() []disputeState {
	out := make([]disputeState, 0, len(b.st.disputes))
	for _, d := range b.st.disputes {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// Inventory is the party's items as the notifications so far leave them,
// in log order. It is for validation and reading; a caller must not apply
// events to it.
func (b *Book) Inventory() *forces.Inventory { return b.inv }

// KeyValid says whether the notification key named may sign the party's
// next entry at time at (nil if so).
func (b *Book) KeyValid(name string, hash uint32, at time.Time) error {
	k := b.st.keys.find(name, hash)
	if k == nil {
		return fmt.Errorf("no notification key %s+%08x for %s", name, hash, b.party.ID)
	}
	if why := k.valid(b.size, at); why != "" {
		return errors.New(why)
	}
	return nil
}

// Applied is what one entry of a party's log did: the record a store
// keeps. An invalid entry (it is in the log, but not an acceptable
// notification: a bad signature, a transition not allowed) is recorded
// with its problems and changes nothing else.
type Applied struct {
	Party string
	Index uint64
	Entry []byte
	// Valid is false for an entry that is not an acceptable notification;
	// Problems say why.
	Valid    bool
	Problems []*Problem
	// Envelope is the entry's envelope, nil if the entry is not one.
	*Envelope
	KeyName string
	KeyHash uint32
	// Deadline is when it was due under the treaty, if a rule times it.
	Deadline *Deadline
	// Body is the decoded body (see DecodeBody).
	Body any
	// Events are what the notification does to the party's forces, for the
	// projection, all dated: item events as notified (each new missile
	// with 0 warheads until a declaration gives it some), and the loadings
	// a declaration derives from its warheads per base.
	Events []forces.Event
	// Items are the items the notification changed, as it left them.
	Items []ItemState
	// Declaration is set on the last part of a declaration: the whole
	// declaration, what it was checked against, and what differs.
	Declaration *DeclarationRecord
	// Dispute, when the notification ends a dispute, is the dispute's
	// sequence number.
	Ends uint64
}

// ItemState is an item as a notification left it.
type ItemState struct {
	UID        string        `json:"uid"`
	Kind       forces.Kind   `json:"kind"`
	Type       string        `json:"type"`
	Status     forces.Status `json:"status"`
	Site       string        `json:"site,omitempty"`
	Carrier    string        `json:"carrier,omitempty"`
	Converting bool          `json:"converting,omitempty"`
	Date       civil.Date    `json:"date"`
	// Index and Seq are the log entry, and its sequence number, of the
	// notification that left the item so: an item's history links each
	// change to the notification that carried it.
	Index uint64 `json:"index"`
	Seq   uint64 `json:"seq"`
}

// DeclarationRecord is a complete declaration and the result of checking it.
type DeclarationRecord struct {
	Kind Kind       `json:"kind"`
	AsOf civil.Date `json:"as_of"`
	// First and Last are the indexes (and sequence numbers) of its first
	// and last parts.
	First, Last       uint64 `json:"-"`
	FirstSeq, LastSeq uint64 `json:"-"`
	Parts             int    `json:"parts"`
	Items             int    `json:"items"`
	Declaration       *Declaration
	Discrepancies     []Discrepancy `json:"discrepancies"`
}

// Error is the problems as one error.
func (a *Applied) Error() error {
	if a.Valid {
		return nil
	}
	return &Rejection{Problems: a.Problems}
}

// step is one entry being processed.
type step struct {
	pos   int
	index uint64
	s     *Signed
	body  any
	ap    *Applied
	probs []*Problem
	// events are the item events to apply to the inventory, with where
	// each comes from.
	events []stepEvent
	// decl is set on the part that completes a declaration.
	decl *completed
	// keyChange is applied to the ring after this step.
	keyChange func(kr *keyring)
}

type stepEvent struct {
	ev    forces.Event
	paths []string // body path of each new item (declarations)
	parts []int    // the batch position of the part each new item comes from (-1: an earlier batch)
}

type completed struct {
	kind  Kind
	parts []*partRef
	decl  *Declaration
}

func (st *step) problem(p *Problem) {
	st.probs = append(st.probs, p)
}

// Admit checks a batch of envelopes the party submits, which would be
// written at the next indexes of its log, against the book, and applies
// them if every one is acceptable. Otherwise it returns a *Rejection
// naming every problem (envelope, field, item) and changes nothing.
//
// Beyond what Apply checks, an envelope must be created no more than
// Config.MaxAge before now and Config.Skew after it, and its key must be
// valid now.
func (b *Book) Admit(entries [][]byte, now time.Time) ([]*Applied, error) {
	if len(entries) == 0 {
		return nil, reject(&Problem{Code: CodeSchema, Msg: "an empty batch"})
	}
	steps, st, rej := b.check(entries, b.size, &now, true)
	if rej != nil {
		return nil, rej
	}
	b.commit(steps, st)
	out := make([]*Applied, len(steps))
	for i, s := range steps {
		out[i] = s.ap
	}
	return out, nil
}

// Apply applies the entry at index (the book's Size) as read from the
// party's log: it is checked as Admit would, without the clock, and
// recorded as invalid if it is not acceptable.
func (b *Book) Apply(index uint64, entry []byte) (*Applied, error) {
	return b.apply(index, entry, true)
}

// ApplyTrusted is Apply without checking the signature, for a node
// replaying its own log, every entry of which it checked when it was
// admitted.
func (b *Book) ApplyTrusted(index uint64, entry []byte) (*Applied, error) {
	return b.apply(index, entry, false)
}

func (b *Book) apply(index uint64, entry []byte, verify bool) (*Applied, error) {
	if index != b.size {
		return nil, fmt.Errorf("exchange: entry %d of %s applied when the book is at %d", index, b.party.ID, b.size)
	}
	steps, st, rej := b.check([][]byte{entry}, index, nil, verify)
	if rej != nil {
		b.size++
		ap := &Applied{Party: b.party.ID, Index: index, Entry: entry, Problems: rej.Problems}
		if s, err := Parse(entry); err == nil {
			ap.Envelope = &s.Envelope
			ap.KeyName, ap.KeyHash = s.KeyName, s.KeyHash
			// An envelope of the party with the next number takes the
			// number, valid or not: it is in the log, and the numbers of
			// the entries after it run on from it.
			if s.Party == b.party.ID && s.Seq == b.st.next {
				b.st.next++
				b.seqIdx = append(b.seqIdx, index)
			}
		}
		for _, p := range ap.Problems {
			p.Entry = 0
		}
		return ap, nil
	}
	b.commit(steps, st)
	return steps[0].ap, nil
}

// check runs every check on a batch starting at index, against a copy of
// the book's small state, and the item events against the inventory
// (which it leaves changed only if everything holds).
func (b *Book) check(entries [][]byte, index uint64, now *time.Time, verify bool) ([]*step, bookState, *Rejection) {
	st := b.st.clone()
	steps := make([]*step, len(entries))
	var probs []*Problem
	for i, e := range entries {
		s := &step{pos: i, index: index + uint64(i)}
		steps[i] = s
		b.checkOne(s, e, &st, now, verify)
		for _, p := range s.probs {
			p.Entry = i
			if s.s != nil {
				p.Party, p.Seq = s.s.Party, s.s.Seq
			}
		}
		probs = append(probs, s.probs...)
		if len(s.probs) > 0 {
			// Later envelopes are checked against a state this one was to
			// change; their problems would mislead.
			break
		}
	}
	if len(probs) > 0 {
		return nil, st, reject(probs...)
	}
	// The item events of the whole batch, all or nothing.
	var evs []forces.Event
	var from []struct{ step, ev int }
	for i, s := range steps {
		for j, se := range s.events {
			evs = append(evs, se.ev)
			from = append(from, struct{ step, ev int }{i, j})
		}
	}
	if len(evs) > 0 {
		if err := b.inv.ApplyAll(evs); err != nil {
			var be *forces.BatchError
			if !errors.As(err, &be) {
				return nil, st, reject(&Problem{Code: CodeTransition, Msg: err.Error()})
			}
			f := from[be.Index]
			s := steps[f.step]
			return nil, st, reject(eventProblems(s, s.events[f.ev], be.Err)...)
		}
	}
	return steps, st, nil
}

// eventProblems places the inventory's errors about an event in the
// envelope that carried it.
func eventProblems(s *step, se stepEvent, err error) []*Problem {
	var ees forces.EventErrors
	if !errors.As(err, &ees) {
		return []*Problem{{Entry: s.pos, Code: CodeTransition, Msg: err.Error()}}
	}
	var out []*Problem
	for _, e := range ees {
		p := &Problem{Entry: s.pos, UID: e.UID, Code: CodeTransition, Msg: e.Msg}
		if s.s != nil {
			p.Party, p.Seq = s.s.Party, s.s.Seq
		}
		switch {
		case e.Path == "date":
			p.Field, p.Code = "effective", CodeDate
		case se.paths != nil && strings.HasPrefix(e.Path, "items["):
			// An item of a declaration: name it where the declaration
			// lists it.
			var k int
			rest := ""
			if n, _ := fmt.Sscanf(e.Path, "items[%d]", &k); n == 1 && k < len(se.paths) {
				if i := strings.IndexByte(e.Path, ']'); i >= 0 {
					rest = e.Path[i+1:]
				}
				p.Field = declItemPath(se.paths[k], rest)
				if se.parts[k] >= 0 {
					p.Entry = se.parts[k]
				}
			} else {
				p.Field = bodyPath(e.Path)
			}
		default:
			p.Field = bodyPath(e.Path)
		}
		out = append(out, p)
	}
	return out
}

// declItemPath turns the path of field rest of an item a declaration
// lists at path ("part 2: body.groups[3].uids[7]") into the declaration's
// own path.
func declItemPath(path, rest string) string {
	switch rest {
	case "", ".uid":
		return path
	case ".carrier":
		i := strings.LastIndex(path, ".uids[")
		return path[:i] + ".carriers[" + path[i+len(".uids["):]
	}
	i := strings.LastIndex(path, ".uids[")
	return path[:i] + rest
}

// checkOne checks one envelope against st, which it updates as the
// envelope would leave it, and plans the envelope's item events.
func (b *Book) checkOne(s *step, entry []byte, st *bookState, now *time.Time, verify bool) {
	ap := &Applied{Party: b.party.ID, Index: s.index, Entry: entry}
	s.ap = ap
	sg, err := Parse(entry)
	if err != nil {
		s.problem(asProblem(err))
		return
	}
	s.s = sg
	ap.Envelope = &sg.Envelope
	ap.KeyName, ap.KeyHash = sg.KeyName, sg.KeyHash
	e := &sg.Envelope

	// Party and sequence.
	if e.Party != b.party.ID {
		s.problem(&Problem{Field: "party", Code: CodeNotOwn, Msg: fmt.Sprintf("an envelope of %s in the log of %s", e.Party, b.party.ID)})
		return
	}
	if e.Seq != st.next {
		code := CodeSeqGap
		if e.Seq < st.next {
			code = CodeSeqUsed
		}
		s.problem(&Problem{Field: "seq", Code: code, Msg: fmt.Sprintf("sequence number %d: the next of %s is %d", e.Seq, b.party.ID, st.next)})
		return
	}

	// Freshness (admission only).
	if now != nil {
		switch {
		case e.Created.After(now.Add(b.cfg.skew())):
			s.problem(&Problem{Field: "created", Code: CodeDate, Msg: fmt.Sprintf("%s is in the future (now %s)", formatTime(e.Created), formatTime(*now))})
			return
		case e.Created.Before(now.Add(-b.cfg.maxAge())):
			s.problem(&Problem{Field: "created", Code: CodeDate, Msg: fmt.Sprintf("%s is more than %v old: sign the envelope again", formatTime(e.Created), b.cfg.maxAge())})
			return
		}
	}

	// Body (decoded before the key: a revocation signed with its new
	// key is known by its body).
	spec := kinds[e.Kind]
	body, ps := spec.decode(e.Body)
	if len(ps) > 0 {
		if rid, ok := warheadsExcluded(b.cfg.Treaty); ok {
			for _, p := range ps {
				if p.Code == CodeLoading {
					p.Msg += fmt.Sprintf(" (treaty %s, rule %s)", b.cfg.Treaty.ID, rid)
				}
			}
		}
		for _, p := range ps {
			s.problem(p)
		}
		return
	}
	s.body = body
	ap.Body = body

	// Key and signature.
	if !b.checkKey(s, st, now, verify) {
		return
	}

	// Dates.
	if created := dateOf(e.Created); e.Effective > created {
		s.problem(&Problem{Field: "effective", Code: CodeDate, Msg: fmt.Sprintf("%s is after the envelope was created (%s): a notification reports what has happened", e.Effective, created)})
		return
	}
	ap.Deadline = DeadlineOf(b.cfg.Treaty, e.Kind, e.Effective)

	// A declaration in parts admits nothing else in between but
	// acknowledgements, notes and alerts.
	if st.pending != nil && !e.Kind.IsDeclaration() {
		switch e.Kind {
		case Acknowledgement, NoteKind, WitnessAlert:
		default:
			last := st.pending.parts[len(st.pending.parts)-1]
			s.problem(&Problem{Field: "kind", Code: CodeDeclaration, Msg: fmt.Sprintf("a %s is being declared in parts (part %d of %d was seq %d); send its remaining parts first", st.pending.kind, last.decl.partNo(), last.decl.partsNo(), last.seq)})
			return
		}
	}

	switch v := body.(type) {
	case *forces.Event:
		b.checkEvent(s, st, v)
	case *Declaration:
		b.checkDeclaration(s, st, v)
	case *Ack:
		b.checkAck(s, st, v)
	case *Dispute:
		b.checkDispute(s, st, v)
	case *Resolution:
		b.checkResolution(s, st, v)
	case *Note:
		for i, r := range v.About {
			if b.cfg.Regime.Party(r.Party) == nil {
				s.problem(&Problem{Field: fmt.Sprintf("body.about[%d].party", i), Code: CodeParty, Msg: fmt.Sprintf("%q is not a party of the regime", r.Party)})
			}
		}
	case *RegimeChangeBody:
		b.checkRegimeChange(s, st, v)
	case *ledger.Alert:
		b.checkAlert(s, st, v)
	}
	if len(s.probs) == 0 {
		st.next++
		if s.keyChange != nil {
			s.keyChange(&st.keys)
		}
	}
}

func asProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return &Problem{Code: CodeMalformed, Msg: err.Error()}
}

// checkKey finds the key the signature names, checks that it may sign
// this entry, and verifies the signature.
func (b *Book) checkKey(s *step, st *bookState, now *time.Time, verify bool) bool {
	e := &s.s.Envelope
	k := st.keys.find(s.s.KeyName, s.s.KeyHash)
	var v note.Verifier
	if k != nil {
		if why := k.valid(s.index, e.Created); why != "" {
			s.problem(&Problem{Field: "signature", Code: CodeKeyInvalid, Msg: why})
			return false
		}
		if now != nil {
			if why := k.valid(s.index, *now); why != "" {
				s.problem(&Problem{Field: "signature", Code: CodeKeyInvalid, Msg: why + " (now)"})
				return false
			}
		}
		v = k.v
	} else if rc, ok := s.body.(*RegimeChangeBody); ok && rc.Change == ChangeRevoke && rc.newV != nil &&
		rc.newV.Name() == s.s.KeyName && rc.newV.KeyHash() == s.s.KeyHash {
		// A revocation signed by its replacement key: valid only with the
		// agreement of every other party (checkRegimeChange).
		v = rc.newV
	} else {
		s.problem(&Problem{Field: "signature", Code: CodeUnknownKey, Msg: fmt.Sprintf("signed by %s+%08x, which is not a notification key of %s", s.s.KeyName, s.s.KeyHash, b.party.ID)})
		return false
	}
	if verify && !s.s.Verify(v) {
		s.problem(&Problem{Field: "signature", Code: CodeSignature, Msg: fmt.Sprintf("the signature by %s+%08x does not verify", s.s.KeyName, s.s.KeyHash)})
		return false
	}
	return true
}

func (b *Book) checkEvent(s *step, st *bookState, ev *forces.Event) {
	e := &s.s.Envelope
	spec := kinds[e.Kind]
	okOp := false
	for _, op := range spec.ops {
		okOp = okOp || ev.Op == op
	}
	if !okOp {
		s.problem(&Problem{Field: "body.op", Code: CodeSchema, Msg: fmt.Sprintf("op %s is not a %s (it carries %v)", ev.Op, e.Kind, spec.ops)})
		return
	}
	if ev.Date != e.Effective {
		s.problem(&Problem{Field: "body.date", Code: CodeDate, Msg: fmt.Sprintf("the event is dated %s, the envelope is effective %s: they must agree", ev.Date, e.Effective)})
		return
	}
	if b.needsInitial() && st.initial == nil {
		s.problem(&Problem{Field: "kind", Code: CodeDeclaration, Msg: fmt.Sprintf("the initial declaration of %s comes first (treaty %s)", b.party.ID, b.cfg.Treaty.ID)})
		return
	}
	out := *ev
	out.Items = withZeroLoadings(ev.Items)
	s.events = append(s.events, stepEvent{ev: out})
}

// needsInitial reports whether the treaty requires an initial database
// before anything else.
func (b *Book) needsInitial() bool { return rule(b.cfg.Treaty, ruleInitial) != nil }

// withZeroLoadings gives new missiles 0 warheads: loadings are never
// notified, and a missile counts the warheads a declaration gives its base
// from the next declaration on.
func withZeroLoadings(items []forces.ItemSpec) []forces.ItemSpec {
	out := make([]forces.ItemSpec, len(items))
	copy(out, items)
	for i := range out {
		if out[i].Kind.IsMissile() && out[i].Warheads == nil {
			zero := 0
			out[i].Warheads = &zero
		}
	}
	return out
}

func (b *Book) checkDeclaration(s *step, st *bookState, d *Declaration) {
	e := &s.s.Envelope
	if d.AsOf != e.Effective {
		s.problem(&Problem{Field: "body.as_of", Code: CodeDate, Msg: fmt.Sprintf("as of %s, but the envelope is effective %s: they must agree", d.AsOf, e.Effective)})
		return
	}
	if msg := checkAsOf(b.cfg.Treaty, e.Kind, d.AsOf); msg != "" {
		s.problem(&Problem{Field: "body.as_of", Code: CodeDate, Msg: msg})
		return
	}
	switch e.Kind {
	case InitialDeclaration:
		if st.initial != nil && (st.pending == nil || st.pending.kind != InitialDeclaration) {
			s.problem(&Problem{Field: "kind", Code: CodeDeclaration, Msg: fmt.Sprintf("%s has already declared its initial database (as of %s)", b.party.ID, *st.initial)})
			return
		}
		if b.inv.Len() > 0 && st.initial == nil {
			s.problem(&Problem{Field: "kind", Code: CodeDeclaration, Msg: "items were notified before the initial declaration"})
			return
		}
	case PeriodicDeclaration:
		if b.needsInitial() && st.initial == nil {
			s.problem(&Problem{Field: "kind", Code: CodeDeclaration, Msg: "the initial declaration comes first"})
			return
		}
		if st.periodic != 0 && d.AsOf <= st.periodic && (st.pending == nil || st.pending.kind != PeriodicDeclaration) {
			s.problem(&Problem{Field: "body.as_of", Code: CodeDate, Msg: fmt.Sprintf("the last periodic declaration was as of %s; the next is as of a later date", st.periodic)})
			return
		}
	}
	// Parts.
	ref := &partRef{index: s.index, seq: e.Seq, decl: d}
	if st.pending != nil {
		first := st.pending.parts[0].decl
		want := len(st.pending.parts) + 1
		if e.Kind != st.pending.kind || d.AsOf != first.AsOf || d.partsNo() != first.partsNo() || d.partNo() != want {
			s.problem(&Problem{Field: "body.part", Code: CodeDeclaration, Msg: fmt.Sprintf("part %d of %d of a %s as of %s, where part %d of %d of the %s as of %s is expected", d.partNo(), d.partsNo(), e.Kind, d.AsOf, want, first.partsNo(), st.pending.kind, first.AsOf)})
			return
		}
		st.pending.parts = append(st.pending.parts, ref)
	} else {
		if d.partNo() != 1 {
			s.problem(&Problem{Field: "body.part", Code: CodeDeclaration, Msg: fmt.Sprintf("part %d of %d, but part 1 has not been received", d.partNo(), d.partsNo())})
			return
		}
		st.pending = &pending{kind: e.Kind, parts: []*partRef{ref}}
	}
	if e.Kind == InitialDeclaration {
		asOf := d.AsOf
		st.initial = &asOf
	}
	if len(st.pending.parts) < d.partsNo() {
		return // more parts to come
	}
	parts := st.pending.parts
	st.pending = nil
	all := make([]*Declaration, len(parts))
	for i, p := range parts {
		all[i] = p.decl
	}
	whole, err := Join(all)
	if err != nil {
		s.problem(&Problem{Field: "body.part", Code: CodeDeclaration, Msg: err.Error()})
		return
	}
	// A UID listed in two parts.
	seen := map[string]int{}
	for pi, p := range all {
		for _, g := range p.Groups {
			for _, u := range g.UIDs {
				if prev, ok := seen[u]; ok && prev != pi {
					s.problem(&Problem{Field: "body.groups", UID: u, Code: CodeDeclaration, Msg: fmt.Sprintf("item %s is listed in part %d and in part %d", u, prev+1, pi+1)})
					return
				}
				seen[u] = pi
			}
		}
	}
	s.decl = &completed{kind: e.Kind, parts: parts, decl: whole}
	if e.Kind == PeriodicDeclaration {
		st.periodic = d.AsOf
	}
	if e.Kind == InitialDeclaration {
		// The initial database brings its items into accountability.
		ev := forces.Event{Date: d.AsOf, Op: forces.OpNew, Items: withZeroLoadings(whole.Items())}
		var paths []string
		var from []int
		for pi, p := range all {
			pos := -1
			if p == d {
				pos = s.pos
			} else if parts[pi].index >= s.index-uint64(s.pos) {
				pos = s.pos - int(s.index-parts[pi].index)
			}
			for _, path := range p.itemPaths() {
				if len(all) > 1 {
					path = fmt.Sprintf("part %d: %s", pi+1, path)
				}
				paths = append(paths, path)
				from = append(from, pos)
			}
		}
		if len(ev.Items) > 0 {
			s.events = append(s.events, stepEvent{ev: ev, paths: paths, parts: from})
		}
	}
	for pi, p := range all {
		for i, g := range p.Groups {
			if _, err := b.types().Resolve(g.Type); err != nil {
				path := fmt.Sprintf("body.groups[%d].type", i)
				if len(all) > 1 {
					path = fmt.Sprintf("part %d: %s", pi+1, path)
				}
				s.problem(&Problem{Field: path, Code: CodeSchema, Msg: err.Error()})
				return
			}
		}
	}
}

func (b *Book) types() *forces.Types {
	if b.cfg.Types != nil {
		return b.cfg.Types
	}
	return forces.Catalogue()
}

func (b *Book) checkAck(s *step, st *bookState, a *Ack) {
	p := b.cfg.Regime.Party(a.Of)
	switch {
	case p == nil || p.ID != a.Of:
		s.problem(&Problem{Field: "body.of", Code: CodeParty, Msg: fmt.Sprintf("%q is not a party of the regime", a.Of)})
	case a.Of == b.party.ID:
		s.problem(&Problem{Field: "body.of", Code: CodeSchema, Msg: "a party acknowledges the logs of the others, not its own"})
	case a.Size <= st.acked[a.Of]:
		s.problem(&Problem{Field: "body.size", Code: CodeSchema, Msg: fmt.Sprintf("%s has already acknowledged %d entries of %s; an acknowledgement goes further", b.party.ID, st.acked[a.Of], a.Of)})
	default:
		st.acked[a.Of] = a.Size
	}
}

func (b *Book) checkDispute(s *step, st *bookState, d *Dispute) {
	p := b.cfg.Regime.Party(d.Of)
	switch {
	case p == nil || p.ID != d.Of:
		s.problem(&Problem{Field: "body.of", Code: CodeParty, Msg: fmt.Sprintf("%q is not a party of the regime", d.Of)})
	case d.Of == b.party.ID:
		s.problem(&Problem{Field: "body.of", Code: CodeSchema, Msg: "a party disputes another party's items"})
	case d.Parsed.By != b.party.ID:
		s.problem(&Problem{Field: "body.reading.by", Code: CodeSchema, Msg: fmt.Sprintf("the reading is by %q, but %s sends the dispute", d.Parsed.By, b.party.ID)})
	case st.ids[d.ID] != 0:
		s.problem(&Problem{Field: "body.id", Code: CodeSchema, Msg: fmt.Sprintf("%s already has a dispute %q (seq %d)", b.party.ID, d.ID, st.ids[d.ID])})
	default:
		for i, r := range d.About {
			if b.cfg.Regime.Party(r.Party) == nil {
				s.problem(&Problem{Field: fmt.Sprintf("body.about[%d].party", i), Code: CodeParty, Msg: fmt.Sprintf("%q is not a party of the regime", r.Party)})
				return
			}
		}
		seq := s.s.Seq
		st.ids[d.ID] = seq
		st.disputes[seq] = &disputeState{ID: d.ID, Of: d.Of, Index: s.index, Active: true}
	}
}

func (b *Book) checkResolution(s *step, st *bookState, r *Resolution) {
	if r.Dispute.Party != b.party.ID {
		if b.cfg.Regime.Party(r.Dispute.Party) == nil {
			s.problem(&Problem{Field: "body.dispute.party", Code: CodeParty, Msg: fmt.Sprintf("%q is not a party of the regime", r.Dispute.Party)})
			return
		}
		if r.Outcome != OutcomeAnswered {
			s.problem(&Problem{Field: "body.outcome", Code: CodeSchema, Msg: fmt.Sprintf("only %s can end its own dispute; another party answers it (outcome answered)", r.Dispute.Party)})
		}
		return
	}
	d := st.disputes[r.Dispute.Seq]
	if d == nil {
		s.problem(&Problem{Field: "body.dispute.seq", Code: CodeSchema, Msg: fmt.Sprintf("%s has no dispute with seq %d", b.party.ID, r.Dispute.Seq)})
		return
	}
	if r.Outcome == OutcomeAnswered {
		return
	}
	if !d.Active {
		s.problem(&Problem{Field: "body.dispute.seq", Code: CodeSchema, Msg: fmt.Sprintf("dispute %q (seq %d) has already ended", d.ID, r.Dispute.Seq)})
		return
	}
	c := *d
	c.Active = false
	st.disputes[r.Dispute.Seq] = &c
	s.ap.Ends = r.Dispute.Seq
}

// AgreementDigest is what an agreement to a revocation names: the hex
// SHA-256 of the revocation's body without its agreements, as compact
// JSON.
func AgreementDigest(rc *RegimeChangeBody) string {
	c := *rc
	c.Agreements = nil
	b, _ := json.Marshal(&c)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (b *Book) checkRegimeChange(s *step, st *bookState, rc *RegimeChangeBody) {
	if rc.Change == ChangeAgree {
		p := b.cfg.Regime.Party(rc.Party)
		if p == nil || p.ID == b.party.ID {
			s.problem(&Problem{Field: "body.party", Code: CodeParty, Msg: fmt.Sprintf("%q is not another party of the regime", rc.Party)})
		}
		return
	}
	old := st.keys.findVerifier(rc.keyV)
	if old == nil {
		s.problem(&Problem{Field: "body.key", Code: CodeRegime, Msg: fmt.Sprintf("%s+%08x is not a notification key of %s", rc.keyV.Name(), rc.keyV.KeyHash(), b.party.ID)})
		return
	}
	if why := old.valid(s.index, s.s.Created); why != "" && rc.Change == ChangeRotate {
		s.problem(&Problem{Field: "body.key", Code: CodeRegime, Msg: "cannot rotate a key that is no longer valid: " + why})
		return
	}
	if rc.newV != nil && st.keys.findVerifier(rc.newV) != nil {
		if k := st.keys.findVerifier(rc.newV); k.until == never {
			s.problem(&Problem{Field: "body.new", Code: CodeRegime, Msg: "the new key is already a valid key of the party"})
			return
		}
	}
	signer := st.keys.find(s.s.KeyName, s.s.KeyHash)
	switch rc.Change {
	case ChangeRotate:
		if signer != old {
			s.problem(&Problem{Field: "signature", Code: CodeRegime, Msg: fmt.Sprintf("a rotation is signed by the key it retires (%s+%08x), not %s+%08x", old.name, old.hash, s.s.KeyName, s.s.KeyHash)})
			return
		}
	case ChangeRevoke:
		if signer == nil {
			// Signed by the replacement: every other party must agree.
			if msg := b.checkAgreements(rc); msg != "" {
				s.problem(&Problem{Field: "body.agreements", Code: CodeRegime, Msg: msg})
				return
			}
		} else if len(rc.Agreements) > 0 {
			if msg := b.checkAgreements(rc); msg != "" {
				s.problem(&Problem{Field: "body.agreements", Code: CodeRegime, Msg: msg})
				return
			}
		}
	}
	index := s.index
	why := fmt.Sprintf("%s by %s seq %d", rc.Change, b.party.ID, s.s.Seq)
	oldName, oldHash := old.name, old.hash
	newV := rc.newV
	s.keyChange = func(kr *keyring) {
		if k := kr.find(oldName, oldHash); k != nil {
			k.retire(index, why)
		}
		if newV != nil {
			kr.add(newV, index)
		}
	}
}

// checkAgreements checks that every other party agreed to a revocation:
// each agreement is that party's signed agree envelope naming this party
// and the revocation's digest, signed by a notification key the regime
// file gives it, valid when it was made.
func (b *Book) checkAgreements(rc *RegimeChangeBody) string {
	digest := AgreementDigest(rc)
	agreed := map[string]bool{}
	for i, a := range rc.Agreements {
		sg, err := Parse([]byte(a))
		if err != nil {
			return fmt.Sprintf("agreements[%d]: %v", i, err)
		}
		p := b.cfg.Regime.Party(sg.Party)
		if p == nil || p.ID == b.party.ID {
			return fmt.Sprintf("agreements[%d]: by %q, not another party of the regime", i, sg.Party)
		}
		k := p.KeyFor(regime.RoleNotification, sg.KeyName, sg.KeyHash)
		if k == nil || !k.ValidAt(sg.Created) || !sg.Verify(k.Verifier()) {
			return fmt.Sprintf("agreements[%d]: not signed by a notification key of %s valid at %s (as the regime file gives them)", i, p.ID, formatTime(sg.Created))
		}
		v, err := DecodeBody(sg.Kind, sg.Body)
		ag, ok := v.(*RegimeChangeBody)
		if err != nil || !ok || ag.Change != ChangeAgree || ag.Party != b.party.ID || ag.Digest != digest {
			return fmt.Sprintf("agreements[%d]: %s's envelope is not an agreement to this revocation (digest %s)", i, p.ID, digest)
		}
		agreed[p.ID] = true
	}
	var missing []string
	for _, p := range b.cfg.Regime.Parties {
		if p.ID != b.party.ID && !agreed[p.ID] {
			missing = append(missing, p.ID)
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("a revocation not signed by a valid key of %s needs the agreement of every other party; missing: %s", b.party.ID, strings.Join(missing, ", "))
	}
	return ""
}

func (b *Book) checkAlert(s *step, st *bookState, a *ledger.Alert) {
	switch {
	case a.Observer != b.party.ID:
		s.problem(&Problem{Field: "body.observer", Code: CodeSchema, Msg: fmt.Sprintf("the alert was raised by %q; %s logs the alerts of its own witness", a.Observer, b.party.ID)})
	case st.alerts[a.ID]:
		s.problem(&Problem{Field: "body.id", Code: CodeSchema, Msg: fmt.Sprintf("alert %s is already in the log", a.ID)})
	default:
		if err := ledger.VerifyAlert(b.cfg.Regime, *a); err != nil {
			s.problem(&Problem{Field: "body", Code: CodeSchema, Msg: "the alert is not evidence of two histories: " + err.Error()})
			return
		}
		st.alerts[a.ID] = true
	}
}

// commit records a checked batch: the small state, sequence numbers, item
// histories, and each entry's projection (events, items, declarations).
func (b *Book) commit(steps []*step, st bookState) {
	b.st = st
	for _, s := range steps {
		ap := s.ap
		ap.Valid = true
		b.seqIdx = append(b.seqIdx, s.index)
		for _, se := range s.events {
			ap.Events = append(ap.Events, se.ev)
			ap.Items = append(ap.Items, b.record(s, &se.ev)...)
		}
		if s.decl != nil {
			ap.Declaration = b.declare(s)
		}
		b.size = s.index + 1
	}
}

// record updates the histories of the items an event changed and returns
// them as it left them.
func (b *Book) record(s *step, ev *forces.Event) []ItemState {
	var out []ItemState
	add := func(uid string, r rev) {
		h := b.items[uid]
		h.revs = append(h.revs, r)
		out = append(out, ItemState{UID: uid, Kind: h.kind, Type: h.typ, Status: r.status, Site: r.site, Carrier: r.carrier, Converting: r.converting, Date: r.date, Index: r.index, Seq: r.seq})
	}
	base := rev{index: s.index, seq: s.s.Seq, date: ev.Date}
	if ev.Op == forces.OpNew {
		for _, it := range ev.Items {
			item, ok := b.inv.Item(it.UID)
			if !ok {
				continue
			}
			b.items[it.UID] = &itemHist{kind: item.Kind, typ: item.Type}
			r := base
			r.status, r.site, r.carrier = it.Status, it.Site, it.Carrier
			add(it.UID, r)
		}
		return out
	}
	if ev.Op == forces.OpAttrs || ev.Op == forces.OpLoad {
		return nil
	}
	for _, u := range ev.UIDs {
		h := b.items[u]
		if h == nil || len(h.revs) == 0 {
			continue
		}
		r := h.revs[len(h.revs)-1]
		r.index, r.seq, r.date = base.index, base.seq, base.date
		switch ev.Op {
		case forces.OpStatus:
			r.status = ev.Status
		case forces.OpMove:
			if ev.Site != "" {
				r.site = ev.Site
			}
			switch ev.Carrier {
			case "":
			case forces.NoCarrier:
				r.carrier = ""
			default:
				r.carrier = ev.Carrier
			}
		case forces.OpConversionStart:
			r.converting = true
		case forces.OpConversionComplete:
			r.converting = false
			r.status = forces.Converted
			if ev.Status != "" {
				r.status = ev.Status
			}
		case forces.OpEliminate:
			r.status = forces.Eliminated
		}
		add(u, r)
	}
	return out
}

// at is the item as the notifications before index left it on date d (nil
// if it was not declared by then).
func (h *itemHist) at(d civil.Date, before uint64) *rev {
	for i := len(h.revs) - 1; i >= 0; i-- {
		r := &h.revs[i]
		if r.index < before && r.date <= d {
			return r
		}
	}
	return nil
}
