package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/treaty"
)

// testNow is the dashboard's clock in tests: New START in force, START I
// expired, SORT superseded.
var testNow = time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)

// newTestServer serves the dashboard without a node on 127.0.0.1.
func newTestServer(t testing.TB) *httptest.Server {
	t.Helper()
	h, err := New(Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches a path and returns the response and its body.
func get(t testing.TB, srv *httptest.Server, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// Go's transport would ask for gzip and undo it itself; tests that
	// check compression ask explicitly.
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// doc parses a page.
func doc(t testing.TB, body string) *html.Node {
	t.Helper()
	n, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// walk calls f on n and every node below it, in document order.
func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

// all returns the elements below n matching tag (any tag for "") and,
// when given, having class cls.
func all(n *html.Node, tag, cls string) []*html.Node {
	var out []*html.Node
	walk(n, func(m *html.Node) {
		if m.Type == html.ElementNode && (tag == "" || m.Data == tag) && (cls == "" || hasClass(m, cls)) {
			out = append(out, m)
		}
	})
	return out
}

func byID(n *html.Node, id string) *html.Node {
	var found *html.Node
	walk(n, func(m *html.Node) {
		if found == nil && m.Type == html.ElementNode && attr(m, "id") == id {
			found = m
		}
	})
	return found
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

func hasClass(n *html.Node, cls string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == cls {
			return true
		}
	}
	return false
}

// text is the text content of n, with runs of white space made one space.
func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(m *html.Node) {
		if m.Type == html.TextNode {
			b.WriteString(m.Data)
			b.WriteByte(' ')
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

// nextElement is the next element sibling of n, or nil.
func nextElement(n *html.Node) *html.Node {
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		if s.Type == html.ElementNode {
			return s
		}
	}
	return nil
}

func civilOf(t time.Time) civil.Date { return civil.Of(t) }

func civilMust(s string) civil.Date { return civil.MustParse(s) }

func itoa(n int) string { return treaty.FormatInt(int64(n)) }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
