// Package forces is a party's strategic forces, item by item: sites, item
// types, items with unique identifiers (UIDs), their statuses, loadings and
// containment, and how they change over time.
//
// The shapes, in the order data flows:
//
//   - ItemSpec is one entry of a forces file: a single item with a UID, or a
//     group written once with a count (`count: 133`), whose UIDs are generated
//     deterministically.
//   - Event is one dated change to items (new, status, move, conversion,
//     elimination, loading). A history file is a list of events; the exchange
//     carries the same Event as the body of an item notification.
//   - State is a party's forces at one date, as Groups: items that share every
//     attribute a counting rule can read are one Group with a Count, so the
//     counting engine works per group, not per item.
//   - Reading is another party's view of some items (a conversion it does not
//     accept, items the owner did not declare). A State read under a Reading
//     is counted like any other, so totals are per reading, never silently
//     one side's.
//
// A snapshot file is taken to hold at any date it is counted at; a history
// gives the forces at any date by replaying its events up to that date.
//
// Loading a file (Parse, LoadFile, Bundled) validates everything at once
// and reports every problem with file:line and field path. Underneath, a
// Inventory applies each event to the items as they stand, all of it or
// nothing, checking what must hold: UIDs are never reused, an eliminated
// item never changes, a missile sits in a launcher of its type, no more
// missiles are deployed than launchers. The exchange validates
// notifications with the same Inventory.
//
// The inventory records its changes as a tape of (item, group) steps, so a
// Forces answers At(date) and Sweep(dates) by moving counts between
// groups; nothing is re-validated. Items are kept compactly (a UID and a
// group index each), which is what lets a party of 100,000 items and a
// history of a million events fit a series of 120 dates in tens of
// milliseconds.
//
// Types come from a catalogue (Catalogue, catalog/types/*.yaml): names as
// the official tables write them, aliases, variants that carry attributes
// ("SS-24 (mobile)"), and attributes each with its source. A file may
// define its own types over it. docs/forces-and-events.md describes the
// file formats and the event schema exactly.
package forces

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tally-project/tally/civil"
)

// Kind is what an item is. Counting rules test it (item.kind == "icbm").
type Kind string

// The item kinds. A launcher and the missile it holds share a type name
// (an MM-III silo holds an MM-III), as the official tables write them.
const (
	ICBM         Kind = "icbm"
	ICBMLauncher Kind = "icbm-launcher"
	SLBM         Kind = "slbm"
	SLBMLauncher Kind = "slbm-launcher"
	Submarine    Kind = "submarine"
	HeavyBomber  Kind = "heavy-bomber"
	Warhead      Kind = "warhead"
)

// Kinds lists every kind, in the order reports show them.
var Kinds = []Kind{ICBM, ICBMLauncher, SLBM, SLBMLauncher, Submarine, HeavyBomber, Warhead}

// IsMissile reports whether k is a missile (it can carry warheads: loading).
func (k Kind) IsMissile() bool { return k == ICBM || k == SLBM }

// IsLauncher reports whether k holds missiles.
func (k Kind) IsLauncher() bool { return k == ICBMLauncher || k == SLBMLauncher }

// Status is where an item stands under the treaty's categories.
type Status string

// The statuses. Eliminated is final: an eliminated item cannot change again,
// and its UID is never reused.
const (
	Deployed    Status = "deployed"
	NonDeployed Status = "non-deployed"
	Test        Status = "test"
	Training    Status = "training"
	Converted   Status = "converted" // e.g. SLBM tubes closed for good, bombers equipped for non-nuclear armaments
	Eliminated  Status = "eliminated"
)

// Statuses lists every status, in the order reports show them.
var Statuses = []Status{Deployed, NonDeployed, Test, Training, Converted, Eliminated}

// Attrs are the attributes of an item type that counting rules read as
// `type.<name>`: `attributed` (START I attributed warheads), `alcms` (long
// range nuclear ALCMs a heavy bomber is equipped for; 0 = not an ALCM
// bomber), `heavy`, `basing` (silo, mobile, rail, submarine, air),
// `nuclear`, `throw_weight` (metric tons), ... Values are int64, float64,
// bool or string. A group in a forces file may override any of them
// (`alcms: 12`, `basing: mobile`, `attributed: 3` for a downloaded missile).
type Attrs map[string]any

