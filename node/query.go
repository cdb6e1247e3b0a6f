package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/ledger/receipt"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/store"
)

// Roles of the API.
type Role string

const (
	// RoleOperator is the party's own staff: it submits the party's
	// notifications, and sees the party's item-level data (private
	// loadings included) and what the treaty shares with it.
	RoleOperator Role = "operator"
	// RoleInspector reads item-level data the treaty shares, nothing
	// private.
	RoleInspector Role = "inspector"
	// RoleObserver is the public: checkpoints and published aggregates.
	RoleObserver Role = "observer"
)

// Access is who asks: a role, and for an operator its party.
type Access struct {
	Role  Role   `json:"role"`
	Party string `json:"party,omitempty"`
}

// ItemLevel reports whether the role sees item-level data.
func (a Access) ItemLevel() bool { return a.Role == RoleOperator || a.Role == RoleInspector }

// ErrForbidden: the role may not see or do that.
var ErrForbidden = errors.New("forbidden for this role")

// ErrNotFound: no such thing.
var ErrNotFound = errors.New("not found")

func forbidden(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrForbidden, fmt.Sprintf(format, args...))
}

func notFound(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotFound, fmt.Sprintf(format, args...))
}

// projection builds each party's forces history (a forces.Forces) from the
// events the store holds, and keeps the latest one.
type projection struct {
	n     *Node
	mu    sync.Mutex
	cache map[string]*projected
}

type projected struct {
	size   uint64 // entries of the log reflected
	inv    *forces.Inventory
	last   civil.Date
	forces *forces.Forces
}

func newProjection(n *Node) *projection {
	return &projection{n: n, cache: map[string]*projected{}}
}

