package forces

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/internal/yamlpos"
)

// initialDate dates the items a file lists outright (a snapshot, or the
// start of a history): they hold before any event.
const initialDate = civil.Date(math.MinInt32)

// MaxCount is the most items one entry may stand for: a bound on what a
// file can make the loader generate, far above any real force.
const MaxCount = 1_000_000

// MaxWarheads bounds the warheads declared on one missile: a check on
// typing errors, far above any missile's (START I banned new types with
// more than ten).
const MaxWarheads = 100

// NoCarrier, as the carrier of a move, takes an item out of its carrier
// (a missile out of its launcher).
const NoCarrier = "none"

// profKey is everything a counting rule can tell apart about an item.
// Items with equal keys are one Group. Kind, status and the interned
// strings are small integers so that a key is 24 bytes and a map key.
type profKey struct {
	typ     int32 // index into Types.types
	site    int32 // index into Ledger.sites; 0 is no site
	heads   int32 // warheads on each missile, or NoLoading
	over    int32 // index into Ledger.overs: the item's attribute overrides
	carrier int32 // item index, or -1
	kind    uint8
	status  uint8
	conv    bool
}

// step is one item entering a profile: the replay tape.
type step struct{ item, to int32 }

// ctrKey counts deployed missiles or launchers of one class (icbm or
// slbm), type and site, to check that no more missiles are deployed than
// launchers. site is allSites for the type's total, sitedLaunchers for the
// deployed launchers of the type that name a site.
type ctrKey struct {
	typ      int32
	site     int32
	class    uint8
	launcher bool
}

const (
	allSites       = -1
	sitedLaunchers = -2
)

type genKey struct {
	typ  int32
	kind uint8
}

// Item is one item as it stands in a Ledger.
type Item struct {
	UID        string
	Kind       Kind
	Type       string
	Status     Status
	Site       string
	Carrier    string
	Warheads   int // NoLoading when not declared
	Converting bool
	// Attrs are the item's effective type attributes (shared; read only).
	Attrs Attrs
	// Eliminated is the date of elimination when Status is Eliminated.
	Eliminated civil.Date
}

// Ledger is a party's items as they stand after the events applied so
// far. Apply validates an event against the current items (new UIDs must
// not exist and never have, the change must be allowed from each item's
// status, containment and the deployed-missile count must hold) and either
// applies all of it or nothing. The exchange validates notifications with
// it; history files are replayed through it.
//
// Forces returns the history applied so far, replayable at any date. A
// Ledger is not safe for concurrent use.
type Ledger struct {
	party    string
	types    *Types
	sites    []string
	siteIdx  map[string]int32
	declared map[string]bool // nil: any site may be named
	overs    []Attrs
	overIdx  map[string]int32
	profs    []profKey
	profIdx  map[profKey]int32
	origin   []string
	uids     []string
	prof     []int32
	byUID    map[string]int32
	elim     map[int32]civil.Date
	held     map[int32][]int32
	gen      map[genKey]int
	ctr      map[ctrKey]int32
	started  bool
	last     civil.Date
	tape     []step
	tapeDate []civil.Date
	events   int
	eff      map[[2]int32]Attrs // effective attributes by type and overrides
	undo     *undoLog           // set during ApplyAll
}

// NewLedger starts an empty ledger for party over the type catalogue
// types (nil: the bundled Catalogue()).
func NewLedger(party string, types *Types) *Ledger {
	if types == nil {
		types = Catalogue()
	}
	return &Ledger{
		party: party, types: types,
		sites: []string{""}, siteIdx: map[string]int32{"": 0},
		overs: []Attrs{nil}, overIdx: map[string]int32{"": 0},
		profIdx: map[profKey]int32{},
		byUID:   map[string]int32{}, elim: map[int32]civil.Date{},
		held: map[int32][]int32{}, gen: map[genKey]int{}, ctr: map[ctrKey]int32{},
	}
}

// DeclareSites restricts the sites items may be at to those named.
func (l *Ledger) DeclareSites(sites []Site) {
	l.declared = map[string]bool{}
	for _, s := range sites {
		l.declared[s.Name] = true
	}
}

// Party is the party whose items these are.
func (l *Ledger) Party() string { return l.party }

// Types is the catalogue the ledger resolves type names against.
func (l *Ledger) Types() *Types { return l.types }

// Date is the date of the last event applied (false before any).
func (l *Ledger) Date() (civil.Date, bool) { return l.last, l.started }

// Len is the number of items ever declared, eliminated ones included.
func (l *Ledger) Len() int { return len(l.uids) }

// Item returns the item with the given UID (eliminated items too).
func (l *Ledger) Item(uid string) (Item, bool) {
	i, ok := l.byUID[uid]
	if !ok {
		return Item{}, false
	}
	k := l.profs[l.prof[i]]
	t := l.types.types[k.typ]
	it := Item{UID: uid, Kind: Kinds[k.kind], Type: t.Name, Status: Statuses[k.status],
		Site: l.sites[k.site], Warheads: int(k.heads), Converting: k.conv,
		Attrs: l.effective(k)}
	if k.carrier >= 0 {
		it.Carrier = l.uids[k.carrier]
	}
	it.Eliminated = l.elim[i]
	return it, true
}

// Apply validates ev against the current items and applies it. On error
// nothing has changed and the error is an EventErrors naming each field
// and item at fault.
func (l *Ledger) Apply(ev Event) error {
	pl, errs := l.plan(&ev, applyCtx{origin: fmt.Sprintf("event %s %s", ev.Date, ev.Op)})
	if len(errs) > 0 {
		return errs
	}
	l.commit(pl)
	return nil
}

// Check validates ev as Apply would, and changes nothing.
func (l *Ledger) Check(ev Event) error {
	if _, errs := l.plan(&ev, applyCtx{}); len(errs) > 0 {
		return errs
	}
	return nil
}

