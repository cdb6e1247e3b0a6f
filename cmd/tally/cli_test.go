package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tallyBin is the command built once for the whole package, as a user
// gets it: CGO_ENABLED=0, one static binary.
var tallyBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tally-cli")
	if err != nil {
		panic(err)
	}
	tallyBin = filepath.Join(dir, "tally")
	build := exec.Command("go", "build", "-o", tallyBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		panic("building tally: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func tally(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(tallyBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type jsonLimit struct {
	ID        string `json:"id"`
	Total     int64  `json:"total"`
	Max       int64  `json:"max"`
	Min       *int64 `json:"min"`
	Binding   bool   `json:"binding"`
	Within    bool   `json:"within"`
	Margin    int64  `json:"margin"`
	MarginLow *int64 `json:"margin_low"`
	WhyNot    string `json:"why_not"`
}

type jsonResult struct {
	Treaty  string      `json:"treaty"`
	Party   string      `json:"party"`
	Date    string      `json:"date"`
	Reading string      `json:"reading"`
	Limits  []jsonLimit `json:"limits"`
}

func totals(r jsonResult) map[string]int64 {
	m := map[string]int64{}
	for _, l := range r.Limits {
		m[l.ID] = l.Total
	}
	return m
}

// The US official aggregates for 2020-09-01, reproduced from the bundled
// forces built from the official table, with no tuning.
func TestCountUS2020(t *testing.T) {
	res := tally(t, "count", "--treaty", "new-start", "--forces", "us-2020-09-01", "--format", "json")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var r jsonResult
	if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
		t.Fatalf("%v\n%s", err, res.stdout)
	}
	want := map[string]int64{"deployed-delivery-vehicles": 675, "deployed-warheads": 1457, "deployed-and-nondeployed-launchers": 800}
	got := totals(r)
	for id, n := range want {
		if got[id] != n {
			t.Errorf("%s = %d, want %d", id, got[id], n)
		}
	}
	if r.Treaty != "new-start" || r.Party != "US" || r.Date != "2020-09-01" {
		t.Errorf("header %+v", r)
	}
	for _, l := range r.Limits {
		if !l.Binding || !l.Within || l.Margin != l.Max-l.Total {
			t.Errorf("%+v", l)
		}
	}
	// The table says the same, and that a snapshot is taken to hold.
	res = tally(t, "count", "--treaty", "new-start", "--forces", "us-2020-09-01", "--at", "2019-01-01")
	for _, s := range []string{"1,457", "675", "800", "taken to hold on 2019-01-01"} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("table lacks %q:\n%s", s, res.stdout)
		}
	}
}

// START I on the Soviet MOU baseline: attribution from the catalogue, no
// warheads in the file.
func TestCountStart1USSR1990(t *testing.T) {
	res := tally(t, "count", "--treaty", "start-1", "--forces", "ussr-1990-09-01", "--format", "json", "--at", "2001-12-05")
	if res.code != 3 {
		t.Fatalf("over binding limits on 2001-12-05: want exit 3, got %d: %s", res.code, res.stderr)
	}
	var r jsonResult
	if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"sndv": 2500, "heavy-icbms": 308, "accountable-warheads": 10271,
		"ballistic-missile-warheads": 9416, "heavy-icbm-warheads": 3080, "mobile-icbm-warheads": 618}
	got := totals(r)
	for id, n := range want {
		if got[id] != n {
			t.Errorf("%s = %d, want %d", id, got[id], n)
		}
	}
	if r.Party != "USSR" {
		t.Errorf("party %q", r.Party)
	}
	if !strings.Contains(res.stderr, "over a binding limit") || !strings.Contains(res.stderr, "sndv by 900") {
		t.Errorf("stderr: %s", res.stderr)
	}
}

