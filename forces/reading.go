package forces

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/tally-project/tally/internal/yamlpos"
	"go.yaml.in/yaml/v3"
)

// readingDoc is a reading file as written.
type readingDoc struct {
	Name    string      `yaml:"name"`
	By      string      `yaml:"by"`
	Of      string      `yaml:"of"`
	Changes []changeDoc `yaml:"changes"`
	Added   []rawNode   `yaml:"added"`
	Source  string      `yaml:"source"`
	Note    string      `yaml:"note"`
}

type changeDoc struct {
	UIDs   []string           `yaml:"uids"`
	Select *Selector          `yaml:"select"`
	Count  int                `yaml:"count"`
	Status string             `yaml:"status"`
	Kind   string             `yaml:"kind"`
	Attrs  map[string]rawNode `yaml:"attrs"`
	Note   string             `yaml:"note"`
}

// LoadReading reads a reading file (YAML or JSON): one party's reading of
// another's items (see Reading).
func LoadReading(file string) (*Reading, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ParseReading(file, data)
}

// BundledReading reads the example reading called name from
// catalog/forces (see BundledReadingNames).
func BundledReading(name string) (*Reading, error) {
	file, data, err := bundledFile(name)
	if err != nil {
		return nil, err
	}
	return ParseReading(file, data)
}

