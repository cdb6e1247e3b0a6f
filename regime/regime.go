// Package regime is the trust configuration of a verification regime: which
// treaty it serves, which parties take part, the keys each party signs with,
// where each party's log and witness are served, and how many other parties
// must witness a checkpoint before it counts as witnessed.
//
// Everything a node accepts from another party (a checkpoint, a
// cosignature, a notification, a receipt) is checked against a Regime and
// nothing else: a node trusts no key, origin or URL that is not in it.
//
// A regime file is YAML (or JSON) and is loaded strictly: unknown fields,
// malformed keys and inconsistent references are errors that name the file,
// line and field path:
//
//	version: 1
//	treaty: new-start
//	witness-policy:
//	  threshold: all        # or a number N: N of the M witnesses of each log
//	parties:
//	  - id: US
//	    name: United States of America
//	    aliases: [USA]
//	    node: https://us.tally.example/
//	    log:
//	      origin: tally.us/log
//	    keys:
//	      checkpoint:
//	        - key: tally.us/log+1a2b3c4d+AWe...
//	          valid-from: 2026-01-01
//	      notification:
//	        - key: tally.us/notification+...
//	      cosigner:
//	        - key: tally.us/witness+...
//	  - id: RU
//	    ...
//
// # Keys and their validity
//
// Each party has three kinds of key, always distinct: the checkpoint key
// signs its log's checkpoints (its name is the log's origin, as C2SP
// tlog-checkpoint has it), the notification key signs the party's
// notifications, and the cosigner key signs cosignatures when the party
// witnesses another party's log (C2SP tlog-cosignature requires a distinct
// key per cosigner). Keys are written as signed-note verifier keys.
//
// A key is valid from its valid-from time (the beginning of time when
// absent) until its revoked-at time (forever when absent). Rotation retires
// an old key by giving it a revoked-at and adds a new key; a compromised key
// gets a revoked-at at the moment it may have leaked. Signatures are judged
// at the time they were made, as established by the other parties rather
// than by the signer: a cosignature at its own timestamp, a checkpoint at
// the time of its earliest valid cosignature (or now, if it has none yet).
// So what was signed and witnessed before a revocation stays verifiable,
// and nothing signed afterwards is accepted. Regime changes are meant to be
// carried as entries in the logs themselves; Version orders them.
package regime

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	fnote "github.com/transparency-dev/formats/note"
	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/internal/yamlpos"
)

// Role is what a key signs.
type Role string

const (
	// RoleCheckpoint keys sign the party's log checkpoints (C2SP
	// tlog-checkpoint). The key's name is the log's origin.
	RoleCheckpoint Role = "checkpoint"
	// RoleNotification keys sign the party's notification envelopes.
	RoleNotification Role = "notification"
	// RoleCosigner keys sign cosignatures on other parties' checkpoints (C2SP
	// tlog-cosignature, Ed25519 cosignature/v1 or ML-DSA-44).
	RoleCosigner Role = "cosigner"
)

// Roles lists every role, in the order they are written in a file.
var Roles = []Role{RoleCheckpoint, RoleNotification, RoleCosigner}

// Regime is a loaded and validated regime file. It is immutable once loaded
// and safe for concurrent use.
type Regime struct {
	// Version orders successive regimes of one treaty network; a regime
	// change carries a higher version.
	Version int `yaml:"version"`
	// Treaty is the identifier of the treaty the regime serves.
	Treaty string `yaml:"treaty"`
	// WitnessPolicy is the default policy for every party's log.
	WitnessPolicy *Policy `yaml:"witness-policy"`
	// Parties in the order of the file.
	Parties []*Party `yaml:"parties"`

	file     string
	byID     map[string]*Party
	byName   map[string]*Party // ids and aliases, upper-cased
	byOrigin map[string]*Party
}

// Policy says how many witnesses must cosign a checkpoint of a log.
type Policy struct {
	// Threshold is "all" (the default) or a number N of the witnesses.
	Threshold string `yaml:"threshold"`
}

// Party is one state taking part in the regime.
type Party struct {
	// ID is the party's short identifier (US, RU, UK, ...), unique in the
	// regime; upper-case letters, digits and '-'.
	ID string `yaml:"id"`
	// Name is the party's full name.
	Name string `yaml:"name"`
	// Aliases are other names that refer to the party (USA, Russia).
	Aliases []string `yaml:"aliases"`
	// Node is the base URL of the party's node.
	Node string `yaml:"node"`
	// Witness is the URL prefix of the party's tlog-witness endpoint;
	// default Node + "witness/".
	Witness string `yaml:"witness"`
	// Log describes the party's own log.
	Log LogSpec `yaml:"log"`
	// Keys are the party's verifier keys by role.
	Keys Keys `yaml:"keys"`

	witnesses []*Party
	threshold int
}

