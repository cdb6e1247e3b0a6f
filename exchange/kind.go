package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/internal/yamlpos"
	"github.com/tally-project/tally/ledger"
)

// Kind names what an envelope's body is, with its version:
// "status-change/v1". A later version of a kind is a new Kind; a node
// refuses kinds it does not know.
type Kind string

// The kinds of notification.
const (
	// InitialDeclaration is the initial database: every item, by UID, with
	// type, status and site, as of entry into force, and the warheads
	// aggregated per base. It brings the items into accountability.
	InitialDeclaration Kind = "initial-declaration/v1"
	// PeriodicDeclaration is the whole database again, as of a fixed day
	// (1 March and 1 September under New START). It is checked against
	// the state the notifications before it leave, and it is the only
	// channel for warhead numbers.
	PeriodicDeclaration Kind = "periodic-declaration/v1"
	// NewItem brings new items into accountability: a forces.Event with
	// op new, every item named by UID.
	NewItem Kind = "new-item/v1"
	// StatusChange is a forces.Event with op status (deployed,
	// non-deployed, test, training), conversion-start,
	// conversion-complete, eliminate or attrs.
	StatusChange Kind = "status-change/v1"
	// Movement is a forces.Event with op move (site and/or carrier).
	Movement Kind = "movement/v1"
	// Acknowledgement says the sender has received and checked another
	// party's log up to a size (Ack).
	Acknowledgement Kind = "acknowledgement/v1"
	// DisputeKind is the sender's reading of another party's items
	// (Dispute): compliance is then also computed under it.
	DisputeKind Kind = "dispute/v1"
	// DisputeResolution ends or answers a dispute (Resolution).
	DisputeResolution Kind = "dispute-resolution/v1"
	// NoteKind is free text (Note).
	NoteKind Kind = "note/v1"
	// RegimeChange rotates or revokes the sender's notification key
	// (RegimeChangeBody).
	RegimeChange Kind = "regime-change/v1"
	// WitnessAlert is an alert the sender's witness raised: evidence that
	// a log showed two histories (ledger.Alert).
	WitnessAlert Kind = "witness-alert/v1"
)

// Rule kinds of a treaty's notification timing rules (treaty.Notification.Kind).
const (
	ruleInitial  = "initial"
	rulePeriodic = "periodic"
	ruleChange   = "change"
)

type kindSpec struct {
	// rule is the treaty rule kind that times it ("" = no deadline).
	rule string
	// ops are the event ops an item kind carries (nil: not an item kind).
	ops []forces.Op
	// acked: the other parties acknowledge it.
	acked bool
	// decode reads the body strictly.
	decode func(raw []byte) (any, []*Problem)
}

var kinds = map[Kind]*kindSpec{
	InitialDeclaration:  {rule: ruleInitial, acked: true, decode: decodeDeclaration},
	PeriodicDeclaration: {rule: rulePeriodic, acked: true, decode: decodeDeclaration},
	NewItem:             {rule: ruleChange, acked: true, ops: []forces.Op{forces.OpNew}, decode: decodeEvent},
	StatusChange: {rule: ruleChange, acked: true, ops: []forces.Op{forces.OpStatus, forces.OpConversionStart,
		forces.OpConversionComplete, forces.OpEliminate, forces.OpAttrs}, decode: decodeEvent},
	Movement:          {rule: ruleChange, acked: true, ops: []forces.Op{forces.OpMove}, decode: decodeEvent},
	Acknowledgement:   {decode: decodeAck},
	DisputeKind:       {acked: true, decode: decodeDispute},
	DisputeResolution: {acked: true, decode: decodeResolution},
	NoteKind:          {acked: true, decode: decodeNote},
	RegimeChange:      {acked: true, decode: decodeRegimeChange},
	WitnessAlert:      {acked: true, decode: decodeAlert},
}

// Kinds lists every kind, sorted.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// IsItem reports whether the kind's body is a forces.Event.
func (k Kind) IsItem() bool { s := kinds[k]; return s != nil && s.ops != nil }

// IsDeclaration reports whether the kind is a declaration.
func (k Kind) IsDeclaration() bool { return k == InitialDeclaration || k == PeriodicDeclaration }

// Acknowledged reports whether the other parties acknowledge notifications
// of this kind (all but acknowledgements themselves).
func (k Kind) Acknowledged() bool { s := kinds[k]; return s != nil && s.acked }

