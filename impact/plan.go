package impact

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// target is one limit a plan must meet.
type target struct {
	li, ti int
	max    int64
}

// Compute works out the impact with the proposals' own limit values,
// replaced by limits (limit id → maximum) where given: the map a page with
// sliders sends. Totals are not recounted, only plans and dates.
func (p *Prepared) Compute(limits map[string]int64) *Report {
	r := &Report{Date: p.in.Date, Start: p.start, Assumptions: p.assumptions, Proposals: p.proposals}
	for _, v := range p.views {
		r.Sides = append(r.Sides, v.info)
	}
	r.Cells = make([]Cell, len(p.views)*len(p.proposals))
	// Cells that share a basis share its memo: compute them on one
	// goroutine, bases in parallel.
	type job struct {
		b     *basis
		cells []int
	}
	var jobs []*job
	byBasis := map[*basis]*job{}
	for vi := range p.views {
		for pi := range p.proposals {
			b := p.bases[vi][pi]
			j := byBasis[b]
			if j == nil {
				j = &job{b: b}
				byBasis[b] = j
				jobs = append(jobs, j)
			}
			j.cells = append(j.cells, vi*len(p.proposals)+pi)
		}
	}
	used := make([]map[string]Rate, len(jobs))
	parallel(len(jobs), func(i int) {
		used[i] = map[string]Rate{}
		for _, ci := range jobs[i].cells {
			vi, pi := ci/len(p.proposals), ci%len(p.proposals)
			r.Cells[ci] = p.cell(vi, pi, limits, used[i])
		}
	})
	seen := map[string]bool{}
	for _, u := range used {
		for k, x := range u {
			if !seen[k] {
				seen[k] = true
				r.Rates = append(r.Rates, x)
			}
		}
	}
	sort.Slice(r.Rates, func(i, j int) bool { return r.Rates[i].label() < r.Rates[j].label() })
	return r
}

