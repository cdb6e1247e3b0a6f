package server_test

// The dashboard as a node serves it, in a real headless Chromium (see
// browser_test.go for what it needs): every page of both nodes on a
// laptop and a phone, with the numbers they must show; overview → party →
// item → notification → Verify, valid and witnessed; a tampered receipt
// that Verify refuses; the Impact page's sliders. Screenshots go where
// TestBrowser's go (TALLY_SCREENSHOTS, or the temporary directory it
// names).

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tally-project/tally/aggregates"
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/impact"
	"github.com/tally-project/tally/server"
	"github.com/tally-project/tally/server/internal/nodetest"
	"github.com/tally-project/tally/treaty"
)

func TestNodeBrowser(t *testing.T) {
	t.Parallel()
	browser := server.StartBrowser(t)
	g := regime(t)
	t.Run("pages", func(t *testing.T) { nodePages(t, browser, g) })
	t.Run("click-through", func(t *testing.T) {
		for _, p := range nodetest.Parties {
			clickThrough(t, browser, g, p.ID)
		}
	})
	t.Run("tampered", func(t *testing.T) { tampered(t, browser, g) })
	t.Run("sliders", func(t *testing.T) { sliders(t, browser, g) })
	t.Run("no-javascript", func(t *testing.T) { nodeNoJS(t, browser, g) })
}

// signIn opens a tab on party's node signed in with token through the
// sign-in form.
func signIn(t *testing.T, browser context.Context, g *nodetest.Regime, party, token string, v struct {
	Name          string
	Width, Height int64
	Mobile        bool
}) context.Context {
	t.Helper()
	ctx := server.NewTab(t, browser)
	server.Do(t, ctx, server.Emulate(v), chromedp.Navigate(g.URL[party]+"login"), chromedp.WaitReady(chromedp.CSS("footer")))
	server.Do(t, ctx, chromedp.SetValue(chromedp.ID("token"), token))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.login-form button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	if got := server.Eval[string](t, ctx, `document.querySelector(".site-status").innerText`); !strings.Contains(got, "operator ("+party+")") && !strings.Contains(got, "inspector") {
		t.Fatalf("signed in as %q", got)
	}
	return ctx
}