// forcesOf is party's forces as its log's first knownAt entries tell them
// (0: all the node holds), and the number of entries reflected.
func (p *projection) forcesOf(ctx context.Context, party string, knownAt uint64) (*forces.Forces, uint64, error) {
	st := p.n.store
	cursor, err := st.Cursor(ctx, party)
	if err != nil {
		return nil, 0, err
	}
	if knownAt > 0 && knownAt < cursor {
		inv := forces.NewInventory(party, nil)
		if err := replayEvents(ctx, st, party, inv, 0, knownAt); err != nil {
			return nil, 0, err
		}
		return inv.Forces(), knownAt, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.cache[party]
	if c != nil && c.size == cursor {
		return c.forces, c.size, nil
	}
	if c != nil && c.size < cursor {
		// New entries: apply their events if none goes back in time.
		var evs []forces.Event
		err := st.Events(ctx, party, c.size, cursor, func(_ uint64, ev forces.Event) error {
			evs = append(evs, ev)
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
		if len(evs) == 0 || evs[0].Date >= c.last {
			ok := true
			for i, ev := range evs {
				if err := c.inv.Apply(ev); err != nil {
					ok = false
					if i > 0 {
						c = nil // half applied: start again
					}
					break
				}
				c.last = ev.Date
			}
			if ok {
				c.size = cursor
				c.forces = c.inv.Forces()
				return c.forces, c.size, nil
			}
		}
	}
	inv := forces.NewInventory(party, nil)
	if err := replayEvents(ctx, st, party, inv, 0, cursor); err != nil {
		return nil, 0, err
	}
	last, _ := inv.Date()
	c = &projected{size: cursor, inv: inv, last: last, forces: inv.Forces()}
	p.cache[party] = c
	return c.forces, c.size, nil
}

func replayEvents(ctx context.Context, st store.Store, party string, inv *forces.Inventory, from, to uint64) error {
	return st.Events(ctx, party, from, to, func(idx uint64, ev forces.Event) error {
		if err := inv.Apply(ev); err != nil {
			return fmt.Errorf("projection of %s: the event of entry %d (%s %s) does not replay: %v", party, idx, ev.Date, ev.Op, err)
		}
		return nil
	})
}

func (n *Node) checkParty(party string) (string, error) {
	p := n.reg.Party(party)
	if p == nil {
		return "", notFound("no party %q in the regime (parties: %s)", party, partyIDs(n.reg.Parties))
	}
	return p.ID, nil
}

// ItemView is one item at a date.
type ItemView struct {
	UID        string        `json:"uid"`
	Kind       forces.Kind   `json:"kind"`
	Type       string        `json:"type"`
	Status     forces.Status `json:"status"`
	Site       string        `json:"site,omitempty"`
	Carrier    string        `json:"carrier,omitempty"`
	Converting bool          `json:"converting,omitempty"`
	// Warheads is the missile's loading: only the owner's operator sees it
	// (from the private loadings of the last declaration).
	Warheads *int `json:"warheads,omitempty"`
}

// GroupView is the count of items alike.
type GroupView struct {
	Kind   forces.Kind   `json:"kind"`
	Type   string        `json:"type"`
	Status forces.Status `json:"status"`
	Site   string        `json:"site,omitempty"`
	Count  int           `json:"count"`
}

// ForcesView is a party's forces at a date as its log tells them.
type ForcesView struct {
	Party string     `json:"party"`
	Date  civil.Date `json:"date"`
	// KnownAt is the size of the party's log the view reflects.
	KnownAt uint64      `json:"known_at"`
	Groups  []GroupView `json:"groups"`
	Items   []ItemView  `json:"items"`
	// Warheads are the warheads per base of the last declaration as of
	// the date or before.
	Warheads []exchange.BaseWarheads `json:"warheads,omitempty"`
	// Declaration is the as-of date of that declaration.
	Declaration civil.Date `json:"declaration,omitempty"`
	// Private is true when per-missile loadings are shown.
	Private bool `json:"private,omitempty"`
}

// Forces returns party's forces on date, as its log's first knownAt
// entries tell them (0: all the node holds). Item level: operators and
// inspectors.
func (n *Node) Forces(ctx context.Context, who Access, party string, date civil.Date, knownAt uint64) (*ForcesView, error) {
	if !who.ItemLevel() {
		return nil, forbidden("item-level forces are for operators and inspectors")
	}
	id, s, size, err := n.stateAt(ctx, party, date, knownAt)
	if err != nil {
		return nil, err
	}
	v := &ForcesView{Party: id, Date: date, KnownAt: size}
	decls, err := n.store.Declarations(ctx, id)
	if err != nil {
		return nil, err
	}
	var decl *store.Declaration
	for _, d := range decls {
		if d.AsOf <= date && d.Last < size {
			decl = d
		}
	}
	var private map[string]int
	if decl != nil {
		v.Warheads, v.Declaration = decl.Warheads, decl.AsOf
		if who.Role == RoleOperator && who.Party == id {
			ls, err := n.store.Loadings(ctx, id, decl.FirstSeq)
			if err != nil {
				return nil, err
			}
			if len(ls) > 0 {
				private = map[string]int{}
				for _, l := range ls {
					private[l.UID] = l.Warheads
				}
				v.Private = true
			}
		}
	}
	gi := map[GroupView]int{}
	for _, g := range s.Groups {
		k := GroupView{Kind: g.Kind, Type: g.Type, Status: g.Status, Site: g.Site}
		if i, ok := gi[k]; ok {
			v.Groups[i].Count += g.Count
		} else {
			gi[k] = len(v.Groups)
			k.Count = g.Count
			v.Groups = append(v.Groups, k)
		}
		for _, u := range g.UIDs {
			it := ItemView{UID: u, Kind: g.Kind, Type: g.Type, Status: g.Status, Site: g.Site, Carrier: g.Carrier, Converting: g.Converting}
			if w, ok := private[u]; ok {
				w := w
				it.Warheads = &w
			}
			v.Items = append(v.Items, it)
		}
	}
	sort.Slice(v.Items, func(i, j int) bool { return v.Items[i].UID < v.Items[j].UID })
	return v, nil
}

// ItemHistory lists the changes the log of party notified for one item.
func (n *Node) ItemHistory(ctx context.Context, who Access, party, uid string) ([]exchange.ItemState, error) {
	if !who.ItemLevel() {
		return nil, forbidden("item histories are for operators and inspectors")
	}
	id, err := n.checkParty(party)
	if err != nil {
		return nil, err
	}
	h, err := n.store.ItemHistory(ctx, id, uid)
	if err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, notFound("%s has notified no item %s", id, uid)
	}
	return h, nil
}

// ReadingResult is compliance under one reading.
type ReadingResult struct {
	// Reading is "" as declared, else the reading's name.
	Reading string `json:"reading"`
	// By is the party whose reading it is; Disputes its disputes that
	// make it up.
	By       string        `json:"by,omitempty"`
	Disputes []string      `json:"disputes,omitempty"`
	Result   *count.Result `json:"result,omitempty"`
	// Error says why the reading could not be counted (a dispute naming
	// items the owner does not have); to a viewer who may not see items,
	// only that it could not (ReadingNotCounted), since why names them.
	Error string `json:"error,omitempty"`
}

// ReadingNotCounted is ReadingResult.Error for a viewer without
// item-level access.
const ReadingNotCounted = "could not be counted under this reading"

// ComplianceView is a party's standing under the treaty on a date, as
// declared and under each other party's reading where one disputes.
type ComplianceView struct {
	Party    string          `json:"party"`
	Date     civil.Date      `json:"date"`
	KnownAt  uint64          `json:"known_at"`
	Readings []ReadingResult `json:"readings"`
}

// readingsAt gathers the other parties' active disputes of party's items
// on date into one reading per disputing party.
func (n *Node) readingsAt(ctx context.Context, party string, date civil.Date) ([]*forces.Reading, [][]string, error) {
	ds, err := n.store.Disputes(ctx, party)
	if err != nil {
		return nil, nil, err
	}
	return readingsOn(ds, party, date)
}

// readingsOn is readingsAt with party's disputes ds.
func readingsOn(ds []*store.Dispute, party string, date civil.Date) ([]*forces.Reading, [][]string, error) {
	byParty := map[string][]*store.Dispute{}
	var order []string
	for _, d := range ds {
		if !d.ActiveAt(date) {
			continue
		}
		if _, ok := byParty[d.Party]; !ok {
			order = append(order, d.Party)
		}
		byParty[d.Party] = append(byParty[d.Party], d)
	}
	sort.Strings(order)
	var out []*forces.Reading
	var ids [][]string
	for _, by := range order {
		r := &forces.Reading{By: by, Of: party}
		var names, idl []string
		for _, d := range byParty[by] {
			var dr forces.Reading
			if err := json.Unmarshal(d.Reading, &dr); err != nil {
				return nil, nil, fmt.Errorf("dispute %s of %s: %v", d.ID, d.Party, err)
			}
			r.Changes = append(r.Changes, dr.Changes...)
			r.Added = append(r.Added, dr.Added...)
			names = append(names, dr.Name)
			idl = append(idl, d.ID)
		}
		// A dispute's reading usually says whose it is ("RU reading
		// (2018-2022 dispute)"): not "RU reading (RU reading (...))".
		r.Name = strings.Join(names, "; ")
		if !strings.HasPrefix(r.Name, by+" reading") {
			r.Name = fmt.Sprintf("%s reading (%s)", by, r.Name)
		}
		out = append(out, r)
		ids = append(ids, idl)
	}
	return out, ids, nil
}

// stateAt is party's forces on date as the first knownAt entries of its
// log tell them (0: all the node holds), with the party's id and the size
// of the log they were read from.
func (n *Node) stateAt(ctx context.Context, party string, date civil.Date, knownAt uint64) (string, *forces.State, uint64, error) {
	id, err := n.checkParty(party)
	if err != nil {
		return "", nil, 0, err
	}
	f, size, err := n.proj.forcesOf(ctx, id, knownAt)
	if err != nil {
		return "", nil, 0, err
	}
	s, err := f.At(date)
	if err != nil {
		return "", nil, 0, err
	}
	return id, s, size, nil
}

// Compliance counts party's forces on date under the treaty, as declared
// and under each reading. Everyone may ask; observers get the totals and
// limits without the item-level explanation.
func (n *Node) Compliance(ctx context.Context, who Access, party string, date civil.Date, knownAt uint64) (*ComplianceView, error) {
	id, s, size, err := n.stateAt(ctx, party, date, knownAt)
	if err != nil {
		return nil, err
	}
	v := &ComplianceView{Party: id, Date: date, KnownAt: size}
	r, err := count.Evaluate(n.treaty, s, date)
	if err != nil {
		return nil, err
	}
	v.Readings = append(v.Readings, ReadingResult{Result: r})
	readings, ids, err := n.readingsAt(ctx, id, date)
	if err != nil {
		return nil, err
	}
	for i, rd := range readings {
		rr := ReadingResult{Reading: rd.Name, By: rd.By, Disputes: ids[i]}
		read, err := s.Read(rd)
		if err == nil {
			rr.Result, err = count.Evaluate(n.treaty, read, date)
		}
		switch {
		case err == nil:
		case who.ItemLevel():
			rr.Error = err.Error()
		default:
			// Why names the disputed items (their UIDs): item-level
			// data, which the viewer may not see.
			rr.Error = ReadingNotCounted
		}
		v.Readings = append(v.Readings, rr)
	}
	if !who.ItemLevel() {
		for _, rr := range v.Readings {
			publishOnly(rr.Result)
		}
	}
	return v, nil
}

// publishOnly strips a result to its published aggregates.
func publishOnly(r *count.Result) {
	if r == nil {
		return
	}
	for i := range r.Limits {
		r.Limits[i].Explain = nil
	}
	r.Findings = nil
}

// SeriesView is compliance over dates.
type SeriesView struct {
	Party    string          `json:"party"`
	Dates    []civil.Date    `json:"dates"`
	KnownAt  uint64          `json:"known_at"`
	Readings []SeriesReading `json:"readings"`
}

// SeriesReading is a series under one reading.
type SeriesReading struct {
	Reading string          `json:"reading"`
	By      string          `json:"by,omitempty"`
	Results []*count.Result `json:"results"`
	Errors  []string        `json:"errors,omitempty"`
}

// ComplianceSeries counts party's forces at each of dates (ascending), as
// declared (count.Series, one replay) and under each reading active at any
// of the dates.
func (n *Node) ComplianceSeries(ctx context.Context, who Access, party string, dates []civil.Date, knownAt uint64) (*SeriesView, error) {
	id, err := n.checkParty(party)
	if err != nil {
		return nil, err
	}
	if len(dates) == 0 || len(dates) > 2000 {
		return nil, fmt.Errorf("a series has 1 to 2000 dates, not %d", len(dates))
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i] < dates[j] })
	f, size, err := n.proj.forcesOf(ctx, id, knownAt)
	if err != nil {
		return nil, err
	}
	rs, err := count.Series(n.treaty, f, dates)
	if err != nil {
		return nil, err
	}
	v := &SeriesView{Party: id, Dates: dates, KnownAt: size, Readings: []SeriesReading{{Results: rs}}}
	// Readings: each disputing party, at each date its disputes hold.
	ds, err := n.store.Disputes(ctx, id)
	if err != nil {
		return nil, err
	}
	by := map[string]*SeriesReading{}
	var order []string
	// Dates between two notifications hold the same forces: a reading of
	// them is made once and counted at each date (the limits bind from
	// a date). prev is the state read last; reads what each disputing
	// party's reading made of it, and of which disputes.
	var prev *forces.State
	type made struct {
		disputes string
		read     *forces.State
		err      error
	}
	reads := map[string]made{}
	for i, d := range dates {
		readings, ids, err := readingsOn(ds, id, d)
		if err != nil {
			return nil, err
		}
		if len(readings) == 0 {
			continue
		}
		s, err := f.At(d)
		if err != nil {
			return nil, err
		}
		if !sameForces(prev, s) {
			clear(reads)
		}
		prev = s
		for k, rd := range readings {
			sr := by[rd.By]
			if sr == nil {
				sr = &SeriesReading{Reading: rd.By + " reading", By: rd.By, Results: make([]*count.Result, len(dates)), Errors: make([]string, len(dates))}
				by[rd.By] = sr
				order = append(order, rd.By)
			}
			key := strings.Join(ids[k], "\x00")
			m, ok := reads[rd.By]
			if !ok || m.disputes != key {
				m = made{disputes: key}
				m.read, m.err = s.Read(rd)
				reads[rd.By] = m
			}
			read, err := m.read, m.err
			var r *count.Result
			if err == nil {
				r, err = count.Evaluate(n.treaty, read, d)
			}
			if err != nil {
				sr.Errors[i] = err.Error()
				continue
			}
			publishOnly(r)
			sr.Results[i] = r
		}
	}
	sort.Strings(order)
	for _, b := range order {
		v.Readings = append(v.Readings, *by[b])
	}
	return v, nil
}

