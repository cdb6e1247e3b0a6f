package node

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var updateOpenAPI = flag.Bool("update", false, "rewrite testdata/openapi.json from the route table")

// The OpenAPI document is the reviewed contract of the API: a route
// added, removed or changed in the table (its path, method, roles,
// parameters, body or answer types) changes the generated document, and
// this test fails until testdata/openapi.json is brought along:
//
//	go test ./node -run OpenAPI -update
func TestOpenAPIDocument(t *testing.T) {
	got := OpenAPI()
	const file = "testdata/openapi.json"
	if *updateOpenAPI {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the API's route table no longer gives %s: review the change and run go test ./node -run OpenAPI -update\n%s", file, firstDiff(string(want), string(got)))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + itoa(i+1) + ":\n- " + x + "\n+ " + y
		}
	}
	return ""
}

// The document says what the table says, route by route: each route is
// one operation, with its roles, every path parameter and every query
// parameter, a body when it takes one, and a problem+json answer for
// each refusal; every reference resolves.
func TestOpenAPIFollowsRoutes(t *testing.T) {
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	raw := OpenAPI()
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	ops := 0
	for _, m := range doc.Paths {
		ops += len(m)
	}
	if ops != len(Routes()) {
		t.Errorf("%d operations for %d routes", ops, len(Routes()))
	}
	pathParam := regexp.MustCompile(`\{([a-z_]+)\}`)
	for _, rt := range Routes() {
		op := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if op == nil {
			t.Errorf("%s %s: not in the document", rt.Method, rt.Path)
			continue
		}
		var roles []Role
		b, _ := json.Marshal(op["x-tally-roles"])
		json.Unmarshal(b, &roles)
		if !slices.Equal(roles, rt.Roles) {
			t.Errorf("%s %s: roles %v, the table %v", rt.Method, rt.Path, roles, rt.Roles)
		}
		params := map[string]string{}
		ps, _ := op["parameters"].([]any)
		for _, p := range ps {
			pm := p.(map[string]any)
			params[pm["name"].(string)] = pm["in"].(string)
		}
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			if params[m[1]] != "path" {
				t.Errorf("%s %s: path parameter %s not documented", rt.Method, rt.Path, m[1])
			}
		}
		for _, p := range rt.Params {
			if params[p.Name] != p.In {
				t.Errorf("%s %s: parameter %s (%s) documented as %q", rt.Method, rt.Path, p.Name, p.In, params[p.Name])
			}
		}
		if len(params) != len(rt.Params) {
			t.Errorf("%s %s: %d parameters documented, %d in the table", rt.Method, rt.Path, len(params), len(rt.Params))
		}
		if (op["requestBody"] != nil) != (rt.Body != nil) {
			t.Errorf("%s %s: request body documented %v", rt.Method, rt.Path, op["requestBody"] != nil)
		}
		resps, _ := op["responses"].(map[string]any)
		for _, code := range []string{"200", "401", "403"} {
			if resps[code] == nil {
				t.Errorf("%s %s: no %s answer", rt.Method, rt.Path, code)
			}
		}
		if rt.Allows(RoleObserver) != (len(op["security"].([]any)) == 2) {
			t.Errorf("%s %s: security %v for roles %v", rt.Method, rt.Path, op["security"], rt.Roles)
		}
	}
	for _, m := range regexp.MustCompile(`"\$ref": "#/components/schemas/([^"]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if doc.Components.Schemas[m[1]] == nil {
			t.Errorf("a reference to %s, which is not in the document", m[1])
		}
	}
}

// A node serves the document, and a route of the table answers where the
// document says (not the API's "no route").
func TestOpenAPIServed(t *testing.T) {
	c := newCluster(t, "US", "RU")
	c.start("US")
	base := "http://" + c.addrs["US"]
	resp, err := http.Get(base + OpenAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || !bytes.Equal(body, OpenAPI()) {
		t.Fatalf("%s: %d %s", OpenAPIPath, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, rt := range Routes() {
		path := strings.NewReplacer("{party}", "US", "{seq}", "1", "{index}", "0", "{uid}", "X", "{declaration}", "1").Replace(rt.Path)
		req, _ := http.NewRequest(rt.Method, base+path, strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+c.tokens["US"].Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "no route") {
			t.Errorf("%s %s: %s", rt.Method, path, b)
		}
	}
}
