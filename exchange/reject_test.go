package exchange

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/regime/regimetest"
)

// Every reason a submission is refused, each naming the field (and the
// item), and nothing of the batch applied.
func TestRejections(t *testing.T) {
	f := newFixture(t, regimetest.Options{})
	d, _ := usInitial(t)
	setup := func() *Book {
		b := f.book("US")
		f.authors["US"].Next = 1
		f.now = time.Date(2011, 3, 20, 12, 0, 0, 0, time.UTC)
		f.admit(b, f.write("US", InitialDeclaration, "2011-02-05", d))
		f.admit(b, f.write("US", StatusChange, "2011-03-01", forces.Event{Date: civil.MustParse("2011-03-01"), Op: forces.OpEliminate, UIDs: []string{"US-L3"}}))
		return b
	}
	ev := func(date string, op forces.Op, uids ...string) forces.Event {
		return forces.Event{Date: civil.MustParse(date), Op: op, UIDs: uids}
	}
	status := func(date string, st forces.Status, uids ...string) forces.Event {
		e := ev(date, forces.OpStatus, uids...)
		e.Status = st
		return e
	}
	// raw signs an envelope as given, whatever it holds.
	raw := func(e *Envelope, s note.Signer) []byte {
		msg, err := note.Sign(&note.Note{Text: e.Text()}, s)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	us := f.reg.NotificationSigner(t, "US")
	other, _, _ := func() (note.Signer, string, string) {
		sk, vk, _ := note.GenerateKey(rand.Reader, us.Name())
		s, _ := note.NewSigner(sk)
		return s, sk, vk
	}()
	now := func() time.Time { return time.Date(2011, 3, 20, 12, 0, 0, 0, time.UTC) }
	env := func(seq uint64, k Kind, eff string, body any) *Envelope {
		b, _ := json.Marshal(body)
		return &Envelope{Party: "US", Seq: seq, Kind: k, Effective: civil.MustParse(eff), Created: now(), Body: b}
	}
	note3 := Note{Text: "x"}

	cases := []struct {
		name  string
		batch func() [][]byte
		code  string
		field string
		uid   string
		entry int
	}{
		{"a flipped byte in the signature", func() [][]byte {
			e := raw(env(3, NoteKind, "2011-03-02", note3), us)
			i := len(e) - 10 // in the signature, past the key hash
			if e[i] == 'A' {
				e[i] = 'B'
			} else {
				e[i] = 'A'
			}
			return [][]byte{e}
		}, CodeSignature, "signature", "", 0},
		{"an altered body", func() [][]byte {
			e := raw(env(3, NoteKind, "2011-03-02", note3), us)
			return [][]byte{bytes.Replace(e, []byte(`"x"`), []byte(`"y"`), 1)}
		}, CodeSignature, "signature", "", 0},
		{"another party's envelope", func() [][]byte {
			e := env(3, NoteKind, "2011-03-02", note3)
			e.Party = "RU"
			return [][]byte{raw(e, f.reg.NotificationSigner(t, "RU"))}
		}, CodeNotOwn, "party", "", 0},
		{"a key the party does not have", func() [][]byte {
			return [][]byte{raw(env(3, NoteKind, "2011-03-02", note3), other)}
		}, CodeUnknownKey, "signature", "", 0},
		{"a sequence number ahead", func() [][]byte {
			return [][]byte{raw(env(4, NoteKind, "2011-03-02", note3), us)}
		}, CodeSeqGap, "seq", "", 0},
		{"a sequence number used", func() [][]byte {
			return [][]byte{raw(env(2, NoteKind, "2011-03-02", note3), us)}
		}, CodeSeqUsed, "seq", "", 0},
		{"an unknown kind", func() [][]byte {
			e := env(3, NoteKind, "2011-03-02", note3)
			e.Kind = "gossip/v1"
			return [][]byte{raw(e, us)}
		}, CodeUnknownKind, "kind", "", 0},
		{"an unknown version of a kind", func() [][]byte {
			e := env(3, NoteKind, "2011-03-02", note3)
			e.Kind = "note/v2"
			return [][]byte{raw(e, us)}
		}, CodeUnknownKind, "kind", "", 0},
		{"an unknown field in the body", func() [][]byte {
			return [][]byte{raw(env(3, NoteKind, "2011-03-02", map[string]any{"text": "x", "colour": "red"}), us)}
		}, CodeSchema, "body.colour", "", 0},
		{"a required field missing", func() [][]byte {
			return [][]byte{raw(env(3, NoteKind, "2011-03-02", map[string]any{}), us)}
		}, CodeSchema, "body.text", "", 0},
		{"a field of the wrong type", func() [][]byte {
			return [][]byte{raw(env(3, StatusChange, "2011-03-02", map[string]any{"date": "2011-03-02", "op": "status", "uids": "US-M1", "status": "non-deployed"}), us)}
		}, CodeSchema, "body.uids", "", 0},
		{"an op another kind carries", func() [][]byte {
			e := ev("2011-03-02", forces.OpMove, "US-M1")
			e.Site = "Hill"
			return [][]byte{raw(env(3, StatusChange, "2011-03-02", e), us)}
		}, CodeSchema, "body.op", "", 0},
		{"items named by select", func() [][]byte {
			e := forces.Event{Date: civil.MustParse("2011-03-02"), Op: forces.OpStatus, Select: &forces.Selector{Kind: forces.ICBM}, Count: 1, Status: forces.NonDeployed}
			return [][]byte{raw(env(3, StatusChange, "2011-03-02", e), us)}
		}, CodeSchema, "body.select", "", 0},
		{"an item that does not exist", func() [][]byte {
			return [][]byte{raw(env(3, StatusChange, "2011-03-02", status("2011-03-02", forces.NonDeployed, "US-M9")), us)}
		}, CodeTransition, "body.uids[0]", "US-M9", 0},
		{"an eliminated item deployed", func() [][]byte {
			return [][]byte{raw(env(3, StatusChange, "2011-03-02", status("2011-03-02", forces.NonDeployed, "US-M1", "US-L3")), us)}
		}, CodeTransition, "body.uids[1]", "US-L3", 0},
		{"a UID used again", func() [][]byte {
			e := forces.Event{Date: civil.MustParse("2011-03-02"), Op: forces.OpNew, Items: []forces.ItemSpec{{UID: "US-L3", Kind: forces.ICBMLauncher, Type: "MM-III", Status: forces.NonDeployed}}}
			return [][]byte{raw(env(3, NewItem, "2011-03-02", e), us)}
		}, CodeTransition, "body.items[0].uid", "US-L3", 0},
		{"a loading in a change notification", func() [][]byte {
			e := status("2011-03-02", forces.NonDeployed, "US-M1")
			e.Warheads = one(2)
			return [][]byte{raw(env(3, StatusChange, "2011-03-02", e), us)}
		}, CodeLoading, "body.warheads", "", 0},
		{"a loading on a new missile", func() [][]byte {
			e := forces.Event{Date: civil.MustParse("2011-03-02"), Op: forces.OpNew, Items: []forces.ItemSpec{{UID: "US-M7", Kind: forces.ICBM, Type: "MM-III", Status: forces.NonDeployed, Warheads: one(1)}}}
			return [][]byte{raw(env(3, NewItem, "2011-03-02", e), us)}
		}, CodeLoading, "body.items[0].warheads", "US-M7", 0},
		{"an effective date after the envelope was made", func() [][]byte {
			return [][]byte{raw(env(3, NoteKind, "2011-03-21", note3), us)}
		}, CodeDate, "effective", "", 0},
		{"an event dated otherwise than its envelope", func() [][]byte {
			return [][]byte{raw(env(3, StatusChange, "2011-03-02", status("2011-03-03", forces.NonDeployed, "US-M1")), us)}
		}, CodeDate, "body.date", "", 0},
		{"an event before the last one", func() [][]byte {
			return [][]byte{raw(env(3, StatusChange, "2011-02-20", status("2011-02-20", forces.NonDeployed, "US-M1")), us)}
		}, CodeDate, "effective", "", 0},
		{"created in the future", func() [][]byte {
			e := env(3, NoteKind, "2011-03-02", note3)
			e.Created = now().Add(time.Hour)
			return [][]byte{raw(e, us)}
		}, CodeDate, "created", "", 0},
		{"created too long ago", func() [][]byte {
			e := env(3, NoteKind, "2011-03-02", note3)
			e.Created = now().Add(-48 * time.Hour)
			return [][]byte{raw(e, us)}
		}, CodeDate, "created", "", 0},
		{"a periodic declaration not as of 1 March or 1 September", func() [][]byte {
			d2 := *d
			d2.AsOf = civil.MustParse("2011-03-02")
			return [][]byte{raw(env(3, PeriodicDeclaration, "2011-03-02", &d2), us)}
		}, CodeDate, "body.as_of", "", 0},
		{"a second initial declaration", func() [][]byte {
			return [][]byte{raw(env(3, InitialDeclaration, "2011-02-05", d), us)}
		}, CodeDeclaration, "kind", "", 0},
		{"part 2 of a declaration without part 1", func() [][]byte {
			d2 := Declaration{AsOf: civil.MustParse("2011-03-01"), Part: 2, Parts: 2, Groups: d.Groups[:1]}
			return [][]byte{raw(env(3, PeriodicDeclaration, "2011-03-01", &d2), us)}
		}, CodeDeclaration, "body.part", "", 0},
		{"more than a log entry holds", func() [][]byte {
			return [][]byte{raw(env(3, NoteKind, "2011-03-02", Note{Text: strings.Repeat("x", MaxEntry)}), us)}
		}, CodeTooLarge, "", "", 0},
		{"a bad envelope after a good one: none is applied", func() [][]byte {
			return [][]byte{
				raw(env(3, StatusChange, "2011-03-02", status("2011-03-02", forces.NonDeployed, "US-M1")), us),
				raw(env(4, StatusChange, "2011-03-02", status("2011-03-02", forces.Deployed, "US-L3")), us),
			}
		}, CodeTransition, "body.uids[0]", "US-L3", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := setup()
			size, next, items := b.Size(), b.Next(), b.Inventory().Len()
			st := b.Inventory().State()
			_, err := b.Admit(tc.batch(), now())
			var rej *Rejection
			if !errors.As(err, &rej) {
				t.Fatalf("not refused: %v", err)
			}
			p := rej.Problems[0]
			if p.Code != tc.code || p.Field != tc.field || p.UID != tc.uid || p.Entry != tc.entry {
				t.Fatalf("got %s (code %s, field %q, uid %q, entry %d); want code %s, field %q, uid %q, entry %d", p, p.Code, p.Field, p.UID, p.Entry, tc.code, tc.field, tc.uid, tc.entry)
			}
			if p.Msg == "" || strings.Contains(p.Msg, "%!") {
				t.Fatalf("message: %q", p.Msg)
			}
			if b.Size() != size || b.Next() != next || b.Inventory().Len() != items {
				t.Fatalf("something was applied: size %d→%d, next %d→%d, items %d→%d", size, b.Size(), next, b.Next(), items, b.Inventory().Len())
			}
			if got := b.Inventory().State(); got.Items() != st.Items() || len(got.Groups) != len(st.Groups) {
				t.Fatalf("the items changed: %d groups → %d", len(st.Groups), len(got.Groups))
			}
			// And the book still takes a good one.
			if _, err := b.Admit([][]byte{raw(env(next, NoteKind, "2011-03-02", note3), us)}, now()); err != nil {
				t.Fatalf("the book refuses a good envelope after: %v", err)
			}
		})
	}

	// A key the regime file revokes: valid before, refused after.
	yaml := strings.Replace(f.reg.YAML, "      notification:\n        - key: "+f.reg.Keys["US"].Notification.Verifier+"\n",
		"      notification:\n        - key: "+f.reg.Keys["US"].Notification.Verifier+"\n          revoked-at: 2011-03-10\n          reason: compromised\n", 1)
	reg, err := regime.Parse("revoked.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBook(&Config{Regime: reg, Treaty: f.cfg.Treaty}, "US")
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Admit([][]byte{raw(env(1, NoteKind, "2011-03-02", note3), us)}, now())
	var rej *Rejection
	if !errors.As(err, &rej) || rej.Problems[0].Code != CodeKeyInvalid || rej.Problems[0].Field != "signature" || !strings.Contains(rej.Problems[0].Msg, "revoked at") {
		t.Fatalf("a revoked key: %v", err)
	}
	// What it signed before the revocation replays.
	early := env(1, NoteKind, "2011-03-02", note3)
	early.Created = time.Date(2011, 3, 5, 0, 0, 0, 0, time.UTC)
	ap, err := b.Apply(0, raw(early, us))
	if err != nil || !ap.Valid {
		t.Fatalf("an entry signed before the revocation: %v %+v", err, ap.Problems)
	}
}
