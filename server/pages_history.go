package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/treaty"
)

// The History page: the official New START aggregates of the parties at
// every data exchange, against the treaty's limits, as charts and a table.

type historyView struct {
	T        *treaty.Treaty
	Parties  []partyCol
	Totals   []histTotal
	Rows     []histRow
	Deadline value
	First    civil.Date
	Last     civil.Date
	Derived  int
	Missing  int
	File     string
}

type partyCol struct{ ID, Name string }

type histTotal struct {
	ID, Name, Unit string
	Limit          value
	From           civil.Date
	Chart          chartData
	Alt            string
}

type histRow struct {
	Date  civil.Date
	Cells []histCell
}

type histCell struct {
	Party  string
	Values []value
	// Derived: a value of the row was worked out, not read; Absent: no
	// row for the party at this date.
	Derived bool
}

// chartData is what static/charts.js draws: one total over time, a line
// per party, the limit and the deadline.
type chartData struct {
	Kind     string        `json:"kind"`
	Title    string        `json:"title"`
	Unit     string        `json:"unit"`
	Start    string        `json:"start"`
	End      string        `json:"end"`
	Deadline *chartMark    `json:"deadline,omitempty"`
	Limit    *chartLimit   `json:"limit,omitempty"`
	Series   []chartSeries `json:"series"`
}

type chartMark struct {
	Date   string `json:"date"`
	Label  string `json:"label"`
	Source string `json:"source"`
}

type chartLimit struct {
	Value  int64  `json:"value"`
	From   string `json:"from"`
	Label  string `json:"label"`
	Source string `json:"source"`
}

type chartSeries struct {
	Party  string       `json:"party"`
	Label  string       `json:"label"`
	Points []chartPoint `json:"points"`
	// Dashed draws a reading other than the owner's declaration.
	Dashed bool `json:"dashed,omitempty"`
}

type chartPoint struct {
	Date string `json:"date"`
	// Value is null where nothing was published.
	Value   *int64 `json:"value"`
	Derived bool   `json:"derived,omitempty"`
	Source  string `json:"source"`
	Note    string `json:"note,omitempty"`
}

func (d *dashboard) historyPage(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "History: New START aggregates", Nav: "history", Sources: newSources(), Scripts: []string{"vendor/chart.umd.min.js", "charts.js"}}
	if !d.nav(w, r, p) {
		return
	}
	t := d.lookup("new-start")
	if t == nil {
		d.fail(w, r, fmt.Errorf("the bundled new-start treaty is missing"))
		return
	}
	p.Data = d.historyData(p.Sources, t)
	d.render(w, r, http.StatusOK, "history", p)
}

