package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/impact"
	"github.com/tally-project/tally/treaty"
)

// The Impact page: what proposals would make each side cut, and by when,
// with a slider for each of their limits. The forces are the node's
// parties' forces at a date, as their logs tell them (for viewers who may
// see items), or a bundled forces file. The page counts the forces under
// the proposals once (impact.Prepare) and works out the impact for the
// sliders' values (Prepared.Compute); /impact/compute answers the same as
// JSON for the page's script, which updates the table as a slider moves.
// Without JavaScript the page is a form that does the same on submit.

// forcesNode is the forces choice that reads the node.
const forcesNode = "node"

type impactForm struct {
	Proposals []string
	Forces    string
	Reading   bool
	At        string
	// Use are the limits whose slider value applies; Set their values.
	Use []string
	Set map[string]int64
}

type impactView struct {
	Form         impactForm
	Errors       map[string]string
	ProposalOpts []option
	ForcesOpts   []option
	// HasReading: the chosen bundled forces have a bundled reading.
	HasReading  bool
	ReadingName string
	Sliders     []slider
	Result      *impactResult
	// Query is the form as a query, for the script.
	Query string
}

type slider struct {
	ID, Name     string
	Min, Max     int64
	Step         int64
	Value        int64
	Use          bool
	Own          string // each proposal's own value, in words
	ValueText    string
	DescribedBy  string
	ProposalVals []int64
}

// impactResult is the impact as the page shows it and /impact/compute
// returns it: every number already in words, so that the script only
// puts text in place.
type impactResult struct {
	Date        string         `json:"date"`
	Set         map[string]int `json:"set"`
	Proposals   []impactProp   `json:"proposals"`
	Sides       []impactSide   `json:"sides"`
	Assumptions []string       `json:"assumptions"`
}

type impactProp struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Deadline string `json:"deadline"`
	How      string `json:"deadline_how"`
	// Linked are the proposal's linked clauses and whether each holds on
	// the date (issue 5 §4): a right to withdraw, a limit that changes.
	Linked []impactClause `json:"linked,omitempty"`
}

// impactClause is a linked clause on the page's date.
type impactClause struct {
	ID   string `json:"id"`
	Says string `json:"says"`
	// State is "holds", "does not hold" or "unknown" (nothing declared
	// for its tracked category by the date); Text says it all in a line,
	// with the number and who declared it.
	State  string `json:"state"`
	Holds  bool   `json:"holds"`
	Text   string `json:"text"`
	Source string `json:"source,omitempty"`
}

type impactSide struct {
	Label  string       `json:"label"`
	Forces string       `json:"forces"`
	Rows   []impactRow  `json:"rows"`
	Cells  []impactCell `json:"cells"` // per proposal: compliance
}

type impactRow struct {
	Limit string          `json:"limit"`
	Name  string          `json:"name"`
	Cells []impactLimitAt `json:"cells"` // per proposal
}

type impactLimitAt struct {
	Key     string   `json:"key"`
	Present bool     `json:"present"`
	Total   string   `json:"total"`
	Max     string   `json:"max"`
	Over    string   `json:"over"`
	IsOver  bool     `json:"is_over"`
	Binding string   `json:"binding,omitempty"`
	Met     string   `json:"met"`
	Options []string `json:"options"`
	Unmet   string   `json:"unmet,omitempty"`
}

type impactCell struct {
	Key      string   `json:"key"`
	Verdict  string   `json:"verdict"`
	Class    string   `json:"class"`
	Complies string   `json:"complies"`
	Deadline string   `json:"deadline"`
	Plan     []string `json:"plan"`
	Error    string   `json:"error,omitempty"`
}

func (d *dashboard) impact(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "Impact of proposals", Nav: "impact", Sources: newSources(), Scripts: []string{"impact.js"}}
	v, ok := d.view(w, r, p)
	if !ok {
		return
	}
	iv, status := d.impactView(r, v)
	p.Data = iv
	d.render(w, r, status, "impact", p)
}