// cell computes one side under one proposal.
func (p *Prepared) cell(vi, pi int, overrides map[string]int64, used map[string]Rate) Cell {
	v, t, b := p.views[vi], p.in.Proposals[pi], p.bases[vi][pi]
	c := Cell{Proposal: t.ID, Party: v.info.Party, Reading: v.info.Reading, Deadline: p.proposals[pi].Deadline}
	if b.err != nil {
		c.Error = b.err.Error()
		return c
	}
	for _, cs := range p.proposals[pi].Linked {
		if cs.Holds {
			c.Withdraw = append(c.Withdraw, cs.Clause.Then.Withdraw...)
		}
	}
	as := AsIf{EntryIntoForce: p.eifs[pi]}
	var targets []target
	c.Within = true
	for i := range t.Limits {
		l := &t.Limits[i]
		ti := totalIndex(t, l.Total)
		steps := p.steps(pi, t, l)
		final := treaty.Final(steps)
		bound := as.Bound(t, l, p.in.Date)
		lim := Limit{ID: l.ID, Name: l.Name, Total: b.totals[ti], Max: final.Max, Min: final.Min, Binding: bound.Binding, WhyNot: bound.Why,
			Deadline: final.Start, DeadlineHow: final.How}
		if !final.Known {
			lim.DeadlineHow += " (no date)"
		}
		if max, min, by, ok := t.LimitWith(l, p.in.Date); ok {
			lim.Max, lim.Min, lim.Set = max, min, "linked clause "+by.ID+" holds"
		}
		if x, ok := overrides[l.ID]; ok {
			lim.Max, lim.Set = x, "set for this computation"
		}
		lim.Over = max(0, lim.Total-lim.Max)
		if lim.Over > 0 {
			c.Within = false
		}
		c.Limits = append(c.Limits, lim)
		targets = append(targets, target{li: i, ti: ti, max: lim.Max})
	}
	keep := p.rates.keep()
	// Options: each step class alone, from the forces as they are.
	for i := range c.Limits {
		if c.Limits[i].Over > 0 {
			c.Limits[i].Options = p.options(b, t, targets, i, keep, used)
		}
	}
	// The plan.
	pl := &planner{p: p, b: b, t: t, keep: keep, used: used}
	pl.init(targets)
	unmet := pl.run(targets)
	// When each limit is met, at the rates.
	tl := timeline(pl.moves, p.start)
	for i := range pl.moves {
		m := &pl.moves[i]
		m.Effects = map[string]int64{}
		for _, tg := range targets {
			if d := m.delta[tg.ti]; d != 0 {
				m.Effects[t.Limits[tg.li].ID] = d
			}
		}
	}
	c.Plan = pl.moves
	var latest civil.Date
	never := ""
	c.OnTime = true
	for i := range c.Limits {
		lim := &c.Limits[i]
		if why, ok := unmet[i]; ok {
			lim.Unmet = why
			never = fmt.Sprintf("%s: %s", lim.Name, why)
			c.OnTime = false
			continue
		}
		met, ok := tl.met(b.totals[targets[i].ti], targets[i].ti, lim.Max)
		if !ok {
			lim.Unmet = "measures with no rate: " + tl.stalled()
			never = fmt.Sprintf("%s: %s", lim.Name, lim.Unmet)
			c.OnTime = false
			continue
		}
		lim.Met = &met
		lim.OnTime = met <= lim.Deadline || lim.Over == 0
		if strings.HasSuffix(lim.DeadlineHow, "(no date)") {
			lim.OnTime = true
		}
		c.OnTime = c.OnTime && lim.OnTime
		if met > latest {
			latest = met
		}
		steps := p.steps(pi, t, &t.Limits[i])
		if len(steps) > 1 {
			for _, st := range steps[:len(steps)-1] {
				ph := Phase{Name: st.Name, Max: st.Max, Due: st.Start}
				if m, ok := tl.met(b.totals[targets[i].ti], targets[i].ti, st.Max); ok {
					ph.Met = &m
					ph.OnTime = m <= st.Start || b.totals[targets[i].ti] <= st.Max
				}
				lim.Phases = append(lim.Phases, ph)
			}
		}
	}
	if never != "" {
		c.Never = never
	} else {
		if latest < p.start {
			latest = p.start
		}
		c.Complies = &latest
	}
	return c
}

func totalIndex(t *treaty.Treaty, id string) int {
	for i, x := range t.Totals {
		if x.ID == id {
			return i
		}
	}
	return -1
}

// planner closes limits by taking units from a pool.
type planner struct {
	p     *Prepared
	b     *basis
	t     *treaty.Treaty
	keep  int
	used  map[string]Rate
	pool  []*unit
	byKey map[string]*unit
	cur   []int64
	moves []Move
}

func (pl *planner) init(targets []target) {
	pl.byKey = map[string]*unit{}
	for _, u := range pl.b.pool {
		c := *u
		pl.pool = append(pl.pool, &c)
		pl.byKey[c.key] = &c
	}
	pl.cur = append([]int64(nil), pl.b.totals...)
}

// add puts n items of u, made by move from, into the pool.
func (pl *planner) add(u *unit, n, from int) {
	if x, ok := pl.byKey[u.key]; ok {
		x.count += n
		x.from = max(x.from, from)
		return
	}
	c := *u
	c.count, c.from = n, from
	pl.pool = append(pl.pool, &c)
	pl.byKey[c.key] = &c
}

// run closes each target in order and returns the ones it could not,
// with why.
func (pl *planner) run(targets []target) map[int]string {
	unmet := map[int]string{}
	for i, tg := range targets {
		for guard := 0; pl.cur[tg.ti] > tg.max; guard++ {
			if guard > 1_000_000 {
				unmet[i] = "the plan did not converge"
				break
			}
			if !pl.stepOnce(tg, targets) {
				unmet[i] = fmt.Sprintf("%s over with nothing left that brings it down", treaty.FormatInt(pl.cur[tg.ti]-tg.max))
				break
			}
		}
	}
	return unmet
}

