package exchange

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/regime/regimetest"
)

func TestLoadingsRevealAndVerify(t *testing.T) {
	var ls []Loading
	for i := range 13 {
		ls = append(ls, Loading{UID: fmt.Sprintf("M-%02d", i), Warheads: 1 + i%4})
	}
	ls, err := Salt(ls, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Commit(ls)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		o, err := Reveal(ls, l.UID)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Verify(c); err != nil {
			t.Fatalf("%s: %v", l.UID, err)
		}
	}
	o, _ := Reveal(ls, "M-05")
	bad := func(name string, mut func(o *Opening, c *Commitment)) {
		t.Helper()
		oc := *o
		oc.Salt = append([]byte(nil), o.Salt...)
		oc.Proof = append([][]byte(nil), o.Proof...)
		cc := *c
		mut(&oc, &cc)
		if err := oc.Verify(&cc); err == nil {
			t.Fatalf("%s verifies", name)
		}
	}
	bad("a wrong loading", func(o *Opening, c *Commitment) { o.Warheads++ })
	bad("a wrong salt", func(o *Opening, c *Commitment) { o.Salt[0] ^= 1 })
	bad("another missile", func(o *Opening, c *Commitment) { o.UID = "M-06" })
	bad("another position", func(o *Opening, c *Commitment) { o.Index++ })
	bad("a short salt", func(o *Opening, c *Commitment) { o.Salt = o.Salt[:16] })
	bad("a proof cut short", func(o *Opening, c *Commitment) { o.Proof = o.Proof[1:] })
	other, _ := Salt(ls, rand.Reader) // the same loadings, other salts
	oc, _ := Commit(other)
	bad("another declaration's commitment", func(o *Opening, c *Commitment) { *c = *oc })
	if _, err := Reveal(ls, "M-99"); err == nil {
		t.Fatal("revealed a missile not committed")
	}
	// An opening survives JSON (as an API hands it over).
	raw, _ := json.Marshal(o)
	var back Opening
	if err := json.Unmarshal(raw, &back); err != nil || back.Verify(c) != nil {
		t.Fatalf("an opening through JSON: %v", err)
	}
	// Loadings checked against a declaration's warheads per base.
	d := &Declaration{AsOf: civil.MustParse("2011-02-05"), Warheads: []BaseWarheads{{Site: "A", Warheads: 0}}, Loadings: c}
	sum := 0
	for _, l := range ls {
		sum += l.Warheads
	}
	d.Warheads[0].Warheads = sum
	baseOf := func(string) (string, bool) { return "A", true }
	if err := VerifyLoadings(d, ls, baseOf); err != nil {
		t.Fatal(err)
	}
	d.Warheads[0].Warheads = sum + 1
	if err := VerifyLoadings(d, ls, baseOf); err == nil {
		t.Fatal("loadings that do not add up to the base's warheads")
	}
}