// impactCompute answers the impact for a query as JSON; problems are
// application/problem+json naming the field.
func (d *dashboard) impactCompute(w http.ResponseWriter, r *http.Request) {
	var v View
	if d.opts.Node != nil {
		var err error
		if v, err = d.opts.Node.View(r); err != nil {
			status := http.StatusInternalServerError
			switch {
			case errors.Is(err, ErrUnauthenticated):
				status = http.StatusUnauthorized
			case errors.Is(err, ErrForbidden):
				status = http.StatusForbidden
			}
			writeProblem(w, status, "", err.Error())
			return
		}
	}
	iv, status := d.impactView(r, v)
	if len(iv.Errors) > 0 {
		for _, f := range []string{"forces", "p", "at", "set", "reading"} {
			if msg, ok := iv.Errors[f]; ok {
				writeProblem(w, status, f, msg)
				return
			}
		}
		for f, msg := range iv.Errors {
			writeProblem(w, status, f, msg)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(iv.Result)
}

// writeProblem writes an RFC 9457 problem naming the field at fault.
func writeProblem(w http.ResponseWriter, status int, field, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"type": "urn:tally:problem:bad-parameter", "title": http.StatusText(status), "status": status, "detail": detail, "field": field})
}

func (d *dashboard) impactView(r *http.Request, v View) (impactView, int) {
	q := r.URL.Query()
	iv := impactView{Errors: map[string]string{}}
	form := impactForm{Proposals: q["p"], Forces: q.Get("forces"), At: q.Get("at"), Use: q["use"], Set: map[string]int64{}, Reading: q.Get("reading") != ""}
	if len(form.Proposals) == 0 {
		form.Proposals = []string{"new-start", "deep-cuts-500"}
		if v != nil && !slices.Contains(form.Proposals, v.Treaty().ID) {
			form.Proposals[0] = v.Treaty().ID
		}
	}
	if form.Forces == "" {
		form.Forces = "us-2020-09-01"
		form.Reading = !q.Has("p") || form.Reading
		if v != nil && v.Viewer().ItemLevel() {
			form.Forces, form.Reading = forcesNode, false
		}
	}
	// Proposals.
	var ps []*treaty.Treaty
	for _, id := range form.Proposals {
		t := d.lookup(id)
		if t == nil {
			iv.Errors["p"] = fmt.Sprintf("no bundled treaty or proposal %q", id)
			continue
		}
		if !slices.Contains(ps, t) {
			ps = append(ps, t)
		}
	}
	if len(ps) > 6 {
		iv.Errors["p"] = "choose at most 6 treaties and proposals"
	}
	// In the catalogue's order, whatever the query's: the table's columns
	// and the script's answers always agree.
	slices.SortStableFunc(ps, func(a, b *treaty.Treaty) int { return d.treatyIndex(a) - d.treatyIndex(b) })
	iv.ProposalOpts = d.treatyOptions(form.Proposals...)
	if v != nil {
		iv.ForcesOpts = append(iv.ForcesOpts, option{Value: forcesNode, Label: "every party's forces in this node's logs, at the date", Selected: form.Forces == forcesNode})
	}
	for _, n := range forces.BundledNames() {
		iv.ForcesOpts = append(iv.ForcesOpts, option{Value: n, Label: n + " (bundled example)", Selected: n == form.Forces})
	}

	// Forces, and the date.
	var sides []impact.Side
	var at civil.Date
	var err error
	if form.At != "" {
		if at, err = civil.Parse(form.At); err != nil {
			iv.Errors["at"] = fmt.Sprintf("%q is not a date (YYYY-MM-DD)", form.At)
		}
	}
	switch {
	case form.Forces == forcesNode && v == nil:
		iv.Errors["forces"] = "no node is connected: choose bundled forces"
	case form.Forces == forcesNode:
		if at == 0 {
			at = d.defaultDate(v.Treaty())
		}
		for _, party := range v.Regime().Parties {
			st, err := v.State(r.Context(), party.ID, at)
			if err != nil {
				if errors.Is(err, ErrForbidden) {
					iv.Errors["forces"] = "the forces in this node's logs are item-level data, for operators and inspectors: sign in, or choose bundled forces (" + err.Error() + ")"
				} else {
					iv.Errors["forces"] = err.Error()
				}
				break
			}
			// The other parties' readings of these forces on the date (the
			// disputes the Overview counts under), each a side of its
			// own next to the declaration, as `tally impact --dispute`.
			rds, err := v.Readings(r.Context(), party.ID, at)
			if err != nil {
				iv.Errors["forces"] = err.Error()
				break
			}
			sides = append(sides, impact.Side{State: st, Forces: fmt.Sprintf("%s's log, %s", party.ID, at), Readings: rds})
		}
	default:
		f, err := forces.Bundled(form.Forces)
		if err != nil {
			iv.Errors["forces"] = fmt.Sprintf("no bundled forces %q", form.Forces)
			break
		}
		if at == 0 {
			at = f.AsOf()
		}
		st, err := f.At(at)
		if err != nil {
			iv.Errors["at"] = err.Error()
			break
		}
		side := impact.Side{State: st, Forces: form.Forces}
		for _, rn := range forces.BundledReadingNames() {
			if strings.HasPrefix(rn, form.Forces+".") {
				iv.HasReading, iv.ReadingName = true, rn
				if form.Reading {
					rd, err := forces.BundledReading(rn)
					if err != nil {
						iv.Errors["reading"] = err.Error()
						break
					}
					side.Readings = append(side.Readings, rd)
				}
			}
		}
		sides = append(sides, side)
	}
	if at != 0 {
		form.At = at.String()
	}

	// The sliders: every limit of the proposals, in order.
	for _, t := range ps {
		for _, l := range t.Limits {
			i := slices.IndexFunc(iv.Sliders, func(s slider) bool { return s.ID == l.ID })
			if i < 0 {
				iv.Sliders = append(iv.Sliders, slider{ID: l.ID, Name: capitalise(l.Name), Value: l.Max})
				i = len(iv.Sliders) - 1
			}
			iv.Sliders[i].ProposalVals = append(iv.Sliders[i].ProposalVals, l.Max)
			iv.Sliders[i].Own = strings.TrimPrefix(iv.Sliders[i].Own+"; ", "; ") + fmt.Sprintf("%s %s", t.Title(), treaty.FormatInt(l.Max))
		}
	}
	for i := range iv.Sliders {
		s := &iv.Sliders[i]
		raw := q.Get("set." + s.ID)
		if raw != "" {
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || n < 0 || n > 1_000_000 {
				iv.Errors["set"] = fmt.Sprintf("set.%s: %q is not a count", s.ID, raw)
			} else {
				s.Value = n
			}
		}
		s.Use = slices.Contains(form.Use, s.ID)
		if s.Use {
			form.Set[s.ID] = s.Value
		}
	}
	for _, u := range form.Use {
		if !slices.ContainsFunc(iv.Sliders, func(s slider) bool { return s.ID == u }) && len(ps) > 0 {
			iv.Errors["set"] = fmt.Sprintf("use: no proposal chosen has a limit %q", u)
		}
	}
	iv.Form = form
	iv.Query = impactQuery(form)
	if len(iv.Errors) > 0 || len(sides) == 0 {
		d.sliderRanges(iv.Sliders, nil)
		status := http.StatusBadRequest
		if strings.Contains(iv.Errors["forces"], "item-level") {
			status = http.StatusForbidden
		}
		return iv, status
	}
	prep, err := impact.Prepare(impact.Input{Proposals: ps, Sides: sides, Date: at})
	if err != nil {
		iv.Errors["forces"] = err.Error()
		return iv, http.StatusBadRequest
	}
	rep := prep.Compute(form.Set)
	iv.Result = impactOf(rep, form.Set)
	d.sliderRanges(iv.Sliders, rep)
	return iv, http.StatusOK
}