func unknownKind(k Kind) string {
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, string(n))
	}
	sort.Strings(names)
	base, _, _ := strings.Cut(string(k), "/")
	for _, n := range names {
		if b, _, _ := strings.Cut(n, "/"); b == base {
			return fmt.Sprintf("kind %q: this node knows version %s of %s", k, n[len(b)+1:], base)
		}
	}
	msg := fmt.Sprintf("unknown kind %q (kinds: %s)", k, strings.Join(names, ", "))
	if s := yamlpos.Suggest(string(k), names); s != "" {
		msg = fmt.Sprintf("unknown kind %q; did you mean %q?", k, s)
	}
	return msg
}

// DecodeBody reads the body of an envelope of kind k strictly, as the
// node does before accepting it: unknown fields, wrong types and missing
// required fields are problems that name the field ("body.uids[2]"). The
// result is a *forces.Event for item kinds, else *Declaration, *Ack,
// *Dispute, *Resolution, *Note, *RegimeChangeBody or *ledger.Alert.
func DecodeBody(k Kind, raw []byte) (any, error) {
	s := kinds[k]
	if s == nil {
		return nil, reject(&Problem{Field: "kind", Code: CodeUnknownKind, Msg: unknownKind(k)})
	}
	v, ps := s.decode(raw)
	if len(ps) > 0 {
		return nil, reject(ps...)
	}
	return v, nil
}

// bodyProblems turns the errors of a strict decoder into problems placed
// in the body.
func bodyProblems(err error) []*Problem {
	var yes yamlpos.Errors
	if errors.As(err, &yes) {
		out := make([]*Problem, 0, len(yes))
		for _, e := range yes {
			out = append(out, &Problem{Field: bodyPath(e.Path), Code: CodeSchema, Msg: e.Msg})
		}
		return out
	}
	var ees forces.EventErrors
	if errors.As(err, &ees) {
		out := make([]*Problem, 0, len(ees))
		for _, e := range ees {
			out = append(out, &Problem{Field: bodyPath(e.Path), UID: e.UID, Code: CodeSchema, Msg: e.Msg})
		}
		return out
	}
	return []*Problem{{Field: "body", Code: CodeSchema, Msg: err.Error()}}
}

func bodyPath(p string) string {
	if p == "" {
		return "body"
	}
	return "body." + p
}

// load decodes raw strictly into v and checks that the fields named are
// present.
func load(raw []byte, v any, required ...string) (*yamlpos.Doc, []*Problem) {
	if len(bytes.TrimSpace(raw)) == 0 || raw[0] != '{' {
		return nil, []*Problem{{Field: "body", Code: CodeSchema, Msg: "the body must be a JSON object"}}
	}
	doc, err := yamlpos.Load("body", indent(raw), v)
	if err != nil {
		return nil, bodyProblems(err)
	}
	var ps []*Problem
	for _, f := range required {
		if !doc.Has(f) {
			ps = append(ps, &Problem{Field: bodyPath(f), Code: CodeSchema, Msg: "required"})
		}
	}
	return doc, ps
}

// indent puts each field of a JSON body on its own line, so that a
// decoder that places its errors by line (yamlpos) names the right field.
func indent(raw []byte) []byte {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", " "); err != nil {
		return raw
	}
	return b.Bytes()
}

// ----- item notifications -----

