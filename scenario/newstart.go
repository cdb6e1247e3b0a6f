package scenario

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tally-project/tally/catalog"
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
)

const regimeFile = "scenario/regime.csv"

var (
	entryIntoForce = civil.MustParse("2011-02-05")
	firstUpdate    = civil.MustParse("2011-09-01")
	expiry         = civil.MustParse("2026-02-05")
)

// NewStart generates the New START regime between the United States and
// Russia, 2011-02-05 to 2026-02-05, from the bundled data
// (catalog/scenario). The result is the same on every call.
func NewStart() (*Scenario, error) {
	return NewStartWith(Options{})
}

// Options shape how a scenario is generated. The zero value is NewStart's.
type Options struct {
	// Windows, when set, dates the notifications between two declarations
	// in that many windows of WindowDays days instead of over every day:
	// the last window ends the day before the next declaration (or before
	// the party stops notifying); with more than one, the first starts
	// the day after the declaration and the others lie evenly between.
	// Within a window the notifications keep their order and spread over
	// its days. A regime
	// replayed in rounds of transmission (tally serve --demo) sends each
	// window in one round, within the five days New START gives a change,
	// and so replays fifteen years in a few dozen rounds. The items and
	// every declaration are the same whatever the windows: only the days
	// of the notifications between declarations differ.
	Windows int
	// WindowDays is how many days a window lasts; default 5.
	WindowDays int
}

// NewStartWith is NewStart shaped by opts.
func NewStartWith(opts Options) (*Scenario, error) {
	if opts.Windows < 0 || opts.WindowDays < 0 {
		return nil, fmt.Errorf("scenario: %d windows of %d days", opts.Windows, opts.WindowDays)
	}
	if opts.Windows > 0 && opts.WindowDays == 0 {
		opts.WindowDays = 5
	}
	return build(opts, usPlan(), ruPlan())
}

func build(opts Options, plans ...partyPlan) (*Scenario, error) {
	read := func(name string) ([]byte, error) { return catalog.FS.ReadFile(name) }
	data, err := read(aggregatesFile)
	if err != nil {
		return nil, err
	}
	off, err := readOfficial(aggregatesFile, data)
	if err != nil {
		return nil, err
	}
	if data, err = read(compositionFile); err != nil {
		return nil, err
	}
	anc, err := readAnchors(compositionFile, data)
	if err != nil {
		return nil, err
	}
	if data, err = read(regimeFile); err != nil {
		return nil, err
	}
	regime, err := readRegime(regimeFile, data)
	if err != nil {
		return nil, err
	}
	s := &Scenario{
		Treaty:   "new-start",
		Start:    entryIntoForce,
		End:      expiry,
		Regime:   regime,
		official: off,
		Note: "Generated from the official aggregates (newstart_aggregates.csv) and a composition table " +
			"(catalog/scenario/composition.csv): every declaration adds up to its party's official totals; " +
			"where none were published the totals are synthetic and say so. Item detail beyond the official " +
			"releases, every UID and every per-missile loading are synthetic.",
	}
	types := forces.Catalogue()
	for _, pl := range plans {
		p, err := run(pl, s, anc, types, opts)
		if err != nil {
			return nil, err
		}
		s.Parties = append(s.Parties, p)
	}
	var ids []string
	for _, pl := range plans {
		ids = append(ids, pl.id)
	}
	if err := anc.unused(ids...); err != nil {
		return nil, err
	}
	return s, nil
}

// declarationDates are a party's declarations: the initial database at
// entry into force, then every 1 March and 1 September from 2011-09-01 to
// its last, except that a date the official aggregates give within the six
// months before a regular date (5 February 2018, the day the central limits
// applied) replaces it.
func declarationDates(s *Scenario, party string, last civil.Date) []civil.Date {
	out := []civil.Date{entryIntoForce}
	official := s.OfficialDates(party)
	for d := firstUpdate; d <= last; d = d.AddMonths(6) {
		date := d
		for _, o := range official {
			if o > d.AddMonths(-6) && o < d && o != entryIntoForce && !regular(o) {
				date = o
			}
		}
		out = append(out, date)
	}
	return out
}

func regular(d civil.Date) bool {
	_, m, day := d.Ymd()
	return day == 1 && (m == 3 || m == 9)
}