func js(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// officialCells is what the verdicts table must show for party on date:
// the official totals, each marked official.
func officialCells(t *testing.T, party string, date civil.Date) []string {
	for _, r := range aggregates.NewSTART() {
		if r.Date == date && r.Party == party {
			var out []string
			for _, id := range aggregates.Totals {
				out = append(out, treaty.FormatInt(r.Totals[id]))
			}
			return out
		}
	}
	t.Fatalf("no official row for %s on %s", party, date)
	return nil
}

// nodePages loads every page of both nodes, as each node's operator, on
// a laptop and a phone, checks what they show and photographs them.
func nodePages(t *testing.T, browser context.Context, g *nodetest.Regime) {
	smp := sampleOf(t, g)
	for _, vp := range server.Viewports {
		for _, self := range nodetest.Parties {
			t.Run(vp.Name+"-"+self.ID, func(t *testing.T) {
				ctx := signIn(t, browser, g, self.ID, g.Operator[self.ID], vp)
				other := "RU"
				if self.ID == "RU" {
					other = "US"
				}
				declared := civil.MustParse("2020-09-01")
				checks := []struct {
					path   string
					charts int
					checks []string
				}{
					{"/?date=" + declared.String(), 6, []string{
						// The official totals of a declaration date, marked official.
						js(`[...document.querySelectorAll("table.verdicts-table tbody tr")].filter(r => r.querySelector("th").innerText.includes("(US)") && r.querySelector("th").innerText.includes("as declared"))[0].querySelectorAll("td .cell__total .fact")[1].innerText === %q`, officialCells(t, "US", declared)[1]),
						js(`[...document.querySelectorAll("table.verdicts-table tbody tr")].filter(r => r.querySelector("th").innerText.includes("(RU)") && r.querySelector("th").innerText.includes("as declared"))[0].innerText.includes(%q)`, officialCells(t, "RU", declared)[1]),
						`[...document.querySelectorAll("table.verdicts-table .flag-official")].length >= 6`,
						// RU's reading of US forces, side by side.
						`document.querySelector("table.verdicts-table").innerText.includes("as RU reads them")`,
						js(`Chart.getChart(document.getElementById("bars-deployed-warheads")).data.datasets[0].data[0] === %s`, strings.ReplaceAll(officialCells(t, "US", declared)[1], ",", "")),
						`Chart.getChart(document.getElementById("lines-deployed-warheads")).data.datasets.some(d => d.kind === "deadline")`,
						`Chart.getChart(document.getElementById("lines-deployed-warheads")).data.datasets.some(d => d.kind === "limit" && d.data[0].y === 1550)`,
					}},
					{"/", 6, []string{`document.querySelector("h1").innerText === "Overview"`, `document.querySelectorAll("table.series tbody tr").length > 25`}},
					{"/forces", 0, []string{js(`document.querySelector("h1").innerText.includes("(%s)")`, self.ID),
						// The operator's own loadings.
						`document.querySelector("table.items thead").innerText.includes("PRIVATE")`}},
					{"/forces?party=" + other, 0, []string{`!document.querySelector("table.items thead").innerText.includes("PRIVATE")`}},
					{"/forces/" + self.ID + "/items/" + smp.changed[self.ID], 0, []string{`document.querySelectorAll("table.item-history tbody tr").length >= 2`}},
					{"/notifications", 1, []string{`document.querySelectorAll("table.timeline tbody tr").length >= 10`, `document.querySelectorAll("#list-caption").length === 1`}},
					{js("/notifications/%s/%d", other, smp.index[other]), 0, []string{`document.getElementById("receipt").value.startsWith("c2sp.org/tlog-proof@v1")`}},
					{"/logs", 0, []string{`document.querySelectorAll(".card.log").length === 2`, `[...document.querySelectorAll(".card.log")].every(c => c.innerText.includes("witnessed"))`}},
					{"/impact", 0, []string{`document.querySelectorAll("table.impact tbody").length >= 2`, `document.getElementById("i-forces").value === "node"`}},
					{"/history", 3, nil},
					{"/verify", 0, nil},
					{"/treaties", 0, nil},
				}
				for _, c := range checks {
					t0 := time.Now()
					server.Do(t, ctx, chromedp.Navigate(g.URL[self.ID]+strings.TrimPrefix(c.path, "/")), chromedp.WaitReady(chromedp.CSS("footer")))
					if c.charts > 0 {
						if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js(`document.querySelectorAll("canvas[data-chart]").length === %d && [...document.querySelectorAll("canvas[data-chart]")].every(c => window.Chart && Chart.getChart(c))`, c.charts), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
							t.Fatalf("%s: the charts were not drawn: %v", c.path, err)
						}
					}
					for _, check := range c.checks {
						if !server.Eval[bool](t, ctx, check) {
							t.Errorf("%s %s: %s", vp.Name, c.path, check)
						}
					}
					if w := server.Eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
						t.Errorf("%s %s: the page is %dpx wider than the screen", vp.Name, c.path, w)
					}
					t1 := time.Now()
					server.Screenshot(t, ctx, fmt.Sprintf("node-%s-%s-%s", strings.ToLower(self.ID), vp.Name, shotName(c.path)))
					t.Logf("TIMING %s %s: load+checks %v, screenshot %v", vp.Name, c.path, t1.Sub(t0), time.Since(t1))
				}
			})
		}
	}
}

func shotName(path string) string {
	s := strings.Trim(strings.NewReplacer("/", "-", "?", "-", "=", "-", "&", "-").Replace(path), "-")
	if s == "" {
		return "overview"
	}
	return s
}

