package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/impact"
	"github.com/tally-project/tally/treaty"
)

func init() { rootCmd.AddCommand(newImpactCmd()) }

func newImpactCmd() *cobra.Command {
	var (
		proposals, forcesArgs, disputes []string
		at, ratesFile, eif, format      string
		brief                           bool
	)
	c := &cobra.Command{
		Use:   "impact --proposal P [--proposal Q ...] --forces PARTY=FILE [--forces ...]",
		Short: "What each proposal would make each side cut, and by when",
		Long: `For each side and each limit of each proposal: how far over it is; the
measures that could close the gap (download warheads from N missiles, stand
a submarine's launchers down, convert N bombers, eliminate N silos); a plan
that meets every limit; and, at the rates of reduction per item kind per
year, the earliest date each side could comply, against the proposal's
deadline (its reduction deadline, or the day its limits bind). Several
proposals: one column each.

--forces takes PARTY=FILE or FILE, a forces file or a bundled example, for
as many parties as there are. --dispute FILE is another party's reading of
some items (a conversion it does not accept, items the owner did not
declare): every limit is recounted under it, and the side appears twice,
as declared and as read.

A proposal never enters into force: its limits are taken to bind from
--entry-into-force (default: --at) as written ("84 months after entry into
force"). The rates come from --rates (a YAML file; docs/negotiation.md
gives its format) or the defaults, which the output lists with their
sources; every assumption is printed.`,
		Example: `  # New START and a deep cut, US forces of 2020, with Russia's reading of them
  tally impact --proposal new-start --proposal deep-cuts-500 \
    --forces US=us-2020-09-01 --dispute us-2020-09-01.ru-reading

  # A draft, your rates, as JSON
  tally impact --proposal us-500.yaml --forces US=us.yaml --forces RU=ru.yaml --rates rates.yaml --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := checkFormat(format, formatTable, formatJSON, formatCSV); err != nil {
				return err
			}
			if len(proposals) == 0 {
				return badInputf("--proposal is required: a bundled treaty or proposal id, or a file")
			}
			if len(forcesArgs) == 0 {
				return badInputf("--forces is required: PARTY=FILE, once per party")
			}
			in := impact.Input{}
			for _, p := range proposals {
				t, err := treaty.Lookup(p)
				if err != nil {
					return badInput(fmt.Errorf("--proposal %s: %w", p, err))
				}
				in.Proposals = append(in.Proposals, t)
			}
			type loadedForces struct {
				arg string
				f   *forces.Forces
			}
			var fs []loadedForces
			for _, arg := range forcesArgs {
				party, file, hasParty := strings.Cut(arg, "=")
				if !hasParty {
					party, file = "", arg
				}
				f, err := forces.Open(file)
				if err != nil {
					return badInput(fmt.Errorf("--forces %s: %w", arg, err))
				}
				if hasParty && !strings.EqualFold(strings.TrimSpace(party), f.Party()) {
					return badInputf("--forces %s: %s is party %s's forces, not %s's", arg, f.Name(), f.Party(), party)
				}
				for _, o := range fs {
					if strings.EqualFold(o.f.Party(), f.Party()) {
						return badInputf("--forces %s: party %s's forces are given twice (also %s)", arg, f.Party(), o.arg)
					}
				}
				fs = append(fs, loadedForces{arg, f})
			}
			// The date: --at, else the latest as_of.
			if at != "" {
				d, err := civil.Parse(at)
				if err != nil {
					return badInput(fmt.Errorf("--at: %w", err))
				}
				in.Date = d
			} else {
				for _, o := range fs {
					in.Date = max(in.Date, o.f.AsOf())
				}
			}
			for _, o := range fs {
				st, err := o.f.At(in.Date)
				if err != nil {
					return badInput(fmt.Errorf("--forces %s: %w", o.arg, err))
				}
				in.Sides = append(in.Sides, impact.Side{State: st, Forces: o.f.Name()})
			}
			for _, file := range disputes {
				r, err := forces.OpenReading(file)
				if err != nil {
					return badInput(fmt.Errorf("--dispute %s: %w", file, err))
				}
				found := false
				for i := range in.Sides {
					if strings.EqualFold(in.Sides[i].State.Party, r.Of) {
						in.Sides[i].Readings = append(in.Sides[i].Readings, r)
						found = true
					}
				}
				if !found {
					return badInputf("--dispute %s: of: it reads %s's items, but no --forces gives %s's", file, r.Of, r.Of)
				}
			}
			if ratesFile != "" {
				r, err := impact.LoadRates(ratesFile)
				if err != nil {
					return badInput(fmt.Errorf("--rates %w", err))
				}
				in.Rates = r
			}
			if eif != "" {
				d, err := civil.Parse(eif)
				if err != nil {
					return badInput(fmt.Errorf("--entry-into-force: %w", err))
				}
				in.EntryIntoForce = &d
			}
			rep, err := impact.Compute(in)
			if err != nil {
				return badInput(err)
			}
			w := cmd.OutOrStdout()
			switch format {
			case "json":
				return writeJSON(w, rep)
			case "csv":
				return impactCSV(rep).writeCSV(w)
			}
			return writeImpact(w, rep, brief)
		},
	}
	f := c.Flags()
	f.StringArrayVar(&proposals, "proposal", nil, "a treaty or proposal: bundled id or file (repeatable: one column each)")
	f.StringArrayVar(&forcesArgs, "forces", nil, "PARTY=FILE or FILE: a party's forces, a file or a bundled example (repeatable)")
	f.StringArrayVar(&disputes, "dispute", nil, "a reading of a party's items by another party (repeatable)")
	f.StringVar(&at, "at", "", "the date (default: the latest as_of of the forces)")
	f.StringVar(&ratesFile, "rates", "", "reduction rates per item kind per year (YAML); default: the bundled ones")
	f.StringVar(&eif, "entry-into-force", "", "take every proposal to enter into force on this date (default: a treaty's own; --at for a proposal)")
	f.StringVar(&format, "format", "table", "table, json or csv")
	f.BoolVar(&brief, "brief", false, "the table only: no options, plans, rates or assumptions")
	return c
}

// limitRows are the limits of every proposal, by id, in the order first
// seen, with the name the first proposal gives each (from any side's
// cells: a side a proposal cannot count has none).
func limitRows(rep *impact.Report) (ids, names []string) {
	seen := map[string]bool{}
	for pi := range rep.Proposals {
		for si := range rep.Sides {
			for _, l := range rep.Cell(si, pi).Limits {
				if !seen[l.ID] {
					seen[l.ID] = true
					ids = append(ids, l.ID)
					names = append(names, l.Name)
				}
			}
		}
	}
	return ids, names
}

func findLimit(c *impact.Cell, id string) *impact.Limit {
	for i := range c.Limits {
		if c.Limits[i].ID == id {
			return &c.Limits[i]
		}
	}
	return nil
}

func dateOr(d *civil.Date, none string) string {
	if d == nil {
		return none
	}
	return d.String()
}

func writeImpact(w io.Writer, rep *impact.Report, brief bool) error {
	fmt.Fprintf(w, "Impact on %s; reductions from %s\n", rep.Date, rep.Start)
	for _, s := range rep.Sides {
		snap := ""
		if s.Snapshot {
			snap = ", a snapshot taken to hold on any date"
		}
		if s.Reading == "" {
			fmt.Fprintf(w, "forces: %s: %s (%s items%s)\n", s.Party, s.Forces, treaty.FormatInt(int64(s.Items)), snap)
		} else {
			fmt.Fprintf(w, "dispute: %s: %s's reading of %s's items (%s items; %s)\n", s.Reading, s.By, s.Party, treaty.FormatInt(int64(s.Items)), s.ReadingSource)
		}
	}
	fmt.Fprintln(w)
	ids, names := limitRows(rep)
	s := newTable("")
	for _, p := range rep.Proposals {
		s.header = append(s.header, p.ID)
	}
	row := []string{"deadline"}
	for _, p := range rep.Proposals {
		d := p.Deadline.String()
		if p.Assumed {
			d += " (entry into force taken as " + p.EntryIntoForce.String() + ")"
		}
		row = append(row, d)
	}
	s.add(row...)
	for si, side := range rep.Sides {
		s.section(side.Label())
		for li, id := range ids {
			row := []string{"  " + names[li]}
			for pi := range rep.Proposals {
				c := rep.Cell(si, pi)
				l := findLimit(c, id)
				switch {
				case c.Error != "":
					row = append(row, "error")
				case l == nil:
					row = append(row, "—")
				default:
					cell := treaty.FormatInt(l.Total) + " / " + treaty.FormatInt(l.Max)
					if l.Over > 0 {
						cell += fmt.Sprintf(": %s over, met %s", treaty.FormatInt(l.Over), dateOr(l.Met, "never"))
					}
					if l.Set != "" {
						cell += " *"
					}
					row = append(row, cell)
				}
			}
			s.add(row...)
		}
		row := []string{"  complies"}
		for pi := range rep.Proposals {
			c := rep.Cell(si, pi)
			row = append(row, compliesWords(c))
		}
		s.add(row...)
	}
	if err := s.write(w); err != nil {
		return err
	}
	fmt.Fprintln(w, "(total / max; * a linked clause or --set value replaced the max)")
	if brief {
		return nil
	}
	for si, side := range rep.Sides {
		for pi, p := range rep.Proposals {
			c := rep.Cell(si, pi)
			if c.Within && c.Error == "" && len(c.Withdraw) == 0 {
				continue
			}
			fmt.Fprintf(w, "\n%s, %s:\n", p.ID, side.Label())
			if c.Error != "" {
				bullet(w, "  ", "cannot count: "+c.Error)
				continue
			}
			for _, wd := range c.Withdraw {
				bullet(w, "  ", wd+" may withdraw: a linked clause holds on "+rep.Date.String())
			}
			for _, l := range c.Limits {
				if l.Over == 0 {
					continue
				}
				fmt.Fprintf(w, "  %s: %s, max %s: %s over (binds %s)\n", l.Name, treaty.FormatInt(l.Total), treaty.FormatInt(l.Max), treaty.FormatInt(l.Over), l.Deadline)
				if l.Set != "" {
					bullet(w, "    ", "max: "+l.Set)
				}
				for _, o := range l.Options {
					bullet(w, "    ", "could close it: "+o.Text)
				}
				if l.Unmet != "" {
					bullet(w, "    ", "cannot be met: "+l.Unmet)
				}
			}
			if len(c.Plan) > 0 {
				fmt.Fprintln(w, "  a plan that meets every limit:")
				for i, m := range c.Plan {
					listItem(w, "    ", fmt.Sprintf("%d. ", i+1), m.Text)
				}
			}
			bullet(w, "  ", compliesSentence(c))
		}
	}
	for _, p := range rep.Proposals {
		if len(p.Linked) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nlinked clauses of %s on %s:\n", p.ID, rep.Date)
		for _, cs := range p.Linked {
			bullet(w, "  ", fmt.Sprintf("%s: %s", cs.ID, cs.Text))
		}
	}
	if len(rep.Rates) > 0 {
		fmt.Fprintln(w, "\nrates used:")
		for _, r := range rep.Rates {
			src := r.Source
			if src == "" {
				src = "no source given"
			}
			text := rateWords(r) + " [" + src
			if r.Evidence != "" {
				text += ", " + r.Evidence
			}
			text += "]"
			if r.Note != "" {
				text += ": " + r.Note
			}
			bullet(w, "  ", text)
		}
	}
	fmt.Fprintln(w, "\nassumptions:")
	for _, a := range rep.Assumptions {
		bullet(w, "  ", a)
	}
	return nil
}

func rateWords(r impact.Rate) string {
	s := string(r.Kind)
	if r.Type != "" {
		s += " " + r.Type
	}
	if r.Measure != "" {
		s += " (" + string(r.Measure) + ")"
	}
	s += fmt.Sprintf(": %g a year", r.PerYear)
	if r.Batch > 1 {
		s += fmt.Sprintf(", in batches of %d", r.Batch)
	}
	if r.Default {
		s += ", default"
	}
	return s
}

func compliesWords(c *impact.Cell) string {
	switch {
	case c.Error != "":
		return "cannot count"
	case c.Within:
		return "within every limit"
	case c.Complies == nil:
		return "never, at these rates"
	case c.OnTime:
		return c.Complies.String() + ", on time"
	}
	return fmt.Sprintf("%s, late (deadline %s)", c.Complies, c.Deadline)
}

func compliesSentence(c *impact.Cell) string {
	switch {
	case c.Within:
		return "within every limit on the date"
	case c.Complies == nil:
		return "cannot comply at these rates: " + c.Never
	case c.OnTime:
		return fmt.Sprintf("complies on %s, by the deadline %s", c.Complies, c.Deadline)
	}
	return fmt.Sprintf("complies on %s at the earliest: %s days after the deadline %s", c.Complies, treaty.FormatInt(int64(c.Deadline.DaysUntil(*c.Complies))), c.Deadline)
}

// impactCSV is one row per side, proposal and limit.
func impactCSV(rep *impact.Report) *table {
	s := newTable("proposal", "party", "reading", "limit", "total", "max", "over", "binding", "deadline", "met", "on_time", "complies", "proposal_deadline", "proposal_on_time")
	for si, side := range rep.Sides {
		for pi, p := range rep.Proposals {
			c := rep.Cell(si, pi)
			for _, l := range c.Limits {
				s.add(p.ID, side.Party, side.Reading, l.ID, fmt.Sprint(l.Total), fmt.Sprint(l.Max), fmt.Sprint(l.Over), fmt.Sprint(l.Binding),
					l.Deadline.String(), dateOr(l.Met, ""), fmt.Sprint(l.OnTime), dateOr(c.Complies, ""), c.Deadline.String(), fmt.Sprint(c.OnTime))
			}
		}
	}
	return s
}
