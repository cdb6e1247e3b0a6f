package forces

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/internal/yamlpos"
)

// checkLoadError asserts what every loader error must be: yamlpos.Errors,
// each naming the file and (but for the closing count of problems left
// out) a line.
func checkLoadError(t *testing.T, name string, err error) {
	t.Helper()
	var es yamlpos.Errors
	if !errors.As(err, &es) {
		t.Fatalf("error is %T, not yamlpos.Errors: %v", err, err)
	}
	for _, e := range es {
		if e.File != name {
			t.Fatalf("error names file %q, not %q: %v", e.File, name, e)
		}
		if e.Line <= 0 && !strings.HasPrefix(e.Msg, "... and ") {
			t.Fatalf("error without a line: %v", e)
		}
	}
}

func seedFiles(f *testing.F) {
	for _, name := range append(BundledNames(), BundledReadingNames()...) {
		data, err := os.ReadFile("../catalog/forces/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(bulkExample))
	f.Add([]byte(hhead + "  - {date: 2012-01-01, op: status, select: {kind: icbm-launcher}, count: 1, status: test}\n"))
	f.Add([]byte(head + "  - {<<: *x, kind: icbm}\n"))
	f.Add([]byte("base: &b {kind: icbm}\nparty: US\n"))
	f.Add([]byte(`{"party":"US","as_of":"2020-09-01","items":[{"kind":"icbm","type":"MM-III","status":"deployed","count":1e3}]}`))
	f.Add([]byte("party: US\nas_of: 2020-09-01\nitems:\n  - &a {kind: icbm, type: MM-III, status: deployed, x: *a}\n"))
	f.Add([]byte("party: US\nevents:\n  - {date: 2012-01-01, op: new, items: [{uid: A, kind: submarine, type: Ohio, status: deployed}, {uid: B, kind: slbm-launcher, type: Trident II, status: deployed, carrier: B}]}\n"))
}

func FuzzParse(f *testing.F) {
	seedFiles(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := Parse("fuzz.yaml", data)
		if err != nil {
			checkLoadError(t, "fuzz.yaml", err)
			return
		}
		// What loads can be replayed at any date, and Sweep agrees with At.
		d := fs.AsOf()
		s, err := fs.At(d)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, g := range s.Groups {
			if g.Count <= 0 || len(g.UIDs) != g.Count {
				t.Fatalf("group %s: count %d, %d UIDs", g.Label(), g.Count, len(g.UIDs))
			}
			n += g.Count
		}
		if n > fs.Items() {
			t.Fatalf("%d items in the state, %d declared", n, fs.Items())
		}
		fs.Sweep([]civil.Date{d, d.AddDays(-400)}, func(sw *State) error {
			at, _ := fs.At(sw.Date)
			if len(at.Groups) != len(sw.Groups) || at.Items() != sw.Items() {
				t.Fatalf("%s: sweep %d items, At %d", sw.Date, sw.Items(), at.Items())
			}
			return nil
		})
	})
}

func FuzzParseEvent(f *testing.F) {
	w := 4
	for _, ev := range []Event{
		{Date: civil.MustParse("2013-04-02"), Op: OpNew, Items: []ItemSpec{{UID: "A", Kind: HeavyBomber, Type: "B-52H", Status: Deployed, Attrs: Attrs{"alcms": int64(12)}}}},
		{Date: civil.MustParse("2013-04-02"), Op: OpLoad, UIDs: []string{"A", "B"}, Warheads: &w},
		{Date: civil.MustParse("2013-04-02"), Op: OpStatus, Select: &Selector{Kind: ICBM, Type: "MM-III"}, Count: 3, Status: Test},
		{Date: civil.MustParse("2013-04-02"), Op: OpAttrs, UIDs: []string{"A"}, Attrs: Attrs{"nuclear": false}},
	} {
		b, _ := json.Marshal(ev)
		f.Add(b)
	}
	f.Add([]byte("date: 2013-04-02\nop: move\nuids: [A]\ncarrier: none\n"))
	l := NewInventory("US", nil)
	l.Apply(Event{Date: civil.MustParse("2010-01-01"), Op: OpNew, Items: []ItemSpec{
		{UID: "A", Kind: HeavyBomber, Type: "B-52H", Status: Deployed},
		{UID: "L", Kind: ICBMLauncher, Type: "MM-III", Status: Deployed},
		{UID: "B", Kind: ICBM, Type: "MM-III", Status: Deployed, Carrier: "L"},
	}})
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := ParseEvent("ev.json", data)
		if err != nil {
			checkLoadError(t, "ev.json", err)
			return
		}
		// Whatever parses can be checked against an inventory without a panic,
		// and Check and Apply agree.
		cerr := l.Check(ev)
		state := summary(l.State(), true)
		if cerr != nil {
			var ee EventErrors
			if !errors.As(cerr, &ee) || len(ee) == 0 {
				t.Fatalf("check error %T %v", cerr, cerr)
			}
		}
		// Apply on a copy-free inventory would change it; apply to a fresh one.
		l2 := NewInventory("US", nil)
		l2.Apply(Event{Date: civil.MustParse("2010-01-01"), Op: OpNew, Items: []ItemSpec{
			{UID: "A", Kind: HeavyBomber, Type: "B-52H", Status: Deployed},
			{UID: "L", Kind: ICBMLauncher, Type: "MM-III", Status: Deployed},
			{UID: "B", Kind: ICBM, Type: "MM-III", Status: Deployed, Carrier: "L"},
		}})
		aerr := l2.Apply(ev)
		if (aerr == nil) != (cerr == nil) {
			t.Fatalf("check %v, apply %v", cerr, aerr)
		}
		if got := summary(l.State(), true); strings.Join(got, "\n") != strings.Join(state, "\n") {
			t.Fatal("Check changed the inventory")
		}
		// A parsed event survives JSON.
		b, err := json.Marshal(ev)
		if err != nil {
			return // e.g. an attribute named like a field
		}
		if _, err := ParseEvent("again.json", b); err != nil {
			t.Fatalf("re-parse of %s: %v", b, err)
		}
	})
}

func FuzzParseReading(f *testing.F) {
	data, _ := os.ReadFile("../catalog/forces/us-2020-09-01.ru-reading.yaml")
	f.Add(data)
	f.Add([]byte("by: RU\nof: US\nchanges:\n  - {uids: [US.icbm.MM-III.0001], status: test}\n"))
	f.Add([]byte("by: RU\nof: US\nadded:\n  - {kind: icbm-launcher, type: MM-III, status: non-deployed, count: 4}\n"))
	us, err := Bundled("us-2020-09-01")
	if err != nil {
		f.Fatal(err)
	}
	s, _ := us.At(us.AsOf())
	before := summary(s, true)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReading("r.yaml", data)
		if err != nil {
			checkLoadError(t, "r.yaml", err)
			return
		}
		read, err := s.Read(r)
		if err != nil {
			var es yamlpos.Errors
			if !errors.As(err, &es) {
				t.Fatalf("read error %T %v", err, err)
			}
			return
		}
		for _, g := range read.Groups {
			if g.Count <= 0 || len(g.UIDs) != g.Count {
				t.Fatalf("group %s: count %d, %d UIDs", g.Label(), g.Count, len(g.UIDs))
			}
		}
		if strings.Join(summary(s, true), "\n") != strings.Join(before, "\n") {
			t.Fatal("Read changed the state it read")
		}
	})
}
