package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/treaty"
)

// The node pages: Overview, Forces, Notifications, Log. Without a node
// they say what they will hold. With one, every page asks the node who
// is looking (view) and reads only through the View it returns: what the
// View refuses (ErrForbidden) the page answers with a 403 that says what
// the viewer's role may see instead; the page itself decides nothing.

// view fills the header from the node's View of r and returns it (nil
// without a node). A request the node refuses is answered here, 401 with
// the sign-in form or 403, and ok is false.
func (d *dashboard) view(w http.ResponseWriter, r *http.Request, p *page) (v View, ok bool) {
	if d.opts.Node == nil {
		return nil, true
	}
	v, err := d.opts.Node.View(r)
	switch {
	case errors.Is(err, ErrUnauthenticated):
		// A stale sign-in cookie (the node's tokens changed) goes.
		if _, cerr := r.Cookie(TokenCookie(d.opts.Node.Self())); cerr == nil && r.Header.Get("Authorization") == "" {
			d.clearTokenCookie(w, r)
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="tally"`)
		d.renderLogin(w, r, http.StatusUnauthorized, localPath(r.URL.RequestURI()), "This node does not know the token given. Sign in with another, or sign out to see the public pages.")
		return nil, false
	case errors.Is(err, ErrForbidden):
		http.Error(w, "403 forbidden: "+err.Error(), http.StatusForbidden)
		return nil, false
	case err != nil:
		d.fail(w, r, err)
		return nil, false
	}
	p.Nodes = navState{Connected: true, Viewer: v.Viewer(), Treaty: v.Regime().Treaty, Self: v.Self(), Here: localPath(r.URL.RequestURI())}
	if t := v.Treaty(); t != nil {
		p.Nodes.Treaty = t.Title()
	}
	return v, true
}

// nav is view for the pages that need only the header.
func (d *dashboard) nav(w http.ResponseWriter, r *http.Request, p *page) bool {
	_, ok := d.view(w, r, p)
	return ok
}

// refusal is what a page shows instead of what the View refused.
type refusal struct {
	// What is what was asked for ("US's forces").
	What   string
	Reason string
	Viewer Viewer
	// Here is the page, for the sign-in form.
	Here string
}

// refused answers a View's refusal: 403 or 404 with a page that says
// why, or 500.
func (d *dashboard) refused(w http.ResponseWriter, r *http.Request, p *page, what string, err error) {
	// The title says nothing of what was asked (a UID in the address is
	// not shown back as if it were data).
	status := http.StatusForbidden
	switch {
	case errors.Is(err, ErrForbidden):
		p.Title = "Not shown to you"
	case errors.Is(err, ErrNotFound):
		status = http.StatusNotFound
		p.Title = "Not found"
	default:
		d.fail(w, r, err)
		return
	}
	p.Data = refusal{What: what, Reason: err.Error(), Viewer: p.Nodes.Viewer, Here: p.Nodes.Here}
	d.render(w, r, status, "refused", p)
}

// localPath keeps a path on this site (for the sign-in form's return).
func localPath(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return u.RequestURI()
}

// defaultDate is the date the node pages open on: today while the treaty
// is in force, else its last day in force (or its first).
func (d *dashboard) defaultDate(t *treaty.Treaty) civil.Date {
	today := d.today()
	if t == nil {
		return today
	}
	if e := t.Dates.Expiry; e != nil && today >= e.Date {
		return e.Date.AddDays(-1)
	}
	if e := t.Dates.EntryIntoForce; e != nil && today < e.Date {
		return e.Date
	}
	return today
}

// dateParam reads a date query parameter; a bad one goes to errs.
func dateParam(r *http.Request, name string, def civil.Date, errs map[string]string) civil.Date {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return def
	}
	dt, err := civil.Parse(s)
	if err != nil {
		errs[name] = fmt.Sprintf("%q is not a date (YYYY-MM-DD)", s)
		return def
	}
	return dt
}

// partyParam reads the party parameter: one of the regime's, default the
// node's own.
func partyParam(r *http.Request, v View, errs map[string]string) string {
	s := strings.TrimSpace(r.URL.Query().Get("party"))
	if s == "" {
		return v.Self()
	}
	if p := v.Regime().Party(s); p != nil {
		return p.ID
	}
	errs["party"] = fmt.Sprintf("%q is not a party of the regime", s)
	return v.Self()
}

// partyName is a party's name in the regime.
func partyName(v View, id string) string {
	if p := v.Regime().Party(id); p != nil && p.Name != "" {
		return p.Name
	}
	return id
}

// partyOptions are the regime's parties for a select.
func partyOptions(v View, selected string) []option {
	var out []option
	for _, p := range v.Regime().Parties {
		out = append(out, option{Value: p.ID, Label: fmt.Sprintf("%s (%s)", p.Name, p.ID), Selected: p.ID == selected})
	}
	return out
}

// noNode renders a node page without a node: what it will hold.
func (d *dashboard) noNode(w http.ResponseWriter, r *http.Request, name, title string) {
	p := &page{Title: title, Nav: name}
	d.render(w, r, http.StatusOK, name+"-none", p)
}
