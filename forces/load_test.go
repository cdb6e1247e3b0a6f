package forces

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/internal/yamlpos"
)

// bulkExample is the bulk form issue 2 says must load as written.
const bulkExample = `party: US
as_of: 2020-09-01
items:
  - {kind: icbm-launcher, type: MM-III, status: deployed, count: 133, site: Malmstrom}
  - {kind: icbm, type: MM-III, status: deployed, count: 133, warheads: 1}
  - {kind: heavy-bomber, type: B-52H, status: converted, count: 41}
`

func mustParse(t *testing.T, name, src string) *Forces {
	t.Helper()
	f, err := Parse(name, []byte(src))
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return f
}

func mustAt(t *testing.T, f *Forces, d string) *State {
	t.Helper()
	s, err := f.At(civil.MustParse(d))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// count sums the items of the groups that match every given field
// ("kind", "type", "status", "site"); an empty value matches anything.
func count(s *State, kind Kind, typ string, status Status, site string) int {
	n := 0
	for _, g := range s.Groups {
		if (kind == "" || g.Kind == kind) && (typ == "" || g.Type == typ) &&
			(status == "" || g.Status == status) && (site == "" || g.Site == site) {
			n += g.Count
		}
	}
	return n
}

func TestBulkFormLoadsAsWritten(t *testing.T) {
	f := mustParse(t, "us.yaml", bulkExample)
	if f.Party() != "US" || f.AsOf() != civil.MustParse("2020-09-01") || !f.Snapshot() {
		t.Fatalf("party %q as_of %s snapshot %v", f.Party(), f.AsOf(), f.Snapshot())
	}
	// A snapshot holds at any date it is counted at, and says so.
	s := mustAt(t, f, "2011-02-05")
	if !s.Snapshot || s.Date != civil.MustParse("2011-02-05") {
		t.Fatalf("state %+v", s)
	}
	if len(s.Groups) != 3 {
		t.Fatalf("want 3 groups, got %d", len(s.Groups))
	}
	want := []struct {
		label string
		n     int
		first string
	}{
		{"icbm MM-III deployed, 1 warhead", 133, "US.icbm.MM-III.0001"},
		{"icbm-launcher MM-III deployed at Malmstrom", 133, "US.icbm-launcher.MM-III.0001"},
		{"heavy-bomber B-52H converted", 41, "US.heavy-bomber.B-52H.0001"},
	}
	for i, w := range want {
		g := s.Groups[i]
		if g.Label() != w.label || g.Count != w.n || len(g.UIDs) != w.n || g.UIDs[0] != w.first {
			t.Errorf("group %d: %q %d %v, want %q %d %s", i, g.Label(), g.Count, g.UIDs[:1], w.label, w.n, w.first)
		}
		if want := "us.yaml:" + strconv.Itoa([]int{5, 4, 6}[i]); g.Origin != want {
			t.Errorf("origin %q, want %q", g.Origin, want)
		}
	}
	// Group.Attrs carry the effective type attributes, every declared one.
	g := s.Groups[0]
	if g.Attrs["attributed"] != int64(3) || g.Attrs["basing"] != "silo" || g.Attrs["heavy"] != false ||
		g.Attrs["nuclear"] != true || g.Attrs["alcms"] != int64(0) || g.Attrs["mobility"] != "none" {
		t.Errorf("attrs %v", g.Attrs)
	}
	if s.Groups[2].Attrs["alcms"] != int64(20) {
		t.Errorf("B-52H alcms %v", s.Groups[2].Attrs["alcms"])
	}
}

func TestPerGroupAttributeOverrides(t *testing.T) {
	f := mustParse(t, "o.yaml", `party: US
as_of: 2020-09-01
items:
  - {kind: heavy-bomber, type: B-52H, status: deployed, count: 10, alcms: 12}
  - {kind: heavy-bomber, type: B-52H, status: deployed, count: 5}
  - {kind: icbm-launcher, type: MM-III, status: deployed, count: 2, basing: mobile}
  - {kind: icbm, type: MM-III, status: deployed, count: 2, attributed: 1, basing: mobile}
`)
	s := mustAt(t, f, "2020-09-01")
	var alcms []any
	for _, g := range s.Groups {
		if g.Type == "B-52H" {
			alcms = append(alcms, g.Attrs["alcms"], g.Count)
		}
		if g.Kind == ICBM && (g.Attrs["attributed"] != int64(1) || g.Attrs["basing"] != "mobile" || g.Overrides["attributed"] != int64(1)) {
			t.Errorf("icbm attrs %v overrides %v", g.Attrs, g.Overrides)
		}
	}
	// Same type, different alcms: two groups (the type's own values first).
	if len(alcms) != 4 || alcms[0] != int64(20) || alcms[1] != 5 || alcms[2] != int64(12) || alcms[3] != 10 {
		t.Errorf("B-52H groups %v", alcms)
	}
}

func TestUIDsAreDeterministic(t *testing.T) {
	uids := func() []string {
		f := mustParse(t, "us.yaml", bulkExample)
		var out []string
		for _, g := range mustAt(t, f, "2020-09-01").Groups {
			out = append(out, g.UIDs...)
		}
		return out
	}
	a, b := uids(), uids()
	if len(a) != 307 || strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("UIDs differ between loads of the same file (%d, %d)", len(a), len(b))
	}
	// Stable across runs and versions: the scheme is party.kind.type.NNNN,
	// numbered per kind and type in file order.
	if a[0] != "US.icbm.MM-III.0001" || a[132] != "US.icbm.MM-III.0133" || a[133] != "US.icbm-launcher.MM-III.0001" || a[306] != "US.heavy-bomber.B-52H.0041" {
		t.Fatalf("UIDs %s %s %s %s", a[0], a[132], a[133], a[306])
	}
	// Numbering continues across entries of the same kind and type, and
	// skips UIDs the file writes itself.
	f := mustParse(t, "g.yaml", `party: US
as_of: 2020-01-01
items:
  - {uid: US.heavy-bomber.B-2A.0002, kind: heavy-bomber, type: B-2A, status: deployed}
  - {kind: heavy-bomber, type: B-2A, status: deployed, count: 2}
  - {kind: heavy-bomber, type: B-2A, status: test, count: 1}
`)
	var got []string
	for _, g := range mustAt(t, f, "2020-01-01").Groups {
		got = append(got, g.UIDs...)
	}
	if strings.Join(got, " ") != "US.heavy-bomber.B-2A.0001 US.heavy-bomber.B-2A.0002 US.heavy-bomber.B-2A.0003 US.heavy-bomber.B-2A.0004" {
		t.Fatalf("got %v", got)
	}
}

