package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/server"
	"github.com/tally-project/tally/store"
	"github.com/tally-project/tally/treaty"
)

// APIPrefix is where the JSON API is served.
const APIPrefix = "/api/v1"

// Param is one parameter of a route.
type Param struct {
	Name string `json:"name"`
	// In is "path" or "query".
	In string `json:"in"`
	// Type is "string", "integer", "boolean" or "date" (YYYY-MM-DD).
	Type     string `json:"type"`
	Required bool   `json:"required,omitempty"`
	Doc      string `json:"doc"`
}

// Route is one endpoint of the API. The table (Routes) is the one place
// routes are defined: the node's mux is built from it, and an OpenAPI
// document can be.
type Route struct {
	Method string `json:"method"`
	// Path is a net/http pattern path, with {name} for path parameters.
	Path    string  `json:"path"`
	Roles   []Role  `json:"roles"`
	Summary string  `json:"summary"`
	Params  []Param `json:"params,omitempty"`
	// Body is a value of the request body's type (nil: no body).
	Body any `json:"-"`
	// Result is a value of the response body's type.
	Result any `json:"-"`
	// ContentType is the response's, when it is not application/json.
	ContentType string `json:"content_type,omitempty"`
	// AlsoTakes are content types the route also takes besides JSON: the
	// body as is (one envelope), answered with text/plain.
	AlsoTakes []string `json:"also_takes,omitempty"`

	handle func(n *Node, r *http.Request, who Access) (any, error)
}

// Allows reports whether role may call the route.
func (rt *Route) Allows(r Role) bool { return slices.Contains(rt.Roles, r) }

var (
	allRoles  = []Role{RoleOperator, RoleInspector, RoleObserver}
	itemRoles = []Role{RoleOperator, RoleInspector}
	opRoles   = []Role{RoleOperator}
)

func qp(name, typ, doc string) Param { return Param{Name: name, In: "query", Type: typ, Doc: doc} }
func pp(name, typ, doc string) Param {
	return Param{Name: name, In: "path", Type: typ, Required: true, Doc: doc}
}

var partyParam = pp("party", "string", "the party's id (US, RU)")

// SubmitRequest is the body of a submission: signed envelopes or drafts,
// and the private loadings behind declarations.
type SubmitRequest struct {
	// Envelopes are signed envelopes, each the exact text of a log entry.
	Envelopes []string `json:"envelopes,omitempty"`
	// Drafts are notifications for the node to number and sign.
	Drafts  []exchange.Draft  `json:"drafts,omitempty"`
	Private []PrivateLoadings `json:"private,omitempty"`
}

// SubmitResponse carries a receipt per notification, in order.
type SubmitResponse struct {
	Receipts []*Receipt `json:"receipts"`
}

// ReceiptView is a receipt with the entry it is for.
type ReceiptView struct {
	Party string `json:"party"`
	Index uint64 `json:"index"`
	Seq   uint64 `json:"seq,omitempty"`
	// Receipt is the C2SP tlog-proof.
	Receipt string `json:"receipt"`
	// Entry is the entry it proves.
	Entry string `json:"entry"`
}

// StatusView is the node at a glance.
type StatusView struct {
	Party   string      `json:"party"`
	Treaty  string      `json:"treaty"`
	Regime  int         `json:"regime_version"`
	NextSeq uint64      `json:"next_seq"`
	Logs    []LogStatus `json:"logs"`
	Alerts  int         `json:"alerts"`
}

// AlertsView lists the alerts this node's witness raised, and the
// witness-alert notifications in every log the node holds.
type AlertsView struct {
	Raised []ledger.Alert      `json:"raised"`
	Logged []*NotificationView `json:"logged"`
}

// RegimeView is the regime as the API shows it.
type RegimeView struct {
	Version   int                `json:"version"`
	Treaty    string             `json:"treaty"`
	Threshold string             `json:"threshold"`
	Parties   []PartyView        `json:"parties"`
	Changes   []*store.KeyChange `json:"key_changes"`
}

