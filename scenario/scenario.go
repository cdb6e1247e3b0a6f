package scenario

import (
	"fmt"
	"sort"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
)

// Provenance says how good a number is.
type Provenance string

const (
	// Official: read in an official release (a State Department fact
	// sheet, a Russian MFA table), directly or as a reputable report
	// quotes it; the newstart_aggregates.csv rows, and the
	// newstart_us_breakdown.csv rows, of their date.
	Official Provenance = "official"
	// Derived: worked out from a change an official release reported
	// ("down 19 since March"), not read directly: the CSV's DERIVED rows.
	Derived Provenance = "derived"
	// Reported: read in a secondary source that quotes an official
	// release for that date (detail only: counts by type or base).
	Reported Provenance = "reported"
	// Synthetic: chosen here, where no figure was published. Every
	// synthetic total says how it was chosen.
	Synthetic Provenance = "synthetic"
)

// The ids of New START's three totals, as catalog/treaties/new-start.yaml
// names them.
const (
	DeployedDeliveryVehicles        = "deployed-delivery-vehicles"
	DeployedWarheads                = "deployed-warheads"
	DeployedAndNondeployedLaunchers = "deployed-and-nondeployed-launchers"
)

// TotalIDs lists the three totals in the order the official tables print them.
var TotalIDs = []string{DeployedDeliveryVehicles, DeployedWarheads, DeployedAndNondeployedLaunchers}

// Total is one of New START's three totals for one party on one date, with
// where it comes from.
type Total struct {
	ID         string     `json:"id"`
	Value      int64      `json:"value"`
	Provenance Provenance `json:"provenance"`
	// Source is the URL of the release (official, derived) or, for a
	// synthetic total, of the figures it was chosen from.
	Source string `json:"source,omitempty"`
	// Note is the CSV's note, or how a synthetic value was chosen.
	Note string `json:"note,omitempty"`
}

// Figures is what newstart_aggregates.csv says for one party and date.
type Figures struct {
	Party string     `json:"party"`
	Date  civil.Date `json:"date"`
	// Totals holds the totals the row gives (official or derived), in
	// TotalIDs order; a total the row leaves empty is absent.
	Totals []Total `json:"totals"`
	Source string  `json:"source"`
	Notes  string  `json:"notes,omitempty"`
}

// Total returns the total with the given id.
func (o *Figures) Total(id string) (Total, bool) {
	for _, t := range o.Totals {
		if t.ID == id {
			return t, true
		}
	}
	return Total{}, false
}

// StepKind is what a step of a party's timeline is.
type StepKind string

const (
	// InitialDatabase is the data as of entry into force (Protocol Part
	// Four, Section II, paragraph 1).
	InitialDatabase StepKind = "initial-database"
	// PeriodicDeclaration is a six-month update, the whole database as of
	// 1 March or 1 September (or as of the date the official release
	// gives, such as 5 February 2018).
	PeriodicDeclaration StepKind = "periodic-declaration"
	// Notification is one change between declarations: a forces.Event.
	Notification StepKind = "notification"
	// RegimeEvent is a dated fact about the regime itself (entry into
	// force, extension, suspension, countermeasures, expiry).
	RegimeEvent StepKind = "regime-event"
)

// Step is one dated entry of a party's timeline. Exactly one of
// Declaration, Event and Regime is set, as Kind says.
type Step struct {
	Date        civil.Date    `json:"date"`
	Kind        StepKind      `json:"kind"`
	Declaration *Declaration  `json:"declaration,omitempty"`
	Event       *forces.Event `json:"event,omitempty"`
	Regime      *Regime       `json:"regime,omitempty"`
	Note        string        `json:"note,omitempty"`
}

// Declaration is a party's whole database as of one date: every item with
// its UID, the warheads aggregated by base, the three totals with their
// provenance, and which detail is official and which synthetic.
//
// Items carry the warheads on each deployed missile. Those loadings are the
// owner's private data: New START's database shared warheads per base
// only. Shared returns the declaration as the other party receives it.
type Declaration struct {
	Party string     `json:"party"`
	AsOf  civil.Date `json:"as_of"`
	// Items lists every item, one entry per UID, in kind order then UID
	// order. A deployed missile's Warheads is its loading (private).
	Items []forces.ItemSpec `json:"items"`
	// WarheadsByBase is what the declaration shares of the loadings:
	// warheads on deployed missiles plus one per deployed nuclear heavy
	// bomber, per site, by site name. They add up to the deployed
	// warheads total.
	WarheadsByBase []BaseWarheads `json:"warheads_by_base"`
	// Totals are the three totals, in TotalIDs order, each official,
	// derived or synthetic. Counting Items under new-start at AsOf gives
	// exactly these values.
	Totals []Total `json:"totals"`
	// Groups says, per kind, type, status and site, how many items there
	// are and whether that detail is official, reported or synthetic.
	Groups []Group `json:"groups"`
	// Synthetic is true when any total is synthetic: the declaration was
	// never published and its figures were chosen here.
	Synthetic bool   `json:"synthetic"`
	Note      string `json:"note,omitempty"`
}

