package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/demo"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/node"
	"github.com/tally-project/tally/server"
)

// The role matrix: every route of the API and every page of the
// dashboard, on both nodes, with every kind of viewer: each party's
// operator, an inspector, an observer's token and no token. What each
// may do is the route table's (node.Routes) and the node's; what the test
// asserts is what must never happen whatever the table says: an observer
// never sees item-level data, an operator never submits for another
// party, and nobody but the owner's operator sees the owner's per-missile
// loadings. Every answer is also checked against the OpenAPI document:
// its status must be one the document lists for the route, and its body
// must fit the schema the document gives.

type viewer struct {
	name  string
	token string
	role  node.Role
	party string // an operator's
}

func viewers(r *demo.Regime) []viewer {
	var vs []viewer
	for _, p := range r.Parties {
		vs = append(vs, viewer{"operator " + p.ID, p.Operator, node.RoleOperator, p.ID})
	}
	return append(vs, viewer{"inspector", r.Tokens.Inspector, node.RoleInspector, ""},
		viewer{"observer", r.Tokens.Observer, node.RoleObserver, ""}, viewer{"no token", "", node.RoleObserver, ""})
}

// known reports whether node self knows v's token: an operator's token
// is its own node's only.
func (v viewer) knownAt(self string) bool { return v.role != node.RoleOperator || v.party == self }

// uidPattern matches the scenario's UIDs (US-ICBM-000123).
var uidPattern = regexp.MustCompile(`\b(US|RU)-[A-Z]+-\d{6}\b`)

// samples are real values for the path parameters, per party.
type samples struct {
	uid     map[string]string // a deployed ICBM
	changed map[string]string // an item the status change (index) changed
	index   map[string]uint64 // a status change
	seq     map[string]uint64
}

func sampleOf(t *testing.T, r *demo.Regime) samples {
	t.Helper()
	ctx := context.Background()
	insp := node.Access{Role: node.RoleInspector}
	s := samples{uid: map[string]string{}, changed: map[string]string{}, index: map[string]uint64{}, seq: map[string]uint64{}}
	us := r.Party("US").Node
	for _, p := range r.Parties {
		// A missile of the initial declaration (sequence number 1), still
		// deployed in 2020.
		then, err := us.Forces(ctx, insp, p.ID, civil.MustParse("2011-02-05"), 0)
		if err != nil {
			t.Fatal(err)
		}
		now, err := us.Forces(ctx, insp, p.ID, civil.MustParse("2020-09-01"), 0)
		if err != nil {
			t.Fatal(err)
		}
		deployed := map[string]bool{}
		for _, it := range now.Items {
			deployed[it.UID] = it.Kind == "icbm" && it.Status == "deployed"
		}
		for _, it := range then.Items {
			if it.Kind == "icbm" && it.Status == "deployed" && deployed[it.UID] {
				s.uid[p.ID] = it.UID
				break
			}
		}
		if s.uid[p.ID] == "" {
			t.Fatalf("no ICBM of %s deployed in 2011 and 2020", p.ID)
		}
		ns, err := us.Notifications(ctx, insp, node.NotificationFilter{Party: p.ID, Kind: exchange.StatusChange, Limit: 1})
		if err != nil || len(ns) == 0 {
			t.Fatalf("no status change of %s: %v", p.ID, err)
		}
		s.index[p.ID], s.seq[p.ID] = ns[0].Index, ns[0].Seq
		var ev forces.Event
		if err := json.Unmarshal(ns[0].Body, &ev); err != nil || len(ev.UIDs) == 0 {
			t.Fatalf("the status change of %s: %v %s", p.ID, err, ns[0].Body)
		}
		s.changed[p.ID] = ev.UIDs[0]
	}
	return s
}

// openAPI compiles the schemas of the document's responses.
type openAPI struct {
	doc  map[string]any
	c    *jsonschema.Compiler
	mu   sync.Mutex
	seen map[string]*jsonschema.Schema
	n    int
}

const docURL = "https://tally.invalid/openapi.json"

func loadOpenAPI(t *testing.T) *openAPI {
	t.Helper()
	raw := node.OpenAPI()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	res, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(docURL, res); err != nil {
		t.Fatal(err)
	}
	return &openAPI{doc: doc, c: c, seen: map[string]*jsonschema.Schema{}}
}

