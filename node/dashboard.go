package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/server"
	"github.com/tally-project/tally/store"
	"github.com/tally-project/tally/treaty"
)

// The dashboard (package server) is served at / of the node's handler. It
// reads the node through dashboard, which authenticates each request as
// the API does (the bearer token, or the sign-in cookie a browser holds)
// and answers through the node's own methods, each of which applies the
// role's rules: the pages show what the View gives and decide nothing.

// dashboard is the node as package server reads it.
type dashboard struct{ n *Node }

// Self is the node's party.
func (d dashboard) Self() string { return d.n.cfg.Party }

// Now is the node's clock (Config.Now): the dashboard's today.
func (d dashboard) Now() time.Time { return d.n.cfg.clock()() }

// Provenance labels the node's data (Config.Provenance), or nil.
func (d dashboard) Provenance() *server.Provenance {
	if d.n.cfg.Provenance == nil {
		return nil
	}
	return d.n.cfg.Provenance()
}

var (
	_ server.ProvenanceNode = dashboard{}
	_ server.ClockNode      = dashboard{}
)

// View authenticates r: no token is the public's (observer); a token the
// node does not know is refused.
func (d dashboard) View(r *http.Request) (server.View, error) {
	tok := server.Token(r, d.n.cfg.Party)
	if tok == "" {
		return &dashView{n: d.n, who: Access{Role: RoleObserver}}, nil
	}
	who, ok := d.n.tokens.lookup("Bearer " + tok)
	if !ok {
		return nil, fmt.Errorf("%w: this node does not know the token", server.ErrUnauthenticated)
	}
	return &dashView{n: d.n, who: who, token: true}, nil
}

// dashView is the node as one viewer may see it.
type dashView struct {
	n     *Node
	who   Access
	token bool
}

var _ server.View = (*dashView)(nil)

// dashErr turns the node's refusals into the dashboard's.
func dashErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrForbidden):
		return fmt.Errorf("%w: %v", server.ErrForbidden, err)
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w: %v", server.ErrNotFound, err)
	}
	return err
}

func (v *dashView) Viewer() server.Viewer {
	return server.Viewer{Role: string(v.who.Role), Party: v.who.Party, Token: v.token}
}
func (v *dashView) Self() string           { return v.n.cfg.Party }
func (v *dashView) Regime() *regime.Regime { return v.n.reg }
func (v *dashView) Treaty() *treaty.Treaty { return v.n.treaty }
func (v *dashView) itemLevel(what string) error {
	if !v.who.ItemLevel() {
		return fmt.Errorf("%w: %s item level: operators and inspectors", server.ErrForbidden, what)
	}
	return nil
}

func (v *dashView) Compliance(ctx context.Context, party string, date civil.Date) (*server.Compliance, error) {
	cv, err := v.n.Compliance(ctx, v.who, party, date, 0)
	if err != nil {
		return nil, dashErr(err)
	}
	out := &server.Compliance{Party: cv.Party, Date: cv.Date, KnownAt: cv.KnownAt}
	for _, r := range cv.Readings {
		out.Readings = append(out.Readings, server.Reading{Name: r.Reading, By: r.By, Disputes: r.Disputes, Result: r.Result, Error: r.Error})
	}
	return out, nil
}

func (v *dashView) ComplianceSeries(ctx context.Context, party string, dates []civil.Date) (*server.Series, error) {
	sv, err := v.n.ComplianceSeries(ctx, v.who, party, dates, 0)
	if err != nil {
		return nil, dashErr(err)
	}
	out := &server.Series{Party: sv.Party, Dates: sv.Dates, KnownAt: sv.KnownAt}
	for _, r := range sv.Readings {
		out.Readings = append(out.Readings, server.SeriesReading{Name: r.Reading, By: r.By, Results: r.Results})
	}
	return out, nil
}

func (v *dashView) Forces(ctx context.Context, party string, date civil.Date) (*server.Forces, error) {
	fv, err := v.n.Forces(ctx, v.who, party, date, 0)
	if err != nil {
		return nil, dashErr(err)
	}
	out := &server.Forces{Party: fv.Party, Date: fv.Date, KnownAt: fv.KnownAt, Warheads: fv.Warheads, Declaration: fv.Declaration, Private: fv.Private,
		Items: make([]server.Item, len(fv.Items))}
	for i, it := range fv.Items {
		out.Items[i] = server.Item{UID: it.UID, Kind: it.Kind, Type: it.Type, Status: it.Status, Site: it.Site, Carrier: it.Carrier, Converting: it.Converting, Warheads: it.Warheads}
	}
	return out, nil
}

func (v *dashView) State(ctx context.Context, party string, date civil.Date) (*forces.State, error) {
	if err := v.itemLevel("a party's forces are"); err != nil {
		return nil, err
	}
	_, s, _, err := v.n.stateAt(ctx, party, date, 0)
	return s, dashErr(err)
}

func (v *dashView) Readings(ctx context.Context, party string, date civil.Date) ([]*forces.Reading, error) {
	if err := v.itemLevel("the readings of a party's forces are"); err != nil {
		return nil, err
	}
	id, err := v.n.checkParty(party)
	if err != nil {
		return nil, dashErr(err)
	}
	rs, _, err := v.n.readingsAt(ctx, id, date)
	return rs, err
}

