package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
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

// table is rows of text cells, printed with aligned columns (numbers
// right-aligned in the columns marked with alignRight) or as CSV. A
// section row is a heading printed alone across the table and left out of
// CSV.
type table struct {
	header []string
	rows   [][]string
	right  map[int]bool
}

// sectionMark starts the single cell of a section row.
const sectionMark = "\x00"

func newTable(header ...string) *table { return &table{header: header, right: map[int]bool{}} }

func (t *table) alignRight(cols ...int) *table {
	for _, c := range cols {
		t.right[c] = true
	}
	return t
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// section adds a heading row.
func (t *table) section(title string) { t.rows = append(t.rows, []string{sectionMark + title}) }

func isSection(r []string) bool { return len(r) == 1 && strings.HasPrefix(r[0], sectionMark) }

func (t *table) write(w io.Writer) error {
	width := make([]int, len(t.header))
	for _, r := range append([][]string{t.header}, t.rows...) {
		if isSection(r) {
			continue
		}
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(r []string) string {
		cells := make([]string, len(width))
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
		return strings.TrimRight(strings.Join(cells, "  "), " ")
	}
	var b strings.Builder
	if len(t.header) > 0 {
		b.WriteString(line(t.header) + "\n")
	}
	for _, r := range t.rows {
		if isSection(r) {
			b.WriteString(r[0][len(sectionMark):] + "\n")
			continue
		}
		b.WriteString(line(r) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeCSV writes the header and rows as CSV, sections left out.
func (t *table) writeCSV(w io.Writer) error {
	rows := [][]string{t.header}
	for _, r := range t.rows {
		if !isSection(r) {
			rows = append(rows, r)
		}
	}
	return writeCSV(w, rows)
}

// bullet writes text as an indented list item, wrapped at 100 columns.
func bullet(w io.Writer, indent, text string) { listItem(w, indent, "- ", text) }

// listItem writes text after marker, wrapped at 100 columns, continuation
// lines indented under the text.
func listItem(w io.Writer, indent, marker, text string) {
	line := indent + marker
	cont := indent + strings.Repeat(" ", utf8.RuneCountInString(marker))
	first := true
	for _, wd := range strings.Fields(text) {
		if !first && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(wd) > 100 {
			fmt.Fprintln(w, line)
			line, first = cont, true
		}
		if first {
			line += wd
			first = false
		} else {
			line += " " + wd
		}
	}
	fmt.Fprintln(w, line)
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
