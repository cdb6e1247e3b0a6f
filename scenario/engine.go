package scenario

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
)

// The engine turns a party's compositions, one per declaration, into items
// with UIDs and the notifications that take one declaration to the next.
//
// Between two compositions it decides, class by class (kind and type),
// which items change: as few as possible, the oldest first. An item that
// leaves a count goes to a count that grows, preferring a change of status
// at the same site, then a move, then both; what is left over is
// eliminated, and what is missing is new. Each item's change becomes a few
// steps in a fixed order (take the missile and its launcher out of
// deployed status, move, change status, convert, eliminate, deploy). Steps
// alike are grouped into one notification (a submarine's tubes together, a
// missile with a launcher it is deployed in), and the notifications are
// applied, in that order, to a forces.Inventory that validates each one,
// so that every notification the scenario holds applies cleanly. One that
// would break a rule now (a launcher leaving deployed status while another
// at the same base has yet to take its missile) waits until it applies.
// The notifications are then dated, in the order they applied, across the
// days between the two declarations.

type item struct {
	uid  string
	key  string // the plan's key for an item listed one by one; "" if counted
	seq  int    // creation order: the oldest leave a count first
	slot slot
	// warheads is the loading at the last declaration (deployed
	// missiles), or -1.
	warheads int
}

type engine struct {
	party    string
	types    *forces.Types
	inv      *forces.Inventory
	live     map[string]*item // by UID, eliminated ones removed
	byKey    map[string]*item
	used     map[string]bool // every UID ever issued
	seq      int
	counters map[string]int
	canon    map[string]string
	// exits says, per type, why items that leave accountability leave,
	// when it is not an elimination in the treaty's sense.
	exits map[string]string
	conv  map[string]forces.Attrs
	// windows and windowDays date notifications in windows (Options).
	windows, windowDays int
}

func newEngine(party string, types *forces.Types) *engine {
	return &engine{
		party:    party,
		types:    types,
		inv:      forces.NewInventory(party, types),
		live:     map[string]*item{},
		byKey:    map[string]*item{},
		used:     map[string]bool{},
		counters: map[string]int{},
		canon:    map[string]string{},
		conv:     map[string]forces.Attrs{},
	}
}

// canonical is the catalogue's name for a type as a plan writes it
// ("RS-24 (silo)" is RS-24): the forces invariants balance missiles and
// launchers per canonical type.
func (e *engine) canonical(typ string) string {
	if c, ok := e.canon[typ]; ok {
		return c
	}
	r, err := e.types.Resolve(typ)
	c := typ
	if err == nil {
		c = r.Type.Name
	}
	e.canon[typ] = c
	return c
}

var kindCode = map[forces.Kind]string{
	forces.ICBM:         "ICBM",
	forces.ICBMLauncher: "ICBML",
	forces.SLBM:         "SLBM",
	forces.SLBMLauncher: "SLBML",
	forces.Submarine:    "SSBN",
	forces.HeavyBomber:  "HB",
	forces.Warhead:      "WH",
}

// newItem issues the next UID of the item's kind: <party>-<kind>-<NNNNNN>,
// never reused.
func (e *engine) newItem(s slot, key string) *item {
	code := kindCode[s.kind]
	e.counters[code]++
	uid := fmt.Sprintf("%s-%s-%06d", e.party, code, e.counters[code])
	if e.used[uid] {
		panic("scenario: UID issued twice: " + uid)
	}
	e.used[uid] = true
	e.seq++
	return &item{uid: uid, key: key, seq: e.seq, slot: s, warheads: -1}
}

func (e *engine) carrierUID(key string) string {
	if key == "" {
		return ""
	}
	if it := e.byKey[key]; it != nil {
		return it.uid
	}
	return ""
}

