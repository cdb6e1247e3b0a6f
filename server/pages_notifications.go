package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/treaty"
)

// The Notifications pages: a timeline of every party's notifications by
// kind, the late and unacknowledged ones, a filtered list; and one
// notification with its receipt and a Verify button that checks the
// receipt in the reader's browser against the regime keys the reader
// supplies.

const notesPerPage = 100

type notificationsView struct {
	Form      notesForm
	Errors    map[string]string
	PartyOpts []option
	KindOpts  []option
	// The timeline: counts by year and kind, every party.
	Kinds    []exchange.Kind
	Years    []yearRow
	Timeline ovChart
	Total    int
	Late     int
	Unacked  []noteRow
	List     []noteRow
	Page     int
	Prev     string
	Next     string
	Filtered bool
	Source   value
	// AckDeadline says what "unacknowledged" waits for.
	Self string
}

type notesForm struct {
	Party, Kind, From, To string
	Late, Unack           bool
}

type yearRow struct {
	Year   int
	Counts []int
	Total  int
	Late   int
}

type noteRow struct {
	Notification
	Summary string
	URL     string
}

// stackData is what static/charts.js draws as "stack": counts by year,
// a stacked bar per kind.
type stackData struct {
	Kind     string       `json:"kind"`
	Title    string       `json:"title"`
	Labels   []string     `json:"labels"`
	Datasets []stackSerie `json:"datasets"`
}

type stackSerie struct {
	Label  string `json:"label"`
	Values []int  `json:"values"`
}

func (d *dashboard) notifications(w http.ResponseWriter, r *http.Request) {
	if d.opts.Node == nil {
		d.noNode(w, r, "notifications", "Notifications")
		return
	}
	p := &page{Title: "Notifications", Nav: "notifications", Sources: newSources(), Scripts: []string{"vendor/chart.umd.min.js", "charts.js"}}
	v, ok := d.view(w, r, p)
	if !ok {
		return
	}
	q := r.URL.Query()
	nv := notificationsView{Errors: map[string]string{}, Self: v.Self()}
	nq := NotificationQuery{Newest: true, Limit: notesPerPage + 1}
	if s := q.Get("party"); s != "" {
		nq.Party = partyParam(r, v, nv.Errors)
	}
	nv.Form = notesForm{Party: nq.Party, Kind: q.Get("kind"), From: q.Get("from"), To: q.Get("to"), Late: q.Get("late") != "", Unack: q.Get("unacknowledged") != ""}
	if nv.Form.Kind != "" {
		if !slices.Contains(exchange.Kinds(), exchange.Kind(nv.Form.Kind)) {
			nv.Errors["kind"] = fmt.Sprintf("%q is not a kind of notification", nv.Form.Kind)
		} else {
			nq.Kind = exchange.Kind(nv.Form.Kind)
		}
	}
	nq.From = dateParam(r, "from", 0, nv.Errors)
	nq.To = dateParam(r, "to", 0, nv.Errors)
	nq.Late, nq.Unacknowledged = nv.Form.Late, nv.Form.Unack
	nv.Filtered = nq.Party != "" || nq.Kind != "" || nq.From != 0 || nq.To != 0 || nq.Late || nq.Unacknowledged
	nv.Page = 1
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100000 {
			nv.Errors["page"] = fmt.Sprintf("page %q is not a page number", s)
		} else {
			nv.Page = n
		}
	}
	nq.Offset = (nv.Page - 1) * notesPerPage
	nv.PartyOpts = append([]option{{Value: "", Label: "every party", Selected: nq.Party == ""}}, partyOptions(v, nq.Party)...)
	nv.KindOpts = []option{{Value: "", Label: "every kind", Selected: nq.Kind == ""}}
	for _, k := range exchange.Kinds() {
		nv.KindOpts = append(nv.KindOpts, option{Value: string(k), Label: string(k), Selected: k == nq.Kind})
	}

	counts, err := v.NotificationCounts(r.Context())
	if err != nil {
		d.refused(w, r, p, "the notifications", err)
		return
	}
	d.timeline(&nv, counts)
	var srcs []string
	for _, party := range v.Regime().Parties {
		srcs = append(srcs, party.LogURL())
	}
	nv.Source = p.Sources.fact("", treaty.Source{Source: strings.Join(srcs, " "), Note: "every notification in the logs this node holds, valid ones only"}, "Notifications, from the logs")

	un, err := v.Notifications(r.Context(), NotificationQuery{Unacknowledged: true, Newest: true, Limit: 50})
	if err != nil {
		d.refused(w, r, p, "the notifications", err)
		return
	}
	nv.Unacked = noteRows(un)
	list, err := v.Notifications(r.Context(), nq)
	if err != nil {
		d.refused(w, r, p, "the notifications", err)
		return
	}
	pageURL := func(n int) string {
		qq := url.Values{}
		for k, val := range map[string]string{"party": nq.Party, "kind": nv.Form.Kind, "from": nv.Form.From, "to": nv.Form.To} {
			if val != "" {
				qq.Set(k, val)
			}
		}
		if nq.Late {
			qq.Set("late", "1")
		}
		if nq.Unacknowledged {
			qq.Set("unacknowledged", "1")
		}
		qq.Set("page", strconv.Itoa(n))
		return "/notifications?" + qq.Encode() + "#list-h"
	}
	if len(list) > notesPerPage {
		list = list[:notesPerPage]
		nv.Next = pageURL(nv.Page + 1)
	}
	if nv.Page > 1 {
		nv.Prev = pageURL(nv.Page - 1)
	}
	nv.List = noteRows(list)
	p.Data = nv
	status := http.StatusOK
	if len(nv.Errors) > 0 {
		status = http.StatusBadRequest
	}
	d.render(w, r, status, "notifications", p)
}

