package server

import (
	"fmt"
	"strings"

	"github.com/tally-project/tally/treaty"
)

// sources collects the sources a page cites, numbered in order of first
// citation, for the page's footnotes.
type sources struct {
	List  []*sourceEntry
	index map[string]*sourceEntry
}

// sourceEntry is one footnote.
type sourceEntry struct {
	N        int
	Source   string // a URL, or a citation when none was recorded
	Evidence treaty.Evidence
	Note     string
	// Label says what is cited, when the source alone does not.
	Label string
}

func newSources() *sources { return &sources{index: map[string]*sourceEntry{}} }

// cite returns the footnote of src, adding it if new. Entries with the
// same source, evidence, note and label share a footnote.
func (s *sources) cite(src treaty.Source, label string) *sourceEntry {
	key := src.Source + "\x00" + string(src.Evidence) + "\x00" + src.Note + "\x00" + label
	if e, ok := s.index[key]; ok {
		return e
	}
	e := &sourceEntry{N: len(s.List) + 1, Source: src.Source, Evidence: src.Evidence, Note: src.Note, Label: label}
	s.List = append(s.List, e)
	s.index[key] = e
	return e
}

// value is a value shown with its source: a number, a date, a bound. The
// page shows Text, the footnote number Ref, Title on hover, and Flag
// (derived, assumed, synthetic) next to it when the value is not read
// directly from the source.
type value struct {
	Text  string
	Ref   int
	Title string
	Flag  string
	// Recalled: the source is [R], recalled and not confirmed in a
	// primary text; the page says so next to the value.
	Recalled bool
}

// fact makes a value of text cited to src.
func (s *sources) fact(text string, src treaty.Source, label string) value {
	e := s.cite(src, label)
	return value{Text: text, Ref: e.N, Title: hover(e), Recalled: src.Evidence == treaty.EvidenceRecalled}
}

// num is fact for a number.
func (s *sources) num(n int64, src treaty.Source, label string) value {
	return s.fact(treaty.FormatInt(n), src, label)
}

// hover is the text a footnote shows on hover.
func hover(e *sourceEntry) string {
	var b strings.Builder
	if e.Label != "" {
		b.WriteString(e.Label)
		b.WriteString(". ")
	}
	fmt.Fprintf(&b, "Source: %s", e.Source)
	if e.Evidence != "" {
		fmt.Fprintf(&b, " [%s: %s]", e.Evidence, evidenceName(e.Evidence))
	}
	if e.Note != "" {
		b.WriteString(". ")
		b.WriteString(e.Note)
	}
	return b.String()
}
