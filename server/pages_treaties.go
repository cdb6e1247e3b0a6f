package server

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/tally-project/tally/catalog"
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/treaty"
)

// The treaty pages: the catalogue, one treaty, two side by side. The
// comparison of forces under several treaties is in pages_compare.go.

// lookup returns the bundled treaty with id.
func (d *dashboard) lookup(id string) *treaty.Treaty {
	for _, t := range d.treaties {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// option is an entry of a select.
type option struct {
	Value, Label string
	Selected     bool
}

func (d *dashboard) treatyOptions(selected ...string) []option {
	var out []option
	for _, t := range d.treaties {
		out = append(out, option{Value: t.ID, Label: fmt.Sprintf("%s (%s)", t.Title(), t.Kind), Selected: slices.Contains(selected, t.ID)})
	}
	return out
}

// dated is a treaty date with its source, or "—".
func dated(s *sources, dt *treaty.Dated, label string) *value {
	if dt == nil {
		return nil
	}
	f := s.fact(dt.Date.String(), dt.Source, label)
	return &f
}

// --- the catalogue -------------------------------------------------------

type catalogueRow struct {
	T                                *treaty.Treaty
	Signature, EIF, Deadline, Expiry *value
	Status                           treaty.Status
	ParentTitle                      string
}

type catalogueView struct {
	Today civil.Date
	Rows  []catalogueRow
	A, B  []option
}

func (d *dashboard) catalogue(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "Treaties and proposals", Nav: "treaties", Sources: newSources()}
	if !d.nav(w, r, p) {
		return
	}
	today := d.today()
	v := catalogueView{Today: today, A: d.treatyOptions("new-start"), B: d.treatyOptions("deep-cuts-500")}
	for _, t := range d.treaties {
		row := catalogueRow{T: t, Status: t.Status(today)}
		row.Signature = dated(p.Sources, t.Dates.Signature, t.Title()+": signature")
		row.EIF = dated(p.Sources, t.Dates.EntryIntoForce, t.Title()+": entry into force")
		row.Deadline = dated(p.Sources, t.Dates.ReductionDeadline, t.Title()+": reduction deadline")
		row.Expiry = dated(p.Sources, t.Dates.Expiry, t.Title()+": expiry")
		if t.Proposal != nil && t.Proposal.Parent != "" {
			row.ParentTitle = t.Proposal.Parent
			if pt := d.lookup(t.Proposal.Parent); pt != nil {
				row.ParentTitle = pt.Title()
			}
		}
		v.Rows = append(v.Rows, row)
	}
	p.Data = v
	d.render(w, r, http.StatusOK, "catalogue", p)
}

// --- one treaty ----------------------------------------------------------

type dateRow struct {
	Label string
	Fact  value
	Note  string
}

type limitView struct {
	L *treaty.Limit
	// Of is the total's name and unit.
	Of, Unit string
	Bound    value
	From     string
	Until    string
	Within   string
	Phases   []phaseView
	Today    treaty.LimitStatus
}

type phaseView struct {
	Name  string
	From  string
	Bound value
}

type ruleView struct {
	R      *treaty.Rule
	Ref    value
	Counts []countView
	Line   int
}

type countView struct{ Total, Units string }

type treatyView struct {
	T       *treaty.Treaty
	Today   civil.Date
	Status  treaty.Status
	Dates   []dateRow
	Limits  []limitView
	Rules   []ruleView
	Contain []containView
	Notes   []noteView
	Inspect []inspectView
	Omitted []omitView
	// Parent is the bundled treaty a proposal derives from.
	Parent      *treaty.Treaty
	ProposalSrc *value
	File        string
}

type containView struct {
	C   *treaty.Containment
	Ref value
}

type noteView struct {
	N   *treaty.Notification
	Ref value
}

type inspectView struct {
	I       *treaty.Inspection
	PerYear value
}

type omitView struct {
	O     *treaty.Omission
	Value *value
}

func (d *dashboard) treaty(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if strings.HasSuffix(id, ".yaml") {
		d.treatyFile(w, r, strings.TrimSuffix(id, ".yaml"))
		return
	}
	t := d.lookup(id)
	if t == nil {
		d.notFound(w, r)
		return
	}
	p := &page{Title: t.Title(), Nav: "treaties", Sources: newSources()}
	if !d.nav(w, r, p) {
		return
	}
	s := p.Sources
	today := d.today()
	v := treatyView{T: t, Today: today, Status: t.Status(today), File: "/treaties/" + t.ID + ".yaml"}
	for _, dt := range []struct {
		label string
		d     *treaty.Dated
	}{
		{"Signature", t.Dates.Signature},
		{"Entry into force", t.Dates.EntryIntoForce},
		{"Reduction deadline", t.Dates.ReductionDeadline},
		{"Expiry (first day with no treaty)", t.Dates.Expiry},
	} {
		if dt.d != nil {
			v.Dates = append(v.Dates, dateRow{Label: dt.label, Fact: s.fact(dt.d.Date.String(), dt.d.Source, t.Title()+": "+strings.ToLower(dt.label))})
		}
	}
	for _, e := range t.Dates.Extensions {
		v.Dates = append(v.Dates, dateRow{Label: "Extension", Fact: s.fact(fmt.Sprintf("%s to %s", e.From, e.To), e.Source, t.Title()+": extension"),
			Note: fmt.Sprintf("agreed %s", e.Agreed)})
	}
	if sup := t.Dates.SupersededBy; sup != nil {
		v.Dates = append(v.Dates, dateRow{Label: "Superseded by " + sup.Treaty, Fact: s.fact(sup.Date.String(), sup.Source, t.Title()+": superseded")})
	}
	for i := range t.Limits {
		v.Limits = append(v.Limits, d.limitView(s, t, &t.Limits[i], today))
	}
	for i := range t.Rules {
		ru := &t.Rules[i]
		rv := ruleView{R: ru, Ref: s.fact("", ru.Source, t.Title()+": rule "+ru.ID), Line: t.Line(fmt.Sprintf("rules[%d]", i))}
		for _, tot := range t.Totals {
			if u, ok := ru.Counts[tot.ID]; ok {
				rv.Counts = append(rv.Counts, countView{Total: tot.Name, Units: string(u)})
			}
		}
		v.Rules = append(v.Rules, rv)
	}
	for i := range t.Containment {
		c := &t.Containment[i]
		v.Contain = append(v.Contain, containView{C: c, Ref: s.fact("", c.Source, t.Title()+": containment")})
	}
	for i := range t.Notifications {
		n := &t.Notifications[i]
		v.Notes = append(v.Notes, noteView{N: n, Ref: s.fact(fmt.Sprintf("%d days", n.WithinDays), n.Source, t.Title()+": notification "+n.ID)})
	}
	for i := range t.Inspections {
		in := &t.Inspections[i]
		v.Inspect = append(v.Inspect, inspectView{I: in, PerYear: s.num(int64(in.PerYear), in.Source, t.Title()+": "+in.Name)})
	}
	for i := range t.Omitted {
		o := &t.Omitted[i]
		ov := omitView{O: o}
		if o.Value != nil {
			f := s.fact(strings.TrimSpace(fmt.Sprintf("%s %s", formatFloat(*o.Value), o.Unit)), o.Source, t.Title()+": "+o.What)
			ov.Value = &f
		} else {
			s.cite(o.Source, t.Title()+": "+o.What)
		}
		v.Omitted = append(v.Omitted, ov)
	}
	if pr := t.Proposal; pr != nil {
		f := s.fact(hostOf(pr.Source.Source), pr.Source, t.Title()+": the proposal")
		v.ProposalSrc = &f
		if pr.Parent != "" {
			v.Parent = d.lookup(pr.Parent)
		}
	}
	p.Data = v
	d.render(w, r, http.StatusOK, "treaty", p)
}

func (d *dashboard) limitView(s *sources, t *treaty.Treaty, l *treaty.Limit, today civil.Date) limitView {
	lv := limitView{L: l, Of: l.Total, Today: t.LimitAt(l, today)}
	if tot, ok := t.TotalByID(l.Total); ok {
		lv.Of, lv.Unit = tot.Name, tot.Unit
	}
	label := t.Title() + ": " + l.Name
	lv.Bound = s.fact(bounds(l.Min, l.Max), l.Source, label)
	lv.From = startText(t, l.From, l.MonthsAfterEIF)
	if l.Until != nil {
		lv.Until = fmt.Sprintf("until %s (the last day it binds is %s)", *l.Until, l.Until.AddDays(-1))
	}
	if l.Within != "" {
		lv.Within = l.Within
		if w, ok := t.LimitByID(l.Within); ok {
			lv.Within = w.Name
		}
	}
	for i, ph := range l.Phases {
		name := ph.Name
		if name == "" {
			name = fmt.Sprintf("phase %d", i+1)
		}
		lv.Phases = append(lv.Phases, phaseView{Name: name, From: startText(t, ph.From, ph.MonthsAfterEIF),
			Bound: s.fact(bounds(ph.Min, ph.Max), ph.Source, label+", "+name)})
	}
	return lv
}

// bounds writes a maximum, or a range min–max.
func bounds(min *int64, max int64) string {
	if min != nil {
		return treaty.FormatInt(*min) + "–" + treaty.FormatInt(max)
	}
	return treaty.FormatInt(max)
}

// startText says when a limit or phase starts to bind, as the file
// writes it.
func startText(t *treaty.Treaty, from *civil.Date, months *int) string {
	eif := t.Dates.EntryIntoForce
	switch {
	case from != nil:
		return "from " + from.String()
	case months != nil && eif != nil:
		return fmt.Sprintf("from %s (%d months after entry into force)", eif.Date.AddMonths(*months), *months)
	case months != nil:
		return fmt.Sprintf("%d months after entry into force, which never came", *months)
	case eif != nil:
		return "from entry into force (" + eif.Date.String() + ")"
	}
	return "from entry into force, which never came"
}

// hostOf is the host of a URL, to name a source in running text.
func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return strings.TrimPrefix(p.Host, "www.")
	}
	return u
}