// PartyView is one party of the regime.
type PartyView struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Node      string       `json:"node"`
	Log       string       `json:"log"`
	Origin    string       `json:"origin"`
	Witness   string       `json:"witness"`
	Witnesses []string     `json:"witnesses"`
	Keys      []regime.Key `json:"keys"`
}

// NextView is the next sequence number of the node's party.
type NextView struct {
	Party string `json:"party"`
	Next  uint64 `json:"next"`
}

var routes = []Route{
	{Method: "GET", Path: APIPrefix + "/status", Roles: allRoles, Summary: "The node at a glance: its party, the logs it holds with their latest checkpoints and witness status.",
		Result: StatusView{}, handle: (*Node).apiStatus},
	{Method: "GET", Path: APIPrefix + "/regime", Roles: allRoles, Summary: "The regime: parties, their nodes, logs, witnesses and keys, and the key changes in the logs.",
		Result: RegimeView{}, handle: (*Node).apiRegime},
	{Method: "GET", Path: APIPrefix + "/treaty", Roles: allRoles, Summary: "The treaty the regime serves (limits, counting rules, notification timing rules).",
		Result: treaty.Treaty{}, handle: (*Node).apiTreaty},
	{Method: "GET", Path: APIPrefix + "/checkpoints", Roles: allRoles, Summary: "Every log's latest checkpoint, with its cosignatures and witness status.",
		Result: []LogStatus{}, handle: (*Node).apiCheckpoints},
	{Method: "GET", Path: APIPrefix + "/alerts", Roles: allRoles, Summary: "Alerts: the split views this node's witness caught, and the witness alerts in every log.",
		Result: AlertsView{}, handle: (*Node).apiAlerts},
	{Method: "GET", Path: APIPrefix + "/next", Roles: opRoles, Summary: "The sequence number the party's next notification takes.",
		Result: NextView{}, handle: (*Node).apiNext},
	{Method: "POST", Path: APIPrefix + "/notifications", Roles: opRoles,
		Summary: "Submit an ordered batch of notifications of the node's party (signed envelopes or drafts), all or nothing; get a receipt for each. A single envelope may also be posted as text/plain; the answer is then its receipt (a C2SP tlog-proof).",
		Body:    SubmitRequest{}, Result: SubmitResponse{}, AlsoTakes: []string{"text/plain", "application/octet-stream"}, handle: (*Node).apiSubmit},
	{Method: "GET", Path: APIPrefix + "/notifications", Roles: itemRoles, Summary: "Notifications of every log the node holds, filtered.",
		Params: []Param{qp("party", "string", "only this party's"), qp("kind", "string", "only this kind (status-change/v1)"),
			qp("from", "date", "effective on or after"), qp("to", "date", "effective on or before"),
			qp("late", "boolean", "only those that reached a party after their deadline"),
			qp("unacknowledged", "boolean", "only those a party has not acknowledged within the node's deadline"),
			qp("invalid", "boolean", "only entries that are not valid notifications"),
			qp("known_at", "integer", "with party: only the first known_at entries of its log"),
			qp("limit", "integer", "at most this many (default and maximum 1000)"), qp("offset", "integer", "skip this many"),
			qp("newest", "boolean", "most recent first")},
		Result: []*NotificationView{}, handle: (*Node).apiNotifications},
	{Method: "GET", Path: APIPrefix + "/notifications/{party}/{seq}", Roles: itemRoles, Summary: "One notification by party and sequence number.",
		Params: []Param{partyParam, pp("seq", "integer", "its sequence number")}, Result: NotificationView{}, handle: (*Node).apiNotification},
	{Method: "GET", Path: APIPrefix + "/entries/{party}/{index}", Roles: itemRoles, Summary: "One entry of a party's log by index, with what it is.",
		Params: []Param{partyParam, pp("index", "integer", "its index in the log")}, Result: NotificationView{}, handle: (*Node).apiEntry},
	{Method: "GET", Path: APIPrefix + "/receipts/{party}/{seq}", Roles: itemRoles, Summary: "The receipt (inclusion proof and checkpoint with cosignatures) of a notification by sequence number.",
		Params: []Param{partyParam, pp("seq", "integer", "its sequence number")}, Result: ReceiptView{}, handle: (*Node).apiReceiptSeq},
	{Method: "GET", Path: APIPrefix + "/receipts/{party}/index/{index}", Roles: itemRoles, Summary: "The receipt of an entry by index.",
		Params: []Param{partyParam, pp("index", "integer", "its index in the log")}, Result: ReceiptView{}, handle: (*Node).apiReceiptIndex},
	{Method: "GET", Path: APIPrefix + "/declarations", Roles: itemRoles, Summary: "Declarations, complete, with their warheads per base and loading commitments.",
		Params: []Param{qp("party", "string", "only this party's")}, Result: []*store.Declaration{}, handle: (*Node).apiDeclarations},
	{Method: "GET", Path: APIPrefix + "/discrepancies", Roles: itemRoles, Summary: "Differences between declarations and the notifications before them, each with both sides.",
		Params: []Param{qp("party", "string", "only this party's"), qp("declaration", "integer", "only this declaration (its first sequence number)"),
			qp("kind", "string", "only this kind (status, unknown-uid, missing-uid, total, ...)"), qp("limit", "integer", "at most this many")},
		Result: []*store.Discrepancy{}, handle: (*Node).apiDiscrepancies},
	{Method: "GET", Path: APIPrefix + "/disputes", Roles: itemRoles, Summary: "Disputes: one party's reading of another's items.",
		Params: []Param{qp("of", "string", "only disputes of this party's items")}, Result: []*store.Dispute{}, handle: (*Node).apiDisputes},
	{Method: "GET", Path: APIPrefix + "/forces/{party}", Roles: itemRoles, Summary: "A party's forces at a date, item by item, as its log tells them.",
		Params: []Param{partyParam, qp("date", "date", "the date (default today)"), qp("known_at", "integer", "as known when its log had this many entries")},
		Result: ForcesView{}, handle: (*Node).apiForces},
	{Method: "GET", Path: APIPrefix + "/forces/{party}/items/{uid}", Roles: itemRoles, Summary: "The notified history of one item.",
		Params: []Param{partyParam, pp("uid", "string", "the item's UID")}, Result: []exchange.ItemState{}, handle: (*Node).apiItem},
	{Method: "GET", Path: APIPrefix + "/compliance/{party}", Roles: allRoles, Summary: "A party's totals and limits on a date, as declared and under each other party's reading; observers get no item-level explanation.",
		Params: []Param{partyParam, qp("date", "date", "the date (default today)"), qp("known_at", "integer", "as known when its log had this many entries")},
		Result: ComplianceView{}, handle: (*Node).apiCompliance},
	{Method: "GET", Path: APIPrefix + "/compliance/{party}/series", Roles: allRoles, Summary: "A party's totals and limits over dates, as declared and under each reading.",
		Params: []Param{partyParam, qp("dates", "string", "comma-separated dates; or:"), qp("from", "date", "first date (default entry into force)"),
			qp("to", "date", "last date (default the treaty's expiry or today)"), qp("every", "string", "step: 1m, 6m, 1y, 30d (default 6m)"),
			qp("known_at", "integer", "as known when its log had this many entries")},
		Result: SeriesView{}, handle: (*Node).apiSeries},
	{Method: "GET", Path: APIPrefix + "/loadings/{declaration}/{uid}", Roles: opRoles, Summary: "Reveal one committed per-missile loading of the party's own declaration, for an inspection (owner's operator only).",
		Params: []Param{pp("declaration", "integer", "the declaration's first sequence number"), pp("uid", "string", "the missile's UID")},
		Result: Revealed{}, handle: (*Node).apiReveal},
}

