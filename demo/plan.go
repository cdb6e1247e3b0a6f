package demo

import (
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/node"
	"github.com/tally-project/tally/scenario"
)

// A transmission is one round of the replay: every party's notifications
// sent at one simulated moment, witnessed by the other parties at that
// moment. The plan puts each notification in the first round that can
// carry it on time and makes as few rounds as that allows: a round is
// sent lagDays after the earliest notification it carries, and carries
// everything dated up to its day. A change notified within five days is on
// time (New START, Protocol Part Four, Section II, paragraph 3), so every
// notification of a round reaches the other party on time; declarations,
// due thirty or forty-five days after their date, more so.
const lagDays = 5

// sendHour is the time of day (UTC) of every round: the middle of a
// working day in both capitals.
const sendHour = 12

type item struct {
	party string
	date  civil.Date
	kind  exchange.Kind
	decl  *scenario.Declaration
	ev    *forces.Event
	// body is what a notification that is neither a declaration nor an
	// event carries (a dispute).
	body any
}

type round struct {
	at    time.Time
	items map[string][]*item // by party, in the party's order
}

// plan cuts the parties' timelines, and the disputes they send, into
// rounds.
func plan(s *scenario.Scenario) ([]*round, error) {
	ds, err := disputes(s)
	if err != nil {
		return nil, err
	}
	var all [][]*item
	for _, p := range s.Parties {
		var its []*item
		for i := range p.Steps {
			st := &p.Steps[i]
			it := &item{party: p.ID, date: st.Date}
			switch st.Kind {
			case scenario.InitialDatabase:
				it.kind, it.decl = exchange.InitialDeclaration, st.Declaration
			case scenario.PeriodicDeclaration:
				it.kind, it.decl = exchange.PeriodicDeclaration, st.Declaration
			case scenario.Notification:
				k, err := kindOf(st.Event.Op)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %v", p.ID, st.Date, err)
				}
				it.kind, it.ev = k, st.Event
			default:
				continue
			}
			its = append(its, it)
		}
		// A dispute comes after the party's other items of its day.
		for _, d := range ds {
			if d.party == p.ID {
				i := sort.Search(len(its), func(i int) bool { return its[i].date > d.date })
				its = slices.Insert(its, i, d)
			}
		}
		all = append(all, its)
	}
	withhold := withholdOf(s)
	next := make([]int, len(all))
	var out []*round
	for {
		// Each round takes the earliest notification not yet sent, and all
		// that must go by the day it must be sent: within lagDays of its
		// date, and before its party stops sending.
		var day civil.Date
		found := false
		for i, its := range all {
			if next[i] >= len(its) {
				continue
			}
			it := its[next[i]]
			by := it.date.AddDays(lagDays)
			if stop, ok := withhold[it.party]; ok && by >= civil.Of(stop) {
				by = civil.Of(stop).AddDays(-1)
			}
			if by < it.date {
				// No round could carry it, and none after it.
				return nil, fmt.Errorf("a %s of %s dated %s, after %s stopped sending on %s", it.kind, it.party, it.date, it.party, civil.Of(withhold[it.party]))
			}
			if !found || by < day {
				day, found = by, true
			}
		}
		if !found {
			return out, nil
		}
		rd := &round{at: day.Time().Add(sendHour * time.Hour), items: map[string][]*item{}}
		for i, its := range all {
			for next[i] < len(its) && its[next[i]].date <= day {
				it := its[next[i]]
				rd.items[it.party] = append(rd.items[it.party], it)
				next[i]++
			}
		}
		out = append(out, rd)
	}
}

// kindOf is the notification kind that carries an event.
func kindOf(op forces.Op) (exchange.Kind, error) {
	switch op {
	case forces.OpNew:
		return exchange.NewItem, nil
	case forces.OpMove:
		return exchange.Movement, nil
	case forces.OpStatus, forces.OpConversionStart, forces.OpConversionComplete, forces.OpEliminate, forces.OpAttrs:
		return exchange.StatusChange, nil
	}
	return "", fmt.Errorf("no notification carries an event with op %s", op)
}

// payload is a party's items of a round made ready to sign: declarations
// as the exchange shares them, with their private loadings, and events.
type payload struct {
	its   []*item
	decls map[int]*exchange.Declaration
	loads map[int][]exchange.Loading
}