// LogSpec is where a party's log is served and who witnesses it.
type LogSpec struct {
	// Origin is the log's checkpoint origin line, unique in the regime.
	Origin string `yaml:"origin"`
	// URL is the log's tlog-tiles prefix; default Node + "log/".
	URL string `yaml:"url"`
	// Witnesses overrides the parties that witness this log; default every
	// other party.
	Witnesses []string `yaml:"witnesses"`
	// Threshold overrides the regime's witness-policy threshold for this log.
	Threshold string `yaml:"threshold"`
}

// Keys are a party's verifier keys, by role. Several keys of one role may
// be listed, with their validity periods, to express rotation.
type Keys struct {
	Checkpoint   []*Key `yaml:"checkpoint"`
	Notification []*Key `yaml:"notification"`
	Cosigner     []*Key `yaml:"cosigner"`
}

// Key is one verifier key with its validity.
type Key struct {
	// Key is the signed-note verifier key (name+hash+base64).
	Key string `yaml:"key"`
	// ValidFrom is when the key starts being valid: RFC 3339 or
	// YYYY-MM-DD (midnight UTC). Empty: always.
	ValidFrom string `yaml:"valid-from"`
	// RevokedAt is when the key stops being valid, by rotation or
	// compromise. Empty: never.
	RevokedAt string `yaml:"revoked-at"`
	// Reason says why the key was revoked (rotation, compromise, ...).
	Reason string `yaml:"reason"`

	role     Role
	party    *Party
	verifier note.Verifier
	public   []byte // raw public key, to tell keys apart across roles
	from     time.Time
	until    time.Time // zero: never revoked
}

// Role is what the key signs.
func (k *Key) Role() Role { return k.role }

// Party is the key's owner.
func (k *Key) Party() *Party { return k.party }

// Name is the key's signed-note name.
func (k *Key) Name() string { return k.verifier.Name() }

// Hash is the key's signed-note key ID.
func (k *Key) Hash() uint32 { return k.verifier.KeyHash() }

// Verifier verifies signatures by the key (without looking at validity).
func (k *Key) Verifier() note.Verifier { return k.verifier }

// ValidFromTime is the start of the key's validity (zero: always).
func (k *Key) ValidFromTime() time.Time { return k.from }

// RevokedAtTime is the end of the key's validity (zero: never).
func (k *Key) RevokedAtTime() time.Time { return k.until }

// ValidAt reports whether t lies in the key's validity period.
func (k *Key) ValidAt(t time.Time) bool {
	if !k.from.IsZero() && t.Before(k.from) {
		return false
	}
	return k.until.IsZero() || t.Before(k.until)
}

// KeysFor returns the party's keys of role r, in file order.
func (p *Party) KeysFor(r Role) []*Key {
	switch r {
	case RoleCheckpoint:
		return p.Keys.Checkpoint
	case RoleNotification:
		return p.Keys.Notification
	case RoleCosigner:
		return p.Keys.Cosigner
	}
	return nil
}

// KeyFor returns the party's key of role r with the given signed-note name
// and key ID, or nil: the key a signature line names.
func (p *Party) KeyFor(r Role, name string, hash uint32) *Key {
	for _, k := range p.KeysFor(r) {
		if k.Name() == name && k.Hash() == hash {
			return k
		}
	}
	return nil
}

// Verifiers returns the party's keys of role r that are valid at t, as
// note.Verifiers for note.Open: a notification signed at a time the other
// parties vouch for (its time of provision) is checked with the keys valid
// then.
func (p *Party) Verifiers(r Role, at time.Time) note.Verifiers {
	var vs []note.Verifier
	for _, k := range p.KeysFor(r) {
		if k.ValidAt(at) {
			vs = append(vs, k.verifier)
		}
	}
	return note.VerifierList(vs...)
}

// LogURL is the tlog-tiles prefix of the party's log, ending in '/'.
func (p *Party) LogURL() string { return p.Log.URL }

// WitnessURL is the party's tlog-witness prefix, ending in '/'; the
// add-checkpoint endpoint is WitnessURL()+"add-checkpoint".
func (p *Party) WitnessURL() string { return p.Witness }

// Witnesses are the parties that witness this party's log.
func (p *Party) Witnesses() []*Party { return slices.Clone(p.witnesses) }

// Threshold is how many of Witnesses must cosign a checkpoint of this
// party's log for it to count as witnessed.
func (p *Party) Threshold() int { return p.threshold }

