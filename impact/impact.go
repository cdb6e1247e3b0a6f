// Package impact says what a treaty or proposal would make each side
// cut, and by when: for each party (and each reading of its forces that
// another party disputes) and each limit, how far over it is; the groups
// of items that could close the gap, with the measures a side would take
// (download warheads, stand a submarine's launchers down, convert
// bombers, eliminate silos); a plan that closes every limit; and, at given
// rates of reduction per item kind per year, the earliest date the side
// could comply, against the proposal's deadline.
//
//	p, _ := treaty.Lookup("deep-cuts-500")
//	us, _ := forces.Bundled("us-2020-09-01")
//	state, _ := us.At(us.AsOf())
//	r, err := impact.Compute(impact.Input{
//		Proposals: []*treaty.Treaty{p},
//		Sides:     []impact.Side{{State: state, Forces: "us-2020-09-01"}},
//		Date:      us.AsOf(),
//	})
//	c := r.Cell(0, 0) // side 0 (US as declared), proposal 0
//	fmt.Println(c.Limits[1].Over, *c.Complies, c.Deadline, c.OnTime)
//
// How it works. Each side's forces are counted once under each proposal
// (proposals that count alike, differing only in their numbers, share the
// count). The forces are split into units: a launcher with the missile in
// it, an empty launcher, any other item. What a measure does to one unit
// is found by counting a state of that one unit before and after under
// the proposal's own rules, so a proposal that counts converted bombers,
// or a bomber's ALCMs, gets the effects its rules give. A plan then
// closes each limit in the proposal's order, trying the measures least
// drastic first (see the assumptions a Report lists); it is one way to
// comply, not the only one. The rates say how many items of each kind a
// side can change in a year (DefaultRates, or a rates file); kinds go in
// parallel and each kind's changes one after another, from which the day
// each limit is met follows.
//
// Prepare and Prepared.Compute split the work for a page with sliders:
// Prepare counts (the slow part); Compute recomputes the plans and dates
// from a map of limit values in microseconds to milliseconds.
//
// Nothing here assumes two parties: give the forces of any number.
package impact

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// Side is one party's forces at the date, and the readings of them other
// parties dispute.
type Side struct {
	// State is the forces as the owner declares them; State.Party names
	// the party.
	State *forces.State
	// Forces says where they come from (a file, a bundled name), for
	// reports.
	Forces string
	// Readings are other parties' readings of these forces (disputes):
	// each is computed as a side of its own, next to the declaration.
	Readings []*forces.Reading
}

// Input is what to compute.
type Input struct {
	Proposals []*treaty.Treaty
	Sides     []Side
	// Date is the day the forces are taken at and the totals judged.
	Date civil.Date
	// Rates are the reduction rates (nil: DefaultRates).
	Rates *Rates
	// EntryIntoForce, when set, is taken as the entry into force of every
	// proposal for its deadline; when nil, a treaty's own is used and a
	// proposal or framework is taken to enter into force on Date.
	EntryIntoForce *civil.Date
}

// Report is the impact of the proposals on the sides.
type Report struct {
	Date civil.Date `json:"date"`
	// Start is the day reductions are taken to begin.
	Start       civil.Date     `json:"start"`
	Assumptions []string       `json:"assumptions"`
	Rates       []Rate         `json:"rates_used"`
	Proposals   []ProposalInfo `json:"proposals"`
	Sides       []SideInfo     `json:"sides"`
	// Cells are side-major: Cells[s*len(Proposals)+p].
	Cells []Cell `json:"cells"`
}

// Cell returns the cell of side s and proposal p.
func (r *Report) Cell(s, p int) *Cell { return &r.Cells[s*len(r.Proposals)+p] }

// ProposalInfo is a proposal as the report reads it.
type ProposalInfo struct {
	ID    string      `json:"id"`
	Title string      `json:"title"`
	Kind  treaty.Kind `json:"kind"`
	// EntryIntoForce is the entry into force the deadlines count from;
	// Assumed says it is assumed (a proposal never enters into force).
	EntryIntoForce civil.Date `json:"entry_into_force"`
	Assumed        bool       `json:"entry_into_force_assumed"`
	// Deadline is when every limit must be met: the reduction deadline,
	// or the latest day a limit's final value starts to bind.
	Deadline    civil.Date `json:"deadline"`
	DeadlineHow string     `json:"deadline_how"`
	// Linked are its linked clauses on the date.
	Linked []treaty.ClauseStatus `json:"linked,omitempty"`
}