// schema returns the schema the document gives a route's answer with
// status and content type; ok is false when the document lists no such
// answer.
func (o *openAPI) schema(t *testing.T, method, path string, status int, ctype string) (*jsonschema.Schema, bool) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	op, _ := o.doc["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if op == nil {
		t.Fatalf("the OpenAPI document has no %s %s", method, path)
	}
	resp, _ := op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)
	if resp == nil {
		return nil, false
	}
	ct, _, _ := strings.Cut(ctype, ";")
	media, _ := resp["content"].(map[string]any)[strings.TrimSpace(ct)].(map[string]any)
	if media == nil {
		return nil, false
	}
	key := fmt.Sprintf("%s %s %d %s", method, path, status, ct)
	if s, ok := o.seen[key]; ok {
		return s, true
	}
	// The schema as a resource of its own, its references made absolute.
	var abs func(v any) any
	abs = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, e := range x {
				if s, ok := e.(string); ok && k == "$ref" && strings.HasPrefix(s, "#") {
					out[k] = docURL + s
				} else {
					out[k] = abs(e)
				}
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = abs(e)
			}
			return out
		}
		return v
	}
	o.n++
	url := fmt.Sprintf("https://tally.invalid/answer/%d.json", o.n)
	if err := o.c.AddResource(url, abs(media["schema"])); err != nil {
		t.Fatal(err)
	}
	s, err := o.c.Compile(url)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	o.seen[key] = s
	return s, true
}