// Key is a canonical, order-independent rendering of the attributes, used
// to tell groups apart.
func (a Attrs) Key() string {
	if len(a) == 0 {
		return ""
	}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%v;", k, a[k])
	}
	return b.String()
}

// NoLoading marks a group whose missiles carry no declared `warheads:`.
const NoLoading = -1

// Group is items of one party that share every attribute a counting rule
// can read. The counting engine evaluates each rule once per group and
// multiplies by Count.
type Group struct {
	Kind   Kind
	Type   string // canonical type name from the catalogue, e.g. "MM-III"
	Status Status
	Site   string // "" when not given
	// Warheads is the reentry vehicles actually on each missile of the
	// group (New START reads this), or NoLoading.
	Warheads int
	// Attrs are the group's effective type attributes: the catalogue's for
	// its type, overridden by what the group sets.
	Attrs Attrs
	// Overrides are the attributes the group sets over its type's (from a
	// variant name such as "SS-24 (mobile)", the file, an attrs event or a
	// reading), for explanations; nil when none. Shared: read only.
	Overrides Attrs
	// Carrier is, for items held by another (a missile in a launcher, a
	// launch tube in a submarine), the carrier's UID; "" when not given.
	Carrier string
	// Converting is true between conversion-start and conversion-complete:
	// the item still counts as what it was until the conversion completes.
	Converting bool
	Count      int
	// UIDs are the members' identifiers, sorted; len(UIDs) == Count. A
	// state produced only for counting a series may leave UIDs nil.
	UIDs []string
	// Origin says where the group was declared or last changed
	// ("us-2020.yaml:7", "event 2013-04-02"), for explanations.
	Origin string
	// Profile is 1 + the group's index in Forces.Profiles(): groups of
	// one Forces with the same Profile, at any dates, differ only in Count
	// and UIDs, so a counting engine may evaluate a rule once per Profile
	// across a series. 0 for groups not made by a Forces (a reading's
	// changes and additions, groups built by hand).
	Profile int
}

// Label is a short human description: "icbm MM-III deployed at Malmstrom, 1 warhead".
func (g *Group) Label() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", g.Kind, g.Type, g.Status)
	if g.Converting {
		b.WriteString(" (converting)")
	}
	if g.Site != "" {
		fmt.Fprintf(&b, " at %s", g.Site)
	}
	if g.Warheads != NoLoading {
		fmt.Fprintf(&b, ", %d warhead%s", g.Warheads, plural(g.Warheads))
	}
	if len(g.Overrides) > 0 {
		keys := make([]string, 0, len(g.Overrides))
		for k := range g.Overrides {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(" [")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s: %v", k, g.Overrides[k])
		}
		b.WriteString("]")
	}
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// State is one party's forces at one date.
type State struct {
	Party string
	Date  civil.Date
	// Snapshot is true when the state comes from a snapshot file taken to
	// hold at any date (reports say so), false when replayed from events.
	Snapshot bool
	Groups   []*Group
	// Reading names the reading the state is under ("" = as the owner
	// declared it).
	Reading string

	// types resolves the type names of a Reading's added items (nil: the
	// bundled catalogue).
	types *Types
}

// Items is the total number of items in the state.
func (s *State) Items() int {
	n := 0
	for _, g := range s.Groups {
		n += g.Count
	}
	return n
}

// Site is a declared place where items are based or kept. A forces file
// that declares `sites:` may place items only at those sites; one that
// does not may name any site.
type Site struct {
	Name string `yaml:"name" json:"name"`
	// Kind is what the site is, in the treaty's words: "ICBM base",
	// "submarine base", "air base", "test range", "storage facility"...
	Kind     string `yaml:"kind,omitempty" json:"kind,omitempty"`
	Location string `yaml:"location,omitempty" json:"location,omitempty"`
	Note     string `yaml:"note,omitempty" json:"note,omitempty"`
}
