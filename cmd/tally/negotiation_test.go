package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/treaty"
)

// runNeg runs a fresh instance of a negotiation command (flags are not
// shared between runs) and returns its output and the exit code tally
// would give.
func runNeg(t *testing.T, c *cobra.Command, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	c.SetOut(&out)
	c.SetErr(&errb)
	c.SetArgs(args)
	c.SilenceUsage, c.SilenceErrors = true, true
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return badInput(err) })
	err := c.Execute()
	code = exitOK
	if err != nil {
		errb.WriteString(err.Error())
		var ee *exitError
		switch {
		case errors.As(err, &ee):
			code = ee.code
		case isUsageError(err):
			code = exitBadInput
		default:
			code = exitFailure
		}
	}
	return out.String(), errb.String(), code
}

func TestProposalNewCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "us-500.yaml")
	_, stderr, code := runNeg(t, newProposalCmd(), "new", "--from", "new-start", "--set", "deployed-warheads.max=500", "--author", "US", "--id", "us-500", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "wrote "+out+": proposal us-500, amending new-start") {
		t.Errorf("stderr %q", stderr)
	}
	tr, err := treaty.LoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := tr.LimitByID("deployed-warheads"); l.Max != 500 || tr.Proposal.Party != "US" {
		t.Errorf("%+v", l)
	}
	// An existing file is kept unless --force.
	_, stderr, code = runNeg(t, newProposalCmd(), "new", "--from", "new-start", "--set", "deployed-warheads.max=400", "-o", out)
	if code != exitBadInput || !strings.Contains(stderr, "--force") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	// To standard output.
	stdout, _, code := runNeg(t, newProposalCmd(), "new", "--from", out, "--set", "deployed-delivery-vehicles.max=500", "--id", "us-500b")
	if code != 0 || !strings.Contains(stdout, "# Proposal us-500b, drafted from us-500") || !strings.Contains(stdout, "parent: us-500") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	// Bad input: exit 2, naming the --set.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"new", "--from", "new-start", "--set", "deployed-warhead.max=500"}, `did you mean "deployed-warheads"?`},
		{[]string{"new", "--from", "new-start", "--set", "deployed-warheads=500"}, "--set"},
		{[]string{"new", "--from", "nowhere", "--set", "deployed-warheads.max=500"}, "--from nowhere"},
		{[]string{"new", "--set", "deployed-warheads.max=500"}, "--from is required"},
	} {
		_, stderr, code := runNeg(t, newProposalCmd(), c.args...)
		if code != exitBadInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d: %s", c.args, code, stderr)
		}
	}
}

func TestProposalShowCommand(t *testing.T) {
	stdout, stderr, code := runNeg(t, newProposalCmd(), "show", "linkage-example", "--at", "2024-09-01")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"what it changes from new-start:",
		"tracked: SM-3 interceptor launch cells at the US Aegis Ashore sites in Europe",
		"48 launch cells from 2023-12-15",
		"linked clauses on 2024-09-01:",
		"withdraw-over-missile-defense",
		"holds on 2024-09-01: 48 launch cells",
		"the deployed warheads limit becomes 1,675",
		"1,675 (linked clause warheads-rise-with-missile-defense)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("lacks %q:\n%s", want, stdout)
		}
	}
	stdout, _, code = runNeg(t, newProposalCmd(), "show", "linkage-example", "--at", "2020-09-01", "--format", "json", "--entry-into-force", "2021-01-01")
	var v struct {
		Linked []struct {
			Holds bool `json:"holds"`
		} `json:"linked"`
		Limits []struct {
			Steps []struct {
				Start string `json:"start"`
			} `json:"steps"`
		} `json:"limits"`
	}
	if err := json.Unmarshal([]byte(stdout), &v); err != nil || code != 0 {
		t.Fatalf("%v %d", err, code)
	}
	// 84 months after 2021-01-01.
	if len(v.Linked) != 2 || v.Linked[0].Holds || v.Limits[0].Steps[0].Start != "2028-01-01" {
		t.Errorf("%+v", v)
	}
}

// ruForces is a small Russian force for the command tests (made up, not
// data).
const ruForces = `party: RU
as_of: 2020-09-01
note: a made-up force for tests
items:
  - {kind: icbm-launcher, type: RS-24, status: deployed, count: 100}
  - {kind: icbm, type: RS-24, status: deployed, count: 100, warheads: 4}
  - {kind: heavy-bomber, type: Tu-95MS, status: deployed, count: 50}
`

