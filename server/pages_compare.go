package server

import (
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tally-project/tally/catalog"
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// The comparison: one party's forces counted under several treaties at a
// date, as the owner declares them and, with a reading, as another party
// reads them, side by side (tally compare, in a page).

// defaultCompare is what the page shows before the form is used: the US
// forces of 2020 under New START and a 500-warhead proposal, as declared
// and as Russia read them in the 2018-2022 dispute.
var defaultCompare = compareForm{
	Forces:   "us-2020-09-01",
	Reading:  "us-2020-09-01.ru-reading",
	Treaties: []string{"new-start", "deep-cuts-500"},
}

type compareForm struct {
	Forces, Reading, At string
	Treaties            []string
}

type compareView struct {
	Form compareForm
	// Options of the form.
	ForcesOpts, ReadingOpts []option
	TreatyOpts              []option
	// Errors by field (forces, reading, at, t).
	Errors map[string]string
	// The result, when the form is valid.
	Result *compareResult
}

type compareResult struct {
	Party    string
	Date     civil.Date
	Forces   forcesInfo
	Reading  *readingInfo
	Columns  []compareColumn
	Rows     []compareRow
	Snapshot bool
}

type forcesInfo struct {
	Name, Note string
	AsOf       civil.Date
	Items      int
	Source     value
}

type readingInfo struct {
	Name, By, Of, Note string
	Source             value
}

type compareColumn struct {
	T *treaty.Treaty
	// Reading is "" for the owner's declaration.
	Reading string
	Status  treaty.Status
	// Err is why the forces cannot be counted under the treaty (a party
	// it does not have).
	Err        string
	Findings   []count.Finding
	NotCovered string
	Over       bool
}

type compareRow struct {
	ID, Name string
	Cells    []compareCell
}

type compareCell struct {
	Present bool
	Total   value
	Bound   value
	Binding bool
	Within  bool
	Verdict string // within, over, not binding (within), not binding (over)
	Margin  string
	WhyNot  string
	When    string
	// Meter: total against the maximum, for <meter>.
	MeterMax, MeterHigh int64
	Value               int64
	Parts               []partView
	// Unavailable says why a column has no value (its treaty cannot
	// count these forces).
	Unavailable string
}

type partView struct {
	Label, Rule, Note string
	Items             int
	Each, Units       int64
}

func (d *dashboard) compare(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "Forces under several treaties", Nav: "treaties", Sources: newSources()}
	if !d.nav(w, r, p) {
		return
	}
	q := r.URL.Query()
	form := defaultCompare
	if q.Has("forces") || q.Has("t") {
		form = compareForm{Forces: q.Get("forces"), Reading: q.Get("reading"), At: q.Get("at"), Treaties: q["t"]}
		if form.Forces == "" {
			form.Forces = defaultCompare.Forces
		}
	}
	v := compareView{Form: form, Errors: map[string]string{}}
	for _, n := range forces.BundledNames() {
		v.ForcesOpts = append(v.ForcesOpts, option{Value: n, Label: n, Selected: n == form.Forces})
	}
	v.ReadingOpts = []option{{Value: "", Label: "none: only as declared", Selected: form.Reading == ""}}
	for _, n := range forces.BundledReadingNames() {
		v.ReadingOpts = append(v.ReadingOpts, option{Value: n, Label: n, Selected: n == form.Reading})
	}
	v.TreatyOpts = d.treatyOptions(form.Treaties...)

	res, status := d.compareResult(p.Sources, &v)
	v.Result = res
	p.Data = v
	d.render(w, r, status, "compare", p)
}

