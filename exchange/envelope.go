package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/regime"
)

// Format is the first line of every envelope: what the text is and the
// version of its layout.
const Format = "tally.notification/v1"

// MaxEntry is the largest signed envelope: a log entry is framed with a
// 16-bit length (C2SP tlog-tiles).
const MaxEntry = 1<<16 - 1

// Envelope is one notification as its party signs it. The signed text is
// the envelope's lines, in this order, each "name value":
//
//	tally.notification/v1
//	party US
//	seq 42
//	kind status-change/v1
//	effective 2013-04-02
//	created 2013-04-03T10:00:00Z
//	body {"date":"2013-04-02","op":"status","uids":["US-ICBM-0001"],"status":"non-deployed"}
//
// followed, as C2SP signed-note has it, by a blank line and one signature
// line by the party's notification key. The entry in the log is exactly
// those bytes.
type Envelope struct {
	// Party is the regime id of the sender.
	Party string
	// Seq numbers the party's notifications 1, 2, 3, ... in log order.
	Seq uint64
	// Kind says what the body is, with its version.
	Kind Kind
	// Effective is when the event happened (the as-of date of a
	// declaration), not when it was reported.
	Effective civil.Date
	// Created is when the sender says it made the envelope (UTC). It is a
	// claim; when the other parties received it is fixed by their
	// cosignatures (see Book and ledger.Witness.ProvisionTime).
	Created time.Time
	// Body is the kind's body, compact JSON on one line.
	Body json.RawMessage
}