// Routes returns the API's route table.
func Routes() []Route {
	out := make([]Route, len(routes))
	copy(out, routes)
	for i := range out {
		out[i].handle = nil
	}
	return out
}

// buildHandler mounts the API and its OpenAPI document, the log, the
// witness, /healthz, /metrics, and the dashboard at / (package server).
func (n *Node) buildHandler() (http.Handler, error) {
	dash, err := server.New(server.Options{Node: dashboard{n}, Logger: n.log})
	if err != nil {
		return nil, fmt.Errorf("node: the dashboard: %v", err)
	}
	mux := http.NewServeMux()
	n.mux = mux
	for i := range routes {
		rt := &routes[i]
		mux.Handle(rt.Method+" "+rt.Path, n.wrap(rt))
	}
	mux.Handle("/api/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, &apiError{status: http.StatusNotFound, code: "not-found", msg: fmt.Sprintf("no route %s %s", r.Method, r.URL.Path)})
	}))
	logPrefix := prefixOf(n.self.LogURL())
	mux.Handle(logPrefix, http.StripPrefix(strings.TrimSuffix(logPrefix, "/"), n.own.Handler()))
	witPrefix := prefixOf(n.self.WitnessURL())
	mux.Handle(witPrefix, http.StripPrefix(strings.TrimSuffix(witPrefix, "/"), n.wit.Handler()))
	mux.HandleFunc("GET /healthz", n.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET "+OpenAPIPath, serveOpenAPI)
	mux.Handle("/", dash)
	return mux, nil
}