// SideInfo is one side: a party's forces as declared, or as another
// party reads them.
type SideInfo struct {
	Party string `json:"party"`
	// Reading names the reading ("" = as the owner declares them); By is
	// the party whose reading it is.
	Reading       string `json:"reading,omitempty"`
	By            string `json:"by,omitempty"`
	ReadingSource string `json:"reading_source,omitempty"`
	Forces        string `json:"forces"`
	Snapshot      bool   `json:"snapshot,omitempty"`
	Items         int    `json:"items"`
}

// Label is "US (as declared)" or "US (RU reading (2018-2022 dispute))".
func (s SideInfo) Label() string {
	if s.Reading == "" {
		return s.Party + " (as declared)"
	}
	return fmt.Sprintf("%s (%s)", s.Party, s.Reading)
}

// Cell is one side under one proposal.
type Cell struct {
	Proposal string `json:"proposal"`
	Party    string `json:"party"`
	Reading  string `json:"reading,omitempty"`
	// Error says why the side could not be counted (not a party).
	Error  string  `json:"error,omitempty"`
	Limits []Limit `json:"limits"`
	// Within: every limit is met on the date (no cut needed).
	Within bool `json:"within"`
	// Plan is one way to meet every limit, in order.
	Plan []Move `json:"plan,omitempty"`
	// Complies is the earliest day every limit is met at the rates; nil
	// when never (Never says why).
	Complies *civil.Date `json:"complies"`
	Never    string      `json:"never,omitempty"`
	Deadline civil.Date  `json:"deadline"`
	// OnTime: every limit met by its deadline.
	OnTime bool `json:"on_time"`
	// Withdraw lists parties a linked clause lets withdraw on the date.
	Withdraw []string `json:"withdraw,omitempty"`
}

// Limit is one limit for one side.
type Limit struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Total int64  `json:"total"`
	// Max is the value the side must meet: the final value, or the one a
	// linked clause or an override sets (Set says which).
	Max  int64  `json:"max"`
	Min  *int64 `json:"min,omitempty"`
	Set  string `json:"set,omitempty"`
	Over int64  `json:"over"`
	// Binding on the date, and why not.
	Binding bool   `json:"binding"`
	WhyNot  string `json:"why_not,omitempty"`
	// Deadline is when the value binds; Met when the plan meets it (nil:
	// never), OnTime whether by the deadline.
	Deadline    civil.Date  `json:"deadline"`
	DeadlineHow string      `json:"deadline_how"`
	Met         *civil.Date `json:"met"`
	OnTime      bool        `json:"on_time"`
	// Options are the measures that could close the gap alone, each as
	// far as it goes.
	Options []Option `json:"options,omitempty"`
	// Phases are earlier values and when the plan meets each.
	Phases []Phase `json:"phases,omitempty"`
	// Unmet says why the plan cannot close the gap.
	Unmet string `json:"unmet,omitempty"`
}

// Phase is an interim value of a limit and when the plan meets it.
type Phase struct {
	Name   string      `json:"name"`
	Max    int64       `json:"max"`
	Due    civil.Date  `json:"due"`
	Met    *civil.Date `json:"met"`
	OnTime bool        `json:"on_time"`
}

// Option is one measure that could close a limit's gap on its own.
type Option struct {
	Measure Measure `json:"measure"`
	Step    string  `json:"step"`
	// Items are the items it changes (missiles downloaded, tubes stood
	// down, bombers converted, silos eliminated); Closes how much of Over.
	Items  int      `json:"items"`
	Closes int64    `json:"closes"`
	Over   int64    `json:"over"`
	Groups []string `json:"groups"`
	// Submarines stood down, for stand-down.
	Submarines int `json:"submarines,omitempty"`
	// Years at the rate of the kind.
	Years float64 `json:"years"`
	Rate  string  `json:"rate"`
	Text  string  `json:"text"`
}

