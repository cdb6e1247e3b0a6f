package count

import (
	"fmt"
	"sort"

	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// Change is what must change for one limit whose total is over its
// maximum.
type Change struct {
	Limit   string `json:"limit"`
	Name    string `json:"name"`
	Total   int64  `json:"total"`
	Max     int64  `json:"max"`
	Over    int64  `json:"over"`
	Binding bool   `json:"binding"`
	// Options are the groups that could close the gap, those that need
	// the fewest items changed first. Each closes it alone, or as much as
	// it can (Closes < Over).
	Options []Option `json:"options"`
}

// Option is one way to reduce a total: take Items of a group out of what
// the rule counts (eliminate, convert, or change their status), or
// download warheads from its missiles when the rule reads the warheads on
// each.
type Option struct {
	Group  string `json:"group"`
	Origin string `json:"origin,omitempty"`
	Rule   string `json:"rule"`
	// Items of the group to take out, each counting Each; Closes is how
	// much that removes from the total.
	Items  int   `json:"items"`
	Of     int   `json:"of"`
	Each   int64 `json:"each"`
	Closes int64 `json:"closes"`
	// Download, when the rule reads item.warheads: remove PerMissile
	// warheads from each of Missiles missiles (keeping at least one on
	// each), closing DownloadCloses.
	Download *Download `json:"download,omitempty"`
	Note     string    `json:"note,omitempty"`
	Text     string    `json:"text"`
}

// Download is taking warheads off deployed missiles.
type Download struct {
	Missiles   int   `json:"missiles"`
	PerMissile int   `json:"per_missile"`
	From       int   `json:"from"`
	Closes     int64 `json:"closes"`
}

// WhatMustChange lists, for each limit of r whose total is over its
// maximum (binding or not), how much is over and which contributing
// groups could close the gap. r must come from Evaluate (Series results
// carry no explanations).
func WhatMustChange(r *Result) []Change {
	var out []Change
	for _, l := range r.Limits {
		over := l.Total - l.Max
		if over <= 0 {
			continue
		}
		c := Change{Limit: l.ID, Name: l.Name, Total: l.Total, Max: l.Max, Over: over, Binding: l.Binding}
		for _, p := range l.Explain {
			if p.Each <= 0 || p.Items <= 0 {
				continue
			}
			c.Options = append(c.Options, option(p, over))
		}
		sort.SliceStable(c.Options, func(i, j int) bool {
			a, b := c.Options[i], c.Options[j]
			if (a.Closes >= over) != (b.Closes >= over) {
				return a.Closes >= over
			}
			return a.Items < b.Items
		})
		out = append(out, c)
	}
	return out
}

func option(p Part, over int64) Option {
	need := int((over + p.Each - 1) / p.Each)
	if need > p.Items {
		need = p.Items
	}
	o := Option{
		Group: p.Label(), Rule: p.Rule.ID, Items: need, Of: p.Items, Each: p.Each,
		Closes: int64(need) * p.Each, Note: p.Note,
	}
	if p.Group != nil {
		o.Origin = p.Group.Origin
	}
	what := "take out"
	if p.Assumed {
		what = "empty and take out"
	}
	o.Text = fmt.Sprintf("%s %d of %d (%s; %s each): closes %s of %s", what, need, p.Items, p.Label(), plural(p.Each, "unit"), treaty.FormatInt(o.Closes), treaty.FormatInt(over))
	if p.Note != "" {
		o.Text += " [" + p.Note + "]"
	}
	if wh := p.Group.Warheads; p.ReadsWarheads && !p.Assumed && wh != forces.NoLoading && wh > 1 {
		per := int64(wh - 1)
		missiles := int((over + per - 1) / per)
		if missiles > p.Items {
			missiles = p.Items
		}
		// Spread evenly: the fewest warheads per missile that closes it.
		each := int((over + int64(missiles) - 1) / int64(missiles))
		if int64(each) > per {
			each = int(per)
		}
		d := &Download{Missiles: missiles, PerMissile: each, From: wh, Closes: int64(missiles) * int64(each)}
		o.Download = d
		o.Text += fmt.Sprintf("; or download %d from each of %d missiles (%d → %s): closes %s",
			d.PerMissile, d.Missiles, wh, plural(int64(wh-d.PerMissile), "warhead"), treaty.FormatInt(d.Closes))
	}
	return o
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return treaty.FormatInt(n) + " " + unit + "s"
}