func decodeEvent(raw []byte) (any, []*Problem) {
	if len(bytes.TrimSpace(raw)) == 0 || raw[0] != '{' {
		return nil, []*Problem{{Field: "body", Code: CodeSchema, Msg: "the body must be a JSON object (a forces event)"}}
	}
	ev, err := forces.ParseEvent("body", indent(raw))
	if err != nil {
		return nil, bodyProblems(err)
	}
	var ps []*Problem
	if ev.Select != nil || ev.Count != 0 {
		ps = append(ps, &Problem{Field: "body.select", Code: CodeSchema, Msg: "a notification names its items by uids, never by select and count"})
	}
	if ev.Op == forces.OpLoad || ev.Warheads != nil {
		ps = append(ps, &Problem{Field: "body.warheads", Code: CodeLoading, Msg: "warhead numbers change only in the periodic declarations, as warheads per base; a per-missile loading is never notified"})
	}
	for i, it := range ev.Items {
		p := fmt.Sprintf("body.items[%d]", i)
		if it.UID == "" {
			ps = append(ps, &Problem{Field: p + ".uid", Code: CodeSchema, Msg: "required: a notified item has a UID"})
		}
		if it.Count > 1 {
			ps = append(ps, &Problem{Field: p + ".count", UID: it.UID, Code: CodeSchema, Msg: "a notification lists each item with its own uid (count must be 1)"})
		}
		if it.Warheads != nil {
			ps = append(ps, &Problem{Field: p + ".warheads", UID: it.UID, Code: CodeLoading, Msg: "per-missile loadings are never notified: warheads are declared per base in the periodic declarations"})
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return &ev, nil
}

// ----- acknowledgements -----

// Ack acknowledges another party's log: the sender has received the
// entries [0, Size) of the log of party Of, whose RFC 6962 root at that
// size is Root, and checked each. It names the entries it found invalid.
type Ack struct {
	Of   string `yaml:"of" json:"of"`
	Size uint64 `yaml:"size" json:"size"`
	// Root is the base64 root hash of Of's log at Size.
	Root string `yaml:"root" json:"root"`
	// Through is the last sequence number of Of among the entries.
	Through uint64 `yaml:"through,omitempty" json:"through,omitempty"`
	// Invalid lists the indexes of entries that are not valid
	// notifications (and were not applied).
	Invalid []uint64 `yaml:"invalid,omitempty" json:"invalid,omitempty"`
}

func decodeAck(raw []byte) (any, []*Problem) {
	var a Ack
	_, ps := load(raw, &a, "of", "size", "root")
	if len(ps) > 0 {
		return nil, ps
	}
	if h, err := base64.StdEncoding.DecodeString(a.Root); err != nil || len(h) != 32 {
		ps = append(ps, &Problem{Field: "body.root", Code: CodeSchema, Msg: "must be the base64 of a 32-byte root hash"})
	}
	if a.Size == 0 {
		ps = append(ps, &Problem{Field: "body.size", Code: CodeSchema, Msg: "must be at least 1"})
	}
	for i, x := range a.Invalid {
		if x >= a.Size {
			ps = append(ps, &Problem{Field: fmt.Sprintf("body.invalid[%d]", i), Code: CodeSchema, Msg: fmt.Sprintf("index %d is not below size %d", x, a.Size)})
		}
	}
	return &a, ps
}

// ----- disputes -----

// Ref names a notification: party and sequence number.
type Ref struct {
	Party string `yaml:"party" json:"party"`
	Seq   uint64 `yaml:"seq" json:"seq"`
}

// Dispute is the sender's reading of another party's items: the items it
// reads differently (by UID, with the status each takes under its
// reading) and items the owner did not declare. Until the sender resolves
// or withdraws it, compliance is computed under the reading too.
type Dispute struct {
	// ID is the sender's name for the dispute, unique among its disputes.
	ID string `yaml:"id" json:"id"`
	// Of is the party whose items are disputed.
	Of string `yaml:"of" json:"of"`
	// About names the notifications disputed, if any.
	About []Ref `yaml:"about,omitempty" json:"about,omitempty"`
	// Reading is a forces.Reading with by = the sender and of = Of.
	Reading any    `yaml:"reading" json:"reading"`
	Text    string `yaml:"text,omitempty" json:"text,omitempty"`

	// Parsed is Reading, checked.
	Parsed *forces.Reading `yaml:"-" json:"-"`
}

func decodeDispute(raw []byte) (any, []*Problem) {
	var d Dispute
	_, ps := load(raw, &d, "id", "of", "reading")
	if len(ps) > 0 {
		return nil, ps
	}
	var parts struct {
		Reading json.RawMessage `json:"reading"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts.Reading) == 0 || parts.Reading[0] != '{' {
		return nil, []*Problem{{Field: "body.reading", Code: CodeSchema, Msg: "must be an object: a reading (name, by, of, changes, added)"}}
	}
	r, err := forces.ParseReading("reading", indent(parts.Reading))
	if err != nil {
		for _, p := range bodyProblems(err) {
			if p.Field == "body" {
				p.Field = "body.reading"
			} else {
				p.Field = "body.reading." + strings.TrimPrefix(p.Field, "body.")
			}
			ps = append(ps, p)
		}
		return nil, ps
	}
	for _, ch := range r.Changes {
		if ch.Select != nil {
			ps = append(ps, &Problem{Field: "body.reading.changes", Code: CodeSchema, Msg: "a dispute names the items it reads differently by uids, never by select"})
			break
		}
	}
	if r.Of != d.Of {
		ps = append(ps, &Problem{Field: "body.reading.of", Code: CodeSchema, Msg: fmt.Sprintf("the reading is of %q but the dispute is of %q", r.Of, d.Of)})
	}
	if d.ID == "" || len(d.ID) > 100 {
		ps = append(ps, &Problem{Field: "body.id", Code: CodeSchema, Msg: "must be 1 to 100 characters"})
	}
	d.Parsed = r
	return &d, ps
}

// Resolution ends or answers a dispute. The disputing party ends its own
// dispute (outcome withdrawn or resolved); any party may answer one
// (outcome answered), which ends nothing.
type Resolution struct {
	Dispute Ref    `yaml:"dispute" json:"dispute"`
	Outcome string `yaml:"outcome" json:"outcome"`
	Text    string `yaml:"text,omitempty" json:"text,omitempty"`
}

// The outcomes of a resolution.
const (
	OutcomeWithdrawn = "withdrawn"
	OutcomeResolved  = "resolved"
	OutcomeAnswered  = "answered"
)

func decodeResolution(raw []byte) (any, []*Problem) {
	var r Resolution
	_, ps := load(raw, &r, "dispute", "outcome")
	if len(ps) > 0 {
		return nil, ps
	}
	switch r.Outcome {
	case OutcomeWithdrawn, OutcomeResolved, OutcomeAnswered:
	default:
		ps = append(ps, &Problem{Field: "body.outcome", Code: CodeSchema, Msg: fmt.Sprintf("%q: must be withdrawn, resolved or answered", r.Outcome)})
	}
	if r.Dispute.Party == "" || r.Dispute.Seq == 0 {
		ps = append(ps, &Problem{Field: "body.dispute", Code: CodeSchema, Msg: "must name the dispute's party and seq"})
	}
	return &r, ps
}

// ----- notes -----

// Note is free text, optionally about other notifications.
type Note struct {
	Text  string `yaml:"text" json:"text"`
	About []Ref  `yaml:"about,omitempty" json:"about,omitempty"`
}

func decodeNote(raw []byte) (any, []*Problem) {
	var n Note
	_, ps := load(raw, &n, "text")
	if len(ps) == 0 && strings.TrimSpace(n.Text) == "" {
		ps = append(ps, &Problem{Field: "body.text", Code: CodeSchema, Msg: "empty"})
	}
	return &n, ps
}

// ----- regime changes -----

// The changes a RegimeChangeBody makes.
const (
	// ChangeRotate retires Key and puts New in its place, signed by Key.
	ChangeRotate = "rotate"
	// ChangeRevoke revokes Key (compromised), optionally putting New in
	// its place. Signed by a valid key of the party (Key itself if the
	// party still holds it), or, if the party holds no valid key any more,
	// by New with the agreement of every other party (Agreements).
	ChangeRevoke = "revoke"
	// ChangeAgree is another party's agreement to a revocation signed
	// without a valid key: Party and Digest name it.
	ChangeAgree = "agree"
)

// RegimeChangeBody changes the sender's notification keys, from the entry
// that carries it on: entries before it stay verifiable with the keys valid
// then, entries after it must use the keys it leaves. Only notification
// keys change in the log; checkpoint and cosigner keys change with a new
// regime file.
type RegimeChangeBody struct {
	Change string `yaml:"change" json:"change"`
	// Role is the role of the keys concerned: notification.
	Role string `yaml:"role,omitempty" json:"role,omitempty"`
	// Key is the verifier key retired or revoked.
	Key string `yaml:"key,omitempty" json:"key,omitempty"`
	// New is the verifier key that takes its place.
	New string `yaml:"new,omitempty" json:"new,omitempty"`
	// CompromisedSince is when a revoked key may have leaked (RFC 3339),
	// for the record.
	CompromisedSince string `yaml:"compromised_since,omitempty" json:"compromised_since,omitempty"`
	Reason           string `yaml:"reason,omitempty" json:"reason,omitempty"`
	// Agreements (revoke) are the other parties' signed agree envelopes.
	Agreements []string `yaml:"agreements,omitempty" json:"agreements,omitempty"`
	// Party and Digest (agree) name the revocation agreed to: its party
	// and the hex SHA-256 of its body without agreements (AgreementDigest).
	Party  string `yaml:"party,omitempty" json:"party,omitempty"`
	Digest string `yaml:"digest,omitempty" json:"digest,omitempty"`

	keyV, newV note.Verifier
}

func decodeRegimeChange(raw []byte) (any, []*Problem) {
	var c RegimeChangeBody
	_, ps := load(raw, &c, "change")
	if len(ps) > 0 {
		return nil, ps
	}
	vkey := func(field, s string) note.Verifier {
		if s == "" {
			ps = append(ps, &Problem{Field: field, Code: CodeSchema, Msg: "required"})
			return nil
		}
		v, err := note.NewVerifier(s)
		if err != nil {
			ps = append(ps, &Problem{Field: field, Code: CodeSchema, Msg: fmt.Sprintf("not a signed-note verifier key: %v", err)})
			return nil
		}
		return v
	}
	switch c.Change {
	case ChangeRotate, ChangeRevoke:
		if c.Role != "notification" {
			ps = append(ps, &Problem{Field: "body.role", Code: CodeSchema, Msg: fmt.Sprintf("%q: only notification keys change in the log (checkpoint and cosigner keys change with the regime file)", c.Role)})
		}
		c.keyV = vkey("body.key", c.Key)
		if c.Change == ChangeRotate || c.New != "" {
			c.newV = vkey("body.new", c.New)
		}
		if c.keyV != nil && c.newV != nil && c.keyV.KeyHash() == c.newV.KeyHash() && c.keyV.Name() == c.newV.Name() {
			ps = append(ps, &Problem{Field: "body.new", Code: CodeSchema, Msg: "the new key is the old one"})
		}
		if c.CompromisedSince != "" {
			if _, err := time.Parse(time.RFC3339, c.CompromisedSince); err != nil {
				ps = append(ps, &Problem{Field: "body.compromised_since", Code: CodeSchema, Msg: "not an RFC 3339 time"})
			}
		}
		if c.Change == ChangeRotate && len(c.Agreements) > 0 {
			ps = append(ps, &Problem{Field: "body.agreements", Code: CodeSchema, Msg: "a rotation is signed by the old key; agreements are for revocations"})
		}
		if c.Party != "" || c.Digest != "" {
			ps = append(ps, &Problem{Field: "body.party", Code: CodeSchema, Msg: "party and digest belong to an agreement"})
		}
	case ChangeAgree:
		if c.Party == "" {
			ps = append(ps, &Problem{Field: "body.party", Code: CodeSchema, Msg: "required"})
		}
		if len(c.Digest) != 64 {
			ps = append(ps, &Problem{Field: "body.digest", Code: CodeSchema, Msg: "must be the hex SHA-256 of the revocation's body without agreements"})
		}
		if c.Key != "" || c.New != "" || len(c.Agreements) > 0 {
			ps = append(ps, &Problem{Field: "body", Code: CodeSchema, Msg: "an agreement carries only change, party, digest and reason"})
		}
	default:
		ps = append(ps, &Problem{Field: "body.change", Code: CodeSchema, Msg: fmt.Sprintf("%q: must be rotate, revoke or agree", c.Change)})
	}
	return &c, ps
}

// ----- witness alerts -----

func decodeAlert(raw []byte) (any, []*Problem) {
	var a ledger.Alert
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return nil, []*Problem{{Field: "body", Code: CodeSchema, Msg: "not a witness alert: " + err.Error()}}
	}
	var ps []*Problem
	for _, f := range []struct{ name, v string }{{"id", a.ID}, {"kind", a.Kind}, {"log", a.Log}, {"observer", a.Observer}, {"first", a.First}, {"second", a.Second}} {
		if f.v == "" {
			ps = append(ps, &Problem{Field: "body." + f.name, Code: CodeSchema, Msg: "required"})
		}
	}
	return &a, ps
}

// ----- dates -----

// dateOf is the civil date (UTC) of a time.
func dateOf(t time.Time) civil.Date { return civil.Of(t.UTC()) }
