package forces

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/tally-project/tally/internal/yamlpos"
	"go.yaml.in/yaml/v3"
)

// An ItemSpec's type attributes are written inline, beside its fields, in
// every encoding: {"kind":"heavy-bomber","type":"B-52H","status":"deployed","alcms":12}.
// These methods keep them inline, so that an Event carried as JSON by the
// exchange says exactly what the same event says in a history file.

// MarshalJSON writes the fields in a fixed order, then the attributes by
// name.
func (s ItemSpec) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	put := func(k string, v any) error {
		if !first {
			b.WriteByte(',')
		}
		first = false
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(vb)
		return nil
	}
	fields := []struct {
		k  string
		v  any
		ok bool
	}{
		{"uid", s.UID, s.UID != ""},
		{"kind", s.Kind, true},
		{"type", s.Type, true},
		{"status", s.Status, true},
		{"site", s.Site, s.Site != ""},
		{"carrier", s.Carrier, s.Carrier != ""},
		{"count", s.Count, s.Count != 0},
		{"warheads", s.Warheads, s.Warheads != nil},
	}
	for _, f := range fields {
		if f.ok {
			if err := put(f.k, f.v); err != nil {
				return nil, err
			}
		}
	}
	for _, k := range sortedKeys(s.Attrs) {
		if contains(itemFields, k) {
			return nil, fmt.Errorf("attribute %q has the name of an item field", k)
		}
		if err := put(k, s.Attrs[k]); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the fields and takes every other key as a type
// attribute (checked against the catalogue when the item is applied).
func (s *ItemSpec) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*s = ItemSpec{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		raw := m[k]
		var err error
		switch k {
		case "uid":
			err = json.Unmarshal(raw, &s.UID)
		case "kind":
			err = json.Unmarshal(raw, &s.Kind)
		case "type":
			err = json.Unmarshal(raw, &s.Type)
		case "status":
			err = json.Unmarshal(raw, &s.Status)
		case "site":
			err = json.Unmarshal(raw, &s.Site)
		case "carrier":
			err = json.Unmarshal(raw, &s.Carrier)
		case "count":
			err = json.Unmarshal(raw, &s.Count)
			if err == nil && s.Count < 1 {
				err = fmt.Errorf("must be at least 1")
			}
		case "warheads":
			err = json.Unmarshal(raw, &s.Warheads)
		default:
			var v any
			v, err = jsonAttr(raw)
			if err == nil {
				if s.Attrs == nil {
					s.Attrs = Attrs{}
				}
				s.Attrs[k] = v
			}
		}
		if err != nil {
			return fmt.Errorf("item field %q: %v", k, err)
		}
	}
	return nil
}

func jsonAttr(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s is not a finite number", x)
		}
		return f, nil
	case bool, string:
		return x, nil
	}
	return nil, fmt.Errorf("an attribute value must be a number, true/false or a string")
}

// MarshalYAML writes a flow mapping, fields first, as forces files do.
func (s ItemSpec) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	put := func(k string, v any) error {
		var vn yaml.Node
		if err := vn.Encode(v); err != nil {
			return err
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &vn)
		return nil
	}
	if s.UID != "" {
		put("uid", s.UID)
	}
	put("kind", string(s.Kind))
	put("type", s.Type)
	put("status", string(s.Status))
	if s.Site != "" {
		put("site", s.Site)
	}
	if s.Carrier != "" {
		put("carrier", s.Carrier)
	}
	if s.Count != 0 {
		put("count", s.Count)
	}
	if s.Warheads != nil {
		put("warheads", *s.Warheads)
	}
	for _, k := range sortedKeys(s.Attrs) {
		if err := put(k, s.Attrs[k]); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// UnmarshalYAML reads an item as a forces file writes it.
func (s *ItemSpec) UnmarshalYAML(n *yaml.Node) error {
	sink := &errSink{doc: &yamlpos.Doc{}}
	spec, ok := decodeItem(sink, "", n)
	if !ok {
		msgs := make([]string, len(sink.errs))
		for i, e := range sink.errs {
			m := e.Msg
			if e.Path != "" {
				m = e.Path + ": " + m
			}
			msgs[i] = fmt.Sprintf("line %d: %s", e.Line, m)
		}
		return &yaml.TypeError{Errors: msgs}
	}
	*s = spec
	return nil
}

// String is the item entry as it would be written in a forces file.
func (s ItemSpec) String() string {
	b, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%+v", struct{ UID, Type string }{s.UID, s.Type})
	}
	return strings.TrimSpace(string(b))
}
