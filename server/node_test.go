package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/regime/regimetest"
	"github.com/tally-project/tally/treaty"
)

// tokenNode is the smallest Node: it authenticates by a token in the
// Authorization header and gives each token a viewer. Its View answers
// only what the header needs; the node pages read nothing more yet.
type tokenNode struct {
	reg     *regime.Regime
	treaty  *treaty.Treaty
	viewers map[string]Viewer
}

type tokenView struct {
	View // the methods the node pages will call; nil here
	n    *tokenNode
	who  Viewer
}

func (v tokenView) Viewer() Viewer         { return v.who }
func (v tokenView) Self() string           { return "US" }
func (v tokenView) Regime() *regime.Regime { return v.n.reg }
func (v tokenView) Treaty() *treaty.Treaty { return v.n.treaty }

func (n *tokenNode) Self() string { return "US" }

func (n *tokenNode) View(r *http.Request) (View, error) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch who, ok := n.viewers[tok]; {
	case tok == "":
		return nil, fmt.Errorf("no token: %w", ErrUnauthenticated)
	case tok == "revoked":
		return nil, fmt.Errorf("token revoked: %w", ErrForbidden)
	case !ok:
		return nil, fmt.Errorf("unknown token: %w", ErrUnauthenticated)
	default:
		return tokenView{n: n, who: who}, nil
	}
}

