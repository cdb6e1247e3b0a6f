// Package regimetest builds regimes with fresh keys for tests: any number
// of parties, each with its three keys and a node URL.
package regimetest

import (
	"fmt"
	"strings"
	"testing"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/regime"
)

// Fixture is a regime and the private keys of all its parties.
type Fixture struct {
	Regime *regime.Regime
	YAML   string
	Keys   map[string]*keys.Set
}

// Options shape the regime.
type Options struct {
	// Nodes maps a party id to its node URL; default http://<id>.invalid/.
	Nodes map[string]string
	// Threshold is the regime's witness-policy threshold ("" for all).
	Threshold string
	// Extra is appended to each party's entry (indented YAML lines).
	Extra map[string]string
}

// New makes a regime of the given parties (ids such as "US", "RU", "UK").
func New(t testing.TB, opts Options, parties ...string) *Fixture {
	t.Helper()
	f := &Fixture{Keys: map[string]*keys.Set{}}
	var b strings.Builder
	b.WriteString("version: 1\ntreaty: new-start\n")
	if opts.Threshold != "" {
		fmt.Fprintf(&b, "witness-policy:\n  threshold: %s\n", opts.Threshold)
	}
	b.WriteString("parties:\n")
	for _, id := range parties {
		set, err := keys.Generate(id, keys.DefaultNames(id))
		if err != nil {
			t.Fatal(err)
		}
		f.Keys[id] = set
		node := opts.Nodes[id]
		if node == "" {
			node = "http://" + strings.ToLower(id) + ".invalid/"
		}
		b.WriteString(set.RegimeYAML("Party "+id, node))
		b.WriteString(opts.Extra[id])
	}
	f.YAML = b.String()
	r, err := regime.Parse("regime.yaml", []byte(f.YAML))
	if err != nil {
		t.Fatalf("regime fixture does not load: %v\n%s", err, f.YAML)
	}
	f.Regime = r
	return f
}

// CheckpointSigner is party id's checkpoint signer.
func (f *Fixture) CheckpointSigner(t testing.TB, id string) note.Signer {
	t.Helper()
	s, err := note.NewSigner(f.Keys[id].Checkpoint.Private)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// NotificationSigner is party id's notification signer.
func (f *Fixture) NotificationSigner(t testing.TB, id string) note.Signer {
	t.Helper()
	s, err := note.NewSigner(f.Keys[id].Notification.Private)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Cosigner is party id's cosigner.
func (f *Fixture) Cosigner(t testing.TB, id string) *fnote.Signer {
	t.Helper()
	s, err := keys.NewCosigner(f.Keys[id].Cosigner.Private)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
