package exchange

import (
	"fmt"
	"math"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/regime"
)

// never is a log position no entry reaches.
const never = math.MaxUint64

// key is one notification key of a party: from the regime file (with its
// validity period in time) or put in place by a regime change in the log
// (valid from the entry after the change). A regime change retires a key
// from the entry after it.
type key struct {
	name string
	hash uint32
	v    note.Verifier
	// reg is the regime file's key, nil for a key added in the log.
	reg *regime.Key
	// from and until bound the log positions of entries the key may sign:
	// from <= index < until.
	from, until uint64
	// why says what retired it.
	why string
}

// keyring is a party's notification keys as the regime file and the
// regime changes in its log so far leave them.
type keyring struct {
	keys []*key
}

func newKeyring(p *regime.Party) keyring {
	var kr keyring
	for _, k := range p.KeysFor(regime.RoleNotification) {
		kr.keys = append(kr.keys, &key{name: k.Name(), hash: k.Hash(), v: k.Verifier(), reg: k, until: never})
	}
	return kr
}

// clone copies the ring so that a batch can change it tentatively.
func (kr keyring) clone() keyring {
	out := keyring{keys: make([]*key, len(kr.keys))}
	for i, k := range kr.keys {
		c := *k
		out.keys[i] = &c
	}
	return out
}

func (kr keyring) find(name string, hash uint32) *key {
	for _, k := range kr.keys {
		if k.name == name && k.hash == hash {
			return k
		}
	}
	return nil
}

// findVerifier finds the key of a verifier.
func (kr keyring) findVerifier(v note.Verifier) *key {
	if v == nil {
		return nil
	}
	return kr.find(v.Name(), v.KeyHash())
}

// valid says whether k may sign the entry at index, made at t. It returns
// "" if so, else why not.
func (k *key) valid(index uint64, t time.Time) string {
	if index < k.from {
		return fmt.Sprintf("key %s+%08x is valid only from entry %d on (a regime change put it in place)", k.name, k.hash, k.from)
	}
	if index >= k.until {
		return fmt.Sprintf("key %s+%08x was retired from entry %d on (%s)", k.name, k.hash, k.until, k.why)
	}
	if k.reg != nil && !k.reg.ValidAt(t) {
		return fmt.Sprintf("key %s+%08x is not valid at %s (regime file: valid from %q, revoked at %q)", k.name, k.hash, formatTime(t), k.reg.ValidFrom, k.reg.RevokedAt)
	}
	return ""
}

// retire ends k's validity after the entry at index.
func (k *key) retire(index uint64, why string) {
	if index+1 < k.until {
		k.until, k.why = index+1, why
	}
}

// add puts a new key in place from the entry after index.
func (kr *keyring) add(v note.Verifier, index uint64) {
	if k := kr.findVerifier(v); k != nil {
		k.from, k.until, k.why = index+1, never, ""
		return
	}
	kr.keys = append(kr.keys, &key{name: v.Name(), hash: v.KeyHash(), v: v, from: index + 1, until: never})
}
