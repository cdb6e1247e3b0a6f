package server

import (
	"slices"

	"github.com/tally-project/tally/aggregates"
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/treaty"
)

// The History page reads the official New START aggregates from package
// aggregates (shared/data/newstart_aggregates.csv, embedded there with
// every row's source and notes).

// aggregatesFile is how the page cites the table.
const aggregatesFile = "newstart_aggregates.csv"

// newStartTotals are New START's three totals, as the bundled treaty
// names them, in the order of the official tables.
var newStartTotals = aggregates.Totals

type history struct {
	rows    []aggregates.Row
	parties []string // in the order of the New START treaty
	dates   []civil.Date
	byKey   map[histKey]int
}

type histKey struct {
	date  civil.Date
	party string
}

func loadHistory() (*history, error) {
	h := &history{rows: aggregates.NewSTART(), byKey: map[histKey]int{}}
	seenP, seenD := map[string]bool{}, map[civil.Date]bool{}
	for i, r := range h.rows {
		if !seenP[r.Party] {
			seenP[r.Party] = true
			h.parties = append(h.parties, r.Party)
		}
		if !seenD[r.Date] {
			seenD[r.Date] = true
			h.dates = append(h.dates, r.Date)
		}
		h.byKey[histKey{r.Date, r.Party}] = i
	}
	if ns, err := treaty.Lookup("new-start"); err == nil {
		slices.SortStableFunc(h.parties, func(a, b string) int { return partyIndex(ns, a) - partyIndex(ns, b) })
	}
	return h, nil
}

// row returns the row of party at date.
func (h *history) row(d civil.Date, party string) (aggregates.Row, bool) {
	i, ok := h.byKey[histKey{d, party}]
	if !ok {
		return aggregates.Row{}, false
	}
	return h.rows[i], true
}
