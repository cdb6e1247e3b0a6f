// Package treaty is arms-control treaties as code: a treaty, a framework
// or a proposal is one YAML file of parties, dates, totals, counting rules
// and limits, loaded and checked here, compiled once, and then counted by
// package count against any party's forces at any date.
//
// A file looks like this (abridged from catalog/treaties/new-start.yaml):
//
//	schema: tally.treaty/v1
//	id: new-start
//	name: Treaty on Measures for the Further Reduction and Limitation of Strategic Offensive Arms
//	kind: treaty
//	parties:
//	  - {id: US, name: United States of America, aliases: [USA]}
//	  - {id: RU, name: Russian Federation, aliases: [Russia]}
//	dates:
//	  entry_into_force: {date: 2011-02-05, source: https://..., evidence: O}
//	  expiry: {date: 2026-02-05, source: https://..., evidence: S}
//	covers: [icbm, icbm-launcher, slbm, slbm-launcher, heavy-bomber]
//	totals:
//	  - {id: deployed-warheads, name: deployed warheads, unit: warheads}
//	containment:
//	  - {item: icbm, in: icbm-launcher, source: https://..., evidence: S}
//	rules:
//	  - id: deployed-missile
//	    says: a deployed ICBM or SLBM counts the warheads actually on it
//	    when: item.kind in ['icbm', 'slbm'] && item.status == 'deployed' && item.contained
//	    counts: {deployed-warheads: item.warheads}
//	    source: https://...
//	    evidence: O
//	limits:
//	  - {id: deployed-warheads, name: deployed warheads, total: deployed-warheads,
//	     max: 1550, from: 2018-02-05, source: https://..., evidence: O}
//
// Rules are CEL expressions over item (kind, type, status, site, party,
// warheads, converting, and the containment facts loaded, contained,
// assumed) and type (the group's type attributes). A rule's when says
// which items it applies to; its counts say how many units each item adds
// to which totals. Two kinds of rule span items: a quota (the first N items
// in a stated order count one number of units, the rest another) and
// containment (which items hold which: a missile counts as deployed only
// in a deployed launcher; START I takes every deployed launcher to hold a
// missile). See docs/writing-a-treaty.md for every field.
//
// Every number in a file carries its source: the object that holds it
// has source (a URL) and evidence (T, O, S or R as in the reference
// notes). Parse and LoadFile reject a number without one, an unknown field, an
// expression that does not compile or gives the wrong type, a limit on an
// undefined total, an impossible date or dates out of order, with the
// file, line, column and field path of each problem.
//
// A loaded Treaty answers what binds when: Status (in force, not yet,
// superseded, expired, never in force) and LimitAt (binding or not, and
// why not, with the phase value in force). Diff says in words what
// changed between two treaties or proposals.
//
// A *Treaty is read-only once loaded; Bundled returns shared values.
package treaty

import (
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/internal/expr"
	"github.com/tally-project/tally/internal/yamlpos"
)

// SchemaVersion is the version of the file format this package reads.
const SchemaVersion = "tally.treaty/v1"

// Kind is what the document is.
type Kind string

// The kinds of document.
const (
	// KindTreaty is a treaty: it binds once in force.
	KindTreaty Kind = "treaty"
	// KindFramework is a political framework (the 2009 Joint
	// Understanding): it never enters into force.
	KindFramework Kind = "framework"
	// KindProposal is a draft or an idea under discussion; it never binds.
	KindProposal Kind = "proposal"
)

// Evidence says how well a fact is sourced, as in the reference notes.
type Evidence string

// The evidence tags.
const (
	// Text: read in the treaty, protocol or annex text.
	EvidenceText Evidence = "T"
	// Official: read in an official summary.
	EvidenceOfficial Evidence = "O"
	// Secondary: read in press, think-tank or reference sources.
	EvidenceSecondary Evidence = "S"
	// Recalled: not read in a primary text; to be checked.
	EvidenceRecalled Evidence = "R"
)

// Source is where the numbers of the object that holds it come from.
type Source struct {
	Source   string   `yaml:"source" json:"source" doc:"Where the numbers of this entry come from: a URL (or, when none was recorded, a citation)."`
	Evidence Evidence `yaml:"evidence" json:"evidence" enum:"T,O,S,R" doc:"How well it is sourced: T treaty text, O official summary, S secondary source, R recalled and unconfirmed."`
	Note     string   `yaml:"note,omitempty" json:"note,omitempty" doc:"Anything a reader should know about the source (discrepancies, derivations)."`
}

