package forces

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/internal/yamlpos"
)

// Validating an event: a plan is what the event would do (the new items,
// and the new key of each item it changes), worked out against the items
// as they stand and checked before anything is applied (commit, in
// inventory.go).

type plan struct {
	ctx     applyCtx
	date    civil.Date
	base    int32 // index of the first new item
	news    []newItem
	changes []change
	gen     map[genKey]int
	newUIDs map[string]int32
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

func (l *Inventory) plan(ev *Event, ctx applyCtx) (*plan, EventErrors) {
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

func (l *Inventory) eventArgs(ev *Event, errs *EventErrors) (evArgs, bool) {
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

func (l *Inventory) parseStatus(s Status, path string, errs *EventErrors) (Status, bool) {
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

func (l *Inventory) checkSite(site, path string, errs *EventErrors) bool {
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
func (l *Inventory) targets(ev *Event, errs *EventErrors) []target {
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
func (l *Inventory) matcher(sel *Selector, path string, errs *EventErrors) ([]bool, bool) {
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

func (l *Inventory) hasAttrs(k profKey, want Attrs) bool {
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
func (l *Inventory) specKey(spec *ItemSpec, p string, errs *EventErrors, ctx applyCtx) (profKey, bool) {
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
func (l *Inventory) typeOver(typ int32, over Attrs) int32 {
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

func (l *Inventory) planNew(pl *plan, ev *Event, errs *EventErrors) {
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
func (l *Inventory) carrierFits(k, c profKey, self bool) string {
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

func (l *Inventory) nextUID(pl *plan, k profKey) string {
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

func (l *Inventory) planChange(pl *plan, ev *Event, a evArgs, t target, errs *EventErrors) {
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

func (l *Inventory) mergeOver(typ, cur int32, add Attrs) int32 {
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