func TestImpactCommand(t *testing.T) {
	dir := t.TempDir()
	ru := filepath.Join(dir, "ru.yaml")
	os.WriteFile(ru, []byte(ruForces), 0o644)
	args := []string{"--proposal", "new-start", "--proposal", "deep-cuts-500", "--forces", "US=us-2020-09-01", "--forces", "RU=" + ru, "--dispute", "us-2020-09-01.ru-reading"}
	stdout, stderr, code := runNeg(t, newImpactCmd(), args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"dispute: RU reading (2018-2022 dispute): RU's reading of US's items",
		"US (as declared)",
		"US (RU reading (2018-2022 dispute))",
		"RU (as declared)",
		"800 / 800",
		"901 / 800: 101 over, met 2022-02-23",
		"2022-02-23, late (deadline 2018-02-05)",
		// RU: 400 + 50 = 450 warheads against 500: within; 150
		// vehicles against 226.
		"450 / 500",
		"rates used:",
		"assumptions:",
		"a plan that meets every limit:",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("lacks %q:\n%s", want, stdout)
		}
	}
	// JSON: every side under every proposal.
	stdout, _, code = runNeg(t, newImpactCmd(), append(args, "--format", "json")...)
	var rep struct {
		Sides []struct {
			Party, Reading string
		} `json:"sides"`
		Cells []struct {
			Proposal string `json:"proposal"`
			Reading  string `json:"reading"`
			Limits   []struct {
				ID    string `json:"id"`
				Total int64  `json:"total"`
			} `json:"limits"`
		} `json:"cells"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 0 {
		t.Fatalf("%v %d", err, code)
	}
	if len(rep.Sides) != 3 || len(rep.Cells) != 6 || rep.Cells[2].Reading != "RU reading (2018-2022 dispute)" || rep.Cells[2].Limits[2].Total != 901 {
		t.Errorf("%+v", rep)
	}
	// CSV: one row per side, proposal and limit.
	stdout, _, code = runNeg(t, newImpactCmd(), append(args, "--format", "csv")...)
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || code != 0 || len(rows) != 1+3*2*3 || rows[0][0] != "proposal" {
		t.Fatalf("%v %d %d rows", err, code, len(rows))
	}
	// --brief: the table only.
	stdout, _, _ = runNeg(t, newImpactCmd(), append(args, "--brief")...)
	if strings.Contains(stdout, "assumptions:") || !strings.Contains(stdout, "901 / 800") {
		t.Errorf("brief:\n%s", stdout)
	}
}

func TestImpactCommandErrors(t *testing.T) {
	dir := t.TempDir()
	ru := filepath.Join(dir, "ru.yaml")
	os.WriteFile(ru, []byte(ruForces), 0o644)
	badRates := filepath.Join(dir, "rates.yaml")
	os.WriteFile(badRates, []byte("rates:\n  - {kind: bomber, per_year: 3}\n"), 0o644)
	badReading := filepath.Join(dir, "reading.yaml")
	os.WriteFile(badReading, []byte("name: too many\nby: RU\nof: US\nchanges:\n  - select: {kind: heavy-bomber, type: B-52H, status: converted}\n    count: 42\n    status: deployed\n"), 0o644)
	badForces := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badForces, []byte("party: RU\nas_of: 2020-09-01\nitems:\n  - {kind: icbm, type: RS-24, status: deployd}\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--proposal", "new-start", "--forces", "RU=us-2020-09-01"}, "is party US's forces, not RU's"},
		{[]string{"--proposal", "new-start", "--forces", "RU=" + ru, "--dispute", "us-2020-09-01.ru-reading"}, "it reads US's items, but no --forces gives US's"},
		{[]string{"--proposal", "new-start", "--forces", "US=us-2020-09-01", "--rates", badRates}, "rates.yaml:2:"},
		{[]string{"--proposal", "new-start", "--forces", "US=us-2020-09-01", "--dispute", badReading}, "reading.yaml:5: changes[0].count: select matches 41 items, count asks for 42"},
		{[]string{"--proposal", "new-start", "--forces", badForces}, "bad.yaml:4:"},
		{[]string{"--proposal", "new-strat", "--forces", "US=us-2020-09-01"}, "new-start"},
		{[]string{"--proposal", "new-start", "--forces", "US=us-2020-09-01", "--forces", "us-2020-09-01"}, "given twice"},
		{[]string{"--proposal", "new-start", "--forces", "US=us-2020-09-01", "--format", "xml"}, `--format "xml"`},
		{[]string{"--forces", "US=us-2020-09-01"}, "--proposal is required"},
	} {
		_, stderr, code := runNeg(t, newImpactCmd(), c.args...)
		if code != exitBadInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d: %s", c.args, code, stderr)
		}
	}
}

func TestWhatifCommand(t *testing.T) {
	stdout, stderr, code := runNeg(t, newWhatifCmd(), "--proposal", "joint-understanding-2009", "--low", "--aggregates")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"the low end of its ranges",
		"taken to enter into force on 2011-02-05",
		// 2018-02-05: US 652 deployed vehicles against 500, binding.
		"2018-02-05  US     652 / 500: 152 over ",
		"DERIVED",
		"strategic delivery vehicles (delivery-vehicles) is counted as New START's",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("lacks %q:\n%s", want, stdout)
		}
	}
	stdout, _, code = runNeg(t, newWhatifCmd(), "--proposal", "start-1", "--aggregates", "--party", "US")
	if code != 0 || !strings.Contains(stdout, "cannot be judged from totals alone") || strings.Contains(stdout, " RU ") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	stdout, _, code = runNeg(t, newWhatifCmd(), "--proposal", "new-start", "--aggregates", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	// 48 rows of data, three limits each (RU 2023-03-01 with no totals).
	if err != nil || code != 0 || len(rows) != 1+48*3 {
		t.Fatalf("%v %d %d", err, code, len(rows))
	}
	// Forces: the bundled history under the deep cut, at two dates.
	stdout, _, code = runNeg(t, newWhatifCmd(), "--proposal", "deep-cuts-500", "--forces", "us-history-example", "--at", "2011-02-05", "--at", "2014-09-30")
	if code != 0 || !strings.Contains(stdout, "2011-02-05  17 / 226") || !strings.Contains(stdout, "2014-09-30") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	_, stderr, code = runNeg(t, newWhatifCmd(), "--proposal", "new-start")
	if code != exitBadInput || !strings.Contains(stderr, "--aggregates or --forces") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	bad := filepath.Join(t.TempDir(), "a.csv")
	os.WriteFile(bad, []byte("as_of_date,party,deployed_delivery_vehicles,deployed_warheads,deployed_and_nondeployed_launchers,source_url,notes\n2011-02-30,US,1,2,3,x,\n"), 0o644)
	_, stderr, code = runNeg(t, newWhatifCmd(), "--proposal", "new-start", "--aggregates="+bad)
	if code != exitBadInput || !strings.Contains(stderr, "a.csv:2: as_of_date") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