// applyCtx is how an event is applied.
type applyCtx struct {
	origin string // Group.Origin of the profiles the event creates
	file   string // with ItemSpec.Line, the origin of new items
	// initial: the items a file lists outright, before any event; they
	// may be eliminated already and carry no date.
	initial bool
	// lenient: apply the valid part of a new event and report the rest
	// (a file's initial items, so that one bad line does not hide the
	// problems of every later event).
	lenient bool
}

type newItem struct {
	uid     string
	key     profKey
	path    string
	carrier string
	origin  string
}

type change struct {
	item int32
	key  profKey
	path string
}

type plan struct {
	ctx     applyCtx
	date    civil.Date
	base    int32 // index of the first new item
	news    []newItem
	changes []change
	gen     map[genKey]int
	newUIDs map[string]int32
}

// cur is an item's key as the plan leaves it.
func (l *Ledger) keyAfter(pl *plan, changed map[int32]int, i int32) profKey {
	if i >= pl.base {
		return pl.news[i-pl.base].key
	}
	if c, ok := changed[i]; ok {
		return pl.changes[c].key
	}
	return l.profs[l.prof[i]]
}

func (l *Ledger) uidOf(pl *plan, i int32) string {
	if i >= pl.base {
		return pl.news[i-pl.base].uid
	}
	return l.uids[i]
}

// opFields are the fields each op uses besides date, op and note.
var opFields = map[Op][]string{
	OpNew:                {"items"},
	OpStatus:             {"uids", "select", "count", "status"},
	OpMove:               {"uids", "select", "count", "site", "carrier"},
	OpConversionStart:    {"uids", "select", "count"},
	OpConversionComplete: {"uids", "select", "count", "status", "attrs"},
	OpEliminate:          {"uids", "select", "count"},
	OpLoad:               {"uids", "select", "count", "warheads"},
	OpAttrs:              {"uids", "select", "count", "attrs"},
}

func presentFields(ev *Event) []string {
	var f []string
	add := func(ok bool, name string) {
		if ok {
			f = append(f, name)
		}
	}
	add(len(ev.Items) > 0, "items")
	add(len(ev.UIDs) > 0, "uids")
	add(ev.Select != nil, "select")
	add(ev.Count != 0, "count")
	add(ev.Status != "", "status")
	add(ev.Site != "", "site")
	add(ev.Carrier != "", "carrier")
	add(ev.Warheads != nil, "warheads")
	add(len(ev.Attrs) > 0, "attrs")
	return f
}

// evArgs are an event's arguments, checked once for all its items.
type evArgs struct {
	status  uint8
	site    int32
	carrier int32 // -1 none, -2 not given
	over    Attrs
}

func (l *Ledger) plan(ev *Event, ctx applyCtx) (*plan, EventErrors) {
	var errs EventErrors
	pl := &plan{ctx: ctx, date: ev.Date, base: int32(len(l.uids)), gen: map[genKey]int{}, newUIDs: map[string]int32{}}
	if ctx.initial {
		pl.date = initialDate
	} else if l.started && ev.Date < l.last {
		errs.add("date", "", "%s is before the previous event (%s): events must be in date order", ev.Date, l.last)
		return pl, errs
	}
	if _, err := ParseOp(string(ev.Op)); err != nil {
		errs.add("op", "", "%v", err)
		return pl, errs
	}
	for _, f := range presentFields(ev) {
		if !contains(opFields[ev.Op], f) {
			errs.add(f, "", "op %s does not use %s (it uses %s)", ev.Op, f, strings.Join(opFields[ev.Op], ", "))
		}
	}
	if len(errs) > 0 {
		return pl, errs
	}
	if ev.Op == OpNew {
		l.planNew(pl, ev, &errs)
	} else {
		args, ok := l.eventArgs(ev, &errs)
		targets := l.targets(ev, &errs)
		if !ok || len(errs) > 0 {
			return pl, errs
		}
		for _, t := range targets {
			l.planChange(pl, ev, args, t, &errs)
		}
	}
	if len(errs) == 0 {
		l.checkInvariants(pl, &errs)
	}
	return pl, errs
}

func (l *Ledger) eventArgs(ev *Event, errs *EventErrors) (evArgs, bool) {
	a := evArgs{carrier: -2}
	ok := true
	switch ev.Op {
	case OpStatus:
		st, good := l.parseStatus(ev.Status, "status", errs)
		switch {
		case !good:
			ok = false
		case st == Converted:
			errs.add("status", "", "a conversion is reported with op conversion-start and conversion-complete, not a status change")
			ok = false
		case st == Eliminated:
			errs.add("status", "", "an elimination is reported with op eliminate, not a status change")
			ok = false
		}
		a.status = uint8(statusIndex(st))
	case OpConversionComplete:
		a.status = uint8(statusIndex(Converted))
		if ev.Status != "" {
			st, good := l.parseStatus(ev.Status, "status", errs)
			if good && st == Eliminated {
				errs.add("status", "", "a conversion cannot end in elimination; use op eliminate")
				good = false
			}
			ok = ok && good
			a.status = uint8(statusIndex(st))
		}
	case OpMove:
		if ev.Site == "" && ev.Carrier == "" {
			errs.add("", "", "a move needs a site, a carrier, or both")
			ok = false
		}
		a.site = -1
		if ev.Site != "" {
			if !l.checkSite(ev.Site, "site", errs) {
				ok = false
			}
			a.site = l.internSite(ev.Site)
		}
		if ev.Carrier == NoCarrier {
			a.carrier = -1
		} else if ev.Carrier != "" {
			c, found := l.byUID[ev.Carrier]
			switch {
			case !found:
				errs.add("carrier", ev.Carrier, "no such item")
				ok = false
			case l.profs[l.prof[c]].status == uint8(statusIndex(Eliminated)):
				errs.add("carrier", ev.Carrier, "was eliminated on %s", l.elim[c])
				ok = false
			}
			a.carrier = c
		}
	case OpLoad:
		if ev.Warheads == nil {
			errs.add("", "", "a load needs warheads (the reentry vehicles on each missile)")
			ok = false
		} else if *ev.Warheads < 0 {
			errs.add("warheads", "", "must not be negative")
			ok = false
		} else if *ev.Warheads > MaxWarheads {
			errs.add("warheads", "", "is at most %d, not %d", MaxWarheads, *ev.Warheads)
			ok = false
		}
	}
	if ev.Op == OpAttrs && len(ev.Attrs) == 0 {
		errs.add("", "", "an attrs event needs attrs")
		ok = false
	}
	if len(ev.Attrs) > 0 {
		a.over = Attrs{}
		for _, name := range sortedKeys(ev.Attrs) {
			v, err := l.types.checkAttr(name, ev.Attrs[name])
			if err != nil {
				errs.add(yamlpos.Join("attrs", name), "", "%v", err)
				ok = false
				continue
			}
			a.over[name] = v
		}
	}
	return a, ok
}

