package regime_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tally-project/tally/internal/yamlpos"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/regime/regimetest"
)

func TestThreePartiesDefaults(t *testing.T) {
	f := regimetest.New(t, regimetest.Options{Nodes: map[string]string{"US": "https://us.example/tally"}}, "US", "RU", "UK")
	r := f.Regime
	if len(r.Parties) != 3 || r.Treaty != "new-start" || r.Version != 1 {
		t.Fatalf("got %d parties, treaty %q, version %d", len(r.Parties), r.Treaty, r.Version)
	}
	us := r.Party("us")
	if us == nil || us.ID != "US" {
		t.Fatalf("Party(us) = %v", us)
	}
	if got := us.LogURL(); got != "https://us.example/tally/log/" {
		t.Errorf("LogURL = %q", got)
	}
	if got := us.WitnessURL(); got != "https://us.example/tally/witness/" {
		t.Errorf("WitnessURL = %q", got)
	}
	var ws []string
	for _, w := range us.Witnesses() {
		ws = append(ws, w.ID)
	}
	if strings.Join(ws, ",") != "RU,UK" || us.Threshold() != 2 {
		t.Errorf("witnesses of US = %v threshold %d, want RU,UK threshold 2", ws, us.Threshold())
	}
	if r.LogOwner("tally.ru/log") != r.Party("RU") {
		t.Errorf("LogOwner(tally.ru/log) is not RU")
	}
	for _, role := range regime.Roles {
		if ks := us.KeysFor(role); len(ks) != 1 || ks[0].Role() != role || ks[0].Party() != us {
			t.Errorf("KeysFor(%s) = %v", role, ks)
		}
	}
}

func TestWitnessPolicyNofM(t *testing.T) {
	f := regimetest.New(t, regimetest.Options{
		Threshold: "1",
		Extra:     map[string]string{"UK": "    witness: https://witness.uk.example/w\n"},
	}, "US", "RU", "UK", "FR")
	us := f.Regime.Party("US")
	if us.Threshold() != 1 || len(us.Witnesses()) != 3 {
		t.Fatalf("threshold %d of %d", us.Threshold(), len(us.Witnesses()))
	}
	if got := f.Regime.Party("UK").WitnessURL(); got != "https://witness.uk.example/w/" {
		t.Errorf("WitnessURL = %q", got)
	}
}

// replaceKey swaps one party's key line in a fixture's YAML.
func setLine(t *testing.T, yaml, old, repl string) string {
	t.Helper()
	if !strings.Contains(yaml, old) {
		t.Fatalf("fixture has no %q", old)
	}
	return strings.Replace(yaml, old, repl, 1)
}

