package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/impact"
	"github.com/tally-project/tally/proposal"
	"github.com/tally-project/tally/treaty"
)

func init() { rootCmd.AddCommand(newProposalCmd()) }

func newProposalCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "proposal",
		Short: "Draft proposals from a treaty, and show one with its linked clauses",
		Long: `A proposal is a treaty file of kind proposal that amends a parent treaty
or proposal: an author, a parent, a note, and the parent's text with the
values it changes. 'tally proposal new' writes one from the parent's own
file, keeping its comments and layout; every value it changes gets a source
saying the proposal sets it. 'tally treaty diff' says what changed.`,
	}
	c.AddCommand(newProposalNewCmd(), newProposalShowCmd())
	return c
}

func newProposalNewCmd() *cobra.Command {
	var (
		from, id, author, note, out string
		sets                        []string
		force                       bool
	)
	c := &cobra.Command{
		Use:   "new --from TREATY --set LIMIT.FIELD=VALUE ... [-o FILE]",
		Short: "Write a new proposal that amends a treaty or proposal",
		Long: `Writes a proposal derived from --from (a bundled id or a file), with the
changes given by --set, and checks it loads before writing anything.

A --set changes a limit or a rule:

  LIMIT.max=N                    the maximum (500, 1,550)
  LIMIT.min=N|none               the low end of a range, or no range
  LIMIT.from=DATE|none           the first day it binds
  LIMIT.months_after_entry_into_force=N
  LIMIT.until=DATE|none          the first day it no longer binds
  LIMIT.name=TEXT
  rules.RULE.counts.TOTAL=EXPR   what each item counts toward a total (CEL)
  rules.RULE.when=EXPR           which items the rule applies to (CEL)
  rules.RULE.says=TEXT           the rule's sentence

A proposal never enters into force, so a treaty parent's dates are left
out; limits keep their timing relative to entry into force.`,
		Example: `  # New START with 500 deployed warheads, proposed by the US
  tally proposal new --from new-start --set deployed-warheads.max=500 --author US -o us-500.yaml

  # Heavy bombers counting the ALCMs they are equipped for
  tally proposal new --from new-start --id alcm-count \
    --set rules.deployed-heavy-bomber.counts.deployed-warheads=type.alcms \
    --set "rules.deployed-heavy-bomber.says=a deployed heavy bomber counts the ALCMs it is equipped for" -o alcm.yaml

  # What changed, in words
  tally treaty diff new-start us-500.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" {
				return badInputf("--from is required: the treaty or proposal the new one amends (e.g. new-start)")
			}
			parent, err := treaty.Lookup(from)
			if err != nil {
				return badInput(fmt.Errorf("--from %s: %w", from, err))
			}
			src, err := proposal.Source(parent)
			if err != nil {
				return badInput(fmt.Errorf("--from %s: %w", from, err))
			}
			d := proposal.Draft{ID: id, Author: author, Note: note}
			for _, s := range sets {
				x, err := proposal.ParseSet(s)
				if err != nil {
					return badInput(fmt.Errorf("--set %w", err))
				}
				d.Sets = append(d.Sets, x)
			}
			data, t, err := proposal.New(parent, src, d)
			if err != nil {
				return badInput(err)
			}
			if out == "" || out == "-" {
				_, err := cmd.OutOrStdout().Write(data)
				return err
			}
			if _, err := os.Stat(out); err == nil && !force {
				return badInputf("-o %s: the file exists; give --force to replace it", out)
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: proposal %s, amending %s (%d change%s); see what changed with: tally treaty diff %s %s\n",
				out, t.ID, parent.ID, len(d.Sets), pluralS(len(d.Sets)), parent.ID, out)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&from, "from", "", "the treaty or proposal to amend: a bundled id or a file")
	f.StringArrayVar(&sets, "set", nil, "a change, LIMIT.FIELD=VALUE or rules.RULE.FIELD=VALUE (repeatable)")
	f.StringVar(&id, "id", "", "the new proposal's id (default: the parent's id + -draft)")
	f.StringVar(&author, "author", "", "who proposes it: a party (US, RU) or anyone")
	f.StringVar(&note, "note", "", "what the proposal is, in words")
	f.StringVarP(&out, "output", "o", "", "the file to write (default: standard output)")
	f.BoolVar(&force, "force", false, "replace the output file if it exists")
	return c
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func newProposalShowCmd() *cobra.Command {
	var at, eif, format string
	c := &cobra.Command{
		Use:   "show PROPOSAL [--at DATE]",
		Short: "Show a proposal: what it changes from its parent, its limits, its linked clauses on a date",
		Long: `Shows a proposal (or any treaty file): who proposed it and what it derives
from, what it changes from its parent in words, each limit with the day it
would bind (counted from an assumed entry into force for a proposal), the
tracked categories it links to, and whether each linked clause holds on
--at (default today).`,
		Example: `  tally proposal show linkage-example --at 2024-09-01
  tally proposal show us-500.yaml --entry-into-force 2027-02-05 --format json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := checkFormat(format, formatTable, formatJSON); err != nil {
				return err
			}
			t, err := treaty.Lookup(args[0])
			if err != nil {
				return badInput(err)
			}
			day := civil.Today()
			if at != "" {
				if day, err = civil.Parse(at); err != nil {
					return badInput(fmt.Errorf("--at: %w", err))
				}
			}
			var as impact.AsIf
			if eif != "" {
				d, err := civil.Parse(eif)
				if err != nil {
					return badInput(fmt.Errorf("--entry-into-force: %w", err))
				}
				as.EntryIntoForce = &d
			}
			v := describeProposal(t, day, as)
			if format == "json" {
				return writeJSON(cmd.OutOrStdout(), v)
			}
			return v.write(cmd.OutOrStdout())
		},
	}
	c.Flags().StringVar(&at, "at", "", "the date linked clauses are judged on (default today)")
	c.Flags().StringVar(&eif, "entry-into-force", "", "take the proposal to enter into force on this date, for the days its limits bind")
	c.Flags().StringVar(&format, "format", "table", "table or json")
	return c
}