func prepare(its []*item, sites map[string][]forces.Site, rnd io.Reader) (*payload, error) {
	p := &payload{its: its, decls: map[int]*exchange.Declaration{}, loads: map[int][]exchange.Loading{}}
	for i, it := range its {
		if it.decl == nil {
			continue
		}
		d, ls, err := declaration(it.decl, sites[it.party], rnd)
		if err != nil {
			return nil, fmt.Errorf("%s declaration as of %s: %v", it.party, it.date, err)
		}
		p.decls[i], p.loads[i] = d, ls
	}
	return p, nil
}

// sign numbers and signs the payload from a's next sequence number: a
// declaration too large for one entry in parts, its private loadings with
// its first part.
func (p *payload) sign(a *exchange.Author) (*node.SubmitRequest, error) {
	req := &node.SubmitRequest{}
	for i, it := range p.its {
		pos := len(req.Envelopes)
		if d := p.decls[i]; d != nil {
			es, err := a.SignDeclaration(it.kind, d)
			if err != nil {
				return nil, err
			}
			for _, e := range es {
				req.Envelopes = append(req.Envelopes, string(e))
			}
			if ls := p.loads[i]; len(ls) > 0 {
				req.Private = append(req.Private, node.PrivateLoadings{Entry: pos, Loadings: ls})
			}
			continue
		}
		var body any = it.ev
		if it.ev == nil {
			body = it.body
		}
		e, err := a.Write(it.kind, it.date, body)
		if err != nil {
			return nil, err
		}
		req.Envelopes = append(req.Envelopes, string(e))
	}
	return req, nil
}

// declaration writes a scenario declaration as the exchange shares it:
// items by UID in groups, warheads per base, a commitment to the
// per-missile loadings (returned, salted, for the owner's node to keep),
// the three totals, and a note that says which totals are official and
// which synthetic.
func declaration(sd *scenario.Declaration, sites []forces.Site, rnd io.Reader) (*exchange.Declaration, []exchange.Loading, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	inv := forces.NewInventory(sd.Party, nil)
	if err := inv.Apply(forces.Event{Date: sd.AsOf, Op: forces.OpNew, Items: sd.Items}); err != nil {
		return nil, nil, err
	}
	d, ls, err := exchange.Declare(inv.State(), sd.AsOf, nil, rnd)
	if err != nil {
		return nil, nil, err
	}
	d.Sites = sites
	for _, t := range sd.Totals {
		d.Totals = append(d.Totals, exchange.DeclaredTotal{Total: t.ID, Value: t.Value})
	}
	d.Note = provenanceNote(sd)
	return d, ls, nil
}

// provenanceNote says, in the declaration itself, where its totals come
// from: "official totals" or which are synthetic and how they were chosen.
func provenanceNote(sd *scenario.Declaration) string {
	var b strings.Builder
	b.WriteString(sd.Note)
	var official, other []string
	for _, t := range sd.Totals {
		switch t.Provenance {
		case scenario.Official:
			official = append(official, t.ID)
		default:
			other = append(other, fmt.Sprintf("%s %d is %s (%s)", t.ID, t.Value, t.Provenance, t.Note))
		}
	}
	sort.Strings(official)
	b.WriteString(". Demo data: ")
	if sd.Synthetic {
		b.WriteString("SYNTHETIC declaration, never published in this form. ")
	}
	if len(official) > 0 {
		fmt.Fprintf(&b, "official totals: %s. ", strings.Join(official, ", "))
	}
	if len(other) > 0 {
		fmt.Fprintf(&b, "%s. ", strings.Join(other, "; "))
	}
	b.WriteString("Every UID, the split by type where no release gave it, and every per-missile loading are synthetic.")
	return b.String()
}

// windows is how many windows of notifications the scenario dates
// between two declarations (scenario.Options): one, the five days before
// the next declaration, sent with it. Each window is a round, and a round
// costs at least a checkpoint interval (Tessera's POSIX storage keeps it
// at 100 ms or more), so fifteen years fit in a few seconds only in a few
// dozen rounds: the notifications of each half-year come together, just
// before the declaration that sums them up.
const windows = 1