func (n *Node) healthz(w http.ResponseWriter, r *http.Request) {
	st := map[string]any{"party": n.cfg.Party, "log_size": n.own.Size()}
	code := http.StatusOK
	switch {
	case n.closing.Load():
		code, st["status"] = http.StatusServiceUnavailable, "shutting down"
	case !n.ready.Load():
		code, st["status"] = http.StatusServiceUnavailable, "starting"
	default:
		n.ownMu.Lock()
		broken := n.broken
		n.ownMu.Unlock()
		var missing []string
		if n.cfg.Health != nil {
			missing = n.cfg.Health()
		}
		switch {
		case broken != nil:
			code, st["status"] = http.StatusServiceUnavailable, "recovering: "+broken.Error()
		case len(missing) > 0:
			code, st["status"], st["missing"] = http.StatusServiceUnavailable, "not ready", missing
		default:
			st["status"] = "ok"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(st)
}

// apiError is an error with its HTTP status and problem code.
type apiError struct {
	status int
	code   string
	field  string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badParam(field, format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, code: "bad-parameter", field: field, msg: fmt.Sprintf(format, args...)}
}

// ProblemDetails is an error answer (RFC 9457, application/problem+json).
// Errors lists, for a refused submission, each problem with the envelope,
// the field and the item at fault.
type ProblemDetails struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail,omitempty"`
	Instance string              `json:"instance,omitempty"`
	Field    string              `json:"field,omitempty"`
	Errors   []*exchange.Problem `json:"errors,omitempty"`
}

func problemOf(err error) *ProblemDetails {
	p := &ProblemDetails{Status: http.StatusInternalServerError, Title: "internal error", Detail: err.Error()}
	code := "internal"
	var ae *apiError
	var rej *exchange.Rejection
	var pr *exchange.Problem
	switch {
	case errors.As(err, &ae):
		p.Status, code, p.Field = ae.status, ae.code, ae.field
		p.Title = http.StatusText(ae.status)
	case errors.As(err, &rej):
		code = rej.Code()
		p.Errors = rej.Problems
		p.Title = "notifications refused: nothing was written"
		p.Status = statusOf(code)
		if len(rej.Problems) > 0 {
			p.Field = rej.Problems[0].Field
		}
	case errors.As(err, &pr):
		code = pr.Code
		p.Errors = []*exchange.Problem{pr}
		p.Title = "notification refused: nothing was written"
		p.Status, p.Field = statusOf(code), pr.Field
	case errors.Is(err, ErrForbidden):
		p.Status, code, p.Title = http.StatusForbidden, "forbidden", "forbidden for this role"
	case errors.Is(err, ErrNotFound):
		p.Status, code, p.Title = http.StatusNotFound, "not-found", "not found"
	case errors.Is(err, ErrShuttingDown), errors.Is(err, ErrRecovering):
		p.Status, code, p.Title = http.StatusServiceUnavailable, "unavailable", "unavailable: submit again"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		p.Status, code, p.Title = http.StatusServiceUnavailable, "timeout", "interrupted: submitting the same envelopes again returns their receipts"
	}
	p.Type = "urn:tally:problem:" + code
	return p
}

func statusOf(code string) int {
	switch code {
	case exchange.CodeSeqUsed:
		return http.StatusConflict
	case exchange.CodeNotOwn:
		return http.StatusForbidden
	case exchange.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusUnprocessableEntity
}

func writeProblem(w http.ResponseWriter, r *http.Request, err error) int {
	p := problemOf(err)
	p.Instance = r.URL.Path
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
	return p.Status
}

// wrap authenticates, checks the role, runs the handler and writes its
// answer.
func (n *Node) wrap(rt *Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		code := http.StatusOK
		defer func() {
			n.metrics.requests.WithLabelValues(rt.Path, strconv.Itoa(code)).Inc()
			n.metrics.reqLatency.WithLabelValues(rt.Path).Observe(time.Since(start).Seconds())
			lvl := slog.LevelDebug
			if code >= 500 {
				lvl = slog.LevelWarn
			}
			n.log.Log(r.Context(), lvl, "request", "method", r.Method, "path", r.URL.Path, "status", code, "ms", time.Since(start).Milliseconds())
		}()
		who, ok := n.tokens.lookup(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tally"`)
			code = writeProblem(w, r, &apiError{status: http.StatusUnauthorized, code: "unauthorized", msg: "unknown bearer token"})
			return
		}
		if !rt.Allows(who.Role) {
			code = writeProblem(w, r, &apiError{status: http.StatusForbidden, code: "forbidden", msg: fmt.Sprintf("%s %s is for %v; this token is %s", rt.Method, rt.Path, rt.Roles, who.Role)})
			return
		}
		v, err := rt.handle(n, r, who)
		if err != nil {
			code = writeProblem(w, r, err)
			return
		}
		if raw, ok := v.(rawAnswer); ok {
			w.Header().Set("Content-Type", raw.contentType)
			w.Write(raw.body)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		if err := enc.Encode(v); err != nil {
			n.log.Warn("writing an answer", "err", err)
		}
	})
}

// rawAnswer is an answer that is not JSON.
type rawAnswer struct {
	contentType string
	body        []byte
}

// ----- parameters -----

func qDate(r *http.Request, name string, def civil.Date) (civil.Date, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	d, err := civil.Parse(s)
	if err != nil {
		return 0, badParam(name, "%s: %q is not a date YYYY-MM-DD", name, s)
	}
	return d, nil
}

func qUint(r *http.Request, name string) (uint64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	// Sizes, indexes and sequence numbers of a log fit in an int64 (the
	// store keeps them as SQLite integers); a larger one can name nothing.
	v, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return 0, badParam(name, "%s: %q is not a whole number from 0 to %d", name, s, uint64(math.MaxInt64))
	}
	return v, nil
}

