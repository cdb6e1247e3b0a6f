package server

// Browser tests: the dashboard in a real headless Chromium, driven by
// chromedp against the test server on 127.0.0.1. They need Debian's
// chromium (apt-get install -y chromium; .ci/run installs it). Without it
// they fail, saying so, unless TALLY_SKIP_BROWSER=1. TALLY_CHROMIUM names
// another binary. Screenshots (laptop and phone) and print PDFs go to
// $TALLY_SCREENSHOTS, or to a new temporary directory the test names
// (go test -v ./server -run Browser shows it).

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/tally-project/tally/treaty"
	"github.com/tally-project/tally/web/receipttest"
)

// viewport is a screen the pages are checked and photographed on.
type viewport struct {
	Name          string
	Width, Height int64
	Mobile        bool
}

var viewports = []viewport{
	{"laptop", 1366, 900, false},
	{"phone", 390, 844, true},
}

// startBrowser starts Chromium with a fresh profile and returns a context
// for new tabs.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("TALLY_SKIP_BROWSER") == "1" {
		t.Skip("TALLY_SKIP_BROWSER=1: browser tests skipped")
	}
	path := os.Getenv("TALLY_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Fatalf("the browser tests need Chromium at %s (Debian: apt-get install -y chromium; or set TALLY_CHROMIUM), or TALLY_SKIP_BROWSER=1 to skip them: %v", path, err)
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(alloc)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// shots is where screenshots go.
var shots struct {
	once sync.Once
	dir  string
}

func screenshotDir(t *testing.T) string {
	shots.once.Do(func() {
		shots.dir = os.Getenv("TALLY_SCREENSHOTS")
		if shots.dir == "" {
			shots.dir, _ = os.MkdirTemp("", "tally-screenshots-")
		}
		os.MkdirAll(shots.dir, 0o755)
		t.Logf("screenshots and print PDFs in %s", shots.dir)
	})
	return shots.dir
}

// tab opens a tab that records the console; at the end of the test, any
// error, exception or Content-Security-Policy violation fails it.
func tab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	var mu sync.Mutex
	var problems []string
	msgs := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() || m.Type == chromedp.ConsoleWarning && strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		// Let the last messages arrive.
		time.Sleep(100 * time.Millisecond)
		cancelT()
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("browser console: %s", p)
		}
	})
	return ctx
}

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir(t), name+".jpg"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func emulate(v viewport) chromedp.Action[chromedp.Void] {
	if v.Mobile {
		return chromedp.EmulateViewport(v.Width, v.Height, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	return chromedp.EmulateViewport(v.Width, v.Height)
}

var slug = regexp.MustCompile(`[^a-z0-9]+`)

// TestBrowser loads every page on a laptop and a phone and checks what
// they show, clicks through the treaty pages, verifies real and tampered
// receipts, and checks the pages without JavaScript and in print.
func TestBrowser(t *testing.T) {
	t.Parallel()
	browser := startBrowser(t)
	srv := newTestServer(t)
	t.Run("pages", func(t *testing.T) { browserPages(t, browser, srv.URL) })
	t.Run("keyboard", func(t *testing.T) { browserKeyboard(t, browser, srv.URL) })
	t.Run("click-through", func(t *testing.T) { browserClickThrough(t, browser, srv.URL) })
	t.Run("verify", func(t *testing.T) { browserVerify(t, browser, srv.URL) })
	t.Run("no-javascript", func(t *testing.T) { browserNoJS(t, browser, srv.URL) })
	t.Run("print", func(t *testing.T) { browserPrint(t, browser, srv.URL) })
}

// pageChecks are, per page, what must be shown: JavaScript expressions
// that must be true once the page has loaded.
var pageChecks = map[string][]string{
	// One row per bundled treaty or proposal (see bundledCount).
	"/":              {`document.querySelector("h1").innerText === "Overview"`, `document.body.innerText.includes("No party node is connected")`},
	"/forces":        {`document.querySelector("h1").innerText === "Forces"`},
	"/notifications": {`document.querySelector("h1").innerText === "Notifications"`},
	"/logs":          {`document.querySelector("h1").innerText === "Log"`},
	"/treaties": {fmt.Sprintf(`document.querySelectorAll("table.data tbody tr").length === %d`, bundledCount()),
		`[...document.querySelectorAll("tbody tr")].some(r => r.innerText.includes("New START") && r.innerText.includes("2011-02-05") && r.innerText.includes("in force"))`},
	"/treaties/new-start": {`document.querySelector("h1").innerText === "New START"`,
		`[...document.querySelectorAll("#limits ~ .table-scroll tbody tr")].map(r => r.querySelector(".num .fact").innerText).join(",") === "700,1,550,800"`},
	"/treaties/diff?a=new-start&b=deep-cuts-500": {`document.body.innerText.includes("deployed warheads: 1,550 → 500")`},
	"/treaties/compare": {`document.querySelectorAll("table.compare tbody tr").length === 3`,
		`[...document.querySelectorAll("table.compare tbody tr")][2].querySelectorAll("td")[1].innerText.includes("901")`,
		`[...document.querySelectorAll("table.compare tbody tr")][1].querySelectorAll("td")[0].innerText.includes("1,457")`},
	"/history": {
		// The three charts are drawn, with the official values.
		`[...document.querySelectorAll("canvas[data-chart]")].every(c => Chart.getChart(c) && c.width > 0 && c.height > 0)`,
		`Chart.getChart(document.getElementById("chart-deployed-warheads")).data.datasets[0].data[0].y === 1800`,
		`Chart.getChart(document.getElementById("chart-deployed-warheads")).data.datasets[1].label === "Russian Federation (RU)"`,
		`Chart.getChart(document.getElementById("chart-deployed-warheads")).data.datasets.some(d => d.kind === "limit" && d.data[0].y === 1550)`,
		`document.querySelector("table.history tbody tr").innerText.includes("1,800")`},
	"/verify": {`document.getElementById("verify-button") !== null`},
}

func browserPages(t *testing.T, browser context.Context, base string) {
	for _, v := range viewports {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			browserPagesOn(t, browser, base, v)
		})
	}
}