// Move is one step of a plan: a measure applied to some items, its
// effect on each limit, and when it is done at the rate.
type Move struct {
	Measure Measure  `json:"measure"`
	Step    string   `json:"step"`
	Items   int      `json:"items"`
	Groups  []string `json:"groups"`
	// Submarines stood down, for stand-down.
	Submarines int `json:"submarines,omitempty"`
	// Effects is the change of each limit's total, by limit id.
	Effects map[string]int64 `json:"effects"`
	Rate    string           `json:"rate"`
	PerYear float64          `json:"per_year"`
	Start   civil.Date       `json:"start"`
	// End is when the last item is done; nil when the rate is 0.
	End  *civil.Date `json:"end"`
	Text string      `json:"text"`

	kind     forces.Kind
	typ      string
	rateKey  string
	batch    int
	after    int     // the move whose items this one takes (-1: none)
	delta    []int64 // by total index
	warheads int64   // warheads downloaded, for the words
	startDay int
	endDay   int
}

// view is one side as counted: a party's forces as declared or read.
type view struct {
	info  SideInfo
	state *forces.State
	units []*unit
}

// basis is one view counted under one rule set.
type basis struct {
	v      *view
	t      *treaty.Treaty
	totals []int64
	pool   []*unit
	site   bool
	quota  bool
	memo   map[string][]int64
	deltas map[deltaKey]deltaEntry
	keys   keyer
	date   civil.Date
	err    error
}

// Prepared holds the counts of every side under every proposal, from
// which Compute works out the impact for any limit values.
type Prepared struct {
	in          Input
	rates       *Rates
	start       civil.Date
	views       []*view
	bases       [][]*basis // [view][proposal]
	proposals   []ProposalInfo
	eifs        []*civil.Date // assumed entry into force per proposal
	assumptions []string
}

// Compute is Prepare then Compute with the proposals' own values.
func Compute(in Input) (*Report, error) {
	p, err := Prepare(in)
	if err != nil {
		return nil, err
	}
	return p.Compute(nil), nil
}

// Prepare reads the disputed readings, counts every side under every
// proposal, and works out what measures do. An error names the reading
// (file, line, change) or the input at fault.
func Prepare(in Input) (*Prepared, error) {
	if len(in.Proposals) == 0 {
		return nil, fmt.Errorf("no proposal to compute the impact of")
	}
	if len(in.Sides) == 0 {
		return nil, fmt.Errorf("no forces: give at least one party's")
	}
	p := &Prepared{in: in, rates: in.Rates, start: in.Date}
	if p.rates == nil {
		p.rates = DefaultRates()
	}
	if s := p.rates.Start; s != nil {
		p.start = *s
	} else if s := DefaultRates().Start; s != nil && p.rates != DefaultRates() {
		p.start = *s
	}
	for _, s := range in.Sides {
		if s.State == nil {
			return nil, fmt.Errorf("%s: no forces", s.Forces)
		}
		info := SideInfo{Party: s.State.Party, Forces: s.Forces, Snapshot: s.State.Snapshot, Items: s.State.Items()}
		p.views = append(p.views, &view{info: info, state: s.State})
		for _, r := range s.Readings {
			read, err := s.State.Read(r)
			if err != nil {
				return nil, err
			}
			ri := info
			ri.Reading, ri.By, ri.ReadingSource, ri.Items = r.Name, r.By, r.Source, read.Items()
			if ri.Reading == "" {
				ri.Reading = r.By + " reading"
			}
			p.views = append(p.views, &view{info: ri, state: read})
		}
	}
	// Proposals and their deadlines.
	for _, t := range in.Proposals {
		pi := ProposalInfo{ID: t.ID, Title: t.Title(), Kind: t.Kind, Linked: t.LinkedAt(in.Date)}
		var eif *civil.Date
		switch {
		case in.EntryIntoForce != nil:
			e := *in.EntryIntoForce
			eif, pi.EntryIntoForce, pi.Assumed = &e, e, true
		case t.Dates.EntryIntoForce != nil:
			pi.EntryIntoForce = t.Dates.EntryIntoForce.Date
		default:
			e := in.Date
			eif, pi.EntryIntoForce, pi.Assumed = &e, e, true
		}
		p.eifs = append(p.eifs, eif)
		if d := t.Dates.ReductionDeadline; d != nil && eif == nil {
			pi.Deadline, pi.DeadlineHow = d.Date, "the reduction deadline"
		} else {
			for i := range t.Limits {
				st := p.finalStep(len(p.proposals), t, &t.Limits[i])
				if st.Known && st.Start >= pi.Deadline {
					pi.Deadline, pi.DeadlineHow = st.Start, fmt.Sprintf("when %s binds (%s)", t.Limits[i].Name, st.How)
				}
			}
		}
		p.proposals = append(p.proposals, pi)
	}
	// Count each view under each rule set, in parallel.
	p.bases = make([][]*basis, len(p.views))
	sigs := make([]string, len(in.Proposals))
	for i, t := range in.Proposals {
		sigs[i] = ruleSignature(t)
	}
	var jobs []*basis
	for vi, v := range p.views {
		p.bases[vi] = make([]*basis, len(in.Proposals))
		shared := map[string]*basis{}
		for pi, t := range in.Proposals {
			b, ok := shared[sigs[pi]]
			if !ok {
				b = &basis{v: v, t: t, date: in.Date, memo: map[string][]int64{}, deltas: map[deltaKey]deltaEntry{}, keys: keyer{}}
				shared[sigs[pi]] = b
				jobs = append(jobs, b)
			}
			p.bases[vi][pi] = b
		}
	}
	parallel(len(p.views), func(i int) { p.views[i].units = units(p.views[i].state) })
	parallel(len(jobs), func(i int) { jobs[i].count() })
	p.assumptions = p.assume()
	return p, nil
}