// WitnessedBy reports whether w is one of the witnesses of p's log.
func (p *Party) WitnessedBy(w *Party) bool { return slices.Contains(p.witnesses, w) }

// File is the name the regime was loaded from.
func (r *Regime) File() string { return r.file }

// Party returns the party with the given id or alias (case-insensitive),
// or nil.
func (r *Regime) Party(name string) *Party {
	if p := r.byID[name]; p != nil {
		return p
	}
	return r.byName[strings.ToUpper(name)]
}

// LogOwner returns the party whose log has the given origin, or nil.
func (r *Regime) LogOwner(origin string) *Party { return r.byOrigin[origin] }

// Load reads and validates the regime file at path.
func Load(path string) (*Regime, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes and validates a regime file. file names it in errors.
// Every problem found is reported, each with file:line and field path.
func Parse(file string, data []byte) (*Regime, error) {
	r := &Regime{}
	doc, err := yamlpos.Load(file, data, r)
	if doc != nil && doc.Root != nil && doc.Root.Kind != yaml.MappingNode {
		return nil, yamlpos.Errors{doc.Errorf("", "a regime file is a mapping of fields (version, treaty, parties, ...)")}
	}
	if err != nil {
		return nil, err
	}
	r.file = file
	v := &validator{doc: doc, r: r}
	v.validate()
	if err := v.errs.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

type validator struct {
	doc  *yamlpos.Doc
	r    *Regime
	errs yamlpos.Errors
}

func (v *validator) errorf(path, format string, args ...any) {
	v.errs = append(v.errs, v.doc.Errorf(path, format, args...))
}

var partyIDPattern = regexp.MustCompile(`^[A-Z][A-Z0-9-]{0,15}$`)

// ValidPartyID reports whether id can name a party: 1 to 16 upper-case
// letters, digits or '-', starting with a letter (US, RU, UK, P5-FR).
func ValidPartyID(id string) bool { return partyIDPattern.MatchString(id) }

func (v *validator) validate() {
	r := v.r
	if r.Version < 0 {
		v.errorf("version", "must be 0 or more")
	}
	if strings.TrimSpace(r.Treaty) == "" {
		v.errorf("treaty", "is required: the identifier of the treaty the regime serves")
	}
	defaultThreshold := 0 // all
	if r.WitnessPolicy != nil {
		n, ok := v.threshold("witness-policy.threshold", r.WitnessPolicy.Threshold)
		if ok {
			defaultThreshold = n
		}
	}
	if len(r.Parties) < 2 {
		v.errorf("parties", "a regime needs at least two parties, got %d", len(r.Parties))
	}
	r.byID = map[string]*Party{}
	r.byName = map[string]*Party{}
	r.byOrigin = map[string]*Party{}
	namePath := map[string]string{}
	for i, p := range r.Parties {
		path := yamlpos.Index("parties", i)
		if p == nil {
			v.errorf(path, "is empty")
			continue
		}
		switch {
		case p.ID == "":
			v.errorf(yamlpos.Join(path, "id"), "is required")
		case !partyIDPattern.MatchString(p.ID):
			v.errorf(yamlpos.Join(path, "id"), "%q: a party id is 1 to 16 upper-case letters, digits or '-', starting with a letter", p.ID)
		case r.byID[p.ID] != nil:
			v.errorf(yamlpos.Join(path, "id"), "party %q is listed twice", p.ID)
		default:
			r.byID[p.ID] = p
		}
		if strings.TrimSpace(p.Name) == "" {
			v.errorf(yamlpos.Join(path, "name"), "is required")
		}
		names := append([]string{p.ID}, p.Aliases...)
		for j, n := range names {
			np := yamlpos.Join(path, "id")
			if j > 0 {
				np = yamlpos.Index(yamlpos.Join(path, "aliases"), j-1)
				if strings.TrimSpace(n) == "" {
					v.errorf(np, "an alias cannot be empty")
					continue
				}
			}
			if n == "" {
				continue
			}
			u := strings.ToUpper(n)
			if other, ok := r.byName[u]; ok && other != p {
				v.errorf(np, "%q already names party %s (at %s)", n, other.ID, namePath[u])
				continue
			}
			r.byName[u] = p
			namePath[u] = np
		}
		v.party(path, p)
	}
	// Witness sets need every party known first.
	for i, p := range r.Parties {
		if p == nil {
			continue
		}
		path := yamlpos.Join(yamlpos.Index("parties", i), "log")
		v.witnesses(path, p, defaultThreshold)
	}
	v.distinctKeys()
}

func (v *validator) party(path string, p *Party) {
	r := v.r
	node, ok := v.url(yamlpos.Join(path, "node"), p.Node, true)
	if ok {
		p.Node = node
	}
	if p.Witness == "" && node != "" {
		p.Witness = node + "witness/"
	} else if w, ok := v.url(yamlpos.Join(path, "witness"), p.Witness, false); ok && w != "" {
		p.Witness = w
	}
	lp := yamlpos.Join(path, "log")
	if p.Log.URL == "" && node != "" {
		p.Log.URL = node + "log/"
	} else if u, ok := v.url(yamlpos.Join(lp, "url"), p.Log.URL, false); ok && u != "" {
		p.Log.URL = u
	}
	op := yamlpos.Join(lp, "origin")
	switch o := p.Log.Origin; {
	case o == "":
		v.errorf(op, "is required: the log's checkpoint origin line, e.g. tally.%s/log", strings.ToLower(p.ID))
	case !validKeyName(o):
		v.errorf(op, "%q: an origin is non-empty UTF-8 with no spaces and no '+'", o)
	case r.byOrigin[o] != nil:
		v.errorf(op, "origin %q is already the log of party %s", o, r.byOrigin[o].ID)
	default:
		r.byOrigin[o] = p
	}
	kp := yamlpos.Join(path, "keys")
	for _, role := range Roles {
		rp := yamlpos.Join(kp, string(role))
		keys := p.KeysFor(role)
		if len(keys) == 0 {
			v.errorf(rp, "party %s needs at least one %s key", p.ID, role)
		}
		for j, k := range keys {
			v.key(yamlpos.Index(rp, j), p, role, k)
		}
	}
}

func (v *validator) url(path, s string, required bool) (string, bool) {
	if s == "" {
		if required {
			v.errorf(path, "is required: the base URL of the party's node, e.g. https://us.tally.example/")
		}
		return "", !required
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.errorf(path, "%q is not an absolute http(s) URL", s)
		return "", false
	}
	if u.RawQuery != "" || u.Fragment != "" {
		v.errorf(path, "%q: a URL prefix cannot have a query or fragment", s)
		return "", false
	}
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s, true
}

func (v *validator) key(path string, p *Party, role Role, k *Key) {
	if k == nil {
		v.errorf(path, "is empty")
		return
	}
	k.role, k.party = role, p
	kp := yamlpos.Join(path, "key")
	if k.Key == "" {
		v.errorf(kp, "is required: a signed-note verifier key (tally keys generate writes one)")
		return
	}
	var err error
	switch role {
	case RoleCosigner:
		k.verifier, k.public, err = cosignerVerifier(k.Key)
	default:
		k.verifier, k.public, err = ed25519Verifier(k.Key)
	}
	if err != nil {
		v.errorf(kp, "not a valid %s verifier key: %v", role, err)
		return
	}
	if role == RoleCheckpoint && k.verifier.Name() != p.Log.Origin && p.Log.Origin != "" {
		v.errorf(kp, "a checkpoint key's name must be the log origin %q, got %q", p.Log.Origin, k.verifier.Name())
	}
	var okFrom, okUntil bool
	k.from, okFrom = v.time(yamlpos.Join(path, "valid-from"), k.ValidFrom)
	k.until, okUntil = v.time(yamlpos.Join(path, "revoked-at"), k.RevokedAt)
	if okFrom && okUntil && !k.from.IsZero() && !k.until.IsZero() && !k.from.Before(k.until) {
		v.errorf(yamlpos.Join(path, "revoked-at"), "must be after valid-from (%s)", k.ValidFrom)
	}
	if k.Reason != "" && k.RevokedAt == "" {
		v.errorf(yamlpos.Join(path, "reason"), "a reason is given but the key has no revoked-at")
	}
}

// ParseTime reads a time as written in a regime file: RFC 3339, or a civil
// date YYYY-MM-DD meaning midnight UTC.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-03-01T12:00:00Z) nor a date (2026-03-01)", s)
}

func (v *validator) time(path, s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := ParseTime(s)
	if err != nil {
		v.errorf(path, "%v", err)
		return time.Time{}, false
	}
	return t, true
}

// threshold parses "all" (0) or a positive number.
func (v *validator) threshold(path, s string) (int, bool) {
	if s == "" || s == "all" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		v.errorf(path, "%q: a threshold is \"all\" or a number of witnesses, 1 or more", s)
		return 0, false
	}
	return n, true
}