func TestJSONFileLoadsLikeYAML(t *testing.T) {
	js := `{"party": "US", "as_of": "2020-09-01", "items": [
  {"kind": "icbm-launcher", "type": "MM-III", "status": "deployed", "count": 133, "site": "Malmstrom"},
  {"kind": "icbm", "type": "MM-III", "status": "deployed", "count": 133, "warheads": 1},
  {"kind": "heavy-bomber", "type": "B-52H", "status": "converted", "count": 41}]}`
	a := mustAt(t, mustParse(t, "us.json", js), "2020-09-01")
	b := mustAt(t, mustParse(t, "us.yaml", bulkExample), "2020-09-01")
	if len(a.Groups) != len(b.Groups) {
		t.Fatal("group counts differ")
	}
	for i := range a.Groups {
		if a.Groups[i].Label() != b.Groups[i].Label() || strings.Join(a.Groups[i].UIDs, ",") != strings.Join(b.Groups[i].UIDs, ",") {
			t.Errorf("group %d differs: %s / %s", i, a.Groups[i].Label(), b.Groups[i].Label())
		}
	}
}

// fileError is one expected problem: its line and a fragment of the
// message that names the field path or UID.
type fileError struct {
	line int
	frag string
}

var lineRE = regexp.MustCompile(`^f\.yaml:(\d+)(:\d+)?: `)

func expectErrors(t *testing.T, src string, want ...fileError) {
	t.Helper()
	_, err := Parse("f.yaml", []byte(src))
	if err == nil {
		t.Fatalf("no error; want %v", want)
	}
	var es yamlpos.Errors
	if !errors.As(err, &es) {
		t.Fatalf("error is %T, not yamlpos.Errors: %v", err, err)
	}
	for _, w := range want {
		found := false
		for _, e := range es {
			s := e.Error()
			m := lineRE.FindStringSubmatch(s)
			if m != nil && m[1] == strconv.Itoa(w.line) && strings.Contains(s, w.frag) {
				found = true
			}
		}
		if !found {
			t.Errorf("want an error at f.yaml:%d containing %q; got:\n%v", w.line, w.frag, err)
		}
	}
	if len(es) != len(want) {
		t.Errorf("want %d errors, got %d:\n%v", len(want), len(es), err)
	}
}

