package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"

	"github.com/tally-project/tally/catalog"
	"github.com/tally-project/tally/treaty"
)

// sourcedFact is a value shown on a page with the source its footnote
// leads to.
type sourcedFact struct {
	Text, Title string
	// Ref is the footnote number; Source the URL (or citation) of the
	// footnote.
	Ref    string
	Source string
}

// factsIn lists the facts below n and checks that each footnote marker
// leads to a footnote of the page.
func factsIn(t *testing.T, page, n *xhtml.Node) []sourcedFact {
	t.Helper()
	var out []sourcedFact
	for _, f := range all(n, "span", "fact") {
		sf := sourcedFact{Text: text(f), Title: attr(f, "title")}
		sup := nextElement(f)
		if sup == nil || sup.Data != "sup" || !hasClass(sup, "ref") {
			t.Errorf("the value %q has no footnote", sf.Text)
			continue
		}
		a := all(sup, "a", "")[0]
		sf.Ref = text(a)
		li := byID(page, strings.TrimPrefix(attr(a, "href"), "#"))
		if li == nil {
			t.Errorf("the value %q cites footnote %s, which the page does not have", sf.Text, sf.Ref)
			continue
		}
		if links := all(li, "a", ""); len(links) > 0 {
			sf.Source = attr(links[0], "href")
		} else if cite := all(li, "span", "sources__cite"); len(cite) > 0 {
			sf.Source = text(cite[0])
		}
		out = append(out, sf)
	}
	return out
}

// findFact returns the facts with the given text.
func findFact(fs []sourcedFact, text string) []sourcedFact {
	var out []sourcedFact
	for _, f := range fs {
		if f.Text == text {
			out = append(out, f)
		}
	}
	return out
}