// finalStep is the step limit l settles at, under proposal pi's assumed
// entry into force.
func (p *Prepared) finalStep(pi int, t *treaty.Treaty, l *treaty.Limit) treaty.LimitStep {
	if e := p.eifs[pi]; e != nil {
		return treaty.Final(t.StepsFrom(l, *e))
	}
	return treaty.Final(t.Steps(l))
}

func (p *Prepared) steps(pi int, t *treaty.Treaty, l *treaty.Limit) []treaty.LimitStep {
	if e := p.eifs[pi]; e != nil {
		return t.StepsFrom(l, *e)
	}
	return t.Steps(l)
}

// parallel runs f(0..n-1) on as many goroutines as there are CPUs.
func parallel(n int, f func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// ruleSignature is what decides a count: parties, kinds covered, totals,
// containment and rules. Proposals with the same signature count any
// forces alike and share the count.
func ruleSignature(t *treaty.Treaty) string {
	var b strings.Builder
	for _, x := range t.Parties {
		fmt.Fprintf(&b, "party %s %v;", x.ID, x.Aliases)
	}
	fmt.Fprintf(&b, "covers %v;", t.Covers)
	for _, x := range t.Totals {
		fmt.Fprintf(&b, "total %s;", x.ID)
	}
	for _, c := range t.Containment {
		fmt.Fprintf(&b, "contain %s %s %s %v %v;", c.Item, c.In, c.Match, c.Statuses, c.AssumeLoaded)
	}
	for _, r := range t.Rules {
		keys := make([]string, 0, len(r.Counts))
		for k := range r.Counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "rule %s %v when %s", r.ID, r.Parties, r.When)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%s", k, r.Counts[k])
		}
		if q := r.Quota; q != nil {
			fmt.Fprintf(&b, " quota %s %d %v %s %s", q.Total, q.First, q.Order, q.Units, q.Rest)
		}
		b.WriteString(";")
	}
	return b.String()
}

// count counts the view under the basis's treaty and splits it into
// units.
func (b *basis) count() {
	r, err := count.Totals(b.t, b.v.state, b.date)
	if err != nil {
		b.err = err
		return
	}
	b.totals = make([]int64, len(r.Totals))
	for i, x := range r.Totals {
		b.totals[i] = x.Value
	}
	for _, reads := range b.t.Compiled().KindReads {
		fields, _, all := reads.Reads()
		for _, f := range fields {
			b.site = b.site || f == "site"
		}
		b.site = b.site || all
	}
	for _, r := range b.t.Rules {
		b.quota = b.quota || r.Quota != nil
	}
	byKey := map[ukey]*unit{}
	for _, vu := range b.v.units {
		key := vu.mapKey(b.site)
		if x, ok := byKey[key]; ok {
			x.count += vu.count
			continue
		}
		u := *vu
		u.site = b.site
		byKey[key] = &u
		b.pool = append(b.pool, &u)
	}
	// Units with equal attributes in different maps merge here.
	merged := b.pool[:0]
	byString := map[string]*unit{}
	for _, u := range b.pool {
		u.key = u.keyOf(b.site, b.keys)
		if x, ok := byString[u.key]; ok {
			x.count += u.count
			continue
		}
		byString[u.key] = u
		merged = append(merged, u)
	}
	b.pool = merged
	sort.Slice(b.pool, func(i, j int) bool { return b.pool[i].key < b.pool[j].key })
}

