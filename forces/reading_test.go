package forces

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tally-project/tally/civil"
)

func TestRussianReadingOfUS2020(t *testing.T) {
	f, err := Bundled("us-2020-09-01")
	if err != nil {
		t.Fatal(err)
	}
	r, err := BundledReading("us-2020-09-01.ru-reading")
	if err != nil {
		t.Fatal(err)
	}
	s := mustAt(t, f, "2020-09-01")
	before := summary(s, true)
	read, err := s.Read(r)
	if err != nil {
		t.Fatal(err)
	}
	// The owner's state is untouched.
	if !reflect.DeepEqual(summary(s, true), before) {
		t.Fatal("Read changed the state it read")
	}
	if read.Reading != "RU reading (2018-2022 dispute)" || read.Party != "US" || !read.Snapshot || read.Date != s.Date {
		t.Fatalf("state %q %q %v %s", read.Reading, read.Party, read.Snapshot, read.Date)
	}
	checks := []struct {
		kind   Kind
		status Status
		site   string
		owner  int
		reader int
	}{
		{SLBMLauncher, Converted, "", 56, 0},
		{SLBMLauncher, NonDeployed, "", 50, 106},
		{HeavyBomber, Converted, "", 41, 0},
		{HeavyBomber, Deployed, "", 48, 89},
		{ICBMLauncher, NonDeployed, "", 53, 57},
		{ICBMLauncher, NonDeployed, "Vandenberg", 0, 4},
	}
	for _, c := range checks {
		if n := count(s, c.kind, "", c.status, c.site); n != c.owner {
			t.Errorf("owner %s %s %s: %d, want %d", c.kind, c.status, c.site, n, c.owner)
		}
		if n := count(read, c.kind, "", c.status, c.site); n != c.reader {
			t.Errorf("reader %s %s %s: %d, want %d", c.kind, c.status, c.site, n, c.reader)
		}
	}
	// The dispute's 101 units: under the reading the 800-limit categories
	// (launchers and nuclear heavy bombers, converted ones excluded) sum to
	// 901.
	launchers := func(st *State) int {
		n := 0
		for _, g := range st.Groups {
			if (g.Kind.IsLauncher() || g.Kind == HeavyBomber) && g.Status != Converted && g.Attrs["nuclear"] == true {
				n += g.Count
			}
		}
		return n
	}
	if launchers(s) != 800 || launchers(read) != 901 {
		t.Errorf("800-limit items: owner %d, reader %d", launchers(s), launchers(read))
	}
	// The re-read bombers are nuclear again; the same physical items.
	for _, g := range read.Groups {
		if g.Kind == HeavyBomber && g.Type == "B-52H" && g.Status == Deployed && g.Count == 41 {
			if g.Attrs["nuclear"] != true || g.UIDs[0] != "US.heavy-bomber.B-52H.0047" || !strings.Contains(g.Origin, "changes[1]") {
				t.Errorf("re-read bombers %v %v %s", g.Attrs["nuclear"], g.UIDs[:1], g.Origin)
			}
		}
		if g.Site == "Vandenberg" && (g.UIDs[0] != "RU-reading.icbm-launcher.MM-III.0001" || !strings.HasSuffix(g.Origin, "us-2020-09-01.ru-reading.yaml:38")) {
			t.Errorf("added %v %s", g.UIDs, g.Origin)
		}
	}
}