// Total returns the total with the given id.
func (d *Declaration) Total(id string) (Total, bool) {
	for _, t := range d.Totals {
		if t.ID == id {
			return t, true
		}
	}
	return Total{}, false
}

// Shared returns the declaration as the other parties receive it: the same
// items and totals with no per-missile loadings (warheads per base only).
func (d *Declaration) Shared() *Declaration {
	c := *d
	c.Items = make([]forces.ItemSpec, len(d.Items))
	for i, it := range d.Items {
		it.Warheads = nil
		c.Items[i] = it
	}
	return &c
}

// BaseWarheads is the warheads a declaration counts at one base.
type BaseWarheads struct {
	Site     string `json:"site"`
	Warheads int64  `json:"warheads"`
}

// Group is a declaration's count of items of one kind, type, status and site,
// and how good that detail is.
type Group struct {
	Kind   forces.Kind   `json:"kind"`
	Type   string        `json:"type"`
	Status forces.Status `json:"status"`
	Site   string        `json:"site,omitempty"`
	Count  int           `json:"count"`
	// Detail is official or reported when a release gave this count for
	// this date, synthetic otherwise (chosen, interpolated, or the
	// remainder that makes an official total add up).
	Detail Provenance `json:"detail"`
	Source string     `json:"source,omitempty"`
	Note   string     `json:"note,omitempty"`
}

// Regime is a dated fact about the regime, with its source.
type Regime struct {
	ID    string     `json:"id"`
	Date  civil.Date `json:"date"`
	Title string     `json:"title"`
	// Parties are the parties the fact concerns.
	Parties []string `json:"parties"`
	// Evidence is T, O, S or R as in the reference notes.
	Source   string `json:"source"`
	Evidence string `json:"evidence"`
	Note     string `json:"note,omitempty"`
}

// Party is one party's timeline.
type Party struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Sites are the places its items are declared at.
	Sites []forces.Site `json:"sites"`
	// Steps are in date order; on one date regime events come first, then
	// the declaration. Notifications are dated strictly between
	// declarations, so a replay of the initial database and the
	// notifications up to a declaration's date gives its items.
	Steps []Step `json:"steps"`
}

// Declarations returns the party's declarations (the initial database
// first), in date order.
func (p *Party) Declarations() []*Declaration {
	var out []*Declaration
	for i := range p.Steps {
		if d := p.Steps[i].Declaration; d != nil {
			out = append(out, d)
		}
	}
	return out
}

// Declaration returns the declaration as of date.
func (p *Party) Declaration(date civil.Date) (*Declaration, bool) {
	for i := range p.Steps {
		if d := p.Steps[i].Declaration; d != nil && d.AsOf == date {
			return d, true
		}
	}
	return nil, false
}

// Notifications returns the party's notifications, in order.
func (p *Party) Notifications() []forces.Event {
	var out []forces.Event
	for i := range p.Steps {
		if e := p.Steps[i].Event; e != nil {
			out = append(out, *e)
		}
	}
	return out
}

// Scenario is a whole regime, party by party.
type Scenario struct {
	// Treaty is the id of the treaty the scenario runs under.
	Treaty string `json:"treaty"`
	// Start is the first day (entry into force); End the first day with
	// no treaty in force. Nothing is dated on or after End.
	Start civil.Date `json:"start"`
	End   civil.Date `json:"end"`
	// Parties in the order the treaty lists them.
	Parties []*Party `json:"parties"`
	// Regime is every regime event, in date order.
	Regime []Regime `json:"regime"`
	Note   string   `json:"note"`

	official map[officialKey]*Figures
}

type officialKey struct {
	party string
	date  civil.Date
}

// Party returns the party with the given id.
func (s *Scenario) Party(id string) (*Party, bool) {
	for _, p := range s.Parties {
		if p.ID == id {
			return p, true
		}
	}
	return nil, false
}

// Official returns the official totals newstart_aggregates.csv gives for
// party on date, each with its source; false when the CSV has no figure for
// that party and date (the unpublished September 2022 exchange, Russia's
// March 2023 "Not provided").
func (s *Scenario) Official(party string, date civil.Date) (*Figures, bool) {
	o, ok := s.official[officialKey{party, date}]
	if !ok || len(o.Totals) == 0 {
		return nil, false
	}
	return o, true
}

// OfficialDates lists the dates newstart_aggregates.csv has figures for,
// for party, ascending.
func (s *Scenario) OfficialDates(party string) []civil.Date {
	var ds []civil.Date
	for k, o := range s.official {
		if k.party == party && len(o.Totals) > 0 {
			ds = append(ds, k.date)
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds
}

func (s *Scenario) String() string {
	n := 0
	for _, p := range s.Parties {
		n += len(p.Steps)
	}
	return fmt.Sprintf("%s scenario %s to %s: %d parties, %d steps", s.Treaty, s.Start, s.End, len(s.Parties), n)
}