// bigInitial is an initial database too large for one log entry.
func bigInitial(t *testing.T, n int) (*Declaration, []Loading) {
	t.Helper()
	inv := forces.NewInventory("US", nil)
	var items []forces.ItemSpec
	for i := range n {
		l := fmt.Sprintf("US-LAUNCHER-WITH-A-LONG-IDENTIFIER-%05d", i)
		items = append(items, forces.ItemSpec{UID: l, Kind: forces.ICBMLauncher, Type: "MM-III", Status: forces.Deployed, Site: fmt.Sprintf("Base %d", i%5)})
		items = append(items, forces.ItemSpec{UID: fmt.Sprintf("US-MISSILE-WITH-A-LONG-IDENTIFIER-%05d", i), Kind: forces.ICBM, Type: "MM-III",
			Status: forces.Deployed, Site: fmt.Sprintf("Base %d", i%5), Carrier: l, Warheads: one(1 + i%3)})
	}
	if err := inv.Apply(forces.Event{Date: civil.MustParse("2011-02-05"), Op: forces.OpNew, Items: items}); err != nil {
		t.Fatal(err)
	}
	d, ls, err := Declare(inv.State(), civil.MustParse("2011-02-05"), nil, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return d, ls
}

func TestDeclarationInParts(t *testing.T) {
	d, ls := bigInitial(t, 1000)
	whole, _ := json.Marshal(d)
	if len(whole) <= MaxEntry {
		t.Fatalf("the declaration fits one entry (%d bytes)", len(whole))
	}
	parts, err := d.Split(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	for i, p := range parts {
		b, _ := json.Marshal(p)
		if len(b) > MaxBody || p.Part != i+1 || p.Parts != len(parts) {
			t.Fatalf("part %d: %d bytes, %d of %d", i, len(b), p.Part, p.Parts)
		}
		if i > 0 && (p.Loadings != nil || len(p.Warheads) > 0) {
			t.Fatalf("part %d carries the summary", i+1)
		}
	}
	j, err := Join(parts)
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Items()) != 2000 || j.Loadings.Root != d.Loadings.Root {
		t.Fatalf("joined: %d items", len(j.Items()))
	}
	site := map[string]string{}
	for _, it := range j.Items() {
		site[it.UID] = it.Site
	}
	if err := VerifyLoadings(j, ls, func(uid string) (string, bool) {
		s, ok := site[uid]
		return s, ok
	}); err != nil {
		t.Fatal(err)
	}

	f := newFixture(t, regimetest.Options{})
	sign := func() [][]byte {
		es, err := f.authors["US"].SignDeclaration(InitialDeclaration, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if len(e) > MaxEntry {
				t.Fatalf("a signed part of %d bytes", len(e))
			}
		}
		return es
	}
	// All the parts in one batch.
	b := f.book("US")
	f.authors["US"].Next = 1
	aps := f.admit(b, sign()...)
	last := aps[len(aps)-1]
	if last.Declaration == nil || last.Declaration.Items != 2000 || last.Declaration.Parts != len(parts) || b.Inventory().Len() != 2000 {
		t.Fatalf("declaration: %+v, %d items", last.Declaration, b.Inventory().Len())
	}
	for _, ap := range aps[:len(aps)-1] {
		if ap.Declaration != nil || len(ap.Events) != 0 {
			t.Fatalf("an early part did something: %+v", ap.Declaration)
		}
	}
	// The loads the warheads per base give add up.
	heads := 0
	for _, ev := range last.Events {
		if ev.Op == forces.OpLoad {
			heads += *ev.Warheads * len(ev.UIDs)
		}
	}
	want := 0
	for _, w := range d.Warheads {
		want += w.Warheads
	}
	if heads != want {
		t.Fatalf("loads: %d warheads, declared %d", heads, want)
	}

	// One part at a time, an acknowledgement between two parts; an item
	// notification between two parts is refused.
	b = f.book("US")
	f.authors["US"].Next = 1
	es := sign()
	f.admit(b, es[0])
	f.authors["US"].Next = b.Next()
	f.admit(b, f.write("US", Acknowledgement, "2011-03-01", Ack{Of: "RU", Size: 1, Root: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}))
	// The next part now has a used number: sign them again from here.
	rest := renumber(t, f, es[1:], b.Next())
	f.authors["US"].Next = b.Next()
	_, err = b.Admit([][]byte{f.write("US", NoteKind, "2011-03-01", Note{Text: "x"})}, f.now)
	if err != nil {
		t.Fatalf("a note between parts: %v", err)
	}
	rest = renumber(t, f, rest, b.Next())
	f.authors["US"].Next = b.Next()
	ch := f.write("US", StatusChange, "2011-03-01", forces.Event{Date: civil.MustParse("2011-03-01"), Op: forces.OpStatus, UIDs: []string{"x"}, Status: forces.Deployed})
	_, err = b.Admit([][]byte{ch}, f.now)
	var rej *Rejection
	if !errors.As(err, &rej) || rej.Problems[0].Code != CodeDeclaration {
		t.Fatalf("an item notification between parts: %v", err)
	}
	rest = renumber(t, f, rest, b.Next())
	aps, err = b.Admit(rest, f.now)
	if err != nil {
		t.Fatal(err)
	}
	if got := aps[len(aps)-1].Declaration; got == nil || got.Items != 2000 {
		t.Fatalf("declaration in separate batches: %+v", got)
	}
}

// renumber signs envelopes again from sequence number next.
func renumber(t *testing.T, f *fixture, es [][]byte, next uint64) [][]byte {
	t.Helper()
	a := f.authors["US"]
	a.Next = next
	var out [][]byte
	for _, e := range es {
		s, err := Parse(e)
		if err != nil {
			t.Fatal(err)
		}
		n, err := a.Sign(Draft{Kind: s.Kind, Effective: s.Effective, Body: s.Body})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}
