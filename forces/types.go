package forces

import (
	"fmt"
	"io/fs"
	"math"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/tally-project/tally/catalog"
	"github.com/tally-project/tally/internal/yamlpos"
	"go.yaml.in/yaml/v3"
)

// AttrSpec declares one type attribute that counting rules may read as
// type.<Name>. The catalogue declares them (catalog/types/attributes.yaml);
// every Group's Attrs carries every declared attribute, with Default where
// neither the type nor the group sets it, so that a rule never meets a
// missing key.
type AttrSpec struct {
	Name string
	// Type is "int", "float", "bool" or "string".
	Type string
	// Values lists the allowed values of a string attribute (empty: any).
	Values []string
	// Min is the least allowed value of a number (nil: no bound).
	Min *float64
	// Default is the value of a type that does not set the attribute.
	Default any
	Doc     string
}

// AttrValue is one attribute of a type with where the value comes from.
type AttrValue struct {
	Value any
	// Source is a URL; Evidence is T, O, S or R as in
	// docs/reference/treaties.md (R: recalled, not read in a primary text).
	Source   string
	Evidence string
	Note     string
}

// Type is an item type of the catalogue: the name as the official tables
// write it, other names it is known by, the kinds of item it applies to (a
// missile type applies to the missile and to its launcher: an MM-III silo
// holds an MM-III) and its attributes.
type Type struct {
	Name    string
	Kinds   []Kind
	Owner   string // the party that fields it, for readers; rules do not read it
	Aliases []string
	// Variants are names that resolve to this type with some attributes
	// set, e.g. "SS-24 (mobile)" is SS-24 with basing: mobile.
	Variants []Variant
	Attrs    map[string]AttrValue
	Note     string
	// Origin is where the type is defined (file:line).
	Origin string
}

// Variant is a name of a type that carries attribute overrides.
type Variant struct {
	Name  string
	Attrs map[string]AttrValue
	Note  string
}