// check validates an answer against the document.
func (o *openAPI) check(t *testing.T, method, pattern string, resp *http.Response, body []byte) {
	t.Helper()
	s, ok := o.schema(t, method, pattern, resp.StatusCode, resp.Header.Get("Content-Type"))
	if !ok {
		t.Errorf("%s %s answered %d %s, which the OpenAPI document does not list: %.300s", method, pattern, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		return
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		return
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s %s: not JSON: %v", method, pattern, err)
		return
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("%s %s %d: the answer does not fit the OpenAPI document: %v", method, pattern, resp.StatusCode, err)
	}
}

func do(t *testing.T, method, url, token, ctype string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// privateLoadings finds per-missile loadings in an answer: items that
// carry warheads.
func privateLoadings(body []byte) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if uid, ok := x["uid"].(string); ok {
				if w, ok := x["warheads"]; ok && w != nil {
					out = append(out, fmt.Sprintf("%s: %v", uid, w))
				}
			}
			if _, ok := x["opening"]; ok {
				out = append(out, "an opened loading")
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var v any
	if json.Unmarshal(body, &v) == nil {
		walk(v)
	}
	return out
}

func TestRoleMatrixAPI(t *testing.T) {
	r := sharedDemo(t)
	oa := loadOpenAPI(t)
	smp := sampleOf(t, r)
	for _, self := range r.Parties {
		base := strings.TrimSuffix(self.URL, "/")
		for _, rt := range node.Routes() {
			// Each route with each party in {party}.
			parties := []string{""}
			if strings.Contains(rt.Path, "{party}") {
				parties = []string{"US", "RU"}
			}
			for _, of := range parties {
				path := rt.Path
				rp := strings.NewReplacer("{party}", of, "{seq}", fmt.Sprint(smp.seq[of]), "{index}", fmt.Sprint(smp.index[of]),
					"{uid}", smp.uid[first(of, self.ID)], "{declaration}", "1")
				path = rp.Replace(path)
				for _, v := range viewers(r) {
					if rt.Method == "POST" {
						continue // below
					}
					name := fmt.Sprintf("%s node: %s %s as %s", self.ID, rt.Method, path, v.name)
					resp, body := do(t, rt.Method, base+path, v.token, "", nil)
					want := http.StatusOK
					switch {
					case !v.knownAt(self.ID):
						want = http.StatusUnauthorized
					case !rt.Allows(v.role):
						want = http.StatusForbidden
					}
					if resp.StatusCode != want {
						t.Errorf("%s: %d, want %d: %.300s", name, resp.StatusCode, want, body)
					}
					if resp.StatusCode >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
						t.Errorf("%s: an error as %s", name, resp.Header.Get("Content-Type"))
					}
					oa.check(t, rt.Method, rt.Path, resp, body)
					if resp.StatusCode != http.StatusOK {
						continue
					}
					// What must never be.
					if v.role == node.RoleObserver {
						if m := uidPattern.FindString(string(body)); m != "" {
							t.Errorf("%s: an observer sees item-level data (%s)", name, m)
						}
					}
					if pl := privateLoadings(body); len(pl) > 0 {
						owner := of
						if strings.Contains(rt.Path, "/loadings/") {
							owner = self.ID
						}
						if v.role != node.RoleOperator || v.party != owner || owner != self.ID {
							t.Errorf("%s: per-missile loadings of %s shown to %s: %v", name, first(owner, "?"), v.name, pl[:min(3, len(pl))])
						}
					}
				}
			}
		}
		// Submissions: only the node's own operator, only for its party.
		note := func(party string) []byte {
			return mustJSON(t, node.SubmitRequest{Drafts: []exchange.Draft{mustDraft(t, exchange.NoteKind, civil.MustParse("2026-01-01"), exchange.Note{Text: "role matrix"})}})
		}
		for _, v := range viewers(r) {
			name := fmt.Sprintf("%s node: POST notifications as %s", self.ID, v.name)
			resp, body := do(t, "POST", base+node.APIPrefix+"/notifications", v.token, "application/json", note(self.ID))
			want := http.StatusOK
			switch {
			case !v.knownAt(self.ID):
				want = http.StatusUnauthorized
			case v.role != node.RoleOperator:
				want = http.StatusForbidden
			}
			if resp.StatusCode != want {
				t.Errorf("%s: %d, want %d: %.300s", name, resp.StatusCode, want, body)
			}
			oa.check(t, "POST", node.APIPrefix+"/notifications", resp, body)
		}
		// The node's operator with another party's envelope, signed by
		// that party: refused, nothing written.
		for _, other := range r.Parties {
			if other.ID == self.ID {
				continue
			}
			e := sign(t, r, other.ID, exchange.NoteKind, civil.MustParse("2026-01-01"), exchange.Note{Text: "not yours"})
			next := self.Node.NextSeq()
			for _, form := range []struct {
				ctype string
				body  []byte
			}{{"text/plain", e}, {"application/json", mustJSON(t, node.SubmitRequest{Envelopes: []string{string(e)}})}} {
				resp, body := do(t, "POST", base+node.APIPrefix+"/notifications", self.Operator, form.ctype, form.body)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), exchange.CodeNotOwn) {
					t.Errorf("%s node: %s's envelope submitted by %s's operator as %s: %d %.300s", self.ID, other.ID, self.ID, form.ctype, resp.StatusCode, body)
				}
				oa.check(t, "POST", node.APIPrefix+"/notifications", resp, body)
			}
			if got := self.Node.NextSeq(); got != next {
				t.Errorf("%s node: a refused submission moved the next sequence number %d → %d", self.ID, next, got)
			}
		}
	}
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func mustDraft(t *testing.T, k exchange.Kind, eff civil.Date, body any) exchange.Draft {
	t.Helper()
	d, err := exchange.NewDraft(k, eff, body)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The pages, on both nodes, with every viewer: item-level pages refuse
// observers with a 403 that says why and shows no item; an operator's
// token is its own node's only (401, the sign-in form, elsewhere); the
// per-missile loadings appear on the forces page of the owner's operator
// only; every page that answers passes the accessibility checks.
func TestRoleMatrixPages(t *testing.T) {
	r := sharedDemo(t)
	smp := sampleOf(t, r)
	type pageCase struct {
		path      string
		itemLevel bool
		// private: the page shows party's per-missile loadings to its
		// operator on its own node.
		private string
	}
	var pages []pageCase
	for _, p := range []string{"/", "/?date=2018-09-01", "/logs", "/impact", "/history", "/verify", "/treaties", "/treaties/new-start", "/login", "/about-data"} {
		pages = append(pages, pageCase{path: p})
	}
	for _, p := range r.Parties {
		pages = append(pages,
			pageCase{path: "/forces?party=" + p.ID, itemLevel: true, private: p.ID},
			pageCase{path: "/forces?party=" + p.ID + "&kind=icbm&status=deployed&date=2020-09-01", itemLevel: true, private: p.ID},
			pageCase{path: "/forces/" + p.ID + "/items/" + smp.changed[p.ID], itemLevel: true},
			pageCase{path: fmt.Sprintf("/notifications/%s/%d", p.ID, smp.index[p.ID]), itemLevel: true},
			pageCase{path: "/notifications?party=" + p.ID, itemLevel: true},
		)
	}
	pages = append(pages, pageCase{path: "/notifications", itemLevel: true}, pageCase{path: "/impact?forces=node", itemLevel: true})
	for _, self := range r.Parties {
		for _, pc := range pages {
			for _, v := range viewers(r) {
				name := fmt.Sprintf("%s node: %s as %s", self.ID, pc.path, v.name)
				resp, body := fetch(t, r, self.ID, v.token, pc.path)
				want := http.StatusOK
				switch {
				case !v.knownAt(self.ID):
					want = http.StatusUnauthorized
				case pc.itemLevel && v.role == node.RoleObserver:
					want = http.StatusForbidden
				}
				if resp.StatusCode != want {
					t.Errorf("%s: %d, want %d", name, resp.StatusCode, want)
					continue
				}
				d := server.ParseHTML(t, body)
				switch resp.StatusCode {
				case http.StatusUnauthorized:
					if h1 := server.All(d, "h1", ""); len(h1) != 1 || server.Text(h1[0]) != "Sign in" {
						t.Errorf("%s: a 401 that is not the sign-in form", name)
					}
				case http.StatusForbidden:
					why := "Item-level data is for the parties' operators and for inspectors"
					if strings.HasPrefix(pc.path, "/impact") {
						why = "item-level data, for operators and inspectors"
					}
					if !strings.Contains(body, why) {
						t.Errorf("%s: a 403 that does not say why", name)
					}
				}
				if v.role == node.RoleObserver || resp.StatusCode != http.StatusOK {
					if m := uidPattern.FindString(server.Text(server.All(d, "main", "")[0])); m != "" {
						t.Errorf("%s: item-level data shown (%s)", name, m)
					}
				}
				shown := strings.Contains(body, `class="flag flag-private"`)
				mayShow := pc.private != "" && v.role == node.RoleOperator && v.party == self.ID && pc.private == self.ID && resp.StatusCode == 200
				if shown != mayShow {
					t.Errorf("%s: per-missile loadings shown %v, should be %v", name, shown, mayShow)
				}
				for _, prob := range server.A11yProblems(d) {
					t.Errorf("%s: %s", name, prob)
				}
			}
		}
	}
}

// The sign-in cookie stands for the header: the node reads it the same
// way; a cookie with a token the node does not know is cleared, and the
// sign-in form answers.
func TestSignInCookie(t *testing.T) {
	r := sharedDemo(t)
	base := strings.TrimSuffix(urlOf(r, "US"), "/")
	get := func(cookie string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", base+"/forces?party=US", nil)
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: server.TokenCookie("US"), Value: cookie})
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, body := get(operator(r, "US")); resp.StatusCode != 200 || !strings.Contains(body, `class="flag flag-private"`) {
		t.Errorf("the operator's cookie: %d, private shown %v", resp.StatusCode, strings.Contains(body, "flag-private"))
	}
	if resp, _ := get(r.Tokens.Inspector); resp.StatusCode != 200 {
		t.Errorf("the inspector's cookie: %d", resp.StatusCode)
	}
	resp, _ := get("tly_not-a-token-of-this-node")
	cleared := false
	for _, c := range resp.Cookies() {
		cleared = cleared || c.Name == server.TokenCookie("US") && c.MaxAge < 0
	}
	if resp.StatusCode != 401 || !cleared {
		t.Errorf("an unknown cookie: %d, cleared %v", resp.StatusCode, cleared)
	}
	// The sign-in form sets it, for a token the node knows only, and
	// comes back to the page.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(token, next string) *http.Response {
		req, _ := http.NewRequest("POST", base+"/login", strings.NewReader("token="+token+"&next="+next))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp = post(operator(r, "US"), "/forces%3Fparty%3DUS")
	var set *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == server.TokenCookie("US") {
			set = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/forces?party=US" || set == nil || set.Value != operator(r, "US") || !set.HttpOnly || set.SameSite != http.SameSiteStrictMode {
		t.Errorf("sign in: %d to %q, cookie %+v", resp.StatusCode, resp.Header.Get("Location"), set)
	}
	if resp = post(operator(r, "RU"), "/"); resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("sign in with another node's token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	if resp = post(r.Tokens.Inspector, "https://elsewhere.example/"); resp.Header.Get("Location") != "/" {
		t.Errorf("sign in sends the browser off the site: %q", resp.Header.Get("Location"))
	}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader("token="+r.Tokens.Inspector))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
		t.Errorf("a sign-in form posted from another site: %d", resp.StatusCode)
	}
}

