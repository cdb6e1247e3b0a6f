package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// The Forces page: a party's sites and items at a date, as its log tells
// them, filtered by kind, type, status and site; its declarations, with
// what is official and what synthetic, and their discrepancies. One
// item's page lists every notified change with the notification that
// carried it.

// itemsPerPage bounds the items table.
const itemsPerPage = 200

type forcesView struct {
	Party, Name string
	Date        civil.Date
	Form        forcesForm
	Errors      map[string]string
	PartyOpts   []option
	KindOpts    []option
	TypeOpts    []option
	StatusOpts  []option
	SiteOpts    []option
	// Summary counts the filtered items by kind (rows) and status
	// (columns).
	Statuses []forces.Status
	Summary  []summaryRow
	Sites    []siteRow
	Items    []Item
	// Shown is how many items pass the filter; All how many there are.
	Shown, All    int
	Page, Pages   int
	Prev, Next    string
	Private       bool
	KnownAt       uint64
	Source        value
	Declaration   civil.Date
	Warheads      []exchange.BaseWarheads
	WarheadsTotal int
	Decls         []declRow
	DeclCols      []string
	// Labelled: the node labels its data (Provenance), so the
	// declarations' totals are marked with their provenance.
	Labelled bool
	Disc     []Discrepancy
	DiscOf   *declRow
}

type forcesForm struct {
	Party, Date, Kind, Type, Status, Site string
}

type summaryRow struct {
	Kind   forces.Kind
	Counts []int
	Total  int
}

type siteRow struct {
	Site  string
	Count int
	Kinds string
}

type declRow struct {
	Declaration
	Totals []declTotal
	// Synthetic: the node's provenance says the declaration, or one of
	// its totals, was never published. Never taken from the note, which
	// may say what it likes.
	Synthetic bool
	URL       string
}

type declTotal struct {
	Value                  string
	Official, OfficialText string
}