// Treaty is one treaty, framework or proposal, as written in its file.
type Treaty struct {
	Schema  string `yaml:"schema" json:"schema" doc:"The file format version: tally.treaty/v1."`
	ID      string `yaml:"id" json:"id" pattern:"^[a-z0-9][a-z0-9-]*$" doc:"Short identifier, lower case with dashes (new-start)."`
	Name    string `yaml:"name" json:"name" doc:"Full name."`
	Short   string `yaml:"short,omitempty" json:"short,omitempty" doc:"Common short name (New START)."`
	Kind    Kind   `yaml:"kind" json:"kind" enum:"treaty,framework,proposal" doc:"treaty, framework (never enters into force) or proposal."`
	Summary string `yaml:"summary,omitempty" json:"summary,omitempty" doc:"A paragraph on what it is."`

	Parties []Party `yaml:"parties" json:"parties" doc:"The parties, with the aliases under which forces files may name them."`
	Dates   Dates   `yaml:"dates" json:"dates" doc:"Signature, entry into force, deadlines, expiry, extensions, supersession."`
	// Covers lists the item kinds the treaty counts; items of other kinds
	// (a warhead stockpile) are never counted by it.
	Covers        []forces.Kind  `yaml:"covers" json:"covers" enum:"icbm,icbm-launcher,slbm,slbm-launcher,submarine,heavy-bomber,warhead" doc:"The item kinds the treaty counts; other kinds are never counted."`
	Totals        []Total        `yaml:"totals" json:"totals" doc:"The quantities rules add to and limits bound."`
	Containment   []Containment  `yaml:"containment,omitempty" json:"containment,omitempty" doc:"Which items hold which (a missile in a launcher), from which the engine computes item.loaded, item.contained and item.assumed."`
	Rules         []Rule         `yaml:"rules" json:"rules" doc:"Counting rules: which items add how many units to which totals."`
	Limits        []Limit        `yaml:"limits" json:"limits" doc:"Bounds on totals, with the dates and phases they apply from."`
	Notifications []Notification `yaml:"notifications,omitempty" json:"notifications,omitempty" doc:"Notification timing rules, as data for the exchange."`
	Inspections   []Inspection   `yaml:"inspections,omitempty" json:"inspections,omitempty" doc:"Inspection quotas, as data."`
	Proposal      *Proposal      `yaml:"proposal,omitempty" json:"proposal,omitempty" doc:"For a proposal: who floated it, what it derives from."`
	// Tracked and Linked tie limits to conditions outside them (linkage):
	// a tracked category has declared numbers over time; a linked clause
	// says what follows when a tracked number crosses a threshold.
	Tracked []Tracked  `yaml:"tracked,omitempty" json:"tracked,omitempty" doc:"Categories outside the limits that linked clauses depend on (missile-defense interceptors in a region), with their declared numbers."`
	Linked  []Clause   `yaml:"linked,omitempty" json:"linked,omitempty" doc:"Linked clauses: what follows (a right to withdraw, a limit that changes) when a tracked number crosses a threshold."`
	Omitted []Omission `yaml:"omitted,omitempty" json:"omitted,omitempty" doc:"Provisions the file does not model, each with why."`
	Notes   []string   `yaml:"notes,omitempty" json:"notes,omitempty" doc:"Remarks for readers: readings chosen, [R] facts relied on."`

	// File is where the treaty was read from ("catalog:new-start.yaml" for
	// a bundled one).
	File string `yaml:"-" json:"-"`

	doc      *yamlpos.Doc
	parties  map[string]*Party // by upper-cased id and alias
	totalIdx map[string]int
	limitIdx map[string]int
	trackIdx map[string]int
	compiled *expr.Set
	starts   []limitSchedule // per limit
}

// Party is one party.
type Party struct {
	ID      string   `yaml:"id" json:"id" doc:"Identifier forces files use (US, RU)."`
	Name    string   `yaml:"name" json:"name" doc:"Full name."`
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty" doc:"Other names that resolve to this party (USSR, Russia); matched without regard to case."`
}

// Dated is a date with its source.
type Dated struct {
	Date   civil.Date `yaml:"date" json:"date" doc:"YYYY-MM-DD."`
	Source `yaml:",inline"`
}