func noteRows(ns []Notification) []noteRow {
	out := make([]noteRow, len(ns))
	for i, n := range ns {
		out[i] = noteRow{Notification: n, Summary: summariseBody(n.Kind, n.Body, n.Valid), URL: fmt.Sprintf("/notifications/%s/%d", n.Party, n.Index)}
	}
	return out
}

// timeline makes the counts by year and kind, and their chart.
func (d *dashboard) timeline(nv *notificationsView, counts []NotificationCount) {
	years := map[int]*yearRow{}
	kinds := map[exchange.Kind]bool{}
	for _, c := range counts {
		kinds[c.Kind] = true
	}
	for k := range kinds {
		nv.Kinds = append(nv.Kinds, k)
	}
	sort.Slice(nv.Kinds, func(i, j int) bool { return nv.Kinds[i] < nv.Kinds[j] })
	for _, c := range counts {
		y := years[c.Year]
		if y == nil {
			y = &yearRow{Year: c.Year, Counts: make([]int, len(nv.Kinds))}
			years[c.Year] = y
		}
		y.Counts[slices.Index(nv.Kinds, c.Kind)] += c.Count
		y.Total += c.Count
		y.Late += c.Late
		nv.Total += c.Count
		nv.Late += c.Late
	}
	for _, y := range years {
		nv.Years = append(nv.Years, *y)
	}
	sort.Slice(nv.Years, func(i, j int) bool { return nv.Years[i].Year < nv.Years[j].Year })
	sd := stackData{Kind: "stack", Title: "Notifications by year of effect and kind"}
	for _, y := range nv.Years {
		sd.Labels = append(sd.Labels, strconv.Itoa(y.Year))
	}
	var alt []string
	for ki, k := range nv.Kinds {
		ds := stackSerie{Label: string(k)}
		sum := 0
		for _, y := range nv.Years {
			ds.Values = append(ds.Values, y.Counts[ki])
			sum += y.Counts[ki]
		}
		sd.Datasets = append(sd.Datasets, ds)
		alt = append(alt, fmt.Sprintf("%s %s", treaty.FormatInt(int64(sum)), k))
	}
	nv.Timeline = ovChart{ID: "timeline", Caption: sd.Title, Data: sd,
		Alt: fmt.Sprintf("%s. In all: %s. Every count is in the table below.", sd.Title, strings.Join(alt, ", "))}
}

// --- one notification -------------------------------------------------------

type notificationView struct {
	N       Notification
	Name    string
	Summary string
	// Body is the body, indented.
	Body     string
	Provided []providedRow
	Verify   verifyView
	// Regime is the regime file the Verify form starts with.
	Regime string
	Source value
}

type providedRow struct {
	Party string
	Time  string
	Late  bool
	Acked bool
}