func (d *dashboard) forces(w http.ResponseWriter, r *http.Request) {
	if d.opts.Node == nil {
		d.noNode(w, r, "forces", "Forces")
		return
	}
	p := &page{Title: "Forces", Nav: "forces", Sources: newSources()}
	v, ok := d.view(w, r, p)
	if !ok {
		return
	}
	q := r.URL.Query()
	fv := forcesView{Errors: map[string]string{}}
	fv.Party = partyParam(r, v, fv.Errors)
	fv.Name = partyName(v, fv.Party)
	fv.Date = dateParam(r, "date", d.defaultDate(v.Treaty()), fv.Errors)
	fv.Form = forcesForm{Party: fv.Party, Date: fv.Date.String(), Kind: q.Get("kind"), Type: q.Get("type"), Status: q.Get("status"), Site: q.Get("site")}
	p.Title = fmt.Sprintf("Forces of %s on %s", fv.Party, fv.Date)
	f, err := v.Forces(r.Context(), fv.Party, fv.Date)
	if err != nil {
		d.refused(w, r, p, fv.Party+"'s forces item by item", err)
		return
	}
	fv.Private, fv.KnownAt, fv.Declaration, fv.Warheads = f.Private, f.KnownAt, f.Declaration, f.Warheads
	for _, b := range f.Warheads {
		fv.WarheadsTotal += b.Warheads
	}
	fv.All = len(f.Items)
	party := v.Regime().Party(fv.Party)
	fv.Source = p.Sources.fact("", treaty.Source{Source: party.LogURL(), Note: fmt.Sprintf("%s's items as the first %s entries of its log leave them on %s", fv.Party, treaty.FormatInt(int64(f.KnownAt)), fv.Date)},
		fmt.Sprintf("%s's items, from its log", fv.Party))

	// The filter's choices come from the items themselves.
	kinds, types, statuses, sites := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, it := range f.Items {
		kinds[string(it.Kind)], types[it.Type], statuses[string(it.Status)], sites[it.Site] = true, true, true, true
	}
	opts := func(set map[string]bool, cur, field, all string) []option {
		if cur != "" && !set[cur] {
			fv.Errors[field] = fmt.Sprintf("no item has %s %q on %s", field, cur, fv.Date)
		}
		out := []option{{Value: "", Label: all, Selected: cur == ""}}
		keys := make([]string, 0, len(set))
		for k := range set {
			if k != "" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, option{Value: k, Label: k, Selected: k == cur})
		}
		return out
	}
	fv.KindOpts = opts(kinds, fv.Form.Kind, "kind", "every kind")
	fv.TypeOpts = opts(types, fv.Form.Type, "type", "every type")
	fv.StatusOpts = opts(statuses, fv.Form.Status, "status", "every status")
	fv.SiteOpts = opts(sites, fv.Form.Site, "site", "every site")
	fv.PartyOpts = partyOptions(v, fv.Party)

	// Items by kind (in the order of forces.Kinds), site and UID.
	kindAt := map[forces.Kind]int{}
	for i, k := range forces.Kinds {
		kindAt[k] = i
	}
	sort.SliceStable(f.Items, func(i, j int) bool {
		a, b := f.Items[i], f.Items[j]
		if a.Kind != b.Kind {
			return kindAt[a.Kind] < kindAt[b.Kind]
		}
		if a.Site != b.Site {
			return a.Site < b.Site
		}
		return a.UID < b.UID
	})
	var shown []Item
	for _, it := range f.Items {
		if (fv.Form.Kind == "" || string(it.Kind) == fv.Form.Kind) && (fv.Form.Type == "" || it.Type == fv.Form.Type) &&
			(fv.Form.Status == "" || string(it.Status) == fv.Form.Status) && (fv.Form.Site == "" || it.Site == fv.Form.Site) {
			shown = append(shown, it)
		}
	}
	fv.Shown = len(shown)
	fv.Summary, fv.Statuses = summarise(shown)
	fv.Sites = bySite(shown)
	fv.Pages = max(1, (len(shown)+itemsPerPage-1)/itemsPerPage)
	fv.Page = 1
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > fv.Pages {
			fv.Errors["page"] = fmt.Sprintf("page %q: there are %d", s, fv.Pages)
		} else {
			fv.Page = n
		}
	}
	lo := (fv.Page - 1) * itemsPerPage
	fv.Items = shown[lo:min(lo+itemsPerPage, len(shown))]
	pageURL := func(n int) string {
		qq := url.Values{}
		for k, val := range map[string]string{"party": fv.Party, "date": fv.Date.String(), "kind": fv.Form.Kind, "type": fv.Form.Type, "status": fv.Form.Status, "site": fv.Form.Site} {
			if val != "" {
				qq.Set(k, val)
			}
		}
		qq.Set("page", strconv.Itoa(n))
		return "/forces?" + qq.Encode() + "#items-h"
	}
	if fv.Page > 1 {
		fv.Prev = pageURL(fv.Page - 1)
	}
	if fv.Page < fv.Pages {
		fv.Next = pageURL(fv.Page + 1)
	}

	// Declarations, and the discrepancies of the last one by the date.
	decls, err := v.Declarations(r.Context(), fv.Party)
	if err != nil {
		d.refused(w, r, p, fv.Party+"'s declarations", err)
		return
	}
	t := v.Treaty()
	for _, l := range t.Limits {
		fv.DeclCols = append(fv.DeclCols, capitalise(l.Name))
	}
	pv := d.provenance()
	fv.Labelled = pv != nil
	for _, dc := range decls {
		row := declRow{Declaration: dc, URL: fmt.Sprintf("/notifications/%s/%d", dc.Party, dc.First),
			Synthetic: pv.synthetic(dc.Party, dc.AsOf)}
		for _, l := range t.Limits {
			dt := declTotal{Value: "—"}
			for _, tot := range dc.Totals {
				if tot.Total == l.Total {
					dt.Value = treaty.FormatInt(tot.Value)
					// The node's provenance of the total if it labels
					// it, else the published figure of that date.
					dt.Official, dt.OfficialText = d.mark(pv, dc.Party, dc.AsOf, l.Total, tot.Value)
				}
			}
			row.Totals = append(row.Totals, dt)
		}
		fv.Decls = append(fv.Decls, row)
	}
	for i := len(fv.Decls) - 1; i >= 0; i-- {
		if dc := fv.Decls[i]; dc.AsOf <= fv.Date {
			if dc.Discrepancies > 0 {
				fv.DiscOf = &fv.Decls[i]
				if fv.Disc, err = v.Discrepancies(r.Context(), fv.Party, dc.FirstSeq, 100); err != nil {
					d.refused(w, r, p, fv.Party+"'s discrepancies", err)
					return
				}
			}
			break
		}
	}
	p.Data = fv
	status := http.StatusOK
	if len(fv.Errors) > 0 {
		status = http.StatusBadRequest
	}
	d.render(w, r, status, "forces", p)
}

