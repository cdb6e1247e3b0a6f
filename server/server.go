package server

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/treaty"
)

// Options configure the dashboard.
type Options struct {
	// Node is the party's node whose data the node pages show; nil serves
	// the pages that need no node and says what the others will hold.
	Node Node
	// Now is the clock for "today" (treaty status, default dates);
	// default the node's (ClockNode), else time.Now.
	Now func() time.Time
	// Logger receives errors met while serving; default slog.Default().
	Logger *slog.Logger
}

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// dashboard is the handler New returns.
type dashboard struct {
	opts   Options
	log    *slog.Logger
	mux    *http.ServeMux
	pages  map[string]*template.Template
	assets *assets
	// Loaded once: the bundled treaties and the official aggregates.
	treaties []*treaty.Treaty
	history  *history
}

// New returns the dashboard. It fails only if the embedded templates,
// assets or data are broken, which the package's tests rule out.
func New(opts Options) (http.Handler, error) {
	if opts.Now == nil {
		opts.Now = time.Now
		if cn, ok := opts.Node.(ClockNode); ok {
			opts.Now = cn.Now
		}
	}
	d := &dashboard{opts: opts, log: opts.Logger}
	if d.log == nil {
		d.log = slog.Default()
	}
	var err error
	if d.assets, err = loadAssets(staticFS); err != nil {
		return nil, err
	}
	if d.pages, err = parsePages(templateFS, d.funcs()); err != nil {
		return nil, err
	}
	if d.treaties, err = treaty.Bundled(); err != nil {
		return nil, fmt.Errorf("server: the bundled treaties: %w", err)
	}
	if d.history, err = loadHistory(); err != nil {
		return nil, err
	}
	m := http.NewServeMux()
	m.Handle("GET /static/", http.StripPrefix("/static/", d.assets))
	m.HandleFunc("GET /{$}", d.overview)
	m.HandleFunc("GET /forces", d.forces)
	m.HandleFunc("GET /forces/{party}/items/{uid}", d.item)
	m.HandleFunc("GET /notifications", d.notifications)
	m.HandleFunc("GET /notifications/{party}/{index}", d.notification)
	m.HandleFunc("GET /logs", d.logs)
	m.HandleFunc("GET /impact", d.impact)
	m.HandleFunc("GET /impact/compute", d.impactCompute)
	m.HandleFunc("GET /login", d.login)
	m.HandleFunc("POST /login", d.loginPost)
	m.HandleFunc("POST /logout", d.logout)
	m.HandleFunc("GET /treaties", d.catalogue)
	m.HandleFunc("GET /treaties/diff", d.diff)
	m.HandleFunc("GET /treaties/compare", d.compare)
	m.HandleFunc("GET /treaties/{id}", d.treaty)
	m.HandleFunc("GET /history", d.historyPage)
	m.HandleFunc("GET /verify", d.verify)
	m.HandleFunc("GET /about-data", d.aboutData)
	m.HandleFunc("/", d.notFound)
	d.mux = m
	return d, nil
}

// ServeHTTP sets the headers every answer carries and dispatches.
func (d *dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Everything comes from this server; WebAssembly needs
	// wasm-unsafe-eval to be compiled, nothing needs eval or inline code.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	d.mux.ServeHTTP(w, r)
}

// today is the civil date of the dashboard's clock.
func (d *dashboard) today() civil.Date { return civil.Of(d.opts.Now()) }

// page is what every template receives.
type page struct {
	// Title is the page's title; the h1 is the template's.
	Title string
	// Nav is the navigation entry of the page ("treaties").
	Nav     string
	Nodes   navState
	Sources *sources
	// Scripts are the scripts the page needs, by asset name.
	Scripts []string
	Data    any
	// Banner says, on every page, what the node's data are when it
	// labels them (ProvenanceNode): set by render.
	Banner *banner
}

// navState is what the header says about the node.
type navState struct {
	Connected bool
	Viewer    Viewer
	Treaty    string
	// Self is the node's party; Here the page's path, for the sign-in
	// form to come back to.
	Self string
	Here string
}

// navItems are the main navigation, in order.
var navItems = []struct{ ID, Label, Href string }{
	{"overview", "Overview", "/"},
	{"forces", "Forces", "/forces"},
	{"notifications", "Notifications", "/notifications"},
	{"logs", "Log", "/logs"},
	{"impact", "Impact", "/impact"},
	{"treaties", "Treaties and proposals", "/treaties"},
	{"history", "History", "/history"},
	{"verify", "Verify", "/verify"},
}

// render writes the page's template; on error the reader gets a plain 500
// and the log the reason.
func (d *dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := d.pages[name]
	if !ok {
		d.fail(w, r, fmt.Errorf("no template %q", name))
		return
	}
	if p.Sources == nil {
		p.Sources = newSources()
	}
	if pv := d.provenance(); pv != nil {
		p.Banner = &banner{Title: pv.Title, Summary: pv.Summary, Clock: pv.Clock}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		d.fail(w, r, fmt.Errorf("template %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (d *dashboard) fail(w http.ResponseWriter, r *http.Request, err error) {
	d.log.Error("dashboard", "path", r.URL.Path, "err", err)
	http.Error(w, "500 internal error: the page could not be made; the node's log says why", http.StatusInternalServerError)
}

// notFound answers any other path with a page that says where to go.
func (d *dashboard) notFound(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := &page{Title: "Not found", Data: r.URL.Path}
	if !d.nav(w, r, p) {
		return
	}
	d.render(w, r, http.StatusNotFound, "notfound", p)
}

// parsePages parses templates/layout.html with each page template.
func parsePages(fsys fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("layout").Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("server: templates: %w", err)
	}
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" || name == "parts" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("server: templates: %w", err)
		}
		pages[name] = t
	}
	if len(pages) == 0 {
		return nil, errors.New("server: no page templates")
	}
	return pages, nil
}

// funcs are the template functions.
func (d *dashboard) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":    func(name string) string { return d.assets.url(name) },
		"navItems": func() any { return navItems },
		"int":      formatAny,
		"evidence": evidenceName,
		"http":     func(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") },
		"date":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
		"join":     strings.Join,
		"add":      func(a, b int) int { return a + b },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}

// formatAny writes an integer with thousands separators.
func formatAny(v any) string {
	switch n := v.(type) {
	case int:
		return treaty.FormatInt(int64(n))
	case int32:
		return treaty.FormatInt(int64(n))
	case int64:
		return treaty.FormatInt(n)
	case uint64:
		return treaty.FormatInt(int64(n))
	case *int64:
		if n == nil {
			return "—"
		}
		return treaty.FormatInt(*n)
	}
	return fmt.Sprint(v)
}

// evidenceName is what an evidence tag means, as the reference notes
// define them.
func evidenceName(e treaty.Evidence) string {
	switch e {
	case treaty.EvidenceText:
		return "read in the treaty text"
	case treaty.EvidenceOfficial:
		return "read in an official summary"
	case treaty.EvidenceSecondary:
		return "read in a secondary source"
	case treaty.EvidenceRecalled:
		return "recalled, not confirmed in a primary text"
	}
	return "no evidence tag"
}