// entries reads the entries at indexes of party's log, without their
// bodies, with the parties each reached late.
func (v *dashView) entries(ctx context.Context, party string, indexes []uint64) (map[uint64]*server.Notification, error) {
	provs, err := v.n.store.Provisions(ctx, party)
	if err != nil {
		return nil, err
	}
	out := map[uint64]*server.Notification{}
	for _, idx := range indexes {
		if _, ok := out[idx]; ok {
			continue
		}
		ns, err := v.n.store.Notifications(ctx, store.Query{Party: party, Index: idx, HasIndex: true, WithoutEntry: true})
		if err != nil {
			return nil, err
		}
		if len(ns) == 0 {
			continue
		}
		nt := ns[0]
		sn := &server.Notification{Party: nt.Party, Index: nt.Index, Seq: nt.Seq, Kind: nt.Kind, Effective: nt.Effective, Created: nt.Created, Valid: nt.Valid, Deadline: nt.Deadline}
		for _, p := range provs {
			if p.Lo <= nt.Index && nt.Index < p.Hi && nt.Deadline != nil && nt.Deadline.Late(p.Time) {
				sn.Late = append(sn.Late, p.Receiver)
			}
		}
		sort.Strings(sn.Late)
		out[idx] = sn
	}
	return out, nil
}

func (v *dashView) ItemHistory(ctx context.Context, party, uid string) ([]server.ItemChange, error) {
	h, err := v.n.ItemHistory(ctx, v.who, party, uid)
	if err != nil {
		return nil, dashErr(err)
	}
	id, _ := v.n.checkParty(party)
	idx := make([]uint64, len(h))
	for i, st := range h {
		idx[i] = st.Index
	}
	ns, err := v.entries(ctx, id, idx)
	if err != nil {
		return nil, err
	}
	out := make([]server.ItemChange, len(h))
	for i, st := range h {
		out[i] = server.ItemChange{ItemState: st}
		if nt := ns[st.Index]; nt != nil {
			out[i].Kind, out[i].Effective, out[i].Late = nt.Kind, nt.Effective, nt.Late
		}
	}
	return out, nil
}

func (v *dashView) Declarations(ctx context.Context, party string) ([]server.Declaration, error) {
	ds, err := v.n.Declarations(ctx, v.who, party)
	if err != nil {
		return nil, dashErr(err)
	}
	out := make([]server.Declaration, len(ds))
	for i, d := range ds {
		out[i] = server.Declaration{Party: d.Party, Kind: d.Kind, AsOf: d.AsOf, FirstSeq: d.FirstSeq, First: d.First, Parts: d.Parts, Items: d.Items,
			Warheads: d.Warheads, Totals: d.Totals, Discrepancies: d.DiscrepancyCount}
		// The note is in the first part's body.
		ns, err := v.n.store.Notifications(ctx, store.Query{Party: d.Party, Index: d.First, HasIndex: true})
		if err != nil {
			return nil, err
		}
		if len(ns) == 1 {
			var body struct {
				Note string `json:"note"`
			}
			if json.Unmarshal(ns[0].Body, &body) == nil {
				out[i].Note = body.Note
			}
		}
	}
	return out, nil
}

func (v *dashView) Discrepancies(ctx context.Context, party string, declSeq uint64, limit int) ([]server.Discrepancy, error) {
	ds, err := v.n.Discrepancies(ctx, v.who, DiscrepancyFilter{Party: party, DeclSeq: declSeq, Limit: limit})
	if err != nil {
		return nil, dashErr(err)
	}
	out := make([]server.Discrepancy, len(ds))
	for i, d := range ds {
		out[i] = server.Discrepancy{Party: d.Party, DeclSeq: d.DeclSeq, AsOf: d.AsOf, Discrepancy: d.Discrepancy}
	}
	return out, nil
}

func dashNotification(nv *NotificationView) server.Notification {
	out := server.Notification{Party: nv.Party, Index: nv.Index, Seq: nv.Seq, Kind: nv.Kind, Effective: nv.Effective, Created: nv.Created,
		Valid: nv.Valid, Deadline: nv.Deadline, Provided: nv.Provided, Late: nv.Late, AckedBy: nv.AckedBy, Unacknowledged: nv.Unacknowledged,
		Body: nv.Body, Entry: []byte(nv.Entry), Leaf: nv.Leaf}
	for _, p := range nv.Problems {
		out.Problems = append(out.Problems, p.Error())
	}
	return out
}

func (v *dashView) Notifications(ctx context.Context, q server.NotificationQuery) ([]server.Notification, error) {
	vs, err := v.n.Notifications(ctx, v.who, NotificationFilter{Party: q.Party, Kind: q.Kind, From: q.From, To: q.To, Late: q.Late,
		Unacknowledged: q.Unacknowledged, Limit: q.Limit, Offset: q.Offset, Newest: q.Newest})
	if err != nil {
		return nil, dashErr(err)
	}
	out := make([]server.Notification, len(vs))
	for i, nv := range vs {
		out[i] = dashNotification(nv)
	}
	return out, nil
}