func qBool(r *http.Request, name string) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return false, badParam(name, "%s: %q is not true or false", name, s)
	}
	return v, nil
}

func pUint(r *http.Request, name string) (uint64, error) {
	v, err := strconv.ParseUint(r.PathValue(name), 10, 63) // as qUint
	if err != nil {
		return 0, badParam(name, "%s: %q is not a whole number from 0 to %d", name, r.PathValue(name), uint64(math.MaxInt64))
	}
	return v, nil
}

// ----- handlers -----

func (n *Node) apiStatus(r *http.Request, who Access) (any, error) {
	return &StatusView{Party: n.cfg.Party, Treaty: n.treaty.ID, Regime: n.reg.Version, NextSeq: n.NextSeq(), Logs: n.Logs(), Alerts: len(n.Alerts())}, nil
}

func (n *Node) apiRegime(r *http.Request, who Access) (any, error) {
	v := &RegimeView{Version: n.reg.Version, Treaty: n.reg.Treaty, Threshold: "all"}
	if n.reg.WitnessPolicy != nil && n.reg.WitnessPolicy.Threshold != "" {
		v.Threshold = n.reg.WitnessPolicy.Threshold
	}
	for _, p := range n.reg.Parties {
		pv := PartyView{ID: p.ID, Name: p.Name, Node: p.Node, Log: p.LogURL(), Origin: p.Log.Origin, Witness: p.WitnessURL()}
		for _, w := range p.Witnesses() {
			pv.Witnesses = append(pv.Witnesses, w.ID)
		}
		for _, role := range regime.Roles {
			for _, k := range p.KeysFor(role) {
				pv.Keys = append(pv.Keys, *k)
			}
		}
		v.Parties = append(v.Parties, pv)
	}
	ch, err := n.store.KeyChanges(r.Context(), "")
	if err != nil {
		return nil, err
	}
	v.Changes = ch
	return v, nil
}