func (d *dashboard) notification(w http.ResponseWriter, r *http.Request) {
	if d.opts.Node == nil {
		d.noNode(w, r, "notifications", "Notifications")
		return
	}
	party := r.PathValue("party")
	p := &page{Title: "Notification", Nav: "notifications", Sources: newSources(), Scripts: []string{"wasm_exec.js", "verify.js"}}
	v, ok := d.view(w, r, p)
	if !ok {
		return
	}
	idx, err := strconv.ParseUint(r.PathValue("index"), 10, 63) // a log index is an int64 in the store
	if err != nil {
		d.refused(w, r, p, "a notification", fmt.Errorf("%w: %q is not a log index", ErrNotFound, r.PathValue("index")))
		return
	}
	n, err := v.Notification(r.Context(), party, idx)
	if err != nil {
		d.refused(w, r, p, fmt.Sprintf("entry %d of %s's log", idx, party), err)
		return
	}
	p.Title = fmt.Sprintf("%s notification %d (%s)", n.Party, n.Seq, n.Kind)
	nv := notificationView{N: *n, Name: partyName(v, n.Party), Summary: summariseBody(n.Kind, n.Body, n.Valid)}
	var buf bytes.Buffer
	if json.Indent(&buf, n.Body, "", "  ") == nil {
		nv.Body = buf.String()
	}
	for _, rp := range v.Regime().Parties {
		if rp.ID == n.Party {
			continue
		}
		row := providedRow{Party: rp.ID, Late: slices.Contains(n.Late, rp.ID), Acked: slices.Contains(n.AckedBy, rp.ID)}
		if t, ok := n.Provided[rp.ID]; ok {
			row.Time = t.UTC().Format("2006-01-02 15:04:05Z")
		}
		nv.Provided = append(nv.Provided, row)
	}
	if nv.Regime, err = regimeYAML(v.Regime()); err != nil {
		d.fail(w, r, err)
		return
	}
	nv.Verify = d.verifyData()
	if rp := v.Regime().Party(n.Party); rp != nil {
		nv.Source = p.Sources.fact("", treaty.Source{Source: fmt.Sprintf("%s%s", rp.LogURL(), "tile/entries/"), Note: fmt.Sprintf("entry %d of %s's log (C2SP tlog-tiles)", n.Index, n.Party)}, "The notification")
	}
	p.Data = nv
	d.render(w, r, http.StatusOK, "notification", p)
}

// regimeYAML writes a regime as a regime file, for the Verify form to
// start with: the fields the regime has, none of the empty ones (an
// empty list of witnesses would not load back).
func regimeYAML(reg *regime.Regime) (string, error) {
	type key struct {
		Key       string `yaml:"key"`
		ValidFrom string `yaml:"valid-from,omitempty"`
		RevokedAt string `yaml:"revoked-at,omitempty"`
		Reason    string `yaml:"reason,omitempty"`
	}
	type keys struct {
		Checkpoint   []key `yaml:"checkpoint,omitempty"`
		Notification []key `yaml:"notification,omitempty"`
		Cosigner     []key `yaml:"cosigner,omitempty"`
	}
	type log struct {
		Origin    string   `yaml:"origin"`
		URL       string   `yaml:"url,omitempty"`
		Witnesses []string `yaml:"witnesses,omitempty"`
		Threshold string   `yaml:"threshold,omitempty"`
	}
	type party struct {
		ID      string   `yaml:"id"`
		Name    string   `yaml:"name,omitempty"`
		Aliases []string `yaml:"aliases,omitempty"`
		Node    string   `yaml:"node,omitempty"`
		Witness string   `yaml:"witness,omitempty"`
		Log     log      `yaml:"log"`
		Keys    keys     `yaml:"keys"`
	}
	type file struct {
		Version       int            `yaml:"version"`
		Treaty        string         `yaml:"treaty"`
		WitnessPolicy *regime.Policy `yaml:"witness-policy,omitempty"`
		Parties       []party        `yaml:"parties"`
	}
	keysOf := func(ks []*regime.Key) []key {
		var out []key
		for _, k := range ks {
			out = append(out, key{Key: k.Key, ValidFrom: k.ValidFrom, RevokedAt: k.RevokedAt, Reason: k.Reason})
		}
		return out
	}
	f := file{Version: reg.Version, Treaty: reg.Treaty, WitnessPolicy: reg.WitnessPolicy}
	for _, p := range reg.Parties {
		f.Parties = append(f.Parties, party{ID: p.ID, Name: p.Name, Aliases: p.Aliases, Node: p.Node, Witness: p.Witness,
			Log:  log{Origin: p.Log.Origin, URL: p.Log.URL, Witnesses: p.Log.Witnesses, Threshold: p.Log.Threshold},
			Keys: keys{Checkpoint: keysOf(p.Keys.Checkpoint), Notification: keysOf(p.Keys.Notification), Cosigner: keysOf(p.Keys.Cosigner)}})
	}
	b, err := yaml.Marshal(f)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