func (v *dashView) NotificationCounts(ctx context.Context) ([]server.NotificationCount, error) {
	if err := v.itemLevel("notifications are"); err != nil {
		return nil, err
	}
	type key struct {
		party string
		kind  exchange.Kind
		year  int
	}
	counts := map[key]*server.NotificationCount{}
	ns, err := v.n.store.Notifications(ctx, store.Query{Valid: boolPtr(true), WithoutEntry: true})
	if err != nil {
		return nil, err
	}
	// Late: it reached some party after its deadline. Judged here from
	// each log's times of provision, a few ranges of entries each, rather
	// than by the store for every notification.
	all, err := v.n.store.Provisions(ctx, "")
	if err != nil {
		return nil, err
	}
	provs := map[string][]store.Provision{}
	for _, p := range all {
		provs[p.Party] = append(provs[p.Party], p)
	}
	for _, nt := range ns {
		k := key{nt.Party, nt.Kind, nt.Effective.Time().Year()}
		c := counts[k]
		if c == nil {
			c = &server.NotificationCount{Party: k.party, Kind: k.kind, Year: k.year}
			counts[k] = c
		}
		c.Count++
		if nt.Deadline == nil {
			continue
		}
		for _, p := range provs[nt.Party] {
			if p.Lo <= nt.Index && nt.Index < p.Hi && nt.Deadline.Late(p.Time) {
				c.Late++
				break
			}
		}
	}
	out := make([]server.NotificationCount, 0, len(counts))
	for _, c := range counts {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Year != b.Year {
			return a.Year < b.Year
		}
		if a.Party != b.Party {
			return a.Party < b.Party
		}
		return a.Kind < b.Kind
	})
	return out, nil
}

func (v *dashView) Notification(ctx context.Context, party string, index uint64) (*server.Notification, error) {
	nv, err := v.n.NotificationAt(ctx, v.who, party, index)
	if err != nil {
		return nil, dashErr(err)
	}
	out := dashNotification(nv)
	rc, err := v.n.ReceiptOf(ctx, v.who, nv.Party, nv.Index)
	if err != nil {
		out.ReceiptErr = dashErr(err).Error()
	} else {
		out.Receipt = rc.Marshal()
	}
	return &out, nil
}

func (v *dashView) Logs(ctx context.Context) ([]server.Log, error) {
	var out []server.Log
	for _, ls := range v.n.Logs() {
		l := server.Log{Party: ls.Party, Origin: ls.Origin, Own: ls.Own, Size: ls.Size, Checkpoint: []byte(ls.Checkpoint),
			Pending: ls.Pending, Witnessed: ls.Witnessed, WitnessedSize: ls.WitnessedSize}
		for _, c := range ls.Cosigned {
			l.Cosigned = append(l.Cosigned, server.Cosignature{Witness: c.Witness, Time: c.Time})
		}
		out = append(out, l)
	}
	return out, nil
}

func (v *dashView) Checkpoints(ctx context.Context, party string, k int) ([]server.Checkpoint, error) {
	id, err := v.n.checkParty(party)
	if err != nil {
		return nil, dashErr(err)
	}
	var cps []*ledger.ArchivedCheckpoint
	if id == v.n.cfg.Party {
		cps, err = readArchive(filepath.Join(v.n.cfg.Data, "log", ledger.ArchiveFile))
	} else {
		cps, err = readArchive(v.n.logs[id].archive)
	}
	if err != nil {
		return nil, err
	}
	// The node's clock, as everywhere else: on a simulated clock ahead of
	// the real one, its cosignatures are not in the future.
	now := v.n.cfg.Now()
	var out []server.Checkpoint
	for i := len(cps) - 1; i >= 0 && len(out) < k; i-- {
		a := cps[i]
		cp := server.Checkpoint{Size: a.Size, Root: a.Root, Note: a.Full()}
		c, err := v.n.reg.OpenCheckpoint(a.Full(), now)
		if err != nil {
			cp.Problems = []string{err.Error()}
		} else {
			for _, cs := range c.Cosignatures {
				cp.Cosigned = append(cp.Cosigned, server.Cosignature{Witness: cs.Witness.ID, Time: cs.Time})
			}
			for _, p := range c.Pending() {
				cp.Pending = append(cp.Pending, p.ID)
			}
			cp.Witnessed, cp.Problems = c.Witnessed(), c.Problems
		}
		out = append(out, cp)
	}
	return out, nil
}

func (v *dashView) Alerts(ctx context.Context) (*server.Alerts, error) {
	out := &server.Alerts{Raised: v.n.Alerts()}
	ns, err := v.n.store.Notifications(ctx, store.Query{Kind: exchange.WitnessAlert, Valid: boolPtr(true)})
	if err != nil {
		return nil, err
	}
	vs, err := v.n.views(ctx, ns, false)
	if err != nil {
		return nil, err
	}
	for _, nv := range vs {
		out.Logged = append(out.Logged, dashNotification(nv))
	}
	return out, nil
}