// The document's schemas catch an answer that is not what it says.
func TestOpenAPIChecksCatch(t *testing.T) {
	oa := loadOpenAPI(t)
	s, ok := oa.schema(t, "GET", node.APIPrefix+"/forces/{party}", 200, "application/json")
	if !ok {
		t.Fatal("no schema for the forces")
	}
	for _, bad := range []string{`{"party": 5}`, `{"party":"US","date":"2020-09-01","known_at":-1,"groups":[],"items":[]}`,
		`{"party":"US","date":"2020-09-01","known_at":1,"groups":[],"items":[{"uid":"X","kind":"sword","type":"T","status":"deployed"}]}`} {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if s.Validate(v) == nil {
			t.Errorf("%s passes", bad)
		}
	}
	v, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"party":"US","date":"2020-09-01","known_at":1,"groups":null,"items":[{"uid":"X","kind":"icbm","type":"T","status":"deployed"}]}`))
	if err := s.Validate(v); err != nil {
		t.Errorf("a good answer fails: %v", err)
	}
}

// A reading that cannot be counted (Russia disputes a US item that does
// not exist) says why to those who may see items, naming the item; to an
// observer only that it could not be counted, in the API and on the
// Overview: why names the item's UID. The dispute is withdrawn the next
// day, so that it holds on one day only, which no other test looks at.
func TestRoleMatrixReadingError(t *testing.T) {
	r := sharedDemo(t)
	ru := r.Party("RU")
	base := strings.TrimSuffix(ru.URL, "/")
	day := civil.MustParse("2013-07-04")
	const ghost = "US-ICBM-999999"
	submit := func(k exchange.Kind, eff civil.Date, body any) uint64 {
		t.Helper()
		resp, b := do(t, "POST", base+node.APIPrefix+"/notifications", ru.Operator, "application/json",
			mustJSON(t, node.SubmitRequest{Drafts: []exchange.Draft{mustDraft(t, k, eff, body)}}))
		var sr node.SubmitResponse
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &sr) != nil || len(sr.Receipts) != 1 {
			t.Fatalf("submitting a %s: %d %.300s", k, resp.StatusCode, b)
		}
		return sr.Receipts[0].Seq
	}
	seq := submit(exchange.DisputeKind, day, exchange.Dispute{ID: "role-matrix-ghost", Of: "US", Text: "a missile the United States never declared",
		Reading: forces.Reading{Name: "a ghost missile", By: "RU", Of: "US", Changes: []forces.ReadingChange{{UIDs: []string{ghost}, Status: forces.NonDeployed}}}})
	submit(exchange.DisputeResolution, day.AddDays(1), exchange.Resolution{Dispute: exchange.Ref{Party: "RU", Seq: seq}, Outcome: exchange.OutcomeWithdrawn})

	for _, v := range viewers(r) {
		if !v.knownAt("RU") {
			continue
		}
		name := "RU node, as " + v.name
		resp, b := do(t, "GET", base+node.APIPrefix+"/compliance/US?date="+day.String(), v.token, "", nil)
		var cv struct {
			Readings []struct{ By, Error string }
		}
		if err := json.Unmarshal(b, &cv); resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("%s: compliance of US: %d %v %.300s", name, resp.StatusCode, err, b)
		}
		var errs []string
		for _, rr := range cv.Readings {
			if rr.By == "RU" {
				errs = append(errs, rr.Error)
			}
		}
		if len(errs) != 1 {
			t.Fatalf("%s: %d readings by RU on %s, want 1: %s", name, len(errs), day, b)
		}
		if v.role == node.RoleObserver {
			if errs[0] != node.ReadingNotCounted || uidPattern.Match(b) {
				t.Errorf("%s: the reading's error is %q (UIDs in the answer: %v)", name, errs[0], uidPattern.FindAllString(string(b), 3))
			}
		} else if !strings.Contains(errs[0], ghost) {
			t.Errorf("%s: the reading's error %q does not name the item", name, errs[0])
		}
		// The day after, the dispute is withdrawn.
		_, b = do(t, "GET", base+node.APIPrefix+"/compliance/US?date="+day.AddDays(1).String(), v.token, "", nil)
		if strings.Contains(string(b), "a ghost missile") {
			t.Errorf("%s: the withdrawn dispute still holds the day after", name)
		}

		resp, body := fetch(t, r, "RU", v.token, "/?date="+day.String())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: the Overview: %d", name, resp.StatusCode)
		}
		var warn string
		for _, p := range server.All(server.ParseHTML(t, body), "p", "warning") {
			if strings.HasPrefix(server.Text(p), "Not counted under this reading") {
				warn = server.Text(p)
			}
		}
		switch {
		case warn == "":
			t.Errorf("%s: the Overview does not say the reading was not counted", name)
		case v.role == node.RoleObserver && (uidPattern.MatchString(body) || !strings.Contains(warn, "only the parties' operators and inspectors")):
			t.Errorf("%s: the Overview says %q (UIDs in the page: %v)", name, warn, uidPattern.FindAllString(body, 3))
		case v.role != node.RoleObserver && !strings.Contains(warn, ghost):
			t.Errorf("%s: the Overview says %q, without the item", name, warn)
		}
	}
}