// Text is the envelope's signed text (without the signature block).
func (e *Envelope) Text() string {
	var b strings.Builder
	b.Grow(len(e.Body) + 160)
	b.WriteString(Format)
	b.WriteString("\nparty ")
	b.WriteString(e.Party)
	b.WriteString("\nseq ")
	b.WriteString(strconv.FormatUint(e.Seq, 10))
	b.WriteString("\nkind ")
	b.WriteString(string(e.Kind))
	b.WriteString("\neffective ")
	b.WriteString(e.Effective.String())
	b.WriteString("\ncreated ")
	b.WriteString(formatTime(e.Created))
	b.WriteString("\nbody ")
	b.Write(e.Body)
	b.WriteString("\n")
	return b.String()
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Sign signs the envelope with the party's notification key and returns
// the entry: the signed note, ready for the log. The body is compacted
// first, so any valid JSON may be given.
func (e *Envelope) Sign(s note.Signer) ([]byte, error) {
	if len(e.Body) == 0 {
		return nil, errors.New("exchange: an envelope needs a body")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, e.Body); err != nil {
		return nil, fmt.Errorf("exchange: body: %v", err)
	}
	e.Body = compact.Bytes()
	e.Created = e.Created.UTC()
	if err := e.check(); err != nil {
		return nil, err
	}
	msg, err := note.Sign(&note.Note{Text: e.Text()}, s)
	if err != nil {
		return nil, fmt.Errorf("exchange: signing: %v", err)
	}
	if len(msg) > MaxEntry {
		return nil, &Problem{Field: "", Code: CodeTooLarge, Msg: fmt.Sprintf("the signed envelope has %d bytes, more than the %d a log entry holds; split it (see SplitDeclaration)", len(msg), MaxEntry)}
	}
	return msg, nil
}

// check is what Parse also checks of the header fields.
func (e *Envelope) check() error {
	switch {
	case !regime.ValidPartyID(e.Party):
		return &Problem{Field: "party", Code: CodeSchema, Msg: fmt.Sprintf("%q is not a party id", e.Party)}
	case e.Seq == 0:
		return &Problem{Field: "seq", Code: CodeSchema, Msg: "sequence numbers start at 1"}
	case e.Created.IsZero():
		return &Problem{Field: "created", Code: CodeSchema, Msg: "missing"}
	}
	if _, ok := kinds[e.Kind]; !ok {
		return &Problem{Field: "kind", Code: CodeUnknownKind, Msg: unknownKind(e.Kind)}
	}
	return nil
}

// Signed is an entry parsed as an envelope, its signature not yet checked.
type Signed struct {
	Envelope
	// Entry is the entry as stored: the signed note.
	Entry []byte
	// KeyName and KeyHash name the key that signed it.
	KeyName string
	KeyHash uint32
	// text is the signed part of Entry; sig the Ed25519 signature.
	text []byte
	sig  []byte
}

// Parse reads an entry as a signed envelope. It is strict: the text must
// be exactly what Envelope.Text writes for the fields it holds (so that
// one notification has one encoding), with compact JSON as the body and
// exactly one signature line. The signature is not checked: see Verify.
func Parse(entry []byte) (*Signed, error) {
	if len(entry) > MaxEntry {
		return nil, &Problem{Code: CodeTooLarge, Msg: fmt.Sprintf("%d bytes, more than a log entry holds (%d)", len(entry), MaxEntry)}
	}
	split := bytes.LastIndex(entry, []byte("\n\n"))
	if split < 0 {
		return nil, &Problem{Field: "signature", Code: CodeMalformed, Msg: "not a signed note: no blank line before a signature"}
	}
	text, sigs := entry[:split+1], entry[split+2:]
	s := &Signed{Entry: entry, text: text}
	if err := s.parseSig(sigs); err != nil {
		return nil, err
	}
	if err := s.parseText(text); err != nil {
		return nil, err
	}
	return s, nil
}

var sigPrefix = []byte("— ")

func (s *Signed) parseSig(sigs []byte) error {
	bad := func(msg string) error { return &Problem{Field: "signature", Code: CodeMalformed, Msg: msg} }
	if len(sigs) == 0 || sigs[len(sigs)-1] != '\n' {
		return bad("the signature block must end with a newline")
	}
	line := sigs[:len(sigs)-1]
	if bytes.IndexByte(line, '\n') >= 0 {
		return bad("more than one signature line: a notification carries exactly one, by its party's notification key")
	}
	if !bytes.HasPrefix(line, sigPrefix) {
		return bad("the signature line must start with \"— \"")
	}
	name, b64, ok := strings.Cut(string(line[len(sigPrefix):]), " ")
	if !ok || name == "" || strings.ContainsAny(name, " +") {
		return bad("the signature line must be \"— <key name> <base64>\"")
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 4+64 {
		return bad("the signature is not base64 of a key hash and an Ed25519 signature")
	}
	s.KeyName, s.KeyHash, s.sig = name, binary.BigEndian.Uint32(raw), raw[4:]
	return nil
}

// The header lines, in order.
var headerNames = [...]string{"party", "seq", "kind", "effective", "created", "body"}

func (s *Signed) parseText(text []byte) error {
	if !utf8.Valid(text) {
		return &Problem{Code: CodeMalformed, Msg: "the text is not valid UTF-8"}
	}
	rest := text
	line := func() ([]byte, bool) {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return nil, false
		}
		l := rest[:i]
		rest = rest[i+1:]
		return l, true
	}
	if first, ok := line(); !ok || string(first) != Format {
		return &Problem{Code: CodeMalformed, Msg: fmt.Sprintf("the first line must be %q", Format)}
	}
	e := &s.Envelope
	for i, name := range headerNames {
		l, ok := line()
		if !ok {
			return &Problem{Code: CodeMalformed, Msg: fmt.Sprintf("an envelope has %d lines (%s, then %s); this one has %d", 1+len(headerNames), Format, strings.Join(headerNames[:], ", "), i+1)}
		}
		v, ok := bytes.CutPrefix(l, []byte(name+" "))
		if !ok {
			return &Problem{Field: name, Code: CodeMalformed, Msg: fmt.Sprintf("line %d must be %q followed by a space and the value", i+2, name)}
		}
		bad := func(format string, args ...any) error {
			return &Problem{Field: name, Code: CodeSchema, Msg: fmt.Sprintf(format, args...)}
		}
		switch name {
		case "party":
			val := string(v)
			if !regime.ValidPartyID(val) {
				return bad("%q is not a party id", val)
			}
			e.Party = val
		case "seq":
			n, err := strconv.ParseUint(string(v), 10, 64)
			if err != nil || n == 0 || v[0] == '0' {
				return bad("%q is not a sequence number (1, 2, 3, ... without leading zeros)", v)
			}
			e.Seq = n
		case "kind":
			e.Kind = Kind(v)
			if _, ok := kinds[e.Kind]; !ok {
				return &Problem{Field: name, Code: CodeUnknownKind, Msg: unknownKind(e.Kind)}
			}
		case "effective":
			val := string(v)
			d, err := civil.Parse(val)
			if err != nil || d.String() != val {
				return bad("%q is not a date YYYY-MM-DD", val)
			}
			e.Effective = d
		case "created":
			val := string(v)
			t, err := time.Parse(time.RFC3339Nano, val)
			if err != nil || formatTime(t) != val {
				return bad("%q is not a UTC time as RFC 3339 writes it with Z and no trailing zeros (2013-04-03T10:00:00Z)", val)
			}
			e.Created = t
		case "body":
			if !json.Valid(v) {
				var compact bytes.Buffer
				err := json.Compact(&compact, v)
				return bad("not JSON: %v", err)
			}
			if !isCompact(v) {
				return bad("the body must be compact JSON (no spaces between tokens)")
			}
			e.Body = json.RawMessage(v)
		}
	}
	if len(rest) > 0 {
		return &Problem{Code: CodeMalformed, Msg: fmt.Sprintf("an envelope has %d lines (%s, then %s); this one has more", 1+len(headerNames), Format, strings.Join(headerNames[:], ", "))}
	}
	return nil
}

// isCompact reports whether valid JSON has no whitespace between tokens.
func isCompact(b []byte) bool {
	in, esc := false, false
	for _, c := range b {
		switch {
		case esc:
			esc = false
		case in && c == '\\':
			esc = true
		case c == '"':
			in = !in
		case !in && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return true
}

// Verify checks the signature with the verifier of the key the signature
// line names (the caller finds it: see Keyring). It checks nothing else.
func (s *Signed) Verify(v note.Verifier) bool {
	if v == nil || v.Name() != s.KeyName || v.KeyHash() != s.KeyHash {
		return false
	}
	return v.Verify(s.text, s.sig)
}