func mustPage(t *testing.T, path string, status int) (*xhtml.Node, string) {
	t.Helper()
	srv := newTestServer(t)
	resp, body := get(t, srv, path)
	if resp.StatusCode != status {
		t.Fatalf("GET %s: %d, want %d\n%s", path, resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
	}
	return doc(t, body), body
}

// The catalogue lists every bundled treaty with its dates, each sourced,
// and its status on the dashboard's date.
func TestCatalogue(t *testing.T) {
	d, _ := mustPage(t, "/treaties", http.StatusOK)
	ts, err := treaty.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	rows := all(d, "tbody", "")[0]
	trs := all(rows, "tr", "")
	if len(trs) != len(ts) {
		t.Fatalf("%d rows for %d treaties", len(trs), len(ts))
	}
	for i, tr := range ts {
		row := text(trs[i])
		if !strings.Contains(row, tr.Title()) || !strings.Contains(row, tr.ID) {
			t.Errorf("row %d %q is not %s", i, row, tr.ID)
		}
		st := tr.Status(civilOf(testNow))
		want := map[treaty.StatusCode]string{treaty.InForce: "in force", treaty.Expired: "expired", treaty.Superseded: "superseded", treaty.NeverInForce: "never in force"}[st.Code]
		if !strings.Contains(row, want) {
			t.Errorf("%s: status %q not shown in %q", tr.ID, want, row)
		}
		if eif := tr.Dates.EntryIntoForce; eif != nil {
			fs := findFact(factsIn(t, d, trs[i]), eif.Date.String())
			if len(fs) == 0 || fs[0].Source != eif.Source.Source {
				t.Errorf("%s: entry into force %s not shown with its source %s: %+v", tr.ID, eif.Date, eif.Source.Source, fs)
			}
		}
	}
	// New START is in force on 2021-06-01; START I had expired.
	if row := text(trs[indexOf(ts, "new-start")]); !strings.Contains(row, "in force") || strings.Contains(row, "expired") {
		t.Errorf("new-start: %q", row)
	}
	if row := text(trs[indexOf(ts, "start-1")]); !strings.Contains(row, "expired on 2009-12-05") {
		t.Errorf("start-1: %q", row)
	}
}

func indexOf(ts []*treaty.Treaty, id string) int {
	for i, t := range ts {
		if t.ID == id {
			return i
		}
	}
	return -1
}

// One treaty: every limit, with its value and source, phases, when it
// binds; every rule's sentence; notification timing; inspection quotas;
// what is not modelled.
func TestTreatyPage(t *testing.T) {
	ts, err := treaty.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range ts {
		t.Run(tr.ID, func(t *testing.T) {
			d, body := mustPage(t, "/treaties/"+tr.ID, http.StatusOK)
			if h1 := text(all(d, "h1", "")[0]); h1 != tr.Title() {
				t.Errorf("h1 %q", h1)
			}
			facts := factsIn(t, d, d)
			for _, l := range tr.Limits {
				fs := findFact(facts, bounds(l.Min, l.Max))
				ok := false
				for _, f := range fs {
					ok = ok || f.Source == l.Source.Source
				}
				if !ok {
					t.Errorf("limit %s: %s not shown with its source %s", l.ID, bounds(l.Min, l.Max), l.Source.Source)
				}
				for _, ph := range l.Phases {
					if len(findFact(facts, bounds(ph.Min, ph.Max))) == 0 {
						t.Errorf("limit %s: phase value %s not shown", l.ID, bounds(ph.Min, ph.Max))
					}
				}
			}
			page := text(d)
			for _, r := range tr.Rules {
				if !strings.Contains(page, strings.Join(strings.Fields(r.Says), " ")) {
					t.Errorf("rule %s: its sentence is not on the page", r.ID)
				}
				if !strings.Contains(body, html.EscapeString(string(r.When))) {
					t.Errorf("rule %s: its condition is not on the page", r.ID)
				}
			}
			for _, n := range tr.Notifications {
				if len(findFact(facts, itoa(n.WithinDays)+" days")) == 0 {
					t.Errorf("notification %s: %d days not shown", n.ID, n.WithinDays)
				}
			}
			for _, in := range tr.Inspections {
				fs := findFact(facts, itoa(in.PerYear))
				if len(fs) == 0 || !strings.Contains(page, in.Name) {
					t.Errorf("inspection %s: %d a year not shown", in.ID, in.PerYear)
				}
			}
			for _, o := range tr.Omitted {
				if !strings.Contains(page, strings.Join(strings.Fields(o.Why), " ")) {
					t.Errorf("omission %q: why not shown", o.What)
				}
			}
		})
	}
	// New START's limits bind from 2018-02-05, 84 months after entry
	// into force; on 2021-06-01 they bind.
	d, _ := mustPage(t, "/treaties/new-start", http.StatusOK)
	limits := text(byID(d, "limits").Parent)
	for _, want := range []string{"700", "1,550", "800", "from 2018-02-05 (84 months after entry into force)", "binding"} {
		if !strings.Contains(limits, want) {
			t.Errorf("New START limits: no %q in %q", want, limits)
		}
	}
	// A fact resting on a recalled source says so where it is shown:
	// the containment of SLBM launchers in submarines is [R].
	if c := byID(d, "rules").Parent; !strings.Contains(text(c), "slbm-launcher in submarine (by carrier UID)") ||
		len(all(all(c, "ul", "")[len(all(c, "ul", ""))-1], "abbr", "ev-R")) == 0 {
		t.Error("the recalled containment is not marked R")
	}
	if strings.Contains(limits, "not binding") {
		t.Errorf("New START limits do not bind on %s: %q", testNow, limits)
	}
}

// The treaty file is served as embedded.
func TestTreatyFile(t *testing.T) {
	srv := newTestServer(t)
	resp, body := get(t, srv, "/treaties/start-1.yaml")
	want, err := fs.ReadFile(catalog.FS, path.Join("treaties", "start-1.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || body != string(want) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("start-1.yaml: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	if resp, _ := get(t, srv, "/treaties/nope.yaml"); resp.StatusCode != 404 {
		t.Errorf("nope.yaml: %d", resp.StatusCode)
	}
}

// Two side by side: the facts in two columns, and treaty.Diff in words.
func TestDiff(t *testing.T) {
	d, _ := mustPage(t, "/treaties/diff?a=new-start&b=deep-cuts-500", http.StatusOK)
	a, _ := treaty.Lookup("new-start")
	b, _ := treaty.Lookup("deep-cuts-500")
	page := text(d)
	changes := treaty.Diff(a, b)
	if len(changes) == 0 {
		t.Fatal("no changes to test")
	}
	for _, c := range changes {
		if !strings.Contains(page, strings.Join(strings.Fields(c.Text), " ")) {
			t.Errorf("change %q not on the page", c.Text)
		}
	}
	if !strings.Contains(page, "deployed warheads: 1,550 → 500") {
		t.Error("the warhead change is not in words")
	}
	// The side-by-side row of the warhead limit: 1,550 against 500, both
	// sourced, marked as differing.
	var row *xhtml.Node
	for _, tr := range all(d, "tr", "") {
		if strings.HasPrefix(text(tr), "Limit: deployed warheads") {
			row = tr
		}
	}
	if row == nil || !hasClass(row, "changed") {
		t.Fatalf("no changed row for the warhead limit")
	}
	fs := factsIn(t, d, row)
	if len(fs) != 2 || !strings.HasPrefix(fs[0].Text, "1,550") || !strings.HasPrefix(fs[1].Text, "500") || fs[0].Source != a.Limits[1].Source.Source {
		t.Errorf("warhead row: %+v", fs)
	}

	// The same treaty twice: no differences.
	d, _ = mustPage(t, "/treaties/diff?a=sort&b=sort", http.StatusOK)
	if !strings.Contains(text(d), "No differences") {
		t.Error("a treaty against itself shows differences")
	}
	// An unknown id is the reader's error, named.
	d, _ = mustPage(t, "/treaties/diff?a=new-start&b=start-9", http.StatusBadRequest)
	if e := byID(d, "form-error"); e == nil || !strings.Contains(text(e), `b: there is no bundled treaty or proposal "start-9"`) {
		t.Error("no error for an unknown treaty")
	}
}

// The comparison counts the bundled US forces of 2020 under New START and
// a deep-cut proposal, as the US declared them and as Russia read them:
// the official 675, 1,457 and 800, and Russia's 901 launchers (the 800
// limit "exceeded by 101 units", shared/data/README.md and treaties.md §6).
func TestCompare(t *testing.T) {
	d, _ := mustPage(t, "/treaties/compare", http.StatusOK)
	table := all(d, "table", "compare")
	if len(table) != 1 {
		t.Fatal("no comparison table")
	}
	heads := all(all(table[0], "thead", "")[0], "th", "")
	var cols []string
	for _, th := range heads[1:] {
		cols = append(cols, text(th))
	}
	wantCols := []string{"New START as declared", "New START RU reading (2018-2022 dispute)", "Deep cuts (500) as declared", "Deep cuts (500) RU reading (2018-2022 dispute)"}
	for i, w := range wantCols {
		if i >= len(cols) || !strings.HasPrefix(cols[i], w) {
			t.Fatalf("columns %q, want %q", cols, wantCols)
		}
	}
	cell := func(limit string, col int) string {
		for _, tr := range all(all(table[0], "tbody", "")[0], "tr", "") {
			if strings.HasSuffix(text(all(tr, "th", "")[0]), limit) {
				return text(all(tr, "td", "")[col])
			}
		}
		t.Fatalf("no row %s", limit)
		return ""
	}
	for _, c := range []struct {
		limit string
		col   int
		want  []string
	}{
		{"deployed-delivery-vehicles", 0, []string{"675", "of at most 700", "✓ within", "25 below the maximum"}},
		{"deployed-warheads", 0, []string{"1,457", "of at most 1,550", "✓ within", "93 below"}},
		{"deployed-and-nondeployed-launchers", 0, []string{"800", "of at most 800", "✓ within", "exactly at the maximum"}},
		{"deployed-and-nondeployed-launchers", 1, []string{"901", "of at most 800", "✗ over", "101 over the maximum"}},
		{"deployed-warheads", 2, []string{"1,457", "of at most 500", "not binding (would be over)", "957 over"}},
	} {
		got := cell(c.limit, c.col)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s, %s: no %q in %q", c.limit, cols[c.col], w, got)
			}
		}
	}
	// Every total is sourced: the declared ones to the forces' source, the
	// read ones to the reading's.
	fs := factsIn(t, d, table[0])
	var declared, read bool
	for _, f := range findFact(fs, "800") {
		declared = declared || f.Source == "https://www.globalsecurity.org/wmd/library/news/usa/2020/usa-201201-state01.htm"
	}
	for _, f := range findFact(fs, "901") {
		read = read || f.Source == "https://mid.ru/en/foreign_policy/international_safety/1808707"
	}
	if !declared || !read {
		t.Errorf("totals not cited to the forces and the reading: %+v", fs)
	}
	// What counted, for the 901: the 56 converted tubes read as
	// non-deployed launchers (with the 50 declared), the 41 converted
	// B-52H as deployed bombers, 4 training silos added.
	got := cell("deployed-and-nondeployed-launchers", 1)
	for _, w := range []string{"106 × 1 = 106 : slbm-launcher Trident II non-deployed", "41 × 1 = 41 : heavy-bomber B-52H deployed", "4 × 1 = 4 : icbm-launcher MM-III non-deployed at Vandenberg"} {
		if !strings.Contains(got, w) {
			t.Errorf("the explanation of the 901 does not show %q: %q", w, got)
		}
	}
}

// The form's problems are named by field; a treaty that cannot count the
// forces says why instead of failing the page.
func TestCompareForm(t *testing.T) {
	d, _ := mustPage(t, "/treaties/compare?forces=ussr-1990-09-01&t=start-1&t=new-start", http.StatusOK)
	page := text(d)
	for _, want := range []string{"USSR on 1990-09-01", `"USSR" is not a party to new-start`, "START I as declared"} {
		if !strings.Contains(page, want) {
			t.Errorf("no %q", want)
		}
	}
	for _, c := range []struct{ query, field, want string }{
		{"forces=us-2020-09-01&at=2020-02-30&t=new-start", "err-at", "not a date"},
		{"forces=us-2020-09-01", "err-t", "choose at least one treaty"},
		{"forces=mars&t=new-start", "err-forces", `no bundled forces "mars"`},
		{"forces=ussr-1990-09-01&reading=us-2020-09-01.ru-reading&t=start-1", "err-reading", "not of USSR's"},
		{"forces=us-2020-09-01&t=start-9", "err-t", `no bundled treaty or proposal "start-9"`},
	} {
		d, _ := mustPage(t, "/treaties/compare?"+c.query, http.StatusBadRequest)
		if e := byID(d, c.field); e == nil || !strings.Contains(text(e), c.want) {
			t.Errorf("%s: no %s saying %q", c.query, c.field, c.want)
		}
	}
	// A date chosen: START I under the USSR baseline binds from 1994.
	d, _ = mustPage(t, "/treaties/compare?forces=ussr-1990-09-01&at=2001-12-05&t=start-1", http.StatusOK)
	if page := text(d); !strings.Contains(page, "USSR on 2001-12-05") || strings.Contains(page, "not binding") {
		t.Errorf("START I in 2001: %q", page)
	}
}

// History: every official value in the table with its source, derived
// values marked, values not published said so, and the same numbers in
// the charts' data.
func TestHistory(t *testing.T) {
	d, _ := mustPage(t, "/history", http.StatusOK)
	h, err := loadHistory()
	if err != nil {
		t.Fatal(err)
	}
	table := all(d, "table", "history")[0]
	facts := factsIn(t, d, table)
	body := all(table, "tbody", "")[0]
	rows := all(body, "tr", "")
	if len(rows) != len(h.dates) {
		t.Fatalf("%d rows for %d dates", len(rows), len(h.dates))
	}
	derived := 0
	for i, date := range h.dates {
		cells := all(rows[i], "td", "")
		if got := text(all(rows[i], "th", "")[0]); got != date.String() {
			t.Errorf("row %d: %s", i, got)
		}
		for pi, party := range h.parties {
			r, ok := h.row(date, party)
			for ti, id := range newStartTotals {
				c := cells[pi*len(newStartTotals)+ti]
				cf := factsIn(t, d, c)
				n, has := r.Totals[id]
				switch {
				case !ok:
					if text(c) != "—" {
						t.Errorf("%s %s: %q for no row", date, party, text(c))
					}
				case !has:
					if len(cf) != 1 || cf[0].Text != "not published" || cf[0].Source != r.Source {
						t.Errorf("%s %s %s: %+v, want not published", date, party, id, cf)
					}
				default:
					if len(cf) != 1 || cf[0].Text != treaty.FormatInt(n) || cf[0].Source != r.Source {
						t.Errorf("%s %s %s: %+v, want %d from %s", date, party, id, cf, n, r.Source)
					}
					if r.Derived != strings.Contains(text(c), "derived") {
						t.Errorf("%s %s %s: derived %v not shown", date, party, id, r.Derived)
					}
					if r.Derived {
						derived++
					}
				}
			}
		}
	}
	// Derived: RU 2012-09-01 (3 values), US and RU 2016-03-01 (2 each;
	// their launchers were not published).
	if len(facts) < 3*len(h.rows)-6 || derived != 7 {
		t.Errorf("%d facts, %d derived values", len(facts), derived)
	}
	// The chart data: one chart per total, the same values, the limit and
	// the deadline.
	for _, id := range newStartTotals {
		s := byID(d, "chart-"+id+"-data")
		if s == nil || attr(s, "type") != "application/json" {
			t.Fatalf("no chart data for %s", id)
		}
		var ch chartData
		if err := json.Unmarshal([]byte(text(s)), &ch); err != nil {
			t.Fatalf("%s: %v: %s", id, err, text(s))
		}
		if ch.Deadline == nil || ch.Deadline.Date != "2018-02-05" || ch.Limit == nil || ch.Limit.From != "2018-02-05" {
			t.Errorf("%s: deadline %+v, limit %+v", id, ch.Deadline, ch.Limit)
		}
		if len(ch.Series) != len(h.parties) {
			t.Fatalf("%s: %d series", id, len(ch.Series))
		}
		for i, sr := range ch.Series {
			for _, pt := range sr.Points {
				r, _ := h.row(civilMust(pt.Date), sr.Party)
				n, has := r.Totals[id]
				if has != (pt.Value != nil) || (has && *pt.Value != n) || pt.Derived != r.Derived || pt.Source != r.Source {
					t.Errorf("%s series %d at %s: %+v, want %d (%v)", id, i, pt.Date, pt, n, has)
				}
			}
		}
		canvas := byID(d, "chart-"+id)
		if attr(canvas, "role") != "img" || !strings.Contains(attr(canvas, "aria-label"), "Every value is in the table") {
			t.Errorf("%s: the chart has no text alternative", id)
		}
	}
	var ch chartData
	json.Unmarshal([]byte(text(byID(d, "chart-deployed-warheads-data"))), &ch)
	if ch.Limit.Value != 1550 || *ch.Series[0].Points[0].Value != 1800 || ch.Series[0].Party != "US" {
		t.Errorf("warheads chart: %+v", ch)
	}
}

// The node pages say what they will hold, and that no node is connected.
func TestNodePagesWithoutNode(t *testing.T) {
	for _, p := range []string{"/", "/forces", "/notifications", "/logs"} {
		d, _ := mustPage(t, p, http.StatusOK)
		if !strings.Contains(text(d), "No party node is connected to this dashboard") || !strings.Contains(text(d), "What this page shows") {
			t.Errorf("%s does not say it needs a node", p)
		}
		if len(all(d, "table", "")) != 0 {
			t.Errorf("%s shows a table without data", p)
		}
	}
	d, _ := mustPage(t, "/nowhere", http.StatusNotFound)
	if !strings.Contains(text(d), "There is no page at /nowhere") {
		t.Error("404 page")
	}
}

// The Verify page loads the verifier it names, by hash.
func TestVerifyPage(t *testing.T) {
	d, _ := mustPage(t, "/verify", http.StatusOK)
	var rec wasmRecord
	data, err := fs.ReadFile(staticFS, "static/verify.wasm.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text(d), rec.SHA256) {
		t.Error("the page does not give the verifier's hash")
	}
	form := byID(d, "verify-form")
	if form == nil || !strings.HasPrefix(attr(form, "data-wasm"), "/static/verify.wasm?v=") {
		t.Fatal("no verify form")
	}
	srcs := map[string]bool{}
	for _, s := range all(d, "script", "") {
		srcs[strings.Split(attr(s, "src"), "?")[0]] = true
	}
	if !srcs["/static/wasm_exec.js"] || !srcs["/static/verify.js"] {
		t.Errorf("scripts: %v", srcs)
	}
	// The verifier served is the one the record describes.
	srv := newTestServer(t)
	resp, body := get(t, srv, attr(form, "data-wasm"))
	sum := sha256.Sum256([]byte(body))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/wasm" || hex.EncodeToString(sum[:]) != rec.SHA256 {
		t.Errorf("verify.wasm: %d %s, sha256 %x, want %s", resp.StatusCode, resp.Header.Get("Content-Type"), sum, rec.SHA256)
	}
}

