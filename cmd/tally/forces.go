package main

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/forces"
)

func init() { rootCmd.AddCommand(newForcesCmd()) }

func newForcesCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "forces",
		Short: "Check and show forces files (snapshots and histories)",
		Long: `A forces file lists one party's items: single items with UIDs and groups
written once with a count, as a snapshot (as_of a date) or a history of
dated events. See docs/forces-and-events.md.

Bundled examples: ` + fmt.Sprint(forces.BundledNames()),
		Example: `  tally forces check my-forces.yaml
  tally forces show us-2020-09-01
  tally forces show us-history-example --at 2012-06-01`,
	}
	c.AddCommand(newForcesCheckCmd(), newForcesShowCmd())
	return c
}

func newForcesCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE...",
		Short: "Check forces files and report every problem with file:line and field",
		Long: `Load each forces file as tally would: unknown kinds, statuses and types
(with the nearest names), negative counts, duplicate UIDs, events out of
order or on eliminated items, warheads on launchers, more deployed missiles
than deployed launchers at a site. Exit 0 when every file is valid, 2
otherwise.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return checkFiles(cmd, args, func(path string) (string, error) {
				f, err := forces.LoadFile(path)
				if err != nil {
					return "", err
				}
				form := "snapshot as of " + f.AsOf().String()
				if !f.Snapshot() {
					form = fmt.Sprintf("history of %d events to %s", f.Events(), f.AsOf())
				}
				return fmt.Sprintf("%s, %d items, %s", f.Party(), f.Items(), form), nil
			})
		},
	}
}

func newForcesShowCmd() *cobra.Command {
	var at, formatArg string
	c := &cobra.Command{
		Use:   "show NAME|FILE [--at DATE]",
		Short: "Show a party's items at a date, grouped",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ff, err := checkFormat(formatArg, formatTable, formatJSON, formatCSV)
			if err != nil {
				return err
			}
			in, err := loadCountInput("", args[0], at, nil)
			if err != nil {
				return err
			}
			s := in.states[0]
			groups := append([]*forces.Group(nil), s.Groups...)
			sort.SliceStable(groups, func(i, j int) bool { return groups[i].Label() < groups[j].Label() })
			out := cmd.OutOrStdout()
			type row struct {
				Kind     forces.Kind   `json:"kind"`
				Type     string        `json:"type"`
				Status   forces.Status `json:"status"`
				Site     string        `json:"site,omitempty"`
				Warheads *int          `json:"warheads,omitempty"`
				Count    int           `json:"count"`
				Attrs    forces.Attrs  `json:"overrides,omitempty"`
				UIDs     []string      `json:"uids,omitempty"`
				Origin   string        `json:"origin,omitempty"`
			}
			rows := make([]row, len(groups))
			for i, g := range groups {
				r := row{Kind: g.Kind, Type: g.Type, Status: g.Status, Site: g.Site, Count: g.Count, Attrs: g.Overrides, UIDs: g.UIDs, Origin: g.Origin}
				if g.Warheads != forces.NoLoading {
					w := g.Warheads
					r.Warheads = &w
				}
				rows[i] = r
			}
			switch ff {
			case formatJSON:
				return writeJSON(out, map[string]any{"party": s.Party, "date": s.Date, "snapshot": s.Snapshot, "groups": rows})
			case formatCSV:
				recs := [][]string{{"kind", "type", "status", "site", "warheads", "count", "origin"}}
				for _, r := range rows {
					w := ""
					if r.Warheads != nil {
						w = fmt.Sprint(*r.Warheads)
					}
					recs = append(recs, []string{string(r.Kind), r.Type, string(r.Status), r.Site, w, fmt.Sprint(r.Count), r.Origin})
				}
				return writeCSV(out, recs)
			}
			fmt.Fprintf(out, "%s on %s: %s\n\n", s.Party, s.Date, describeForces(in.forces, in.date))
			t := newTable("COUNT", "GROUP", "DECLARED AT").alignRight(0)
			total := 0
			for _, g := range groups {
				t.add(fmt.Sprint(g.Count), g.Label(), g.Origin)
				total += g.Count
			}
			if err := t.write(out); err != nil {
				return err
			}
			fmt.Fprintf(out, "\n%d items in %d groups\n", total, len(groups))
			return nil
		},
	}
	c.Flags().StringVar(&at, "at", "", "date, YYYY-MM-DD (default: the file's as_of)")
	addFormatFlag(c, &formatArg, formatTable, formatJSON, formatCSV)
	return c
}
