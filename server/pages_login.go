package server

import (
	"net/http"
	"net/url"
	"strings"
)

// Signing in: a browser cannot set an Authorization header on a link, so
// the sign-in form takes a token once and keeps it in a cookie
// (TokenCookie, one per node) that the node reads as it reads the header. The form only
// checks that the node knows the token; what the token may see, the node
// decides on every page.

type loginView struct {
	Next    string
	Message string
	Error   string
}

func (d *dashboard) login(w http.ResponseWriter, r *http.Request) {
	if d.opts.Node == nil {
		d.notFound(w, r)
		return
	}
	d.renderLogin(w, r, http.StatusOK, localPath(r.URL.Query().Get("next")), "")
}

func (d *dashboard) renderLogin(w http.ResponseWriter, r *http.Request, status int, next, msg string) {
	p := &page{Title: "Sign in", Nav: "login", Data: loginView{Next: next, Message: msg}}
	if status == http.StatusUnauthorized {
		// The header must not claim a viewer the node refused.
		p.Nodes = navState{Connected: true, Viewer: Viewer{Role: "not signed in"}, Self: d.opts.Node.Self()}
	} else if !d.nav(w, r, p) {
		return
	}
	d.render(w, r, status, "login", p)
}

// sameOrigin refuses a form posted from another site (the cookie is
// SameSite=Strict as well). Browsers say where a request comes from in
// Sec-Fetch-Site; without it, an Origin header, when there is one, must
// be this host. (With Referrer-Policy no-referrer a browser sends Origin
// "null" for a form of the same site, so Sec-Fetch-Site comes first.)
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" {
		return s == "same-origin" || s == "none"
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func (d *dashboard) loginPost(w http.ResponseWriter, r *http.Request) {
	if d.opts.Node == nil {
		d.notFound(w, r)
		return
	}
	if !sameOrigin(r) {
		http.Error(w, "403 forbidden: a sign-in form posted from another site", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "400 bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	tok := strings.TrimSpace(r.PostForm.Get("token"))
	next := localPath(r.PostForm.Get("next"))
	p := &page{Title: "Sign in", Nav: "login", Data: loginView{Next: next}}
	if tok == "" {
		p.Data = loginView{Next: next, Error: "Give a token."}
		if d.nav(w, r, p) {
			d.render(w, r, http.StatusBadRequest, "login", p)
		}
		return
	}
	// Ask the node whether it knows the token, as it would be sent.
	probe := r.Clone(r.Context())
	probe.Header.Set("Authorization", "Bearer "+tok)
	if _, err := d.opts.Node.View(probe); err != nil {
		p.Data = loginView{Next: next, Error: "This node does not know that token."}
		p.Nodes = navState{Connected: true, Viewer: Viewer{Role: "not signed in"}, Self: d.opts.Node.Self()}
		d.render(w, r, http.StatusUnauthorized, "login", p)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: TokenCookie(d.opts.Node.Self()), Value: tok, Path: "/", HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (d *dashboard) logout(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "403 forbidden: a form posted from another site", http.StatusForbidden)
		return
	}
	if d.opts.Node != nil {
		d.clearTokenCookie(w, r)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (d *dashboard) clearTokenCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: TokenCookie(d.opts.Node.Self()), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}
