package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/treaty"
)

func init() { rootCmd.AddCommand(newTreatyCmd()) }

func newTreatyCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "treaty",
		Short: "Show, check and compare treaty and proposal files",
		Long: `A treaty, framework or proposal is one YAML file: parties, dates, totals,
counting rules (CEL expressions), limits with phases, notification timing
rules and inspection quotas, every number with its source. See
docs/writing-a-treaty.md; schema/treaty.schema.json helps editors.`,
		Example: `  tally treaty show new-start
  tally treaty check my-proposal.yaml
  tally treaty diff new-start deep-cuts-500`,
	}
	c.AddCommand(newTreatyShowCmd(), newTreatyCheckCmd(), newTreatyDiffCmd())
	return c
}

func newTreatyShowCmd() *cobra.Command {
	var formatArg, at string
	c := &cobra.Command{
		Use:   "show ID|FILE",
		Short: "Show a treaty: dates, counting rules and limits, with sources",
		Example: `  tally treaty show new-start
  tally treaty show start-1 --at 1998-01-01
  tally treaty show ./proposal.yaml --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := checkFormat(formatArg, formatTable, formatJSON)
			if err != nil {
				return err
			}
			t, err := treaty.Lookup(args[0])
			if err != nil {
				return badInput(err)
			}
			d, given, err := parseAt(at)
			if err != nil {
				return err
			}
			if !given {
				d = civil.Today()
			}
			if f == formatJSON {
				return writeJSON(cmd.OutOrStdout(), t)
			}
			return writeTreaty(cmd.OutOrStdout(), t, d)
		},
	}
	c.Flags().StringVar(&at, "at", "", "the date for status and binding limits (default: today)")
	addFormatFlag(c, &formatArg, formatTable, formatJSON)
	return c
}

func writeTreaty(w io.Writer, t *treaty.Treaty, d civil.Date) error {
	fmt.Fprintf(w, "%s (%s, %s)\n%s\n", t.Title(), t.ID, t.Kind, t.Name)
	if t.Summary != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(t.Summary))
	}
	fmt.Fprintf(w, "\nOn %s: %s\n", d, describeStatus(t.Status(d)))
	if p := t.Proposal; p != nil {
		fmt.Fprintf(w, "\nProposal by %s", p.Author)
		if p.Parent != "" {
			fmt.Fprintf(w, ", derived from %s", p.Parent)
		}
		fmt.Fprintf(w, " [%s %s]\n", p.Evidence, p.Source.Source)
		if p.Note != "" {
			fmt.Fprintf(w, "  %s\n", strings.TrimSpace(p.Note))
		}
	}

	fmt.Fprintln(w, "\nParties:")
	for _, p := range t.Parties {
		alias := ""
		if len(p.Aliases) > 0 {
			alias = " (also " + strings.Join(p.Aliases, ", ") + ")"
		}
		fmt.Fprintf(w, "  %s  %s%s\n", p.ID, p.Name, alias)
	}

	fmt.Fprintln(w, "\nDates:")
	dated := []struct {
		name string
		d    *treaty.Dated
	}{{"signature", t.Dates.Signature}, {"entry into force", t.Dates.EntryIntoForce},
		{"reduction deadline", t.Dates.ReductionDeadline}, {"expiry (first day not in force)", t.Dates.Expiry}}
	for _, x := range dated {
		if x.d != nil {
			fmt.Fprintf(w, "  %-32s %s  [%s %s]\n", x.name, x.d.Date, x.d.Evidence, x.d.Source.Source)
		}
	}
	for _, e := range t.Dates.Extensions {
		fmt.Fprintf(w, "  %-32s %s to %s, agreed %s  [%s %s]\n", "extension", e.From, e.To, e.Agreed, e.Evidence, e.Source.Source)
	}
	if s := t.Dates.SupersededBy; s != nil {
		fmt.Fprintf(w, "  %-32s %s by %s  [%s %s]\n", "superseded", s.Date, s.Treaty, s.Evidence, s.Source.Source)
	}

	fmt.Fprintln(w, "\nLimits:")
	lt := newTable("  LIMIT", "BOUNDS", "ON "+d.String(), "SOURCE").alignRight(1)
	for i := range t.Limits {
		l := &t.Limits[i]
		st := t.LimitAt(l, d)
		bounds := treaty.FormatInt(l.Max)
		if l.Min != nil {
			bounds = treaty.FormatInt(*l.Min) + "–" + bounds
		}
		status := "binds"
		if !st.Binding {
			status = "does not bind: " + st.Reason
		}
		lt.add("  "+l.ID, bounds, status, fmt.Sprintf("[%s] %s", l.Evidence, l.Source.Source))
		for _, p := range l.Phases {
			b := treaty.FormatInt(p.Max)
			if p.Min != nil {
				b = treaty.FormatInt(*p.Min) + "–" + b
			}
			when := ""
			if p.From != nil {
				when = "from " + p.From.String()
			} else if p.MonthsAfterEIF != nil {
				when = fmt.Sprintf("%d months after entry into force", *p.MonthsAfterEIF)
			}
			lt.add("    "+p.Name, b, when, fmt.Sprintf("[%s] %s", p.Evidence, p.Source.Source))
		}
	}
	if err := lt.write(w); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nCounting rules:")
	for _, r := range t.Rules {
		fmt.Fprintf(w, "  %s: %s\n", r.ID, r.Says)
		if len(r.Parties) > 0 {
			fmt.Fprintf(w, "      parties: %s\n", strings.Join(r.Parties, ", "))
		}
		fmt.Fprintf(w, "      when: %s\n", oneLine(string(r.When)))
		totals := make([]string, 0, len(r.Counts))
		for k := range r.Counts {
			totals = append(totals, k)
		}
		sort.Strings(totals)
		for _, k := range totals {
			fmt.Fprintf(w, "      %s += %s\n", k, oneLine(string(r.Counts[k])))
		}
		if q := r.Quota; q != nil {
			fmt.Fprintf(w, "      quota on %s: the first %d count %s, the rest %s\n", q.Total, q.First, oneLine(string(q.Units)), oneLine(string(q.Rest)))
		}
		fmt.Fprintf(w, "      source: [%s] %s\n", r.Evidence, r.Source.Source)
	}
	if len(t.Notifications) > 0 {
		fmt.Fprintln(w, "\nNotification timing:")
		for _, n := range t.Notifications {
			fmt.Fprintf(w, "  %s (%s, within %d days): %s  [%s]\n", n.ID, n.Kind, n.WithinDays, n.Says, n.Evidence)
		}
	}
	if len(t.Inspections) > 0 {
		fmt.Fprintln(w, "\nInspection quotas:")
		for _, in := range t.Inspections {
			fmt.Fprintf(w, "  %s: %d a year  [%s]\n", in.Name, in.PerYear, in.Evidence)
		}
	}
	if len(t.Omitted) > 0 {
		fmt.Fprintln(w, "\nNot modelled:")
		for _, o := range t.Omitted {
			fmt.Fprintf(w, "  - %s: %s\n", o.What, oneLine(o.Why))
		}
	}
	for _, n := range t.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", oneLine(n))
	}
	fmt.Fprintf(w, "\nFile: %s\n", t.File)
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func newTreatyCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE...",
		Short: "Check treaty or proposal files: schema, sources, rules, dates",
		Long: `Load each file as tally would and report every problem with file:line:column
and the field path: unknown fields, counting rules that do not compile or
return the wrong type, limits on undefined totals, impossible dates or dates
out of order, numbers without a source. Exit 0 when every file is valid, 2
otherwise.`,
		Example: `  tally treaty check catalog/treaties/*.yaml
  tally treaty check my-proposal.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return checkFiles(cmd, args, func(path string) (string, error) {
				t, err := treaty.LoadFile(path)
				if err != nil {
					return "", err
				}
				return fmt.Sprintf("%s (%s), %d rules, %d limits", t.Title(), t.Kind, len(t.Rules), len(t.Limits)), nil
			})
		},
	}
}

func newTreatyDiffCmd() *cobra.Command {
	var formatArg string
	c := &cobra.Command{
		Use:   "diff A B",
		Short: "Say in words what changed from one treaty or proposal to another",
		Long: `Compare two treaties or proposals (ids or files): limits, counting rules,
dates, parties, notification and inspection provisions, each change said in
words ("deployed warheads: 1,550 → 500").`,
		Example: `  tally treaty diff new-start deep-cuts-500
  tally treaty diff new-start ./my-proposal.yaml --format json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := checkFormat(formatArg, formatTable, formatJSON)
			if err != nil {
				return err
			}
			a, err := treaty.Lookup(args[0])
			if err != nil {
				return badInput(err)
			}
			b, err := treaty.Lookup(args[1])
			if err != nil {
				return badInput(err)
			}
			changes := treaty.Diff(a, b)
			if f == formatJSON {
				return writeJSON(cmd.OutOrStdout(), changes)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "From %s (%s) to %s (%s):\n", a.Title(), a.ID, b.Title(), b.ID)
			if len(changes) == 0 {
				fmt.Fprintln(w, "  no differences")
			}
			section := ""
			for _, ch := range changes {
				if ch.Section != section {
					section = ch.Section
					fmt.Fprintf(w, "\n%s:\n", section)
				}
				fmt.Fprintf(w, "  - %s\n", ch.Text)
			}
			return nil
		},
	}
	addFormatFlag(c, &formatArg, formatTable, formatJSON)
	return c
}