// of returns the totals one item of u counts (memoised by key).
func (b *basis) of(u *unit) ([]int64, error) {
	if v, ok := b.memo[u.key]; ok {
		return v, nil
	}
	r, err := count.Totals(b.t, u.miniState(b.v.info.Party), b.date)
	if err != nil {
		return nil, err
	}
	v := make([]int64, len(r.Totals))
	for i, x := range r.Totals {
		v[i] = x.Value
	}
	b.memo[u.key] = v
	return v, nil
}

// delta is the change of each total when one item of u is changed by m;
// ok is false when m does not apply or changes nothing.
func (b *basis) delta(u *unit, m Measure, keep int) ([]int64, []*unit, bool) {
	key := deltaKey{m, u.key}
	if e, ok := b.deltas[key]; ok {
		return e.d, e.after, e.ok
	}
	d, after, ok := b.computeDelta(u, m, keep)
	b.deltas[key] = deltaEntry{d, after, ok}
	return d, after, ok
}

type deltaKey struct {
	m   Measure
	key string
}

type deltaEntry struct {
	d     []int64
	after []*unit
	ok    bool
}

func (b *basis) computeDelta(u *unit, m Measure, keep int) ([]int64, []*unit, bool) {
	after, ok := apply(u, m, keep, b.site, b.keys)
	if !ok {
		return nil, nil, false
	}
	before, err := b.of(u)
	if err != nil {
		return nil, nil, false
	}
	d := make([]int64, len(before))
	for i := range d {
		d[i] = -before[i]
	}
	for _, a := range after {
		v, err := b.of(a)
		if err != nil {
			return nil, nil, false
		}
		for i := range d {
			d[i] += v[i]
		}
	}
	return d, after, true
}

// assume lists the assumptions every report prints.
func (p *Prepared) assume() []string {
	out := []string{
		fmt.Sprintf("reductions begin on %s; items of different kinds are reduced in parallel, each kind at its rate, one item after another; a year is 365 days", p.start),
		fmt.Sprintf("a download takes one warhead at a time off the most loaded deployed missiles, leaving at least %d on each", p.rates.keep()),
		"a submarine stood down takes its launch tubes and the missiles in them to non-deployed; tubes that name no submarine move in batches of the rates file's batch, the least loaded first",
		"a converted heavy bomber is equipped for non-nuclear armaments (status converted, nuclear: false); a converted SLBM launcher is closed for good",
		"an eliminated ICBM launcher's missile goes to non-deployed",
		"the plan closes each limit in the proposal's order, trying measures least drastic first: " + stepNames() + "; it is one way to comply, not the only one",
		"what a measure does is counted under each proposal's own rules, one item at a time",
	}
	for i, t := range p.in.Proposals {
		if pi := p.proposals[i]; pi.Assumed {
			why := "a " + string(t.Kind) + " never enters into force"
			if t.Dates.EntryIntoForce != nil {
				why = "as asked"
			}
			out = append(out, fmt.Sprintf("%s taken to enter into force on %s (%s): deadline %s, %s", t.ID, pi.EntryIntoForce, why, pi.Deadline, pi.DeadlineHow))
		}
		for _, r := range t.Rules {
			if r.Quota != nil {
				out = append(out, fmt.Sprintf("%s: rule %s is a quota (the first %d items); an item's effect is counted alone, as if among the first", t.ID, r.ID, r.Quota.First))
				break
			}
		}
	}
	return out
}

func stepNames() string {
	var s []string
	for _, st := range steps {
		s = append(s, st.name)
	}
	return strings.Join(s, ", ")
}