// One item, two readings: the RU reading of the US forces, side by side.
func TestCountUnderDispute(t *testing.T) {
	res := tally(t, "count", "--treaty", "new-start", "--forces", "us-2020-09-01", "--dispute", "us-2020-09-01.ru-reading", "--format", "json")
	if res.code != 3 {
		t.Fatalf("want exit 3 (over under the reading), got %d: %s", res.code, res.stderr)
	}
	var out struct{ Readings []jsonResult }
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Readings) != 2 || out.Readings[0].Reading != "" || !strings.Contains(out.Readings[1].Reading, "RU") {
		t.Fatalf("readings: %+v", out.Readings)
	}
	if got := totals(out.Readings[0])["deployed-and-nondeployed-launchers"]; got != 800 {
		t.Errorf("as declared: %d", got)
	}
	if got := totals(out.Readings[1])["deployed-and-nondeployed-launchers"]; got != 901 {
		t.Errorf("RU reading: %d, want 901 (800 + 56 + 41 + 4)", got)
	}
	table := tally(t, "count", "--treaty", "new-start", "--forces", "us-2020-09-01", "--dispute", "us-2020-09-01.ru-reading")
	for _, s := range []string{"US AS DECLARED", "RU READING", "901 (OVER)", "800 (within)", "over by 101"} {
		if !strings.Contains(table.stdout, s) {
			t.Errorf("table lacks %q:\n%s", s, table.stdout)
		}
	}
}

func TestCountSaysWhyNotBinding(t *testing.T) {
	res := tally(t, "count", "--treaty", "sort", "--forces", "us-2020-09-01", "--at", "2012-12-31")
	if res.code != 0 {
		t.Fatalf("exit %d", res.code)
	}
	if !strings.Contains(res.stdout, "superseded by new-start on 2011-02-05") || !strings.Contains(res.stdout, "never bound") {
		t.Errorf("%s", res.stdout)
	}
	res = tally(t, "count", "--treaty", "new-start", "--forces", "us-2020-09-01", "--at", "2026-02-05", "--format", "csv")
	if res.code != 0 || !strings.Contains(res.stdout, "expired on 2026-02-05") {
		t.Errorf("exit %d: %s", res.code, res.stdout)
	}
	if !strings.HasPrefix(res.stdout, "treaty,party,reading,date,limit,total,min,max,binding,within,margin,margin_low,why_not\n") {
		t.Errorf("csv header: %s", res.stdout)
	}
}

func TestCountExplain(t *testing.T) {
	res := tally(t, "count", "--treaty", "new-start", "--forces", "us-2020-09-01", "--explain")
	for _, s := range []string{"slbm Trident II deployed, 5 warheads: 92 × 5", "460", "rule deployed-missile", "us-2020-09-01.yaml:"} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("explanation lacks %q:\n%s", s, res.stdout)
		}
	}
}

func TestBadInputExits2WithPlace(t *testing.T) {
	negative := writeFile(t, "neg.yaml", "party: US\nas_of: 2020-09-01\nitems:\n  - {kind: icbm-launcher, type: MM-III, status: deployed, count: -3}\n")
	unknownType := writeFile(t, "type.yaml", "party: US\nas_of: 2020-09-01\nitems:\n  - {kind: icbm, type: Minuteman 3, status: deployed, count: 3, warheads: 1}\n")
	badRule := writeFile(t, "rule.yaml", strings.Replace(readBundledTreaty(t, "new-start"), "counts:\n      deployed-delivery-vehicles: 1\n      deployed-warheads: item.warheads", "counts:\n      deployed-delivery-vehicles: 1\n      deployed-warheads: \"'many'\"", 1))
	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"negative count", []string{"count", "--treaty", "new-start", "--forces", negative}, []string{"neg.yaml:4", "count"}},
		{"unknown type", []string{"count", "--treaty", "new-start", "--forces", unknownType}, []string{"type.yaml:4", "Minuteman III"}},
		{"rule of the wrong type", []string{"count", "--treaty", badRule, "--forces", "us-2020-09-01"}, []string{"rule.yaml:", "counts.deployed-warheads"}},
		{"unknown treaty", []string{"count", "--treaty", "new-strat", "--forces", "us-2020-09-01"}, []string{"new-strat"}},
		{"bad date", []string{"count", "--treaty", "new-start", "--forces", "us-2020-09-01", "--at", "2021-02-30"}, []string{"--at", "2021-02-30"}},
		{"bad format", []string{"count", "--treaty", "new-start", "--forces", "us-2020-09-01", "--format", "xml"}, []string{"--format"}},
		{"missing flag", []string{"count", "--forces", "us-2020-09-01"}, []string{"treaty"}},
		{"unknown command", []string{"cuont"}, []string{"unknown command"}},
		{"treaty check", []string{"treaty", "check", badRule}, []string{"rule.yaml:"}},
		{"forces check", []string{"forces", "check", negative}, []string{"neg.yaml:4"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := tally(t, c.args...)
			if res.code != 2 {
				t.Fatalf("exit %d, want 2\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, res.stderr)
				}
			}
			if strings.Contains(res.stderr, "panic") {
				t.Errorf("panic: %s", res.stderr)
			}
		})
	}
}