// OpenReading reads the reading file at nameOrPath, or else the bundled
// reading of that name.
func OpenReading(nameOrPath string) (*Reading, error) {
	if _, err := os.Stat(nameOrPath); err == nil {
		return LoadReading(nameOrPath)
	}
	if r, err := BundledReading(nameOrPath); err == nil {
		return r, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return nil, fmt.Errorf("%s: no such file, nor bundled reading of that name (bundled: %s)", nameOrPath, strings.Join(BundledReadingNames(), ", "))
}

// ParseReading reads a reading's contents; name is used in errors. It
// checks the reading's shape; what its changes name is checked when it is
// applied to a State (State.Read), whose items and types it needs.
func ParseReading(name string, data []byte) (*Reading, error) {
	var rd readingDoc
	doc, err := loadYAML(name, data, &rd)
	if err != nil {
		return nil, err
	}
	if doc.Root.Kind != yaml.MappingNode {
		return nil, yamlpos.Errors{doc.Errorf("", "a reading is a mapping with name, by, of and changes or added")}
	}
	s := &errSink{doc: doc}
	r := &Reading{Name: rd.Name, By: rd.By, Of: rd.Of, Source: rd.Source, Note: strings.TrimSpace(rd.Note), file: name}
	if strings.TrimSpace(rd.By) == "" {
		s.at("", nil, "by is required: the party whose reading this is")
	}
	if strings.TrimSpace(rd.Of) == "" {
		s.at("", nil, "of is required: the party whose items are read")
	}
	if len(rd.Changes) == 0 && len(rd.Added) == 0 {
		s.at("", nil, "a reading has changes, added items, or both")
	}
	for i, cd := range rd.Changes {
		p := yamlpos.Index("changes", i)
		ch := ReadingChange{UIDs: cd.UIDs, Select: cd.Select, Count: cd.Count, Status: Status(cd.Status),
			Kind: Kind(cd.Kind), Note: cd.Note, Line: doc.Line(p)}
		if doc.Has(yamlpos.Join(p, "count")) && cd.Count < 1 {
			s.at(yamlpos.Join(p, "count"), nil, "count must be at least 1, not %d", cd.Count)
		}
		if len(cd.Attrs) > 0 {
			ch.Attrs = Attrs{}
			for k, raw := range cd.Attrs {
				if v, ok := s.scalarAttr(yamlpos.Join(yamlpos.Join(p, "attrs"), k), raw.n); ok {
					ch.Attrs[k] = v
				}
			}
		}
		for _, e := range ch.check(nil) {
			s.at(joinPath(p, e.Path), nil, "%s", e.Msg)
		}
		r.Changes = append(r.Changes, ch)
	}
	for j, raw := range rd.Added {
		if spec, ok := decodeItem(s, yamlpos.Index("added", j), raw.n); ok {
			r.Added = append(r.Added, spec)
		}
	}
	if len(s.errs) > 0 {
		return nil, s.errs.Err()
	}
	return r, nil
}

// check says what is wrong with a change's shape (and, with types, with
// its values).
func (ch *ReadingChange) check(types *Types) EventErrors {
	var errs EventErrors
	switch {
	case len(ch.UIDs) > 0 && ch.Select != nil:
		errs.add("", "", "name items by uids or by select with count, not both")
	case len(ch.UIDs) == 0 && ch.Select == nil:
		errs.add("", "", "name the items the reading changes: uids, or select with count")
	case ch.Select != nil && ch.Count < 1:
		errs.add("count", "", "select needs a count of at least 1")
	case len(ch.UIDs) > 0 && ch.Count != 0:
		errs.add("count", "", "count goes with select; with uids the items are the ones listed")
	}
	if ch.Status == "" && ch.Kind == "" && len(ch.Attrs) == 0 {
		errs.add("", "", "a change says what the items are under the reading: status, kind or attrs")
	}
	if ch.Status != "" {
		if _, err := ParseStatus(string(ch.Status)); err != nil {
			errs.add("status", "", "%v", err)
		}
	}
	if ch.Kind != "" {
		if _, err := ParseKind(string(ch.Kind)); err != nil {
			errs.add("kind", "", "%v", err)
		}
	}
	if types != nil {
		for _, k := range sortedKeys(ch.Attrs) {
			if _, err := types.checkAttr(k, ch.Attrs[k]); err != nil {
				errs.add(yamlpos.Join("attrs", k), "", "%v", err)
			}
		}
	}
	return errs
}

// Read returns the state as the reading sees it: the items its changes
// name take the status, kind or attributes the reading gives them (a group
// split where the reading names only some of its items), and the items it
// adds are added. s is not changed; groups the reading does not touch are
// shared with s. Every problem is reported, each naming the change or
// added item (with file:line when the reading came from a file).
//
// A state without UIDs (from Sweep) can be read by changes that select
// items by what they are; changes by UID need a state from At.
func (s *State) Read(r *Reading) (*State, error) {
	if r == nil {
		return nil, fmt.Errorf("no reading")
	}
	types := s.types
	if types == nil {
		types = Catalogue()
	}
	file := r.file
	if file == "" {
		file = "reading " + r.label()
	}
	var errs yamlpos.Errors
	fail := func(path string, line int, format string, args ...any) {
		errs = append(errs, &yamlpos.Error{File: file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	if r.Of != "" && r.Of != s.Party {
		fail("of", 0, "the reading is of %s's items, but the state is %s's", r.Of, s.Party)
		return nil, errs
	}
	groups := make([]*Group, len(s.Groups))
	copy(groups, s.Groups)
	for i := range r.Changes {
		ch := &r.Changes[i]
		p := yamlpos.Index("changes", i)
		if es := ch.check(types); len(es) > 0 {
			for _, e := range es {
				fail(joinPath(p, e.Path), ch.Line, "%s", e.Msg)
			}
			continue
		}
		next, es := readChange(groups, ch, types, fmt.Sprintf("%s %s", r.label(), p))
		for _, e := range es {
			fail(joinPath(p, e.Path), ch.Line, "%s", e.Error()[len(pathPrefix(e)):])
		}
		if len(es) == 0 {
			groups = next
		}
	}
	n := 0
	for _, g := range groups {
		n += len(g.UIDs)
	}
	taken := make(map[string]bool, n) // sized: a state has thousands of UIDs
	for _, g := range groups {
		for _, u := range g.UIDs {
			taken[u] = true
		}
	}
	gen := map[string]int{}
	for j := range r.Added {
		spec := &r.Added[j]
		p := yamlpos.Index("added", j)
		g, es := addedGroup(spec, types, r, taken, gen)
		for _, e := range es {
			fail(joinPath(p, e.Path), spec.Line, "%s", e.Error()[len(pathPrefix(e)):])
		}
		if g != nil {
			g.Origin = fmt.Sprintf("%s %s", r.label(), p)
			if r.file != "" && spec.Line > 0 {
				g.Origin = fmt.Sprintf("%s:%d", r.file, spec.Line)
			}
			groups = append(groups, g)
		}
	}
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	out := &State{Party: s.Party, Date: s.Date, Snapshot: s.Snapshot, Reading: r.label(), types: s.types}
	out.Groups = mergeGroups(groups)
	return out, nil
}

// joinPath appends a sub-path that may be empty or an index.
func joinPath(p, sub string) string {
	switch {
	case sub == "":
		return p
	case p == "":
		return sub
	case strings.HasPrefix(sub, "["):
		return p + sub
	}
	return p + "." + sub
}

func pathPrefix(e *EventError) string {
	if e.Path == "" {
		return ""
	}
	return e.Path + ": "
}

func (r *Reading) label() string {
	if r.Name != "" {
		return r.Name
	}
	return r.By + " reading"
}

// readChange applies one change to groups, returning the new list.
func readChange(groups []*Group, ch *ReadingChange, types *Types, origin string) ([]*Group, EventErrors) {
	var errs EventErrors
	take := map[*Group][]string{} // UIDs taken from each group
	takeN := map[*Group]int{}     // or, without UIDs, how many
	var touched []*Group
	mark := func(g *Group) {
		if _, ok := takeN[g]; !ok {
			touched = append(touched, g)
		}
	}
	if len(ch.UIDs) > 0 {
		// Where the named items are: only those are looked for, not
		// every item of the state (a compliance series reads a state at
		// each of its dates).
		want := make(map[string]bool, len(ch.UIDs))
		for _, u := range ch.UIDs {
			want[u] = true
		}
		where := make(map[string]*Group, len(want))
		for _, g := range groups {
			for _, u := range g.UIDs {
				if want[u] {
					where[u] = g
				}
			}
		}
		seen := map[string]bool{}
		for k, u := range ch.UIDs {
			p := yamlpos.Index("uids", k)
			g, ok := where[u]
			switch {
			case seen[u]:
				errs.add(p, u, "is named twice")
			case !ok:
				errs.add(p, u, "no such item in the state (not declared by that date, eliminated, or the state has no UIDs)")
			default:
				mark(g)
				take[g] = append(take[g], u)
				takeN[g]++
			}
			seen[u] = true
		}
	} else {
		m, err := selectorFor(ch.Select, types)
		if err != nil {
			return nil, EventErrors{err}
		}
		var match []*Group
		total, withUIDs := 0, true
		for _, g := range groups {
			if m(g) {
				match = append(match, g)
				total += g.Count
				withUIDs = withUIDs && len(g.UIDs) == g.Count
			}
		}
		if total < ch.Count {
			errs.add("count", "", "select matches %d item%s, count asks for %d", total, plural(total), ch.Count)
			return nil, errs
		}
		if withUIDs {
			type hit struct {
				uid string
				g   *Group
			}
			hits := make([]hit, 0, total)
			for _, g := range match {
				for _, u := range g.UIDs {
					hits = append(hits, hit{u, g})
				}
			}
			sort.Slice(hits, func(a, b int) bool { return hits[a].uid < hits[b].uid })
			for _, h := range hits[:ch.Count] {
				mark(h.g)
				take[h.g] = append(take[h.g], h.uid)
				takeN[h.g]++
			}
		} else {
			left := ch.Count
			for _, g := range match {
				n := min(left, g.Count)
				if n > 0 {
					mark(g)
					takeN[g] += n
					left -= n
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var kind Kind
	if ch.Kind != "" {
		kind, _ = ParseKind(string(ch.Kind))
	}
	var over Attrs
	for _, k := range sortedKeys(ch.Attrs) {
		v, _ := types.checkAttr(k, ch.Attrs[k])
		if over == nil {
			over = Attrs{}
		}
		over[k] = v
	}
	replace := map[*Group][]*Group{}
	for _, g := range touched {
		n := takeN[g]
		read := *g
		read.Count = n
		read.UIDs = nil
		if uids := take[g]; len(uids) > 0 {
			sort.Strings(uids)
			read.UIDs = uids
		}
		if ch.Status != "" {
			read.Status = ch.Status
		}
		if kind != "" {
			if t := types.Lookup(g.Type); t != nil && !t.AppliesTo(kind) {
				errs.add("kind", "", "type %s is not a type of %s (it applies to %s)", g.Type, kind, kindList(t.Kinds))
				continue
			}
			read.Kind = kind
			if !kind.IsMissile() {
				read.Warheads = NoLoading
			}
		}
		if len(over) > 0 {
			a := make(Attrs, len(g.Attrs)+len(over))
			o := make(Attrs, len(g.Overrides)+len(over))
			for k, v := range g.Attrs {
				a[k] = v
			}
			for k, v := range g.Overrides {
				o[k] = v
			}
			for k, v := range over {
				a[k] = v
				o[k] = v
			}
			read.Attrs, read.Overrides = a, o
		}
		read.Origin = origin
		read.Profile = 0 // its attributes are the reading's, not a profile's
		var parts []*Group
		if n < g.Count {
			rest := *g
			rest.Count = g.Count - n
			if len(g.UIDs) == g.Count {
				gone := map[string]bool{}
				for _, u := range take[g] {
					gone[u] = true
				}
				rest.UIDs = make([]string, 0, rest.Count)
				for _, u := range g.UIDs {
					if !gone[u] {
						rest.UIDs = append(rest.UIDs, u)
					}
				}
			}
			parts = append(parts, &rest)
		}
		parts = append(parts, &read)
		replace[g] = parts
	}
	if len(errs) > 0 {
		return nil, errs
	}
	out := make([]*Group, 0, len(groups)+len(touched))
	for _, g := range groups {
		if parts, ok := replace[g]; ok {
			out = append(out, parts...)
		} else {
			out = append(out, g)
		}
	}
	return out, nil
}

// selectorFor compiles a Selector into a test on groups.
func selectorFor(sel *Selector, types *Types) (func(*Group) bool, *EventError) {
	var typeName string
	var want Attrs
	if sel.Kind != "" {
		if _, err := ParseKind(string(sel.Kind)); err != nil {
			return nil, &EventError{Path: "select.kind", Msg: err.Error()}
		}
	}
	if sel.Status != "" {
		if _, err := ParseStatus(string(sel.Status)); err != nil {
			return nil, &EventError{Path: "select.status", Msg: err.Error()}
		}
	}
	if sel.Type != "" {
		r, err := types.Resolve(sel.Type)
		if err != nil {
			return nil, &EventError{Path: "select.type", Msg: err.Error()}
		}
		typeName, want = r.Type.Name, r.Overrides
	}
	return func(g *Group) bool {
		if (sel.Kind != "" && g.Kind != sel.Kind) || (sel.Status != "" && g.Status != sel.Status) ||
			(typeName != "" && g.Type != typeName) || (sel.Site != "" && g.Site != sel.Site) ||
			(sel.Warheads != nil && g.Warheads != *sel.Warheads) {
			return false
		}
		for k, v := range want {
			if g.Attrs[k] != v {
				return false
			}
		}
		return true
	}, nil
}

// addedGroup makes the group of items a reading adds.
func addedGroup(spec *ItemSpec, types *Types, r *Reading, taken map[string]bool, gen map[string]int) (*Group, EventErrors) {
	var errs EventErrors
	g := &Group{Warheads: NoLoading, Site: spec.Site, Carrier: spec.Carrier}
	kind, err := ParseKind(string(spec.Kind))
	if err != nil {
		errs.add("kind", spec.UID, "%v", err)
	}
	g.Kind = kind
	st, err := ParseStatus(string(spec.Status))
	if err != nil {
		errs.add("status", spec.UID, "%v", err)
	}
	g.Status = st
	res, err := types.Resolve(spec.Type)
	if err != nil {
		errs.add("type", spec.UID, "%v", err)
	} else {
		g.Type = res.Type.Name
		if kind != "" && !res.Type.AppliesTo(kind) {
			errs.add("type", spec.UID, "type %s is not a type of %s (it applies to %s)", res.Type.Name, kind, kindList(res.Type.Kinds))
		}
	}
	if spec.Warheads != nil {
		if kind != "" && !kind.IsMissile() {
			errs.add("warheads", spec.UID, "only missiles (icbm, slbm) carry warheads; a %s does not", kind)
		} else if *spec.Warheads < 0 || *spec.Warheads > MaxWarheads {
			errs.add("warheads", spec.UID, "must be from 0 to %d", MaxWarheads)
		} else {
			g.Warheads = *spec.Warheads
		}
	}
	over := Attrs{}
	if res != nil {
		for k, v := range res.Overrides {
			over[k] = v
		}
	}
	for _, k := range sortedKeys(spec.Attrs) {
		v, err := types.checkAttr(k, spec.Attrs[k])
		if err != nil {
			errs.add(k, spec.UID, "%v", err)
			continue
		}
		over[k] = v
	}
	n := spec.Count
	if n == 0 {
		n = 1
	}
	if n < 1 || n > MaxCount {
		errs.add("count", spec.UID, "count must be from 1 to %d", MaxCount)
	}
	if spec.UID != "" && n != 1 {
		errs.add("count", spec.UID, "an entry with a uid is one item")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	g.Attrs = types.Effective(res.Type, over)
	if len(over) > 0 {
		g.Overrides = over
	}
	g.Count = n
	if spec.UID != "" {
		if taken[spec.UID] {
			errs.add("uid", spec.UID, "is already an item of the state")
			return nil, errs
		}
		taken[spec.UID] = true
		g.UIDs = []string{spec.UID}
		return g, nil
	}
	prefix := uidPart(r.By) + "-reading." + string(kind) + "." + uidPart(res.Type.Name) + "."
	for len(g.UIDs) < n {
		gen[prefix]++
		u := fmt.Sprintf("%s%04d", prefix, gen[prefix])
		if !taken[u] {
			taken[u] = true
			g.UIDs = append(g.UIDs, u)
		}
	}
	return g, nil
}

// mergeGroups joins groups that a reading made alike, and orders them as
// At does.
func mergeGroups(groups []*Group) []*Group {
	byKey := map[string]*Group{}
	var out []*Group
	for _, g := range groups {
		k := groupKey(g)
		m, ok := byKey[k]
		if !ok {
			byKey[k] = g
			out = append(out, g)
			continue
		}
		merged := *m
		merged.Count += g.Count
		if merged.Profile == 0 {
			merged.Profile = g.Profile
		}
		if len(m.UIDs) == m.Count && len(g.UIDs) == g.Count {
			merged.UIDs = append(append(make([]string, 0, merged.Count), m.UIDs...), g.UIDs...)
			sort.Strings(merged.UIDs)
		} else {
			merged.UIDs = nil
		}
		byKey[k] = &merged // m may be shared with the state read: replace it, never mutate
		for i := range out {
			if out[i] == m {
				out[i] = &merged
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return groupLess(out[a], out[b]) })
	return out
}

func groupKey(g *Group) string {
	return fmt.Sprintf("%s|%s|%s|%s|%d|%t|%s|%s", g.Kind, g.Type, g.Status, g.Site, g.Warheads, g.Converting, g.Carrier, g.Attrs.Key())
}

func groupLess(x, y *Group) bool {
	if x.Kind != y.Kind {
		return kindIndex(x.Kind) < kindIndex(y.Kind)
	}
	if x.Type != y.Type {
		return naturalLess(x.Type, y.Type)
	}
	if x.Status != y.Status {
		return statusIndex(x.Status) < statusIndex(y.Status)
	}
	if x.Site != y.Site {
		return x.Site < y.Site
	}
	if x.Converting != y.Converting {
		return !x.Converting
	}
	if x.Warheads != y.Warheads {
		return x.Warheads > y.Warheads
	}
	if ax, ay := x.Attrs.Key(), y.Attrs.Key(); ax != ay {
		return ax < ay
	}
	return x.Carrier < y.Carrier
}
