package treaty

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"github.com/tally-project/tally/civil"
)

// SchemaID is the $id of the published JSON Schema.
const SchemaID = "https://github.com/tally-project/tally/schema/treaty.schema.json"

// JSONSchema returns the JSON Schema (draft 2020-12) of the treaty file
// format. It is generated from the Go types Parse decodes into (yaml
// names, required = not omitempty, doc, enum, pattern and minimum tags),
// so it cannot drift from them; schema/treaty.schema.json is this output,
// and a test keeps the two equal. The schema checks shape only: Parse
// also compiles the rules and checks references, dates and sources.
func JSONSchema() []byte {
	g := &schemaGen{defs: map[string]any{}}
	root := g.object(reflect.TypeFor[Treaty]())
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaID
	root["title"] = "tally treaty file (" + SchemaVersion + ")"
	root["description"] = "A treaty, framework or proposal for tally: parties, dates, totals, counting rules as CEL expressions, limits and phases, notification and inspection data. See docs/writing-a-treaty.md."
	props := root["properties"].(map[string]any)
	props["schema"] = map[string]any{"const": SchemaVersion, "description": "The file format version."}
	root["$defs"] = g.defs
	b, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	return append(b, '\n')
}

type schemaGen struct{ defs map[string]any }

var (
	dateType = reflect.TypeFor[civil.Date]()
	exprType = reflect.TypeFor[Expr]()
)

// object is the schema of a struct: its yaml fields, embedded ,inline
// structs merged in.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
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
			g.fields(f.Type, props, required)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		s := g.of(f.Type, f.Tag)
		if d := f.Tag.Get("doc"); d != "" {
			s["description"] = d
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
}

// of is the schema of a field's type; tag carries enum, pattern and
// minimum, which apply to the elements of a list.
func (g *schemaGen) of(t reflect.Type, tag reflect.StructTag) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == dateType:
		return map[string]any{"type": "string", "format": "date", "pattern": `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`}
	case t == exprType:
		// A CEL expression; YAML reads a plain 1 or true as a number or a
		// bool, which Parse takes as the expression it writes.
		return map[string]any{"type": []string{"string", "integer", "boolean"}, "description": "A CEL expression over item and type."}
	}
	switch t.Kind() {
	case reflect.String:
		s := map[string]any{"type": "string"}
		if e := tag.Get("enum"); e != "" {
			s["enum"] = strings.Split(e, ",")
		}
		if p := tag.Get("pattern"); p != "" {
			s["pattern"] = p
		}
		return s
	case reflect.Int, reflect.Int32, reflect.Int64:
		s := map[string]any{"type": "integer"}
		if m := tag.Get("minimum"); m != "" {
			n, _ := strconv.Atoi(m)
			s["minimum"] = n
		}
		return s
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.of(t.Elem(), tag)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.of(t.Elem(), "")}
	case reflect.Struct:
		name := t.Name()
		if _, done := g.defs[name]; !done {
			g.defs[name] = nil // placeholder against recursion
			g.defs[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/$defs/" + name}
	}
	return map[string]any{}
}