func readBundledTreaty(t *testing.T, id string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "catalog", "treaties", id+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTreatyCommands(t *testing.T) {
	res := tally(t, "treaties", "--at", "2015-01-01")
	for _, s := range []string{"new-start", "start-1", "sort", "joint-understanding-2009", "deep-cuts-500", "in force"} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("treaties lacks %q:\n%s", s, res.stdout)
		}
	}
	res = tally(t, "treaty", "diff", "new-start", "deep-cuts-500")
	if res.code != 0 || !strings.Contains(res.stdout, "deployed warheads: 1,550 → 500") {
		t.Errorf("diff (exit %d):\n%s", res.code, res.stdout)
	}
	res = tally(t, "treaty", "show", "start-1", "--at", "1998-01-01")
	for _, s := range []string{"1,600", "2,100", "first 150", "1994-12-05"} {
		if !strings.Contains(res.stdout, s) {
			t.Errorf("show lacks %q", s)
		}
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "catalog", "treaties", "*.yaml"))
	res = tally(t, append([]string{"treaty", "check"}, files...)...)
	if res.code != 0 || strings.Count(res.stdout, ": ok:") != len(files) {
		t.Errorf("check bundled (exit %d): %s %s", res.code, res.stdout, res.stderr)
	}
}

func TestCompare(t *testing.T) {
	res := tally(t, "compare", "--forces", "us-2020-09-01", "--treaty", "new-start", "--treaty", "deep-cuts-500", "--format", "json")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var out struct{ Results []jsonResult }
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 2 {
		t.Fatalf("%d results", len(out.Results))
	}
	dw := func(r jsonResult) jsonLimit {
		for _, l := range r.Limits {
			if l.ID == "deployed-warheads" {
				return l
			}
		}
		t.Fatalf("no deployed-warheads in %s", r.Treaty)
		return jsonLimit{}
	}
	if l := dw(out.Results[1]); l.Total != 1457 || l.Max != 500 || l.Within || l.Margin != -957 {
		t.Errorf("deep cuts: %+v", l)
	}
	table := tally(t, "compare", "--forces", "us-2020-09-01", "--treaty", "new-start", "--treaty", "start-1")
	if !strings.Contains(table.stdout, "—") || !strings.Contains(table.stdout, "1,457 / 1,550 within") {
		t.Errorf("%s", table.stdout)
	}
}

func TestHelpTeaches(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"count", "--help"}, {"compare", "--help"}, {"treaties", "--help"},
		{"treaty", "show", "--help"}, {"treaty", "diff", "--help"}, {"treaty", "check", "--help"}} {
		res := tally(t, args...)
		if res.code != 0 || !strings.Contains(res.stdout, "Examples:") {
			t.Errorf("%v: exit %d, no examples:\n%s", args, res.code, res.stdout)
		}
	}
}
