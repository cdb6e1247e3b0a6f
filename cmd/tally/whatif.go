package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/aggregates"
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/impact"
	"github.com/tally-project/tally/treaty"
)

func init() { rootCmd.AddCommand(newWhatifCmd()) }

// embeddedAggregates is --aggregates given without a file.
const embeddedAggregates = "official"

func newWhatifCmd() *cobra.Command {
	var (
		proposals, forcesArgs, ats []string
		agg, eif, party, format    string
		low                        bool
	)
	c := &cobra.Command{
		Use:   "whatif --proposal P [--low] (--aggregates | --forces FILE [--at DATE ...])",
		Short: "Evaluate history under any treaty or proposal: what if it had been the treaty?",
		Long: `Judges past forces under a treaty or proposal as if it had bound: the
official New START aggregates of both parties at every exchange since 2011
(--aggregates), or forces files (--forces) at their dates or at --at.

The aggregates are totals, not items: only limits whose totals are counted
exactly as New START counts its three can be judged from them (by their
rules, whatever their ids); the others are listed with why not.

A proposal or framework never entered into force: it is taken to have done
so on --entry-into-force (default 2011-02-05, New START's, for the
aggregates; the first date for forces), and its limits bind as written
from that day. --low reads each range at its low end.`,
		Example: `  # What if the low end of the 2009 Joint Understanding had been the treaty?
  tally whatif --proposal joint-understanding-2009 --low --aggregates

  # New START and the deep cut on the official aggregates, as CSV
  tally whatif --proposal new-start --proposal deep-cuts-500 --aggregates --format csv

  # A proposal against a forces file, at two dates
  tally whatif --proposal us-500.yaml --forces us-history-example --at 2012-01-01 --at 2018-02-05`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := checkFormat(format, formatTable, formatJSON, formatCSV); err != nil {
				return err
			}
			if len(proposals) == 0 {
				return badInputf("--proposal is required: a bundled treaty or proposal id, or a file")
			}
			if (agg == "") == (len(forcesArgs) == 0) {
				return badInputf("give --aggregates or --forces (one of them)")
			}
			var ts []*treaty.Treaty
			for _, p := range proposals {
				t, err := treaty.Lookup(p)
				if err != nil {
					return badInput(fmt.Errorf("--proposal %s: %w", p, err))
				}
				ts = append(ts, t)
			}
			var assumed *civil.Date
			if eif != "" {
				d, err := civil.Parse(eif)
				if err != nil {
					return badInput(fmt.Errorf("--entry-into-force: %w", err))
				}
				assumed = &d
			}
			asIf := func(t *treaty.Treaty, fallback civil.Date) impact.AsIf {
				a := impact.AsIf{Low: low, EntryIntoForce: assumed}
				if a.EntryIntoForce == nil && t.Dates.EntryIntoForce == nil {
					d := fallback
					a.EntryIntoForce = &d
				}
				return a
			}
			w := cmd.OutOrStdout()
			if agg != "" {
				rows := aggregates.NewSTART()
				if agg != embeddedAggregates {
					data, err := os.ReadFile(agg)
					if err != nil {
						return badInput(fmt.Errorf("--aggregates %w", err))
					}
					if rows, err = aggregates.Parse(agg, data); err != nil {
						return badInput(err)
					}
				}
				if party != "" {
					var kept []aggregates.Row
					for _, r := range rows {
						if strings.EqualFold(r.Party, party) {
							kept = append(kept, r)
						}
					}
					if len(kept) == 0 {
						return badInputf("--party %s: no rows of that party in the aggregates", party)
					}
					rows = kept
				}
				var results []*aggregates.Result
				for _, t := range ts {
					r, err := aggregates.Evaluate(t, rows, asIf(t, civil.MustParse("2011-02-05")))
					if err != nil {
						return err
					}
					results = append(results, r)
				}
				switch format {
				case "json":
					return writeJSON(w, results)
				case "csv":
					return whatifAggregatesCSV(results).writeCSV(w)
				}
				return writeWhatifAggregates(w, results, agg == embeddedAggregates)
			}
			// Forces files.
			var dates []civil.Date
			for _, a := range ats {
				d, err := civil.Parse(a)
				if err != nil {
					return badInput(fmt.Errorf("--at %s: %w", a, err))
				}
				dates = append(dates, d)
			}
			var out []*whatifForces
			for _, arg := range forcesArgs {
				f, err := forces.Open(arg)
				if err != nil {
					return badInput(fmt.Errorf("--forces %s: %w", arg, err))
				}
				ds := dates
				if len(ds) == 0 {
					if f.Snapshot() {
						ds = []civil.Date{f.AsOf()}
					} else {
						ds = f.Dates()
					}
				}
				ds = sortedDates(ds)
				for _, t := range ts {
					a := asIf(t, ds[0])
					rs, err := count.Series(t, f, ds)
					if err != nil {
						return badInput(fmt.Errorf("--forces %s under %s: %w", arg, t.ID, err))
					}
					wf := &whatifForces{Treaty: t.ID, Forces: f.Name(), Party: f.Party(), AsIf: a, Assumptions: a.Assumptions(t)}
					for _, r := range rs {
						pt := whatifPoint{Date: r.Date}
						for i := range t.Limits {
							l := &t.Limits[i]
							b := a.Bound(t, l, r.Date)
							lr, _ := r.Limit(l.ID)
							pt.Values = append(pt.Values, whatifValue{Limit: l.ID, Name: l.Name, Total: lr.Total, Bound: b, Within: lr.Total <= b.Max, Over: max(0, lr.Total-b.Max)})
						}
						wf.Points = append(wf.Points, pt)
					}
					out = append(out, wf)
				}
			}
			switch format {
			case "json":
				return writeJSON(w, out)
			case "csv":
				return whatifForcesCSV(out).writeCSV(w)
			}
			return writeWhatifForces(w, out)
		},
	}
	f := c.Flags()
	f.StringArrayVar(&proposals, "proposal", nil, "a treaty or proposal: bundled id or file (repeatable)")
	f.StringVar(&agg, "aggregates", "", "judge the official New START aggregates (or, --aggregates=FILE, a CSV of the same columns)")
	f.Lookup("aggregates").NoOptDefVal = embeddedAggregates
	f.StringArrayVar(&forcesArgs, "forces", nil, "a forces file or bundled example (repeatable)")
	f.StringArrayVar(&ats, "at", nil, "a date to judge the forces on (repeatable; default: a snapshot's as_of, a history's dates)")
	f.BoolVar(&low, "low", false, "read each range at its low end (the lower bound as the maximum)")
	f.StringVar(&eif, "entry-into-force", "", "take every treaty or proposal to enter into force on this date")
	f.StringVar(&party, "party", "", "only this party's aggregates")
	f.StringVar(&format, "format", "table", "table, json or csv")
	return c
}