// Dates are the treaty's calendar. Expiry is the first day with no treaty.
type Dates struct {
	Signature         *Dated        `yaml:"signature,omitempty" json:"signature,omitempty" doc:"Signature."`
	EntryIntoForce    *Dated        `yaml:"entry_into_force,omitempty" json:"entry_into_force,omitempty" doc:"Entry into force; absent if it never entered into force."`
	ReductionDeadline *Dated        `yaml:"reduction_deadline,omitempty" json:"reduction_deadline,omitempty" doc:"When the central limits must be met."`
	Expiry            *Dated        `yaml:"expiry,omitempty" json:"expiry,omitempty" doc:"The first day with no treaty in force (after any extension)."`
	Extensions        []Extension   `yaml:"extensions,omitempty" json:"extensions,omitempty" doc:"Extensions of the term, in order."`
	SupersededBy      *Supersession `yaml:"superseded_by,omitempty" json:"superseded_by,omitempty" doc:"The treaty that replaced this one, and from when."`
}

// Extension is one extension of the treaty's term.
type Extension struct {
	Agreed civil.Date `yaml:"agreed" json:"agreed" doc:"When the extension was agreed."`
	From   civil.Date `yaml:"from" json:"from" doc:"The expiry it replaced (first day with no treaty before the extension)."`
	To     civil.Date `yaml:"to" json:"to" doc:"The new expiry."`
	Source `yaml:",inline"`
}

// Supersession says which treaty replaced this one, and when.
type Supersession struct {
	Treaty string     `yaml:"treaty" json:"treaty" doc:"Id of the treaty that replaced this one."`
	Date   civil.Date `yaml:"date" json:"date" doc:"From when this treaty no longer applied."`
	Source `yaml:",inline"`
}

// Total is a quantity rules add to and limits bound.
type Total struct {
	ID   string `yaml:"id" json:"id" doc:"Identifier rules and limits use."`
	Name string `yaml:"name" json:"name" doc:"What it counts, in words."`
	Unit string `yaml:"unit" json:"unit" doc:"The unit, plural (warheads, delivery vehicles)."`
}

// Containment declares that items of one kind are held by items of
// another. From the declared pairs the counting engine computes, per item:
// loaded (a carrier holding an item), contained (an item in a carrier of
// a status in Statuses) and, with AssumeLoaded, assumed items.
type Containment struct {
	Item forces.Kind `yaml:"item" json:"item" enum:"icbm,icbm-launcher,slbm,slbm-launcher,submarine,heavy-bomber,warhead" doc:"The kind held (icbm)."`
	In   forces.Kind `yaml:"in" json:"in" enum:"icbm,icbm-launcher,slbm,slbm-launcher,submarine,heavy-bomber,warhead" doc:"The kind that holds it (icbm-launcher)."`
	// Match is "type" (the default: an item goes into a carrier of the
	// same type name, and of the same site when both give one, one per
	// carrier; an explicit carrier UID pairs exactly) or "carrier" (only
	// explicit carrier UIDs pair, any number per carrier).
	Match string `yaml:"match,omitempty" json:"match,omitempty" enum:"type,carrier" doc:"type (default): same type name, same site when both give one, one per carrier, or an explicit carrier UID; carrier: only explicit carrier UIDs, any number per carrier."`
	// Statuses are the statuses in which items pair (both sides must have
	// the same one); default [deployed].
	Statuses []forces.Status `yaml:"statuses,omitempty" json:"statuses,omitempty" enum:"deployed,non-deployed,test,training,converted,eliminated" doc:"Statuses in which items pair, the same on both sides; default [deployed]."`
	// AssumeLoaded makes every carrier left empty hold an assumed item of
	// its own type (START I: every deployed launcher is taken to hold a
	// missile). The carrier is then loaded, and the assumed item has
	// item.assumed and item.contained true and no warheads.
	AssumeLoaded bool `yaml:"assume_loaded,omitempty" json:"assume_loaded,omitempty" doc:"Take every empty carrier to hold an item of its type (START I launchers)."`
	Source       `yaml:",inline"`
}

