// Package store keeps the projection of the parties' logs: every
// notification each log holds, what each did to its party's items, the
// declarations and their discrepancies, acknowledgements, disputes, key
// changes, and when each entry reached each other party.
//
// The projection is derived: a node writes what exchange.Book reports for
// each entry (Apply) as it appends its own entries and replicates the
// others', and it can be thrown away and rebuilt from the logs alone with
// the same result (Dump writes a canonical text of it, to compare). Two
// things are not in the logs and are kept beside them: the owner's private
// per-missile loadings (SaveLoadings), and the cosignature times that fix
// each entry's time of provision, which come from the logs' checkpoint
// archives (SetProvision).
//
// Store is the interface a node uses; package store/sqlite implements it
// on SQLite (modernc.org/sqlite, pure Go).
package store

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
)

// Store is a node's projection of the logs.
type Store interface {
	// Cursor is how many entries of party's log are applied.
	Cursor(ctx context.Context, party string) (uint64, error)
	// Apply records applied entries, in order, in one transaction, and
	// moves each log's cursor past them. An entry below a log's cursor is
	// an error: the caller replays, it does not re-apply.
	Apply(ctx context.Context, aps []*exchange.Applied) error
	// SetProvision replaces the times at which entries of party's log
	// reached receiver.
	SetProvision(ctx context.Context, party, receiver string, rs []Provision) error
	// Provisions lists the provision ranges of party's log ("" for all).
	Provisions(ctx context.Context, party string) ([]Provision, error)

	// SaveLoadings keeps the private loadings behind a declaration of
	// party (its first part's sequence number).
	SaveLoadings(ctx context.Context, party string, declSeq uint64, ls []exchange.Loading) error
	// Loadings returns them, sorted by UID (nil if none).
	Loadings(ctx context.Context, party string, declSeq uint64) ([]exchange.Loading, error)

	// Notifications lists notifications matching q, in log order.
	Notifications(ctx context.Context, q Query) ([]*Notification, error)
	// Events calls fn with every event of the entries [from, before) of
	// party's log (before 0: to the end), in the order a projection
	// replays them: by date, then log index, then position in the entry.
	Events(ctx context.Context, party string, from, before uint64, fn func(index uint64, ev forces.Event) error) error
	// ItemHistory lists the changes to one item, oldest first.
	ItemHistory(ctx context.Context, party, uid string) ([]exchange.ItemState, error)
	// Declarations lists party's declarations ("" for all), in log order.
	Declarations(ctx context.Context, party string) ([]*Declaration, error)
	// Discrepancies lists the discrepancies found in declarations.
	Discrepancies(ctx context.Context, q DiscrepancyQuery) ([]*Discrepancy, error)
	// Acked is, for each acknowledging party and each party
	// acknowledged, the size of the log acknowledged so far.
	Acked(ctx context.Context) (map[[2]string]uint64, error)
	// Disputes lists the disputes of the items of party of ("" for all).
	Disputes(ctx context.Context, of string) ([]*Dispute, error)
	// KeyChanges lists the regime changes of party ("" for all).
	KeyChanges(ctx context.Context, party string) ([]*KeyChange, error)

	// Dump writes the whole projection as canonical text: the same logs
	// give the same bytes.
	Dump(ctx context.Context, w io.Writer) error
	Close() error
}

// Notification is one entry of a party's log as the projection has it.
type Notification struct {
	Party string
	Index uint64
	// Seq, Kind, Effective and Created are the envelope's (zero for an
	// entry that is not an envelope).
	Seq       uint64
	Kind      exchange.Kind
	Effective civil.Date
	Created   time.Time
	// Valid is false for an entry that is not an acceptable notification.
	Valid    bool
	Problems []*exchange.Problem
	// Key is the signing key, name+hash.
	Key      string
	Deadline *exchange.Deadline
	Body     json.RawMessage
	// Entry is the entry as the log holds it; Leaf its RFC 6962 leaf hash.
	Entry []byte
	Leaf  []byte
	// Ends is the sequence number of the dispute it ends, if any.
	Ends uint64
}

// Query selects notifications. Zero fields select everything.
type Query struct {
	Party string
	Kind  exchange.Kind
	// From and To bound the effective date (inclusive).
	From, To civil.Date
	// Seq, or Index (with HasIndex), picks one notification of Party.
	Seq      uint64
	Index    uint64
	HasIndex bool
	// KnownAt, with Party, keeps the entries below that log size;
	// FromIndex those at or above that index.
	KnownAt   uint64
	FromIndex uint64
	// Valid keeps valid (true) or invalid (false) entries only.
	Valid *bool
	// Late keeps notifications that reached some party after their
	// deadline.
	Late bool
	// Unacknowledged keeps notifications of acknowledged kinds created
	// before CreatedBefore that one of Receivers has not acknowledged.
	Unacknowledged bool
	Receivers      []string
	CreatedBefore  time.Time
	// WithoutEntry leaves out Entry and Body (for long lists).
	WithoutEntry bool
	Limit        int
	Offset       int
	// Newest lists the most recent first.
	Newest bool
}

// Provision says that entries [Lo, Hi) of Party's log reached Receiver at
// Time: the timestamp of Receiver's first cosignature on a checkpoint
// covering them.
type Provision struct {
	Party    string
	Receiver string
	Lo, Hi   uint64
	Time     time.Time
}

// Declaration is a complete declaration.
type Declaration struct {
	Party             string
	Kind              exchange.Kind
	AsOf              civil.Date
	FirstSeq, LastSeq uint64
	First, Last       uint64
	Parts, Items      int
	Warheads          []exchange.BaseWarheads
	Totals            []exchange.DeclaredTotal
	Loadings          *exchange.Commitment
	DiscrepancyCount  int
}

// DiscrepancyQuery selects discrepancies.
type DiscrepancyQuery struct {
	Party string
	// DeclSeq picks one declaration (its first part's sequence number).
	DeclSeq uint64
	Kind    string
	Limit   int
}

// Discrepancy is one discrepancy of a declaration.
type Discrepancy struct {
	Party   string
	DeclSeq uint64
	AsOf    civil.Date
	exchange.Discrepancy
}

// Dispute is one party's reading of another's items, and whether it has
// ended.
type Dispute struct {
	Party     string
	Seq       uint64
	Index     uint64
	ID        string
	Of        string
	Effective civil.Date
	Reading   json.RawMessage
	Text      string
	// EndedSeq and Ended say when its party ended it (0: still open).
	EndedSeq uint64
	Ended    civil.Date
}

// ActiveAt reports whether the dispute holds on date d.
func (d *Dispute) ActiveAt(day civil.Date) bool {
	return d.Effective <= day && (d.EndedSeq == 0 || d.Ended > day)
}

// KeyChange is one regime change.
type KeyChange struct {
	Party  string
	Seq    uint64
	Index  uint64
	Change string
	Key    string
	New    string
	Reason string
}