func sortedDates(ds []civil.Date) []civil.Date {
	out := append([]civil.Date(nil), ds...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	// Series wants them ascending and distinct.
	uniq := out[:0]
	for i, d := range out {
		if i == 0 || d != out[i-1] {
			uniq = append(uniq, d)
		}
	}
	return uniq
}

// boundCell renders a total against a bound: "652 / 500: 152 over", with
// "·" when the limit would not bind yet.
func boundCell(total *int64, b impact.Bound) string {
	if total == nil {
		return "—"
	}
	s := treaty.FormatInt(*total) + " / " + treaty.FormatInt(b.Max)
	if *total > b.Max {
		s += ": " + treaty.FormatInt(*total-b.Max) + " over"
	}
	if !b.Binding {
		s += " ·"
	}
	return s
}

func writeWhatifAggregates(w io.Writer, results []*aggregates.Result, official bool) error {
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(w)
		}
		low := ""
		if r.AsIf.Low {
			low = ", the low end of its ranges,"
		}
		src := "the official New START aggregates"
		if !official {
			src = "the aggregates given"
		}
		fmt.Fprintf(w, "What if %s (%s)%s had been the treaty? Judged on %s.\n", r.Title, r.Treaty, low, src)
		for _, a := range r.Assumptions {
			bullet(w, "  ", "assumed: "+a)
		}
		for _, n := range r.Notes {
			bullet(w, "  ", n)
		}
		s := newTable("date", "party")
		var judged []int
		for li, l := range r.Limits {
			if l.Reads != "" {
				judged = append(judged, li)
				s.header = append(s.header, l.Name)
			}
		}
		s.header = append(s.header, "")
		for _, p := range r.Points {
			row := []string{p.Date.String(), p.Party}
			for k := range judged {
				v := p.Values[k]
				row = append(row, boundCell(v.Total, v.Bound))
			}
			mark := ""
			if p.Derived {
				mark = "DERIVED (see notes)"
			}
			row = append(row, mark)
			s.add(row...)
		}
		if len(judged) > 0 {
			if err := s.write(w); err != nil {
				return err
			}
			fmt.Fprintln(w, "(total / max; · not binding yet on that date; — not provided)")
		}
		for _, l := range r.Limits {
			if l.Reads == "" {
				bullet(w, "", fmt.Sprintf("%s (%s) cannot be judged from totals alone: %s", l.Name, l.ID, l.Why))
			} else if l.Reads != l.Total {
				bullet(w, "", fmt.Sprintf("%s (%s) is counted as New START's %s, which the aggregates give", l.Name, l.Total, l.Reads))
			}
		}
	}
	return nil
}