// Rule is one counting rule.
type Rule struct {
	ID string `yaml:"id" json:"id" doc:"Identifier, unique in the file."`
	// Says is the rule in one sentence, for explanations and diffs.
	Says string `yaml:"says" json:"says" doc:"The rule in one human sentence; explanations and diffs show it."`
	// Parties restricts the rule to some parties (ids or aliases).
	Parties []string `yaml:"parties,omitempty" json:"parties,omitempty" doc:"Restrict the rule to these parties (ids or aliases); default all."`
	When    Expr     `yaml:"when" json:"when" doc:"CEL condition over item and type: which items the rule applies to."`
	// Counts maps a total id to the units each matching item adds (a CEL
	// int expression).
	Counts map[string]Expr `yaml:"counts,omitempty" json:"counts,omitempty" doc:"Total id to the units each matching item adds (a CEL int expression)."`
	Quota  *Quota          `yaml:"quota,omitempty" json:"quota,omitempty" doc:"Units that depend on an item's rank among all matching items."`
	// Require are conditions every matching item should meet; a failure
	// is reported with the count, not an error.
	Require []Requirement `yaml:"require,omitempty" json:"require,omitempty" doc:"Conditions each matching item should meet (reported as findings)."`
	Source  `yaml:",inline"`
}

// Expr is a CEL expression. In YAML a plain number (1) or bool is read as
// the expression it writes.
type Expr string

// Quota gives the first First matching items (of the party, in Order) Units
// each toward Total, and every item beyond them Rest each.
type Quota struct {
	Total string  `yaml:"total" json:"total" doc:"The total the quota adds to."`
	First int64   `yaml:"first" json:"first" minimum:"0" doc:"How many items get units (the first 150)."`
	Order []Order `yaml:"order" json:"order" doc:"The order that decides which items are first; ties are broken by type, site, status, attributes and origin."`
	Units Expr    `yaml:"units" json:"units" doc:"Units for each of the first items (CEL int)."`
	Rest  Expr    `yaml:"rest" json:"rest" doc:"Units for each item beyond the first (CEL int)."`
}

// Order is one sort key of a quota.
type Order struct {
	By         Expr `yaml:"by" json:"by" doc:"CEL expression giving a number, string or bool per item."`
	Descending bool `yaml:"descending,omitempty" json:"descending,omitempty" doc:"Largest first."`
}

// Requirement is a condition each matching item should meet.
type Requirement struct {
	Check  Expr   `yaml:"check" json:"check" doc:"CEL condition."`
	Says   string `yaml:"says" json:"says" doc:"The requirement in words."`
	Source `yaml:",inline"`
}

// Limit bounds a total: at most Max, or a range Min..Max within which the
// parties choose their level (being below Min is not a violation).
type Limit struct {
	ID    string `yaml:"id" json:"id" doc:"Identifier (deployed-warheads)."`
	Name  string `yaml:"name" json:"name" doc:"Name for reports."`
	Total string `yaml:"total" json:"total" doc:"The total it bounds."`
	Max   int64  `yaml:"max" json:"max" minimum:"0" doc:"The maximum (final value, after all phases)."`
	Min   *int64 `yaml:"min,omitempty" json:"min,omitempty" minimum:"0" doc:"For a range: the lower end. Being below it is not a violation."`
	// From is the first day the limit binds; default entry into force.
	From *civil.Date `yaml:"from,omitempty" json:"from,omitempty" doc:"First day the final value binds; default entry into force."`
	// MonthsAfterEIF places From that many months after entry into force.
	MonthsAfterEIF *int `yaml:"months_after_entry_into_force,omitempty" json:"months_after_entry_into_force,omitempty" minimum:"0" doc:"Instead of from: months after entry into force."`
	// Until is the first day the limit no longer binds, if before expiry.
	Until *civil.Date `yaml:"until,omitempty" json:"until,omitempty" doc:"First day the limit no longer binds, when before expiry."`
	// Within names the limit this one is a sublimit of.
	Within string  `yaml:"within,omitempty" json:"within,omitempty" doc:"The limit this one is a sublimit of."`
	Phases []Phase `yaml:"phases,omitempty" json:"phases,omitempty" doc:"Earlier, higher values that bind before the final one, in date order."`
	Source `yaml:",inline"`
}

