package server_test

// The dashboard as the nodes of the demo regime serve it (`tally serve
// --demo`, regime_test.go), in a real headless Chromium (see
// browser_test.go for what it needs): every page of both nodes on a
// laptop and a phone, with the numbers they must show and the banner that
// says the data are a demo on a simulated clock; /about-data with the
// provenance of every declared total; the Overview's totals marked
// official, derived or synthetic, and Russia's reading of the US forces;
// each party's last notification before it stopped, none late;
// overview → party → item → notification → Verify, valid and witnessed;
// a tampered receipt that Verify refuses; the Impact page's sliders.
// Screenshots go where TestBrowser's go (TALLY_SCREENSHOTS, or the
// temporary directory it names).

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
	"github.com/tally-project/tally/demo"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/impact"
	"github.com/tally-project/tally/node"
	"github.com/tally-project/tally/server"
	"github.com/tally-project/tally/treaty"
)

func TestNodeBrowser(t *testing.T) {
	t.Parallel()
	browser := server.StartBrowser(t)
	r := sharedDemo(t)
	t.Run("pages", func(t *testing.T) { nodePages(t, browser, r) })
	t.Run("click-through", func(t *testing.T) {
		for _, p := range r.Parties {
			clickThrough(t, browser, r, p.ID)
		}
	})
	t.Run("tampered", func(t *testing.T) { tampered(t, browser, r) })
	t.Run("sliders", func(t *testing.T) { sliders(t, browser, r) })
	t.Run("no-javascript", func(t *testing.T) { nodeNoJS(t, browser, r) })
}

