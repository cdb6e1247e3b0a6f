package forces

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/tally-project/tally/catalog"
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/internal/yamlpos"
	"go.yaml.in/yaml/v3"
)

// fileDoc is a forces file: a snapshot (items, no events) or a history
// (events, optionally after initial items).
type fileDoc struct {
	Party      string     `yaml:"party"`
	AsOf       string     `yaml:"as_of"`
	Note       string     `yaml:"note"`
	Source     string     `yaml:"source"`
	Attributes []attrDoc  `yaml:"attributes"`
	Types      []typeDoc  `yaml:"types"`
	Sites      []Site     `yaml:"sites"`
	Items      []rawNode  `yaml:"items"`
	Events     []eventDoc `yaml:"events"`
}

// eventDoc is Event as written, with new items and attributes kept as
// nodes to decode with exact paths.
type eventDoc struct {
	Date     string             `yaml:"date"`
	Op       string             `yaml:"op"`
	Items    []rawNode          `yaml:"items"`
	UIDs     []string           `yaml:"uids"`
	Select   *Selector          `yaml:"select"`
	Count    int                `yaml:"count"`
	Status   string             `yaml:"status"`
	Site     string             `yaml:"site"`
	Carrier  string             `yaml:"carrier"`
	Warheads *int               `yaml:"warheads"`
	Attrs    map[string]rawNode `yaml:"attrs"`
	Note     string             `yaml:"note"`
}

// LoadFile reads a forces file (YAML or JSON).
func LoadFile(file string) (*Forces, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return Parse(file, data)
}