func (d *dashboard) historyData(s *sources, t *treaty.Treaty) historyView {
	h := d.history
	v := historyView{T: t, First: h.dates[0], Last: h.dates[len(h.dates)-1], File: aggregatesFile}
	for _, id := range h.parties {
		name := id
		if tp, ok := t.Party(id); ok {
			name = tp.Name
		}
		v.Parties = append(v.Parties, partyCol{ID: id, Name: name})
	}
	var deadline *chartMark
	if dl := t.Dates.ReductionDeadline; dl != nil {
		v.Deadline = s.fact(dl.Date.String(), dl.Source, "New START: the date the central limits had to be met")
		deadline = &chartMark{Date: dl.Date.String(), Label: "limits binding from " + dl.Date.String(), Source: dl.Source.Source}
	}
	for _, id := range newStartTotals {
		ht := histTotal{ID: id, Name: id}
		if tot, ok := t.TotalByID(id); ok {
			ht.Unit = tot.Unit
		}
		if l, ok := t.LimitByID(id); ok {
			ht.Name = l.Name
			ht.Limit = s.num(l.Max, l.Source, "New START limit: "+l.Name)
			if from, ok := limitStart(t, l); ok {
				ht.From = from
			}
		}
		v.Totals = append(v.Totals, ht)
	}
	// The table, and the chart series from the same facts.
	series := make([][]chartSeries, len(v.Totals))
	for i := range v.Totals {
		for _, pc := range v.Parties {
			series[i] = append(series[i], chartSeries{Party: pc.ID, Label: pc.Name})
		}
	}
	for _, date := range h.dates {
		row := histRow{Date: date}
		for pi, pc := range v.Parties {
			cell := histCell{Party: pc.ID}
			ar, ok := h.row(date, pc.ID)
			if ar.Derived {
				cell.Derived = true
				v.Derived++
			}
			src := treaty.Source{Source: ar.Source, Evidence: treaty.EvidenceOfficial, Note: ar.Notes}
			if ar.Derived {
				src.Evidence = ""
			}
			label := fmt.Sprintf("%s, %s (%s, line %d)", pc.ID, date, aggregatesFile, ar.Line)
			for ti, tot := range v.Totals {
				n, has := ar.Totals[tot.ID]
				var f value
				switch {
				case !ok:
					f = value{Text: "—", Title: "no data exchange for " + pc.ID + " on this date"}
				case !has:
					f = s.fact("not published", src, label)
					v.Missing++
				default:
					f = s.num(n, src, label)
					if ar.Derived {
						f.Flag = "derived"
					}
				}
				cell.Values = append(cell.Values, f)
				pt := chartPoint{Date: date.String(), Derived: ar.Derived, Source: ar.Source, Note: ar.Notes}
				if ok && has {
					n := n
					pt.Value = &n
				}
				if ok {
					series[ti][pi].Points = append(series[ti][pi].Points, pt)
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
	}
	for i := range v.Totals {
		ch := chartData{Kind: "history", Title: capitalise(v.Totals[i].Name), Unit: v.Totals[i].Unit,
			Start: v.First.String(), End: v.Last.String(), Deadline: deadline, Series: series[i]}
		if l, ok := t.LimitByID(v.Totals[i].ID); ok {
			ch.Limit = &chartLimit{Value: l.Max, From: v.Totals[i].From.String(), Source: l.Source.Source,
				Label: fmt.Sprintf("New START limit, %s from %s", treaty.FormatInt(l.Max), v.Totals[i].From)}
		}
		v.Totals[i].Chart = ch
		v.Totals[i].Alt = chartAlt(ch)
	}
	return v
}

// chartAlt describes a history chart in words, for those who cannot see
// it: each party's first and last published value and its lowest, and
// the limit.
func chartAlt(ch chartData) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s to %s. ", ch.Title, ch.Start[:4], ch.End[:4])
	for _, sr := range ch.Series {
		var first, last, low *chartPoint
		for i := range sr.Points {
			pt := &sr.Points[i]
			if pt.Value == nil {
				continue
			}
			if first == nil {
				first = pt
			}
			last = pt
			if low == nil || *pt.Value < *low.Value {
				low = pt
			}
		}
		if first == nil {
			continue
		}
		fmt.Fprintf(&b, "%s: %s on %s, %s on %s (the last published), lowest %s on %s. ", sr.Party,
			treaty.FormatInt(*first.Value), first.Date, treaty.FormatInt(*last.Value), last.Date, treaty.FormatInt(*low.Value), low.Date)
	}
	if ch.Limit != nil {
		fmt.Fprintf(&b, "%s. ", capitalise(ch.Limit.Label))
	}
	b.WriteString("Every value is in the table below, with its source.")
	return b.String()
}

// limitStart is the first day a limit's final value binds.
func limitStart(t *treaty.Treaty, l *treaty.Limit) (civil.Date, bool) {
	switch {
	case l.From != nil:
		return *l.From, true
	case t.Dates.EntryIntoForce == nil:
		return 0, false
	case l.MonthsAfterEIF != nil:
		return t.Dates.EntryIntoForce.Date.AddMonths(*l.MonthsAfterEIF), true
	}
	return t.Dates.EntryIntoForce.Date, true
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// partyIndex is where a party comes in a treaty's list (after them all
// if it is not in it).
func partyIndex(t *treaty.Treaty, id string) int {
	for i, p := range t.Parties {
		if p.ID == id {
			return i
		}
	}
	return len(t.Parties)
}
