package regime_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/internal/yamlpos"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/regime/regimetest"
)

// FuzzParse: any input is either a regime that holds together or a list of
// positioned errors; never a panic.
func FuzzParse(f *testing.F) {
	fx := regimetest.New(f, regimetest.Options{Threshold: "1"}, "US", "RU", "UK")
	f.Add(fx.YAML)
	f.Add(strings.Replace(fx.YAML, "origin: tally.ru/log", "origin: tally.us/log", 1))
	f.Add("version: 1\ntreaty: x\nparties: []\n")
	f.Add("parties:\n  - id: A\n    keys:\n      checkpoint: [{key: a+b+c}]\n")
	f.Add("{\"treaty\": \"t\", \"parties\": [{\"id\": \"US\", \"aliases\": [\"\"]}]}")
	f.Fuzz(func(t *testing.T, src string) {
		r, err := regime.Parse("f.yaml", []byte(src))
		if err != nil {
			var es yamlpos.Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error is not positioned: %T %v", err, err)
			}
			return
		}
		if len(r.Parties) < 2 {
			t.Fatalf("accepted %d parties", len(r.Parties))
		}
		for _, p := range r.Parties {
			if r.Party(p.ID) != p || r.LogOwner(p.Log.Origin) != p {
				t.Fatalf("lookups broken for %s", p.ID)
			}
			if p.Threshold() < 1 || p.Threshold() > len(p.Witnesses()) {
				t.Fatalf("threshold %d of %d", p.Threshold(), len(p.Witnesses()))
			}
			for _, role := range regime.Roles {
				if len(p.KeysFor(role)) == 0 {
					t.Fatalf("%s has no %s key", p.ID, role)
				}
			}
		}
	})
}

// FuzzOpenCheckpoint: malformed notes are errors, never panics, and an
// accepted checkpoint is signed by the log.
func FuzzOpenCheckpoint(f *testing.F) {
	fx := regimetest.New(f, regimetest.Options{}, "US", "RU", "UK")
	text := "tally.us/log\n3\nbzR4aV9AcvEJQpg6ciFnE8vnD4hFDOmS7fLeJYqbcjg=\n"
	msg, _ := signFor(fx, text)
	f.Add(msg)
	f.Add([]byte(text + "\n— tally.ru/witness AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"))
	f.Add([]byte("tally.us/log\n3\n\n\n— a b\n"))
	f.Add([]byte("tally.us/log\n3\nbzR4aV9AcvEJQpg6ciFnE8vnD4hFDOmS7fLeJYqbcjg=\next\n\n— tally.us/log AAAAAA==\n"))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, msg []byte) {
		c, err := fx.Regime.OpenCheckpoint(msg, now)
		if err != nil {
			if !errors.Is(err, regime.ErrMalformed) && !errors.Is(err, regime.ErrUnknownOrigin) && !errors.Is(err, regime.ErrNotSigned) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if c.Signer == nil || c.Log == nil || len(c.Hash) != 32 {
			t.Fatalf("accepted without signer/log/hash: %+v", c)
		}
		_ = c.Witnessed()
	})
}

func signFor(fx *regimetest.Fixture, text string) ([]byte, error) {
	return signNote(fx.Keys["US"].Checkpoint.Private, text)
}

func signNote(skey, text string) ([]byte, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: text}, s)
}