// Static files: compressed when asked, versioned URLs cached for good,
// revalidation by ETag, nothing outside static/.
func TestStatic(t *testing.T) {
	srv := newTestServer(t)
	h, _ := New(Options{})
	a := h.(*dashboard).assets
	for _, name := range []string{"tally.css", "charts.js", "verify.js", "wasm_exec.js", "vendor/chart.umd.min.js", "verify.wasm", "favicon.svg"} {
		url := a.url(name)
		resp, plain := get(t, srv, url)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %d, Cache-Control %q", url, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		resp, zipped := get(t, srv, url, "Accept-Encoding", "br, gzip;q=0.8")
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: not compressed", name)
			continue
		}
		zr, err := gzip.NewReader(strings.NewReader(zipped))
		if err != nil {
			t.Fatal(err)
		}
		unz, _ := io.ReadAll(zr)
		if !bytes.Equal(unz, []byte(plain)) || len(zipped) >= len(plain) {
			t.Errorf("%s: %d bytes compressed to %d, decompressing to the same: %v", name, len(plain), len(zipped), bytes.Equal(unz, []byte(plain)))
		}
		etag := resp.Header.Get("ETag")
		if resp, _ := get(t, srv, url, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s: If-None-Match %s gives %d", name, etag, resp.StatusCode)
		}
		if resp, _ := get(t, srv, "/static/"+name, "Accept-Encoding", "gzip;q=0"); resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s unversioned, gzip refused: %v", name, resp.Header)
		}
	}
	for _, p := range []string{"/static/", "/static/../server.go", "/static/nope.js", "/static/verify.wasm.gz"} {
		if resp, _ := get(t, srv, p); resp.StatusCode != 404 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := get(t, srv, "/static/tally.css"); resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
	req, _ := http.NewRequest("POST", srv.URL+"/treaties", nil)
	if resp, err := srv.Client().Do(req); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /treaties: %v %v", resp.StatusCode, err)
	}
}
