package server

import (
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"
)

// pagePaths are every page of the dashboard without a node, with the
// status each answers.
var pagePaths = []struct {
	Path   string
	Status int
}{
	{"/", 200}, {"/forces", 200}, {"/notifications", 200}, {"/logs", 200},
	{"/treaties", 200}, {"/treaties/new-start", 200}, {"/treaties/start-1", 200}, {"/treaties/sort", 200},
	{"/treaties/joint-understanding-2009", 200}, {"/treaties/deep-cuts-500", 200},
	{"/treaties/diff?a=new-start&b=deep-cuts-500", 200}, {"/treaties/diff?a=start-1&b=sort", 200},
	{"/treaties/compare", 200}, {"/treaties/compare?forces=ussr-1990-09-01&t=start-1&t=new-start", 200},
	{"/treaties/compare?forces=us-2020-09-01&at=2020-02-30", 400},
	{"/history", 200}, {"/verify", 200}, {"/missing", 404},
}

// The checks of accessibility that a parser can make, on every page: one
// h1, headings in order, a language, a skip link to main, every control
// labelled, every image and chart with a text alternative, tables with
// captions and scoped headers, references that resolve, unique ids, and
// nothing the Content-Security-Policy would block (inline scripts,
// handlers and styles).
func TestAccessibility(t *testing.T) {
	srv := newTestServer(t)
	for _, p := range pagePaths {
		t.Run(p.Path, func(t *testing.T) {
			resp, body := get(t, srv, p.Path)
			if resp.StatusCode != p.Status {
				t.Fatalf("%d", resp.StatusCode)
			}
			for _, problem := range a11yProblems(doc(t, body)) {
				t.Error(problem)
			}
		})
	}
}

func a11yProblems(d *xhtml.Node) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, sprintf(format, args...)) }

	if h := all(d, "html", ""); len(h) != 1 || attr(h[0], "lang") == "" {
		bad("no html lang")
	}
	if n := len(all(d, "h1", "")); n != 1 {
		bad("%d h1 elements, want 1", n)
	}
	// Headings go down one level at a time.
	level := 0
	walk(d, func(n *xhtml.Node) {
		if n.Type != xhtml.ElementNode || len(n.Data) != 2 || n.Data[0] != 'h' || n.Data[1] < '1' || n.Data[1] > '6' {
			return
		}
		l := int(n.Data[1] - '0')
		if l > level+1 {
			bad("heading %q (h%d) after h%d", text(n), l, level)
		}
		level = l
	})
	// The first link is the skip link, to main.
	links := all(d, "a", "")
	main := all(d, "main", "")
	if len(links) == 0 || attr(links[0], "href") != "#main" || len(main) != 1 || attr(main[0], "id") != "main" {
		bad("the first link does not skip to main")
	}
	ids := map[string]int{}
	walk(d, func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode && attr(n, "id") != "" {
			ids[attr(n, "id")]++
		}
	})
	for id, n := range ids {
		if n > 1 {
			bad("id %q used %d times", id, n)
		}
	}
	labels := map[string]bool{}
	for _, l := range all(d, "label", "") {
		labels[attr(l, "for")] = true
	}
	walk(d, func(n *xhtml.Node) {
		if n.Type != xhtml.ElementNode {
			return
		}
		switch n.Data {
		case "input", "select", "textarea":
			if typ := attr(n, "type"); typ == "hidden" || typ == "submit" || typ == "button" {
				return
			}
			if !labels[attr(n, "id")] && attr(n, "aria-label") == "" && attr(n, "aria-labelledby") == "" {
				bad("%s %q has no label", n.Data, attr(n, "id")+attr(n, "name"))
			}
		case "img":
			if !hasAttr(n, "alt") {
				bad("img %s without alt", attr(n, "src"))
			}
		case "canvas":
			if attr(n, "role") != "img" || attr(n, "aria-label") == "" {
				bad("canvas %q without a text alternative", attr(n, "id"))
			}
		case "a":
			if text(n) == "" && attr(n, "aria-label") == "" {
				bad("link to %s without text", attr(n, "href"))
			}
		case "button":
			if text(n) == "" && attr(n, "aria-label") == "" {
				bad("button without text")
			}
		case "table":
			if len(all(n, "caption", "")) == 0 && attr(n, "aria-label") == "" {
				bad("table without a caption")
			}
			for _, th := range all(n, "th", "") {
				if attr(th, "scope") == "" {
					bad("table header %q without scope", text(th))
				}
			}
		case "script":
			if attr(n, "src") == "" && attr(n, "type") != "application/json" {
				bad("an inline script, which the Content-Security-Policy blocks")
			}
		}
		for _, a := range n.Attr {
			switch {
			case a.Key == "style":
				bad("a style attribute on %s, which the Content-Security-Policy blocks", n.Data)
			case strings.HasPrefix(a.Key, "on"):
				bad("an inline handler %s on %s", a.Key, n.Data)
			case a.Key == "tabindex" && a.Val != "0" && a.Val != "-1":
				bad("tabindex %s on %s", a.Val, n.Data)
			case a.Key == "aria-describedby" || a.Key == "aria-labelledby":
				for _, ref := range strings.Fields(a.Val) {
					if ids[ref] == 0 {
						bad("%s %q on %s refers to no element", a.Key, ref, n.Data)
					}
				}
			case a.Key == "href" && strings.HasPrefix(a.Val, "#") && len(a.Val) > 1 && ids[a.Val[1:]] == 0:
				bad("link to %s, which the page does not have", a.Val)
			}
		}
	})
	// The main navigation is labelled, and marks the current page at most
	// once.
	navs := all(d, "nav", "")
	if len(navs) == 0 || attr(navs[0], "aria-label") == "" {
		bad("no labelled navigation")
	}
	cur := 0
	for _, a := range all(d, "a", "") {
		if attr(a, "aria-current") == "page" {
			cur++
		}
	}
	if cur > 1 {
		bad("%d links marked current", cur)
	}
	return out
}