// AppliesTo reports whether items of kind k may be of type t.
func (t *Type) AppliesTo(k Kind) bool {
	for _, x := range t.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Types is a catalogue of item types and of the attributes they carry. The
// bundled catalogue is Catalogue(); a forces file's `types:` section makes a
// new Types over it whose definitions shadow or add to the bundled ones.
// A Types is immutable and safe for concurrent use.
type Types struct {
	attrs  []*AttrSpec
	attrBy map[string]*AttrSpec
	types  []*Type
	byKey  map[string]typeRef // normalised name -> type (and variant)
	names  []string           // every name, alias and variant, for suggestions
	index  map[*Type]int32

	effMu sync.Mutex
	eff   map[effKey]Attrs
}

type typeRef struct {
	t       *Type
	variant *Variant
}

type effKey struct {
	t    *Type
	over string
}

// Resolved is a type name resolved against a catalogue: the type and the
// attribute overrides its name carries (a variant's).
type Resolved struct {
	Type *Type
	// Name is the name as written, e.g. "SS-24 (mobile)".
	Name string
	// Variant is the variant's name, "" for a plain name or alias.
	Variant   string
	Overrides Attrs
}

// normName is the lookup key of a type name: case, spaces, hyphens,
// underscores and dots do not matter ("Minuteman III" = "minuteman-iii").
func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case ' ', '-', '_', '.', '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Resolve finds the type called name (its name, an alias or a variant). An
// unknown name is an error that suggests the nearest names.
func (c *Types) Resolve(name string) (*Resolved, error) {
	ref, ok := c.byKey[normName(name)]
	if !ok || name == "" {
		return nil, c.unknown(name)
	}
	r := &Resolved{Type: ref.t, Name: name}
	if ref.variant != nil {
		r.Variant = ref.variant.Name
		r.Overrides = Attrs{}
		for k, v := range ref.variant.Attrs {
			r.Overrides[k] = v.Value
		}
	}
	return r, nil
}

func (c *Types) unknown(name string) error {
	if near := c.Nearest(name, 3); len(near) > 0 {
		return fmt.Errorf("unknown type %q (nearest: %s)", name, quoteList(near))
	}
	return fmt.Errorf("unknown type %q", name)
}

// Lookup returns the type called name, or nil.
func (c *Types) Lookup(name string) *Type {
	if ref, ok := c.byKey[normName(name)]; ok {
		return ref.t
	}
	return nil
}

// Nearest returns up to n names (types, aliases, variants) nearest to name.
func (c *Types) Nearest(name string, n int) []string {
	return yamlpos.Nearest(name, c.names, n)
}

// Types returns every type, in catalogue order.
func (c *Types) Types() []*Type { return c.types }

// Attributes returns the declared attributes, in declaration order.
func (c *Types) Attributes() []*AttrSpec { return c.attrs }

// Attribute returns the attribute called name, or nil.
func (c *Types) Attribute(name string) *AttrSpec { return c.attrBy[name] }

// Effective is the attributes an item of type t with overrides carries:
// every declared attribute's default, then the type's values, then the
// overrides. The result is shared and must not be modified.
func (c *Types) Effective(t *Type, overrides Attrs) Attrs {
	k := effKey{t, overrides.Key()}
	c.effMu.Lock()
	defer c.effMu.Unlock()
	if a, ok := c.eff[k]; ok {
		return a
	}
	a := make(Attrs, len(c.attrs)+len(overrides))
	for _, s := range c.attrs {
		a[s.Name] = s.Default
	}
	for name, v := range t.Attrs {
		a[name] = v.Value
	}
	for name, v := range overrides {
		a[name] = v
	}
	if c.eff == nil {
		c.eff = map[effKey]Attrs{}
	}
	c.eff[k] = a
	return a
}

// checkAttr validates an attribute value against its declaration and
// returns it in canonical form (int64, float64, bool or string).
func (c *Types) checkAttr(name string, v any) (any, error) {
	s := c.attrBy[name]
	if s == nil {
		return nil, c.unknownAttr(name)
	}
	return s.normalize(v)
}

func (c *Types) unknownAttr(name string) error {
	names := make([]string, len(c.attrs))
	for i, s := range c.attrs {
		names[i] = s.Name
	}
	if s := yamlpos.Suggest(name, append(names, itemFields...)); s != "" {
		return fmt.Errorf("unknown field or attribute %q (did you mean %q?)", name, s)
	}
	return fmt.Errorf("unknown field or attribute %q; attributes: %s", name, strings.Join(names, ", "))
}

// itemFields are the keys of an item entry that are not attributes.
var itemFields = []string{"uid", "kind", "type", "status", "site", "carrier", "count", "warheads"}

func (s *AttrSpec) normalize(v any) (any, error) {
	switch s.Type {
	case "int":
		var n int64
		switch x := v.(type) {
		case int:
			n = int64(x)
		case int64:
			n = x
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, fmt.Errorf("%s must be a whole number, not %v", s.Name, x)
			}
			n = int64(x)
		default:
			return nil, fmt.Errorf("%s must be a whole number, not %s", s.Name, describeValue(v))
		}
		if s.Min != nil && float64(n) < *s.Min {
			return nil, fmt.Errorf("%s must be at least %v, not %d", s.Name, *s.Min, n)
		}
		return n, nil
	case "float":
		var f float64
		switch x := v.(type) {
		case int:
			f = float64(x)
		case int64:
			f = float64(x)
		case float64:
			f = x
		default:
			return nil, fmt.Errorf("%s must be a number, not %s", s.Name, describeValue(v))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s must be a finite number", s.Name)
		}
		if s.Min != nil && f < *s.Min {
			return nil, fmt.Errorf("%s must be at least %v, not %v", s.Name, *s.Min, f)
		}
		return f, nil
	case "bool":
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("%s must be true or false, not %s", s.Name, describeValue(v))
	default:
		str, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s must be a string, not %s", s.Name, describeValue(v))
		}
		if len(s.Values) > 0 {
			for _, x := range s.Values {
				if x == str {
					return str, nil
				}
			}
			if sug := yamlpos.Suggest(str, s.Values); sug != "" {
				return nil, fmt.Errorf("%s: unknown value %q (did you mean %q?)", s.Name, str, sug)
			}
			return nil, fmt.Errorf("%s: unknown value %q; one of %s", s.Name, str, quoteList(s.Values))
		}
		return str, nil
	}
}