func TestReadSplitsGroups(t *testing.T) {
	f := mustParse(t, "s.yaml", `party: US
as_of: 2020-09-01
items:
  - {kind: slbm-launcher, type: Trident II, status: converted, count: 10}
  - {kind: slbm-launcher, type: Trident II, status: non-deployed, count: 3}
  - {uid: T-X, kind: slbm-launcher, type: Trident II, status: converted}
`)
	s := mustAt(t, f, "2020-09-01")
	r, err := ParseReading("r.yaml", []byte(`name: partial
by: RU
of: US
changes:
  - select: {kind: slbm-launcher, status: converted}
    count: 4
    status: non-deployed
  - uids: [T-X]
    status: deployed
`))
	if err != nil {
		t.Fatal(err)
	}
	read, err := s.Read(r)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range read.Groups {
		got = append(got, g.Label()+" "+strings.Join(g.UIDs, ","))
	}
	// UID order: "T-X" sorts before "US...". The first four converted are
	// T-X and tubes 0001-0003, so T-X is read as non-deployed by the first
	// change, then deployed by the second; the 10-tube group is split.
	want := []string{
		"slbm-launcher Trident II deployed T-X",
		"slbm-launcher Trident II non-deployed US.slbm-launcher.Trident-II.0001,US.slbm-launcher.Trident-II.0002,US.slbm-launcher.Trident-II.0003,US.slbm-launcher.Trident-II.0011,US.slbm-launcher.Trident-II.0012,US.slbm-launcher.Trident-II.0013",
		"slbm-launcher Trident II converted US.slbm-launcher.Trident-II.0004,US.slbm-launcher.Trident-II.0005,US.slbm-launcher.Trident-II.0006,US.slbm-launcher.Trident-II.0007,US.slbm-launcher.Trident-II.0008,US.slbm-launcher.Trident-II.0009,US.slbm-launcher.Trident-II.0010",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Re-read items are no longer their profile; the rest of a split group is.
	if read.Groups[0].Profile != 0 || read.Groups[2].Profile == 0 || read.Groups[2].Profile != s.Groups[1].Profile || read.Groups[1].Profile != s.Groups[0].Profile {
		t.Errorf("profiles %d %d %d (owner's %d)", read.Groups[0].Profile, read.Groups[1].Profile, read.Groups[2].Profile, s.Groups[1].Profile)
	}
	// A Sweep state (no UIDs) can be read by selection, counts only.
	var swept *State
	f.Sweep([]civil.Date{civil.MustParse("2020-09-01")}, func(s *State) error { swept = s; return nil })
	r.Changes = r.Changes[:1]
	read, err = swept.Read(r)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(read, SLBMLauncher, "", NonDeployed, ""); n != 7 {
		t.Errorf("swept: %d non-deployed", n)
	}
	if n := count(read, SLBMLauncher, "", Converted, ""); n != 7 {
		t.Errorf("swept: %d converted", n)
	}
}

func TestReadErrorsNameTheChange(t *testing.T) {
	f := mustParse(t, "us.yaml", bulkExample)
	s := mustAt(t, f, "2020-09-01")
	r, err := ParseReading("r.yaml", []byte(`by: RU
of: US
changes:
  - select: {kind: heavy-bomber, status: converted}
    count: 42
    status: deployed
  - uids: [NOPE]
    status: deployed
  - select: {type: B-52H}
    count: 1
    kind: icbm
added:
  - {kind: icbm-launcher, type: MM-IIII, status: non-deployed}
  - {kind: icbm-launcher, type: MM-III, status: non-deployed, alcms: 3, warheads: 1}
`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Read(r)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"r.yaml:4: changes[0].count: select matches 41 items, count asks for 42",
		"r.yaml:7: changes[1].uids[0]: item NOPE: no such item in the state",
		"r.yaml:9: changes[2].kind: type B-52H is not a type of icbm",
		`r.yaml:13: added[0].type: unknown type "MM-IIII"`,
		"r.yaml:14: added[1].warheads: only missiles",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
	if _, err := s.Read(&Reading{By: "US", Of: "RU", Changes: []ReadingChange{{UIDs: []string{"x"}, Status: Deployed}}}); err == nil || !strings.Contains(err.Error(), "the reading is of RU's items, but the state is US's") {
		t.Errorf("wrong party: %v", err)
	}
	// Shape problems are found on load, with their lines.
	_, err = ParseReading("bad.yaml", []byte("by: RU\nchanges:\n  - {uids: [A], select: {kind: icbm}, count: 1, status: deployd}\n  - {uids: [B]}\n"))
	for _, want := range []string{"bad.yaml:1:1: of is required", "bad.yaml:3:5: changes[0]: name items by uids or by select", `bad.yaml:3:57: changes[0].status: unknown status "deployd"`, "bad.yaml:4:5: changes[1]: a change says what the items are"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
}

func TestLoadReadingAndOpenReading(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.yaml")
	os.WriteFile(p, []byte("by: RU\nof: US\nadded:\n  - {kind: icbm-launcher, type: MM-III, status: non-deployed, count: 4}\n"), 0o644)
	r, err := LoadReading(p)
	if err != nil || len(r.Added) != 1 || r.Added[0].Count != 4 {
		t.Fatalf("%+v %v", r, err)
	}
	if _, err := OpenReading("us-2020-09-01.ru-reading"); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenReading(filepath.Join(dir, "none.yaml")); err == nil {
		t.Fatal("opened a missing reading")
	}
}
