package scenario

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tally-project/tally/civil"
)

// The official aggregates, catalog/scenario/newstart_aggregates.csv, a
// verbatim copy of the shared data set.

const aggregatesFile = "scenario/newstart_aggregates.csv"

// derivedFields are the figures the CSV marks DERIVED in its notes: worked
// out from a reported change, not read directly. The notes say so in words;
// this table says which column. A test checks it against the notes.
var derivedFields = map[officialKey][]string{
	{"RU", civil.MustParse("2012-09-01")}: {DeployedDeliveryVehicles, DeployedAndNondeployedLaunchers},
	{"US", civil.MustParse("2016-03-01")}: {DeployedDeliveryVehicles},
	{"RU", civil.MustParse("2016-03-01")}: {DeployedWarheads},
}

// readOfficial parses the aggregates CSV. Errors name the file, line and
// column.
func readOfficial(name string, data []byte) (map[officialKey]*Figures, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 7
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	want := []string{"as_of_date", "party", "deployed_delivery_vehicles", "deployed_warheads", "deployed_and_nondeployed_launchers", "source_url", "notes"}
	for i, h := range want {
		if header[i] != h {
			return nil, fmt.Errorf("%s:1: column %d is %q, want %q", name, i+1, header[i], h)
		}
	}
	out := map[officialKey]*Figures{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		d, err := civil.Parse(rec[0])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: as_of_date: %v", name, line, err)
		}
		key := officialKey{rec[1], d}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("%s:%d: %s %s listed twice", name, line, rec[1], rec[0])
		}
		o := &Figures{Party: rec[1], Date: d, Source: rec[5], Notes: rec[6]}
		for i, id := range TotalIDs {
			cell := strings.TrimSpace(rec[2+i])
			if cell == "" {
				continue
			}
			v, err := strconv.ParseInt(cell, 10, 64)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("%s:%d: %s: %q is not a count", name, line, want[2+i], cell)
			}
			prov := Official
			for _, f := range derivedFields[key] {
				if f == id {
					prov = Derived
				}
			}
			o.Totals = append(o.Totals, Total{ID: id, Value: v, Provenance: prov, Source: rec[5], Note: rec[6]})
		}
		out[key] = o
	}
	return out, nil
}

// targets are the three totals a declaration must add up to.
type targets struct {
	totals []Total // in TotalIDs order
}

func (t targets) get(id string) int64 {
	for _, x := range t.totals {
		if x.ID == id {
			return x.Value
		}
	}
	panic("scenario: no total " + id)
}

func (t targets) synthetic() bool {
	for _, x := range t.totals {
		if x.Provenance == Synthetic {
			return true
		}
	}
	return false
}

// targetsFor gives the totals a declaration of party as of d must add up
// to: the CSV's figures where it has them; elsewhere a synthetic value,
// labelled, with the rule that chose it:
//
//   - a total the CSV leaves empty between two figures of the same party
//     (2016-03-01 launchers) is the midpoint of the previous and next
//     figures (both are whole: 873 and 862);
//   - a date the CSV has no row for (the September 2022 exchange, never
//     published) takes the midpoint of the party's figures before and
//     after, or, when there is none after (Russia provided no data after
//     September 2022), carries the last published figure forward;
//   - the same carry-forward gives the targets of the states a party's
//     last notifications lead toward after its last declaration, which are
//     never declared.
func targetsFor(off map[officialKey]*Figures, dates func(party string) []civil.Date, party string, d civil.Date) (targets, error) {
	row := off[officialKey{party, d}]
	var out targets
	for _, id := range TotalIDs {
		if row != nil {
			if t, ok := row.Total(id); ok {
				out.totals = append(out.totals, t)
				continue
			}
		}
		prev, next, okp, okn := neighbours(off, dates(party), party, d, id)
		switch {
		case okp && okn:
			v := (prev.v + next.v) / 2
			out.totals = append(out.totals, Total{ID: id, Value: v, Provenance: Synthetic,
				Source: prev.src,
				Note: fmt.Sprintf("not published; the midpoint of %s's figures of %s (%d) and %s (%d), rounded down",
					party, prev.d, prev.v, next.d, next.v)})
		case okp:
			out.totals = append(out.totals, Total{ID: id, Value: prev.v, Provenance: Synthetic,
				Source: prev.src,
				Note: fmt.Sprintf("not published, and no later figure exists; %s's figure of %s (%d) carried forward",
					party, prev.d, prev.v)})
		default:
			return targets{}, fmt.Errorf("no figure for %s %s before %s", party, id, d)
		}
	}
	return out, nil
}

type figure struct {
	d   civil.Date
	v   int64
	src string
}

func neighbours(off map[officialKey]*Figures, dates []civil.Date, party string, d civil.Date, id string) (prev, next figure, okp, okn bool) {
	for _, x := range dates {
		t, ok := off[officialKey{party, x}].Total(id)
		if !ok {
			continue
		}
		if x < d {
			prev, okp = figure{x, t.Value, t.Source}, true
		}
		if x > d && !okn {
			next, okn = figure{x, t.Value, t.Source}, true
		}
	}
	return
}