// sameForces reports whether two states of one Forces (At) hold the same
// items: the same groups, each of the same profile (which fixes every
// attribute but the count and the UIDs) with the same UIDs.
func sameForces(a, b *forces.State) bool {
	if a == nil || b == nil || len(a.Groups) != len(b.Groups) {
		return false
	}
	for i, g := range a.Groups {
		h := b.Groups[i]
		if g.Profile == 0 || g.Profile != h.Profile || g.Count != h.Count || !slices.Equal(g.UIDs, h.UIDs) {
			return false
		}
	}
	return true
}

// NotificationView is one notification with what the node knows of it.
type NotificationView struct {
	Party     string              `json:"party"`
	Index     uint64              `json:"index"`
	Seq       uint64              `json:"seq,omitempty"`
	Kind      exchange.Kind       `json:"kind,omitempty"`
	Effective civil.Date          `json:"effective,omitempty"`
	Created   time.Time           `json:"created"`
	Valid     bool                `json:"valid"`
	Problems  []*exchange.Problem `json:"problems,omitempty"`
	Key       string              `json:"key,omitempty"`
	Deadline  *exchange.Deadline  `json:"deadline,omitempty"`
	// Provided is when it reached each other party (their first
	// cosignature on a checkpoint that includes it).
	Provided map[string]time.Time `json:"provided,omitempty"`
	// Late lists the parties it reached after its deadline.
	Late []string `json:"late,omitempty"`
	// AckedBy lists the parties that acknowledged it; Unacknowledged those
	// that have not (for kinds acknowledged).
	AckedBy        []string        `json:"acked_by,omitempty"`
	Unacknowledged []string        `json:"unacknowledged,omitempty"`
	Body           json.RawMessage `json:"body,omitempty"`
	// Entry is the signed envelope as the log holds it.
	Entry string `json:"entry,omitempty"`
	// Leaf is its RFC 6962 leaf hash (hex).
	Leaf string `json:"leaf"`
}

