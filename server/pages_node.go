package server

import (
	"errors"
	"net/http"
)

// The node pages. Without a node they say what they will hold; with one,
// they check the viewer (the node's View) before anything is shown.

func (d *dashboard) overview(w http.ResponseWriter, r *http.Request) {
	d.nodePage(w, r, "overview", "Overview")
}

func (d *dashboard) forces(w http.ResponseWriter, r *http.Request) {
	d.nodePage(w, r, "forces", "Forces")
}

func (d *dashboard) notifications(w http.ResponseWriter, r *http.Request) {
	d.nodePage(w, r, "notifications", "Notifications")
}

func (d *dashboard) logs(w http.ResponseWriter, r *http.Request) {
	d.nodePage(w, r, "logs", "Log")
}

func (d *dashboard) nodePage(w http.ResponseWriter, r *http.Request, name, title string) {
	p := &page{Title: title, Nav: name}
	if !d.nav(w, r, p) {
		return
	}
	d.render(w, r, http.StatusOK, name, p)
}

// nav fills the header's node state. With a node, a request the node
// refuses is answered 401 or 403 here, and nav returns false.
func (d *dashboard) nav(w http.ResponseWriter, r *http.Request, p *page) bool {
	if d.opts.Node == nil {
		return true
	}
	v, err := d.opts.Node.View(r)
	switch {
	case errors.Is(err, ErrUnauthenticated):
		http.Error(w, "401 unauthorized: give a token", http.StatusUnauthorized)
		return false
	case errors.Is(err, ErrForbidden):
		http.Error(w, "403 forbidden: "+err.Error(), http.StatusForbidden)
		return false
	case err != nil:
		d.fail(w, r, err)
		return false
	}
	p.Nodes = navState{Connected: true, Viewer: v.Viewer(), Treaty: v.Regime().Treaty}
	if t := v.Treaty(); t != nil {
		p.Nodes.Treaty = t.Title()
	}
	return true
}