func (n *Node) apiTreaty(r *http.Request, who Access) (any, error) { return n.treaty, nil }

func (n *Node) apiCheckpoints(r *http.Request, who Access) (any, error) { return n.Logs(), nil }

func (n *Node) apiAlerts(r *http.Request, who Access) (any, error) {
	v := &AlertsView{Raised: n.Alerts()}
	ns, err := n.store.Notifications(r.Context(), store.Query{Kind: exchange.WitnessAlert, Valid: boolPtr(true)})
	if err != nil {
		return nil, err
	}
	if v.Logged, err = n.views(r.Context(), ns, false); err != nil {
		return nil, err
	}
	if v.Raised == nil {
		v.Raised = []ledger.Alert{}
	}
	return v, nil
}

func (n *Node) apiNext(r *http.Request, who Access) (any, error) {
	return &NextView{Party: n.cfg.Party, Next: n.NextSeq()}, nil
}

// maxSubmit bounds a submission's body.
const maxSubmit = 256 << 20

func (n *Node) apiSubmit(r *http.Request, who Access) (any, error) {
	if who.Party != n.cfg.Party {
		return nil, forbidden("an operator submits for its own party")
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSubmit+1))
	if err != nil {
		return nil, badParam("body", "reading the body: %v", err)
	}
	if len(body) > maxSubmit {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, code: exchange.CodeTooLarge, field: "body", msg: fmt.Sprintf("a submission is at most %d bytes", maxSubmit)}
	}
	if ct == "text/plain" || ct == "application/octet-stream" {
		rs, err := n.Submit(r.Context(), Submission{Envelopes: [][]byte{body}})
		if err != nil {
			return nil, err
		}
		return rawAnswer{contentType: "text/plain; charset=utf-8", body: []byte(rs[0].Proof)}, nil
	}
	var req SubmitRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		field := "body"
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			field = te.Field
		}
		if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
			field = strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		}
		return nil, badParam(field, "the body is not a submission (envelopes, drafts, private): %v", err)
	}
	sub := Submission{Drafts: req.Drafts, Private: req.Private}
	for _, e := range req.Envelopes {
		sub.Envelopes = append(sub.Envelopes, []byte(e))
	}
	rs, err := n.Submit(r.Context(), sub)
	if err != nil {
		return nil, err
	}
	return &SubmitResponse{Receipts: rs}, nil
}