func TestRejections(t *testing.T) {
	f := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	us, ru := f.Keys["US"], f.Keys["RU"]
	cases := []struct {
		name string
		edit func(string) string
		want []string // each must appear in the error text
	}{
		{"unknown field", func(y string) string { return setLine(t, y, "treaty: new-start\n", "treaty: new-start\ntreatty: x\n") },
			[]string{"regime.yaml:3:1: treatty: unknown field \"treatty\" (did you mean \"treaty\"?)"}},
		{"no treaty", func(y string) string { return setLine(t, y, "treaty: new-start\n", "") },
			[]string{"treaty: is required"}},
		{"duplicate party", func(y string) string { return setLine(t, y, "- id: RU\n", "- id: US\n") },
			[]string{"parties[1].id: party \"US\" is listed twice"}},
		{"bad party id", func(y string) string { return setLine(t, y, "- id: RU\n", "- id: ru land\n") },
			[]string{"parties[1].id: \"ru land\": a party id is"}},
		{"alias collides", func(y string) string {
			return setLine(t, y, "    name: Party RU\n", "    name: Party RU\n    aliases: [Russia, us]\n")
		}, []string{"parties[1].aliases[1]: \"us\" already names party US"}},
		{"cosigner key of the wrong kind", func(y string) string {
			return setLine(t, y, "- key: "+ru.Cosigner.Verifier, "- key: "+strings.Replace(ru.Notification.Verifier, "notification", "witness", 1))
		}, []string{"parties[1].keys.cosigner[0].key: not a valid cosigner verifier key"}},
		{"checkpoint key not named after the origin", func(y string) string {
			return setLine(t, y, "origin: tally.us/log", "origin: tally.us/other")
		}, []string{"parties[0].keys.checkpoint[0].key: a checkpoint key's name must be the log origin \"tally.us/other\""}},
		{"same key twice", func(y string) string {
			return setLine(t, y, "- key: "+ru.Checkpoint.Verifier, "- key: "+us.Checkpoint.Verifier)
		}, []string{"parties[1].keys.checkpoint[0].key: a checkpoint key's name must be the log origin", "the same public key is already used at parties[0].keys.checkpoint[0].key"}},
		{"threshold too high", func(y string) string {
			return setLine(t, y, "parties:\n", "witness-policy:\n  threshold: 3\nparties:\n")
		},
			[]string{"witness-policy.threshold: threshold 3 for the log of US exceeds its 2 witnesses"}},
		{"bad threshold", func(y string) string {
			return setLine(t, y, "parties:\n", "witness-policy:\n  threshold: most\nparties:\n")
		},
			[]string{"witness-policy.threshold: \"most\": a threshold is \"all\" or a number"}},
		{"unknown witness", func(y string) string {
			return setLine(t, y, "      origin: tally.us/log\n", "      origin: tally.us/log\n      witnesses: [RUS, US]\n")
		}, []string{"parties[0].log.witnesses[0]: unknown party \"RUS\" (did you mean \"RU\"?)", "parties[0].log.witnesses[1]: party US cannot witness its own log"}},
		{"revoked before valid", func(y string) string {
			return setLine(t, y, "- key: "+us.Notification.Verifier+"\n", "- key: "+us.Notification.Verifier+"\n          valid-from: 2026-03-01\n          revoked-at: 2026-02-01T00:00:00Z\n")
		}, []string{"parties[0].keys.notification[0].revoked-at: must be after valid-from"}},
		{"bad time", func(y string) string {
			return setLine(t, y, "- key: "+us.Notification.Verifier+"\n", "- key: "+us.Notification.Verifier+"\n          valid-from: March 2026\n")
		}, []string{"parties[0].keys.notification[0].valid-from: \"March 2026\" is neither an RFC 3339 time"}},
		{"bad url", func(y string) string { return setLine(t, y, "node: http://ru.invalid/", "node: ru.invalid") },
			[]string{"parties[1].node: \"ru.invalid\" is not an absolute http(s) URL"}},
		{"missing keys", func(y string) string {
			return setLine(t, y, "      cosigner:\n        - key: "+ru.Cosigner.Verifier+"\n", "")
		}, []string{"parties[1].keys.cosigner: party RU needs at least one cosigner key"}},
		{"duplicate origin", func(y string) string { return setLine(t, y, "origin: tally.ru/log", "origin: tally.us/log") },
			[]string{"parties[1].log.origin: origin \"tally.us/log\" is already the log of party US"}},
		{"one party", func(y string) string {
			return "version: 1\ntreaty: t\nparties:\n" + us.RegimeYAML("US", "http://us.invalid/")
		},
			[]string{"parties: a regime needs at least two parties, got 1"}},
		{"not a mapping", func(string) string { return "- 1\n- 2\n" }, []string{"regime.yaml"}},
		{"syntax", func(string) string { return "treaty: [\n" }, []string{"regime.yaml"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := regime.Parse("regime.yaml", []byte(c.edit(f.YAML)))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			var es yamlpos.Errors
			if !errors.As(err, &es) {
				t.Errorf("error is %T, want yamlpos.Errors", err)
			}
			for _, e := range es {
				if e.Line == 0 && c.name != "not a mapping" {
					t.Errorf("error without a line: %v", e)
				}
			}
		})
	}
}

func TestAllErrorsAtOnce(t *testing.T) {
	f := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	y := strings.Replace(f.YAML, "node: http://ru.invalid/", "node: nope", 1)
	y = strings.Replace(y, "name: Party UK", "name: \"\"", 1)
	_, err := regime.Parse("r.yaml", []byte(y))
	var es yamlpos.Errors
	if !errors.As(err, &es) || len(es) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if es[0].Line >= es[1].Line {
		t.Errorf("errors not in file order: %v", err)
	}
}