// candidate is a unit a step can take, with what one item does.
type candidate struct {
	u     *unit
	d     []int64
	after []*unit
	rate  Rate
	kind  forces.Kind
	typ   string
}

// candidates are the units of a step that bring target ti down and have
// a rate (or, when noRate, those that have none).
func (pl *planner) candidates(st step, ti int, noRate bool) []candidate {
	var out []candidate
	for _, u := range pl.pool {
		if u.count <= 0 || !st.applies(u) {
			continue
		}
		d, after, ok := pl.b.delta(u, st.measure, pl.keep)
		if !ok || d[ti] >= 0 {
			continue
		}
		k, typ := rateKind(u, st.measure)
		rate, ok := pl.p.rates.Lookup(k, typ, st.measure)
		if (ok && rate.PerYear > 0) == noRate {
			continue
		}
		out = append(out, candidate{u: u, d: d, after: after, rate: rate, kind: k, typ: typ})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if st.measure == Download && a.u.warheads() != b.u.warheads() {
			return a.u.warheads() > b.u.warheads() // level the most loaded first
		}
		if st.measure == StandDown && a.u.warheads() != b.u.warheads() {
			return a.u.warheads() < b.u.warheads() // the least loaded boats first
		}
		if a.d[ti] != b.d[ti] && st.measure != StandDown {
			return a.d[ti] < b.d[ti]
		}
		return a.u.key < b.u.key
	})
	return out
}

// room is how many items of c can be taken without pushing another
// target over its maximum.
func (pl *planner) room(c candidate, targets []target, want int) int {
	n := want
	for _, tg := range targets {
		if d := c.d[tg.ti]; d > 0 {
			left := tg.max - pl.cur[tg.ti]
			if left < 0 {
				return 0
			}
			n = min(n, int(left/d))
		}
	}
	return n
}

