// Package aggregates is the official New START aggregates of both
// parties, 2011 to 2023: the three totals each party declared at every
// six-monthly exchange (deployed ICBMs, SLBMs and heavy bombers; warheads
// on them; deployed and non-deployed launchers and heavy bombers), as the
// State Department and the Russian MFA published them.
//
// The data are a copy of shared/data/newstart_aggregates.csv, embedded.
// Every row keeps its source URL and notes; rows worked out from a change
// a source reported ("down 19 since March") rather than read directly say
// DERIVED in their notes and have Derived set. A total no source gave is
// absent (Russia provided no data for 2023-03-01).
//
// Totals alone are enough to evaluate any limit counted exactly as one of
// New START's three totals: New START itself, and proposals and frameworks
// that reuse its rules with other numbers. Evaluate says, for a treaty or
// proposal, which of its limits the aggregates can judge and why the
// others cannot, then judges them at each exchange, per party:
//
//	ju, _ := treaty.Lookup("joint-understanding-2009")
//	eif := civil.MustParse("2011-02-05")
//	r, err := aggregates.Evaluate(ju, aggregates.NewSTART(), impact.AsIf{EntryIntoForce: &eif, Low: true})
//
// answers "what if the low end of the 2009 Joint Understanding had been
// the treaty?".
package aggregates

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/internal/yamlpos"
)

// New START's three total ids, as the bundled new-start treaty names them.
const (
	DeployedDeliveryVehicles = "deployed-delivery-vehicles"
	DeployedWarheads         = "deployed-warheads"
	Launchers                = "deployed-and-nondeployed-launchers"
)

// Totals lists the three in the order of the official tables.
var Totals = []string{DeployedDeliveryVehicles, DeployedWarheads, Launchers}

// columns are the CSV's columns; the three totals are columns 2 to 4.
var columns = []string{"as_of_date", "party", "deployed_delivery_vehicles", "deployed_warheads", "deployed_and_nondeployed_launchers", "source_url", "notes"}

// Row is one party's totals at one exchange.
type Row struct {
	Date  civil.Date `json:"date"`
	Party string     `json:"party"`
	// Totals maps New START total ids to the declared value; a total no
	// source gave is absent.
	Totals map[string]int64 `json:"totals"`
	Source string           `json:"source"`
	Notes  string           `json:"notes,omitempty"`
	// Derived is true when some value was worked out from a reported
	// change rather than read (the notes say which).
	Derived bool `json:"derived,omitempty"`
	// Line is the row's line in its file.
	Line int `json:"-"`
}

//go:embed newstart_aggregates.csv
var embedded []byte

var (
	once sync.Once
	rows []Row
)

// NewSTART returns the embedded official aggregates, by date then party.
// The slice is shared: do not modify it.
func NewSTART() []Row {
	once.Do(func() {
		var err error
		rows, err = Parse("aggregates/newstart_aggregates.csv", embedded)
		if err != nil {
			panic(err) // the package's tests load the embedded file
		}
	})
	return rows
}

// Parse reads aggregates in the CSV format of newstart_aggregates.csv
// (as_of_date, party, the three totals, source_url, notes). Every problem
// is reported, each with the file, line and column, and nothing is
// returned unless the file is sound.
func Parse(name string, data []byte) ([]Row, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = len(columns)
	var errs yamlpos.Errors
	fail := func(line int, col, format string, args ...any) {
		errs = append(errs, &yamlpos.Error{File: name, Line: line, Path: col, Msg: fmt.Sprintf(format, args...)})
	}
	head, err := r.Read()
	if err != nil {
		line := 1
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.Line
		}
		fail(line, "", "no header: want %s", strings.Join(columns, ","))
		return nil, errs
	}
	for i, c := range columns {
		if i >= len(head) || strings.TrimSpace(head[i]) != c {
			fail(1, "", "header: column %d is %q, want %q (the columns are %s)", i+1, at(head, i), c, strings.Join(columns, ","))
			return nil, errs
		}
	}
	var out []Row
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				fail(pe.Line, "", "%v", pe.Err)
				if pe.Err == csv.ErrFieldCount {
					continue
				}
			} else {
				fail(0, "", "%v", err)
			}
			break
		}
		line, _ := r.FieldPos(0)
		row := Row{Party: strings.TrimSpace(rec[1]), Source: strings.TrimSpace(rec[5]), Notes: strings.TrimSpace(rec[6]), Totals: map[string]int64{}, Line: line}
		d, err := civil.Parse(strings.TrimSpace(rec[0]))
		if err != nil {
			fail(line, columns[0], "%v", err)
		}
		row.Date = d
		if row.Party == "" {
			fail(line, columns[1], "missing: the party (US, RU)")
		}
		for i, id := range Totals {
			v := strings.TrimSpace(rec[2+i])
			if v == "" {
				continue
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				fail(line, columns[2+i], "%q is not a count", v)
				continue
			}
			row.Totals[id] = n
		}
		if row.Source == "" {
			fail(line, columns[5], "missing: every row needs the URL it comes from")
		}
		row.Derived = strings.Contains(row.Notes, "DERIVED")
		key := row.Date.String() + " " + strings.ToUpper(row.Party)
		if prev, dup := seen[key]; dup {
			fail(line, "", "%s %s is also on line %d", row.Date, row.Party, prev)
		}
		seen[key] = line
		out = append(out, row)
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date < out[j].Date
		}
		return out[i].Party < out[j].Party
	})
	return out, nil
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}
