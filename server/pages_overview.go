package server

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/treaty"
)

// The Overview: each party's totals against each limit at a chosen date
// (bars with the limit), the same over the treaty's life (lines with the
// limits and the reduction deadline), and the verdicts, as declared and
// under each other party's reading where one disputes. Every total is
// counted by the node from the party's log; where the official aggregates
// give a figure for the date, the page says whether the count matches it.
// A node that labels its data (Provenance, a demonstration's) marks each
// declared total with its provenance instead: official, derived or
// synthetic.

type overviewView struct {
	Date     civil.Date
	Errors   map[string]string
	T        *treaty.Treaty
	Deadline value
	Quick    []dateLink
	Limits   []ovLimit
	Rows     []ovRow
	Bars     []ovChart
	Lines    []ovChart
	Series   ovSeries
	// ItemLevel: the viewer may follow a party to its items.
	ItemLevel bool
	Readings  bool
	// Labelled: the node labels its totals official, derived or
	// synthetic (Provenance).
	Labelled bool
}

type dateLink struct {
	Date    civil.Date
	Label   string
	Current bool
}

type ovLimit struct {
	ID, Name string
	Max      value
}

type ovRow struct {
	Party, Name string
	// Reading is "" as declared; By is the disputing party.
	Reading, By string
	Disputes    []string
	KnownAt     uint64
	Cells       []ovCell
	Err         string
	Over        bool
	// Official is the published figure's row at the date, if any.
	Official *ovOfficial
}

type ovOfficial struct {
	Cells []value
}

type ovCell struct {
	Present         bool
	Total, Bound    value
	Binding, Within bool
	Verdict, Margin string
	WhyNot          string
	// Official: "official" when the count is the published figure,
	// "differs" when it is not (OfficialText says what was published).
	Official, OfficialText string
	MeterMax, MeterHigh    int64
	Value                  int64
}

type ovChart struct {
	ID, Caption, Alt string
	Data             any
}

type ovSeries struct {
	Cols []ovSeriesCol
	Rows []ovSeriesRow
}

type ovSeriesCol struct {
	Label, Limit string
	First        bool // first column of a party's group
	Span         int
	Source       value
}

type ovSeriesRow struct {
	Date  civil.Date
	Cells []ovSeriesCell
}

type ovSeriesCell struct {
	Text string
	// Official: "official" or "differs", with what was published.
	Official, OfficialText string
}

// barData is what static/charts.js draws as "bars": one limit at one
// date, a bar per party and reading, and the limit.
type barData struct {
	Kind   string      `json:"kind"`
	Title  string      `json:"title"`
	Unit   string      `json:"unit"`
	Labels []string    `json:"labels"`
	Values []*int64    `json:"values"`
	Dashed []bool      `json:"dashed"`
	Limit  *chartLimit `json:"limit,omitempty"`
}