// conversionAttrs are the attributes a conversion sets: a heavy bomber
// converted is equipped for non-nuclear armaments (and for no ALCMs).
func (e *engine) conversionAttrs(s slot) forces.Attrs {
	if s.kind != forces.HeavyBomber {
		return nil
	}
	a, ok := e.conv[s.typ]
	if !ok {
		a = forces.Attrs{"nuclear": false}
		if r, err := e.types.Resolve(s.typ); err == nil {
			if v, ok := e.types.Effective(r.Type, r.Overrides)["alcms"].(int64); ok && v != 0 {
				a["alcms"] = int64(0)
			}
		}
		e.conv[s.typ] = a
	}
	out := make(forces.Attrs, len(a)) // each spec and event its own map
	for k, v := range a {
		out[k] = v
	}
	return out
}

// spec is the item as a declaration or a new event lists it. With w, a
// deployed missile's loading is written there and the spec points to it.
func (e *engine) spec(it *item, w *int) forces.ItemSpec {
	sp := forces.ItemSpec{UID: it.uid, Kind: it.slot.kind, Type: it.slot.typ, Status: it.slot.status, Site: it.slot.site, Carrier: e.carrierUID(it.slot.carrier)}
	if w != nil && it.warheads >= 0 && it.slot.kind.IsMissile() && it.slot.status == forces.Deployed {
		*w = it.warheads
		sp.Warheads = w
	}
	if it.slot.status == forces.Converted {
		sp.Attrs = e.conversionAttrs(it.slot)
	}
	return sp
}

// sorted returns the live items in declaration order: kind, then UID.
func (e *engine) sorted() []*item {
	out := make([]*item, 0, len(e.live))
	for _, it := range e.live {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.slot.kind != b.slot.kind {
			return kindRank(a.slot.kind) < kindRank(b.slot.kind)
		}
		return a.uid < b.uid
	})
	return out
}

// start creates the items of the initial composition and applies them to
// the inventory as one new event dated d: the initial database.
func (e *engine) start(c *composition, d civil.Date) error {
	for _, key := range c.order {
		it := e.newItem(c.explicit[key], key)
		e.live[it.uid] = it
		e.byKey[key] = it
	}
	for _, s := range sortedSlots(c.counts) {
		for n := 0; n < c.counts[s]; n++ {
			it := e.newItem(s, "")
			e.live[it.uid] = it
		}
	}
	var specs []forces.ItemSpec
	for _, it := range e.sorted() {
		specs = append(specs, e.spec(it, nil))
	}
	if err := e.inv.Apply(forces.Event{Date: d, Op: forces.OpNew, Items: specs}); err != nil {
		return fmt.Errorf("%s initial items: %w", e.party, err)
	}
	return nil
}

func sortedSlots(m map[slot]int) []slot {
	out := make([]slot, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return slotLess(out[i], out[j]) })
	return out
}

func slotLess(a, b slot) bool {
	if a.kind != b.kind {
		return kindRank(a.kind) < kindRank(b.kind)
	}
	if a.typ != b.typ {
		return a.typ < b.typ
	}
	if a.status != b.status {
		return statusRank(a.status) < statusRank(b.status)
	}
	if a.site != b.site {
		return a.site < b.site
	}
	return a.carrier < b.carrier
}

// change is one item's way from where it is to where the composition wants
// it: to a slot, or eliminated, or new.
type change struct {
	it    *item
	from  slot
	to    slot
	elim  bool
	isNew bool
}