// stepOnce takes, from the first step class that can, what brings tg
// down, and reports whether anything was taken. Classes whose items have
// no rate come last.
func (pl *planner) stepOnce(tg target, targets []target) bool {
	for _, noRate := range []bool{false, true} {
		for _, st := range steps {
			cands := pl.candidates(st, tg.ti, noRate)
			if len(cands) == 0 {
				continue
			}
			need := pl.cur[tg.ti] - tg.max
			if st.measure == Download {
				if pl.download(st, cands, tg) {
					return true
				}
				continue
			}
			if st.measure == StandDown {
				if pl.standDown(st, cands, tg, targets) {
					return true
				}
				continue
			}
			for _, c := range cands {
				want := int(min(int64(c.u.count), ceilDiv(need, -c.d[tg.ti])))
				n := pl.room(c, targets, want)
				if n <= 0 {
					continue
				}
				pl.take(st, c, n, n)
				return true
			}
		}
	}
	return false
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// take applies a step to n items of c, recording a move of items items
// for the rate.
func (pl *planner) take(st step, c candidate, n, items int) {
	delta := make([]int64, len(c.d))
	for i, d := range c.d {
		delta[i] = d * int64(n)
	}
	mi := pl.record(st, c, items, delta, []string{fmt.Sprintf("%d × %s", n, c.u.label())}, 0, 0)
	c.u.count -= n
	for _, a := range c.after {
		pl.add(a, n, mi)
	}
	for i := range delta {
		pl.cur[i] += delta[i]
	}
}

// record adds a move, merged into the last one when it is the same step
// at the same rate, and returns its index.
func (pl *planner) record(st step, c candidate, items int, delta []int64, groups []string, warheads int64, boats int) int {
	key := rateKey(c.rate)
	pl.used[key] = c.rate
	if n := len(pl.moves); n > 0 {
		last := &pl.moves[n-1]
		if last.Step == st.name && last.rateKey == key {
			last.Items += items
			last.Groups = append(last.Groups, groups...)
			last.warheads += warheads
			last.Submarines += boats
			if boats > 0 {
				last.batch = max(1, (last.Items+last.Submarines-1)/last.Submarines)
			}
			for i := range delta {
				last.delta[i] += delta[i]
			}
			if c.u.from != n-1 {
				last.after = max(last.after, c.u.from)
			}
			return n - 1
		}
	}
	batch := 1
	if boats > 0 {
		batch = max(1, (items+boats-1)/boats) // a submarine's tubes are done together
	}
	pl.moves = append(pl.moves, Move{Measure: st.measure, Step: st.name, Items: items, Groups: groups, Submarines: boats,
		Rate: c.rate.label(), PerYear: c.rate.PerYear, kind: c.kind, typ: c.typ, rateKey: key, batch: batch, delta: delta,
		after: c.u.from, warheads: warheads})
	return len(pl.moves) - 1
}

// download takes warheads off the most loaded missiles first, down to a
// common level: everything above level L+1 comes down to L+1, then as
// many missiles as needed from L+1 to L, those already being downloaded
// first. Items are missiles (each downloaded once, by one or more).
// Taking warheads off only lowers totals under the rules tally knows, so
// no other limit is checked here.
func (pl *planner) download(st step, cands []candidate, tg target) bool {
	need := pl.cur[tg.ti] - tg.max
	red := func(c candidate, level int) int64 { // reduction per missile, w → level
		if level >= c.u.warheads() {
			return 0
		}
		v, err := pl.b.of(downloaded(c.u, level, pl.b.site, pl.b.keys))
		base, err2 := pl.b.of(c.u)
		if err != nil || err2 != nil {
			return 0
		}
		return base[tg.ti] - v[tg.ti]
	}
	top := 0
	for _, c := range cands {
		top = max(top, c.u.warheads())
	}
	total := func(level int) int64 {
		var s int64
		for _, c := range cands {
			s += int64(c.u.count) * red(c, level)
		}
		return s
	}
	level, found := pl.keep, false
	for l := top - 1; l >= pl.keep; l-- {
		if total(l) >= need {
			level, found = l, true
			break
		}
	}
	a := level // everything above a comes down to a
	var rest int64
	if found {
		a = level + 1
		rest = need - total(a)
	}
	// Missiles already downloaded first, then in candidates' order.
	type part struct {
		c     candidate
		to, n int
	}
	var parts []part
	for _, c := range cands {
		w := c.u.warheads()
		if w > a {
			n := c.u.count
			if found && rest > 0 {
				if extra := red(c, level) - red(c, a); extra > 0 {
					k := int(min(int64(n), ceilDiv(rest, extra)))
					rest -= int64(k) * extra
					parts = append(parts, part{c: c, to: level, n: k})
					n -= k
				}
			}
			if n > 0 {
				parts = append(parts, part{c: c, to: a, n: n})
			}
		}
	}
	for _, c := range cands { // then missiles already at a, to level
		if !found || rest <= 0 {
			break
		}
		if c.u.warheads() == a {
			if extra := red(c, level); extra > 0 {
				k := int(min(int64(c.u.count), ceilDiv(rest, extra)))
				rest -= int64(k) * extra
				parts = append(parts, part{c: c, to: level, n: k})
			}
		}
	}
	took := false
	for _, p := range parts {
		if p.n <= 0 {
			continue
		}
		after := downloaded(p.c.u, p.to, pl.b.site, pl.b.keys)
		v, err := pl.b.of(after)
		base, err2 := pl.b.of(p.c.u)
		if err != nil || err2 != nil {
			continue
		}
		delta := make([]int64, len(v))
		for i := range v {
			delta[i] = (v[i] - base[i]) * int64(p.n)
		}
		w := p.c.u.warheads()
		group := fmt.Sprintf("%d × %s %s, %d → %d warheads", p.n, p.c.u.m.Type, kindWord(p.c.u.m.Kind), w, p.to)
		mi := pl.record(st, p.c, p.n, delta, []string{group}, int64(p.n)*int64(w-p.to), 0)
		p.c.u.count -= p.n
		pl.add(after, p.n, mi)
		for i := range delta {
			pl.cur[i] += delta[i]
		}
		took = true
	}
	return took
}

func rateKey(r Rate) string { return fmt.Sprintf("%s|%s|%s|%v", r.Kind, r.Type, r.Measure, r.Default) }

// standDown takes whole submarines: tubes that name their submarine go
// with all the deployed tubes of that submarine; others go in batches of
// the rate's batch per type, the least loaded first, the last batch
// filled up. A named submarine whose tubes would push another limit over
// is passed over.
func (pl *planner) standDown(st step, cands []candidate, tg target, targets []target) bool {
	type part struct {
		c candidate
		n int
	}
	var parts []part
	at := map[*unit]int{}
	delta := make([]int64, len(pl.cur))
	boats := 0
	addPart := func(c candidate, n int) {
		if n <= 0 {
			return
		}
		if i, ok := at[c.u]; ok {
			parts[i].n += n
		} else {
			at[c.u] = len(parts)
			parts = append(parts, part{c, n})
		}
		for i, d := range c.d {
			delta[i] += d * int64(n)
		}
	}
	left := func() int64 { return pl.cur[tg.ti] + delta[tg.ti] - tg.max }
	// Submarines named by their tubes.
	var subs []string
	bySub := map[string][]candidate{}
	var loose []candidate
	for _, c := range cands {
		if c.u.sub == nil {
			loose = append(loose, c)
			continue
		}
		id := c.u.sub.UIDs[0]
		if bySub[id] == nil {
			subs = append(subs, id)
		}
		bySub[id] = append(bySub[id], c)
	}
	if len(subs) > 0 {
		// Their empty deployed tubes go too.
		for _, u := range pl.pool {
			if u.count > 0 && u.class == empty && u.kind() == forces.SLBMLauncher && deployed(u) && u.sub != nil && bySub[u.sub.UIDs[0]] != nil {
				if d, after, ok := pl.b.delta(u, StandDown, pl.keep); ok {
					id := u.sub.UIDs[0]
					bySub[id] = append(bySub[id], candidate{u: u, d: d, after: after, rate: bySub[id][0].rate, kind: u.l.Kind, typ: u.l.Type})
				}
			}
		}
	}
	for _, id := range subs {
		if left() <= 0 {
			break
		}
		fits := true
		for _, t2 := range targets {
			var d int64
			for _, c := range bySub[id] {
				d += c.d[t2.ti] * int64(c.u.count)
			}
			if d > 0 && pl.cur[t2.ti]+delta[t2.ti]+d > t2.max {
				fits = false
			}
		}
		if !fits {
			continue
		}
		for _, c := range bySub[id] {
			addPart(c, c.u.count)
		}
		boats++
	}
	// Tubes that name no submarine, per type, in batches.
	var types []string
	byType := map[string][]candidate{}
	for _, c := range loose {
		if byType[c.typ] == nil {
			types = append(types, c.typ)
		}
		byType[c.typ] = append(byType[c.typ], c)
	}
	for _, typ := range types {
		if left() <= 0 {
			break
		}
		cs := byType[typ]
		batch := max(cs[0].rate.Batch, 1)
		tubes := 0
		for _, c := range cs {
			if left() <= 0 {
				break
			}
			n := int(min(int64(c.u.count), ceilDiv(left(), -c.d[tg.ti])))
			addPart(c, n)
			tubes += n
		}
		if rem := tubes % batch; rem != 0 {
			fill := batch - rem
			for _, c := range cs {
				taken := 0
				if i, ok := at[c.u]; ok {
					taken = parts[i].n
				}
				n := min(c.u.count-taken, fill)
				addPart(c, n)
				fill -= n
				tubes += n
			}
		}
		boats += (tubes + batch - 1) / batch
	}
	if len(parts) == 0 {
		return false
	}
	groups := make([]string, len(parts))
	items := 0
	rateC := parts[0].c
	for i, p := range parts {
		groups[i] = fmt.Sprintf("%d × %s", p.n, p.c.u.label())
		items += p.n
		if p.c.u.from > rateC.u.from {
			rateC = p.c
		}
	}
	mi := pl.record(st, rateC, items, delta, mergeGroups(groups), 0, boats)
	for _, p := range parts {
		p.c.u.count -= p.n
		for _, a := range p.c.after {
			pl.add(a, p.n, mi)
		}
	}
	for i := range delta {
		pl.cur[i] += delta[i]
	}
	return true
}

// mergeGroups adds up "n × label" entries with the same label.
func mergeGroups(gs []string) []string {
	counts := map[string]int{}
	var order []string
	for _, g := range gs {
		n, label := 1, g
		if a, b, ok := strings.Cut(g, " × "); ok {
			if _, err := fmt.Sscanf(a, "%d", &n); err == nil {
				label = b
			} else {
				n, label = 1, g
			}
		}
		if _, ok := counts[label]; !ok {
			order = append(order, label)
		}
		counts[label] += n
	}
	var out []string
	for _, l := range order {
		out = append(out, fmt.Sprintf("%s × %s", treaty.FormatInt(int64(counts[l])), l))
	}
	return out
}

// options are, for limit i, what each step class could do alone.
func (p *Prepared) options(b *basis, t *treaty.Treaty, targets []target, i, keep int, used map[string]Rate) []Option {
	var out []Option
	tg := targets[i]
	over := b.totals[tg.ti] - tg.max
	for si, st := range steps {
		pl := &planner{p: p, b: b, t: t, keep: keep, used: map[string]Rate{}}
		pl.init(targets)
		// Only this class: a single target, no other constraint.
		one := []target{tg}
		for pl.cur[tg.ti] > tg.max {
			cands := pl.candidates(st, tg.ti, false)
			if len(cands) == 0 {
				cands = pl.candidates(st, tg.ti, true)
			}
			if len(cands) == 0 {
				break
			}
			if st.measure == StandDown {
				if !pl.standDown(st, cands, tg, one) {
					break
				}
				continue
			}
			if st.measure == Download {
				if !pl.download(st, cands, tg) {
					break
				}
				continue
			}
			c := cands[0]
			n := int(min(int64(c.u.count), ceilDiv(pl.cur[tg.ti]-tg.max, -c.d[tg.ti])))
			pl.take(st, c, n, n)
		}
		if len(pl.moves) == 0 {
			continue
		}
		o := Option{Measure: st.measure, Step: steps[si].name, Over: over, Closes: b.totals[tg.ti] - pl.cur[tg.ti]}
		var years float64
		var rates []string
		for _, m := range pl.moves {
			o.Items += m.Items
			o.Groups = append(o.Groups, m.Groups...)
			if m.PerYear > 0 {
				years = math.Max(years, float64(m.Items)/m.PerYear)
			} else {
				years = math.Inf(1)
			}
			rates = append(rates, m.Rate)
			for k, x := range pl.used {
				used[k] = x
			}
		}
		o.Closes = min(o.Closes, over)
		o.Years = years
		o.Rate = strings.Join(dedupe(rates), "; ")
		var warheads int64
		for _, m := range pl.moves {
			warheads += m.warheads
			o.Submarines += m.Submarines
		}
		o.Text = optionText(o, st, warheads, o.Submarines)
		if math.IsInf(o.Years, 1) {
			o.Years = -1
		}
		out = append(out, o)
	}
	return out
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// optionText says an option in a line.
func optionText(o Option, st step, warheads int64, boats int) string {
	s := fmt.Sprintf("%s (%s): closes %s of %s", measureWords(st, o.Items, warheads, boats), strings.Join(mergeGroups(o.Groups), "; "), treaty.FormatInt(o.Closes), treaty.FormatInt(o.Over))
	if o.Closes < o.Over {
		s += " (not enough alone)"
	}
	switch {
	case math.IsInf(o.Years, 1):
		s += "; no rate for these items"
	default:
		s += fmt.Sprintf("; %.1f years at %s", o.Years, o.Rate)
	}
	return s
}

// measureWords says what a step does to n items.
func measureWords(st step, n int, warheads int64, boats int) string {
	items := treaty.FormatInt(int64(n))
	switch st.measure {
	case Download:
		return fmt.Sprintf("download %s warhead%s from %s missile%s", treaty.FormatInt(warheads), plural(warheads), items, plural(int64(n)))
	case StandDown:
		return fmt.Sprintf("stand down %d submarine%s: %s SLBM launcher%s to non-deployed, with the missiles in them", boats, plural(int64(boats)), items, plural(int64(n)))
	}
	return fmt.Sprintf("%s: %s", st.name, items)
}

// tline is the plan laid out in time: each rate's queue, one item after
// another; a move that takes items an earlier move made waits for it.
type tline struct {
	start civil.Date
	moves []Move
	end   int // the day the last move with a rate ends
}

// never is the end day of a move that is never done.
const never = math.MaxInt32

// timeline places the moves of a plan in time and fills their dates and
// texts.
func timeline(moves []Move, start civil.Date) *tline {
	free := map[string]int{}
	tl := &tline{start: start, moves: moves}
	for i := range moves {
		m := &moves[i]
		begin := free[m.rateKey]
		if m.after >= 0 && m.after < i {
			begin = max(begin, moves[m.after].endDay)
		}
		m.startDay = begin
		switch {
		case begin >= never || m.PerYear <= 0:
			m.startDay, m.endDay = never, never
		default:
			m.endDay = begin + int(math.Ceil(float64(m.Items)*365/m.PerYear))
			e := start.AddDays(m.endDay)
			m.End = &e
			tl.end = max(tl.end, m.endDay)
			free[m.rateKey] = m.endDay
		}
		if m.startDay < never {
			m.Start = start.AddDays(m.startDay)
		}
		m.Text = moveText(m)
	}
	return tl
}

// doneBy is how much of move m's change to total ti is done by day t:
// whole batches only.
func (m *Move) doneBy(t int, ti int) int64 {
	if m.endDay >= never || t < m.startDay {
		return 0
	}
	k := m.Items
	if t < m.endDay {
		k = min(int(math.Floor(float64(t-m.startDay)*m.PerYear/365)), m.Items)
	}
	bundles := (m.Items + m.batch - 1) / m.batch
	got := k / m.batch
	if k == m.Items {
		got = bundles
	}
	return m.delta[ti] * int64(got) / int64(bundles)
}

// met is the first day total ti (from total) is at most limit; ok is
// false when the plan never gets there.
func (tl *tline) met(total int64, ti int, limit int64) (civil.Date, bool) {
	at := func(t int) int64 {
		v := total
		for i := range tl.moves {
			v += tl.moves[i].doneBy(t, ti)
		}
		return v
	}
	if total <= limit {
		return tl.start, true
	}
	if at(tl.end) > limit {
		return 0, false
	}
	monotone := true
	for i := range tl.moves {
		monotone = monotone && tl.moves[i].delta[ti] <= 0
	}
	if !monotone {
		return tl.start.AddDays(tl.end), true
	}
	lo, hi := 0, tl.end
	for lo < hi {
		mid := (lo + hi) / 2
		if at(mid) <= limit {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return tl.start.AddDays(lo), true
}

// stalled names the moves with no rate.
func (tl *tline) stalled() string {
	var s []string
	for _, m := range tl.moves {
		if m.PerYear <= 0 {
			s = append(s, fmt.Sprintf("%s (%s)", m.Step, m.kind))
		}
	}
	return strings.Join(dedupe(s), ", ")
}

// moveText says a move in a line.
func moveText(m *Move) string {
	st := step{measure: m.Measure, name: m.Step}
	s := fmt.Sprintf("%s (%s)", measureWords(st, m.Items, m.warheads, m.Submarines), strings.Join(mergeGroups(m.Groups), "; "))
	if m.End != nil {
		s += fmt.Sprintf(", %s to %s at %s", m.Start, *m.End, m.Rate)
	} else {
		s += ": no rate for these items, never done"
	}
	return s
}