func (d *dashboard) overview(w http.ResponseWriter, r *http.Request) {
	if d.opts.Node == nil {
		d.noNode(w, r, "overview", "Overview")
		return
	}
	p := &page{Title: "Overview", Nav: "overview", Sources: newSources(), Scripts: []string{"vendor/chart.umd.min.js", "charts.js"}}
	v, ok := d.view(w, r, p)
	if !ok {
		return
	}
	t := v.Treaty()
	ov := overviewView{T: t, Errors: map[string]string{}, ItemLevel: v.Viewer().ItemLevel()}
	ov.Date = dateParam(r, "date", d.defaultDate(t), ov.Errors)
	s := p.Sources
	if dl := t.Dates.ReductionDeadline; dl != nil {
		ov.Deadline = s.fact(dl.Date.String(), dl.Source, t.Title()+": the date the central limits had to be met")
	}
	ov.Quick = d.quickDates(t, ov.Date)
	for i := range t.Limits {
		l := &t.Limits[i]
		ov.Limits = append(ov.Limits, ovLimit{ID: l.ID, Name: l.Name, Max: s.fact(bounds(l.Min, l.Max), l.Source, t.Title()+": "+l.Name)})
	}

	// The totals at the date, party by party and reading by reading.
	pv := d.provenance()
	ov.Labelled = pv != nil
	for _, party := range v.Regime().Parties {
		c, err := v.Compliance(r.Context(), party.ID, ov.Date)
		if err != nil {
			d.refused(w, r, p, party.ID+"'s compliance", err)
			return
		}
		off, hasOff := d.history.row(ov.Date, party.ID)
		for i, rd := range c.Readings {
			row := ovRow{Party: party.ID, Name: party.Name, Reading: rd.Name, By: rd.By, Disputes: rd.Disputes, KnownAt: c.KnownAt, Err: rd.Error}
			if rd.Name != "" {
				ov.Readings = true
			}
			src := treaty.Source{Source: party.LogURL(), Note: fmt.Sprintf("the notifications in %s's log (%s entries), counted by tally under %s's counting rules", party.ID, treaty.FormatInt(int64(c.KnownAt)), t.Title())}
			label := fmt.Sprintf("%s's totals on %s, counted from its log", party.ID, ov.Date)
			if rd.Name != "" {
				src.Note += ", under " + rd.Name
				label = fmt.Sprintf("%s's totals on %s under %s", party.ID, ov.Date, rd.Name)
			}
			if rd.Result != nil {
				row.Over = rd.Result.Over()
				for _, lim := range ov.Limits {
					lr, ok := rd.Result.Limit(lim.ID)
					if !ok {
						row.Cells = append(row.Cells, ovCell{})
						continue
					}
					cell := ovCellOf(s, t, lr, src, label)
					if i == 0 {
						cell.Official, cell.OfficialText = d.mark(pv, party.ID, ov.Date, lr.Of, lr.Total)
					}
					row.Cells = append(row.Cells, cell)
				}
			}
			if i == 0 && hasOff {
				o := &ovOfficial{}
				osrc := treaty.Source{Source: off.Source, Evidence: treaty.EvidenceOfficial, Note: off.Notes}
				olabel := fmt.Sprintf("%s's official aggregates as of %s (%s, line %d)", party.ID, off.Date, aggregatesFile, off.Line)
				for _, l := range t.Limits {
					lt := l.Total
					if n, ok := off.Totals[lt]; ok {
						f := s.num(n, osrc, olabel)
						// The aggregates mark a row derived as a whole; a
						// node that labels its totals says which.
						if pt, ok := pv.total(party.ID, ov.Date, lt); ok {
							if pt.Provenance == "derived" {
								f.Flag = "derived"
							}
						} else if off.Derived {
							f.Flag = "derived"
						}
						o.Cells = append(o.Cells, f)
					} else {
						o.Cells = append(o.Cells, value{Text: "not published"})
					}
				}
				row.Official = o
			}
			ov.Rows = append(ov.Rows, row)
		}
	}
	if err := d.overviewCharts(r, v, &ov, p.Sources); err != nil {
		d.refused(w, r, p, "the compliance series", err)
		return
	}
	p.Data = ov
	status := http.StatusOK
	if len(ov.Errors) > 0 {
		status = http.StatusBadRequest
	}
	d.render(w, r, status, "overview", p)
}

// mark is how a party's count of total id on date is marked: with the
// provenance the node labels it with (official, derived, synthetic), if
// it labels its data and has a declaration as of the date; else compared
// with the official aggregates, if they have a figure for the date
// (official, or differs); else not at all ("").
func (d *dashboard) mark(pv *Provenance, party string, date civil.Date, id string, count int64) (string, string) {
	if t, ok := pv.total(party, date, id); ok {
		return provenanceMark(count, t, date)
	}
	if off, ok := d.history.row(date, party); ok {
		if n, ok := off.Totals[id]; ok {
			return officialMark(count, n, off.Date)
		}
	}
	return "", ""
}

// officialMark compares a count with the published figure.
func officialMark(count, published int64, date civil.Date) (string, string) {
	if count == published {
		return "official", fmt.Sprintf("the official figure as of %s", date)
	}
	return "differs", fmt.Sprintf("officially %s as of %s", treaty.FormatInt(published), date)
}

