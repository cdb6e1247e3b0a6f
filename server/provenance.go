package server

import (
	"fmt"
	"net/http"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/treaty"
)

// Provenance labels a node's data when they are not a real regime's
// record: a demonstration, say, whose totals are official releases but
// whose detail (items, loadings, the dates of the notifications) was made
// up to fit them, replayed on a simulated clock. A Node that has such
// data implements ProvenanceNode; the dashboard then shows on every page
// a banner that says so, links it to /about-data, which shows the whole
// Provenance, and marks each total of the Overview with its provenance
// (official, derived or synthetic) instead of only comparing it with the
// published aggregates. A node without it shows none of this.
type Provenance struct {
	// Title names what the data are ("Demo data"); Summary says it in a
	// sentence, for the banner.
	Title   string
	Summary string
	Clock   ProvenanceClock
	// Parties are each party's declarations with the provenance of
	// their totals.
	Parties []ProvenanceParty
	// Events are the regime's dated facts, in date order.
	Events []ProvenanceEvent
	// Notes say what else is official or synthetic, in sentences.
	Notes []string
	// JSON is where the node serves the same as JSON (a path), if it does.
	JSON string
}

// ProvenanceClock is the clock the node's times are on.
type ProvenanceClock struct {
	// Simulated: every time the node shows (creation, provision,
	// acknowledgement) is on a simulated clock, which reads Now.
	Simulated bool
	Now       time.Time
	Note      string
}

// ProvenanceParty is one party's declarations.
type ProvenanceParty struct {
	ID, Name     string
	Declarations []ProvenanceDeclaration
	// LastNotification is the date of the party's last notification.
	LastNotification civil.Date
}

// ProvenanceDeclaration is one declaration's totals, each with its
// provenance, and how many of its items have official, reported or
// synthetic detail.
type ProvenanceDeclaration struct {
	AsOf civil.Date
	// Synthetic: the declaration was never published; its totals were
	// chosen (each says how).
	Synthetic bool
	Totals    []ProvenanceTotal
	// Detail counts the declaration's items by the provenance of their
	// detail (kind, type, status, site): official, reported, synthetic.
	Detail []ProvenanceCount
}

// ProvenanceTotal is one total and where it comes from.
type ProvenanceTotal struct {
	// ID is the treaty's total (treaty.Total.ID).
	ID    string
	Value int64
	// Provenance is official (a release of that date), derived (worked
	// out from a change a release reported) or synthetic (never
	// published: Note says how it was chosen).
	Provenance string
	Source     string
	Note       string
}

// ProvenanceCount is how many items have detail of one provenance.
type ProvenanceCount struct {
	Provenance string
	Items      int
}

// ProvenanceEvent is a dated fact about the regime.
type ProvenanceEvent struct {
	ID      string
	Date    civil.Date
	Parties []string
	Title   string
	Source  string
	// Evidence is T, O, S or R as in the reference notes.
	Evidence string
	Note     string
}

// ProvenanceNode is a Node whose data the dashboard labels (see
// Provenance). Provenance is called for every page; nil labels nothing.
type ProvenanceNode interface {
	Node
	Provenance() *Provenance
}

// ClockNode is a Node with a clock of its own (a simulated one, for a
// demonstration): the dashboard's "today" is the node's, unless
// Options.Now is set.
type ClockNode interface {
	Node
	Now() time.Time
}

// provenance is the node's Provenance, or nil.
func (d *dashboard) provenance() *Provenance {
	if pn, ok := d.opts.Node.(ProvenanceNode); ok {
		return pn.Provenance()
	}
	return nil
}

// banner is what the top of every page says of a node's data.
type banner struct {
	Title, Summary string
	Clock          ProvenanceClock
}

// total is the provenance of party's total id as of date, if the node
// labels its data and has a declaration as of that date.
func (pv *Provenance) total(party string, date civil.Date, id string) (ProvenanceTotal, bool) {
	if pv == nil {
		return ProvenanceTotal{}, false
	}
	for _, p := range pv.Parties {
		if p.ID != party {
			continue
		}
		for _, dcl := range p.Declarations {
			if dcl.AsOf != date {
				continue
			}
			for _, t := range dcl.Totals {
				if t.ID == id {
					return t, true
				}
			}
		}
	}
	return ProvenanceTotal{}, false
}

// synthetic reports whether the node labels party's declaration as of
// date synthetic, or any of its totals: false when the node labels
// nothing, or not that declaration.
func (pv *Provenance) synthetic(party string, date civil.Date) bool {
	if pv == nil {
		return false
	}
	for _, p := range pv.Parties {
		if p.ID != party {
			continue
		}
		for _, dcl := range p.Declarations {
			if dcl.AsOf != date {
				continue
			}
			if dcl.Synthetic {
				return true
			}
			for _, t := range dcl.Totals {
				if t.Provenance == "synthetic" {
					return true
				}
			}
		}
	}
	return false
}