const head = "party: US\nas_of: 2020-09-01\nitems:\n"

func TestValidation(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []fileError
	}{
		{"negative count", head + "  - {kind: icbm, type: MM-III, status: deployed, count: -3}\n",
			[]fileError{{4, "items[0].count: count must be at least 1, not -3"}}},
		{"huge count", head + "  - {kind: icbm, type: MM-III, status: non-deployed, count: 2000000000}\n",
			[]fileError{{4, "items[0].count: count is at most 1000000 per entry, not 2000000000"}}},
		{"zero count", head + "  - {kind: icbm, type: MM-III, status: deployed, count: 0}\n",
			[]fileError{{4, "items[0].count: count must be at least 1, not 0"}}},
		{"unknown kind", head + "  - {kind: icbm-launchr, type: MM-III, status: deployed}\n",
			[]fileError{{4, `items[0].kind: unknown kind "icbm-launchr" (did you mean "icbm-launcher"?)`}}},
		{"unknown status", head + "  - {kind: icbm, type: MM-III, status: deploy}\n",
			[]fileError{{4, `items[0].status: unknown status "deploy" (did you mean "deployed"?)`}}},
		{"unknown type", head + "  - {kind: icbm, type: MM-4, status: deployed}\n",
			[]fileError{{4, `items[0].type: unknown type "MM-4" (nearest: "MM-II"`}}},
		{"type of another kind", head + "  - {kind: icbm, type: Trident II, status: deployed}\n",
			[]fileError{{4, "items[0].type: type Trident II is not a type of icbm (it applies to slbm, slbm-launcher)"}}},
		{"unknown item field", head + "  - {kind: icbm, type: MM-III, status: deployed, warhead: 1}\n",
			[]fileError{{4, `items[0].warhead: unknown field or attribute "warhead" (did you mean "warheads"?)`}}},
		{"unknown top-level field", "party: US\nas_of: 2020-09-01\nitmes: []\n",
			[]fileError{{3, `unknown field "itmes" (did you mean "items"?)`}}},
		{"missing fields", "items:\n  - {kind: icbm, count: 2}\n",
			[]fileError{{1, "party is required"}, {1, "as_of is required"}, {2, "items[0].type: type is required"}, {2, "items[0].status: status is required"}}},
		{"duplicate UIDs", head + "  - {uid: A1, kind: icbm, type: MM-III, status: deployed}\n  - {uid: A1, kind: icbm, type: MM-III, status: non-deployed}\n",
			[]fileError{{5, "items[1].uid: item A1: duplicate UID: also items[0]"}}},
		{"uid with count", head + "  - {uid: A1, kind: icbm, type: MM-III, status: deployed, count: 3}\n",
			[]fileError{{4, "items[0].count: item A1: an entry with a uid is one item"}}},
		{"warheads on a launcher", head + "  - {kind: icbm-launcher, type: MM-III, status: deployed, warheads: 1}\n",
			[]fileError{{4, "items[0].warheads: only missiles (icbm, slbm) carry warheads; a icbm-launcher does not"}}},
		{"warheads on a bomber", head + "  - {kind: heavy-bomber, type: B-52H, status: deployed, warheads: 20}\n",
			[]fileError{{4, "items[0].warheads: only missiles"}}},
		{"negative warheads", head + "  - {kind: icbm-launcher, type: MM-III, status: deployed}\n  - {kind: icbm, type: MM-III, status: deployed, warheads: -1}\n",
			[]fileError{{5, "items[1].warheads: must not be negative"}}},
		{"bad attribute values", head + "  - {kind: heavy-bomber, type: B-52H, status: deployed, alcms: -1}\n  - {kind: icbm-launcher, type: MM-III, status: deployed, basing: mobil}\n  - {kind: heavy-bomber, type: B-2A, status: deployed, alcms: twelve}\n",
			[]fileError{{4, "items[0].alcms: alcms must be at least 0, not -1"}, {5, `items[1].basing: basing: unknown value "mobil" (did you mean "mobile"?)`}, {6, `items[2].alcms: alcms must be a whole number, not "twelve"`}}},
		{"more deployed missiles than launchers", head + "  - {kind: icbm-launcher, type: MM-III, status: deployed, count: 133}\n  - {kind: icbm, type: MM-III, status: deployed, count: 134, warheads: 1}\n",
			[]fileError{{5, "items[1]: 134 deployed MM-III icbms but 133 deployed MM-III icbm-launchers"}}},
		{"more deployed missiles than launchers at a site", head +
			"  - {kind: slbm-launcher, type: Trident II, status: deployed, count: 100, site: Kings Bay}\n" +
			"  - {kind: slbm-launcher, type: Trident II, status: deployed, count: 120, site: Bangor}\n" +
			"  - {kind: slbm, type: Trident II, status: deployed, count: 101, site: Kings Bay, warheads: 4}\n" +
			"  - {kind: slbm, type: Trident II, status: deployed, count: 100, site: Bangor, warheads: 4}\n",
			[]fileError{{6, "items[2]: at Kings Bay: 101 deployed Trident II slbms but 100 deployed Trident II slbm-launchers"}}},
		{"carrier unknown", head + "  - {kind: icbm-launcher, type: MM-III, status: deployed}\n  - {kind: icbm, type: MM-III, status: deployed, carrier: SILO-9}\n",
			[]fileError{{5, `items[1].carrier: item US.icbm.MM-III.0001: carrier "SILO-9": no such item`}}},
		{"carrier of the wrong kind", head + "  - {uid: SUB, kind: submarine, type: Ohio, status: deployed}\n  - {uid: B1, kind: heavy-bomber, type: B-2A, status: deployed, carrier: SUB}\n  - {uid: M1, kind: icbm, type: MM-III, status: non-deployed, carrier: SUB}\n",
			[]fileError{{5, "items[1].carrier: item B1: a heavy-bomber has no carrier"}, {6, "items[2].carrier: item M1: a icbm is carried by a icbm-launcher, not a submarine"}}},
		{"missile in a launcher of another type", head + "  - {uid: L, kind: icbm-launcher, type: MM-III, status: deployed}\n  - {uid: M, kind: icbm, type: Peacekeeper, status: non-deployed, carrier: L}\n",
			[]fileError{{5, "items[1].carrier: item M: a Peacekeeper icbm cannot be in a MM-III launcher"}}},
		{"two missiles in one launcher", head + "  - {uid: L, kind: icbm-launcher, type: MM-III, status: deployed}\n  - {uid: M1, kind: icbm, type: MM-III, status: deployed, carrier: L}\n  - {uid: M2, kind: icbm, type: MM-III, status: non-deployed, carrier: L}\n",
			[]fileError{{5, "item L: would hold 2 missiles (M1, M2...): a launcher holds one"}}},
		{"deployed missile in a non-deployed launcher", head + "  - {uid: L, kind: icbm-launcher, type: MM-III, status: non-deployed}\n  - {uid: L2, kind: icbm-launcher, type: MM-III, status: deployed}\n  - {uid: M1, kind: icbm, type: MM-III, status: deployed, carrier: L}\n",
			[]fileError{{6, "item M1: is deployed but its launcher L is non-deployed"}}},
		{"too many tubes in a submarine", head + "  - {uid: S, kind: submarine, type: Borei, status: deployed}\n  - {kind: slbm-launcher, type: SS-N-32, status: deployed, count: 17, carrier: S}\n",
			[]fileError{{5, "item S: would hold 17 launch tubes; a Borei has 16"}}},
		{"site not declared", "party: US\nas_of: 2020-09-01\nsites:\n  - {name: Malmstrom}\nitems:\n  - {kind: icbm-launcher, type: MM-III, status: deployed, site: Malmstorm}\n",
			[]fileError{{6, `items[0].site: site "Malmstorm" is not declared in sites (did you mean "Malmstrom"?)`}}},
		{"every problem at once", head +
			"  - {kind: icbm, type: MM-III, status: deployed, count: -1}\n" +
			"  - {kind: bomber, type: B-52H, status: deployed}\n" +
			"  - {kind: heavy-bomber, type: B-52X, status: deployed}\n",
			[]fileError{{4, "count must be at least 1"}, {5, `unknown kind "bomber"`}, {6, `unknown type "B-52X"`}}},
		{"a list is not an item", head + "  - [icbm, MM-III]\n",
			[]fileError{{4, "items[0]: an item is a mapping"}}},
		{"snapshot without items", "party: US\nas_of: 2020-09-01\n",
			[]fileError{{1, "a snapshot lists items"}}},
		{"bad date", "party: US\nas_of: 2020-02-30\nitems: []\n",
			[]fileError{{2, "as_of"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expectErrors(t, c.src, c.want...) })
	}
}

