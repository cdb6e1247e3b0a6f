package forces

import "github.com/tally-project/tally/civil"

// ItemSpec is one entry of a forces file, or one new item (or group of new
// items) in an Event. Either UID names a single item, or Count > 1 makes a
// group whose UIDs are generated deterministically from the party, kind,
// type and the entry's position, so that the same file always yields the
// same UIDs.
//
//	{kind: icbm-launcher, type: MM-III, status: deployed, count: 133, site: Malmstrom}
//	{kind: icbm, type: MM-III, status: deployed, count: 133, warheads: 1}
//	{uid: US-HB-0001, kind: heavy-bomber, type: B-52H, status: converted}
//
// Any type attribute (alcms, basing, attributed, ...) may be written inline
// and lands in Attrs; a key that is neither a field nor a known attribute
// is an error that suggests the nearest name.
type ItemSpec struct {
	UID     string `yaml:"uid,omitempty" json:"uid,omitempty"`
	Kind    Kind   `yaml:"kind" json:"kind"`
	Type    string `yaml:"type" json:"type"`
	Status  Status `yaml:"status" json:"status"`
	Site    string `yaml:"site,omitempty" json:"site,omitempty"`
	Carrier string `yaml:"carrier,omitempty" json:"carrier,omitempty"`
	// Count is the number of items the entry stands for (default 1).
	Count int `yaml:"count,omitempty" json:"count,omitempty"`
	// Warheads is the reentry vehicles on each missile (missiles only).
	Warheads *int `yaml:"warheads,omitempty" json:"warheads,omitempty"`
	// Attrs overrides type attributes for these items (inline in files).
	Attrs Attrs `yaml:"-" json:"-"`
	// Line is where the entry was written, for errors and explanations.
	Line int `yaml:"-" json:"-"`
}

// Op is what an Event does. Each maps to a notification kind of the
// exchange.
type Op string

// The event operations.
const (
	// OpNew brings new items into accountability (Items).
	OpNew Op = "new"
	// OpStatus changes status (deployed <-> non-deployed, test, training).
	OpStatus Op = "status"
	// OpMove changes site and/or carrier.
	OpMove Op = "move"
	// OpConversionStart marks items as being converted; they keep counting
	// as before until the conversion completes.
	OpConversionStart Op = "conversion-start"
	// OpConversionComplete sets status converted (or Status when given).
	OpConversionComplete Op = "conversion-complete"
	// OpEliminate makes items eliminated; final.
	OpEliminate Op = "eliminate"
	// OpLoad changes the warheads on missiles. Under New START warhead
	// numbers change only in the periodic declarations; the exchange
	// enforces that, not this package.
	OpLoad Op = "load"
	// OpAttrs changes type attributes of items (e.g. alcms after a
	// re-equipment).
	OpAttrs Op = "attrs"
)

// Ops lists every operation.
var Ops = []Op{OpNew, OpStatus, OpMove, OpConversionStart, OpConversionComplete, OpEliminate, OpLoad, OpAttrs}

// Event is one dated change to a party's items: the shared event schema of
// history files and of item notifications. Date is the effective date (when
// it happened), never when it was reported.
//
// Items other than new ones are named by UIDs, or (in hand-written
// histories) by Select with Count: the first Count items, in UID order,
// that match Select at the event's date.
type Event struct {
	Date civil.Date `yaml:"date" json:"date"`
	Op   Op         `yaml:"op" json:"op"`
	// Items are the new items of an OpNew event.
	Items []ItemSpec `yaml:"items,omitempty" json:"items,omitempty"`
	// UIDs names the items the event changes.
	UIDs []string `yaml:"uids,omitempty" json:"uids,omitempty"`
	// Select and Count name items by what they are, where UIDs are not
	// written (generated-UID groups in hand-written histories).
	Select *Selector `yaml:"select,omitempty" json:"select,omitempty"`
	Count  int       `yaml:"count,omitempty" json:"count,omitempty"`

	Status   Status `yaml:"status,omitempty" json:"status,omitempty"`
	Site     string `yaml:"site,omitempty" json:"site,omitempty"`
	Carrier  string `yaml:"carrier,omitempty" json:"carrier,omitempty"`
	Warheads *int   `yaml:"warheads,omitempty" json:"warheads,omitempty"`
	Attrs    Attrs  `yaml:"attrs,omitempty" json:"attrs,omitempty"`
	Note     string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Selector matches items by what they are; empty fields match anything.
type Selector struct {
	Kind   Kind   `yaml:"kind,omitempty" json:"kind,omitempty"`
	Type   string `yaml:"type,omitempty" json:"type,omitempty"`
	Status Status `yaml:"status,omitempty" json:"status,omitempty"`
	Site   string `yaml:"site,omitempty" json:"site,omitempty"`
	// Warheads matches missiles carrying exactly that many warheads.
	Warheads *int `yaml:"warheads,omitempty" json:"warheads,omitempty"`
}

// Reading is one party's view of another party's items where it differs
// from the owner's declaration: the items it reads differently (a
// conversion it could not confirm, read as still non-deployed launchers)
// and items it says exist that the owner did not declare (launchers the
// owner calls "training silos"). Every limit is recounted under the
// reading, not only the one a dispute is about.
type Reading struct {
	// Name is how reports label the reading, e.g. "RU reading (2018-2022 dispute)".
	Name string `yaml:"name" json:"name"`
	// By is the party whose reading it is; Of is the owner of the items.
	By string `yaml:"by" json:"by"`
	Of string `yaml:"of" json:"of"`
	// Changes re-read existing items.
	Changes []ReadingChange `yaml:"changes,omitempty" json:"changes,omitempty"`
	// Added are items the owner did not declare, as the reading sees them.
	Added []ItemSpec `yaml:"added,omitempty" json:"added,omitempty"`
	// Source is where the reading is stated (a statement, a notification).
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
	Note   string `yaml:"note,omitempty" json:"note,omitempty"`

	file string // the file it was read from, for errors
}

// ReadingChange names items (by UIDs, or Select and Count) and what they
// are under the reading.
type ReadingChange struct {
	UIDs   []string  `yaml:"uids,omitempty" json:"uids,omitempty"`
	Select *Selector `yaml:"select,omitempty" json:"select,omitempty"`
	Count  int       `yaml:"count,omitempty" json:"count,omitempty"`
	Status Status    `yaml:"status,omitempty" json:"status,omitempty"`
	Kind   Kind      `yaml:"kind,omitempty" json:"kind,omitempty"`
	Attrs  Attrs     `yaml:"attrs,omitempty" json:"attrs,omitempty"`
	Note   string    `yaml:"note,omitempty" json:"note,omitempty"`
	// Line is where the change was written, for errors.
	Line int `yaml:"-" json:"-"`
}
