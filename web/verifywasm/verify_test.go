package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tally-project/tally/ledger/receipt"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/regime/regimetest"
	"github.com/tally-project/tally/web/receipttest"
)

// The verifier gives the verdicts `tally receipt verify` gives, on real
// receipts from a real witnessed log, and says why.
func TestVerify(t *testing.T) {
	fx := receipttest.New(t)
	now := time.Now()
	other := regimetest.New(t, regimetest.Options{}, "US", "RU")
	crlf := strings.ReplaceAll(strings.TrimSuffix(string(fx.Receipt), "\n"), "\n", "\r\n")
	for _, c := range []struct {
		name    string
		in      Input
		verdict string
		// reason and checks must appear in the outcome.
		reason string
		check  string
	}{
		{"witnessed", Input{Receipt: string(fx.Receipt), Regime: fx.Regime}, Valid, "", "by RU (tally.ru/witness) at "},
		{"pasted with CRLF and no final newline", Input{Receipt: crlf, Regime: fx.Regime}, Valid, "", "1 of 1 cosignatures needed, 1 present"},
		{"with its entry", Input{Receipt: string(fx.Receipt), Regime: fx.Regime, Entry: fx.Entry}, Valid, "", "the receipt is about this entry"},
		{"another entry", Input{Receipt: string(fx.Receipt), Regime: fx.Regime, Entry: []byte("something else")}, Invalid, "not about the entry given", "is not the receipt's"},
		{"proof hash flipped", Input{Receipt: string(receipttest.FlipProofHash(t, fx.Receipt)), Regime: fx.Regime}, Invalid, "the inclusion proof of entry 2 does not lead to the checkpoint's root", ""},
		{"log signature flipped", Input{Receipt: string(receipttest.FlipLogSignature(t, fx.Receipt)), Regime: fx.Regime}, Invalid, "no valid log signature", "the log signature by tally.us/log does not verify"},
		{"cosignature flipped", Input{Receipt: string(receipttest.FlipCosignature(t, fx.Receipt)), Regime: fx.Regime}, NotWitnessed, "the cosignature by RU (tally.ru/witness) does not verify", "missing: RU"},
		{"not yet cosigned", Input{Receipt: string(fx.Unwitnessed), Regime: fx.Regime}, NotWitnessed, "does not carry the cosignatures", "missing: RU"},
		{"another regime's keys", Input{Receipt: string(fx.Receipt), Regime: other.YAML}, Invalid, "carries no signature by a checkpoint key of US", ""},
		{"no receipt", Input{Regime: fx.Regime}, Unreadable, "no receipt given", ""},
		{"no regime", Input{Receipt: string(fx.Receipt)}, Unreadable, "no regime given", ""},
		{"not a receipt", Input{Receipt: "hello\n", Regime: fx.Regime}, Unreadable, "malformed receipt", ""},
		{"bad regime", Input{Receipt: string(fx.Receipt), Regime: "version: 1\ntreaty: new-start\nparties: 3\n", RegimeName: "mine.yaml"}, Unreadable, "mine.yaml:3", ""},
		{"bad time", Input{Receipt: string(fx.Receipt), Regime: fx.Regime, At: "yesterday"}, Unreadable, "the time to judge at", ""},
		{"judged tomorrow", Input{Receipt: string(fx.Receipt), Regime: fx.Regime, At: now.UTC().AddDate(0, 0, 1).Format("2006-01-02")}, Valid, "", ""},
		// Judged before it was made, the cosignature is in the future.
		{"judged before it was cosigned", Input{Receipt: string(fx.Receipt), Regime: fx.Regime, At: now.UTC().AddDate(0, 0, -1).Format(time.RFC3339)}, NotWitnessed, "in the future", "missing: RU"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := verify(c.in, now)
			if o.Verdict != c.verdict || !strings.Contains(o.Reason, c.reason) || o.Title != titles[c.verdict] {
				t.Fatalf("verdict %q (%s), reason %q; want %q with %q\n%+v", o.Verdict, o.Title, o.Reason, c.verdict, c.reason, o)
			}
			if c.verdict == Valid && o.Reason != "" {
				t.Errorf("a valid receipt with a reason: %q", o.Reason)
			}
			var all []string
			failed := 0
			for _, ch := range o.Checks {
				all = append(all, ch.What+": "+ch.Detail)
				if !ch.OK {
					failed++
				}
			}
			if c.check != "" && !strings.Contains(strings.Join(all, "\n"), c.check) {
				t.Errorf("no check says %q:\n%s", c.check, strings.Join(all, "\n"))
			}
			if (failed == 0) != (c.verdict == Valid) {
				t.Errorf("%d failed checks for verdict %s:\n%s", failed, c.verdict, strings.Join(all, "\n"))
			}
		})
	}
}

// The summary is what the command line prints for the same receipt.
func TestSummaryIsTheCommandLines(t *testing.T) {
	fx := receipttest.New(t)
	now := time.Now()
	reg, err := regime.Parse("regime", []byte(fx.Regime))
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range [][]byte{fx.Receipt, receipttest.FlipCosignature(t, fx.Receipt), receipttest.FlipProofHash(t, fx.Receipt)} {
		r, err := receipt.Parse(rc)
		if err != nil {
			t.Fatal(err)
		}
		want := r.Verify(reg, now).Summary()
		if got := verify(Input{Receipt: string(rc), Regime: fx.Regime}, now).Summary; got != want {
			t.Errorf("summary\n%s\nwant\n%s", got, want)
		}
	}
}

// FuzzVerify: whatever is pasted, the verifier answers with a verdict
// and a reason and never panics; a receipt it finds valid stops being
// valid when one byte of its proof changes.
//
//	go test ./web/verifywasm -run '^$' -fuzz FuzzVerify -fuzztime 1m
func FuzzVerify(f *testing.F) {
	fx := receipttest.New(f)
	f.Add(string(fx.Receipt), fx.Regime, "")
	f.Add(string(receipttest.FlipCosignature(f, fx.Receipt)), fx.Regime, "")
	f.Add(string(fx.Unwitnessed), fx.Regime, "2020-01-01")
	f.Add("c2sp.org/tlog-proof@v1\nindex 0\n\nx\n", "version: 1\n", "")
	now := time.Now()
	f.Fuzz(func(t *testing.T, rc, reg, at string) {
		o := verify(Input{Receipt: rc, Regime: reg, At: at}, now)
		switch o.Verdict {
		case Valid:
			if o.Reason != "" {
				t.Fatalf("valid with a reason: %q", o.Reason)
			}
			r, err := receipt.Parse([]byte(normalise(rc)))
			if err != nil {
				t.Fatalf("valid but does not parse: %v", err)
			}
			if len(r.Proof) > 0 {
				r.Proof[0][0] ^= 1
				if o := verify(Input{Receipt: string(r.Marshal()), Regime: reg, At: at}, now); o.Verdict != Invalid {
					t.Fatalf("a flipped proof hash gives %s", o.Verdict)
				}
			}
		case NotWitnessed, Invalid, Unreadable:
			if o.Reason == "" {
				t.Fatalf("verdict %s without a reason", o.Verdict)
			}
		default:
			t.Fatalf("verdict %q", o.Verdict)
		}
	})
}