const hhead = "party: US\nitems:\n  - {uid: L1, kind: icbm-launcher, type: MM-III, status: deployed}\n  - {uid: L2, kind: icbm-launcher, type: MM-III, status: deployed}\n  - {uid: M1, kind: icbm, type: MM-III, status: deployed, carrier: L1, warheads: 1}\nevents:\n"

func TestHistoryValidation(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []fileError
	}{
		{"dates out of order", hhead +
			"  - {date: 2012-01-01, op: status, uids: [M1], status: non-deployed}\n" +
			"  - {date: 2011-01-01, op: status, uids: [L2], status: non-deployed}\n",
			[]fileError{{8, "events[1].date: 2011-01-01 is before the previous event (2012-01-01)"}}},
		{"unknown item", hhead + "  - {date: 2012-01-01, op: status, uids: [L9], status: non-deployed}\n",
			[]fileError{{7, "events[0].uids[0]: item L9: no such item"}}},
		{"eliminated item cannot change", hhead +
			"  - {date: 2012-01-01, op: eliminate, uids: [L2]}\n" +
			"  - {date: 2013-01-01, op: status, uids: [L2], status: non-deployed}\n",
			[]fileError{{8, "events[1].uids[0]: item L2: was eliminated on 2012-01-01; an eliminated item cannot change"}}},
		{"UID reuse after elimination", hhead +
			"  - {date: 2012-01-01, op: eliminate, uids: [L2]}\n" +
			"  - date: 2013-01-01\n    op: new\n    items:\n      - {uid: L2, kind: icbm-launcher, type: MM-III, status: non-deployed}\n",
			[]fileError{{11, "events[1].items[0].uid: item L2: was eliminated on 2012-01-01; a UID is never reused"}}},
		{"new UID exists", hhead + "  - date: 2013-01-01\n    op: new\n    items:\n      - {uid: L1, kind: icbm-launcher, type: MM-III, status: non-deployed}\n",
			[]fileError{{10, "events[0].items[0].uid: item L1: already exists"}}},
		{"select asks for more than match", hhead + "  - {date: 2012-01-01, op: status, select: {kind: icbm-launcher, status: deployed}, count: 3, status: test}\n",
			[]fileError{{7, "events[0].count: select matches 2 items, count asks for 3"}}},
		{"undeploying a launcher under a deployed missile", hhead + "  - {date: 2012-01-01, op: status, uids: [L1], status: non-deployed}\n",
			[]fileError{{7, "events[0].uids[0]: item M1: is deployed but its launcher L1 is non-deployed"}}},
		{"more deployed missiles than launchers after an event", hhead +
			"  - {date: 2012-01-01, op: status, uids: [L2], status: test}\n" +
			"  - date: 2012-02-01\n    op: new\n    items:\n      - {kind: icbm, type: MM-III, status: deployed, count: 1, warheads: 1}\n",
			[]fileError{{11, "events[1].items[0]: 2 deployed MM-III icbms but 1 deployed MM-III icbm-launcher"}}},
		{"warheads on a launcher by load", hhead + "  - {date: 2012-01-01, op: load, uids: [L1], warheads: 3}\n",
			[]fileError{{7, "events[0].uids[0]: item L1: is a icbm-launcher; only missiles (icbm, slbm) carry warheads"}}},
		{"field the op does not use", hhead + "  - {date: 2012-01-01, op: status, uids: [L2], status: test, warheads: 3}\n",
			[]fileError{{7, "events[0].warheads: op status does not use warheads"}}},
		{"status op to converted", hhead + "  - {date: 2012-01-01, op: status, uids: [L2], status: converted}\n",
			[]fileError{{7, "events[0].status: a conversion is reported with op conversion-start and conversion-complete"}}},
		{"same status", hhead + "  - {date: 2012-01-01, op: status, uids: [L2], status: deployed}\n",
			[]fileError{{7, "events[0].uids[0]: item L2: is already deployed"}}},
		{"conversion-complete without start", hhead + "  - {date: 2012-01-01, op: conversion-complete, uids: [L2]}\n",
			[]fileError{{7, "item L2: no conversion was started"}}},
		{"eliminating a launcher that holds a missile", hhead + "  - {date: 2012-01-01, op: eliminate, uids: [L1]}\n",
			[]fileError{{7, "item L1: is eliminated but still holds M1"}}},
		{"move to an unknown carrier", hhead + "  - {date: 2012-01-01, op: move, uids: [M1], carrier: L7}\n",
			[]fileError{{7, "events[0].carrier: item L7: no such item"}}},
		{"unknown op", hhead + "  - {date: 2012-01-01, op: deploy, uids: [L2]}\n",
			[]fileError{{7, `events[0].op: unknown op "deploy"`}}},
		{"missing date", hhead + "  - {op: eliminate, uids: [L2]}\n",
			[]fileError{{7, "events[0]: date is required"}}},
		{"a failed new event does not cascade", hhead +
			"  - date: 2012-01-01\n    op: new\n    items:\n      - {uid: X1, kind: icbm-launcher, type: MM-IV, status: deployed}\n" +
			"  - {date: 2012-02-01, op: status, uids: [X1], status: test}\n",
			[]fileError{{10, `unknown type "MM-IV"`}}},
		{"as_of before the last event", "party: US\nas_of: 2011-01-01\n" + hhead[len("party: US\n"):] + "  - {date: 2012-01-01, op: eliminate, uids: [L2]}\n",
			[]fileError{{2, "as_of 2011-01-01 is before the last event (2012-01-01)"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expectErrors(t, c.src, c.want...) })
	}
}