// Open reads the forces file at nameOrPath, or else the bundled example
// of that name (see BundledNames).
func Open(nameOrPath string) (*Forces, error) {
	if _, err := os.Stat(nameOrPath); err == nil {
		return LoadFile(nameOrPath)
	}
	if f, err := Bundled(nameOrPath); err == nil {
		return f, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return nil, fmt.Errorf("%s: no such file, nor bundled forces of that name (bundled: %s)", nameOrPath, strings.Join(BundledNames(), ", "))
}

// BundledNames lists the example forces in catalog/forces.
func BundledNames() []string { return bundled(false) }

// BundledReadingNames lists the example readings in catalog/forces
// (files named *-reading.yaml).
func BundledReadingNames() []string { return bundled(true) }

func bundled(readings bool) []string {
	files, _ := fs.ReadDir(catalog.FS, "forces")
	var out []string
	for _, e := range files {
		n := e.Name()
		ext := path.Ext(n)
		if ext != ".yaml" && ext != ".json" {
			continue
		}
		base := strings.TrimSuffix(n, ext)
		if strings.HasSuffix(base, "-reading") == readings {
			out = append(out, base)
		}
	}
	sort.Strings(out)
	return out
}

func bundledFile(name string) (string, []byte, error) {
	for _, n := range []string{name, name + ".yaml", name + ".json"} {
		if strings.ContainsAny(name, "/\\") {
			break
		}
		if data, err := catalog.FS.ReadFile("forces/" + n); err == nil {
			return "catalog/forces/" + n, data, nil
		}
	}
	return "", nil, fmt.Errorf("bundled %q: %w", name, fs.ErrNotExist)
}

// Bundled reads the example forces called name from catalog/forces
// ("us-2020-09-01", with or without .yaml).
func Bundled(name string) (*Forces, error) {
	file, data, err := bundledFile(name)
	if err != nil {
		return nil, err
	}
	return Parse(file, data)
}

// Parse reads a forces file's contents; name is used in errors. Every
// problem is reported at once, each with file:line and the field path
// (or the item's UID), as yamlpos.Errors.
func Parse(name string, data []byte) (*Forces, error) {
	var fd fileDoc
	doc, err := loadYAML(name, data, &fd)
	if err != nil {
		return nil, err
	}
	if doc.Root.Kind != yaml.MappingNode {
		return nil, yamlpos.Errors{doc.Errorf("", "a forces file is a mapping with party, as_of and items (or events)")}
	}
	s := &errSink{doc: doc}
	history := doc.Has("events")
	if strings.TrimSpace(fd.Party) == "" {
		s.at("", nil, "party is required (e.g. party: US)")
	} else if fd.Party != strings.TrimSpace(fd.Party) {
		s.at("party", nil, "party %q has leading or trailing spaces", fd.Party)
	}
	if !history {
		if !doc.Has("as_of") {
			s.at("", nil, "as_of is required: the date the snapshot is declared as of (e.g. as_of: 2020-09-01)")
		}
		if !doc.Has("items") {
			s.at("", nil, "a snapshot lists items (a history lists events)")
		}
	}
	types := Catalogue()
	if len(fd.Attributes) > 0 || len(fd.Types) > 0 {
		types = buildTypes(types, []typeSource{{sink: s, attrs: fd.Attributes, types: fd.Types}})
	}
	l := NewInventory(fd.Party, types)
	if doc.Has("sites") {
		seen := map[string]int{}
		for i, site := range fd.Sites {
			p := yamlpos.Index("sites", i)
			if strings.TrimSpace(site.Name) == "" {
				s.at(yamlpos.Join(p, "name"), nil, "a site needs a name")
				continue
			}
			if j, dup := seen[site.Name]; dup {
				s.at(yamlpos.Join(p, "name"), nil, "site %q is declared twice (also sites[%d])", site.Name, j)
			}
			seen[site.Name] = i
		}
		l.DeclareSites(fd.Sites)
	}
	ld := &loader{sink: s, l: l, failed: map[string]bool{}}
	asOf := ld.date("as_of", fd.AsOf)

	// The items a file lists outright hold before any event.
	if len(fd.Items) > 0 {
		specs, index := ld.items("items", fd.Items)
		ev := Event{Op: OpNew, Items: specs}
		pl, errs := l.plan(&ev, applyCtx{initial: true, lenient: true, file: name, origin: name})
		ld.report("", index, errs)
		l.commit(pl)
	}
	for i := range fd.Events {
		p := yamlpos.Index("events", i)
		ev, index, ok := ld.event(p, &fd.Events[i])
		if !ok {
			ld.fail(ev.Items)
			continue
		}
		origin := fmt.Sprintf("%s:%d (%s %s)", name, doc.Line(p), ev.Date, ev.Op)
		pl, errs := l.plan(&ev, applyCtx{file: name, origin: origin})
		if len(errs) > 0 {
			ld.report(p, index, errs)
			ld.fail(ev.Items)
			continue
		}
		l.commit(pl)
	}
	switch {
	case history && doc.Has("as_of") && l.started && l.last > asOf:
		s.at("as_of", nil, "as_of %s is before the last event (%s)", asOf, l.last)
	case history && !doc.Has("as_of"):
		if l.started {
			asOf = l.last
		} else if len(fd.Events) == 0 {
			s.at("", nil, "as_of is required when the history has no events")
		}
	}
	if err := ld.err(); err != nil {
		return nil, err
	}
	f := l.Forces()
	f.name, f.asOf, f.snapshot, f.note = name, asOf, !history, strings.TrimSpace(fd.Note)
	if doc.Has("sites") {
		f.sites = fd.Sites
	}
	return f, nil
}

// loader turns a file's entries into specs and events, and the inventory's
// errors into positioned ones.
type loader struct {
	sink   *errSink
	l      *Inventory
	failed map[string]bool // UIDs of items whose declaration failed
}

func (ld *loader) err() error {
	errs := ld.sink.errs
	if len(errs) == 0 {
		return nil
	}
	errs.Err() // sort by position
	if len(errs) > maxErrors {
		more := len(errs) - maxErrors
		errs = append(errs[:maxErrors:maxErrors], &yamlpos.Error{File: ld.sink.doc.File,
			Msg: fmt.Sprintf("... and %d more problem%s", more, plural(more))})
	}
	return errs
}

// fail remembers the UIDs of items that were not declared, so that later
// events naming them do not each report "no such item".
func (ld *loader) fail(items []ItemSpec) {
	for _, it := range items {
		if it.UID != "" {
			ld.failed[it.UID] = true
		}
	}
}

// report places an inventory's errors for an event at prefix in the file.
// index maps the event's item positions to the file's (items that did not
// decode are not in the event).
func (ld *loader) report(prefix string, index []int, errs EventErrors) {
	for _, e := range errs {
		if e.Msg == "no such item" && ld.failed[e.UID] {
			continue
		}
		p := e.Path
		if rest, ok := strings.CutPrefix(p, "items["); ok {
			if n, tail, ok := strings.Cut(rest, "]"); ok {
				if j, err := strconv.Atoi(n); err == nil && j < len(index) {
					p = yamlpos.Index("items", index[j]) + tail
				}
			}
		}
		if p == "" {
			p = prefix
		} else if prefix != "" {
			p = prefix + "." + p
		}
		msg := e.Msg
		if e.UID != "" {
			msg = "item " + e.UID + ": " + msg
		}
		ld.sink.at(p, nil, "%s", msg)
		if strings.HasPrefix(e.Path, "items[") && e.UID != "" {
			ld.failed[e.UID] = true
		}
	}
}

// items decodes a list of item entries; index[j] is the file position of
// the j-th decoded spec.
func (ld *loader) items(p string, nodes []rawNode) ([]ItemSpec, []int) {
	specs := make([]ItemSpec, 0, len(nodes))
	index := make([]int, 0, len(nodes))
	for j, r := range nodes {
		spec, ok := decodeItem(ld.sink, yamlpos.Index(p, j), r.n)
		if !ok {
			if spec.UID != "" {
				ld.failed[spec.UID] = true
			}
			continue
		}
		specs = append(specs, spec)
		index = append(index, j)
	}
	return specs, index
}

func (ld *loader) event(p string, ed *eventDoc) (Event, []int, bool) {
	s := ld.sink
	before := len(s.errs)
	ev := Event{Date: ld.date(yamlpos.Join(p, "date"), ed.Date), Op: Op(ed.Op), UIDs: ed.UIDs, Select: ed.Select, Count: ed.Count,
		Status: Status(ed.Status), Site: ed.Site, Carrier: ed.Carrier, Warheads: ed.Warheads, Note: ed.Note}
	if !s.doc.Has(yamlpos.Join(p, "date")) {
		s.at(p, nil, "date is required (the date the change took effect)")
	}
	if !s.doc.Has(yamlpos.Join(p, "op")) {
		s.at(p, nil, "op is required (one of %s)", opNames())
	}
	if s.doc.Has(yamlpos.Join(p, "count")) && ed.Count < 1 {
		s.at(yamlpos.Join(p, "count"), nil, "count must be at least 1, not %d", ed.Count)
	}
	var index []int
	if len(ed.Items) > 0 {
		ev.Items, index = ld.items(yamlpos.Join(p, "items"), ed.Items)
	}
	if len(ed.Attrs) > 0 {
		ev.Attrs = Attrs{}
		for name, r := range ed.Attrs {
			if v, ok := s.scalarAttr(yamlpos.Join(yamlpos.Join(p, "attrs"), name), r.n); ok {
				ev.Attrs[name] = v
			}
		}
	}
	return ev, index, len(s.errs) == before
}

// date reads a date field written at p ("" when absent).
func (ld *loader) date(p, v string) civil.Date {
	if !ld.sink.doc.Has(p) {
		return 0
	}
	d, err := civil.Parse(v)
	if err != nil {
		ld.sink.at(p, nil, "%v", err)
	}
	return d
}

func opNames() string {
	n := make([]string, len(Ops))
	for i, o := range Ops {
		n[i] = string(o)
	}
	return strings.Join(n, ", ")
}

// decodeItem reads one item entry. Keys that are not item fields are type
// attributes; the inventory checks their names and values against the
// catalogue.
func decodeItem(s *errSink, p string, n *yaml.Node) (ItemSpec, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		s.at(p, n, "an item is a mapping such as {kind: icbm, type: MM-III, status: deployed, count: 10}, not %s", describe(n))
		return ItemSpec{}, false
	}
	spec := ItemSpec{Line: n.Line}
	ok := true
	seen := map[string]bool{}
	str := func(kp string, v *yaml.Node) string {
		x, good := s.scalarString(kp, v)
		ok = ok && good
		return x
	}
	for _, pr := range mappingPairs(n) {
		k := pr.k.Value
		kp := yamlpos.Join(p, k)
		if seen[k] {
			s.at(kp, pr.k, "%q is given twice", k)
			ok = false
			continue
		}
		seen[k] = true
		switch k {
		case "uid":
			spec.UID = str(kp, pr.v)
		case "kind":
			spec.Kind = Kind(str(kp, pr.v))
		case "type":
			spec.Type = str(kp, pr.v)
		case "status":
			spec.Status = Status(str(kp, pr.v))
		case "site":
			spec.Site = str(kp, pr.v)
		case "carrier":
			spec.Carrier = str(kp, pr.v)
		case "count":
			v, good := s.scalarInt(kp, pr.v)
			if good && v < 1 {
				s.at(kp, pr.v, "count must be at least 1, not %d", v)
				good = false
			}
			ok = ok && good
			spec.Count = v
		case "warheads":
			v, good := s.scalarInt(kp, pr.v)
			ok = ok && good
			spec.Warheads = &v
		default:
			v, good := s.scalarAttr(kp, pr.v)
			if !good {
				ok = false
				continue
			}
			if spec.Attrs == nil {
				spec.Attrs = Attrs{}
			}
			spec.Attrs[k] = v
		}
	}
	return spec, ok
}

// ParseEvent reads one event (JSON or YAML) strictly, as the exchange
// receives it in a notification body: unknown fields are errors, and a new
// item's inline attributes are read as in a forces file. It checks the
// event's shape, not whether it applies: that is Inventory.Apply's job.
func ParseEvent(name string, data []byte) (Event, error) {
	var ed eventDoc
	doc, err := loadYAML(name, data, &ed)
	if err != nil {
		return Event{}, err
	}
	if doc.Root.Kind != yaml.MappingNode {
		return Event{}, yamlpos.Errors{doc.Errorf("", "an event is a mapping with date and op")}
	}
	ld := &loader{sink: &errSink{doc: doc}, failed: map[string]bool{}}
	ev, _, _ := ld.event("", &ed)
	if _, err := ParseOp(ed.Op); err != nil && doc.Has("op") {
		ld.sink.at("op", nil, "%v", err)
	}
	if err := ld.err(); err != nil {
		return Event{}, err
	}
	return ev, nil
}
