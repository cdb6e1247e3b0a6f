package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
)

// Every route of the table, with every role: the roles it names get an
// answer, the others 403; an unknown token gets 401; errors are
// application/problem+json naming the field; item-level data never reaches
// an observer, and per-missile loadings reach only the owner's operator.
func TestRoutesByRole(t *testing.T) {
	c := newCluster(t, "US", "RU")
	c.start("US")
	ctx := context.Background()
	d, ls := initialOf(t, "US", 3)
	if _, err := c.client("US").Send(ctx, c.author("US"), []exchange.Draft{draft(t, exchange.InitialDeclaration, "2011-02-05", d)}, map[int][]exchange.Loading{0: ls}); err != nil {
		t.Fatal(err)
	}
	base := "http://" + c.addrs["US"]
	tokens := map[Role]string{RoleOperator: c.tokens["US"].Token, RoleInspector: c.insp.Token, RoleObserver: ""}
	paths := map[string]string{"party": "US", "seq": "1", "index": "0", "uid": uid("US", "M", 1), "declaration": "1"}
	for _, rt := range Routes() {
		path := rt.Path
		for k, v := range paths {
			path = strings.ReplaceAll(path, "{"+k+"}", v)
		}
		for role, tok := range tokens {
			var body io.Reader
			if rt.Method == "POST" {
				body = strings.NewReader(`{"envelopes":["not an envelope"]}`)
			}
			req, _ := http.NewRequest(rt.Method, base+path, body)
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			allowed := rt.Allows(role)
			switch {
			case !allowed && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s %s as %s: %d, want 403", rt.Method, path, role, resp.StatusCode)
			case allowed && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode >= 500):
				t.Errorf("%s %s as %s: %d %s", rt.Method, path, role, resp.StatusCode, data)
			case allowed && rt.Method == "GET" && resp.StatusCode != http.StatusOK:
				t.Errorf("%s %s as %s: %d %s", rt.Method, path, role, resp.StatusCode, data)
			}
			if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s as %s: an error as %s", rt.Method, path, role, resp.Header.Get("Content-Type"))
			}
			if role == RoleObserver && resp.StatusCode == http.StatusOK && (strings.Contains(string(data), `"uids"`) || strings.Contains(string(data), uid("US", "M", 1))) {
				t.Errorf("%s %s: an observer sees item-level data: %.200s", rt.Method, path, data)
			}
			if role != RoleOperator && strings.Contains(string(data), `"warheads":`) && strings.Contains(path, "/forces/") && strings.Contains(string(data), `"uid"`) {
				var fv ForcesView
				json.Unmarshal(data, &fv)
				for _, it := range fv.Items {
					if it.Warheads != nil {
						t.Errorf("%s %s as %s: a per-missile loading: %+v", rt.Method, path, role, it)
					}
				}
			}
		}
	}
	// An unknown token.
	req, _ := http.NewRequest("GET", base+APIPrefix+"/status", nil)
	req.Header.Set("Authorization", "Bearer not-a-token-of-this-node")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown token: %d", resp.StatusCode)
	}
	// A bad parameter names itself.
	var pe *ProblemError
	err = c.inspector("US").Get(ctx, APIPrefix+"/forces/US?date=yesterday", nil)
	if !asProblem2(err, &pe) || pe.Status != 400 || pe.Field != "date" {
		t.Fatalf("a bad date: %v", err)
	}
	err = c.inspector("US").Get(ctx, APIPrefix+"/forces/XX", nil)
	if !asProblem2(err, &pe) || pe.Status != 404 {
		t.Fatalf("an unknown party: %v", err)
	}
	// A refused submission names the envelope and the field.
	err = c.client("US").Do(ctx, "POST", APIPrefix+"/notifications", SubmitRequest{Envelopes: []string{"tally.notification/v1\nparty US\n"}}, nil)
	if !asProblem2(err, &pe) || pe.Status != 422 || len(pe.Errors) != 1 || pe.Errors[0].Field != "signature" {
		t.Fatalf("a malformed envelope: %v", err)
	}
	err = c.client("US").Do(ctx, "POST", APIPrefix+"/notifications", map[string]any{"envelopes": []string{}, "colour": 1}, nil)
	if !asProblem2(err, &pe) || pe.Status != 400 || pe.Field != "colour" {
		t.Fatalf("an unknown field: %v", err)
	}
	// The operator of the node's party sees its own loadings.
	var fv ForcesView
	if err := c.client("US").Get(ctx, APIPrefix+"/forces/US?date=2011-03-01", &fv); err != nil || !fv.Private {
		t.Fatalf("operator forces: %v %+v", err, fv)
	}
	// Health and metrics.
	for _, p := range []string{"/healthz", "/metrics"} {
		resp, err := http.Get(base + p)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", p, err, resp)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if p == "/metrics" && !strings.Contains(string(data), "tally_appended_total 1") {
			t.Fatalf("metrics: %.500s", data)
		}
	}
}