// signIn opens a tab on party's node signed in with token through the
// sign-in form.
func signIn(t *testing.T, browser context.Context, r *demo.Regime, party, token string, v struct {
	Name          string
	Width, Height int64
	Mobile        bool
}) context.Context {
	t.Helper()
	ctx := server.NewTab(t, browser)
	server.Do(t, ctx, server.Emulate(v), chromedp.Navigate(urlOf(r, party)+"login"), chromedp.WaitReady(chromedp.CSS("footer")))
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
func nodePages(t *testing.T, browser context.Context, r *demo.Regime) {
	smp := sampleOf(t, r)
	for _, vp := range server.Viewports {
		for _, self := range r.Parties {
			t.Run(vp.Name+"-"+self.ID, func(t *testing.T) {
				ctx := signIn(t, browser, r, self.ID, self.Operator, vp)
				other := "RU"
				if self.ID == "RU" {
					other = "US"
				}
				declared := civil.MustParse("2020-09-01")
				checks := []pageCheck{
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
					{"/about-data", 0, aboutChecks(t, r)},
				}
				if vp.Name == server.Viewports[0].Name {
					checks = append(checks, demoChecks(t, r, self.ID)...)
				}
				for _, c := range checks {
					t0 := time.Now()
					server.Do(t, ctx, chromedp.Navigate(self.URL+strings.TrimPrefix(c.path, "/")), chromedp.WaitReady(chromedp.CSS("footer")))
					if c.charts > 0 {
						if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js(`document.querySelectorAll("canvas[data-chart]").length === %d && [...document.querySelectorAll("canvas[data-chart]")].every(c => window.Chart && Chart.getChart(c))`, c.charts), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
							t.Fatalf("%s: the charts were not drawn: %v", c.path, err)
						}
					}
					for _, check := range append(c.checks, bannerCheck) {
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

// pageCheck is a page to load, the charts it must draw, and what must
// hold on it (JavaScript expressions that are true).
type pageCheck struct {
	path   string
	charts int
	checks []string
}

// bannerCheck holds on every page of a demo node: the banner says the
// data are a demo on a simulated clock, and links to where the
// provenance of each total is.
const bannerCheck = `(() => { const b = document.querySelector("header .data-banner"); return !!b && b.innerText.includes("DEMO DATA") && b.innerText.includes("simulated clock: 2026-") && b.innerText.includes("synthetic") && !!b.querySelector('a[href="/about-data"]') })()`

// rowJS finds the Overview's totals row of party as declared ("") or as
// another party reads them ("RU").
func rowJS(party, by string) string {
	which := `r.querySelector("th").innerText.includes("as declared")`
	if by != "" {
		which = js(`r.querySelector("th").innerText.includes("as %s reads them")`, by)
	}
	return js(`[...document.querySelectorAll("table.verdicts-table tbody tr")].filter(r => r.querySelector("th").innerText.includes("(%s)") && %s)[0]`, party, which)
}

// provenanceOf is the provenance the demo gives each of party's totals
// as of date, in the order of the Overview's columns.
func provenanceOf(t *testing.T, r *demo.Regime, party string, date civil.Date) (flags, values []string) {
	t.Helper()
	for _, pp := range r.Provenance().Parties {
		for _, d := range pp.Declarations {
			if pp.ID != party || d.AsOf != date {
				continue
			}
			for _, id := range aggregates.Totals {
				for _, tot := range d.Totals {
					if tot.ID == id {
						flags = append(flags, string(tot.Provenance))
						values = append(values, treaty.FormatInt(tot.Value))
					}
				}
			}
			return flags, values
		}
	}
	t.Fatalf("the demo has no declaration of %s as of %s", party, date)
	return nil, nil
}

// flagsJS is the flags of a totals row's cells, joined by "|" (as
// written: the page shows them in capitals).
func flagsJS(row string) string {
	return js(`[...%s.querySelectorAll("td.cell")].map(c => (c.querySelector(".flag") || {textContent: "none"}).textContent).join("|")`, row)
}

// totalsJS is the totals of a row's cells, joined by "|".
func totalsJS(row string) string {
	return js(`[...%s.querySelectorAll("td.cell .cell__total .fact")].map(f => f.innerText).join("|")`, row)
}

// aboutChecks: /about-data shows, for each party, every declaration of
// the demo with each total's provenance and value, the synthetic ones
// saying how they were chosen; the regime's timeline with Russia's
// dispute and suspension; the simulated clock.
func aboutChecks(t *testing.T, r *demo.Regime) []string {
	var out []string
	pv := r.Provenance()
	for _, pp := range pv.Parties {
		out = append(out, js(`document.querySelectorAll("#provenance-%s tbody tr").length === %d`, pp.ID, len(pp.Declarations)))
		for _, d := range []string{"2016-03-01", "2020-09-01", "2022-09-01"} {
			flags, values := provenanceOf(t, r, pp.ID, civil.MustParse(d))
			row := js(`document.querySelector('#provenance-%s tr[data-date="%s"]')`, pp.ID, d)
			out = append(out,
				js(`[...%s.querySelectorAll("td[data-provenance]")].map(c => c.dataset.provenance).join("|") === %q`, row, strings.Join(flags, "|")),
				js(`[...%s.querySelectorAll("td[data-provenance] .fact")].map(f => f.innerText).join("|") === %q`, row, strings.Join(values, "|")),
				// A synthetic total says how it was chosen.
				js(`[...%s.querySelectorAll('td[data-provenance="synthetic"]')].every(c => c.querySelector(".sub") && c.querySelector(".sub").innerText.length > 20)`, row))
		}
	}
	return append(out,
		`document.querySelector('#provenance-US tr[data-date="2022-09-01"]').textContent.includes("synthetic declaration")`,
		`!document.querySelector('#provenance-US tr[data-date="2020-09-01"]').textContent.includes("synthetic declaration")`,
		`document.querySelector('tr[data-event="russian-dispute"]').innerText.includes("2018-02-27")`,
		`document.querySelector('tr[data-event="suspension"]').innerText.includes("2023-02-28")`,
		`document.querySelector(".clock__now").innerText >= "2026-02-05"`,
		`document.querySelector("main").innerText.includes("training silos")`,
		`document.querySelectorAll(".sources li").length > 20`)
}

// demoChecks: what the demo's pages must show of its story. The Overview
// marks each declared total official, derived or synthetic, as the demo
// labels it (the US launchers of 2016-03-01 and every total of September
// 2022 are synthetic); on 2018-09-01 the US declares the 800 launchers of
// the limit and Russia's reading makes them 901 (Russia's dispute,
// treaties.md §6). Russia's last notification is dated before its
// suspension of 28 February 2023, the last of the United States before 1
// June 2023, and none is late: on the demo's clock each reached the other
// party in its round, on its simulated day.
func demoChecks(t *testing.T, r *demo.Regime, self string) []pageCheck {
	var out []pageCheck
	for _, d := range []string{"2016-03-01", "2022-09-01"} {
		var cs []string
		for _, p := range []string{"US", "RU"} {
			flags, values := provenanceOf(t, r, p, civil.MustParse(d))
			cs = append(cs, js(`%s === %q`, flagsJS(rowJS(p, "")), strings.Join(flags, "|")), js(`%s === %q`, totalsJS(rowJS(p, "")), strings.Join(values, "|")))
		}
		out = append(out, pageCheck{"/?date=" + d, 6, append(cs, `document.querySelector(".data-legend").textContent.includes("synthetic no figure was published")`)})
	}
	flags, _ := provenanceOf(t, r, "US", civil.MustParse("2016-03-01"))
	if flags[2] != "synthetic" {
		t.Errorf("the US launchers of 2016-03-01 are %s", flags[2])
	}
	off := officialCells(t, "US", civil.MustParse("2018-09-01"))
	out = append(out, pageCheck{"/?date=2018-09-01", 6, []string{
		js(`%s === "official|official|official"`, flagsJS(rowJS("US", ""))),
		js(`%s === %q`, totalsJS(rowJS("US", "")), strings.Join(off, "|")),
		js(`%s === "700|1,439|901"`, totalsJS(rowJS("US", "RU"))),
		js(`%s.querySelectorAll("td.cell")[2].innerText.includes("101 over")`, rowJS("US", "RU")),
		js(`Chart.getChart(document.getElementById("bars-deployed-and-nondeployed-launchers")).data.datasets[0].data.includes(901)`),
	}})
	// The notifications, newest first: the first of each party's that is
	// not a note or a dispute (the role matrix writes those into the
	// shared demo).
	lastJS := `[...document.getElementById("list-caption").closest("table").querySelectorAll("tbody tr")].filter(r => !["note/v1", "dispute/v1", "dispute-resolution/v1"].includes(r.querySelector("th .sub").innerText))`
	for _, p := range []string{"RU", "US"} {
		stop := map[string]civil.Date{"RU": civil.MustParse("2023-02-28"), "US": civil.MustParse("2023-06-01")}[p]
		// A round goes within five days of what it carries, the last the
		// day before the party stopped.
		first := stop.AddDays(-6)
		out = append(out, pageCheck{"/notifications?party=" + p, 1, []string{
			js(`%s.length >= 50`, lastJS),
			js(`%s[0].querySelector("td.date").innerText < %q`, lastJS, stop),
			js(`%s[0].querySelector("td.date").innerText >= %q`, lastJS, first),
			js(`%s.every(r => !r.innerText.includes("late to"))`, lastJS),
			`/ 0 of them provided to some party after the treaty's deadline/.test(document.querySelector(".lead").innerText)`,
		}})
		// That notification reached the other party on its simulated
		// day, in time, as its page says.
		last := lastNotification(t, r, p)
		out = append(out, pageCheck{js("/notifications/%s/%d", p, last.Index), 0, []string{
			js(`document.querySelector("h1").innerText.includes(%q)`, string(last.Kind)),
			js(`(() => { const c = document.querySelector("table.provided tbody tr td"); return c.innerText >= %q && c.innerText < %q })()`, first, stop),
			`document.querySelector("table.provided tbody tr").innerText.includes("in time")`,
			// Verify checks against the regime in the form, which this
			// node filled: the page says so, and to compare it.
			`!document.getElementById("receipt-h").parentElement.innerText.includes("nothing this server says")`,
			`document.getElementById("receipt-h").parentElement.innerText.includes("compare those keys with your own copy of the regime")`,
			`document.getElementById("regime").value.includes("keys:")`,
		}})
	}
	out = append(out, pageCheck{"/notifications?late=1", 1, []string{`document.body.innerText.includes("No notification matches.")`}})
	return out
}

// lastNotification is party's last notification that is not a note or
// a dispute (kinds the role matrix writes into the shared demo), as the
// US node has it.
func lastNotification(t *testing.T, r *demo.Regime, party string) *node.NotificationView {
	t.Helper()
	vs, err := r.Party("US").Node.Notifications(context.Background(), node.Access{Role: node.RoleInspector}, node.NotificationFilter{Party: party, Newest: true, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		switch v.Kind {
		case exchange.NoteKind, exchange.DisputeKind, exchange.DisputeResolution:
		default:
			return v
		}
	}
	t.Fatalf("%s has only notes", party)
	return nil
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
func clickThrough(t *testing.T, browser context.Context, r *demo.Regime, party string) {
	ctx := signIn(t, browser, r, party, operator(r, party), server.Viewports[0])
	server.Do(t, ctx, chromedp.Navigate(urlOf(r, party)+"?date=2020-09-01"), chromedp.WaitReady(chromedp.CSS("footer")))
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
func tampered(t *testing.T, browser context.Context, r *demo.Regime) {
	smp := sampleOf(t, r)
	ctx := signIn(t, browser, r, "RU", r.Tokens.Inspector, server.Viewports[1])
	server.Do(t, ctx, chromedp.Navigate(urlOf(r, "RU")+js("notifications/US/%d", smp.index["US"])), chromedp.WaitEnabled(chromedp.ID("verify-button")))
	// The fourth line is the first hash of the inclusion proof.
	server.Eval[bool](t, ctx, `(() => { const r = document.getElementById("receipt"); const l = r.value.split("\n");
		l[3] = (l[3][0] === "A" ? "B" : "A") + l[3].slice(1); r.value = l.join("\n"); return true })()`)
	server.Do(t, ctx, chromedp.Click(chromedp.ID("verify-button")))
	outcome(t, ctx, "a flipped proof hash", "✗ Not valid", "✗ failed Inclusion proof")
	server.Screenshot(t, ctx, "node-ru-phone-verify-tampered")
	// The receipt intact, but a regime with another key for the log.
	server.Do(t, ctx, chromedp.Navigate(urlOf(r, "RU")+js("notifications/US/%d", smp.index["US"])), chromedp.WaitEnabled(chromedp.ID("verify-button")))
	other := r.Regime.Party("RU").Keys.Checkpoint[0].Key
	server.Eval[bool](t, ctx, js(`(() => { const r = document.getElementById("regime"); r.value = r.value.replace(%q, %q); return true })()`,
		r.Regime.Party("US").Keys.Checkpoint[0].Key, strings.Replace(other, "tally.ru/log", "tally.us/log", 1)))
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
func sliders(t *testing.T, browser context.Context, r *demo.Regime) {
	ctx := signIn(t, browser, r, "US", operator(r, "US"), server.Viewports[0])
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
	server.Do(t, ctx, chromedp.Navigate(urlOf(r, "US")+"impact?forces="+forcesName+"&p=new-start&p=deep-cuts-500"), chromedp.WaitReady(chromedp.CSS("footer")))
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
	server.Do(t, ctx, chromedp.Navigate(urlOf(r, "US")+"impact?forces=node&p=new-start&at=2020-09-01"), chromedp.WaitReady(chromedp.CSS("footer")))
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
func nodeNoJS(t *testing.T, browser context.Context, r *demo.Regime) {
	ctx := signIn(t, browser, r, "US", r.Tokens.Inspector, server.Viewports[0])
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	server.Do(t, ctx, chromedp.Navigate(urlOf(r, "US")+"?date=2020-09-01"), chromedp.WaitReady(chromedp.CSS("footer")))
	if !server.Eval[bool](t, ctx, js(`document.querySelector("table.verdicts-table").innerText.includes(%q) && document.body.innerText.includes("The charts need JavaScript")`, officialCells(t, "US", civil.MustParse("2020-09-01"))[1])) {
		t.Error("the overview without JavaScript")
	}
	server.Do(t, ctx, chromedp.Navigate(urlOf(r, "US")+"impact?forces=us-2020-09-01&p=deep-cuts-500"), chromedp.WaitReady(chromedp.CSS("footer")))
	server.Do(t, ctx, chromedp.SetValue(chromedp.ID("set-deployed-warheads"), "700"), chromedp.Click(chromedp.ID("use-deployed-warheads")))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#impact-form button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	if got := server.Eval[string](t, ctx, `document.querySelector('td[data-key="0-deep-cuts-500-deployed-warheads"] [data-f=max]').innerText`); got != "700" {
		t.Errorf("the Impact form without JavaScript: the maximum is %q", got)
	}
	server.Screenshot(t, ctx, "node-us-nojs-impact")
}