// clickThrough: overview → the party → one of its items → a notification
// that changed it → Verify: valid and witnessed, checked in the browser.
func clickThrough(t *testing.T, browser context.Context, g *nodetest.Regime, party string) {
	ctx := signIn(t, browser, g, party, g.Operator[party], server.Viewports[0])
	server.Do(t, ctx, chromedp.Navigate(g.URL[party]+"?date=2020-09-01"), chromedp.WaitReady(chromedp.CSS("footer")))
	click := func(sel, what string) {
		t.Helper()
		if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
			t.Fatalf("%s: clicking %s (%s): %v", party, what, sel, err)
		}
	}
	click(js(`.verdicts h3 a[href^="/forces?party=%s"]`, party), "the party")
	if h1 := server.Eval[string](t, ctx, `document.querySelector("h1").innerText`); !strings.Contains(h1, "("+party+") on 2020-09-01") {
		t.Fatalf("%s: after clicking the party: %q", party, h1)
	}
	click(`table.items tbody a.uid`, "an item")
	uid := server.Eval[string](t, ctx, `document.querySelector("h1 .uid").innerText`)
	if !strings.HasPrefix(uid, party+"-") {
		t.Fatalf("%s: after clicking an item: %q", party, uid)
	}
	// The last change of the item, and its notification.
	click(`table.item-history tbody tr:last-child a[href^="/notifications/"]`, "a notification")
	if h1 := server.Eval[string](t, ctx, `document.querySelector("h1").innerText`); !strings.HasPrefix(h1, party+" notification") {
		t.Fatalf("%s: after clicking the notification: %q", party, h1)
	}
	if !server.Eval[bool](t, ctx, js(`document.getElementById("entry-text").value.includes(%q)`, uid)) && !server.Eval[bool](t, ctx, `document.querySelector(".lead").innerText.includes("database")`) {
		t.Errorf("%s: the notification does not name %s", party, uid)
	}
	server.Do(t, ctx, chromedp.WaitEnabled(chromedp.ID("verify-button")), chromedp.Click(chromedp.ID("verify-button")))
	outcome(t, ctx, party+" valid", "✓ Valid and witnessed", "✓ ok Entry: the receipt is about this entry")
	server.Screenshot(t, ctx, "node-"+strings.ToLower(party)+"-click-verify")
}

// outcome waits for Verify's outcome and checks it.
func outcome(t *testing.T, ctx context.Context, name, title, check string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.ID("outcome")))
	cancel()
	if err != nil {
		t.Fatalf("%s: no outcome shown: %v", name, err)
	}
	got := server.Eval[string](t, ctx, `document.getElementById("outcome-title").innerText`)
	checks := server.Eval[string](t, ctx, `document.getElementById("outcome-checks").innerText.replace(/\s+/g, " ")`)
	if got != title || !strings.Contains(checks, check) {
		t.Errorf("%s: %q, checks %q; want %q with %q (%s)", name, got, checks, title, check, server.Eval[string](t, ctx, `document.getElementById("outcome-reason").innerText`))
	}
}