// plan decides every item's change toward c.
func (e *engine) plan(c *composition) ([]change, error) {
	var out []change
	// Items listed one by one, by key: submarines and their tubes.
	var keyed []*item
	for _, it := range e.live {
		if it.key != "" {
			keyed = append(keyed, it)
		}
	}
	sort.Slice(keyed, func(i, j int) bool { return keyed[i].seq < keyed[j].seq })
	for _, it := range keyed {
		to, ok := c.explicit[it.key]
		if !ok {
			out = append(out, change{it: it, from: it.slot, elim: true})
			continue
		}
		if to != it.slot {
			if it.slot.status == forces.Converted {
				return nil, fmt.Errorf("%s %s (%s): a converted item cannot become %s", e.party, it.uid, it.key, to)
			}
			out = append(out, change{it: it, from: it.slot, to: to})
		}
	}
	for _, key := range c.order {
		if e.byKey[key] == nil {
			it := e.newItem(c.explicit[key], key)
			e.byKey[key] = it
			out = append(out, change{it: it, to: it.slot, isNew: true})
		}
	}

	// Items counted: per class, as few changes as possible.
	type class struct {
		kind forces.Kind
		typ  string
	}
	cur := map[class]map[slot][]*item{}
	var counted []*item
	for _, it := range e.live {
		if it.key == "" {
			counted = append(counted, it)
		}
	}
	sort.Slice(counted, func(i, j int) bool { return counted[i].seq < counted[j].seq })
	for _, it := range counted {
		k := class{it.slot.kind, it.slot.typ}
		if cur[k] == nil {
			cur[k] = map[slot][]*item{}
		}
		cur[k][it.slot] = append(cur[k][it.slot], it)
	}
	tgt := map[class]map[slot]int{}
	for s, n := range c.counts {
		k := class{s.kind, s.typ}
		if tgt[k] == nil {
			tgt[k] = map[slot]int{}
		}
		tgt[k][s] += n
	}
	var classes []class
	seen := map[class]bool{}
	for k := range cur {
		seen[k] = true
		classes = append(classes, k)
	}
	for k := range tgt {
		if !seen[k] {
			classes = append(classes, k)
		}
	}
	sort.Slice(classes, func(i, j int) bool {
		if classes[i].kind != classes[j].kind {
			return kindRank(classes[i].kind) < kindRank(classes[j].kind)
		}
		return classes[i].typ < classes[j].typ
	})
	for _, k := range classes {
		slots := map[slot]bool{}
		for s := range cur[k] {
			slots[s] = true
		}
		for s := range tgt[k] {
			slots[s] = true
		}
		ordered := make([]slot, 0, len(slots))
		for s := range slots {
			ordered = append(ordered, s)
		}
		sort.Slice(ordered, func(i, j int) bool { return slotLess(ordered[i], ordered[j]) })
		surplus := map[slot][]*item{}
		deficit := map[slot]int{}
		for _, s := range ordered {
			have, want := len(cur[k][s]), tgt[k][s]
			if have > want {
				surplus[s] = cur[k][s][:have-want] // the oldest leave first
			} else if want > have {
				deficit[s] = want - have
			}
		}
		for cost := 1; cost <= 3; cost++ {
			for _, a := range ordered {
				for _, b := range ordered {
					if len(surplus[a]) == 0 || deficit[b] == 0 || moveCost(a, b) != cost {
						continue
					}
					n := min(len(surplus[a]), deficit[b])
					for _, it := range surplus[a][:n] {
						out = append(out, change{it: it, from: a, to: b})
					}
					surplus[a] = surplus[a][n:]
					deficit[b] -= n
				}
			}
		}
		for _, a := range ordered {
			for _, it := range surplus[a] {
				out = append(out, change{it: it, from: a, elim: true})
			}
		}
		for _, b := range ordered {
			for n := 0; n < deficit[b]; n++ {
				if b.status == forces.Converted {
					return nil, fmt.Errorf("%s %s: %d more %s wanted than can be converted", e.party, c.date, deficit[b], b)
				}
				out = append(out, change{it: e.newItem(b, ""), to: b, isNew: true})
			}
		}
	}
	return out, nil
}

// moveCost ranks the ways an item can go from slot a to slot b: 1 a change
// of status in place, 2 a move, 3 both; 0 not allowed (a converted item
// changes no more, and a launch tube stays in its submarine).
func moveCost(a, b slot) int {
	if a.status == forces.Converted || a.carrier != b.carrier || a == b {
		return 0
	}
	switch {
	case a.site == b.site:
		return 1
	case a.status == b.status:
		return 2
	}
	return 3
}

// Phases: the order steps are tried in.
const (
	phaseNew = iota
	phaseUndeploy
	phaseMove
	phaseConvStart
	phaseConvDone
	phaseEliminate
	phaseEliminateCarrier
	phaseDeploy
)