// The pages with a navigation entry mark it as current.
func TestCurrentPage(t *testing.T) {
	srv := newTestServer(t)
	for _, c := range []struct{ path, label string }{
		{"/", "Overview"}, {"/forces", "Forces"}, {"/notifications", "Notifications"}, {"/logs", "Log"},
		{"/treaties/start-1", "Treaties and proposals"}, {"/treaties/compare", "Treaties and proposals"},
		{"/history", "History"}, {"/verify", "Verify"},
	} {
		_, body := get(t, srv, c.path)
		var got []string
		for _, a := range all(doc(t, body), "a", "") {
			if attr(a, "aria-current") == "page" {
				got = append(got, text(a))
			}
		}
		if len(got) != 1 || got[0] != c.label {
			t.Errorf("%s: current %v, want %s", c.path, got, c.label)
		}
	}
	if _, body := get(t, srv, "/missing"); strings.Contains(body, `aria-current="page"`) {
		t.Error("the 404 page marks a navigation entry as current")
	}
}

// The checks catch what they look for.
func TestAccessibilityChecksCatch(t *testing.T) {
	bad := `<!doctype html><html><body><a href="#x">go</a><h1>A</h1><h1>B</h1><h3>C</h3>
<input id="q"><img src="a.png"><canvas id="c"></canvas><table><tr><th>x</th></tr></table>
<script>alert(1)</script><p style="color:red" onclick="x()" tabindex="3" aria-describedby="nope">p</p>
<span id="d"></span><span id="d"></span><nav></nav><a href="/"></a></body></html>`
	got := strings.Join(a11yProblems(doc(t, bad)), "\n")
	for _, want := range []string{"no html lang", "2 h1 elements", `heading "C" (h3) after h1`, "skip to main",
		`input "q" has no label`, "img a.png without alt", `canvas "c" without a text alternative`, "table without a caption",
		`header "x" without scope`, "inline script", "style attribute", "inline handler onclick", "tabindex 3",
		`"nope" on p refers to no element`, `id "d" used 2 times`, "no labelled navigation", "link to / without text", "link to #x"} {
		if !strings.Contains(got, want) {
			t.Errorf("not caught: %s", want)
		}
	}
}
