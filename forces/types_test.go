package forces

import (
	"strings"
	"testing"
)

func TestCatalogueCarriesEverySource(t *testing.T) {
	c := Catalogue()
	check := func(where, name string, v AttrValue) {
		if !strings.HasPrefix(v.Source, "http://") && !strings.HasPrefix(v.Source, "https://") {
			t.Errorf("%s: %s: source %q is not a URL", where, name, v.Source)
		}
		if !contains(evidenceTags, v.Evidence) {
			t.Errorf("%s: %s: evidence %q", where, name, v.Evidence)
		}
		// An [R] value says so in its note or in the file's header; a
		// value derived from data says where from.
		if v.Evidence == "O" && strings.Contains(v.Source, "strtdata") && !strings.Contains(v.Note, "MOU") && !strings.Contains(v.Note, "mobile") {
			t.Errorf("%s: %s: an MOU value should name its MOU row in the note", where, name)
		}
	}
	for _, ty := range c.Types() {
		if len(ty.Attrs) == 0 {
			t.Errorf("%s has no attributes", ty.Name)
		}
		for name, v := range ty.Attrs {
			check(ty.Name, name, v)
		}
		for _, vr := range ty.Variants {
			for name, v := range vr.Attrs {
				check(vr.Name, name, v)
			}
		}
	}
	for _, a := range c.Attributes() {
		if a.Doc == "" {
			t.Errorf("attribute %s has no doc", a.Name)
		}
	}
}

func TestCatalogueNames(t *testing.T) {
	c := Catalogue()
	// Every name issue 2 and the official tables use resolves, to the
	// type (and attributes) expected.
	cases := []struct {
		name, want string
		attrs      Attrs
	}{
		{"MM-II", "MM-II", nil}, {"MM-III", "MM-III", nil}, {"Minuteman III", "MM-III", nil},
		{"minuteman-iii", "MM-III", nil}, {"Peacekeeper", "Peacekeeper", nil}, {"MX", "Peacekeeper", nil},
		{"Poseidon", "Poseidon", nil}, {"Trident I", "Trident I", nil}, {"Trident II", "Trident II", nil},
		{"D5", "Trident II", nil}, {"B-52G", "B-52G", nil}, {"B-52H", "B-52H", nil}, {"B-1B", "B-1B", nil}, {"B-2A", "B-2A", nil},
		{"SS-11", "SS-11", nil}, {"SS-13", "SS-13", nil}, {"SS-17", "SS-17", nil}, {"SS-18", "SS-18", nil},
		{"SS-19", "SS-19", nil}, {"SS-24", "SS-24", nil}, {"SS-25", "SS-25", nil}, {"SS-27", "SS-27", nil},
		{"RS-12M2", "SS-27", nil}, {"RS-24", "RS-24", nil}, {"Yars", "RS-24", nil}, {"Topol-M", "SS-27", nil},
		{"SS-N-6", "SS-N-6", nil}, {"SS-N-8", "SS-N-8", nil}, {"SS-N-17", "SS-N-17", nil}, {"SS-N-18", "SS-N-18", nil},
		{"SS-N-20", "SS-N-20", nil}, {"SS-N-23", "SS-N-23", nil}, {"SS-N-32", "SS-N-32", nil}, {"RSM-56", "SS-N-32", nil},
		{"Bulava", "SS-N-32", nil}, {"Sineva", "SS-N-23", nil}, {"RS-12M", "SS-25", nil}, {"Topol", "SS-25", nil},
		{"RS-18", "SS-19", nil}, {"RS-20", "SS-18", nil}, {"RSM-50", "SS-N-18", nil}, {"RSM-52", "SS-N-20", nil},
		{"RSM-54", "SS-N-23", nil}, {"Tu-95MS", "Tu-95MS", nil}, {"Bear H", "Tu-95MS", nil}, {"Tu-160", "Tu-160", nil},
		{"Blackjack", "Tu-160", nil}, {"Bear (ALCM)", "Tu-95MS", nil}, {"Bear (non-ALCM)", "Tu-95", nil},
		{"Ohio", "Ohio", nil}, {"Borei", "Borei", nil}, {"Delta III", "Delta III", nil}, {"Delta IV", "Delta IV", nil}, {"Typhoon", "Typhoon", nil},
		{"SS-24 (silo)", "SS-24", Attrs{"basing": "silo"}},
		{"SS-24 (mobile)", "SS-24", Attrs{"basing": "mobile", "mobility": "rail"}},
		{"SS-25 (mobile)", "SS-25", Attrs{"basing": "mobile"}},
		{"RS-12M1", "SS-27", Attrs{"basing": "mobile", "mobility": "road"}},
		{"Tu-95MS6", "Tu-95MS", Attrs{"alcms": int64(6)}},
	}
	for _, c2 := range cases {
		r, err := c.Resolve(c2.name)
		if err != nil {
			t.Errorf("%s: %v", c2.name, err)
			continue
		}
		if r.Type.Name != c2.want {
			t.Errorf("%s resolves to %s, want %s", c2.name, r.Type.Name, c2.want)
		}
		eff := c.Effective(r.Type, r.Overrides)
		for k, v := range c2.attrs {
			if eff[k] != v {
				t.Errorf("%s: %s = %v, want %v", c2.name, k, eff[k], v)
			}
		}
	}
	// Mobile ICBMs are basing mobile whatever their mobility.
	for _, n := range []string{"SS-25", "SS-24 (mobile)", "RS-24"} {
		r, _ := c.Resolve(n)
		if c.Effective(r.Type, r.Overrides)["basing"] != "mobile" {
			t.Errorf("%s is not basing mobile", n)
		}
	}
	if _, err := c.Resolve("SS-N-19"); err == nil || !strings.Contains(err.Error(), `nearest: "SS-N-18"`) && !strings.Contains(err.Error(), `"SS-N-18"`) {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := c.Resolve(""); err == nil {
		t.Error("the empty name resolved")
	}
}

func TestParseTypesShadows(t *testing.T) {
	c, err := ParseTypes("mine.yaml", []byte(`types:
  - name: MM-III
    kinds: [icbm, icbm-launcher]
    aliases: [Minuteman III]
    attrs: {attributed: 2}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Resolve("Minuteman III")
	if err != nil || r.Type.Attrs["attributed"].Value != int64(2) {
		t.Fatalf("shadowed MM-III: %v %v", r, err)
	}
	if r, _ := Catalogue().Resolve("MM-III"); r.Type.Attrs["attributed"].Value != int64(3) {
		t.Fatal("the bundled catalogue changed")
	}
	if _, err := ParseTypes("bad.yaml", []byte("types:\n  - name: X\n    kinds: [icbm]\n  - name: x\n    kinds: [icbm]\n"), nil); err == nil || !strings.Contains(err.Error(), "bad.yaml:4") {
		t.Fatalf("duplicate names: %v", err)
	}
}