type step struct {
	it     *item
	op     forces.Op
	status forces.Status
	site   string // a move's destination, a new item's site
	attrs  forces.Attrs
	phase  int
	n      int    // index among the item's steps
	at     string // where the item is when the step applies
}

// steps lists one change's steps, in the order they must apply.
func (e *engine) steps(ch change) []*step {
	it := ch.it
	var out []*step
	at := ch.from.site
	if ch.isNew {
		at = ch.to.site
	}
	add := func(s *step) {
		s.it = it
		s.n = len(out)
		s.at = at
		if s.op == forces.OpMove {
			s.at = s.site
			at = s.site
		}
		out = append(out, s)
	}
	ml := missileLauncher(it.slot.kind)
	from, to := ch.from, ch.to
	if ch.isNew {
		st := to.status
		if ml && st == forces.Deployed {
			st = forces.NonDeployed
		}
		add(&step{op: forces.OpNew, status: st, site: to.site, phase: phaseNew})
		if st != to.status {
			add(&step{op: forces.OpStatus, status: to.status, phase: phaseDeploy})
		}
		return out
	}
	status := from.status
	if ml && status == forces.Deployed && (ch.elim || to.status != forces.Deployed || to.site != from.site) {
		add(&step{op: forces.OpStatus, status: forces.NonDeployed, phase: phaseUndeploy})
		status = forces.NonDeployed
	}
	if ch.elim {
		ph := phaseEliminate
		if it.slot.kind == forces.Submarine {
			ph = phaseEliminateCarrier
		}
		add(&step{op: forces.OpEliminate, phase: ph})
		return out
	}
	if to.site != from.site {
		add(&step{op: forces.OpMove, site: to.site, phase: phaseMove})
	}
	switch {
	case to.status == forces.Converted:
		add(&step{op: forces.OpConversionStart, phase: phaseConvStart})
		add(&step{op: forces.OpConversionComplete, attrs: e.conversionAttrs(to), phase: phaseConvDone})
	case to.status == status:
	case ml && to.status == forces.Deployed:
		add(&step{op: forces.OpStatus, status: forces.Deployed, phase: phaseDeploy})
	default:
		add(&step{op: forces.OpStatus, status: to.status, phase: phaseMove})
	}
	return out
}

// notice is one notification in the making: its event and the steps it
// carries out.
type notice struct {
	ev    forces.Event
	steps []*step
	order int
}

// chunk is how many items of a kind one notification names at most: two,
// each with the missile deployed in it or taken out of it for a launcher;
// a submarine's tubes go together whatever their number. It keeps the
// scenario at about two thousand notifications.
const chunk = 2

// transition takes the items to composition c with notifications dated
// from first to last (inclusive), applied to the inventory in order.
func (e *engine) transition(c *composition, first, last civil.Date) ([]forces.Event, error) {
	if last < first {
		return nil, fmt.Errorf("%s: no day between %s and %s for the notifications", e.party, first, last)
	}
	changes, err := e.plan(c)
	if err != nil {
		return nil, err
	}
	e.exits = c.exits
	var all []*step
	for _, ch := range changes {
		all = append(all, e.steps(ch)...)
	}
	notices := e.group(all)
	events, err := e.schedule(notices, first, last)
	if err != nil {
		return nil, err
	}
	// The items now stand as c says.
	for _, ch := range changes {
		it := ch.it
		switch {
		case ch.elim:
			delete(e.live, it.uid)
			if it.key != "" {
				delete(e.byKey, it.key)
			}
		default:
			it.slot = ch.to
			e.live[it.uid] = it
		}
	}
	return events, nil
}