// compareResult counts what the form asks; problems go to v.Errors by
// field, and the status is 400 when there are any.
func (d *dashboard) compareResult(s *sources, v *compareView) (*compareResult, int) {
	form := &v.Form
	f, err := forces.Bundled(form.Forces)
	if err != nil {
		v.Errors["forces"] = fmt.Sprintf("no bundled forces %q", form.Forces)
	}
	var reading *forces.Reading
	if form.Reading != "" {
		if reading, err = forces.BundledReading(form.Reading); err != nil {
			v.Errors["reading"] = fmt.Sprintf("no bundled reading %q", form.Reading)
		} else if f != nil && !strings.EqualFold(reading.Of, f.Party()) {
			v.Errors["reading"] = fmt.Sprintf("%s is %s's reading of %s's forces, not of %s's", form.Reading, reading.By, reading.Of, f.Party())
		}
	}
	var at civil.Date
	if form.At == "" && f != nil {
		at = f.AsOf()
		form.At = at.String()
	} else if form.At != "" {
		if at, err = civil.Parse(form.At); err != nil {
			v.Errors["at"] = fmt.Sprintf("not a date: %v", err)
		}
	}
	var ts []*treaty.Treaty
	for _, id := range form.Treaties {
		t := d.lookup(id)
		if t == nil {
			v.Errors["t"] = fmt.Sprintf("no bundled treaty or proposal %q", id)
			continue
		}
		if !slices.Contains(ts, t) {
			ts = append(ts, t)
		}
	}
	if len(form.Treaties) == 0 {
		v.Errors["t"] = "choose at least one treaty or proposal"
	}
	if len(v.Errors) > 0 {
		return nil, http.StatusBadRequest
	}

	state, err := f.At(at)
	if err != nil {
		v.Errors["at"] = err.Error()
		return nil, http.StatusBadRequest
	}
	res := &compareResult{Party: f.Party(), Date: at, Snapshot: f.Snapshot()}
	res.Forces = forcesInfo{Name: form.Forces, Note: f.Note(), AsOf: f.AsOf(), Items: state.Items()}
	forcesSrc := treaty.Source{Source: bundledForcesSource(form.Forces), Note: f.Note()}
	res.Forces.Source = s.fact("", forcesSrc, "Forces "+form.Forces)
	states := []*forces.State{state}
	if reading != nil {
		rs, err := state.Read(reading)
		if err != nil {
			v.Errors["reading"] = err.Error()
			return nil, http.StatusBadRequest
		}
		states = append(states, rs)
		res.Reading = &readingInfo{Name: reading.Name, By: reading.By, Of: reading.Of, Note: reading.Note,
			Source: s.fact("", treaty.Source{Source: reading.Source, Note: reading.Note}, "Reading "+reading.Name)}
	}

	// Columns: each treaty, under each reading, next to each other.
	type cell struct {
		col int
		r   *count.Result
	}
	var results []cell
	for _, t := range ts {
		for _, st := range states {
			col := compareColumn{T: t, Reading: st.Reading, Status: t.Status(at)}
			rr, err := count.Evaluate(t, st, at)
			if err != nil {
				col.Err = err.Error()
			} else {
				col.Findings = rr.Findings
				col.Over = rr.Over()
				var nc []string
				for _, k := range forces.Kinds {
					if n := rr.NotCovered[k]; n > 0 {
						nc = append(nc, fmt.Sprintf("%s %s", treaty.FormatInt(int64(n)), k))
					}
				}
				col.NotCovered = strings.Join(nc, ", ")
				results = append(results, cell{len(res.Columns), rr})
			}
			res.Columns = append(res.Columns, col)
		}
	}
	// Rows: every limit id, in the order first met.
	rowOf := map[string]int{}
	for _, c := range results {
		for _, l := range c.r.Limits {
			if _, ok := rowOf[l.ID]; !ok {
				rowOf[l.ID] = len(res.Rows)
				res.Rows = append(res.Rows, compareRow{ID: l.ID, Name: l.Name, Cells: make([]compareCell, len(res.Columns))})
			}
		}
	}
	for i, col := range res.Columns {
		if col.Err == "" {
			continue
		}
		for _, row := range res.Rows {
			row.Cells[i].Unavailable = "not counted: " + col.T.Title() + " cannot count these forces (below)"
		}
	}
	for _, c := range results {
		col := res.Columns[c.col]
		label := fmt.Sprintf("%s's forces (%s)", res.Party, form.Forces)
		src := forcesSrc
		if col.Reading != "" {
			label = fmt.Sprintf("%s's forces (%s) as %s reads them", res.Party, form.Forces, reading.By)
			src = treaty.Source{Source: reading.Source, Note: reading.Note}
		}
		label += fmt.Sprintf(", counted by tally under %s on %s", col.T.Title(), at)
		for _, l := range c.r.Limits {
			res.Rows[rowOf[l.ID]].Cells[c.col] = limitCell(s, col.T, l, src, label)
		}
	}
	return res, http.StatusOK
}

func limitCell(s *sources, t *treaty.Treaty, l count.LimitResult, src treaty.Source, label string) compareCell {
	c := compareCell{Present: true, Binding: l.Binding, Within: l.Within, WhyNot: l.WhyNot, Value: l.Total,
		MeterMax: l.Max, MeterHigh: l.Max}
	c.Total = s.num(l.Total, src, label)
	c.Bound = s.fact(bounds(l.Min, l.Max), l.Source, t.Title()+": "+l.Name)
	switch {
	case l.Binding && l.Within:
		c.Verdict = "within"
	case l.Binding:
		c.Verdict = "over"
	case l.Within:
		c.Verdict = "not binding (would be within)"
	default:
		c.Verdict = "not binding (would be over)"
	}
	switch {
	case l.Margin >= 0:
		c.Margin = treaty.FormatInt(l.Margin) + " below the maximum"
	default:
		c.Margin = treaty.FormatInt(-l.Margin) + " over the maximum"
	}
	if l.Margin == 0 {
		c.Margin = "exactly at the maximum"
	}
	if l.Total > c.MeterMax {
		c.MeterMax = l.Total
	}
	var when []string
	if l.Phase != "" {
		when = append(when, l.Phase)
	}
	if l.Since != "" {
		when = append(when, l.Since)
	}
	c.When = strings.Join(when, ", ")
	for _, pt := range l.Explain {
		pv := partView{Label: pt.Label(), Note: pt.Note, Items: pt.Items, Each: pt.Each, Units: pt.Units}
		if pt.Rule != nil {
			pv.Rule = pt.Rule.ID
		}
		c.Parts = append(c.Parts, pv)
	}
	return c
}

// bundledForcesSource is the source a bundled forces file declares.
// forces.Forces keeps the note but not the source, so read it here.
func bundledForcesSource(name string) string {
	name = strings.TrimSuffix(name, ".yaml")
	data, err := fs.ReadFile(catalog.FS, "forces/"+name+".yaml")
	if err != nil {
		return "catalog/forces/" + name + ".yaml"
	}
	var head struct {
		Source string `yaml:"source"`
	}
	if yaml.Unmarshal(data, &head) != nil || head.Source == "" {
		return "catalog/forces/" + name + ".yaml"
	}
	return head.Source
}
