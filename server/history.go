package server

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/tally-project/tally/civil"
)

// The History page reads the official New START aggregates from a copy of
// shared/data/newstart_aggregates.csv. The aggregates package (the same
// rows, with what-ifs on them) replaces this reader when it is merged; the
// page needs only aggregateRow's fields, which mirror its Row.
//
//go:embed data/newstart_aggregates.csv
var aggregatesCSV []byte

// aggregatesFile is how the page cites the file.
const aggregatesFile = "newstart_aggregates.csv"

// New START's three totals, as the bundled treaty names them, in the order
// of the official tables.
var newStartTotals = []string{"deployed-delivery-vehicles", "deployed-warheads", "deployed-and-nondeployed-launchers"}

// aggregateRow is one party's totals at one data exchange.
type aggregateRow struct {
	Date  civil.Date
	Party string
	// Totals maps a total id to the published value; a value no source
	// gave is absent.
	Totals map[string]int64
	Source string
	Notes  string
	// Derived: some value was worked out from a reported change rather
	// than read (the notes say which).
	Derived bool
	Line    int
}

type history struct {
	rows    []aggregateRow
	parties []string // in order of first appearance
	dates   []civil.Date
}

func loadHistory() (*history, error) {
	rows, err := parseAggregates(aggregatesFile, aggregatesCSV)
	if err != nil {
		return nil, err
	}
	h := &history{rows: rows}
	seenP, seenD := map[string]bool{}, map[civil.Date]bool{}
	for _, r := range rows {
		if !seenP[r.Party] {
			seenP[r.Party] = true
			h.parties = append(h.parties, r.Party)
		}
		if !seenD[r.Date] {
			seenD[r.Date] = true
			h.dates = append(h.dates, r.Date)
		}
	}
	return h, nil
}

// row returns the row of party at date.
func (h *history) row(d civil.Date, party string) (aggregateRow, bool) {
	for _, r := range h.rows {
		if r.Date == d && r.Party == party {
			return r, true
		}
	}
	return aggregateRow{}, false
}

// parseAggregates reads the CSV: a header naming the columns, then one row
// per party and date, ascending by date. Errors name the file and line.
func parseAggregates(name string, data []byte) ([]aggregateRow, error) {
	want := []string{"as_of_date", "party", "deployed_delivery_vehicles", "deployed_warheads", "deployed_and_nondeployed_launchers", "source_url", "notes"}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = len(want)
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(want, ",") {
		return nil, fmt.Errorf("%s:1: want the columns %s", name, strings.Join(want, ","))
	}
	var rows []aggregateRow
	for i, rec := range recs[1:] {
		line := i + 2
		d, err := civil.Parse(rec[0])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: as_of_date: %v", name, line, err)
		}
		if len(rows) > 0 && d < rows[len(rows)-1].Date {
			return nil, fmt.Errorf("%s:%d: as_of_date %s comes before the row above", name, line, d)
		}
		r := aggregateRow{Date: d, Party: rec[1], Totals: map[string]int64{}, Source: rec[5], Notes: rec[6], Line: line,
			Derived: strings.Contains(rec[6], "DERIVED")}
		if r.Party == "" || r.Source == "" {
			return nil, fmt.Errorf("%s:%d: a row needs a party and a source_url", name, line)
		}
		for j, id := range newStartTotals {
			if rec[2+j] == "" {
				continue
			}
			n, err := strconv.ParseInt(rec[2+j], 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%s:%d: %s: %q is not a count", name, line, want[2+j], rec[2+j])
			}
			r.Totals[id] = n
		}
		rows = append(rows, r)
	}
	return rows, nil
}