// group gathers steps alike into notices. Steps deploying or withdrawing
// missiles and launchers of one type at one site pair up, a launcher with
// a missile, so that deployed missiles never outnumber deployed launchers.
func (e *engine) group(all []*step) []*notice {
	type gkey struct {
		phase  int
		op     forces.Op
		status forces.Status
		site   string
		attrs  string
		tag    string
	}
	type bucket struct {
		key   gkey
		steps []*step
		whole bool // never split (a submarine and its tubes)
	}
	var buckets []*bucket
	index := map[gkey]*bucket{}
	// Pairs: missiles and launchers entering or leaving deployed status,
	// by canonical type and site.
	type pkey struct {
		phase int
		typ   string
		site  string
	}
	type pairing struct {
		key       pkey
		launchers []*bucket // by carrier (tubes) or chunks
		missiles  []*step
	}
	var pairs []*pairing
	pindex := map[pkey]*pairing{}
	for _, s := range all {
		k := s.it.slot
		if s.phase == phaseUndeploy || s.phase == phaseDeploy {
			pk := pkey{s.phase, e.canonical(k.typ), s.at}
			p := pindex[pk]
			if p == nil {
				p = &pairing{key: pk}
				pindex[pk] = p
				pairs = append(pairs, p)
			}
			if k.kind.IsMissile() {
				p.missiles = append(p.missiles, s)
				continue
			}
			tag := k.carrier
			var b *bucket
			for _, x := range p.launchers {
				if x.key.tag == tag && (tag != "" || len(x.steps) < chunk) {
					b = x
				}
			}
			if b == nil {
				b = &bucket{key: gkey{tag: tag}, whole: tag != ""}
				p.launchers = append(p.launchers, b)
			}
			b.steps = append(b.steps, s)
			continue
		}
		tag := string(k.kind) + "/" + k.typ + "@" + s.at
		whole := false
		switch {
		case k.carrier != "":
			tag, whole = k.carrier, true
		case k.kind == forces.Submarine && s.op != forces.OpEliminate:
			tag, whole = s.it.key, true
		}
		gk := gkey{s.phase, s.op, s.status, s.site, attrsKey(s.attrs), tag}
		if s.op == forces.OpNew && whole {
			gk.status = "" // a new submarine comes with its tubes
		}
		b := index[gk]
		if b == nil || (!whole && len(b.steps) >= chunk) {
			b = &bucket{key: gk, whole: whole}
			index[gk] = b
			buckets = append(buckets, b)
		}
		b.steps = append(b.steps, s)
	}
	var out []*notice
	for _, b := range buckets {
		out = append(out, e.notice(b.steps, b.key.phase))
	}
	for _, p := range pairs {
		ms := p.missiles
		for _, b := range p.launchers {
			n := min(len(b.steps), len(ms))
			steps := append(append([]*step{}, b.steps...), ms[:n]...)
			ms = ms[n:]
			out = append(out, e.notice(steps, p.key.phase))
		}
		for len(ms) > 0 {
			n := min(chunk, len(ms))
			out = append(out, e.notice(ms[:n], p.key.phase))
			ms = ms[n:]
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].order < out[j].order })
	return out
}

func attrsKey(a forces.Attrs) string {
	if len(a) == 0 {
		return ""
	}
	return a.Key()
}

// notice builds the event for steps that share an op and its arguments.
func (e *engine) notice(steps []*step, phase int) *notice {
	s0 := steps[0]
	ev := forces.Event{Op: s0.op}
	switch s0.op {
	case forces.OpNew:
		for _, s := range steps {
			sp := forces.ItemSpec{UID: s.it.uid, Kind: s.it.slot.kind, Type: s.it.slot.typ, Status: s.status, Site: s.site, Carrier: e.carrierUID(s.it.slot.carrier)}
			ev.Items = append(ev.Items, sp)
		}
	default:
		for _, s := range steps {
			ev.UIDs = append(ev.UIDs, s.it.uid)
		}
		ev.Status, ev.Site, ev.Attrs = s0.status, s0.site, s0.attrs
	}
	ev.Note = e.describe(steps)
	if x := e.exits[s0.it.slot.typ]; x != "" && s0.op == forces.OpEliminate {
		ev.Note += ": " + x
	}
	return &notice{ev: ev, steps: steps, order: phase}
}