// Phase is an interim value of a limit, binding from its start until the
// next phase (or the final value) starts.
type Phase struct {
	Name           string      `yaml:"name,omitempty" json:"name,omitempty" doc:"Name (phase one)."`
	From           *civil.Date `yaml:"from,omitempty" json:"from,omitempty" doc:"First day this value binds."`
	MonthsAfterEIF *int        `yaml:"months_after_entry_into_force,omitempty" json:"months_after_entry_into_force,omitempty" minimum:"0" doc:"Instead of from: months after entry into force."`
	Max            int64       `yaml:"max" json:"max" minimum:"0" doc:"The maximum in this phase."`
	Min            *int64      `yaml:"min,omitempty" json:"min,omitempty" minimum:"0" doc:"The lower end of a range in this phase."`
	Source         `yaml:",inline"`
}

// Notification is a notification timing rule, kept as data for the
// exchange.
type Notification struct {
	ID   string `yaml:"id" json:"id" doc:"Identifier (six-month-update)."`
	Says string `yaml:"says" json:"says" doc:"The rule in words."`
	// Kind: initial (once, after entry into force), periodic (data as of
	// fixed days of the year) or change (after each change).
	Kind string `yaml:"kind" json:"kind" enum:"initial,periodic,change" doc:"initial (once after entry into force), periodic (as of fixed days) or change (after each change)."`
	// WithinDays is the deadline: days after entry into force (initial),
	// after the as-of day (periodic) or after the change.
	WithinDays int `yaml:"within_days" json:"within_days" minimum:"0" doc:"Deadline in days after entry into force, the as-of day, or the change."`
	// AsOf are the days of the year (MM-DD) periodic data are as of.
	AsOf []string `yaml:"as_of,omitempty" json:"as_of,omitempty" pattern:"^[0-9]{2}-[0-9]{2}$" doc:"Periodic: the days (MM-DD) the data are as of."`
	// Excludes are data this notification may not change (warheads:
	// warhead numbers change only in the periodic update).
	Excludes []string `yaml:"excludes,omitempty" json:"excludes,omitempty" doc:"Data this notification may not change (warheads)."`
	Source   `yaml:",inline"`
}

// Inspection is an inspection type with its yearly quota.
type Inspection struct {
	ID      string `yaml:"id" json:"id" doc:"Identifier (type-one)."`
	Name    string `yaml:"name" json:"name" doc:"Name."`
	Says    string `yaml:"says,omitempty" json:"says,omitempty" doc:"What the inspections are for."`
	PerYear int    `yaml:"per_year" json:"per_year" minimum:"0" doc:"Quota per party per year."`
	Source  `yaml:",inline"`
}

// Proposal is what a proposal is and where it comes from. Linkage
// (Tracked, Linked) sits at the top level of the file, since a treaty may
// carry it too.
type Proposal struct {
	// Author is who floated it (a party, a delegation, experts).
	Author string `yaml:"author" json:"author" doc:"Who floated it (a party id, a delegation, experts)."`
	// Party is the author's party id when a party proposed it.
	Party string `yaml:"party,omitempty" json:"party,omitempty" doc:"The proposing party's id, when a party proposed it."`
	// Parent is the treaty or proposal it derives from.
	Parent string `yaml:"parent,omitempty" json:"parent,omitempty" doc:"Id of the treaty or proposal it derives from."`
	// Source is where the proposal is reported; its note says what the
	// proposal is, in words.
	Source `yaml:",inline"`
}

// Tracked is a category outside the limits that linked clauses depend on,
// such as missile-defense interceptors deployed in a region, with the
// numbers declared (or reported) for it over time. The number on a date
// is the last one declared on or before it.
type Tracked struct {
	ID   string `yaml:"id" json:"id" pattern:"^[a-z0-9][a-z0-9-]*$" doc:"Identifier clauses use."`
	Name string `yaml:"name" json:"name" doc:"What is tracked, in words."`
	Unit string `yaml:"unit" json:"unit" doc:"The unit, plural (interceptors, launch cells)."`
	// Party is whose items these are, when one party's (an id or alias).
	Party string `yaml:"party,omitempty" json:"party,omitempty" doc:"Whose items these are, when one party's."`
	// Declared are the numbers in date order.
	Declared []Declared `yaml:"declared,omitempty" json:"declared,omitempty" doc:"The numbers declared or reported, in date order; each holds until the next."`
	Note     string     `yaml:"note,omitempty" json:"note,omitempty" doc:"What counts in the category, and what does not."`
}

// Declared is one number of a tracked category, from a date.
type Declared struct {
	Date  civil.Date `yaml:"date" json:"date" doc:"From when the number holds."`
	Value int64      `yaml:"value" json:"value" minimum:"0" doc:"The number."`
	// By is who declared or reported it (a party, an alliance, the press).
	By     string `yaml:"by,omitempty" json:"by,omitempty" doc:"Who declared or reported it."`
	Source `yaml:",inline"`
}

