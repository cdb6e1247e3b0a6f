package treaty

import (
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/tally-project/tally/catalog"
)

var update = flag.Bool("update", false, "rewrite schema/treaty.schema.json from the Go types")

const schemaFile = "../schema/treaty.schema.json"

// TestSchemaInSync keeps the published schema equal to the one generated
// from the Go types. Run go test ./treaty -run TestSchemaInSync -update
// after changing a type.
func TestSchemaInSync(t *testing.T) {
	got := JSONSchema()
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date: run go test ./treaty -run TestSchemaInSync -update", schemaFile)
	}
}

// TestSchemaCoversEveryField checks, independently of the generator, that
// every yaml field of the file types appears in the schema.
func TestSchemaCoversEveryField(t *testing.T) {
	var s map[string]any
	if err := json.Unmarshal(JSONSchema(), &s); err != nil {
		t.Fatal(err)
	}
	defs := s["$defs"].(map[string]any)
	var check func(tt reflect.Type, props map[string]any, where string)
	check = func(tt reflect.Type, props map[string]any, where string) {
		for i := 0; i < tt.NumField(); i++ {
			f := tt.Field(i)
			tag := f.Tag.Get("yaml")
			if !f.IsExported() || tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if strings.Contains(opts, "inline") {
				check(f.Type, props, where)
				continue
			}
			if _, ok := props[name]; !ok {
				t.Errorf("%s.%s (%s) is not in the schema", where, f.Name, name)
			}
		}
	}
	check(reflect.TypeFor[Treaty](), s["properties"].(map[string]any), "Treaty")
	for _, tt := range []reflect.Type{reflect.TypeFor[Party](), reflect.TypeFor[Dates](), reflect.TypeFor[Dated](), reflect.TypeFor[Extension](),
		reflect.TypeFor[Supersession](), reflect.TypeFor[Total](), reflect.TypeFor[Containment](), reflect.TypeFor[Rule](), reflect.TypeFor[Quota](),
		reflect.TypeFor[Order](), reflect.TypeFor[Requirement](), reflect.TypeFor[Limit](), reflect.TypeFor[Phase](), reflect.TypeFor[Notification](),
		reflect.TypeFor[Inspection](), reflect.TypeFor[Proposal](), reflect.TypeFor[Omission](), reflect.TypeFor[Tracked](),
		reflect.TypeFor[Declared](), reflect.TypeFor[Clause](), reflect.TypeFor[Condition](), reflect.TypeFor[Effect]()} {
		d, ok := defs[tt.Name()].(map[string]any)
		if !ok {
			t.Errorf("no $defs entry for %s", tt.Name())
			continue
		}
		check(tt, d["properties"].(map[string]any), tt.Name())
	}
}

// jsonValue turns a YAML node into the JSON value a schema validates,
// reading scalars by their YAML tag (dates stay strings).
func jsonValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return jsonValue(n.Content[0])
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := jsonValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			v, err := jsonValue(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.AliasNode:
		return jsonValue(n.Alias)
	}
	switch n.Tag {
	case "!!int":
		return json.Number(n.Value), nil
	case "!!float":
		return json.Number(n.Value), nil
	case "!!bool":
		return n.Value == "true", nil
	case "!!null":
		return nil, nil
	}
	return n.Value, nil
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(JSONSchema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validateYAML(sch *jsonschema.Schema, data []byte) error {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return err
	}
	v, err := jsonValue(&n)
	if err != nil {
		return err
	}
	// Round-trip through JSON so numbers are what the validator expects.
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

func TestBundledValidateAgainstSchema(t *testing.T) {
	sch := compileSchema(t)
	names, err := fs.Glob(catalog.FS, "treaties/*.yaml")
	if err != nil || len(names) < 5 {
		t.Fatalf("%v %v", names, err)
	}
	for _, n := range names {
		data, _ := fs.ReadFile(catalog.FS, n)
		if err := validateYAML(sch, data); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	// The schema rejects what Parse rejects in shape: an unknown field, a
	// wrong enum, a missing required field.
	base, _ := fs.ReadFile(catalog.FS, "treaties/new-start.yaml")
	for _, c := range []struct{ from, to string }{
		{"kind: treaty", "kind: pact"},
		{"    max: 1550\n", "    maxx: 1550\n"},
		{"    evidence: O\n    note: instruments", "    evidence: Q\n    note: instruments"},
		{"schema: tally.treaty/v1\n", "schema: tally.treaty/v2\n"},
		{"id: new-start\n", ""},
	} {
		bad := strings.Replace(string(base), c.from, c.to, 1)
		if bad == string(base) {
			t.Fatalf("variant %q did not apply", c.from)
		}
		if err := validateYAML(sch, []byte(bad)); err == nil {
			t.Errorf("schema accepted %q → %q", c.from, c.to)
		}
	}
}