// With a node, every page asks it who is looking: refused requests get
// 401 or 403 and no page; accepted ones show the viewer in the header.
func TestNodeViewer(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU")
	ns, _ := treaty.Lookup("new-start")
	node := &tokenNode{reg: fx.Regime, treaty: ns, viewers: map[string]Viewer{
		"op-us": {Role: "operator", Party: "US"}, "public": {Role: "observer"},
	}}
	h, err := New(Options{Node: node, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	// The node pages read the View, which this node does not have: they
	// are checked with real nodes (package server_test); here, only that
	// a refused request gets no page.
	nodePages := map[string]bool{"/": true, "/forces": true, "/notifications": true, "/logs": true}
	for _, p := range []string{"/", "/forces", "/notifications", "/logs", "/treaties", "/treaties/new-start", "/treaties/compare", "/history", "/verify", "/treaties/sort.yaml", "/nowhere"} {
		for _, c := range []struct {
			token  string
			status int
			header string
		}{
			{"", 401, ""},
			{"nope", 401, ""},
			{"revoked", 403, ""},
			{"op-us", 200, "US node of the New START regime · operator (US)"},
			{"public", 200, "US node of the New START regime · observer"},
		} {
			if nodePages[p] && c.status == 200 {
				continue
			}
			resp, body := get(t, srv, p, "Authorization", "Bearer "+c.token)
			if p == "/nowhere" && c.status == 200 {
				c.status = 404
			}
			if resp.StatusCode != c.status {
				t.Errorf("%s with %q: %d, want %d", p, c.token, resp.StatusCode, c.status)
				continue
			}
			switch {
			case resp.StatusCode == 401:
				// The sign-in form, and nothing of the page asked for.
				d := doc(t, body)
				if h1 := all(d, "h1", ""); len(h1) != 1 || text(h1[0]) != "Sign in" || byID(d, "token") == nil || strings.Contains(body, "id: sort") {
					t.Errorf("%s with %q: a refused request got more than the sign-in form", p, c.token)
				}
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s with %q: 401 without WWW-Authenticate", p, c.token)
				}
			case resp.StatusCode == 403:
				if strings.Contains(body, "<main") || strings.Contains(body, "id: sort") {
					t.Errorf("%s with %q: a refused request got the content", p, c.token)
				}
			case strings.HasSuffix(p, ".yaml"):
				if !strings.Contains(body, "id: sort") {
					t.Errorf("%s with %q: not the treaty file", p, c.token)
				}
			default:
				if got := text(all(doc(t, body), "p", "site-status")[0]); got != c.header {
					t.Errorf("%s with %q: header %q, want %q", p, c.token, got, c.header)
				}
			}
		}
	}
}

// The regime the Verify form starts with loads back as the same regime.
func TestRegimeYAML(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{Threshold: "1", Extra: map[string]string{"US": "    aliases: [USA]\n"}}, "US", "RU", "CN")
	text, err := regimeYAML(fx.Regime)
	if err != nil {
		t.Fatal(err)
	}
	back, err := regime.Parse("back.yaml", []byte(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	for _, p := range fx.Regime.Parties {
		q := back.Party(p.ID)
		if q == nil || q.Name != p.Name || q.Log.Origin != p.Log.Origin || q.LogURL() != p.LogURL() || len(q.Witnesses()) != len(p.Witnesses()) {
			t.Fatalf("%s does not load back: %+v", p.ID, q)
		}
		for _, role := range regime.Roles {
			a, b := p.KeysFor(role), q.KeysFor(role)
			if len(a) != len(b) || a[0].Key != b[0].Key {
				t.Fatalf("%s %s keys differ", p.ID, role)
			}
		}
	}
	if back.Party("USA") == nil || back.WitnessPolicy == nil || back.WitnessPolicy.Threshold != "1" {
		t.Fatalf("aliases or policy lost:\n%s", text)
	}
}

// labelledNode is a tokenNode whose data are labelled (ProvenanceNode)
// and whose clock is its own (ClockNode).
type labelledNode struct {
	*tokenNode
	pv  *Provenance
	now time.Time
}

func (n labelledNode) Provenance() *Provenance { return n.pv }
func (n labelledNode) Now() time.Time          { return n.now }

// A node that labels its data gets a banner on every page, linked to
// /about-data, which shows each total with its provenance and source and
// the regime's timeline; a node that does not gets neither. The
// dashboard's today is the node's clock.
func TestProvenance(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU")
	ns, _ := treaty.Lookup("new-start")
	tn := &tokenNode{reg: fx.Regime, treaty: ns, viewers: map[string]Viewer{"public": {Role: "observer"}}}
	sim := time.Date(2016, 3, 2, 12, 0, 0, 0, time.UTC)
	pv := &Provenance{Title: "Test data", Summary: "Made up for the test.", JSON: "/test/provenance",
		Clock: ProvenanceClock{Simulated: true, Now: sim, Note: "a clock of the test"},
		Notes: []string{"a note on the data"},
		Parties: []ProvenanceParty{{ID: "US", Name: "United States", LastNotification: civilMust("2016-02-28"), Declarations: []ProvenanceDeclaration{{
			AsOf: civilMust("2016-03-01"), Synthetic: true,
			Totals: []ProvenanceTotal{
				{ID: "deployed-warheads", Value: 1481, Provenance: "official", Source: "https://example.org/release"},
				{ID: "deployed-and-nondeployed-launchers", Value: 873, Provenance: "synthetic", Note: "the midpoint of two releases"},
			},
			Detail: []ProvenanceCount{{Provenance: "synthetic", Items: 2077}},
		}}}},
		Events: []ProvenanceEvent{{ID: "suspension", Date: civilMust("2023-02-28"), Parties: []string{"RU"}, Title: "Russia suspends", Source: "https://example.org/news", Evidence: "S"}},
	}
	for _, c := range []struct {
		name string
		node Node
	}{{"labelled", labelledNode{tn, pv, sim}}, {"plain", tn}, {"plain", labelledNode{tn, nil, sim}}} {
		h, err := New(Options{Node: c.node})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		for _, p := range []string{"/treaties", "/history", "/verify", "/nowhere"} {
			_, body := get(t, srv, p, "Authorization", "Bearer public")
			b := all(doc(t, body), "div", "data-banner")
			switch {
			case c.name == "plain" && len(b) > 0:
				t.Errorf("%s %s: a banner", c.name, p)
			case c.name == "labelled" && (len(b) != 1 || !strings.Contains(text(b[0]), "Test data · simulated clock: 2016-03-02 12:00:00Z") ||
				len(all(b[0], "a", "")) != 1 || attr(all(b[0], "a", "")[0], "href") != "/about-data"):
				t.Errorf("%s %s: banner %q", c.name, p, text(b[0]))
			}
		}
		resp, body := get(t, srv, "/about-data", "Authorization", "Bearer public")
		if c.name == "plain" {
			if resp.StatusCode != 404 {
				t.Errorf("plain /about-data: %d", resp.StatusCode)
			}
			srv.Close()
			continue
		}
		d := doc(t, body)
		rows := all(byID(d, "provenance-US"), "tr", "row-synthetic")
		if resp.StatusCode != 200 || len(rows) != 1 {
			t.Fatalf("/about-data: %d, %d synthetic rows", resp.StatusCode, len(rows))
		}
		got := text(rows[0])
		for _, want := range []string{"2016-03-01", "synthetic declaration", "1,481", "official", "873", "synthetic", "the midpoint of two releases", "2,077 synthetic"} {
			if !strings.Contains(got, want) {
				t.Errorf("/about-data: the row %q lacks %q", got, want)
			}
		}
		// The columns in the treaty's order of totals: the treaty's
		// launchers come after its warheads.
		if cells := all(rows[0], "td", ""); len(cells) != 3 || attr(cells[0], "data-provenance") != "official" || attr(cells[1], "data-provenance") != "synthetic" {
			t.Errorf("/about-data: cells %d", len(cells))
		}
		if ev := all(d, "tr", ""); !strings.Contains(body, `data-event="suspension"`) || len(ev) == 0 {
			t.Error("/about-data: no timeline")
		}
		for _, want := range []string{"https://example.org/release", "https://example.org/news", "a note on the data", "a clock of the test", `href="/test/provenance"`} {
			if !strings.Contains(body, want) {
				t.Errorf("/about-data lacks %q", want)
			}
		}
		// Today is the node's: New START in force in 2016, not expired.
		_, body = get(t, srv, "/treaties", "Authorization", "Bearer public")
		inForce := false
		for _, tr := range all(doc(t, body), "tr", "") {
			if ids := all(tr, "span", "id"); len(ids) == 1 && text(ids[0]) == "new-start" {
				inForce = len(all(tr, "span", "status-in-force")) == 1
			}
		}
		if !inForce {
			t.Error("/treaties on the node's clock of 2016: New START not in force")
		}
		srv.Close()
	}
}