func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", v)
}

// --- loading ---

// typesDoc is the shape of a catalogue file (catalog/types/*.yaml) and of
// the `attributes:` and `types:` sections of a forces file.
type attrDoc struct {
	Name    string   `yaml:"name"`
	Type    string   `yaml:"type"`
	Values  []string `yaml:"values"`
	Min     *float64 `yaml:"min"`
	Default rawNode  `yaml:"default"`
	Doc     string   `yaml:"doc"`
}

type variantDoc struct {
	Name  string             `yaml:"name"`
	Attrs map[string]rawNode `yaml:"attrs"`
	Note  string             `yaml:"note"`
}

type typeDoc struct {
	Name     string             `yaml:"name"`
	Kinds    []string           `yaml:"kinds"`
	Owner    string             `yaml:"owner"`
	Aliases  []string           `yaml:"aliases"`
	Variants []variantDoc       `yaml:"variants"`
	Attrs    map[string]rawNode `yaml:"attrs"`
	Note     string             `yaml:"note"`
}

type catalogueDoc struct {
	Attributes []attrDoc `yaml:"attributes"`
	Types      []typeDoc `yaml:"types"`
}

// typeSource is the attributes and types one file declares.
type typeSource struct {
	sink  *errSink
	attrs []attrDoc
	types []typeDoc
}

var (
	bundledOnce  sync.Once
	bundledTypes *Types
	bundledErr   error
)

// Catalogue returns the bundled type catalogue (catalog/types/*.yaml). It
// panics if the bundled files are invalid, which the package's tests rule
// out.
func Catalogue() *Types {
	bundledOnce.Do(func() {
		bundledTypes, bundledErr = loadBundledTypes()
	})
	if bundledErr != nil {
		panic("forces: bundled type catalogue: " + bundledErr.Error())
	}
	return bundledTypes
}