// sliderRanges sets each slider's range: from 0 to well above both the
// proposals' values and the sides' totals, in steps that suit it.
func (d *dashboard) sliderRanges(ss []slider, rep *impact.Report) {
	for i := range ss {
		s := &ss[i]
		top := s.Value
		for _, v := range s.ProposalVals {
			top = max(top, v)
		}
		if rep != nil {
			for _, c := range rep.Cells {
				for _, l := range c.Limits {
					if l.ID == s.ID {
						top = max(top, l.Total)
					}
				}
			}
		}
		top = top * 3 / 2
		s.Step = 1
		switch {
		case top >= 2000:
			s.Step = 10
		case top >= 400:
			s.Step = 5
		}
		s.Max = (top/100 + 1) * 100
		s.ValueText = treaty.FormatInt(s.Value)
	}
}

func impactQuery(f impactForm) string {
	q := url.Values{}
	for _, p := range f.Proposals {
		q.Add("p", p)
	}
	q.Set("forces", f.Forces)
	if f.Reading {
		q.Set("reading", "1")
	}
	if f.At != "" {
		q.Set("at", f.At)
	}
	return q.Encode()
}

// impactOf puts a report in words.
func impactOf(rep *impact.Report, set map[string]int64) *impactResult {
	res := &impactResult{Date: rep.Date.String(), Set: map[string]int{}, Assumptions: rep.Assumptions}
	for k, v := range set {
		res.Set[k] = int(v)
	}
	for _, pi := range rep.Proposals {
		ip := impactProp{ID: pi.ID, Title: pi.Title, Deadline: pi.Deadline.String(), How: pi.DeadlineHow}
		for _, cs := range pi.Linked {
			c := impactClause{ID: cs.ID, Says: cs.Says, Holds: cs.Holds, Text: cs.Text, Source: cs.Source.Source, State: "does not hold"}
			switch {
			case !cs.Known:
				c.State = "unknown"
			case cs.Holds:
				c.State = "holds"
			}
			ip.Linked = append(ip.Linked, c)
		}
		res.Proposals = append(res.Proposals, ip)
	}
	np := len(rep.Proposals)
	for si, side := range rep.Sides {
		is := impactSide{Label: side.Label(), Forces: side.Forces}
		rowOf := map[string]int{}
		for pi := range rep.Proposals {
			c := rep.Cell(si, pi)
			for _, l := range c.Limits {
				if _, ok := rowOf[l.ID]; !ok {
					rowOf[l.ID] = len(is.Rows)
					is.Rows = append(is.Rows, impactRow{Limit: l.ID, Name: l.Name, Cells: make([]impactLimitAt, np)})
				}
			}
		}
		for pi := range rep.Proposals {
			c := rep.Cell(si, pi)
			key := fmt.Sprintf("%d-%s", si, rep.Proposals[pi].ID)
			for ri := range is.Rows {
				is.Rows[ri].Cells[pi] = impactLimitAt{Key: key + "-" + is.Rows[ri].Limit}
			}
			for _, l := range c.Limits {
				at := impactLimitAt{Key: key + "-" + l.ID, Present: true, Total: treaty.FormatInt(l.Total), Max: treaty.FormatInt(l.Max), IsOver: l.Over > 0, Unmet: l.Unmet}
				if l.Over > 0 {
					at.Over = treaty.FormatInt(l.Over) + " over"
				} else {
					at.Over = "within"
				}
				if !l.Binding && l.WhyNot != "" {
					at.Binding = "not binding on " + rep.Date.String() + ": " + l.WhyNot
				}
				switch {
				case l.Over == 0:
					at.Met = "met already"
				case l.Met != nil:
					at.Met = fmt.Sprintf("met on %s (deadline %s%s)", l.Met, l.Deadline, map[bool]string{true: ", on time", false: ", late"}[l.OnTime])
				default:
					at.Met = "never met at these rates"
				}
				at.Options = []string{}
				for _, o := range l.Options {
					at.Options = append(at.Options, o.Text)
				}
				is.Rows[rowOf[l.ID]].Cells[pi] = at
			}
			cell := impactCell{Key: key, Deadline: c.Deadline.String(), Plan: []string{}, Error: c.Error}
			switch {
			case c.Error != "":
				cell.Verdict, cell.Class = "not counted: "+c.Error, "notbinding"
			case c.Within:
				cell.Verdict, cell.Class, cell.Complies = "within every limit", "within", "already"
			case c.Complies == nil:
				cell.Verdict, cell.Class, cell.Complies = "cannot comply at these rates", "over", "never: "+c.Never
			case c.OnTime:
				cell.Verdict, cell.Class, cell.Complies = "complies by the deadline", "within", c.Complies.String()
			default:
				cell.Verdict, cell.Class, cell.Complies = "complies after the deadline", "over", c.Complies.String()
			}
			for _, m := range c.Plan {
				cell.Plan = append(cell.Plan, m.Text)
			}
			is.Cells = append(is.Cells, cell)
		}
		res.Sides = append(res.Sides, is)
	}
	return res
}

// treatyIndex is where a treaty comes in the catalogue.
func (d *dashboard) treatyIndex(t *treaty.Treaty) int {
	for i, x := range d.treaties {
		if x == t {
			return i
		}
	}
	return len(d.treaties)
}