func (l *Ledger) parseStatus(s Status, path string, errs *EventErrors) (Status, bool) {
	if s == "" {
		errs.add(path, "", "status is required")
		return "", false
	}
	st, err := ParseStatus(string(s))
	if err != nil {
		errs.add(path, "", "%v", err)
		return "", false
	}
	return st, true
}

func (l *Ledger) checkSite(site, path string, errs *EventErrors) bool {
	if l.declared == nil || l.declared[site] {
		return true
	}
	names := make([]string, 0, len(l.declared))
	for n := range l.declared {
		names = append(names, n)
	}
	sort.Strings(names)
	if s := yamlpos.Suggest(site, names); s != "" {
		errs.add(path, "", "site %q is not declared in sites (did you mean %q?)", site, s)
	} else {
		errs.add(path, "", "site %q is not declared in sites", site)
	}
	return false
}

type target struct {
	item int32
	path string
}

// targets resolves the items an event names: its UIDs, or the first Count
// items in UID order that match Select.
func (l *Ledger) targets(ev *Event, errs *EventErrors) []target {
	switch {
	case len(ev.UIDs) > 0 && ev.Select != nil:
		errs.add("", "", "name items by uids or by select with count, not both")
		return nil
	case len(ev.UIDs) > 0:
		if ev.Count != 0 {
			errs.add("count", "", "count goes with select; with uids the items are the ones listed")
		}
		out := make([]target, 0, len(ev.UIDs))
		seen := make(map[int32]int, len(ev.UIDs))
		for k, u := range ev.UIDs {
			p := yamlpos.Index("uids", k)
			i, ok := l.byUID[u]
			if !ok {
				errs.add(p, u, "no such item")
				continue
			}
			if d, gone := l.elim[i]; gone {
				errs.add(p, u, "was eliminated on %s; an eliminated item cannot change", d)
				continue
			}
			if j, dup := seen[i]; dup {
				errs.add(p, u, "is named twice (also uids[%d])", j)
				continue
			}
			seen[i] = k
			out = append(out, target{i, p})
		}
		return out
	case ev.Select != nil:
		if ev.Count < 1 {
			errs.add("count", "", "select needs a count of at least 1 (how many of the matching items, in UID order)")
			return nil
		}
		m, ok := l.matcher(ev.Select, "select", errs)
		if !ok {
			return nil
		}
		var hits []int32
		for i, p := range l.prof {
			if m[p] {
				hits = append(hits, int32(i))
			}
		}
		if len(hits) < ev.Count {
			errs.add("count", "", "select matches %d item%s, count asks for %d", len(hits), plural(len(hits)), ev.Count)
			return nil
		}
		sort.Slice(hits, func(a, b int) bool { return l.uids[hits[a]] < l.uids[hits[b]] })
		out := make([]target, ev.Count)
		for k := range out {
			out[k] = target{hits[k], "select"}
		}
		return out
	}
	errs.add("", "", "name the items the event changes: uids, or select with count")
	return nil
}

// matcher returns, per profile, whether its items match sel. Eliminated
// items never match.
func (l *Ledger) matcher(sel *Selector, path string, errs *EventErrors) ([]bool, bool) {
	ok := true
	kind, status, typ, site := -1, -1, int32(-1), int32(-1)
	var want Attrs
	if sel.Kind != "" {
		k, err := ParseKind(string(sel.Kind))
		if err != nil {
			errs.add(yamlpos.Join(path, "kind"), "", "%v", err)
			ok = false
		}
		kind = kindIndex(k)
	}
	if sel.Status != "" {
		s, err := ParseStatus(string(sel.Status))
		if err != nil {
			errs.add(yamlpos.Join(path, "status"), "", "%v", err)
			ok = false
		}
		status = statusIndex(s)
	}
	if sel.Type != "" {
		r, err := l.types.Resolve(sel.Type)
		if err != nil {
			errs.add(yamlpos.Join(path, "type"), "", "%v", err)
			ok = false
		} else {
			typ = l.types.index[r.Type]
			want = r.Overrides
		}
	}
	noSite := false
	if sel.Site != "" {
		if !l.checkSite(sel.Site, yamlpos.Join(path, "site"), errs) {
			ok = false
		}
		s, found := l.siteIdx[sel.Site]
		site, noSite = s, !found
	}
	if sel.Warheads != nil && *sel.Warheads < 0 {
		errs.add(yamlpos.Join(path, "warheads"), "", "must not be negative")
		ok = false
	}
	if !ok {
		return nil, false
	}
	elim := uint8(statusIndex(Eliminated))
	m := make([]bool, len(l.profs))
	for p, k := range l.profs {
		m[p] = k.status != elim && !noSite &&
			(kind < 0 || int(k.kind) == kind) &&
			(status < 0 || int(k.status) == status) &&
			(typ < 0 || k.typ == typ) &&
			(site < 0 || k.site == site) &&
			(sel.Warheads == nil || int(k.heads) == *sel.Warheads) &&
			l.hasAttrs(k, want)
	}
	return m, true
}