// Clause is a linked clause: while its condition on a tracked number
// holds, what it says follows (a right to withdraw, a limit's value).
type Clause struct {
	ID     string    `yaml:"id" json:"id" pattern:"^[a-z0-9][a-z0-9-]*$" doc:"Identifier."`
	Says   string    `yaml:"says" json:"says" doc:"The clause in one sentence."`
	If     Condition `yaml:"if" json:"if" doc:"The condition on a tracked number."`
	Then   Effect    `yaml:"then" json:"then" doc:"What follows while the condition holds."`
	Source `yaml:",inline"`
}

// Condition compares a tracked number with a threshold: exactly one of
// Above, AtLeast, Below, AtMost.
type Condition struct {
	Tracked string `yaml:"tracked" json:"tracked" doc:"The tracked category's id."`
	Above   *int64 `yaml:"above,omitempty" json:"above,omitempty" doc:"Holds when the number is greater than this."`
	AtLeast *int64 `yaml:"at_least,omitempty" json:"at_least,omitempty" doc:"Holds when the number is this or more."`
	Below   *int64 `yaml:"below,omitempty" json:"below,omitempty" doc:"Holds when the number is less than this."`
	AtMost  *int64 `yaml:"at_most,omitempty" json:"at_most,omitempty" doc:"Holds when the number is this or less."`
}

// Effect is what a linked clause makes follow: a right to withdraw for
// some parties, a limit's value changed, or both.
type Effect struct {
	// Withdraw lists the parties (ids or aliases) that may withdraw.
	Withdraw []string `yaml:"withdraw,omitempty" json:"withdraw,omitempty" doc:"Parties (ids or aliases) that may withdraw while the condition holds."`
	// Limit, with Max (and Min for a range), is a limit whose value is
	// replaced while the condition holds.
	Limit string `yaml:"limit,omitempty" json:"limit,omitempty" doc:"A limit whose value changes while the condition holds."`
	Max   *int64 `yaml:"max,omitempty" json:"max,omitempty" minimum:"0" doc:"The limit's maximum while the condition holds."`
	Min   *int64 `yaml:"min,omitempty" json:"min,omitempty" minimum:"0" doc:"The lower end of its range while the condition holds."`
}

// Omission is a provision the file does not model, and why.
type Omission struct {
	What string `yaml:"what" json:"what" doc:"The provision (aggregate throw-weight)."`
	// Value and Unit record the number the provision has, if any.
	Value  *float64 `yaml:"value,omitempty" json:"value,omitempty" doc:"Its number, if any."`
	Unit   string   `yaml:"unit,omitempty" json:"unit,omitempty" doc:"The unit of value."`
	Why    string   `yaml:"why" json:"why" doc:"Why it is not modelled."`
	Source `yaml:",inline"`
}

// Party returns the party named id or by one of its aliases (any case).
func (t *Treaty) Party(name string) (*Party, bool) {
	p, ok := t.parties[upper(name)]
	return p, ok
}

// TotalByID returns the total with the given id.
func (t *Treaty) TotalByID(id string) (*Total, bool) {
	i, ok := t.totalIdx[id]
	if !ok {
		return nil, false
	}
	return &t.Totals[i], true
}

// LimitByID returns the limit with the given id.
func (t *Treaty) LimitByID(id string) (*Limit, bool) {
	i, ok := t.limitIdx[id]
	if !ok {
		return nil, false
	}
	return &t.Limits[i], true
}

// RuleByID returns the rule with the given id.
func (t *Treaty) RuleByID(id string) (*Rule, bool) {
	for i := range t.Rules {
		if t.Rules[i].ID == id {
			return &t.Rules[i], true
		}
	}
	return nil, false
}

// Title is the short name if there is one, else the name.
func (t *Treaty) Title() string {
	if t.Short != "" {
		return t.Short
	}
	return t.Name
}

// Line is the line in the treaty's file where path is written (rules[2]),
// 0 when unknown; explanations cite it.
func (t *Treaty) Line(path string) int { return t.doc.Line(path) }

// Compiled returns the compiled rules, for package count.
func (t *Treaty) Compiled() *expr.Set { return t.compiled }