// shownProposal is what 'proposal show' prints.
type shownProposal struct {
	ID       string                `json:"id"`
	Name     string                `json:"name"`
	Kind     treaty.Kind           `json:"kind"`
	File     string                `json:"file"`
	Proposal *treaty.Proposal      `json:"proposal,omitempty"`
	Parent   string                `json:"parent,omitempty"`
	Changes  []treaty.Change       `json:"changes,omitempty"`
	NoParent string                `json:"no_parent,omitempty"`
	Limits   []shownLimit          `json:"limits"`
	Tracked  []treaty.Tracked      `json:"tracked,omitempty"`
	Date     civil.Date            `json:"date"`
	Linked   []treaty.ClauseStatus `json:"linked,omitempty"`
}

type shownLimit struct {
	ID    string             `json:"id"`
	Name  string             `json:"name"`
	Steps []treaty.LimitStep `json:"steps"`
	// Now is the value on the date, with any linked clause applied.
	Now impact.Bound `json:"now"`
}

func describeProposal(t *treaty.Treaty, day civil.Date, as impact.AsIf) *shownProposal {
	v := &shownProposal{ID: t.ID, Name: t.Name, Kind: t.Kind, File: t.File, Proposal: t.Proposal, Tracked: t.Tracked, Date: day, Linked: t.LinkedAt(day)}
	if t.Proposal != nil && t.Proposal.Parent != "" {
		if p, err := proposal.Parent(t); err == nil {
			v.Parent = p.ID
			v.Changes = treaty.Diff(p, t)
		} else {
			v.NoParent = err.Error()
		}
	}
	for i := range t.Limits {
		l := &t.Limits[i]
		sl := shownLimit{ID: l.ID, Name: l.Name, Now: as.Bound(t, l, day)}
		if as.EntryIntoForce != nil {
			sl.Steps = t.StepsFrom(l, *as.EntryIntoForce)
		} else {
			sl.Steps = t.Steps(l)
		}
		v.Limits = append(v.Limits, sl)
	}
	return v
}

func (v *shownProposal) write(w io.Writer) error {
	fmt.Fprintf(w, "%s: %s (%s, %s)\n", v.ID, v.Name, v.Kind, v.File)
	if p := v.Proposal; p != nil {
		fmt.Fprintf(w, "proposed by %s", p.Author)
		if p.Party != "" && p.Party != p.Author {
			fmt.Fprintf(w, " (%s)", p.Party)
		}
		if p.Parent != "" {
			fmt.Fprintf(w, ", amending %s", p.Parent)
		}
		fmt.Fprintln(w)
		if p.Note != "" {
			bullet(w, "", "note: "+p.Note)
		}
	}
	if len(v.Changes) > 0 {
		fmt.Fprintf(w, "\nwhat it changes from %s:\n", v.Parent)
		for _, c := range v.Changes {
			bullet(w, "  ", c.Text)
		}
	} else if v.NoParent != "" {
		fmt.Fprintf(w, "\n(%s)\n", v.NoParent)
	}
	fmt.Fprintln(w, "\nlimits:")
	s := newTable("  limit", "value", "binds", "on "+v.Date.String())
	for _, l := range v.Limits {
		for i, st := range l.Steps {
			name := "  " + l.Name
			if i > 0 {
				name = ""
			}
			val := treaty.FormatInt(st.Max)
			if st.Min != nil {
				val = treaty.FormatInt(*st.Min) + "–" + val
			}
			if st.Name != "" {
				val += " (" + st.Name + ")"
			}
			binds := st.How
			if st.Known {
				binds = st.Start.String() + " (" + st.How + ")"
			}
			now := ""
			if i == len(l.Steps)-1 {
				now = treaty.FormatInt(l.Now.Max)
				if l.Now.Linked != "" {
					now += " (linked clause " + l.Now.Linked + ")"
				}
				if !l.Now.Binding {
					now += ", not binding"
				}
			}
			s.add(name, val, binds, now)
		}
	}
	if err := s.write(w); err != nil {
		return err
	}
	for _, tc := range v.Tracked {
		fmt.Fprintf(w, "\ntracked: %s (%s)\n", tc.Name, tc.ID)
		for _, x := range tc.Declared {
			by := ""
			if x.By != "" {
				by = ", " + x.By
			}
			bullet(w, "  ", fmt.Sprintf("%s %s from %s%s [%s %s]", treaty.FormatInt(x.Value), tc.Unit, x.Date, by, x.Evidence, x.Source.Source))
		}
	}
	if len(v.Linked) > 0 {
		fmt.Fprintf(w, "\nlinked clauses on %s:\n", v.Date)
		for _, c := range v.Linked {
			bullet(w, "  ", fmt.Sprintf("%s: %s", c.ID, c.Says))
			bullet(w, "    ", c.Text)
		}
	}
	return nil
}
