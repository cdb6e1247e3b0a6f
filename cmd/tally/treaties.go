package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/treaty"
)

func init() { rootCmd.AddCommand(newTreatiesCmd()) }

func newTreatiesCmd() *cobra.Command {
	var formatArg, at string
	c := &cobra.Command{
		Use:   "treaties",
		Short: "List the bundled treaties, frameworks and proposals",
		Long: `List the treaties, frameworks and proposals bundled in tally, with their
dates and whether each is in force on a date (today by default).

Use an id with 'tally treaty show', 'tally count --treaty' and
'tally compare'.`,
		Example: `  tally treaties
  tally treaties --at 2015-01-01
  tally treaties --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := checkFormat(formatArg, formatTable, formatJSON, formatCSV)
			if err != nil {
				return err
			}
			d, given, err := parseAt(at)
			if err != nil {
				return err
			}
			if !given {
				d = civil.Today()
			}
			all, err := treaty.Bundled()
			if err != nil {
				return err
			}
			type row struct {
				ID             string        `json:"id"`
				Kind           treaty.Kind   `json:"kind"`
				Name           string        `json:"name"`
				Signed         string        `json:"signed,omitempty"`
				EntryIntoForce string        `json:"entry_into_force,omitempty"`
				Expiry         string        `json:"expiry,omitempty"`
				Status         treaty.Status `json:"status"`
				Limits         []string      `json:"limits"`
			}
			rows := make([]row, len(all))
			for i, t := range all {
				r := row{ID: t.ID, Kind: t.Kind, Name: t.Title(), Status: t.Status(d),
					Signed: datedString(t.Dates.Signature), EntryIntoForce: datedString(t.Dates.EntryIntoForce),
					Expiry: datedString(t.Dates.Expiry)}
				for _, l := range t.Limits {
					r.Limits = append(r.Limits, l.ID)
				}
				rows[i] = r
			}
			out := cmd.OutOrStdout()
			switch f {
			case formatJSON:
				return writeJSON(out, rows)
			case formatCSV:
				recs := [][]string{{"id", "kind", "name", "signed", "entry_into_force", "expiry", "status_on_" + d.String()}}
				for _, r := range rows {
					recs = append(recs, []string{r.ID, string(r.Kind), r.Name, r.Signed, r.EntryIntoForce, r.Expiry, string(r.Status.Code)})
				}
				return writeCSV(out, recs)
			}
			t := newTable("ID", "KIND", "NAME", "SIGNED", "IN FORCE", "EXPIRY", "ON "+d.String())
			for _, r := range rows {
				t.add(r.ID, string(r.Kind), r.Name, r.Signed, r.EntryIntoForce, r.Expiry, describeStatus(r.Status))
			}
			if err := t.write(out); err != nil {
				return err
			}
			fmt.Fprintln(out, "\nDetails: tally treaty show ID")
			return nil
		},
	}
	c.Flags().StringVar(&at, "at", "", "the date to give each one's status on (default: today)")
	addFormatFlag(c, &formatArg, formatTable, formatJSON, formatCSV)
	return c
}

func datedString(d *treaty.Dated) string {
	if d == nil {
		return ""
	}
	return d.Date.String()
}