func formatFloat(f float64) string {
	if f == float64(int64(f)) {
		return treaty.FormatInt(int64(f))
	}
	return fmt.Sprintf("%g", f)
}

// treatyFile serves a bundled treaty's YAML file as it is embedded.
func (d *dashboard) treatyFile(w http.ResponseWriter, r *http.Request, id string) {
	t := d.lookup(id)
	if t == nil {
		d.notFound(w, r)
		return
	}
	if !d.nav(w, r, &page{}) {
		return
	}
	data, err := fs.ReadFile(catalog.FS, path.Join("treaties", path.Base(t.File)))
	if err != nil {
		d.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", t.ID+".yaml"))
	w.Write(data)
}

// --- two side by side ----------------------------------------------------

type sideRow struct {
	Label   string
	A, B    *value
	Changed bool
}

type changeGroup struct {
	Section string
	Changes []treaty.Change
}

type diffView struct {
	A, B       []option
	Error      string
	TA, TB     *treaty.Treaty
	Today      civil.Date
	Side       []sideRow
	Groups     []changeGroup
	NumChanges int
}

// sectionNames are the headings of the change groups, in treaty.Diff's
// order.
var sectionNames = []struct{ ID, Name string }{
	{"treaty", "The document"}, {"party", "Parties"}, {"date", "Dates"}, {"covers", "What it counts"},
	{"total", "Totals"}, {"containment", "Containment"}, {"rule", "Counting rules"}, {"limit", "Limits"},
	{"notification", "Notifications"}, {"inspection", "Inspections"}, {"proposal", "Proposal"},
}

func (d *dashboard) diff(w http.ResponseWriter, r *http.Request) {
	p := &page{Title: "Two side by side", Nav: "treaties", Sources: newSources()}
	if !d.nav(w, r, p) {
		return
	}
	q := r.URL.Query()
	a, b := q.Get("a"), q.Get("b")
	if a == "" && b == "" {
		a, b = "new-start", "deep-cuts-500"
	}
	v := diffView{A: d.treatyOptions(a), B: d.treatyOptions(b), Today: d.today()}
	status := http.StatusOK
	v.TA, v.TB = d.lookup(a), d.lookup(b)
	switch {
	case v.TA == nil:
		v.Error, status = fmt.Sprintf("a: there is no bundled treaty or proposal %q", a), http.StatusBadRequest
	case v.TB == nil:
		v.Error, status = fmt.Sprintf("b: there is no bundled treaty or proposal %q", b), http.StatusBadRequest
	}
	if v.Error != "" {
		v.TA, v.TB = nil, nil
		p.Data = v
		d.render(w, r, status, "diff", p)
		return
	}
	p.Title = v.TA.Title() + " and " + v.TB.Title()
	v.Side = d.sideBySide(p.Sources, v.TA, v.TB, v.Today)
	changes := treaty.Diff(v.TA, v.TB)
	v.NumChanges = len(changes)
	for _, sec := range sectionNames {
		g := changeGroup{Section: sec.Name}
		for _, c := range changes {
			if c.Section == sec.ID {
				g.Changes = append(g.Changes, c)
			}
		}
		if len(g.Changes) > 0 {
			v.Groups = append(v.Groups, g)
		}
	}
	// A section treaty.Diff adds later still shows, under its own name.
	for _, c := range changes {
		if !slices.ContainsFunc(sectionNames, func(s struct{ ID, Name string }) bool { return s.ID == c.Section }) {
			v.Groups = append(v.Groups, changeGroup{Section: c.Section, Changes: []treaty.Change{c}})
		}
	}
	p.Data = v
	d.render(w, r, http.StatusOK, "diff", p)
}

// sideBySide lines up the two treaties' facts: kind, status, dates, and
// each limit by id.
func (d *dashboard) sideBySide(s *sources, a, b *treaty.Treaty, today civil.Date) []sideRow {
	text := func(x string) *value { return &value{Text: x} }
	var rows []sideRow
	add := func(label string, fa, fb *value) {
		row := sideRow{Label: label, A: fa, B: fb}
		ta, tb := "", ""
		if fa != nil {
			ta = fa.Text
		}
		if fb != nil {
			tb = fb.Text
		}
		row.Changed = ta != tb
		rows = append(rows, row)
	}
	add("Kind", text(string(a.Kind)), text(string(b.Kind)))
	add("Status on "+today.String(), text(statusText(a.Status(today))), text(statusText(b.Status(today))))
	for _, dt := range []struct {
		label string
		get   func(*treaty.Treaty) *treaty.Dated
	}{
		{"Signature", func(t *treaty.Treaty) *treaty.Dated { return t.Dates.Signature }},
		{"Entry into force", func(t *treaty.Treaty) *treaty.Dated { return t.Dates.EntryIntoForce }},
		{"Reduction deadline", func(t *treaty.Treaty) *treaty.Dated { return t.Dates.ReductionDeadline }},
		{"Expiry", func(t *treaty.Treaty) *treaty.Dated { return t.Dates.Expiry }},
	} {
		fa := dated(s, dt.get(a), a.Title()+": "+strings.ToLower(dt.label))
		fb := dated(s, dt.get(b), b.Title()+": "+strings.ToLower(dt.label))
		if fa != nil || fb != nil {
			add(dt.label, fa, fb)
		}
	}
	limit := func(t *treaty.Treaty, id string) *value {
		l, ok := t.LimitByID(id)
		if !ok {
			return nil
		}
		f := s.fact(bounds(l.Min, l.Max)+", "+startText(t, l.From, l.MonthsAfterEIF), l.Source, t.Title()+": "+l.Name)
		return &f
	}
	var ids []string
	names := map[string]string{}
	for _, t := range []*treaty.Treaty{a, b} {
		for _, l := range t.Limits {
			if _, ok := names[l.ID]; !ok {
				ids = append(ids, l.ID)
				names[l.ID] = l.Name
			}
		}
	}
	for _, id := range ids {
		add("Limit: "+names[id], limit(a, id), limit(b, id))
	}
	return rows
}

func statusText(st treaty.Status) string {
	if st.InForce {
		return "in force"
	}
	return st.Reason
}