func asProblem2(err error, pe **ProblemError) bool {
	p, ok := err.(*ProblemError)
	*pe = p
	return ok
}

// With the other party down, notifications go unacknowledged; past the
// deadline they are listed, naming who has not acknowledged.
func TestUnacknowledged(t *testing.T) {
	c := newCluster(t, "US", "RU", "CN")
	c.start("US")
	c.start("CN")
	n := c.nodes["US"]
	n.cfg.AckDeadline = 300 * time.Millisecond
	ctx := context.Background()
	d, ls := initialOf(t, "US", 1)
	if _, err := c.client("US").Send(ctx, c.author("US"), []exchange.Draft{draft(t, exchange.InitialDeclaration, "2011-02-05", d),
		draft(t, exchange.StatusChange, "2011-03-01", forces.Event{Date: civil.MustParse("2011-03-01"), Op: forces.OpStatus, UIDs: []string{uid("US", "M", 1)}, Status: forces.NonDeployed})},
		map[int][]exchange.Loading{0: ls}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error {
		vs, err := n.Notifications(ctx, inspector, NotificationFilter{Unacknowledged: true})
		if err != nil {
			return err
		}
		if len(vs) != 2 {
			return fmt.Errorf("%d unacknowledged", len(vs))
		}
		for _, v := range vs {
			if len(v.AckedBy) != 1 || v.AckedBy[0] != "CN" || len(v.Unacknowledged) != 1 || v.Unacknowledged[0] != "RU" {
				return fmt.Errorf("seq %d: acked by %v, not by %v", v.Seq, v.AckedBy, v.Unacknowledged)
			}
		}
		return nil
	})
	// RU comes up, replicates and acknowledges: nothing is left.
	c.start("RU")
	eventually(t, 20*time.Second, func() error {
		vs, err := n.Notifications(ctx, inspector, NotificationFilter{Unacknowledged: true})
		if err != nil {
			return err
		}
		if len(vs) != 0 {
			return fmt.Errorf("%d unacknowledged", len(vs))
		}
		return nil
	})
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "node.yaml")
	os.WriteFile(p, []byte("party: US\naddr: 127.0.0.1:9\nack_deadline: 2h\ntokens:\n  - {role: operator, token: a-long-enough-token-1}\n  - {role: boss, token: a-long-enough-token-2}\ncolour: red\n"), 0o644)
	_, err := LoadConfigFile(p)
	if err == nil || !strings.Contains(err.Error(), "node.yaml:7:1: colour") {
		t.Fatalf("unknown field: %v", err)
	}
	os.WriteFile(p, []byte("party: US\nack_deadline: soon\ntokens:\n  - {role: boss, token: a-long-enough-token-2}\n"), 0o644)
	_, err = LoadConfigFile(p)
	if err == nil || !strings.Contains(err.Error(), "node.yaml:2:15: ack_deadline") || !strings.Contains(err.Error(), "node.yaml:4:5: tokens[0]: role \"boss\"") {
		t.Fatalf("bad values: %v", err)
	}
	os.WriteFile(p, []byte("party: US\nack_deadline: 2h\ntokens:\n  - {role: inspector, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08}\n"), 0o644)
	fc, err := LoadConfigFile(p)
	if err != nil || fc.Party != "US" || fc.AckDeadline != "2h" || fc.Tokens[0].Role != RoleInspector {
		t.Fatalf("config: %v %+v", err, fc)
	}
	ts := newTokenSet(fc.Tokens, "US")
	if a, ok := ts.lookup("Bearer test"); !ok || a.Role != RoleInspector {
		t.Fatalf("a token given by its hash: %v %+v", ok, a)
	}
}