// summarise counts items by kind and status.
func summarise(items []Item) ([]summaryRow, []forces.Status) {
	var statuses []forces.Status
	for _, st := range forces.Statuses {
		if slices.ContainsFunc(items, func(it Item) bool { return it.Status == st }) {
			statuses = append(statuses, st)
		}
	}
	var rows []summaryRow
	for _, k := range forces.Kinds {
		row := summaryRow{Kind: k, Counts: make([]int, len(statuses))}
		for _, it := range items {
			if it.Kind != k {
				continue
			}
			row.Total++
			row.Counts[slices.Index(statuses, it.Status)]++
		}
		if row.Total > 0 {
			rows = append(rows, row)
		}
	}
	return rows, statuses
}

// bySite counts items by site.
func bySite(items []Item) []siteRow {
	idx := map[string]int{}
	kinds := map[string]map[forces.Kind]int{}
	var out []siteRow
	for _, it := range items {
		i, ok := idx[it.Site]
		if !ok {
			i = len(out)
			idx[it.Site] = i
			out = append(out, siteRow{Site: it.Site})
			kinds[it.Site] = map[forces.Kind]int{}
		}
		out[i].Count++
		kinds[it.Site][it.Kind]++
	}
	for i := range out {
		var parts []string
		for _, k := range forces.Kinds {
			if n := kinds[out[i].Site][k]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %s", treaty.FormatInt(int64(n)), k))
			}
		}
		out[i].Kinds = strings.Join(parts, ", ")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Site < out[j].Site })
	return out
}

// --- one item ---------------------------------------------------------------

type itemView struct {
	Party, Name, UID string
	Changes          []itemChangeRow
	Current          *ItemChange
	Source           value
}

type itemChangeRow struct {
	ItemChange
	URL string
}

func (d *dashboard) item(w http.ResponseWriter, r *http.Request) {
	if d.opts.Node == nil {
		d.noNode(w, r, "forces", "Forces")
		return
	}
	party, uid := r.PathValue("party"), r.PathValue("uid")
	p := &page{Title: "Item " + uid, Nav: "forces", Sources: newSources()}
	v, ok := d.view(w, r, p)
	if !ok {
		return
	}
	h, err := v.ItemHistory(r.Context(), party, uid)
	if err != nil {
		d.refused(w, r, p, "this item's history", err)
		return
	}
	iv := itemView{Party: party, UID: uid}
	if rp := v.Regime().Party(party); rp != nil {
		iv.Party, iv.Name = rp.ID, rp.Name
		iv.Source = p.Sources.fact("", treaty.Source{Source: rp.LogURL(), Note: "every notification in " + rp.ID + "'s log that changed the item"}, "Item "+uid)
	}
	for _, c := range h {
		iv.Changes = append(iv.Changes, itemChangeRow{ItemChange: c, URL: fmt.Sprintf("/notifications/%s/%d", iv.Party, c.Index)})
	}
	if len(h) > 0 {
		iv.Current = &h[len(h)-1]
	}
	p.Data = iv
	d.render(w, r, http.StatusOK, "item", p)
}
