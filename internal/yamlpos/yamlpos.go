// Package yamlpos decodes YAML (and JSON, which it reads as YAML) strictly
// and keeps the position of every field, so that a loader can say where a
// problem is: "new-start.yaml:41:7: limits[2].max: must be a whole number".
//
// Every file tally reads from a person (treaties, forces, histories,
// disputes, regimes) goes through here, so they all reject unknown fields
// and name file:line and the field path the same way.
//
// Use Load to decode into a Go value with yaml tags; keep the returned *Doc
// to report semantic errors found after decoding with Doc.Errorf(path, ...).
// Paths are written as in the file: keys joined with dots, sequence indexes
// in brackets (items[3].warheads).
package yamlpos

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is one problem at one place in one file.
type Error struct {
	File string
	Line int // 1-based; 0 when the place is unknown
	Col  int
	Path string // field path, e.g. limits[2].max; "" for the whole document
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one file, in file order. A loader
// reports them all at once so that a person fixes a file in one pass.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Err returns nil when es is empty, es otherwise, sorted by position.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Line != es[j].Line {
			return es[i].Line < es[j].Line
		}
		return es[i].Col < es[j].Col
	})
	return es
}

// Doc is a decoded file with the position of each of its fields.
type Doc struct {
	File string
	Root *yaml.Node
	pos  map[string]*yaml.Node
}

// Load decodes data (YAML or JSON) from file into v, which must be a
// pointer. Fields not declared in v's type are errors, as are type
// mismatches; all are reported with file:line and path as Errors.
func Load(file string, data []byte, v any) (*Doc, error) {
	doc := &Doc{File: file, pos: map[string]*yaml.Node{}}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		e := syntaxError(file, err)
		if e.Line == 0 {
			// yaml.v3 gives no line for "unexpected end of stream" and
			// the like: the problem is at the end of the file.
			e.Line = bytes.Count(data, []byte("\n")) + 1
		}
		return nil, Errors{e}
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, Errors{{File: file, Line: 1, Msg: "the file is empty"}}
	}
	doc.Root = root.Content[0]
	doc.index("", doc.Root)

	var errs Errors
	doc.checkFields("", doc.Root, reflect.TypeOf(v), &errs)
	if len(errs) > 0 {
		return doc, errs.Err()
	}
	if err := doc.Root.Decode(v); err != nil {
		return doc, doc.decodeError(err)
	}
	return doc, nil
}

// Errorf makes an Error placed at path (or at its nearest ancestor that
// appears in the file).
func (d *Doc) Errorf(path, format string, args ...any) *Error {
	e := &Error{File: d.File, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n := d.Node(path); n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	return e
}

// Line is the 1-based line of path (or its nearest ancestor), 0 if unknown.
func (d *Doc) Line(path string) int {
	if n := d.Node(path); n != nil {
		return n.Line
	}
	return 0
}

// Node returns the node at path, or at its nearest ancestor in the file.
func (d *Doc) Node(path string) *yaml.Node {
	if d == nil {
		return nil
	}
	for {
		if n, ok := d.pos[path]; ok {
			return n
		}
		if path == "" {
			return nil
		}
		path = parent(path)
	}
}

// Has reports whether path is written in the file (not defaulted).
func (d *Doc) Has(path string) bool {
	if d == nil {
		return false
	}
	_, ok := d.pos[path]
	return ok
}

// Join appends a key to a path: Join("limits[2]", "max") = "limits[2].max".
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index appends a sequence index: Index("limits", 2) = "limits[2]".
func Index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// index records every path. Aliases are not followed: an alias can refer
// to its own ancestor, and the aliased text has positions of its own.
func (d *Doc) index(path string, n *yaml.Node) {
	d.pos[path] = n
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := Join(path, k.Value)
			d.index(p, v)
			d.pos[p] = keyPos(k, v)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			d.index(Index(path, i), c)
		}
	}
}

// keyPos places a field at its key for block values and at its value for
// scalars (so "max: -5" points at -5).
func keyPos(k, v *yaml.Node) *yaml.Node {
	if v.Kind == yaml.ScalarNode {
		return v
	}
	return &yaml.Node{Kind: v.Kind, Tag: v.Tag, Line: k.Line, Column: k.Column, Content: v.Content}
}