// NotificationFilter selects notifications.
type NotificationFilter struct {
	Party string        `json:"party,omitempty"`
	Kind  exchange.Kind `json:"kind,omitempty"`
	From  civil.Date    `json:"from,omitempty"`
	To    civil.Date    `json:"to,omitempty"`
	// Late keeps those that reached some party after their deadline.
	Late bool `json:"late,omitempty"`
	// Unacknowledged keeps those some party has not acknowledged within
	// the node's deadline.
	Unacknowledged bool `json:"unacknowledged,omitempty"`
	// Invalid keeps the entries that are not valid notifications.
	Invalid bool `json:"invalid,omitempty"`
	// KnownAt, with Party, keeps the first KnownAt entries of its log.
	KnownAt uint64 `json:"known_at,omitempty"`
	Limit   int    `json:"limit,omitempty"`
	Offset  int    `json:"offset,omitempty"`
	// Newest lists the most recent first.
	Newest bool `json:"newest,omitempty"`
}

// Notifications lists notifications: operators and inspectors.
func (n *Node) Notifications(ctx context.Context, who Access, f NotificationFilter) ([]*NotificationView, error) {
	if !who.ItemLevel() {
		return nil, forbidden("notifications are for operators and inspectors; observers see checkpoints and aggregates")
	}
	q := store.Query{Kind: f.Kind, From: f.From, To: f.To, Late: f.Late, KnownAt: f.KnownAt, Limit: f.Limit, Offset: f.Offset, Newest: f.Newest}
	if f.Party != "" {
		id, err := n.checkParty(f.Party)
		if err != nil {
			return nil, err
		}
		q.Party = id
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 1000
	}
	if f.Invalid {
		q.Valid = boolPtr(false)
	}
	if f.Unacknowledged {
		q.Unacknowledged = true
		q.CreatedBefore = n.cfg.Now().Add(-n.cfg.AckDeadline)
		for _, p := range n.reg.Parties {
			q.Receivers = append(q.Receivers, p.ID)
		}
	}
	ns, err := n.store.Notifications(ctx, q)
	if err != nil {
		return nil, err
	}
	return n.views(ctx, ns, f.Unacknowledged)
}