func ovCellOf(s *sources, t *treaty.Treaty, l *count.LimitResult, src treaty.Source, label string) ovCell {
	c := limitCell(s, t, *l, src, label)
	out := ovCell{Present: true, Total: c.Total, Bound: c.Bound, Binding: c.Binding, Within: c.Within, Verdict: c.Verdict, Margin: c.Margin,
		WhyNot: c.WhyNot, MeterMax: c.MeterMax, MeterHigh: c.MeterHigh, Value: c.Value}
	return out
}

// quickDates are the dates a reader most often wants: entry into force,
// the official exchanges, the deadline, the last day in force.
func (d *dashboard) quickDates(t *treaty.Treaty, cur civil.Date) []dateLink {
	seen := map[civil.Date]string{}
	if e := t.Dates.EntryIntoForce; e != nil {
		seen[e.Date] = "entry into force"
	}
	for _, dt := range d.history.dates {
		if _, ok := seen[dt]; !ok {
			seen[dt] = "official exchange"
		}
	}
	if dl := t.Dates.ReductionDeadline; dl != nil {
		seen[dl.Date] = "reduction deadline"
	}
	if e := t.Dates.Expiry; e != nil {
		seen[e.Date.AddDays(-1)] = "last day in force"
	}
	var out []dateLink
	for dt, label := range seen {
		out = append(out, dateLink{Date: dt, Label: label, Current: dt == cur})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// seriesDates are the dates of the over-time view: entry into force, the
// six-monthly data days (1 March, 1 September), the reduction deadline,
// and the last day in force (or today).
func (d *dashboard) seriesDates(t *treaty.Treaty) []civil.Date {
	if t.Dates.EntryIntoForce == nil {
		return nil
	}
	start := t.Dates.EntryIntoForce.Date
	end := d.today()
	if e := t.Dates.Expiry; e != nil && e.Date.AddDays(-1) < end {
		end = e.Date.AddDays(-1)
	}
	set := map[civil.Date]bool{start: true, end: true}
	if dl := t.Dates.ReductionDeadline; dl != nil && dl.Date <= end {
		set[dl.Date] = true
	}
	for y := start.Time().Year(); y <= end.Time().Year(); y++ {
		for _, md := range []string{"-03-01", "-09-01"} {
			dt := civil.MustParse(fmt.Sprintf("%04d%s", y, md))
			if dt > start && dt <= end {
				set[dt] = true
			}
		}
	}
	var out []civil.Date
	for dt := range set {
		out = append(out, dt)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// overviewCharts fills the bars at the date and, from the node's series,
// the lines over time and their table.
func (d *dashboard) overviewCharts(r *http.Request, v View, ov *overviewView, s *sources) error {
	t := ov.T
	unitOf := func(id string) string {
		if tot, ok := t.TotalByID(id); ok {
			return tot.Unit
		}
		return ""
	}
	// Bars: one chart per limit, a bar per party and reading.
	for li, lim := range ov.Limits {
		l := &t.Limits[li]
		bd := barData{Kind: "bars", Title: capitalise(lim.Name) + " on " + ov.Date.String(), Unit: unitOf(l.Total)}
		var alt []string
		for _, row := range ov.Rows {
			label := row.Party
			if row.Reading != "" {
				label = fmt.Sprintf("%s (%s's reading)", row.Party, row.By)
			}
			bd.Labels = append(bd.Labels, label)
			bd.Dashed = append(bd.Dashed, row.Reading != "")
			if li < len(row.Cells) && row.Cells[li].Present {
				n := row.Cells[li].Value
				bd.Values = append(bd.Values, &n)
				alt = append(alt, fmt.Sprintf("%s: %s", label, treaty.FormatInt(n)))
			} else {
				bd.Values = append(bd.Values, nil)
				alt = append(alt, label+": not counted")
			}
		}
		binding := ""
		if len(ov.Rows) > 0 && li < len(ov.Rows[0].Cells) && ov.Rows[0].Cells[li].Present && !ov.Rows[0].Cells[li].Binding {
			binding = " (not binding yet on this date)"
		}
		bd.Limit = &chartLimit{Value: l.Max, Label: fmt.Sprintf("limit %s%s", treaty.FormatInt(l.Max), binding), Source: l.Source.Source}
		ov.Bars = append(ov.Bars, ovChart{ID: "bars-" + l.ID, Caption: bd.Title, Data: bd,
			Alt: fmt.Sprintf("%s. %s. The limit is %s%s. Every value is in the table below.", bd.Title, strings.Join(alt, "; "), treaty.FormatInt(l.Max), binding)})
	}

	// Lines: the node's series at the data days.
	pv := d.provenance()
	dates := d.seriesDates(t)
	if len(dates) == 0 {
		return nil
	}
	type line struct {
		party, name, reading, by string
		results                  []*count.Result
	}
	var lines []line
	for _, party := range v.Regime().Parties {
		sr, err := v.ComplianceSeries(r.Context(), party.ID, dates)
		if err != nil {
			return err
		}
		for _, rd := range sr.Readings {
			lines = append(lines, line{party.ID, party.Name, rd.Name, rd.By, rd.Results})
		}
	}
	var deadline *chartMark
	if dl := t.Dates.ReductionDeadline; dl != nil {
		deadline = &chartMark{Date: dl.Date.String(), Label: "limits binding from " + dl.Date.String(), Source: dl.Source.Source}
	}
	for li := range t.Limits {
		l := &t.Limits[li]
		ch := chartData{Kind: "history", Title: capitalise(l.Name), Unit: unitOf(l.Total), Start: dates[0].String(), End: dates[len(dates)-1].String(), Deadline: deadline}
		if from, ok := limitStart(t, l); ok {
			ch.Limit = &chartLimit{Value: l.Max, From: from.String(), Source: l.Source.Source,
				Label: fmt.Sprintf("%s limit, %s from %s", t.Title(), treaty.FormatInt(l.Max), from)}
		}
		for _, ln := range lines {
			cs := chartSeries{Party: ln.party, Label: ln.name, Dashed: ln.reading != ""}
			if ln.reading != "" {
				cs.Label = fmt.Sprintf("%s under %s's reading", ln.party, ln.by)
			}
			for i, dt := range dates {
				pt := chartPoint{Date: dt.String(), Source: "counted from " + ln.party + "'s log"}
				if res := ln.results[i]; res != nil {
					if lr, ok := res.Limit(l.ID); ok {
						n := lr.Total
						pt.Value = &n
					}
				}
				cs.Points = append(cs.Points, pt)
			}
			ch.Series = append(ch.Series, cs)
		}
		ov.Lines = append(ov.Lines, ovChart{ID: "lines-" + l.ID, Caption: ch.Title + " over time", Data: ch, Alt: chartAlt(ch)})
	}
	// The table of the lines.
	for _, ln := range lines {
		rp := v.Regime().Party(ln.party)
		src := s.fact("", treaty.Source{Source: rp.LogURL(), Note: fmt.Sprintf("the notifications in %s's log, counted by tally under %s's counting rules", ln.party, t.Title())},
			fmt.Sprintf("%s's totals over time, counted from its log", ln.party))
		for li := range t.Limits {
			col := ovSeriesCol{Label: ln.party, Limit: capitalise(t.Limits[li].Name), First: li == 0, Span: len(t.Limits), Source: src}
			if ln.reading != "" {
				col.Label = fmt.Sprintf("%s under %s's reading", ln.party, ln.by)
			}
			ov.Series.Cols = append(ov.Series.Cols, col)
		}
	}
	for i, dt := range dates {
		row := ovSeriesRow{Date: dt}
		for _, ln := range lines {
			for li := range t.Limits {
				c := ovSeriesCell{Text: "—"}
				if res := ln.results[i]; res != nil {
					if lr, ok := res.Limit(t.Limits[li].ID); ok {
						c.Text = treaty.FormatInt(lr.Total)
						if ln.reading == "" {
							c.Official, c.OfficialText = d.mark(pv, ln.party, dt, lr.Of, lr.Total)
						}
					}
				}
				row.Cells = append(row.Cells, c)
			}
		}
		ov.Series.Rows = append(ov.Series.Rows, row)
	}
	return nil
}