func (v *validator) witnesses(path string, p *Party, def int) {
	r := v.r
	if p.Log.Witnesses == nil {
		for _, q := range r.Parties {
			if q != nil && q != p && q.ID != "" {
				p.witnesses = append(p.witnesses, q)
			}
		}
	} else {
		wp := yamlpos.Join(path, "witnesses")
		if len(p.Log.Witnesses) == 0 {
			v.errorf(wp, "a log needs at least one witness (omit the field for every other party)")
		}
		for i, id := range p.Log.Witnesses {
			q := r.Party(id)
			switch {
			case q == nil:
				msg := fmt.Sprintf("unknown party %q", id)
				if s := yamlpos.Suggest(id, slices.Sorted(maps.Keys(r.byID))); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				v.errorf(yamlpos.Index(wp, i), "%s", msg)
			case q == p:
				v.errorf(yamlpos.Index(wp, i), "party %s cannot witness its own log", p.ID)
			case slices.Contains(p.witnesses, q):
				v.errorf(yamlpos.Index(wp, i), "party %s is listed twice", q.ID)
			default:
				p.witnesses = append(p.witnesses, q)
			}
		}
	}
	n := def
	if p.Log.Threshold != "" {
		if t, ok := v.threshold(yamlpos.Join(path, "threshold"), p.Log.Threshold); ok {
			n = t
		}
	}
	if n == 0 {
		n = len(p.witnesses)
	}
	if n > len(p.witnesses) && len(p.witnesses) > 0 {
		at := yamlpos.Join(path, "threshold")
		if p.Log.Threshold == "" {
			at = "witness-policy.threshold"
		}
		v.errorf(at, "threshold %d for the log of %s exceeds its %d witnesses", n, p.ID, len(p.witnesses))
	}
	p.threshold = n
}

