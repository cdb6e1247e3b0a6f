package server

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/treaty"
)

// summarise says in one line what a notification notifies, from its
// kind and body; a body it cannot read is said so.
func summariseBody(k exchange.Kind, body json.RawMessage, valid bool) string {
	if len(body) == 0 {
		return ""
	}
	if valid && k.IsDeclaration() {
		// The longest bodies (thousands of UIDs), which the node decoded
		// strictly when it took them: read plainly, what the line says.
		var d struct {
			AsOf   civil.Date                `json:"as_of"`
			Part   int                       `json:"part"`
			Parts  int                       `json:"parts"`
			Groups []struct{ UIDs []string } `json:"groups"`
			Totals []exchange.DeclaredTotal  `json:"totals"`
		}
		if json.Unmarshal(body, &d) == nil {
			n := 0
			for _, g := range d.Groups {
				n += len(g.UIDs)
			}
			return declarationSummary(d.AsOf, d.Part, d.Parts, n, d.Totals)
		}
	}
	b, err := exchange.DecodeBody(k, body)
	if err != nil {
		return "a body that does not read as " + string(k) + ": " + err.Error()
	}
	switch x := b.(type) {
	case *forces.Event:
		return eventSummary(x)
	case *exchange.Declaration:
		return declarationSummary(x.AsOf, x.Part, x.Parts, len(x.Items()), x.Totals)
	case *exchange.Ack:
		s := fmt.Sprintf("%s's log received and checked up to %s entries", x.Of, treaty.FormatInt(int64(x.Size)))
		if len(x.Invalid) > 0 {
			s += fmt.Sprintf(", %d of them invalid", len(x.Invalid))
		}
		return s
	case *exchange.Dispute:
		s := fmt.Sprintf("disputes %s's items (%s)", x.Of, x.ID)
		if x.Parsed != nil {
			s += ": " + x.Parsed.Name
		}
		return s
	case *exchange.Resolution:
		return fmt.Sprintf("%s the dispute %s seq %d", x.Outcome, x.Dispute.Party, x.Dispute.Seq)
	case *exchange.Note:
		return x.Text
	case *exchange.RegimeChangeBody:
		return fmt.Sprintf("%s of a %s key%s", x.Change, x.Role, strings.TrimSuffix(": "+x.Reason, ": "))
	case *ledger.Alert:
		return fmt.Sprintf("%s's log seen with two histories (%s)", x.Log, x.Kind)
	}
	return string(k)
}

// declarationSummary says what a declaration (or a part of one) holds.
func declarationSummary(asOf civil.Date, part, parts, items int, totals []exchange.DeclaredTotal) string {
	s := fmt.Sprintf("the whole database as of %s: %s items", asOf, treaty.FormatInt(int64(items)))
	if parts > 1 {
		s = fmt.Sprintf("part %d of %d of the database as of %s: %s items", part, parts, asOf, treaty.FormatInt(int64(items)))
	}
	if len(totals) > 0 {
		var ts []string
		for _, t := range totals {
			ts = append(ts, fmt.Sprintf("%s %s", t.Total, treaty.FormatInt(t.Value)))
		}
		s += "; totals declared: " + strings.Join(ts, ", ")
	}
	return s
}

// eventSummary says what an item event does: "3 items: status to
// non-deployed (US-ICBM-000001, ...)".
func eventSummary(ev *forces.Event) string {
	var what string
	n := len(ev.UIDs)
	switch ev.Op {
	case forces.OpNew:
		counts := map[string]int{}
		var keys []string
		for _, it := range ev.Items {
			k := fmt.Sprintf("%s %s (%s)", it.Type, it.Kind, it.Status)
			if counts[k] == 0 {
				keys = append(keys, k)
			}
			counts[k]++
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
		return "new: " + strings.Join(parts, ", ")
	case forces.OpStatus:
		what = "status to " + string(ev.Status)
	case forces.OpMove:
		var to []string
		if ev.Site != "" {
			to = append(to, "to "+ev.Site)
		}
		if ev.Carrier != "" {
			to = append(to, "into "+ev.Carrier)
		}
		what = "moved " + strings.Join(to, ", ")
	case forces.OpEliminate:
		what = "eliminated"
	default:
		what = strings.ReplaceAll(string(ev.Op), "-", " ")
		if ev.Status != "" {
			what += " (" + string(ev.Status) + ")"
		}
	}
	items := "items"
	if n == 1 {
		items = "item"
	}
	uids := ev.UIDs
	more := ""
	if len(uids) > 3 {
		uids, more = uids[:3], ", ..."
	}
	return fmt.Sprintf("%d %s %s: %s%s", n, items, what, strings.Join(uids, ", "), more)
}