func run(pl partyPlan, s *Scenario, anc *anchors, types *forces.Types, opts Options) (*Party, error) {
	p := &Party{ID: pl.id, Name: pl.name, Sites: pl.sites}
	e := newEngine(pl.id, types)
	e.windows, e.windowDays = opts.Windows, opts.WindowDays
	e.inv.DeclareSites(pl.sites)
	var last *composition
	compose := func(d civil.Date, t targets) (*composition, error) {
		b := &builder{a: anc, party: pl.id, c: newComposition(d), prev: last}
		pl.compose(b, t)
		if b.err != nil {
			return nil, b.err
		}
		last = b.c
		return b.c, nil
	}
	dates := declarationDates(s, pl.id, pl.lastDeclaration)
	target := func(d civil.Date) (targets, error) {
		return targetsFor(s.official, s.OfficialDates, pl.id, d)
	}
	var prev civil.Date
	for i, d := range dates {
		t, err := target(d)
		if err != nil {
			return nil, err
		}
		c, err := compose(d, t)
		if err != nil {
			return nil, err
		}
		kind := PeriodicDeclaration
		if i == 0 {
			kind = InitialDatabase
			if err := e.start(c, d); err != nil {
				return nil, err
			}
		} else {
			evs, err := e.transition(c, prev.AddDays(1), d.AddDays(-1))
			if err != nil {
				return nil, fmt.Errorf("%s to %s: %w", prev, d, err)
			}
			p.addEvents(evs)
		}
		decl, err := e.declare(kind, c, t, pl.loads(d))
		if err != nil {
			return nil, err
		}
		p.Steps = append(p.Steps, Step{Date: d, Kind: kind, Declaration: decl, Note: decl.Note})
		prev = d
	}
	// After the last declaration, the notifications go on until the party
	// stops sending them, toward a state that is never declared: the next
	// regular date's, with the last totals carried forward.
	next := prev.AddMonths(6)
	if !regular(prev) {
		next = firstUpdate
		for next <= prev {
			next = next.AddMonths(6)
		}
	}
	t, err := target(next)
	if err != nil {
		return nil, err
	}
	c, err := compose(next, t)
	if err != nil {
		return nil, err
	}
	evs, err := e.transition(c, prev.AddDays(1), pl.notifyUntil.AddDays(-1))
	if err != nil {
		return nil, fmt.Errorf("%s after %s: %w", pl.id, prev, err)
	}
	p.addEvents(evs)
	for i := range s.Regime {
		r := &s.Regime[i]
		for _, id := range r.Parties {
			if id == pl.id {
				p.Steps = append(p.Steps, Step{Date: r.Date, Kind: RegimeEvent, Regime: r, Note: r.Title})
			}
		}
	}
	sort.SliceStable(p.Steps, func(i, j int) bool {
		a, b := p.Steps[i], p.Steps[j]
		if a.Date != b.Date {
			return a.Date < b.Date
		}
		return stepRank(a.Kind) < stepRank(b.Kind)
	})
	return p, nil
}

func stepRank(k StepKind) int {
	switch k {
	case RegimeEvent:
		return 0
	case InitialDatabase, PeriodicDeclaration:
		return 1
	}
	return 2
}

func (p *Party) addEvents(evs []forces.Event) {
	for i := range evs {
		ev := evs[i]
		p.Steps = append(p.Steps, Step{Date: ev.Date, Kind: Notification, Event: &ev, Note: ev.Note})
	}
}

func readRegime(name string, data []byte) ([]Regime, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 7
	r.Comment = '#'
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	want := []string{"id", "date", "parties", "title", "source_url", "evidence", "note"}
	for i, h := range want {
		if header[i] != h {
			return nil, fmt.Errorf("%s:1: column %d is %q, want %q", name, i+1, header[i], h)
		}
	}
	var out []Regime
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		d, err := civil.Parse(rec[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: date: %v", name, line, err)
		}
		if d < entryIntoForce || d >= expiry {
			return nil, fmt.Errorf("%s:%d: date: %s is outside the treaty's life (%s to %s)", name, line, d, entryIntoForce, expiry.AddDays(-1))
		}
		switch rec[5] {
		case "T", "O", "S", "R":
		default:
			return nil, fmt.Errorf("%s:%d: evidence: %q is not T, O, S or R", name, line, rec[5])
		}
		if rec[0] == "" || rec[3] == "" || rec[4] == "" || strings.TrimSpace(rec[2]) == "" {
			return nil, fmt.Errorf("%s:%d: id, parties, title and source_url are required", name, line)
		}
		out = append(out, Regime{ID: rec[0], Date: d, Parties: strings.Fields(rec[2]), Title: rec[3], Source: rec[4], Evidence: rec[5], Note: rec[6]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out, nil
}
