package node

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
)

// OpenAPIPath is where a node serves the OpenAPI document of its API.
const OpenAPIPath = "/api/openapi.json"

// OpenAPI returns the OpenAPI 3.1 document of the API, generated from the
// route table (Routes): every path and method, its parameters, request
// and response bodies (JSON Schemas made from the Go types the handlers
// decode and encode, by their json tags), the roles that may call it
// (x-tally-roles, and the bearer security scheme), and the
// application/problem+json errors it can answer. Because the document and
// the mux come from the same table they cannot disagree; node's tests keep
// a reviewed copy (testdata/openapi.json) and fail when a route changes
// without it.
func OpenAPI() []byte {
	openapiOnce.Do(func() { openapiDoc = buildOpenAPI(Routes()) })
	return openapiDoc
}

var (
	openapiOnce sync.Once
	openapiDoc  []byte
)

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(OpenAPI())
}

// problemStatuses say when a route can answer each error status.
var problemStatuses = []struct {
	code int
	desc string
	when func(rt *Route) bool
}{
	{400, "A parameter or the body is malformed; field names it.", func(rt *Route) bool { return len(rt.Params) > 0 || rt.Body != nil }},
	{401, "The bearer token is not one this node knows.", func(rt *Route) bool { return true }},
	{403, "The token's role may not call this route (x-tally-roles), or may not see what was asked.", func(rt *Route) bool { return true }},
	{404, "No such party, notification, entry or item.", func(rt *Route) bool {
		return slices.ContainsFunc(rt.Params, func(p Param) bool { return p.In == "path" })
	}},
	{409, "A different envelope already holds a sequence number of the batch.", func(rt *Route) bool { return rt.Method == "POST" }},
	{413, "The submission is larger than a node takes.", func(rt *Route) bool { return rt.Method == "POST" }},
	{422, "The notifications were refused, nothing was written; errors name each envelope, field and item at fault.", func(rt *Route) bool { return rt.Method == "POST" }},
	{503, "The node is shutting down or recovering; submit again (Retry-After).", func(rt *Route) bool { return rt.Method == "POST" }},
}

func buildOpenAPI(routes []Route) []byte {
	g := &jsonSchemaGen{comps: map[string]any{}, names: map[reflect.Type]string{}}
	problem := g.ref(reflect.TypeFor[ProblemDetails]())
	paths := map[string]map[string]any{}
	for i := range routes {
		rt := &routes[i]
		op := map[string]any{
			"operationId":   operationID(rt),
			"summary":       firstSentence(rt.Summary),
			"description":   rt.Summary + "\n\nRoles: " + rolesText(rt.Roles) + ".",
			"x-tally-roles": rt.Roles,
			"tags":          []string{tagOf(rt.Path)},
		}
		if rt.Allows(RoleObserver) {
			// No token is the public's (observer).
			op["security"] = []any{map[string]any{}, map[string]any{"bearer": []string{}}}
		} else {
			op["security"] = []any{map[string]any{"bearer": []string{}}}
		}
		var params []any
		for _, p := range rt.Params {
			params = append(params, map[string]any{"name": p.Name, "in": p.In, "required": p.Required || p.In == "path",
				"description": p.Doc, "schema": paramSchema(p.Type)})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Body != nil {
			content := map[string]any{"application/json": map[string]any{"schema": g.ref(reflect.TypeOf(rt.Body))}}
			for _, ct := range rt.AlsoTakes {
				content[ct] = map[string]any{"schema": map[string]any{"type": "string", "description": "one signed envelope, as is"}}
			}
			op["requestBody"] = map[string]any{"required": true, "content": content}
		}
		responses := map[string]any{}
		ok := map[string]any{"description": "OK"}
		if rt.Result != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.ref(reflect.TypeOf(rt.Result))}}
			if len(rt.AlsoTakes) > 0 {
				ok["content"].(map[string]any)["text/plain"] = map[string]any{"schema": map[string]any{"type": "string",
					"description": "for a body posted as " + strings.Join(rt.AlsoTakes, " or ") + ": its receipt (a C2SP tlog-proof)"}}
			}
		}
		responses["200"] = ok
		for _, ps := range problemStatuses {
			if ps.when(rt) {
				responses[itoa(ps.code)] = map[string]any{"description": ps.desc,
					"content": map[string]any{"application/problem+json": map[string]any{"schema": problem}}}
			}
		}
		op["responses"] = responses
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "tally node API",
			"version": "v1",
			"description": "A party's node: submit notifications, read receipts and proofs, notifications, declarations, " +
				"discrepancies and disputes, forces and compliance at a date and as a series, the regime and the treaty. " +
				"Authenticate with a bearer token; its role (operator, inspector, observer) decides what a route answers. " +
				"No token is the public's: an observer sees checkpoints, alerts, the regime, the treaty and compliance totals. " +
				"Errors are application/problem+json (RFC 9457); field names the parameter or body field at fault, " +
				"errors each envelope, field and item of a refused submission.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.comps,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer",
				"description": "A token of the node (tokens.yaml); its role is operator, inspector or observer."}},
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // maps, strings and numbers
	}
	return append(b, '\n')
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func rolesText(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
		if r == RoleObserver {
			s[i] = "observer (no token)"
		}
	}
	return strings.Join(s, ", ")
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// operationID is the method and the path's words: get_forces_party_items_uid.
func operationID(rt *Route) string {
	p := strings.TrimPrefix(rt.Path, APIPrefix)
	return strings.ToLower(rt.Method) + strings.TrimRight(nonWord.ReplaceAllString(p, "_"), "_")
}