func whatifAggregatesCSV(results []*aggregates.Result) *table {
	s := newTable("treaty", "date", "party", "limit", "total", "max", "binding", "within", "over", "derived", "source")
	for _, r := range results {
		for _, p := range r.Points {
			k := 0
			for _, l := range r.Limits {
				if l.Reads == "" {
					continue
				}
				v := p.Values[k]
				k++
				total, within := "", ""
				if v.Total != nil {
					total, within = fmt.Sprint(*v.Total), fmt.Sprint(*v.Within)
				}
				s.add(r.Treaty, p.Date.String(), p.Party, l.ID, total, fmt.Sprint(v.Bound.Max), fmt.Sprint(v.Bound.Binding), within, fmt.Sprint(v.Over), fmt.Sprint(p.Derived), p.Source)
			}
		}
	}
	return s
}

// whatifForces is one forces file judged under one treaty.
type whatifForces struct {
	Treaty      string        `json:"treaty"`
	Forces      string        `json:"forces"`
	Party       string        `json:"party"`
	AsIf        impact.AsIf   `json:"as_if"`
	Assumptions []string      `json:"assumptions"`
	Points      []whatifPoint `json:"points"`
}

type whatifPoint struct {
	Date   civil.Date    `json:"date"`
	Values []whatifValue `json:"values"`
}

type whatifValue struct {
	Limit  string       `json:"limit"`
	Name   string       `json:"name"`
	Total  int64        `json:"total"`
	Bound  impact.Bound `json:"bound"`
	Within bool         `json:"within"`
	Over   int64        `json:"over"`
}

func writeWhatifForces(w io.Writer, out []*whatifForces) error {
	for i, wf := range out {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s under %s (%s's forces):\n", wf.Forces, wf.Treaty, wf.Party)
		for _, a := range wf.Assumptions {
			bullet(w, "  ", "assumed: "+a)
		}
		s := newTable("date")
		if len(wf.Points) > 0 {
			for _, v := range wf.Points[0].Values {
				s.header = append(s.header, v.Name)
			}
		}
		for _, p := range wf.Points {
			row := []string{p.Date.String()}
			for _, v := range p.Values {
				t := v.Total
				row = append(row, boundCell(&t, v.Bound))
			}
			s.add(row...)
		}
		if err := s.write(w); err != nil {
			return err
		}
		fmt.Fprintln(w, "(total / max; · not binding yet on that date)")
	}
	return nil
}

func whatifForcesCSV(out []*whatifForces) *table {
	s := newTable("treaty", "forces", "party", "date", "limit", "total", "max", "binding", "within", "over")
	for _, wf := range out {
		for _, p := range wf.Points {
			for _, v := range p.Values {
				s.add(wf.Treaty, wf.Forces, wf.Party, p.Date.String(), v.Limit, fmt.Sprint(v.Total), fmt.Sprint(v.Bound.Max), fmt.Sprint(v.Bound.Binding), fmt.Sprint(v.Within), fmt.Sprint(v.Over))
			}
		}
	}
	return s
}
