package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

func init() { rootCmd.AddCommand(newCountCmd()) }

func newCountCmd() *cobra.Command {
	var (
		treatyArg, forcesArg, at, formatArg string
		disputes                            []string
		explain                             bool
	)
	c := &cobra.Command{
		Use:   "count --treaty ID|FILE --forces NAME|FILE [--at DATE]",
		Short: "Count a party's forces under a treaty and judge them against its limits",
		Long: `Count a party's forces under a treaty's counting rules on a date, and say
for each limit the total, the bounds, whether the limit binds on that date
(and why not), whether the total is within it and by what margin.

--treaty is a bundled treaty id (see 'tally treaties') or a treaty file.
--forces is a forces file (snapshot or history) or a bundled example
(us-2020-09-01, ussr-1990-09-01, us-history-example). --at defaults to the
forces' as_of date; a snapshot is taken to hold at any date it is counted at.

--explain lists, under each limit, which item groups counted how much under
which rule, with the rule's source. --dispute FILE recounts every limit
under another party's reading of the items (a conversion it does not
accept, items the owner did not declare) and shows it beside the owner's.

Exit status: 0 within every binding limit; 3 over a binding maximum (under
any reading shown); 2 bad input; 1 other failure.`,
		Example: `  # The US on 2020-09-01 under New START: 675 / 1,457 / 800
  tally count --treaty new-start --forces us-2020-09-01

  # Why 1,457? Each group and rule, with sources
  tally count --treaty new-start --forces us-2020-09-01 --explain

  # The same forces under Russia's 2018-2022 reading, side by side
  tally count --treaty new-start --forces us-2020-09-01 --dispute us-2020-09-01.ru-reading

  # START I on the Soviet 1990 data, as JSON
  tally count --treaty start-1 --forces ussr-1990-09-01 --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := checkFormat(formatArg, formatTable, formatJSON, formatCSV)
			if err != nil {
				return err
			}
			in, err := loadCountInput(treatyArg, forcesArg, at, disputes)
			if err != nil {
				return err
			}
			results := make([]*count.Result, len(in.states))
			for i, s := range in.states {
				if results[i], err = count.Evaluate(in.treaty, s, in.date); err != nil {
					return badInput(err)
				}
			}
			out := cmd.OutOrStdout()
			switch f {
			case formatJSON:
				if !explain {
					for _, r := range results {
						for i := range r.Limits {
							r.Limits[i].Explain = nil
						}
					}
				}
				if len(results) == 1 {
					err = writeJSON(out, results[0])
				} else {
					err = writeJSON(out, map[string]any{"readings": results})
				}
			case formatCSV:
				err = writeCSV(out, countCSV(results))
			default:
				err = writeCountTable(out, in, results, explain)
			}
			if err != nil {
				return err
			}
			for _, r := range results {
				if r.Over() {
					return &exitError{code: exitOverMax, err: overError(r)}
				}
			}
			return nil
		},
	}
	c.Flags().StringVar(&treatyArg, "treaty", "", "treaty id or file (required)")
	c.Flags().StringVar(&forcesArg, "forces", "", "forces file or bundled example name (required)")
	c.Flags().StringVar(&at, "at", "", "date to count at, YYYY-MM-DD (default: the forces' as_of)")
	c.Flags().BoolVar(&explain, "explain", false, "show which groups counted how much under which rule")
	c.Flags().StringArrayVar(&disputes, "dispute", nil, "a reading (dispute) file; count under it too (repeatable)")
	addFormatFlag(c, &formatArg, formatTable, formatJSON, formatCSV)
	_ = c.MarkFlagRequired("treaty")
	_ = c.MarkFlagRequired("forces")
	return c
}

// countInput is what count and compare read: forces at a date, under the
// owner's declaration and under each reading given.
type countInput struct {
	treaty *treaty.Treaty
	forces *forces.Forces
	date   civil.Date
	states []*forces.State // [0] as declared, then one per reading
}

func loadCountInput(treatyArg, forcesArg, at string, disputes []string) (*countInput, error) {
	in := &countInput{}
	var err error
	if treatyArg != "" {
		if in.treaty, err = treaty.Lookup(treatyArg); err != nil {
			return nil, badInput(err)
		}
	}
	if in.forces, err = forces.Open(forcesArg); err != nil {
		return nil, badInput(err)
	}
	d, given, err := parseAt(at)
	if err != nil {
		return nil, err
	}
	in.date = in.forces.AsOf()
	if given {
		in.date = d
	}
	s, err := in.forces.At(in.date)
	if err != nil {
		return nil, badInput(err)
	}
	in.states = []*forces.State{s}
	for _, path := range disputes {
		r, err := forces.OpenReading(path)
		if err != nil {
			return nil, badInput(err)
		}
		rs, err := s.Read(r)
		if err != nil {
			return nil, badInput(err)
		}
		in.states = append(in.states, rs)
	}
	return in, nil
}

func overError(r *count.Result) error {
	var over []string
	for _, l := range r.Limits {
		if l.Binding && !l.Within {
			over = append(over, fmt.Sprintf("%s by %s", l.ID, treaty.FormatInt(l.Total-l.Max)))
		}
	}
	who := r.Party
	if r.Reading != "" {
		who += " under " + r.Reading
	}
	return fmt.Errorf("%s is over a binding limit of %s on %s: %s", who, r.Treaty, r.Date, strings.Join(over, ", "))
}

func readingName(r *count.Result) string {
	if r.Reading == "" {
		return r.Party + " as declared"
	}
	return r.Reading
}

func writeCountTable(w io.Writer, in *countInput, results []*count.Result, explain bool) error {
	r0 := results[0]
	fmt.Fprintf(w, "%s: %s on %s\n", in.treaty.Title(), r0.Party, r0.Date)
	fmt.Fprintf(w, "Forces: %s\n", describeForces(in.forces, in.date))
	fmt.Fprintf(w, "Treaty: %s\n\n", describeStatus(r0.Status))

	if len(results) == 1 {
		t := newTable("LIMIT", "TOTAL", "MAX", "MARGIN", "BINDING", "VERDICT").alignRight(1, 2, 3)
		for _, l := range r0.Limits {
			t.add(l.ID, treaty.FormatInt(l.Total), limitBounds(l), signed(l.Margin), yesNo(l.Binding), limitVerdict(l))
		}
		if err := t.write(w); err != nil {
			return err
		}
	} else {
		header := []string{"LIMIT", "MAX"}
		for _, r := range results {
			header = append(header, strings.ToUpper(readingName(r)))
		}
		t := newTable(header...).alignRight(1)
		for i, l := range r0.Limits {
			row := []string{l.ID, limitBounds(l)}
			for _, r := range results {
				rl := r.Limits[i]
				row = append(row, fmt.Sprintf("%s (%s)", treaty.FormatInt(rl.Total), limitVerdict(rl)))
			}
			t.add(row...)
		}
		if err := t.write(w); err != nil {
			return err
		}
	}
	for _, l := range r0.Limits {
		if !l.Binding && l.WhyNot != "" {
			fmt.Fprintf(w, "\n%s does not bind: %s", l.ID, l.WhyNot)
		}
	}
	fmt.Fprintln(w)
	for _, r := range results {
		for _, f := range r.Findings {
			fmt.Fprintf(w, "\nfinding (%s): %d × %s: %s [%s]", readingName(r), f.Items, f.Group, f.Says, f.Rule)
		}
		for k, n := range r.NotCovered {
			fmt.Fprintf(w, "\nnot counted by %s: %d %s item(s)", in.treaty.ID, n, k)
		}
	}
	if explain {
		for _, r := range results {
			writeExplanation(w, r)
		}
	}
	for _, r := range results {
		for _, ch := range count.WhatMustChange(r) {
			fmt.Fprintf(w, "\n%s: %s is over by %s. What could close it (fewest items first):\n", readingName(r), ch.Limit, treaty.FormatInt(ch.Over))
			shown := ch.Options
			if !explain && len(shown) > maxOptions {
				shown = shown[:maxOptions]
			}
			for _, o := range shown {
				fmt.Fprintf(w, "  - %s\n", o.Text)
			}
			if len(shown) < len(ch.Options) {
				fmt.Fprintf(w, "  ... and %d more (--explain lists them all)\n", len(ch.Options)-len(shown))
			}
		}
	}
	fmt.Fprintln(w)
	return nil
}

// maxOptions is how many ways to close a gap the table shows without
// --explain.
const maxOptions = 5

func writeExplanation(w io.Writer, r *count.Result) {
	fmt.Fprintf(w, "\nWhat counted (%s):\n", readingName(r))
	for _, l := range r.Limits {
		fmt.Fprintf(w, "\n  %s = %s  (limit %s [%s] %s)\n", l.ID, treaty.FormatInt(l.Total), limitBounds(l), l.Source.Evidence, l.Source.Source)
		rule := ""
		for _, p := range l.Explain {
			if p.Rule.ID != rule {
				rule = p.Rule.ID
				fmt.Fprintf(w, "    rule %s: %s [%s %s]\n", p.Rule.ID, p.Rule.Says, p.Rule.Source.Evidence, p.Rule.Source.Source)
			}
			extra := ""
			if p.Note != "" {
				extra = ", " + p.Note
			}
			if p.Group != nil && p.Group.Origin != "" {
				extra += "  (" + p.Group.Origin + ")"
			}
			fmt.Fprintf(w, "      %7s  %s: %d × %d%s\n", treaty.FormatInt(p.Units), p.Label(), p.Items, p.Each, extra)
		}
	}
}

func countCSV(results []*count.Result) [][]string {
	rows := [][]string{{"treaty", "party", "reading", "date", "limit", "total", "min", "max", "binding", "within", "margin", "margin_low", "why_not"}}
	for _, r := range results {
		for _, l := range r.Limits {
			rows = append(rows, []string{r.Treaty, r.Party, r.Reading, r.Date.String(), l.ID,
				fmt.Sprint(l.Total), optRaw(l.Min), fmt.Sprint(l.Max), fmt.Sprint(l.Binding), fmt.Sprint(l.Within),
				fmt.Sprint(l.Margin), optRaw(l.MarginLow), l.WhyNot})
		}
	}
	return rows
}

func describeForces(f *forces.Forces, d civil.Date) string {
	if f.Snapshot() {
		s := fmt.Sprintf("%s, a snapshot as of %s", f.Name(), f.AsOf())
		if d != f.AsOf() {
			s += fmt.Sprintf(", taken to hold on %s", d)
		}
		return s
	}
	return fmt.Sprintf("%s, a history of %d events replayed to %s", f.Name(), f.Events(), d)
}

func describeStatus(s treaty.Status) string {
	if s.InForce {
		return "in force"
	}
	if s.Reason != "" {
		return s.Reason
	}
	return string(s.Code)
}

func limitVerdict(l count.LimitResult) string {
	switch {
	case !l.Within && l.Binding:
		return "OVER"
	case !l.Within:
		return "over (not binding)"
	case l.Min != nil && l.Total < *l.Min:
		return "within (below the range)"
	}
	return "within"
}

func limitBounds(l count.LimitResult) string {
	if l.Min != nil {
		return treaty.FormatInt(*l.Min) + "–" + treaty.FormatInt(l.Max)
	}
	return treaty.FormatInt(l.Max)
}

func signed(n int64) string {
	if n > 0 {
		return "+" + treaty.FormatInt(n)
	}
	return treaty.FormatInt(n)
}

func optRaw(p *int64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}