func (n *Node) apiNotifications(r *http.Request, who Access) (any, error) {
	q := r.URL.Query()
	f := NotificationFilter{Party: q.Get("party"), Kind: exchange.Kind(q.Get("kind"))}
	var err error
	if f.From, err = qDate(r, "from", 0); err != nil {
		return nil, err
	}
	if f.To, err = qDate(r, "to", 0); err != nil {
		return nil, err
	}
	for _, b := range []struct {
		name string
		v    *bool
	}{{"late", &f.Late}, {"unacknowledged", &f.Unacknowledged}, {"invalid", &f.Invalid}, {"newest", &f.Newest}} {
		if *b.v, err = qBool(r, b.name); err != nil {
			return nil, err
		}
	}
	if f.KnownAt, err = qUint(r, "known_at"); err != nil {
		return nil, err
	}
	lim, err := qUint(r, "limit")
	if err != nil {
		return nil, err
	}
	off, err := qUint(r, "offset")
	if err != nil {
		return nil, err
	}
	f.Limit, f.Offset = int(min(lim, 1000)), int(min(off, 1<<30))
	if f.Kind != "" && !slices.Contains(exchange.Kinds(), f.Kind) {
		return nil, badParam("kind", "%q is not a kind (%v)", f.Kind, exchange.Kinds())
	}
	vs, err := n.Notifications(r.Context(), who, f)
	if vs == nil && err == nil {
		vs = []*NotificationView{}
	}
	return vs, err
}

func (n *Node) apiNotification(r *http.Request, who Access) (any, error) {
	seq, err := pUint(r, "seq")
	if err != nil {
		return nil, err
	}
	return n.Notification(r.Context(), who, r.PathValue("party"), seq)
}

func (n *Node) apiEntry(r *http.Request, who Access) (any, error) {
	idx, err := pUint(r, "index")
	if err != nil {
		return nil, err
	}
	return n.NotificationAt(r.Context(), who, r.PathValue("party"), idx)
}

func (n *Node) receiptView(ctx context.Context, who Access, v *NotificationView) (*ReceiptView, error) {
	rc, err := n.ReceiptOf(ctx, who, v.Party, v.Index)
	if err != nil {
		return nil, err
	}
	if err := rc.VerifyEntry([]byte(v.Entry)); err != nil {
		return nil, err
	}
	return &ReceiptView{Party: v.Party, Index: v.Index, Seq: v.Seq, Receipt: string(rc.Marshal()), Entry: v.Entry}, nil
}

func (n *Node) apiReceiptSeq(r *http.Request, who Access) (any, error) {
	seq, err := pUint(r, "seq")
	if err != nil {
		return nil, err
	}
	v, err := n.Notification(r.Context(), who, r.PathValue("party"), seq)
	if err != nil {
		return nil, err
	}
	return n.receiptView(r.Context(), who, v)
}

func (n *Node) apiReceiptIndex(r *http.Request, who Access) (any, error) {
	idx, err := pUint(r, "index")
	if err != nil {
		return nil, err
	}
	v, err := n.NotificationAt(r.Context(), who, r.PathValue("party"), idx)
	if err != nil {
		return nil, err
	}
	return n.receiptView(r.Context(), who, v)
}

func (n *Node) apiDeclarations(r *http.Request, who Access) (any, error) {
	ds, err := n.Declarations(r.Context(), who, r.URL.Query().Get("party"))
	if ds == nil && err == nil {
		ds = []*store.Declaration{}
	}
	return ds, err
}

func (n *Node) apiDiscrepancies(r *http.Request, who Access) (any, error) {
	f := DiscrepancyFilter{Party: r.URL.Query().Get("party"), Kind: r.URL.Query().Get("kind")}
	var err error
	if f.DeclSeq, err = qUint(r, "declaration"); err != nil {
		return nil, err
	}
	lim, err := qUint(r, "limit")
	if err != nil {
		return nil, err
	}
	f.Limit = int(min(lim, 10000))
	ds, err := n.Discrepancies(r.Context(), who, f)
	if ds == nil && err == nil {
		ds = []*store.Discrepancy{}
	}
	return ds, err
}