// effective is the attributes of an item with key k.
func (l *Ledger) effective(k profKey) Attrs {
	key := [2]int32{k.typ, k.over}
	if a, ok := l.eff[key]; ok {
		return a
	}
	if l.eff == nil {
		l.eff = map[[2]int32]Attrs{}
	}
	a := l.types.Effective(l.types.types[k.typ], l.overs[k.over])
	l.eff[key] = a
	return a
}

func (l *Ledger) hasAttrs(k profKey, want Attrs) bool {
	if len(want) == 0 {
		return true
	}
	eff := l.effective(k)
	for name, v := range want {
		if eff[name] != v {
			return false
		}
	}
	return true
}

// specKey validates a new item entry and returns its key (carrier unset).
func (l *Ledger) specKey(spec *ItemSpec, p string, errs *EventErrors, ctx applyCtx) (profKey, bool) {
	k := profKey{heads: NoLoading, carrier: -1}
	ok := true
	var kind Kind
	if spec.Kind == "" {
		errs.add(yamlpos.Join(p, "kind"), spec.UID, "kind is required (one of %s)", kindNames())
		ok = false
	} else if kd, err := ParseKind(string(spec.Kind)); err != nil {
		errs.add(yamlpos.Join(p, "kind"), spec.UID, "%v", err)
		ok = false
	} else {
		kind = kd
		k.kind = uint8(kindIndex(kd))
	}
	var over Attrs
	if spec.Type == "" {
		errs.add(yamlpos.Join(p, "type"), spec.UID, "type is required")
		ok = false
	} else if r, err := l.types.Resolve(spec.Type); err != nil {
		errs.add(yamlpos.Join(p, "type"), spec.UID, "%v", err)
		ok = false
	} else {
		k.typ = l.types.index[r.Type]
		if kind != "" && !r.Type.AppliesTo(kind) {
			errs.add(yamlpos.Join(p, "type"), spec.UID, "type %s is not a type of %s (it applies to %s)", r.Type.Name, kind, kindList(r.Type.Kinds))
			ok = false
		}
		if len(r.Overrides) > 0 {
			over = Attrs{}
			for n, v := range r.Overrides {
				over[n] = v
			}
		}
	}
	if st, good := l.parseStatus(spec.Status, yamlpos.Join(p, "status"), errs); !good {
		ok = false
	} else {
		if st == Eliminated && !ctx.initial {
			errs.add(yamlpos.Join(p, "status"), spec.UID, "a new item cannot be eliminated")
			ok = false
		}
		k.status = uint8(statusIndex(st))
	}
	if spec.Site != "" {
		if !l.checkSite(spec.Site, yamlpos.Join(p, "site"), errs) {
			ok = false
		}
		k.site = l.internSite(spec.Site)
	}
	if spec.Warheads != nil {
		switch {
		case kind != "" && !kind.IsMissile():
			errs.add(yamlpos.Join(p, "warheads"), spec.UID, "only missiles (icbm, slbm) carry warheads; a %s does not (a heavy bomber's ALCM capacity is alcms)", kind)
			ok = false
		case *spec.Warheads < 0:
			errs.add(yamlpos.Join(p, "warheads"), spec.UID, "must not be negative")
			ok = false
		case *spec.Warheads > MaxWarheads:
			errs.add(yamlpos.Join(p, "warheads"), spec.UID, "is at most %d, not %d", MaxWarheads, *spec.Warheads)
			ok = false
		default:
			k.heads = int32(*spec.Warheads)
		}
	}
	for _, name := range sortedKeys(spec.Attrs) {
		v, err := l.types.checkAttr(name, spec.Attrs[name])
		if err != nil {
			errs.add(yamlpos.Join(p, name), spec.UID, "%v", err)
			ok = false
			continue
		}
		if over == nil {
			over = Attrs{}
		}
		over[name] = v
	}
	k.over = l.typeOver(k.typ, over)
	return k, ok
}

// typeOver interns the overrides of an item of type typ, leaving out those
// equal to the type's own values: "SS-24 (silo)" is the plain SS-24, one
// group with it.
func (l *Ledger) typeOver(typ int32, over Attrs) int32 {
	if len(over) == 0 {
		return 0
	}
	base := l.types.Effective(l.types.types[typ], nil)
	pruned := Attrs{}
	for k, v := range over {
		if base[k] != v {
			pruned[k] = v
		}
	}
	return l.internOver(pruned)
}

func kindNames() string {
	n := make([]string, len(Kinds))
	for i, k := range Kinds {
		n[i] = string(k)
	}
	return strings.Join(n, ", ")
}

func kindList(ks []Kind) string {
	n := make([]string, len(ks))
	for i, k := range ks {
		n[i] = string(k)
	}
	return strings.Join(n, ", ")
}

func sortedKeys(a Attrs) []string {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkUID says what is wrong with a UID as written, or "".
func checkUID(u string) string {
	if u == NoCarrier {
		return fmt.Sprintf("%q is reserved (a move to carrier %q takes an item out of its carrier)", u, NoCarrier)
	}
	if len(u) > 128 {
		return "a UID is at most 128 characters"
	}
	for _, r := range u {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return "a UID has no spaces or control characters"
		}
	}
	return ""
}