// provenanceMark is how the Overview marks a count the node labels: its
// provenance, and what the label says. A count that is not the labelled
// value (the log says something else than the declaration the label is
// about) differs.
func provenanceMark(count int64, t ProvenanceTotal, date civil.Date) (string, string) {
	if count != t.Value {
		return "differs", fmt.Sprintf("the %s figure as of %s is %s", t.Provenance, date, treaty.FormatInt(t.Value))
	}
	switch t.Provenance {
	case "official":
		return "official", fmt.Sprintf("the official figure as of %s", date)
	case "derived":
		return "derived", fmt.Sprintf("derived as of %s from a change an official release reported, not published as such", date)
	}
	if t.Note != "" {
		return t.Provenance, fmt.Sprintf("as of %s: %s", date, t.Note)
	}
	return t.Provenance, fmt.Sprintf("as of %s: no figure was published", date)
}

// The page that says what the node's data rest on.

type aboutView struct {
	P       *Provenance
	Totals  []aboutTotalCol
	Parties []aboutParty
	Events  []aboutEvent
}

type aboutTotalCol struct{ ID, Name string }

type aboutParty struct {
	ID, Name         string
	LastNotification civil.Date
	Rows             []aboutRow
}

type aboutRow struct {
	AsOf      civil.Date
	Synthetic bool
	Cells     []aboutCell
	Detail    []ProvenanceCount
}

type aboutCell struct {
	Present bool
	Value   value
	Flag    string
	Note    string
}

type aboutEvent struct {
	ProvenanceEvent
	Ref value
	Ev  treaty.Evidence
}

func (d *dashboard) aboutData(w http.ResponseWriter, r *http.Request) {
	pv := d.provenance()
	if pv == nil {
		d.notFound(w, r)
		return
	}
	p := &page{Title: "About these data", Nav: "about-data", Sources: newSources()}
	v, ok := d.view(w, r, p)
	if !ok {
		return
	}
	av := aboutView{P: pv}
	t := v.Treaty()
	ids := map[string]bool{}
	for _, pp := range pv.Parties {
		for _, dcl := range pp.Declarations {
			for _, tot := range dcl.Totals {
				ids[tot.ID] = true
			}
		}
	}
	// The treaty's totals in its order, then any other.
	var order []string
	if t != nil {
		for _, tot := range t.Totals {
			if ids[tot.ID] {
				order = append(order, tot.ID)
				delete(ids, tot.ID)
			}
		}
	}
	for _, pp := range pv.Parties {
		for _, dcl := range pp.Declarations {
			for _, tot := range dcl.Totals {
				if ids[tot.ID] {
					order = append(order, tot.ID)
					delete(ids, tot.ID)
				}
			}
		}
	}
	for _, id := range order {
		name := id
		if t != nil {
			if tot, ok := t.TotalByID(id); ok && tot.Name != "" {
				name = tot.Name
			}
		}
		av.Totals = append(av.Totals, aboutTotalCol{ID: id, Name: name})
	}
	s := p.Sources
	for _, pp := range pv.Parties {
		ap := aboutParty{ID: pp.ID, Name: pp.Name, LastNotification: pp.LastNotification}
		for _, dcl := range pp.Declarations {
			row := aboutRow{AsOf: dcl.AsOf, Synthetic: dcl.Synthetic, Detail: dcl.Detail}
			for _, col := range av.Totals {
				c := aboutCell{}
				for _, tot := range dcl.Totals {
					if tot.ID != col.ID {
						continue
					}
					c.Present, c.Flag = true, tot.Provenance
					// One footnote for the totals of a declaration that
					// share a source and note (an official release's).
					label := fmt.Sprintf("%s's totals as of %s", pp.ID, dcl.AsOf)
					src := treaty.Source{Source: tot.Source, Note: tot.Note}
					if tot.Provenance == "official" {
						src.Evidence = treaty.EvidenceOfficial
					} else {
						label = fmt.Sprintf("%s's %s as of %s, %s", pp.ID, col.Name, dcl.AsOf, tot.Provenance)
					}
					if src.Source == "" {
						src.Source = "no source: chosen for the demonstration"
					}
					c.Value = s.num(tot.Value, src, label)
					if tot.Provenance != "official" {
						c.Note = tot.Note
					}
				}
				row.Cells = append(row.Cells, c)
			}
			ap.Rows = append(ap.Rows, row)
		}
		av.Parties = append(av.Parties, ap)
	}
	for _, ev := range pv.Events {
		ae := aboutEvent{ProvenanceEvent: ev, Ev: treaty.Evidence(ev.Evidence)}
		if ev.Source != "" {
			ae.Ref = s.fact("", treaty.Source{Source: ev.Source, Evidence: treaty.Evidence(ev.Evidence), Note: ev.Note}, ev.Date.String()+": "+ev.Title)
		}
		av.Events = append(av.Events, ae)
	}
	p.Data = av
	d.render(w, r, http.StatusOK, "about-data", p)
}