func (n *Node) apiDisputes(r *http.Request, who Access) (any, error) {
	of := r.URL.Query().Get("of")
	if of != "" {
		id, err := n.checkParty(of)
		if err != nil {
			return nil, err
		}
		of = id
	}
	ds, err := n.Disputes(r.Context(), who, of)
	if ds == nil && err == nil {
		ds = []*store.Dispute{}
	}
	return ds, err
}

func (n *Node) apiForces(r *http.Request, who Access) (any, error) {
	d, err := qDate(r, "date", civil.Today())
	if err != nil {
		return nil, err
	}
	k, err := qUint(r, "known_at")
	if err != nil {
		return nil, err
	}
	return n.Forces(r.Context(), who, r.PathValue("party"), d, k)
}

func (n *Node) apiItem(r *http.Request, who Access) (any, error) {
	return n.ItemHistory(r.Context(), who, r.PathValue("party"), r.PathValue("uid"))
}

func (n *Node) apiCompliance(r *http.Request, who Access) (any, error) {
	d, err := qDate(r, "date", civil.Today())
	if err != nil {
		return nil, err
	}
	k, err := qUint(r, "known_at")
	if err != nil {
		return nil, err
	}
	return n.Compliance(r.Context(), who, r.PathValue("party"), d, k)
}

func (n *Node) apiSeries(r *http.Request, who Access) (any, error) {
	k, err := qUint(r, "known_at")
	if err != nil {
		return nil, err
	}
	var dates []civil.Date
	if s := r.URL.Query().Get("dates"); s != "" {
		for _, x := range strings.Split(s, ",") {
			d, err := civil.Parse(strings.TrimSpace(x))
			if err != nil {
				return nil, badParam("dates", "%q is not a date YYYY-MM-DD", x)
			}
			dates = append(dates, d)
		}
	} else {
		from := civil.Today()
		if e := n.treaty.Dates.EntryIntoForce; e != nil {
			from = e.Date
		}
		to := civil.Today()
		if e := n.treaty.Dates.Expiry; e != nil && e.Date < to {
			to = e.Date
		}
		if from, err = qDate(r, "from", from); err != nil {
			return nil, err
		}
		if to, err = qDate(r, "to", to); err != nil {
			return nil, err
		}
		if to < from {
			return nil, badParam("to", "%s is before from (%s)", to, from)
		}
		every := r.URL.Query().Get("every")
		if every == "" {
			every = "6m"
		}
		step, err := parseStep(every)
		if err != nil {
			return nil, err
		}
		for d := from; d <= to && len(dates) <= 2000; d = step(d) {
			dates = append(dates, d)
		}
	}
	if len(dates) > 2000 {
		return nil, badParam("dates", "a series has at most 2000 dates")
	}
	return n.ComplianceSeries(r.Context(), who, r.PathValue("party"), dates, k)
}

// parseStep reads a step: 30d, 1m, 6m, 1y.
func parseStep(s string) (func(civil.Date) civil.Date, error) {
	bad := badParam("every", "every: %q is not a step such as 30d, 1m, 6m or 1y", s)
	if len(s) < 2 {
		return nil, bad
	}
	k, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || k < 1 || k > 10000 {
		return nil, bad
	}
	switch s[len(s)-1] {
	case 'd':
		return func(d civil.Date) civil.Date { return d.AddDays(k) }, nil
	case 'm':
		return func(d civil.Date) civil.Date { return d.AddMonths(k) }, nil
	case 'y':
		return func(d civil.Date) civil.Date { return d.AddYears(k) }, nil
	}
	return nil, bad
}

func (n *Node) apiReveal(r *http.Request, who Access) (any, error) {
	seq, err := pUint(r, "declaration")
	if err != nil {
		return nil, err
	}
	return n.Reveal(r.Context(), who, seq, r.PathValue("uid"))
}
