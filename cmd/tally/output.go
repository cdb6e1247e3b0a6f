package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/civil"
)

// format is the --format flag shared by commands that print results.
type format string

const (
	formatTable format = "table"
	formatJSON  format = "json"
	formatCSV   format = "csv"
)

// addFormatFlag registers --format with the formats a command supports.
func addFormatFlag(c *cobra.Command, f *string, allowed ...format) {
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	c.Flags().StringVar(f, "format", string(allowed[0]), "output format: "+strings.Join(names, ", "))
}

// checkFormat validates a --format value against the allowed ones.
func checkFormat(f string, allowed ...format) (format, error) {
	for _, a := range allowed {
		if f == string(a) {
			return a, nil
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return "", badInputf("--format %q: want one of %s", f, strings.Join(names, ", "))
}

// parseAt reads a --at flag; empty means "not given".
func parseAt(s string) (civil.Date, bool, error) {
	if s == "" {
		return 0, false, nil
	}
	d, err := civil.Parse(s)
	if err != nil {
		return 0, false, badInputf("--at: %v", err)
	}
	return d, true, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeCSV(w io.Writer, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// table writes aligned columns; numbers are right-aligned by the caller
// marking the column with alignRight.
type table struct {
	header []string
	rows   [][]string
	right  map[int]bool
}

func newTable(header ...string) *table { return &table{header: header, right: map[int]bool{}} }

func (t *table) alignRight(cols ...int) *table {
	for _, c := range cols {
		t.right[c] = true
	}
	return t
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	width := make([]int, len(t.header))
	all := append([][]string{t.header}, t.rows...)
	for _, r := range all {
		for i, c := range r {
			if i < len(width) && utf8.RuneCountInString(c) > width[i] {
				width[i] = utf8.RuneCountInString(c)
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range all {
		cells := make([]string, len(t.header))
		for i := range cells {
			c := ""
			if i < len(r) {
				c = r[i]
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if t.right[i] {
				cells[i] = pad + c
			} else {
				cells[i] = c + pad
			}
		}
		fmt.Fprintln(tw, strings.TrimRight(strings.Join(cells, "\t"), " "))
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// checkFiles runs check on each path and prints "path: ok: summary", or
// every problem the file has (each names file:line and field). It fails
// with exit 2 when any file is invalid, after checking them all.
func checkFiles(cmd *cobra.Command, paths []string, check func(path string) (string, error)) error {
	bad := 0
	for _, path := range paths {
		summary, err := check(path)
		if err != nil {
			bad++
			fmt.Fprintln(cmd.ErrOrStderr(), err)
			continue
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s: ok: %s\n", path, summary)
	}
	if bad > 0 {
		return badInputf("%d of %d file(s) invalid", bad, len(paths))
	}
	return nil
}