func loadBundledTypes() (*Types, error) {
	files, err := fs.Glob(catalog.FS, "types/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var srcs []typeSource
	var errs yamlpos.Errors
	for _, f := range files {
		data, err := catalog.FS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var d catalogueDoc
		doc, err := loadYAML(path.Join("catalog", f), data, &d)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, typeSource{sink: &errSink{doc: doc}, attrs: d.Attributes, types: d.Types})
	}
	t := buildTypes(nil, srcs)
	for _, s := range srcs {
		errs = append(errs, s.sink.errs...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

// ParseTypes reads a catalogue file (the format of catalog/types/*.yaml)
// over base (nil: the bundled catalogue): its types shadow or add to
// base's.
func ParseTypes(name string, data []byte, base *Types) (*Types, error) {
	if base == nil {
		base = Catalogue()
	}
	var d catalogueDoc
	doc, err := loadYAML(name, data, &d)
	if err != nil {
		return nil, err
	}
	src := typeSource{sink: &errSink{doc: doc}, attrs: d.Attributes, types: d.Types}
	t := buildTypes(base, []typeSource{src})
	if err := src.sink.errs.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

var attrTypes = []string{"int", "float", "bool", "string"}

// buildTypes makes a catalogue from base (may be nil) and the sources, in
// order. Problems go to each source's sink; the result is usable (minus the
// bad entries) either way.
func buildTypes(base *Types, srcs []typeSource) *Types {
	c := &Types{attrBy: map[string]*AttrSpec{}, byKey: map[string]typeRef{}, index: map[*Type]int32{}}
	if base != nil {
		c.attrs = append(c.attrs, base.attrs...)
		for k, v := range base.attrBy {
			c.attrBy[k] = v
		}
	}
	// Attributes first: types in any file may use attributes of any other.
	for _, src := range srcs {
		for i, a := range src.attrs {
			p := yamlpos.Index("attributes", i)
			if a.Name == "" {
				src.sink.at(yamlpos.Join(p, "name"), nil, "an attribute needs a name")
				continue
			}
			if c.attrBy[a.Name] != nil {
				src.sink.at(yamlpos.Join(p, "name"), nil, "attribute %q is declared twice", a.Name)
				continue
			}
			if !contains(attrTypes, a.Type) {
				src.sink.at(yamlpos.Join(p, "type"), nil, "type must be %s, not %q", quoteList(attrTypes), a.Type)
				continue
			}
			if len(a.Values) > 0 && a.Type != "string" {
				src.sink.at(yamlpos.Join(p, "values"), nil, "values are for string attributes only")
				continue
			}
			s := &AttrSpec{Name: a.Name, Type: a.Type, Values: a.Values, Min: a.Min, Doc: strings.TrimSpace(a.Doc)}
			if a.Default.n == nil {
				src.sink.at(p, nil, "attribute %q needs a default", a.Name)
				continue
			}
			v, ok := src.sink.scalarAttr(yamlpos.Join(p, "default"), a.Default.n)
			if !ok {
				continue
			}
			if s.Default, ok = normalizeAt(src.sink, yamlpos.Join(p, "default"), a.Default.n, s, v); !ok {
				continue
			}
			c.attrs = append(c.attrs, s)
			c.attrBy[s.Name] = s
		}
	}
	// Types: a file's definitions shadow base's by name; within the
	// sources, a name may be defined once.
	defined := map[string]string{} // normalised name -> where, among srcs
	var added []*Type
	shadow := map[string]bool{}
	for _, src := range srcs {
		for i, td := range src.types {
			p := yamlpos.Index("types", i)
			t := c.buildType(src.sink, p, td)
			if t == nil {
				continue
			}
			ok := true
			for _, n := range typeNames(t) {
				k := normName(n)
				if where, dup := defined[k]; dup {
					src.sink.at(p, nil, "type name %q is already used at %s", n, where)
					ok = false
				}
			}
			if !ok {
				continue
			}
			for _, n := range typeNames(t) {
				defined[normName(n)] = t.Origin
			}
			shadow[normName(t.Name)] = true
			added = append(added, t)
		}
	}
	if base != nil {
		for _, t := range base.types {
			if !shadow[normName(t.Name)] {
				c.types = append(c.types, t)
			}
		}
	}
	c.types = append(c.types, added...)
	// Index names: base types first, so that a file's names win.
	for i, t := range c.types {
		c.index[t] = int32(i)
	}
	seen := map[string]bool{}
	for _, t := range c.types {
		c.byKey[normName(t.Name)] = typeRef{t: t}
		for _, a := range t.Aliases {
			c.byKey[normName(a)] = typeRef{t: t}
		}
		for j := range t.Variants {
			c.byKey[normName(t.Variants[j].Name)] = typeRef{t: t, variant: &t.Variants[j]}
		}
	}
	// A file's own names override base names that normalise the same.
	for _, t := range added {
		c.byKey[normName(t.Name)] = typeRef{t: t}
		for _, a := range t.Aliases {
			c.byKey[normName(a)] = typeRef{t: t}
		}
		for j := range t.Variants {
			c.byKey[normName(t.Variants[j].Name)] = typeRef{t: t, variant: &t.Variants[j]}
		}
	}
	for _, t := range c.types {
		for _, n := range typeNames(t) {
			if ref := c.byKey[normName(n)]; ref.t == t && !seen[n] {
				seen[n] = true
				c.names = append(c.names, n)
			}
		}
	}
	return c
}

func typeNames(t *Type) []string {
	out := append([]string{t.Name}, t.Aliases...)
	for _, v := range t.Variants {
		out = append(out, v.Name)
	}
	return out
}

func (c *Types) buildType(sink *errSink, p string, td typeDoc) *Type {
	if strings.TrimSpace(td.Name) == "" {
		sink.at(yamlpos.Join(p, "name"), nil, "a type needs a name")
		return nil
	}
	t := &Type{Name: td.Name, Owner: td.Owner, Aliases: td.Aliases, Note: strings.TrimSpace(td.Note),
		Origin: fmt.Sprintf("%s:%d", sink.doc.File, sink.doc.Line(p))}
	ok := true
	if len(td.Kinds) == 0 {
		sink.at(p, nil, "type %q needs kinds (the kinds of item it applies to, e.g. [icbm, icbm-launcher])", td.Name)
		ok = false
	}
	for j, k := range td.Kinds {
		kind, err := ParseKind(k)
		if err != nil {
			sink.at(yamlpos.Index(yamlpos.Join(p, "kinds"), j), nil, "%v", err)
			ok = false
			continue
		}
		t.Kinds = append(t.Kinds, kind)
	}
	for j, a := range td.Aliases {
		if strings.TrimSpace(a) == "" || normName(a) == "" {
			sink.at(yamlpos.Index(yamlpos.Join(p, "aliases"), j), nil, "an alias must not be empty")
			ok = false
		}
	}
	t.Attrs = c.buildAttrValues(sink, yamlpos.Join(p, "attrs"), td.Attrs, &ok)
	for j, vd := range td.Variants {
		vp := yamlpos.Index(yamlpos.Join(p, "variants"), j)
		if normName(vd.Name) == "" {
			sink.at(yamlpos.Join(vp, "name"), nil, "a variant needs a name")
			ok = false
			continue
		}
		v := Variant{Name: vd.Name, Note: strings.TrimSpace(vd.Note)}
		v.Attrs = c.buildAttrValues(sink, yamlpos.Join(vp, "attrs"), vd.Attrs, &ok)
		t.Variants = append(t.Variants, v)
	}
	// Two names of one type that normalise alike are one name written twice.
	seen := map[string]bool{}
	for _, n := range typeNames(t) {
		if k := normName(n); k != "" {
			if seen[k] {
				sink.at(p, nil, "type %q lists the name %q twice", t.Name, n)
				ok = false
			}
			seen[k] = true
		}
	}
	if !ok {
		return nil
	}
	return t
}

var evidenceTags = []string{"T", "O", "S", "R"}

// buildAttrValues reads `attrs:`: each value either a scalar or a mapping
// {value, source, evidence, note}.
func (c *Types) buildAttrValues(sink *errSink, p string, m map[string]rawNode, ok *bool) map[string]AttrValue {
	out := map[string]AttrValue{}
	for name, raw := range m {
		ap := yamlpos.Join(p, name)
		spec := c.attrBy[name]
		if spec == nil {
			sink.at(ap, nil, "%v", c.unknownAttr(name))
			*ok = false
			continue
		}
		n := deref(raw.n)
		var av AttrValue
		var vnode *yaml.Node
		if n != nil && n.Kind == yaml.MappingNode {
			for _, pr := range mappingPairs(n) {
				kp := yamlpos.Join(ap, pr.k.Value)
				switch pr.k.Value {
				case "value":
					vnode = pr.v
				case "source":
					av.Source, _ = sink.scalarString(kp, pr.v)
				case "evidence":
					av.Evidence, _ = sink.scalarString(kp, pr.v)
					if !contains(evidenceTags, av.Evidence) {
						sink.at(kp, pr.v, "evidence must be T, O, S or R (see docs/reference/treaties.md), not %q", av.Evidence)
						*ok = false
					}
				case "note":
					av.Note, _ = sink.scalarString(kp, pr.v)
				default:
					sink.at(kp, pr.k, "unknown field %q; an attribute has value, source, evidence and note", pr.k.Value)
					*ok = false
				}
			}
			if vnode == nil {
				sink.at(ap, n, "attribute %q needs a value", name)
				*ok = false
				continue
			}
			ap = yamlpos.Join(ap, "value")
		} else {
			vnode = n
		}
		v, good := sink.scalarAttr(ap, vnode)
		if !good {
			*ok = false
			continue
		}
		if av.Value, good = normalizeAt(sink, ap, vnode, spec, v); !good {
			*ok = false
			continue
		}
		out[name] = av
	}
	return out
}

func normalizeAt(sink *errSink, p string, n *yaml.Node, s *AttrSpec, v any) (any, bool) {
	nv, err := s.normalize(v)
	if err != nil {
		sink.at(p, n, "%v", err)
		return nil, false
	}
	return nv, true
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