// describe says in words what a notification does.
func (e *engine) describe(steps []*step) string {
	counts := map[string]int{}
	var order []string
	for _, s := range steps {
		w := fmt.Sprintf("%s %s", s.it.slot.typ, s.it.slot.kind)
		if counts[w] == 0 {
			order = append(order, w)
		}
		counts[w]++
	}
	var what []string
	for _, w := range order {
		what = append(what, fmt.Sprintf("%d %s", counts[w], w))
	}
	s0 := steps[0]
	subject := strings.Join(what, " and ")
	if len(steps) == 1 {
		subject = fmt.Sprintf("%s %s %s", s0.it.slot.typ, s0.it.slot.kind, s0.it.uid)
	}
	switch {
	case s0.it.slot.carrier != "":
		subject += " of " + e.carrierUID(s0.it.slot.carrier)
	case s0.op != forces.OpNew && s0.op != forces.OpMove && s0.at != "" && s0.it.slot.kind != forces.Submarine:
		subject += " at " + s0.at
	}
	switch s0.op {
	case forces.OpNew:
		return fmt.Sprintf("%s entering accountability (%s) at %s", subject, s0.status, s0.site)
	case forces.OpStatus:
		return fmt.Sprintf("%s becoming %s", subject, s0.status)
	case forces.OpMove:
		return fmt.Sprintf("%s moving to %s", subject, s0.site)
	case forces.OpConversionStart:
		return fmt.Sprintf("conversion of %s started", subject)
	case forces.OpConversionComplete:
		return fmt.Sprintf("conversion of %s completed", subject)
	case forces.OpEliminate:
		return fmt.Sprintf("%s eliminated", subject)
	}
	return subject
}

// schedule applies the notices to the inventory, each as soon as its items'
// earlier steps are done and it applies cleanly, preferring the phase
// order, and dates them in the order they applied.
func (e *engine) schedule(notices []*notice, first, last civil.Date) ([]forces.Event, error) {
	total := len(notices)
	next := map[*item]int{}
	ready := func(n *notice) bool {
		for _, s := range n.steps {
			if next[s.it] != s.n {
				return false
			}
		}
		return true
	}
	var out []forces.Event
	pending := notices
	var lastErr error
	// Passes over what is pending, in order: a notice that cannot apply
	// yet is tried again on the next pass, after those behind it.
	for len(pending) > 0 {
		var later []*notice
		for _, n := range pending {
			if !ready(n) {
				later = append(later, n)
				continue
			}
			ev := n.ev
			ev.Date = e.dateOf(len(out), total, first, last)
			if len(out) > 0 && ev.Date < out[len(out)-1].Date {
				ev.Date = out[len(out)-1].Date
			}
			if err := e.inv.Apply(ev); err != nil {
				lastErr = fmt.Errorf("%s %s: %w", ev.Op, ev.Note, err)
				later = append(later, n)
				continue
			}
			for _, s := range n.steps {
				next[s.it]++
			}
			out = append(out, ev)
		}
		if len(later) == len(pending) {
			if lastErr == nil {
				lastErr = errors.New("steps wait on each other")
			}
			return nil, fmt.Errorf("%s: %d notifications between %s and %s cannot apply: %w", e.party, len(pending), first, last, lastErr)
		}
		pending = later
	}
	return out, nil
}

// dateOf is the date of the i-th of total notifications between first
// and last (inclusive): spread evenly over every day, or in windows
// (Options.Windows).
func (e *engine) dateOf(i, total int, first, last civil.Date) civil.Date {
	days := first.DaysUntil(last) + 1
	if e.windows <= 0 {
		return first.AddDays(i * days / total)
	}
	k := e.windows
	length := min(e.windowDays, days)
	w := i * k / total
	// The notifications of window w are lo..hi-1.
	lo, hi := (w*total+k-1)/k, ((w+1)*total+k-1)/k
	// One window ends the day before the next declaration; several
	// reach from the day after the last one to the day before the next.
	start := days - length
	if k > 1 {
		start = w * (days - length) / (k - 1)
	}
	return first.AddDays(start + (i-lo)*length/max(hi-lo, 1))
}
