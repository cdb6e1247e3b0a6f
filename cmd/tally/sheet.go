package main

// Rendering shared by the negotiation commands (proposal, impact,
// whatif): a sheet is a table of text cells printed with aligned columns
// or as CSV; JSON goes through sheetJSON.

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// sheet is a table: a header row and rows of cells. A row with a single
// cell and sep set is printed as a section heading across the table.
type sheet struct {
	head []string
	rows [][]string
}

func (s *sheet) add(cells ...string) { s.rows = append(s.rows, cells) }

// section adds a heading row (printed alone on its line in text, left out
// of CSV).
func (s *sheet) section(title string) { s.rows = append(s.rows, []string{"\x00" + title}) }

// writeText prints the sheet with aligned columns, two spaces apart.
func (s *sheet) writeText(w io.Writer) error {
	widths := make([]int, len(s.head))
	measure := func(cells []string) {
		for i, c := range cells {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	measure(s.head)
	for _, r := range s.rows {
		if len(r) == 1 && strings.HasPrefix(r[0], "\x00") {
			continue
		}
		measure(r)
	}
	line := func(cells []string) string {
		var b strings.Builder
		for i, c := range cells {
			if i > 0 {
				b.WriteString("  ")
			}
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)))
			}
		}
		return strings.TrimRight(b.String(), " ")
	}
	if len(s.head) > 0 {
		if _, err := fmt.Fprintln(w, line(s.head)); err != nil {
			return err
		}
	}
	for _, r := range s.rows {
		if len(r) == 1 && strings.HasPrefix(r[0], "\x00") {
			if _, err := fmt.Fprintln(w, r[0][1:]); err != nil {
				return err
			}
			continue
		}
		if _, err := fmt.Fprintln(w, line(r)); err != nil {
			return err
		}
	}
	return nil
}

// writeCSV writes the sheet as CSV, headings left out.
func (s *sheet) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(s.head); err != nil {
		return err
	}
	for _, r := range s.rows {
		if len(r) == 1 && strings.HasPrefix(r[0], "\x00") {
			continue
		}
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// sheetJSON writes v as indented JSON.
func sheetJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// sheetFormat accepts table, json or csv (the ones listed).
func sheetFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return badInputf("--format %s: one of %s", format, strings.Join(allowed, ", "))
}

// sheetBullet writes text as an indented list item, wrapped at 100 columns.
func sheetBullet(w io.Writer, indent, text string) { sheetItem(w, indent, "- ", text) }

// sheetItem writes text after marker, wrapped at 100 columns, continuation
// lines indented under the text.
func sheetItem(w io.Writer, indent, marker, text string) {
	words := strings.Fields(text)
	line := indent + marker
	cont := indent + strings.Repeat(" ", utf8.RuneCountInString(marker))
	first := true
	for _, wd := range words {
		if !first && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(wd) > 100 {
			fmt.Fprintln(w, line)
			line = cont
			first = true
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
