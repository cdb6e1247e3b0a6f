package forces

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tally-project/tally/internal/yamlpos"
	"go.yaml.in/yaml/v3"
)

// rawNode keeps a YAML node undecoded, so that parts of a file whose keys
// are open (an item's inline type attributes) are decoded here with exact
// paths rather than by the strict struct decoder, which would reject them.
type rawNode struct{ n *yaml.Node }

func (r *rawNode) UnmarshalYAML(n *yaml.Node) error { r.n = n; return nil }

// deref follows an alias to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// pairs is a mapping's key/value pairs with YAML merge keys (<<: *base)
// expanded: keys written in the mapping win over merged ones.
type pair struct{ k, v *yaml.Node }

func mappingPairs(n *yaml.Node) []pair {
	var own, merged []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			v = deref(v)
			var srcs []*yaml.Node
			switch v.Kind {
			case yaml.MappingNode:
				srcs = []*yaml.Node{v}
			case yaml.SequenceNode:
				for _, c := range v.Content {
					if c = deref(c); c != nil && c.Kind == yaml.MappingNode {
						srcs = append(srcs, c)
					}
				}
			}
			for _, s := range srcs {
				for j := 0; j+1 < len(s.Content); j += 2 {
					if s.Content[j].Tag != "!!merge" {
						merged = append(merged, pair{s.Content[j], s.Content[j+1]})
					}
				}
			}
			continue
		}
		own = append(own, pair{k, v})
		seen[k.Value] = true
	}
	out := own
	for _, p := range merged {
		if !seen[p.k.Value] {
			seen[p.k.Value] = true
			out = append(out, p)
		}
	}
	return out
}

// loadYAML is yamlpos.Load, with every error placed on a line: the few
// problems the YAML library reports without one are placed where they can
// be found (an unknown alias where it is used), else on line 1, for the
// document as a whole.
func loadYAML(name string, data []byte, v any) (*yamlpos.Doc, error) {
	doc, err := yamlpos.Load(name, data, v)
	var es yamlpos.Errors
	if err == nil || !errors.As(err, &es) {
		return doc, err
	}
	for _, e := range es {
		if e.Line > 0 {
			continue
		}
		e.Line = 1
		for _, f := range []struct{ prefix, mark string }{{"unknown anchor '", "*"}, {"anchor '", "&"}} {
			if a, ok := strings.CutPrefix(e.Msg, f.prefix); ok {
				if a, _, ok = strings.Cut(a, "'"); ok {
					if i := bytes.Index(data, []byte(f.mark+a)); i >= 0 {
						e.Line = 1 + bytes.Count(data[:i], []byte("\n"))
					}
				}
				break
			}
		}
	}
	return doc, es
}

// errSink collects positioned errors for one file.
type errSink struct {
	doc  *yamlpos.Doc
	errs yamlpos.Errors
}

func (s *errSink) at(path string, n *yaml.Node, format string, args ...any) {
	e := &yamlpos.Error{File: s.doc.File, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	} else if p := s.doc.Node(path); p != nil {
		e.Line, e.Col = p.Line, p.Column
	}
	s.errs = append(s.errs, e)
}

// scalarString reads a scalar as a string; other nodes are an error.
func (s *errSink) scalarString(path string, n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		s.at(path, n, "must be a string")
		return "", false
	}
	return n.Value, true
}

// scalarInt reads a whole number.
func (s *errSink) scalarInt(path string, n *yaml.Node) (int, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		s.at(path, n, "must be a whole number, not %s", describe(n))
		return 0, false
	}
	var v int64
	if err := n.Decode(&v); err != nil || v > math.MaxInt32 || v < math.MinInt32 {
		s.at(path, n, "%s is out of range", n.Value)
		return 0, false
	}
	return int(v), true
}

// scalarAttr reads an attribute value: int64, float64, bool or string.
func (s *errSink) scalarAttr(path string, n *yaml.Node) (any, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		s.at(path, n, "an attribute value must be a number, true/false or a string, not %s", describe(n))
		return nil, false
	}
	switch n.Tag {
	case "!!int":
		var v int64
		if err := n.Decode(&v); err != nil {
			s.at(path, n, "%s is out of range", n.Value)
			return nil, false
		}
		return v, true
	case "!!float":
		var v float64
		if err := n.Decode(&v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			s.at(path, n, "%s is not a finite number", n.Value)
			return nil, false
		}
		return v, true
	case "!!bool":
		var v bool
		if err := n.Decode(&v); err != nil {
			s.at(path, n, "%s is not true or false", n.Value)
			return nil, false
		}
		return v, true
	case "!!null":
		s.at(path, n, "an attribute value must be a number, true/false or a string, not null")
		return nil, false
	}
	return n.Value, true
}

func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!str":
			return strconv.Quote(n.Value)
		}
		return n.Value
	}
	return "an alias"
}

// quoteList renders names for messages: "a", "b" or "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
