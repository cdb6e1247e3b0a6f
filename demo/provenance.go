package demo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/node"
	"github.com/tally-project/tally/scenario"
	"github.com/tally-project/tally/server"
)

// Provenance is what the demo's data rest on, for pages to label: for
// each party, each declaration's totals with their provenance (official,
// derived or synthetic), source and note, and the provenance of its detail
// group by group; the regime's dated events; and what is synthetic in the
// whole.
type Provenance struct {
	Treaty  string            `json:"treaty"`
	Start   civil.Date        `json:"start"`
	End     civil.Date        `json:"end"`
	Parties []PartyProvenance `json:"parties"`
	Regime  []scenario.Regime `json:"regime"`
	Clock   ClockView         `json:"clock"`
	Notes   []string          `json:"notes"`
}

// PartyProvenance is one party's declarations, with their provenance.
type PartyProvenance struct {
	ID           string                  `json:"id"`
	Name         string                  `json:"name"`
	URL          string                  `json:"url"`
	Declarations []DeclarationProvenance `json:"declarations"`
	// LastNotification is the date of the party's last notification.
	LastNotification civil.Date `json:"last_notification"`
}

// DeclarationProvenance is one declaration: its totals, each official
// (a release of that date), derived (worked out from a reported change)
// or synthetic (never published: chosen, and the note says how); and, per
// kind, type, status and site, whether the count is official, reported or
// synthetic.
type DeclarationProvenance struct {
	AsOf civil.Date `json:"as_of"`
	// Synthetic is true when any total is synthetic.
	Synthetic bool             `json:"synthetic"`
	Totals    []scenario.Total `json:"totals"`
	Groups    []scenario.Group `json:"groups"`
}

// ClockView is the simulated clock as pages show it.
type ClockView struct {
	Now time.Time `json:"now"`
	// Simulated is always true for the demo: label its dates so.
	Simulated bool `json:"simulated"`
	// Running is true once the regime is generated; before, the clock
	// stands at the round being sent.
	Running bool   `json:"running"`
	Note    string `json:"note"`
}

// Status is the demo at a glance: its clock, how far the generation is,
// and where each node is.
type Status struct {
	Clock    ClockView    `json:"clock"`
	Progress Progress     `json:"progress"`
	Parties  []PartyState `json:"parties"`
	Error    string       `json:"error,omitempty"`
}

// PartyState is one node of the demo.
type PartyState struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

const clockNote = "Simulated clock: the demo replays 2011-2026 in seconds, and every time it shows (creation, provision, acknowledgement) is on this clock, not the real one. Once the replay is over it runs on at real speed from 5 February 2026."

// ClockView is the clock now.
func (r *Regime) ClockView() ClockView {
	return ClockView{Now: r.Clock.Now(), Simulated: true, Running: r.Clock.Running(), Note: clockNote}
}

// Status reports the demo at a glance.
func (r *Regime) Status() Status {
	st := Status{Clock: r.ClockView(), Progress: r.Progress()}
	for _, p := range r.Parties {
		st.Parties = append(st.Parties, PartyState{ID: p.ID, URL: p.URL})
	}
	select {
	case <-r.ready:
		if err := r.Err(); err != nil {
			st.Error = err.Error()
		}
	default:
	}
	return st
}