// Notification returns one notification by party and sequence number.
func (n *Node) Notification(ctx context.Context, who Access, party string, seq uint64) (*NotificationView, error) {
	return n.oneNotification(ctx, who, party, store.Query{Seq: seq}, fmt.Sprintf("seq %d", seq))
}

// NotificationAt returns the entry at index of party's log.
func (n *Node) NotificationAt(ctx context.Context, who Access, party string, index uint64) (*NotificationView, error) {
	return n.oneNotification(ctx, who, party, store.Query{Index: index, HasIndex: true}, fmt.Sprintf("entry %d", index))
}

func (n *Node) oneNotification(ctx context.Context, who Access, party string, q store.Query, what string) (*NotificationView, error) {
	if !who.ItemLevel() {
		return nil, forbidden("notifications are for operators and inspectors")
	}
	id, err := n.checkParty(party)
	if err != nil {
		return nil, err
	}
	q.Party = id
	ns, err := n.store.Notifications(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(ns) == 0 {
		return nil, notFound("%s has no notification %s (yet)", id, what)
	}
	vs, err := n.views(ctx, ns, false)
	if err != nil {
		return nil, err
	}
	return vs[0], nil
}

// views adds times of provision, lateness and acknowledgements.
func (n *Node) views(ctx context.Context, ns []*store.Notification, unackedOnly bool) ([]*NotificationView, error) {
	provs := map[string][]store.Provision{}
	acked, err := n.store.Acked(ctx)
	if err != nil {
		return nil, err
	}
	deadline := n.cfg.Now().Add(-n.cfg.AckDeadline)
	out := make([]*NotificationView, 0, len(ns))
	for _, nt := range ns {
		ps, ok := provs[nt.Party]
		if !ok {
			if ps, err = n.store.Provisions(ctx, nt.Party); err != nil {
				return nil, err
			}
			provs[nt.Party] = ps
		}
		v := &NotificationView{Party: nt.Party, Index: nt.Index, Seq: nt.Seq, Kind: nt.Kind, Effective: nt.Effective, Created: nt.Created,
			Valid: nt.Valid, Problems: nt.Problems, Key: nt.Key, Deadline: nt.Deadline, Body: nt.Body, Entry: string(nt.Entry),
			Leaf: fmt.Sprintf("%x", nt.Leaf)}
		for _, p := range ps {
			if p.Lo <= nt.Index && nt.Index < p.Hi {
				if v.Provided == nil {
					v.Provided = map[string]time.Time{}
				}
				v.Provided[p.Receiver] = p.Time
				if nt.Deadline != nil && nt.Deadline.Late(p.Time) {
					v.Late = append(v.Late, p.Receiver)
				}
			}
		}
		sort.Strings(v.Late)
		if nt.Valid && nt.Kind.Acknowledged() {
			for _, p := range n.reg.Parties {
				if p.ID == nt.Party {
					continue
				}
				if acked[[2]string{p.ID, nt.Party}] > nt.Index {
					v.AckedBy = append(v.AckedBy, p.ID)
				} else if !unackedOnly || nt.Created.Before(deadline) {
					v.Unacknowledged = append(v.Unacknowledged, p.ID)
				}
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// DiscrepancyFilter selects discrepancies.
type DiscrepancyFilter struct {
	Party   string `json:"party,omitempty"`
	DeclSeq uint64 `json:"declaration,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Limit   int    `json:"limit,omitempty"`
}

// Discrepancies lists the differences between declarations and the
// notifications before them: operators and inspectors.
func (n *Node) Discrepancies(ctx context.Context, who Access, f DiscrepancyFilter) ([]*store.Discrepancy, error) {
	if !who.ItemLevel() {
		return nil, forbidden("discrepancies are item-level: operators and inspectors")
	}
	q := store.DiscrepancyQuery{DeclSeq: f.DeclSeq, Kind: f.Kind, Limit: f.Limit}
	if f.Party != "" {
		id, err := n.checkParty(f.Party)
		if err != nil {
			return nil, err
		}
		q.Party = id
	}
	if q.Limit <= 0 || q.Limit > 10000 {
		q.Limit = 10000
	}
	return n.store.Discrepancies(ctx, q)
}

// Declarations lists the declarations of a party ("" for all).
func (n *Node) Declarations(ctx context.Context, who Access, party string) ([]*store.Declaration, error) {
	if !who.ItemLevel() {
		return nil, forbidden("declarations are item-level: operators and inspectors")
	}
	if party != "" {
		id, err := n.checkParty(party)
		if err != nil {
			return nil, err
		}
		party = id
	}
	return n.store.Declarations(ctx, party)
}

// Disputes lists the disputes of a party's items ("" for all).
func (n *Node) Disputes(ctx context.Context, who Access, of string) ([]*store.Dispute, error) {
	if !who.ItemLevel() {
		return nil, forbidden("disputes are item-level: operators and inspectors")
	}
	return n.store.Disputes(ctx, of)
}

// ReceiptOf returns the receipt of the entry at index of party's log: from
// the node's own log, or built from its copy of another party's log
// against the latest checkpoint it holds of it (with its own witness's
// cosignature).
func (n *Node) ReceiptOf(ctx context.Context, who Access, party string, index uint64) (*receipt.Receipt, error) {
	if !who.ItemLevel() {
		return nil, forbidden("receipts are for operators and inspectors")
	}
	id, err := n.checkParty(party)
	if err != nil {
		return nil, err
	}
	if id == n.cfg.Party {
		if index >= n.own.Size() {
			return nil, notFound("entry %d of %s is not in a published checkpoint", index, id)
		}
		return n.own.Receipt(ctx, index)
	}
	ls := n.logs[id]
	held, err := n.store.Cursor(ctx, id)
	if err != nil {
		return nil, err
	}
	// The checkpoint to prove against: the latest witnessed one the log
	// published, else its latest, else what this node's witness cosigned,
	// provided this node holds every entry it covers.
	var cp []byte
	var c *regime.Checkpoint
	w, _ := ls.witnessed.Load().([]byte)
	l, _ := ls.latest.Load().([]byte)
	for _, cand := range [][]byte{w, l, n.wit.Latest(ls.party.Log.Origin), ls.rep.Checkpoint()} {
		if len(cand) == 0 {
			continue
		}
		cc, err := n.reg.OpenCheckpoint(cand, n.cfg.Now())
		if err != nil || cc.Size <= index || cc.Size > held {
			continue
		}
		cp, c = cand, cc
		break
	}
	if c == nil {
		return nil, notFound("no checkpoint of %s covering entry %d is held yet", id, index)
	}
	ns, err := n.store.Notifications(ctx, store.Query{Party: id, KnownAt: c.Size, WithoutEntry: true})
	if err != nil {
		return nil, err
	}
	if uint64(len(ns)) != c.Size {
		return nil, fmt.Errorf("the projection holds %d entries of %s, the checkpoint %d", len(ns), id, c.Size)
	}
	leaves := make([][32]byte, len(ns))
	for i, nt := range ns {
		copy(leaves[i][:], nt.Leaf)
	}
	var root [32]byte
	path := inclusion(int(index), leaves, &root)
	if string(root[:]) != string(c.Hash) {
		return nil, fmt.Errorf("the entries held of %s do not give the checkpoint's root", id)
	}
	return &receipt.Receipt{Index: index, LeafHash: leaves[index], Proof: path, Checkpoint: cp}, nil
}

// inclusion is the RFC 6962 inclusion path of leaf m, and the root.
func inclusion(m int, hs [][32]byte, root *[32]byte) [][32]byte {
	var path [][32]byte
	var rec func(m int, hs [][32]byte) [32]byte
	rec = func(m int, hs [][32]byte) [32]byte {
		if len(hs) == 1 {
			return hs[0]
		}
		k := 1
		for k<<1 < len(hs) {
			k <<= 1
		}
		var l, r [32]byte
		if m >= 0 && m < k {
			l = rec(m, hs[:k])
			r = rec(-1, hs[k:])
			path = append(path, r)
		} else if m >= k {
			l = rec(-1, hs[:k])
			r = rec(m-k, hs[k:])
			path = append(path, l)
		} else {
			l, r = rec(-1, hs[:k]), rec(-1, hs[k:])
		}
		var out [32]byte
		copy(out[:], rfc6962.DefaultHasher.HashChildren(l[:], r[:]))
		return out
	}
	*root = rec(m, hs)
	return path
}

// Revealed is a loading opened for an inspection, with the declaration it
// was committed in.
type Revealed struct {
	Party       string               `json:"party"`
	Declaration uint64               `json:"declaration"`
	AsOf        civil.Date           `json:"as_of"`
	Commitment  *exchange.Commitment `json:"commitment"`
	Opening     *exchange.Opening    `json:"opening"`
}

// Reveal opens the committed loading of missile uid in the node's own
// declaration (its first sequence number): for the party's operator only,
// to hand to an inspection, which checks it with exchange.Opening.Verify.
func (n *Node) Reveal(ctx context.Context, who Access, declSeq uint64, uid string) (*Revealed, error) {
	if who.Role != RoleOperator || who.Party != n.cfg.Party {
		return nil, forbidden("only %s's operator reveals %s's loadings", n.cfg.Party, n.cfg.Party)
	}
	decls, err := n.store.Declarations(ctx, n.cfg.Party)
	if err != nil {
		return nil, err
	}
	for _, d := range decls {
		if d.FirstSeq != declSeq {
			continue
		}
		ls, err := n.store.Loadings(ctx, n.cfg.Party, declSeq)
		if err != nil {
			return nil, err
		}
		if len(ls) == 0 {
			return nil, notFound("the node holds no private loadings for declaration %d", declSeq)
		}
		o, err := exchange.Reveal(ls, uid)
		if err != nil {
			return nil, notFound("%v", err)
		}
		return &Revealed{Party: n.cfg.Party, Declaration: declSeq, AsOf: d.AsOf, Commitment: d.Loadings, Opening: o}, nil
	}
	return nil, notFound("%s has no declaration with seq %d", n.cfg.Party, declSeq)
}

// NextSeq is the sequence number the party's next notification takes.
func (n *Node) NextSeq() uint64 {
	n.ownMu.Lock()
	defer n.ownMu.Unlock()
	return n.logs[n.cfg.Party].book.Next()
}

// Acknowledged is how many entries of party's log the node's own log has
// acknowledged.
func (n *Node) Acknowledged(party string) uint64 {
	n.ownMu.Lock()
	defer n.ownMu.Unlock()
	return n.logs[n.cfg.Party].book.Acked(party)
}