func TestFileTypes(t *testing.T) {
	f := mustParse(t, "t.yaml", `party: RU
as_of: 2030-01-01
attributes:
  - {name: fractional_orbital, type: bool, default: false}
types:
  - name: RS-28
    kinds: [icbm, icbm-launcher]
    aliases: [Sarmat]
    attrs:
      attributed: {value: 10, source: "https://example.org/sarmat", evidence: R}
      heavy: true
      fractional_orbital: true
  - name: SS-18
    kinds: [icbm, icbm-launcher]
    attrs: {attributed: 8}
items:
  - {kind: icbm-launcher, type: Sarmat, status: deployed, count: 2}
  - {kind: icbm, type: RS-28, status: deployed, count: 2, warheads: 10}
  - {kind: icbm, type: SS-18, status: non-deployed, count: 1}
`)
	s := mustAt(t, f, "2030-01-01")
	for _, g := range s.Groups {
		switch g.Type {
		case "RS-28":
			if g.Attrs["attributed"] != int64(10) || g.Attrs["heavy"] != true || g.Attrs["fractional_orbital"] != true {
				t.Errorf("RS-28 attrs %v", g.Attrs)
			}
		case "SS-18":
			// The file's SS-18 shadows the catalogue's.
			if g.Attrs["attributed"] != int64(8) || g.Attrs["heavy"] != false || g.Attrs["fractional_orbital"] != false {
				t.Errorf("SS-18 attrs %v", g.Attrs)
			}
		default:
			t.Errorf("unexpected group %s", g.Label())
		}
	}
	if f.Types().Lookup("Sarmat") == nil || Catalogue().Lookup("Sarmat") != nil {
		t.Error("file types must extend the file's catalogue only")
	}
	expectErrors(t, `party: RU
as_of: 2030-01-01
types:
  - name: X
    kinds: [icbm, rocket]
    attrs: {attributd: 1, basing: {value: silo, evidence: Q}}
items: []
`, fileError{5, `types[0].kinds[1]: unknown kind "rocket"`}, fileError{6, `types[0].attrs.attributd: unknown field or attribute "attributd" (did you mean "attributed"?)`},
		fileError{6, "types[0].attrs.basing.evidence: evidence must be T, O, S or R"})
}

func TestLoadFileAndOpen(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "us.yaml")
	if err := os.WriteFile(p, []byte(bulkExample), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFile(p)
	if err != nil || f.Name() != p || f.Items() != 307 {
		t.Fatalf("LoadFile: %v %v", f, err)
	}
	if f, err = Open(p); err != nil || f.Name() != p {
		t.Fatalf("Open path: %v", err)
	}
	if f, err = Open("us-2020-09-01"); err != nil || f.Name() != "catalog/forces/us-2020-09-01.yaml" {
		t.Fatalf("Open bundled: %v", err)
	}
	if _, err = Open(filepath.Join(dir, "nope.yaml")); err == nil || !strings.Contains(err.Error(), "us-2020-09-01") {
		t.Fatalf("Open missing: %v", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(head+"  - {kind: icbm, type: MM-III, status: deployed, count: -1}\n"), 0o644)
	if _, err = LoadFile(bad); err == nil || !strings.HasPrefix(err.Error(), bad+":4:") {
		t.Fatalf("LoadFile bad: %v", err)
	}
}