func (l *Ledger) planNew(pl *plan, ev *Event, errs *EventErrors) {
	if len(ev.Items) == 0 && !pl.ctx.initial {
		errs.add("items", "", "a new event needs items")
		return
	}
	for j := range ev.Items {
		spec := &ev.Items[j]
		p := yamlpos.Index("items", j)
		before := len(*errs)
		key, ok := l.specKey(spec, p, errs, pl.ctx)
		count := spec.Count
		if count == 0 {
			count = 1
		}
		if count < 0 {
			errs.add(yamlpos.Join(p, "count"), spec.UID, "count must be at least 1, not %d", count)
			ok = false
		}
		if count > MaxCount {
			errs.add(yamlpos.Join(p, "count"), spec.UID, "count is at most %d per entry, not %d", MaxCount, count)
			ok = false
		}
		if spec.UID != "" && count != 1 {
			errs.add(yamlpos.Join(p, "count"), spec.UID, "an entry with a uid is one item; drop count, or drop uid to have %d UIDs generated", count)
			ok = false
		}
		if spec.UID != "" {
			if msg := checkUID(spec.UID); msg != "" {
				errs.add(yamlpos.Join(p, "uid"), spec.UID, "%s", msg)
				ok = false
			} else if i, dup := l.byUID[spec.UID]; dup {
				if d, gone := l.elim[i]; gone {
					errs.add(yamlpos.Join(p, "uid"), spec.UID, "was eliminated on %s; a UID is never reused", dateWord(d))
				} else {
					errs.add(yamlpos.Join(p, "uid"), spec.UID, "already exists (%s)", l.origin[l.prof[i]])
				}
				ok = false
			} else if i, dup := pl.newUIDs[spec.UID]; dup {
				errs.add(yamlpos.Join(p, "uid"), spec.UID, "duplicate UID: also %s", pl.news[i-pl.base].path)
				ok = false
			}
		}
		if !ok {
			if len(*errs) == before {
				errs.add(p, spec.UID, "invalid item")
			}
			continue
		}
		origin := pl.ctx.origin
		if pl.ctx.file != "" && spec.Line > 0 {
			origin = fmt.Sprintf("%s:%d", pl.ctx.file, spec.Line)
		}
		add := func(uid string) {
			pl.newUIDs[uid] = pl.base + int32(len(pl.news))
			pl.news = append(pl.news, newItem{uid: uid, key: key, path: p, carrier: spec.Carrier, origin: origin})
		}
		if spec.UID != "" {
			add(spec.UID)
			continue
		}
		for n := 0; n < count; n++ {
			add(l.nextUID(pl, key))
		}
	}
	// Carriers may be items of the same event, listed before or after.
	for i := range pl.news {
		ni := &pl.news[i]
		if ni.carrier == "" {
			continue
		}
		cp := yamlpos.Join(ni.path, "carrier")
		c, ok := pl.newUIDs[ni.carrier]
		if !ok {
			c, ok = l.byUID[ni.carrier]
			if !ok {
				errs.add(cp, ni.uid, "carrier %q: no such item", ni.carrier)
				continue
			}
			if d, gone := l.elim[c]; gone {
				errs.add(cp, ni.uid, "carrier %s was eliminated on %s", ni.carrier, dateWord(d))
				continue
			}
		}
		if msg := l.carrierFits(ni.key, l.keyAfter(pl, nil, c), c == pl.base+int32(i)); msg != "" {
			errs.add(cp, ni.uid, "%s", msg)
			continue
		}
		ni.key.carrier = c
	}
	if pl.ctx.lenient {
		// Drop the items whose carrier failed: they were reported.
		kept := pl.news[:0]
		for _, ni := range pl.news {
			if ni.carrier == "" || ni.key.carrier >= 0 {
				kept = append(kept, ni)
			}
		}
		if len(kept) != len(pl.news) {
			// Indices shifted: rebuild, resolving carriers again by UID.
			pl.news = kept
			pl.newUIDs = map[string]int32{}
			for i := range pl.news {
				pl.newUIDs[pl.news[i].uid] = pl.base + int32(i)
			}
			for i := range pl.news {
				if c := pl.news[i].carrier; c != "" {
					if j, ok := pl.newUIDs[c]; ok {
						pl.news[i].key.carrier = j
					} else if j, ok := l.byUID[c]; ok {
						pl.news[i].key.carrier = j
					} else {
						pl.news[i].key.carrier = -1
					}
				}
			}
		}
	}
}

func dateWord(d civil.Date) string {
	if d == initialDate {
		return "the date the file lists it"
	}
	return d.String()
}

// carrierFits says why an item with key k cannot be held by an item with
// key c, or "".
func (l *Ledger) carrierFits(k, c profKey, self bool) string {
	if self {
		return "an item cannot carry itself"
	}
	kind, ckind := Kinds[k.kind], Kinds[c.kind]
	allowed := carrierKinds[kind]
	if len(allowed) == 0 {
		return fmt.Sprintf("a %s has no carrier", kind)
	}
	if !contains(allowed, ckind) {
		return fmt.Sprintf("a %s is carried by a %s, not a %s", kind, kindList(allowed), ckind)
	}
	if kind.IsMissile() && k.typ != c.typ {
		return fmt.Sprintf("a %s %s cannot be in a %s launcher", l.types.types[k.typ].Name, kind, l.types.types[c.typ].Name)
	}
	return ""
}

func (l *Ledger) nextUID(pl *plan, k profKey) string {
	g := genKey{typ: k.typ, kind: k.kind}
	n, ok := pl.gen[g]
	if !ok {
		n = l.gen[g]
	}
	prefix := uidPart(l.party) + "." + string(Kinds[k.kind]) + "." + uidPart(l.types.types[k.typ].Name) + "."
	for {
		n++
		uid := fmt.Sprintf("%s%04d", prefix, n)
		if _, used := l.byUID[uid]; used {
			continue
		}
		if _, used := pl.newUIDs[uid]; used {
			continue
		}
		pl.gen[g] = n
		return uid
	}
}