// tampered: one byte of the receipt's proof changed in the page, or a
// regime whose key is not the log's: Verify refuses, in the browser.
func tampered(t *testing.T, browser context.Context, g *nodetest.Regime) {
	smp := sampleOf(t, g)
	ctx := signIn(t, browser, g, "RU", g.Inspector, server.Viewports[1])
	server.Do(t, ctx, chromedp.Navigate(g.URL["RU"]+js("notifications/US/%d", smp.index["US"])), chromedp.WaitEnabled(chromedp.ID("verify-button")))
	// The fourth line is the first hash of the inclusion proof.
	server.Eval[bool](t, ctx, `(() => { const r = document.getElementById("receipt"); const l = r.value.split("\n");
		l[3] = (l[3][0] === "A" ? "B" : "A") + l[3].slice(1); r.value = l.join("\n"); return true })()`)
	server.Do(t, ctx, chromedp.Click(chromedp.ID("verify-button")))
	outcome(t, ctx, "a flipped proof hash", "✗ Not valid", "✗ failed Inclusion proof")
	server.Screenshot(t, ctx, "node-ru-phone-verify-tampered")
	// The receipt intact, but a regime with another key for the log.
	server.Do(t, ctx, chromedp.Navigate(g.URL["RU"]+js("notifications/US/%d", smp.index["US"])), chromedp.WaitEnabled(chromedp.ID("verify-button")))
	other := g.Regime.Party("RU").Keys.Checkpoint[0].Key
	server.Eval[bool](t, ctx, js(`(() => { const r = document.getElementById("regime"); r.value = r.value.replace(%q, %q); return true })()`,
		g.Regime.Party("US").Keys.Checkpoint[0].Key, strings.Replace(other, "tally.ru/log", "tally.us/log", 1)))
	server.Eval[bool](t, ctx, `document.getElementById("outcome").hidden = true`)
	server.Do(t, ctx, chromedp.Click(chromedp.ID("verify-button")))
	title := server.Eval[string](t, ctx, `new Promise(ok => { const f = () => { const o = document.getElementById("outcome"); if (!o.hidden) ok(document.getElementById("outcome-title").innerText); else setTimeout(f, 50) }; f() })`)
	if !strings.HasPrefix(title, "✗") {
		t.Errorf("a regime with another key for US's log: %q", title)
	}
}

// sliders: the Impact page with bundled forces (which the test can count
// itself) and the node's; moving the warheads slider changes the impact
// to what package impact gives for that value, dragged and by keyboard.
func sliders(t *testing.T, browser context.Context, g *nodetest.Regime) {
	ctx := signIn(t, browser, g, "US", g.Operator["US"], server.Viewports[0])
	const forcesName = "us-2020-09-01"
	f, err := forces.Bundled(forcesName)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.At(f.AsOf())
	if err != nil {
		t.Fatal(err)
	}
	var ps []*treaty.Treaty
	for _, id := range []string{"new-start", "deep-cuts-500"} {
		tr, err := treaty.Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, tr)
	}
	prep, err := impact.Prepare(impact.Input{Proposals: ps, Sides: []impact.Side{{State: st, Forces: forcesName}}, Date: f.AsOf()})
	if err != nil {
		t.Fatal(err)
	}
	server.Do(t, ctx, chromedp.Navigate(g.URL["US"]+"impact?forces="+forcesName+"&p=new-start&p=deep-cuts-500"), chromedp.WaitReady(chromedp.CSS("footer")))
	expect := func(what string, set map[string]int64) {
		t.Helper()
		rep := prep.Compute(set)
		for pi, p := range ps {
			c := rep.Cell(0, pi)
			for _, l := range c.Limits {
				if l.ID != "deployed-warheads" {
					continue
				}
				key := js("0-%s-%s", p.ID, l.ID)
				over := "within"
				if l.Over > 0 {
					over = treaty.FormatInt(l.Over) + " over"
				}
				got := server.Eval[[]string](t, ctx, js(`[...document.querySelectorAll('td[data-key=%q] [data-f]')].filter(e => ["total","max","over"].includes(e.dataset.f)).map(e => e.innerText)`, key))
				want := []string{treaty.FormatInt(l.Total), treaty.FormatInt(l.Max), over}
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("%s, %s: %v, want %v", what, p.ID, got, want)
				}
				if l.Met != nil && l.Over > 0 && !server.Eval[bool](t, ctx, js(`document.querySelector('td[data-key=%q] [data-f=met]').innerText.includes(%q)`, key, l.Met.String())) {
					t.Errorf("%s, %s: met not %s: %s", what, p.ID, l.Met, server.Eval[string](t, ctx, js(`document.querySelector('td[data-key=%q] [data-f=met]').innerText`, key)))
				}
			}
			complies := "already"
			switch {
			case c.Within:
			case c.Complies == nil:
				complies = "never: " + c.Never
			default:
				complies = c.Complies.String()
			}
			if got := server.Eval[string](t, ctx, js(`document.querySelector('td[data-key="0-%s"] [data-f=complies]').innerText`, p.ID)); got != complies {
				t.Errorf("%s, %s: complies %q, want %q", what, p.ID, got, complies)
			}
		}
	}
	expect("as loaded", nil)
	// Drag the slider to 1,000.
	server.Eval[bool](t, ctx, `(() => { const s = document.getElementById("set-deployed-warheads"); s.value = 1000; s.dispatchEvent(new Event("input", {bubbles: true})); return true })()`)
	waitUpdated(t, ctx, 1)
	if !server.Eval[bool](t, ctx, `document.getElementById("use-deployed-warheads").checked && document.getElementById("out-deployed-warheads").innerText === "1,000"`) {
		t.Error("the slider's value or box did not follow")
	}
	expect("at 1,000", map[string]int64{"deployed-warheads": 1000})
	server.Screenshot(t, ctx, "node-us-laptop-impact-1000")
	// The keyboard: one step down.
	server.Do(t, ctx, chromedp.Focus(chromedp.ID("set-deployed-warheads")), chromedp.KeyEvent(kb.ArrowLeft))
	waitUpdated(t, ctx, 2)
	step := server.Eval[int](t, ctx, `+document.getElementById("set-deployed-warheads").step`)
	expect("one step down by the keyboard", map[string]int64{"deployed-warheads": int64(1000 - step)})
	if !strings.Contains(server.Eval[string](t, ctx, `location.search`), "set.deployed-warheads=") {
		t.Error("the address does not keep the slider's value")
	}
	// The node's own forces: the US total as the node counts it.
	server.Do(t, ctx, chromedp.Navigate(g.URL["US"]+"impact?forces=node&p=new-start&at=2020-09-01"), chromedp.WaitReady(chromedp.CSS("footer")))
	want := officialCells(t, "US", civil.MustParse("2020-09-01"))[1]
	if got := server.Eval[string](t, ctx, `document.querySelector('td[data-key="0-new-start-deployed-warheads"] [data-f=total]').innerText`); got != want {
		t.Errorf("the node's forces: US deployed warheads %q, want %q", got, want)
	}
}