func browserPagesOn(t *testing.T, browser context.Context, base string, v viewport) {
	ctx := tab(t, browser)
	{
		do(t, ctx, emulate(v))
		for _, p := range pagePaths {
			if p.Status != 200 {
				continue
			}
			do(t, ctx, chromedp.Navigate(base+p.Path), chromedp.WaitReady(chromedp.CSS("footer")))
			if p.Path == "/history" {
				if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("canvas[data-chart]").length === 3 && [...document.querySelectorAll("canvas[data-chart]")].every(c => window.Chart && Chart.getChart(c))`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
					t.Fatalf("%s %s: the charts were not drawn: %v", v.Name, p.Path, err)
				}
			}
			if p.Path == "/verify" {
				if err := chromedp.Do(ctx, chromedp.WaitEnabled(chromedp.ID("verify-button"))); err != nil {
					t.Fatalf("the verifier did not load: %v", err)
				}
			}
			for _, check := range pageChecks[p.Path] {
				if !eval[bool](t, ctx, check) {
					t.Errorf("%s %s: %s", v.Name, p.Path, check)
				}
			}
			// Nothing wider than the screen: wide tables scroll in their box.
			if w := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
				t.Errorf("%s %s: the page is %dpx wider than the screen", v.Name, p.Path, w)
			}
			screenshot(t, ctx, v.Name+"-"+strings.Trim(slug.ReplaceAllString(strings.ToLower(p.Path), "-"), "-")+func() string {
				if p.Path == "/" {
					return "overview"
				}
				return ""
			}())
		}
	}
}

// The keyboard reaches everything: the first Tab shows the skip link,
// Enter moves to main, focus is always visible.
func browserKeyboard(t *testing.T, browser context.Context, base string) {
	ctx := tab(t, browser)
	do(t, ctx, emulate(viewports[0]), chromedp.Navigate(base+"/treaties"), chromedp.WaitReady(chromedp.CSS("footer")))
	do(t, ctx, chromedp.KeyEvent("\t"))
	if !eval[bool](t, ctx, `document.activeElement.classList.contains("skip-link") && document.activeElement.getBoundingClientRect().top >= 0`) {
		t.Fatal("the first Tab does not show the skip link")
	}
	do(t, ctx, chromedp.KeyEvent("\r"))
	if !eval[bool](t, ctx, `location.hash === "#main" && document.activeElement === document.querySelector("main")`) {
		t.Error("the skip link does not move focus to main")
	}
	// Tab on to the first link in main and through the navigation:
	// every focused element shows an outline.
	do(t, ctx, chromedp.Navigate(base+"/treaties/compare"), chromedp.WaitReady(chromedp.CSS("footer")))
	seen := map[string]bool{}
	for range 20 {
		do(t, ctx, chromedp.KeyEvent("\t"))
		el := eval[string](t, ctx, `document.activeElement.tagName + " " + (document.activeElement.id || document.activeElement.getAttribute("href") || "")`)
		seen[el] = true
		if !eval[bool](t, ctx, `getComputedStyle(document.activeElement).outlineStyle !== "none" && parseFloat(getComputedStyle(document.activeElement).outlineWidth) >= 2`) {
			t.Errorf("no visible focus on %s: %s", el, eval[string](t, ctx, `(() => { const e = document.activeElement, s = getComputedStyle(e); return s.outlineStyle + " " + s.outlineWidth + " focus:" + e.matches(":focus") + " fv:" + e.matches(":focus-visible") })()`))
		}
	}
	for _, want := range []string{"A /verify", "SELECT cmp-forces", "SELECT cmp-reading", "INPUT cmp-at"} {
		if !seen[want] {
			t.Errorf("Tab never reached %s (reached %v)", want, seen)
		}
	}
}

// Catalogue → one treaty → two side by side → another pair by the form;
// catalogue → the comparison, changed by its form.
func browserClickThrough(t *testing.T, browser context.Context, base string) {
	ctx := tab(t, browser)
	do(t, ctx, emulate(viewports[0]), chromedp.Navigate(base+"/treaties"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`tbody a[href="/treaties/new-start"]`))); err != nil {
		t.Fatal(err)
	}
	if h1 := eval[string](t, ctx, `document.querySelector("h1").innerText`); h1 != "New START" {
		t.Fatalf("after clicking New START: h1 %q", h1)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.actions a[href^="/treaties/diff"]`))); err != nil {
		t.Fatal(err)
	}
	if h1 := eval[string](t, ctx, `document.querySelector("h1").innerText`); h1 != "New START and Deep cuts (500), side by side" {
		t.Fatalf("side by side: h1 %q", h1)
	}
	if !eval[bool](t, ctx, `document.body.innerText.includes("deployed warheads: 1,550 → 500") && document.querySelector("tr.changed") !== null`) {
		t.Error("side by side: the changes are not shown")
	}
	screenshot(t, ctx, "click-side-by-side")
	do(t, ctx, chromedp.SetValue(chromedp.ID("diff-b"), "start-1"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	if h1 := eval[string](t, ctx, `document.querySelector("h1").innerText`); h1 != "New START and START I, side by side" {
		t.Fatalf("after choosing START I: h1 %q", h1)
	}
	if !eval[bool](t, ctx, `location.search === "?a=new-start&b=start-1" && document.body.innerText.includes("Counting rules")`) {
		t.Error("the side-by-side form did not submit")
	}

	// The comparison: add SORT, count in 2012.
	do(t, ctx, chromedp.Navigate(base+"/treaties"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`a[href="/treaties/compare"]`))); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Click(chromedp.ID("cmp-t-sort")), chromedp.SetValue(chromedp.ID("cmp-at"), "2012-06-01"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.compare-form button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	if !eval[bool](t, ctx, `document.querySelector("#result-h").innerText === "US on 2012-06-01" && [...document.querySelectorAll("table.compare thead th")].some(th => th.innerText.startsWith("SORT"))`) {
		t.Errorf("the comparison form: %s", eval[string](t, ctx, `document.querySelector("main").innerText.slice(0, 600)`))
	}
	// New START's limits did not bind yet in 2012.
	if !eval[bool](t, ctx, `[...document.querySelectorAll("table.compare tbody tr")][0].querySelectorAll("td")[0].innerText.includes("not binding")`) {
		t.Error("New START binding in 2012")
	}
	screenshot(t, ctx, "click-compare-2012")
}

// Verify: a real receipt, witnessed, is valid; one flipped byte in a
// proof hash, the log signature or the cosignature is not, and the page
// says why.
func browserVerify(t *testing.T, browser context.Context, base string) {
	fx := receipttest.New(t)
	dir := t.TempDir()
	regimeFile := filepath.Join(dir, "regime.yaml")
	entryFile := filepath.Join(dir, "entry.json")
	os.WriteFile(regimeFile, []byte(fx.Regime), 0o644)
	os.WriteFile(entryFile, fx.Entry, 0o644)

	for _, v := range viewports {
		ctx := tab(t, browser)
		do(t, ctx, emulate(v), chromedp.Navigate(base+"/verify"), chromedp.WaitEnabled(chromedp.ID("verify-button")))
		// The regime from a file, as a reader would load it.
		do(t, ctx, chromedp.SetUploadFiles(chromedp.ID("regime-file"), []string{regimeFile}))
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("regime").value.includes("tally.ru/witness")`, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
			t.Fatalf("the regime file did not load: %v", err)
		}
		for _, c := range []struct {
			name, receipt, title, reason, check string
			entry                               bool
		}{
			{"valid", string(fx.Receipt), "✓ Valid and witnessed", "Checked at", "✓ ok Cosignature: by RU (tally.ru/witness)", false},
			{"valid-with-entry", string(fx.Receipt), "✓ Valid and witnessed", "Checked at", "✓ ok Entry: the receipt is about this entry", true},
			{"proof-hash", string(receipttest.FlipProofHash(t, fx.Receipt)), "✗ Not valid", "the inclusion proof of entry 2 does not lead to the checkpoint's root", "✗ failed Inclusion proof", false},
			{"log-signature", string(receipttest.FlipLogSignature(t, fx.Receipt)), "✗ Not valid", "no valid log signature", "✗ failed Signature: the log signature by tally.us/log does not verify", false},
			{"cosignature", string(receipttest.FlipCosignature(t, fx.Receipt)), "✗ Not witnessed", "the cosignature by RU (tally.ru/witness) does not verify", "✗ failed Witness policy", false},
			{"not-a-receipt", "hello", "✗ Cannot be read", "malformed receipt", "✗ failed Receipt", false},
		} {
			do(t, ctx, chromedp.SetValue(chromedp.ID("receipt"), c.receipt))
			if c.entry {
				do(t, ctx, chromedp.SetUploadFiles(chromedp.ID("entry-file"), []string{entryFile}))
			}
			do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("outcome").hidden = true`), chromedp.Click(chromedp.ID("verify-button")))
			wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.ID("outcome")))
			cancel()
			if err != nil {
				t.Fatalf("%s %s: no outcome shown: %v", v.Name, c.name, err)
			}
			title := eval[string](t, ctx, `document.getElementById("outcome-title").innerText`)
			reason := eval[string](t, ctx, `document.getElementById("outcome-reason").innerText`)
			checks := eval[string](t, ctx, `document.getElementById("outcome-checks").innerText.replace(/\s+/g, " ")`)
			if title != c.title || !strings.Contains(reason, c.reason) || !strings.Contains(checks, c.check) {
				t.Errorf("%s %s: %q, %q, checks %q; want %q, %q, %q", v.Name, c.name, title, reason, checks, c.title, c.reason, c.check)
			}
			if !eval[bool](t, ctx, `document.activeElement.id === "outcome-title"`) {
				t.Errorf("%s %s: focus does not move to the outcome", v.Name, c.name)
			}
			screenshot(t, ctx, v.Name+"-verify-"+c.name)
			if c.entry {
				do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("entry-file").value = ""`))
			}
		}
	}
}

// Without JavaScript every page but the charts and Verify works: the
// numbers are in the HTML, the forms submit, and the page says what needs
// JavaScript.
func browserNoJS(t *testing.T, browser context.Context, base string) {
	ctx := tab(t, browser)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	// Evaluate runs even with page scripts disabled: it reads the DOM.
	do(t, ctx, emulate(viewports[0]), chromedp.Navigate(base+"/history"), chromedp.WaitReady(chromedp.CSS("footer")))
	if !eval[bool](t, ctx, `document.querySelector("table.history tbody tr").innerText.includes("1,800") && getComputedStyle(document.querySelector(".chart__box")).display === "none"`) {
		t.Error("history without JavaScript: no table, or empty chart boxes shown")
	}
	if !eval[bool](t, ctx, `document.body.innerText.includes("The charts need JavaScript")`) {
		t.Error("history without JavaScript: the page does not say the charts need it")
	}
	screenshot(t, ctx, "nojs-history")
	do(t, ctx, chromedp.Navigate(base+"/treaties/compare"), chromedp.WaitReady(chromedp.CSS("footer")))
	do(t, ctx, chromedp.SetValue(chromedp.ID("cmp-forces"), "ussr-1990-09-01"), chromedp.SetValue(chromedp.ID("cmp-reading"), ""),
		chromedp.Click(chromedp.ID("cmp-t-new-start")), chromedp.Click(chromedp.ID("cmp-t-deep-cuts-500")), chromedp.Click(chromedp.ID("cmp-t-start-1")),
		chromedp.SetValue(chromedp.ID("cmp-at"), "1995-01-01"))
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`.compare-form button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	if !eval[bool](t, ctx, `document.querySelector("#result-h").innerText === "USSR on 1995-01-01" && document.querySelectorAll("table.compare thead th").length === 2`) {
		t.Errorf("the comparison form without JavaScript: %s", eval[string](t, ctx, `document.querySelector("main").innerText.slice(0, 800)`))
	}
	do(t, ctx, chromedp.Navigate(base+"/verify"), chromedp.WaitReady(chromedp.CSS("footer")))
	if !eval[bool](t, ctx, `document.body.innerText.includes("Verify needs JavaScript") && document.getElementById("verify-button").disabled`) {
		t.Error("Verify without JavaScript does not say it needs it")
	}
	screenshot(t, ctx, "nojs-verify")
}