// uidPart keeps letters, digits and hyphens; spaces become hyphens.
func uidPart(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_'):
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

func (l *Ledger) planChange(pl *plan, ev *Event, a evArgs, t target, errs *EventErrors) {
	cur := l.profs[l.prof[t.item]]
	uid := l.uids[t.item]
	kind := Kinds[cur.kind]
	nk := cur
	switch ev.Op {
	case OpStatus:
		if Statuses[cur.status] == Converted {
			errs.add(t.path, uid, "is converted; a converted item changes only by conversion (conversion-start, conversion-complete) or elimination")
			return
		}
		if cur.status == a.status {
			errs.add(t.path, uid, "is already %s", Statuses[cur.status])
			return
		}
		nk.status = a.status
	case OpMove:
		if a.site >= 0 {
			nk.site = a.site
		}
		if a.carrier == -1 {
			nk.carrier = -1
		} else if a.carrier >= 0 {
			if msg := l.carrierFits(cur, l.profs[l.prof[a.carrier]], a.carrier == t.item); msg != "" {
				errs.add(t.path, uid, "%s", msg)
				return
			}
			nk.carrier = a.carrier
		}
		if nk == cur {
			errs.add(t.path, uid, "the move changes nothing: the item is already there")
			return
		}
	case OpConversionStart:
		if cur.conv {
			errs.add(t.path, uid, "its conversion has already started")
			return
		}
		nk.conv = true
	case OpConversionComplete:
		if !cur.conv {
			errs.add(t.path, uid, "no conversion was started (conversion-start comes first)")
			return
		}
		nk.conv = false
		nk.status = a.status
		nk.over = l.mergeOver(cur.typ, cur.over, a.over)
	case OpEliminate:
		nk.status = uint8(statusIndex(Eliminated))
		nk.conv = false
	case OpLoad:
		if !kind.IsMissile() {
			errs.add(t.path, uid, "is a %s; only missiles (icbm, slbm) carry warheads", kind)
			return
		}
		nk.heads = int32(*ev.Warheads)
	case OpAttrs:
		nk.over = l.mergeOver(cur.typ, cur.over, a.over)
	}
	pl.changes = append(pl.changes, change{item: t.item, key: nk, path: t.path})
}

func (l *Ledger) mergeOver(typ, cur int32, add Attrs) int32 {
	if len(add) == 0 {
		return cur
	}
	m := Attrs{}
	for k, v := range l.overs[cur] {
		m[k] = v
	}
	for k, v := range add {
		m[k] = v
	}
	return l.typeOver(typ, m)
}

// internOver and internSite grow lookup tables; doing so while planning
// changes nothing a caller can observe.
func (l *Ledger) internOver(a Attrs) int32 {
	k := a.Key()
	if i, ok := l.overIdx[k]; ok {
		return i
	}
	i := int32(len(l.overs))
	l.overs = append(l.overs, a)
	l.overIdx[k] = i
	return i
}

func (l *Ledger) internSite(s string) int32 {
	if i, ok := l.siteIdx[s]; ok {
		return i
	}
	i := int32(len(l.sites))
	l.sites = append(l.sites, s)
	l.siteIdx[s] = i
	return i
}

func (l *Ledger) internProf(k profKey, origin string) int32 {
	if i, ok := l.profIdx[k]; ok {
		return i
	}
	i := int32(len(l.profs))
	l.profs = append(l.profs, k)
	l.origin = append(l.origin, origin)
	l.profIdx[k] = i
	return i
}

// contrib adds sign to the deployed-missile and -launcher counters k
// contributes to, and reports the type class it touched.
func contrib(k profKey, sign int32, add func(ctrKey, int32)) (class uint8, counted bool) {
	if Statuses[k.status] != Deployed {
		return 0, false
	}
	kind := Kinds[k.kind]
	launcher := kind.IsLauncher()
	if !kind.IsMissile() && !launcher {
		return 0, false
	}
	class = uint8(kindIndex(kind))
	if launcher {
		class = uint8(kindIndex(missileOf(kind)))
	}
	add(ctrKey{typ: k.typ, site: k.site, class: class, launcher: launcher}, sign)
	add(ctrKey{typ: k.typ, site: allSites, class: class, launcher: launcher}, sign)
	if launcher && k.site != 0 {
		add(ctrKey{typ: k.typ, site: sitedLaunchers, class: class, launcher: true}, sign)
	}
	return class, true
}

func missileOf(k Kind) Kind {
	switch k {
	case ICBMLauncher:
		return ICBM
	case SLBMLauncher:
		return SLBM
	}
	return ""
}

type touchKey struct {
	typ   int32
	class uint8
}

type touch struct {
	key     touchKey
	sites   map[int32]bool
	path    string
	missile bool // path is a missile entry's, where a person fixes a count
}

// checkInvariants checks what must hold after the plan: no more deployed
// missiles than deployed launchers per type (and per site where the
// type's launchers name sites); a launcher holds one missile and a
// submarine no more tubes than its class has; a deployed missile sits in a
// deployed launcher; nothing is held by an eliminated item.
func (l *Ledger) checkInvariants(pl *plan, errs *EventErrors) {
	delta := map[ctrKey]int32{}
	add := func(k ctrKey, v int32) { delta[k] += v }
	var touched []*touch
	tidx := map[touchKey]*touch{}
	note := func(k profKey, class uint8, path string) {
		tk := touchKey{k.typ, class}
		t := tidx[tk]
		if t == nil {
			t = &touch{key: tk, sites: map[int32]bool{}, path: path}
			tidx[tk] = t
			touched = append(touched, t)
		}
		t.sites[k.site] = true
		if m := Kinds[k.kind].IsMissile(); m && !t.missile {
			t.path, t.missile = path, true
		}
	}
	changed := make(map[int32]int, len(pl.changes))
	for i, c := range pl.changes {
		changed[c.item] = i
		old := l.profs[l.prof[c.item]]
		if cl, ok := contrib(old, -1, add); ok {
			note(old, cl, c.path)
		}
		if cl, ok := contrib(c.key, 1, add); ok {
			note(c.key, cl, c.path)
		}
	}
	for _, n := range pl.news {
		if cl, ok := contrib(n.key, 1, add); ok {
			note(n.key, cl, n.path)
		}
	}
	get := func(k ctrKey) int32 { return l.ctr[k] + delta[k] }
	for _, t := range touched {
		mk := Kinds[t.key.class]
		lk := launcherOf(mk)
		name := l.types.types[t.key.typ].Name
		m := get(ctrKey{typ: t.key.typ, site: allSites, class: t.key.class})
		lc := get(ctrKey{typ: t.key.typ, site: allSites, class: t.key.class, launcher: true})
		if m > lc {
			errs.add(t.path, "", "%d deployed %s %s but %d deployed %s %s: a deployed missile needs a deployed launcher", m, name, plural2(mk, m), lc, name, plural2(lk, lc))
			continue
		}
		if get(ctrKey{typ: t.key.typ, site: sitedLaunchers, class: t.key.class, launcher: true}) == 0 {
			continue // the type's launchers name no site: the total is the check
		}
		sites := make([]int32, 0, len(t.sites))
		for s := range t.sites {
			if s != 0 {
				sites = append(sites, s)
			}
		}
		sort.Slice(sites, func(a, b int) bool { return sites[a] < sites[b] })
		for _, s := range sites {
			ms := get(ctrKey{typ: t.key.typ, site: s, class: t.key.class})
			ls := get(ctrKey{typ: t.key.typ, site: s, class: t.key.class, launcher: true})
			if ms > ls {
				errs.add(t.path, "", "at %s: %d deployed %s %s but %d deployed %s %s", l.sites[s], ms, name, plural2(mk, ms), ls, name, plural2(lk, ls))
			}
		}
	}
	l.checkHeld(pl, changed, errs)
}

func plural2(k Kind, n int32) string {
	if n == 1 {
		return string(k)
	}
	return string(k) + "s"
}

func (l *Ledger) checkHeld(pl *plan, changed map[int32]int, errs *EventErrors) {
	elim := uint8(statusIndex(Eliminated))
	dep := uint8(statusIndex(Deployed))
	affected := map[int32]string{} // carrier -> path of a change that touched it
	var order []int32
	mark := func(c int32, path string) {
		if c < 0 {
			return
		}
		if _, ok := affected[c]; !ok {
			affected[c] = path
			order = append(order, c)
		}
	}
	for _, c := range pl.changes {
		old := l.profs[l.prof[c.item]]
		mark(old.carrier, c.path)
		mark(c.key.carrier, c.path)
		if len(l.held[c.item]) > 0 {
			mark(c.item, c.path)
		}
	}
	for _, n := range pl.news {
		mark(n.key.carrier, n.path)
	}
	if len(order) == 0 {
		return
	}
	// What each affected carrier holds after the plan.
	after := map[int32][]int32{}
	for _, c := range order {
		for _, h := range l.held[c] {
			if _, ch := changed[h]; !ch {
				after[c] = append(after[c], h)
			}
		}
	}
	for _, c := range pl.changes {
		if _, ok := affected[c.key.carrier]; ok && c.key.status != elim {
			after[c.key.carrier] = append(after[c.key.carrier], c.item)
		}
	}
	for i, n := range pl.news {
		if n.key.carrier >= 0 && n.key.status != elim {
			after[n.key.carrier] = append(after[n.key.carrier], pl.base+int32(i))
		}
	}
	for _, c := range order {
		ck := l.keyAfter(pl, changed, c)
		hs := after[c]
		path := affected[c]
		cuid := l.uidOf(pl, c)
		if len(hs) == 0 {
			continue
		}
		if ck.status == elim {
			errs.add(path, cuid, "is eliminated but still holds %s; move or eliminate %s first", l.uidOf(pl, hs[0]), them(len(hs)))
			continue
		}
		kind := Kinds[ck.kind]
		if kind.IsLauncher() && len(hs) > 1 {
			errs.add(path, cuid, "would hold %d missiles (%s, %s...): a launcher holds one", len(hs), l.uidOf(pl, hs[0]), l.uidOf(pl, hs[1]))
			continue
		}
		if kind == Submarine {
			if tubes, _ := l.effective(ck)["tubes"].(int64); tubes > 0 && int64(len(hs)) > tubes {
				errs.add(path, cuid, "would hold %d launch tubes; a %s has %d", len(hs), l.types.types[ck.typ].Name, tubes)
				continue
			}
		}
		if kind.IsLauncher() && ck.status != dep {
			for _, h := range hs {
				if hk := l.keyAfter(pl, changed, h); hk.status == dep {
					errs.add(path, l.uidOf(pl, h), "is deployed but its launcher %s is %s: a deployed missile is one in a deployed launcher", cuid, Statuses[ck.status])
				}
			}
		}
	}
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func (l *Ledger) commit(pl *plan) {
	u := l.undo
	add := func(k ctrKey, v int32) {
		if u != nil {
			if _, ok := u.ctr[k]; !ok {
				u.ctr[k] = l.ctr[k]
			}
		}
		if n := l.ctr[k] + v; n == 0 {
			delete(l.ctr, k)
		} else {
			l.ctr[k] = n
		}
	}
	touchHeld := func(c int32) {
		if u != nil {
			if _, ok := u.held[c]; !ok {
				u.held[c] = append([]int32(nil), l.held[c]...)
			}
		}
	}
	elim := uint8(statusIndex(Eliminated))
	for _, n := range pl.news {
		i := int32(len(l.uids))
		p := l.internProf(n.key, n.origin)
		l.uids = append(l.uids, n.uid)
		l.prof = append(l.prof, p)
		l.byUID[n.uid] = i
		contrib(n.key, 1, add)
		if n.key.status == elim {
			l.elim[i] = pl.date
		} else if n.key.carrier >= 0 {
			touchHeld(n.key.carrier)
			l.held[n.key.carrier] = append(l.held[n.key.carrier], i)
		}
		l.tape = append(l.tape, step{i, p})
		l.tapeDate = append(l.tapeDate, pl.date)
	}
	for _, c := range pl.changes {
		old := l.profs[l.prof[c.item]]
		p := l.internProf(c.key, pl.ctx.origin)
		if u != nil {
			u.prof = append(u.prof, [2]int32{c.item, l.prof[c.item]})
		}
		l.prof[c.item] = p
		contrib(old, -1, add)
		contrib(c.key, 1, add)
		if old.carrier >= 0 && (old.carrier != c.key.carrier || c.key.status == elim) {
			touchHeld(old.carrier)
			l.unhold(old.carrier, c.item)
		}
		if c.key.carrier >= 0 && c.key.status != elim && (old.carrier != c.key.carrier) {
			touchHeld(c.key.carrier)
			l.held[c.key.carrier] = append(l.held[c.key.carrier], c.item)
		}
		if c.key.status == elim {
			l.elim[c.item] = pl.date
			if u != nil {
				u.elim = append(u.elim, c.item)
			}
		}
		l.tape = append(l.tape, step{c.item, p})
		l.tapeDate = append(l.tapeDate, pl.date)
	}
	for g, n := range pl.gen {
		if u != nil {
			if _, ok := u.gen[g]; !ok {
				u.gen[g] = l.gen[g]
			}
		}
		l.gen[g] = n
	}
	if !pl.ctx.initial {
		l.started, l.last = true, pl.date
		l.events++
	}
}

// undoLog is what ApplyAll needs to take back the events of a batch that
// fails part way: the old value of everything commit changes in place.
// Interned sites and overrides stay: nothing reads them unless an item
// is in them.
type undoLog struct {
	uids, tape int
	profs      int // profiles made by the batch go too: their origin is the batch's
	started    bool
	last       civil.Date
	events     int
	prof       [][2]int32 // item, profile before, in commit order
	elim       []int32
	held       map[int32][]int32
	ctr        map[ctrKey]int32
	gen        map[genKey]int
}

// ApplyAll applies a batch of events in order, each validated against the
// items as the earlier ones left them, and either all of them or none. On
// error nothing has changed, and the error is a *BatchError naming the
// event at fault.
func (l *Ledger) ApplyAll(evs []Event) error {
	u := &undoLog{uids: len(l.uids), tape: len(l.tape), profs: len(l.profs), started: l.started, last: l.last, events: l.events,
		held: map[int32][]int32{}, ctr: map[ctrKey]int32{}, gen: map[genKey]int{}}
	l.undo = u
	defer func() { l.undo = nil }()
	for i := range evs {
		ev := evs[i]
		pl, errs := l.plan(&ev, applyCtx{origin: fmt.Sprintf("event %s %s", ev.Date, ev.Op)})
		if len(errs) > 0 {
			l.rollback(u)
			return &BatchError{Index: i, Err: errs}
		}
		l.commit(pl)
	}
	return nil
}

// BatchError is ApplyAll's error: the index of the event it rejected, and
// why (EventErrors).
type BatchError struct {
	Index int
	Err   error
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("event %d: %v", e.Index, strings.ReplaceAll(e.Err.Error(), "\n", fmt.Sprintf("\nevent %d: ", e.Index)))
}

func (e *BatchError) Unwrap() error { return e.Err }

func (l *Ledger) rollback(u *undoLog) {
	for i := len(u.prof) - 1; i >= 0; i-- {
		l.prof[u.prof[i][0]] = u.prof[i][1]
	}
	for _, i := range u.elim {
		delete(l.elim, i)
	}
	for c, old := range u.held {
		if len(old) == 0 {
			delete(l.held, c)
		} else {
			l.held[c] = old
		}
	}
	for k, v := range u.ctr {
		if v == 0 {
			delete(l.ctr, k)
		} else {
			l.ctr[k] = v
		}
	}
	for g, n := range u.gen {
		if n == 0 {
			delete(l.gen, g)
		} else {
			l.gen[g] = n
		}
	}
	for i := u.uids; i < len(l.uids); i++ {
		delete(l.byUID, l.uids[i])
		delete(l.elim, int32(i))
		delete(l.held, int32(i))
	}
	for _, k := range l.profs[u.profs:] {
		delete(l.profIdx, k)
	}
	l.profs, l.origin = l.profs[:u.profs], l.origin[:u.profs]
	l.uids, l.prof = l.uids[:u.uids], l.prof[:u.uids]
	l.tape, l.tapeDate = l.tape[:u.tape], l.tapeDate[:u.tape]
	l.started, l.last, l.events = u.started, u.last, u.events
}

func (l *Ledger) unhold(c, item int32) {
	hs := l.held[c]
	for j, h := range hs {
		if h == item {
			hs = append(hs[:j], hs[j+1:]...)
			break
		}
	}
	if len(hs) == 0 {
		delete(l.held, c)
	} else {
		l.held[c] = hs
	}
}