var (
	unmarshalerType     = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// checkFields walks the node tree beside the Go type and reports every
// mapping key the type does not declare, with suggestions.
// Aliases are not followed (see index); their anchor is checked where it
// is written when it sits at a place of the same type.
func (d *Doc) checkFields(path string, n *yaml.Node, t reflect.Type, errs *Errors) {
	for t.Kind() == reflect.Pointer {
		if t.Implements(unmarshalerType) {
			return
		}
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType) {
		return // the type checks its own fields
	}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" && reflect.PointerTo(t).Implements(textUnmarshalerType) {
		// A scalar read through UnmarshalText (a civil date): yaml.v3
		// reports its errors without a line, so try it here first.
		if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			*errs = append(*errs, &Error{File: d.File, Line: n.Line, Col: n.Column, Path: path, Msg: err.Error()})
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // Decode reports the type mismatch
		}
		fields := structFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				*errs = append(*errs, &Error{File: d.File, Line: k.Line, Col: k.Column, Path: Join(path, k.Value),
					Msg: unknownField(k.Value, fields)})
				continue
			}
			d.checkFields(Join(path, k.Value), v, ft, errs)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, c := range n.Content {
			d.checkFields(Index(path, i), c, t.Elem(), errs)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			d.checkFields(Join(path, n.Content[i].Value), n.Content[i+1], t.Elem(), errs)
		}
	}
}

// structFields maps each yaml key of t (following ,inline) to its type.
func structFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range structFields(ft) {
					out[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func unknownField(name string, fields map[string]reflect.Type) string {
	known := make([]string, 0, len(fields))
	for k := range fields {
		known = append(known, k)
	}
	sort.Strings(known)
	if s := Suggest(name, known); s != "" {
		return fmt.Sprintf("unknown field %q (did you mean %q?)", name, s)
	}
	return fmt.Sprintf("unknown field %q; known fields: %s", name, strings.Join(known, ", "))
}

// Suggest returns the candidate nearest to s by edit distance, or "" when
// none is close enough to be a likely typo.
func Suggest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	ls := strings.ToLower(s)
	for _, c := range candidates {
		if d := distance(ls, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Nearest returns up to n candidates ordered by edit distance to s, for
// "unknown type X; nearest: ..." messages.
func Nearest(s string, candidates []string, n int) []string {
	type scored struct {
		c string
		d int
	}
	ls := strings.ToLower(s)
	all := make([]scored, len(candidates))
	for i, c := range candidates {
		all[i] = scored{c, distance(ls, strings.ToLower(c))}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].d < all[j].d })
	out := []string{}
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].c)
	}
	return out
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func syntaxError(file string, err error) *Error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	e := &Error{File: file, Msg: msg}
	// yaml.v3 syntax errors read "line N: message".
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ":"); ok {
			if l, err := strconv.Atoi(num); err == nil {
				e.Line, e.Msg = l, strings.TrimSpace(tail)
			}
		}
	}
	return e
}

// decodeError turns yaml.v3's "line N: cannot unmarshal ..." list into
// Errors with paths.
func (d *Doc) decodeError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return Errors{{File: d.File, Msg: err.Error()}}
	}
	var errs Errors
	for _, m := range te.Errors {
		e := &Error{File: d.File, Msg: m}
		if rest, ok := strings.CutPrefix(m, "line "); ok {
			if num, tail, ok := strings.Cut(rest, ": "); ok {
				if l, err := strconv.Atoi(num); err == nil {
					e.Line, e.Msg = l, humanizeDecode(tail)
					e.Path = d.pathAtLine(l)
				}
			}
		}
		errs = append(errs, e)
	}
	return errs.Err()
}

// pathAtLine finds the deepest field written on a line, to name it.
func (d *Doc) pathAtLine(line int) string {
	best := ""
	for p, n := range d.pos {
		if n.Line == line && len(p) > len(best) {
			best = p
		}
	}
	return best
}

func humanizeDecode(msg string) string {
	// "cannot unmarshal !!str `abc` into int" -> "cannot read "abc" as int"
	if rest, ok := strings.CutPrefix(msg, "cannot unmarshal !!"); ok {
		if kind, tail, ok := strings.Cut(rest, " "); ok {
			val, typ, _ := strings.Cut(tail, " into ")
			val = strings.Trim(val, "`")
			return fmt.Sprintf("cannot read %s %s as %s", kind, val, goTypeWord(typ))
		}
	}
	return msg
}

func goTypeWord(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map"):
		return "a mapping"
	}
	return t
}