// distinctKeys rejects a public key used twice: across roles (a checkpoint
// signature must never pass for a notification signature) and across
// parties (a cosignature must say who cosigned).
func (v *validator) distinctKeys() {
	seen := map[string]string{}
	cosignerNames := map[string]string{}
	for i, p := range v.r.Parties {
		if p == nil {
			continue
		}
		for _, role := range Roles {
			for j, k := range p.KeysFor(role) {
				if k == nil || k.public == nil {
					continue
				}
				path := yamlpos.Join(yamlpos.Index(yamlpos.Join(yamlpos.Join(yamlpos.Index("parties", i), "keys"), string(role)), j), "key")
				pk := string(k.public)
				if prev, ok := seen[pk]; ok {
					v.errorf(path, "the same public key is already used at %s: every role and party needs its own key", prev)
				} else {
					seen[pk] = path
				}
				if role == RoleCosigner {
					if prev, ok := cosignerNames[k.Name()]; ok && !strings.HasPrefix(prev, yamlpos.Index("parties", i)+".") {
						v.errorf(path, "cosigner name %q is already used by another party at %s", k.Name(), prev)
					} else if !ok {
						cosignerNames[k.Name()] = path
					}
				}
			}
		}
	}
}

// validKeyName is the signed-note rule for key names (and thus origins).
func validKeyName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

const (
	algEd25519         = 1
	algCosignatureV1   = 4
	algMLDSA44         = 6
	ed25519VKeyPayload = 1 + ed25519.PublicKeySize
)

func splitVKey(vkey string) (name string, key []byte, err error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	hash, b64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || len(hash) != 8 || !validKeyName(name) {
		return "", nil, errors.New("want name+hash+base64")
	}
	key, err = base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) < 2 {
		return "", nil, errors.New("the key part is not base64")
	}
	return name, key, nil
}

func ed25519Verifier(vkey string) (note.Verifier, []byte, error) {
	_, key, err := splitVKey(vkey)
	if err != nil {
		return nil, nil, err
	}
	if key[0] != algEd25519 || len(key) != ed25519VKeyPayload {
		return nil, nil, fmt.Errorf("want an Ed25519 signed-note key (algorithm %d), got algorithm %d", algEd25519, key[0])
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, nil, err
	}
	return v, key[1:], nil
}

func cosignerVerifier(vkey string) (note.Verifier, []byte, error) {
	_, key, err := splitVKey(vkey)
	if err != nil {
		return nil, nil, err
	}
	if key[0] != algCosignatureV1 && key[0] != algMLDSA44 {
		return nil, nil, fmt.Errorf("want a tlog-cosignature key (algorithm %d for Ed25519 cosignature/v1, %d for ML-DSA-44), got algorithm %d", algCosignatureV1, algMLDSA44, key[0])
	}
	v, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		return nil, nil, err
	}
	// A verifier key carries its key ID; reject one whose ID does not match
	// the key, since signatures are matched by ID.
	if !strings.Contains(vkey, fmt.Sprintf("+%08x+", v.KeyHash())) {
		return nil, nil, errors.New("the key hash does not match the key")
	}
	return v, key[1:], nil
}
