package forces

import "sort"

// What must hold after every event: deployed missiles and launchers
// balance per type (and site), and containment is consistent.

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
func (l *Inventory) checkInvariants(pl *plan, errs *EventErrors) {
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

func (l *Inventory) checkHeld(pl *plan, changed map[int32]int, errs *EventErrors) {
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