// Provenance reports what the demo's data rest on.
func (r *Regime) Provenance() *Provenance {
	pv := &Provenance{Treaty: r.sc.Treaty, Start: r.sc.Start, End: r.sc.End, Regime: r.sc.Regime, Clock: r.ClockView(),
		Notes: []string{
			r.sc.Note,
			"Totals labelled official are the State Department's or the Russian MFA's for that date (newstart_aggregates.csv); derived ones were worked out from a change a release reported; synthetic ones were never published and say how they were chosen.",
			"Every UID, every per-missile loading, the Russian split by type, and the US split wherever no release gave it, are synthetic; each group says whether its count is official, reported or synthetic.",
			"The notifications are the changes between two declarations; their dates are synthetic, gathered in the five days before each declaration, so that the demo sends each half-year's in one round.",
			fmt.Sprintf("Russia's dispute of the US conversions (%d Trident II launchers, %d B-52H and %d \"training silos\", stated by its Foreign Ministry on 27 February 2018) is a dispute notification in Russia's log: from its date every node counts the US forces under Russia's reading too, side by side with the US declaration. The items it names are the demo's converted ones; where the training silos are (Vandenberg) is recalled, not confirmed.", disputedTubes, disputedBombers, disputedTraining),
			clockNote,
		}}
	for _, sp := range r.sc.Parties {
		pp := PartyProvenance{ID: sp.ID, Name: sp.Name}
		if p := r.Party(sp.ID); p != nil {
			pp.URL = p.URL
		}
		for _, d := range sp.Declarations() {
			pp.Declarations = append(pp.Declarations, DeclarationProvenance{AsOf: d.AsOf, Synthetic: d.Synthetic, Totals: d.Totals, Groups: d.Groups})
		}
		if ns := sp.Notifications(); len(ns) > 0 {
			pp.LastNotification = ns[len(ns)-1].Date
		}
		pv.Parties = append(pv.Parties, pp)
	}
	return pv
}

// dashboard is the demo's Provenance as every node's dashboard shows it
// (node.Config.Provenance): a banner on every page, /about-data, and the
// provenance of each total on the Overview. The scenario does not change
// while the demo runs, so the whole is made once; only the clock is read
// for each page.
func (r *Regime) dashboard() *server.Provenance {
	r.dashOnce.Do(func() {
		pv := r.Provenance()
		sp := &server.Provenance{Title: "Demo data", JSON: "/demo/provenance",
			Summary: "The New START regime of 2011-2026 replayed between two nodes on this machine: the totals are the official ones where any were published, " +
				"and synthetic (labelled) where none were; every item, loading and notification date is synthetic.",
		}
		// The clock's note is the clock's, shown with it.
		for _, n := range pv.Notes {
			if n != clockNote {
				sp.Notes = append(sp.Notes, n)
			}
		}
		for _, pp := range pv.Parties {
			sq := server.ProvenanceParty{ID: pp.ID, Name: pp.Name, LastNotification: pp.LastNotification}
			for _, d := range pp.Declarations {
				sd := server.ProvenanceDeclaration{AsOf: d.AsOf, Synthetic: d.Synthetic}
				for _, t := range d.Totals {
					sd.Totals = append(sd.Totals, server.ProvenanceTotal{ID: t.ID, Value: t.Value, Provenance: string(t.Provenance), Source: t.Source, Note: t.Note})
				}
				items := map[scenario.Provenance]int{}
				for _, g := range d.Groups {
					items[g.Detail] += g.Count
				}
				for _, k := range []scenario.Provenance{scenario.Official, scenario.Reported, scenario.Derived, scenario.Synthetic} {
					if items[k] > 0 {
						sd.Detail = append(sd.Detail, server.ProvenanceCount{Provenance: string(k), Items: items[k]})
					}
				}
				sq.Declarations = append(sq.Declarations, sd)
			}
			sp.Parties = append(sp.Parties, sq)
		}
		for _, e := range pv.Regime {
			sp.Events = append(sp.Events, server.ProvenanceEvent{ID: e.ID, Date: e.Date, Parties: e.Parties, Title: e.Title, Source: e.Source, Evidence: e.Evidence, Note: e.Note})
		}
		r.dash = sp
	})
	out := *r.dash
	c := r.ClockView()
	out.Clock = server.ProvenanceClock{Simulated: c.Simulated, Now: c.Now, Note: c.Note}
	return &out
}

// mount adds the demo's own read-only endpoints to a node: GET
// /demo/status and GET /demo/provenance (JSON, public like the
// aggregates they label).
func (r *Regime) mount(n *node.Node) {
	n.Mount("GET /demo/status", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, r.Status())
	}))
	n.Mount("GET /demo/provenance", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, r.Provenance())
	}))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	enc.Encode(v)
}
