package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/treaty"
)

func init() { rootCmd.AddCommand(newCompareCmd()) }

func newCompareCmd() *cobra.Command {
	var (
		forcesArg, at, formatArg string
		treaties, disputes       []string
	)
	c := &cobra.Command{
		Use:   "compare --forces NAME|FILE --treaty A --treaty B [--treaty C ...]",
		Short: "Judge one party's forces under several treaties or proposals, side by side",
		Long: `Count one party's forces under each treaty or proposal given and show the
results side by side: one column per treaty (and per reading with
--dispute), one row per limit. A limit a treaty does not have shows "—".
Each cell is the total against the bound, with the verdict; limits that do
not bind on the date are marked "(not binding)".`,
		Example: `  # New START against a 500-warhead deep cut, for the US in 2020
  tally compare --forces us-2020-09-01 --treaty new-start --treaty deep-cuts-500

  # Every bundled treaty, as CSV
  tally compare --forces us-2020-09-01 --treaty new-start --treaty sort \
      --treaty joint-understanding-2009 --treaty deep-cuts-500 --format csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := checkFormat(formatArg, formatTable, formatJSON, formatCSV)
			if err != nil {
				return err
			}
			if len(treaties) < 1 {
				return badInputf("give at least one --treaty")
			}
			in, err := loadCountInput("", forcesArg, at, disputes)
			if err != nil {
				return err
			}
			var results []*count.Result
			for _, id := range treaties {
				t, err := treaty.Lookup(id)
				if err != nil {
					return badInput(err)
				}
				for _, s := range in.states {
					r, err := count.Evaluate(t, s, in.date)
					if err != nil {
						return badInput(err)
					}
					for i := range r.Limits {
						r.Limits[i].Explain = nil
					}
					results = append(results, r)
				}
			}
			out := cmd.OutOrStdout()
			switch f {
			case formatJSON:
				return writeJSON(out, map[string]any{"date": in.date, "party": in.forces.Party(), "results": results})
			case formatCSV:
				return writeCSV(out, countCSV(results))
			}
			fmt.Fprintf(out, "%s on %s\nForces: %s\n\n", in.forces.Party(), in.date, describeForces(in.forces, in.date))
			return writeCompareTable(out, results)
		},
	}
	c.Flags().StringVar(&forcesArg, "forces", "", "forces file or bundled example name (required)")
	c.Flags().StringArrayVar(&treaties, "treaty", nil, "a treaty id or file (repeat for each column)")
	c.Flags().StringVar(&at, "at", "", "date to count at, YYYY-MM-DD (default: the forces' as_of)")
	c.Flags().StringArrayVar(&disputes, "dispute", nil, "a reading (dispute) file; add a column under it for each treaty")
	addFormatFlag(c, &formatArg, formatTable, formatJSON, formatCSV)
	_ = c.MarkFlagRequired("forces")
	_ = c.MarkFlagRequired("treaty")
	return c
}

func writeCompareTable(w io.Writer, results []*count.Result) error {
	// Rows: every limit id, in the order they first appear.
	var ids []string
	seen := map[string]bool{}
	for _, r := range results {
		for _, l := range r.Limits {
			if !seen[l.ID] {
				seen[l.ID] = true
				ids = append(ids, l.ID)
			}
		}
	}
	header := []string{"LIMIT"}
	for _, r := range results {
		col := r.Treaty
		if r.Reading != "" {
			col += " / " + r.Reading
		}
		header = append(header, col)
	}
	t := newTable(header...)
	status := []string{"(treaty)"}
	for _, r := range results {
		status = append(status, string(r.Status.Code))
	}
	t.add(status...)
	for _, id := range ids {
		row := []string{id}
		for _, r := range results {
			l, ok := r.Limit(id)
			if !ok {
				row = append(row, "—")
				continue
			}
			cell := fmt.Sprintf("%s / %s %s", treaty.FormatInt(l.Total), limitBounds(*l), limitVerdict(*l))
			if !l.Binding && l.Within {
				cell += " (not binding)"
			}
			row = append(row, cell)
		}
		t.add(row...)
	}
	if err := t.write(w); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nWhy a limit does not bind: tally count --treaty ID --forces ... --at DATE")
	return nil
}