func tagOf(path string) string {
	p := strings.TrimPrefix(path, APIPrefix+"/")
	tag, _, _ := strings.Cut(p, "/")
	return tag
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

func paramSchema(typ string) map[string]any {
	switch typ {
	case "integer":
		return map[string]any{"type": "integer", "minimum": 0}
	case "boolean":
		return map[string]any{"type": "boolean"}
	case "date":
		return map[string]any{"type": "string", "format": "date"}
	}
	return map[string]any{"type": "string"}
}

// jsonSchemaGen makes JSON Schemas (draft 2020-12) of Go types as
// encoding/json writes them: struct fields by json tag (omitempty: not
// required), embedded structs merged, nil slices and maps as null. Named
// structs become components.
type jsonSchemaGen struct {
	comps map[string]any
	names map[reflect.Type]string
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	dateType    = reflect.TypeFor[civil.Date]()
	rawType     = reflect.TypeFor[json.RawMessage]()
	partType    = reflect.TypeFor[count.Part]()
	itemSpec    = reflect.TypeFor[forces.ItemSpec]()
	marshalerTy = reflect.TypeFor[json.Marshaler]()
)

// enums are the values of the string types the API uses.
var enums = map[reflect.Type][]string{
	reflect.TypeFor[Role]():          {string(RoleOperator), string(RoleInspector), string(RoleObserver)},
	reflect.TypeFor[exchange.Kind](): kindStrings(exchange.Kinds()),
	reflect.TypeFor[forces.Kind]():   kindStrings(forces.Kinds),
	reflect.TypeFor[forces.Status](): kindStrings(forces.Statuses),
}

func kindStrings[T ~string](ks []T) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	sort.Strings(out)
	return out
}

// ref is the schema of t: a $ref to its component for a named struct.
func (g *jsonSchemaGen) ref(t reflect.Type) map[string]any {
	if t.Kind() == reflect.Pointer {
		return map[string]any{"anyOf": []any{g.ref(t.Elem()), map[string]any{"type": "null"}}}
	}
	if t.Kind() == reflect.Slice && t != rawType && t.Elem().Kind() != reflect.Uint8 {
		return map[string]any{"type": []string{"array", "null"}, "items": g.ref(t.Elem())}
	}
	if t.Kind() != reflect.Struct || t.Name() == "" || t == timeType || t == dateType {
		return g.of(t)
	}
	name, ok := g.names[t]
	if !ok {
		name = componentName(t)
		g.names[t] = name
		g.comps[name] = true // placeholder: a type that refers to itself
		g.comps[name] = g.of(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// componentName is the package and the type: node.ForcesView.
func componentName(t reflect.Type) string {
	pkg := t.PkgPath()
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		pkg = pkg[i+1:]
	}
	return pkg + "." + t.Name()
}

// of is the schema of a value of type t.
func (g *jsonSchemaGen) of(t reflect.Type) map[string]any {
	if vals, ok := enums[t]; ok {
		return map[string]any{"type": "string", "enum": vals}
	}
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case dateType:
		return map[string]any{"type": "string", "format": "date", "description": "a civil date, YYYY-MM-DD"}
	case rawType:
		return map[string]any{"description": "JSON, as the notification's kind defines it (see the exchange's kinds)"}
	case partType:
		return map[string]any{"type": "object", "description": "one group's contribution to a total: group, origin, rule, says, items, each, units, note, source, evidence",
			"properties": map[string]any{"group": str(), "origin": str(), "rule": str(), "says": str(), "items": integer(), "each": integer(),
				"units": integer(), "note": str(), "source": str(), "evidence": str()},
			"required": []string{"group", "rule", "says", "items", "each", "units", "source", "evidence"}}
	case itemSpec:
		return map[string]any{"type": "object", "description": "an item (or a group of count items): uid, kind, type, status, site, carrier, count, warheads, and the type's attributes inline",
			"properties": map[string]any{"uid": str(), "kind": g.of(reflect.TypeFor[forces.Kind]()), "type": str(),
				"status": g.of(reflect.TypeFor[forces.Status]()), "site": str(), "carrier": str(), "count": integer(), "warheads": integer()},
			"required": []string{"kind", "type", "status"}}
	}
	if t.Implements(marshalerTy) {
		return map[string]any{"description": "see the Go type " + t.String()}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.ref(t)
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return integer()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return str()
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": []string{"string", "null"}, "contentEncoding": "base64"}
		}
		return map[string]any{"type": []string{"array", "null"}, "items": g.ref(t.Elem())}
	case reflect.Array:
		return map[string]any{"type": "array", "items": g.ref(t.Elem()), "minItems": t.Len(), "maxItems": t.Len()}
	case reflect.Map:
		return map[string]any{"type": []string{"object", "null"}, "additionalProperties": g.ref(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		props := map[string]any{}
		var required []string
		g.fields(t, props, &required)
		s := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			sort.Strings(required)
			s["required"] = required
		}
		return s
	}
	return map[string]any{}
}

func str() map[string]any     { return map[string]any{"type": "string"} }
func integer() map[string]any { return map[string]any{"type": "integer"} }

// fields adds t's fields as encoding/json writes them.
func (g *jsonSchemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.ref(f.Type)
		if doc := f.Tag.Get("doc"); doc != "" {
			if _, isRef := s["$ref"]; isRef {
				s = map[string]any{"allOf": []any{s}, "description": doc}
			} else {
				s["description"] = doc
			}
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
}