// In print, the navigation and forms go, tables and sources stay.
func browserPrint(t *testing.T, browser context.Context, base string) {
	ctx := tab(t, browser)
	for _, p := range []string{"/treaties/new-start", "/history", "/treaties/compare"} {
		do(t, ctx, emulate(viewports[0]), chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("footer")))
		if p == "/history" {
			chromedp.Run(ctx, chromedp.Poll[bool](`[...document.querySelectorAll("canvas[data-chart]")].every(c => window.Chart && Chart.getChart(c))`, chromedp.WithPollingTimeout(20*time.Second)))
		}
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatal(err)
		}
		if !eval[bool](t, ctx, `getComputedStyle(document.querySelector(".site-nav")).display === "none" && [...document.querySelectorAll("form")].every(f => getComputedStyle(f).display === "none") && getComputedStyle(document.querySelector(".sources")).display !== "none"`) {
			t.Errorf("%s in print: navigation or forms shown, or sources hidden", p)
		}
		pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPrintBackground()))
		if err != nil {
			t.Fatal(err)
		}
		if len(pdf) < 1000 || !strings.HasPrefix(string(pdf), "%PDF") {
			t.Errorf("%s: a PDF of %d bytes", p, len(pdf))
		}
		os.WriteFile(filepath.Join(screenshotDir(t), "print"+slug.ReplaceAllString(p, "-")+".pdf"), pdf, 0o644)
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
			t.Fatal(err)
		}
	}
}

// bundledCount is how many treaties and proposals the catalogue bundles.
func bundledCount() int {
	all, err := treaty.Bundled()
	if err != nil {
		panic(err)
	}
	return len(all)
}
