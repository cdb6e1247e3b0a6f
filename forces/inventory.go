package forces

import (
	"fmt"
	"math"
	"strings"

	"github.com/tally-project/tally/civil"
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
	site    int32 // index into Inventory.sites; 0 is no site
	heads   int32 // warheads on each missile, or NoLoading
	over    int32 // index into Inventory.overs: the item's attribute overrides
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

// Item is one item as it stands in a Inventory.
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

// Inventory is a party's items as they stand after the events applied so
// far. Apply validates an event against the current items (new UIDs must
// not exist and never have, the change must be allowed from each item's
// status, containment and the deployed-missile count must hold) and either
// applies all of it or nothing. The exchange validates notifications with
// it; history files are replayed through it.
//
// Forces returns the history applied so far, replayable at any date. A
// Inventory is not safe for concurrent use.
type Inventory struct {
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

// NewInventory starts an empty inventory for party over the type catalogue
// types (nil: the bundled Catalogue()).
func NewInventory(party string, types *Types) *Inventory {
	if types == nil {
		types = Catalogue()
	}
	return &Inventory{
		party: party, types: types,
		sites: []string{""}, siteIdx: map[string]int32{"": 0},
		overs: []Attrs{nil}, overIdx: map[string]int32{"": 0},
		profIdx: map[profKey]int32{},
		byUID:   map[string]int32{}, elim: map[int32]civil.Date{},
		held: map[int32][]int32{}, gen: map[genKey]int{}, ctr: map[ctrKey]int32{},
	}
}

// DeclareSites restricts the sites items may be at to those named.
func (l *Inventory) DeclareSites(sites []Site) {
	l.declared = map[string]bool{}
	for _, s := range sites {
		l.declared[s.Name] = true
	}
}

// Party is the party whose items these are.
func (l *Inventory) Party() string { return l.party }

// Types is the catalogue the inventory resolves type names against.
func (l *Inventory) Types() *Types { return l.types }

// Date is the date of the last event applied (false before any).
func (l *Inventory) Date() (civil.Date, bool) { return l.last, l.started }

// Len is the number of items ever declared, eliminated ones included.
func (l *Inventory) Len() int { return len(l.uids) }

// Item returns the item with the given UID (eliminated items too).
func (l *Inventory) Item(uid string) (Item, bool) {
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
func (l *Inventory) Apply(ev Event) error {
	pl, errs := l.plan(&ev, applyCtx{origin: fmt.Sprintf("event %s %s", ev.Date, ev.Op)})
	if len(errs) > 0 {
		return errs
	}
	l.commit(pl)
	return nil
}

// Check validates ev as Apply would, and changes nothing.
func (l *Inventory) Check(ev Event) error {
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

// cur is an item's key as the plan leaves it.
func (l *Inventory) keyAfter(pl *plan, changed map[int32]int, i int32) profKey {
	if i >= pl.base {
		return pl.news[i-pl.base].key
	}
	if c, ok := changed[i]; ok {
		return pl.changes[c].key
	}
	return l.profs[l.prof[i]]
}

func (l *Inventory) uidOf(pl *plan, i int32) string {
	if i >= pl.base {
		return pl.news[i-pl.base].uid
	}
	return l.uids[i]
}

// effective is the attributes of an item with key k.
func (l *Inventory) effective(k profKey) Attrs {
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

// internOver and internSite grow lookup tables; doing so while planning
// changes nothing a caller can observe.
func (l *Inventory) internOver(a Attrs) int32 {
	k := a.Key()
	if i, ok := l.overIdx[k]; ok {
		return i
	}
	i := int32(len(l.overs))
	l.overs = append(l.overs, a)
	l.overIdx[k] = i
	return i
}

func (l *Inventory) internSite(s string) int32 {
	if i, ok := l.siteIdx[s]; ok {
		return i
	}
	i := int32(len(l.sites))
	l.sites = append(l.sites, s)
	l.siteIdx[s] = i
	return i
}

func (l *Inventory) internProf(k profKey, origin string) int32 {
	if i, ok := l.profIdx[k]; ok {
		return i
	}
	i := int32(len(l.profs))
	l.profs = append(l.profs, k)
	l.origin = append(l.origin, origin)
	l.profIdx[k] = i
	return i
}

func (l *Inventory) commit(pl *plan) {
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
func (l *Inventory) ApplyAll(evs []Event) error {
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

func (l *Inventory) rollback(u *undoLog) {
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

func (l *Inventory) unhold(c, item int32) {
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