func waitUpdated(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js(`+(document.getElementById("impact-form").dataset.updated || 0) >= %d`, n), chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the impact was not updated (%s): %v", server.Eval[string](t, ctx, `document.getElementById("impact-state").innerText`), err)
	}
}

// Without JavaScript the node pages are tables and forms: the overview's
// numbers are there, and the Impact form works out the slider's value on
// submit.
func nodeNoJS(t *testing.T, browser context.Context, g *nodetest.Regime) {
	ctx := signIn(t, browser, g, "US", g.Inspector, server.Viewports[0])
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	server.Do(t, ctx, chromedp.Navigate(g.URL["US"]+"?date=2020-09-01"), chromedp.WaitReady(chromedp.CSS("footer")))
	if !server.Eval[bool](t, ctx, js(`document.querySelector("table.verdicts-table").innerText.includes(%q) && document.body.innerText.includes("The charts need JavaScript")`, officialCells(t, "US", civil.MustParse("2020-09-01"))[1])) {
		t.Error("the overview without JavaScript")
	}
	server.Do(t, ctx, chromedp.Navigate(g.URL["US"]+"impact?forces=us-2020-09-01&p=deep-cuts-500"), chromedp.WaitReady(chromedp.CSS("footer")))
	server.Do(t, ctx, chromedp.SetValue(chromedp.ID("set-deployed-warheads"), "700"), chromedp.Click(chromedp.ID("use-deployed-warheads")))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#impact-form button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	if got := server.Eval[string](t, ctx, `document.querySelector('td[data-key="0-deep-cuts-500-deployed-warheads"] [data-f=max]').innerText`); got != "700" {
		t.Errorf("the Impact form without JavaScript: the maximum is %q", got)
	}
	server.Screenshot(t, ctx, "node-us-nojs-impact")
}
