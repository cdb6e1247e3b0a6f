package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/treaty"
)

// Node is a party's node as the dashboard reads it: the Overview, Forces,
// Notifications, Log and Impact pages show what it returns. Package node
// implements it and mounts the dashboard in its own HTTP handler.
//
// The node authenticates every request and returns a View scoped to the
// viewer's role: the dashboard shows what the View gives and never
// decides on its own who may see what. A View method refuses with an
// error wrapping ErrForbidden, which the page turns into a 403 saying
// what the role may see instead. So the role matrix the API enforces
// holds for the pages too, by construction.
type Node interface {
	// Self is the id of the node's own party. It names the node's sign-in
	// cookie (TokenCookie): browsers keep cookies by host, not port, so
	// two nodes on one machine must not share one.
	Self() string
	// View returns what the viewer of r may see. The viewer's token comes
	// in the Authorization header ("Bearer ...") or, for a browser, in
	// the cookie TokenCookie(Self()) that the sign-in form sets (see
	// Token); no token is the public's. An error wrapping
	// ErrUnauthenticated is answered 401, ErrForbidden 403.
	View(r *http.Request) (View, error)
}

// Errors a Node or a View returns to refuse.
var (
	ErrUnauthenticated = errors.New("not authenticated")
	ErrForbidden       = errors.New("not allowed for this role")
	ErrNotFound        = errors.New("not found")
)

// TokenCookie is the name of the cookie the sign-in form of party's node
// sets to the token it was given. It is HttpOnly and SameSite=Strict; the
// API never reads it (a page cannot be made to submit notifications with
// it).
func TokenCookie(party string) string { return "tally_token_" + party }

// Token returns the bearer token of r for party's node: the
// Authorization header's, else the sign-in cookie's, else "".
func Token(r *http.Request, party string) string {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, _ := strings.CutPrefix(h, "Bearer ")
		return strings.TrimSpace(tok)
	}
	if c, err := r.Cookie(TokenCookie(party)); err == nil {
		return c.Value
	}
	return ""
}

// View is the regime as one viewer may see it. Methods are called while a
// page is rendered, with the request's context. Item-level methods return
// an error wrapping ErrForbidden for a viewer who may not see items;
// unknown parties, items and entries wrap ErrNotFound.
type View interface {
	// Viewer is who is looking, for the header.
	Viewer() Viewer
	// Self is the id of the node's own party.
	Self() string
	// Regime is the regime the node serves: parties, logs and keys.
	Regime() *regime.Regime
	// Treaty is the treaty the regime serves.
	Treaty() *treaty.Treaty

	// Compliance is a party's standing on a date, as declared and under
	// each other party's reading where one disputes. Everyone may ask;
	// observers get totals and verdicts without explanations.
	Compliance(ctx context.Context, party string, date civil.Date) (*Compliance, error)
	// ComplianceSeries is the same at each of dates (ascending), without
	// explanations.
	ComplianceSeries(ctx context.Context, party string, dates []civil.Date) (*Series, error)

	// Forces is a party's forces at a date, item by item (item level).
	// Per-missile loadings are in it only for the owner's operator.
	Forces(ctx context.Context, party string, date civil.Date) (*Forces, error)
	// State is the same as a forces.State, for the impact of proposals
	// (item level; loadings as the treaty shares them, per base).
	State(ctx context.Context, party string, date civil.Date) (*forces.State, error)
	// Readings are the other parties' readings of a party's items that
	// hold on a date (their disputes then), one per disputing party, to
	// count State under as Compliance does (item level: they name
	// items).
	Readings(ctx context.Context, party string, date civil.Date) ([]*forces.Reading, error)
	// ItemHistory is every notified change of one item, oldest first
	// (item level).
	ItemHistory(ctx context.Context, party, uid string) ([]ItemChange, error)
	// Declarations are a party's declarations, in log order (item level).
	Declarations(ctx context.Context, party string) ([]Declaration, error)
	// Discrepancies are those found in a party's declaration (its first
	// sequence number; 0 for all), at most limit (item level).
	Discrepancies(ctx context.Context, party string, declSeq uint64, limit int) ([]Discrepancy, error)

	// Notifications lists notifications (item level).
	Notifications(ctx context.Context, q NotificationQuery) ([]Notification, error)
	// NotificationCounts counts every party's notifications by kind and
	// year of effect (item level).
	NotificationCounts(ctx context.Context) ([]NotificationCount, error)
	// Notification is the entry at index of party's log, with its
	// receipt when the node can give one (item level).
	Notification(ctx context.Context, party string, index uint64) (*Notification, error)

	// Logs is what the node knows of every log: its latest checkpoint,
	// cosignatures and witness status. Everyone may ask.
	Logs(ctx context.Context) ([]Log, error)
	// Checkpoints are the last n checkpoints of a party's log with the
	// cosignatures received, newest first. Everyone may ask.
	Checkpoints(ctx context.Context, party string, n int) ([]Checkpoint, error)
	// Alerts are the split-view alerts this node's witness raised, and
	// the witness alerts logged in every log. Everyone may ask.
	Alerts(ctx context.Context) (*Alerts, error)
}

// Viewer is who is looking at the dashboard.
type Viewer struct {
	// Role is operator, inspector or observer.
	Role string
	// Party is the viewer's party (an operator's); empty otherwise.
	Party string
	// Token: the viewer gave a token (an observer may not have).
	Token bool
}

// ItemLevel reports whether the viewer's role reads item-level data. It
// is for wording only (what a page offers to show); the View decides.
func (v Viewer) ItemLevel() bool { return v.Role == "operator" || v.Role == "inspector" }

// Compliance is a party's standing under the treaty on a date.
type Compliance struct {
	Party string
	Date  civil.Date
	// KnownAt is the size of the party's log the counts reflect.
	KnownAt  uint64
	Readings []Reading
}

// Reading is compliance under one reading.
type Reading struct {
	// Name is "" as declared, else the reading's name; By is the party
	// whose reading it is, Disputes the disputes that make it up.
	Name     string
	By       string
	Disputes []string
	Result   *count.Result
	// Error says why the reading could not be counted.
	Error string
}

// Series is compliance over dates.
type Series struct {
	Party    string
	Dates    []civil.Date
	KnownAt  uint64
	Readings []SeriesReading
}

// SeriesReading is a series under one reading: a result per date (nil
// where the reading did not hold or could not be counted).
type SeriesReading struct {
	Name    string
	By      string
	Results []*count.Result
}

// Forces is a party's forces at a date as its log tells them.
type Forces struct {
	Party   string
	Date    civil.Date
	KnownAt uint64
	Items   []Item
	// Warheads are the warheads per base of the last declaration as of
	// the date (Declaration).
	Warheads    []exchange.BaseWarheads
	Declaration civil.Date
	// Private: Items carry the per-missile loadings (the owner's
	// operator only).
	Private bool
}

// Item is one item at a date.
type Item struct {
	UID        string
	Kind       forces.Kind
	Type       string
	Status     forces.Status
	Site       string
	Carrier    string
	Converting bool
	// Warheads is a missile's loading, when Forces.Private.
	Warheads *int
}

// ItemChange is one notified change of an item: the state the
// notification left it in, and the notification.
type ItemChange struct {
	exchange.ItemState
	Kind      exchange.Kind
	Effective civil.Date
	Late      []string
}

// Declaration is one complete declaration.
type Declaration struct {
	Party string
	Kind  exchange.Kind
	AsOf  civil.Date
	// FirstSeq and First are the sequence number and log index of its
	// first part.
	FirstSeq, First uint64
	Parts, Items    int
	Warheads        []exchange.BaseWarheads
	Totals          []exchange.DeclaredTotal
	Discrepancies   int
	// Note is the declaration's own note (a demo regime says there which
	// figures are synthetic).
	Note string
}

// Discrepancy is one difference between a declaration and the
// notifications before it.
type Discrepancy struct {
	Party   string
	DeclSeq uint64
	AsOf    civil.Date
	exchange.Discrepancy
}

// NotificationQuery selects notifications; zero fields select all.
type NotificationQuery struct {
	Party string
	Kind  exchange.Kind
	// Late and Unacknowledged keep only the notifications that are.
	Late, Unacknowledged bool
	From, To             civil.Date
	Limit, Offset        int
	// Newest lists the most recent first.
	Newest bool
}

// Notification is one entry of a party's log and what the node knows of
// it.
type Notification struct {
	Party string
	Index uint64
	Seq   uint64
	Kind  exchange.Kind
	// Effective is when the event happened; Created the sender's claim
	// of when it wrote the envelope.
	Effective civil.Date
	Created   time.Time
	// Valid is false for an entry that is not an acceptable notification;
	// Problems say why.
	Valid    bool
	Problems []string
	// Deadline is when the treaty's timing rules make it due.
	Deadline *exchange.Deadline
	// Provided is when it reached each other party (their first
	// cosignature); Late lists those it reached after its deadline.
	Provided map[string]time.Time
	Late     []string
	// AckedBy and Unacknowledged list the parties that have and have not
	// (within the node's deadline) acknowledged it.
	AckedBy, Unacknowledged []string
	Body                    json.RawMessage
	// Entry is the signed envelope as the log holds it; Leaf its RFC 6962
	// leaf hash in hex.
	Entry []byte
	Leaf  string
	// Receipt is its receipt (a C2SP tlog-proof), from Notification only;
	// ReceiptErr says why there is none yet.
	Receipt    []byte
	ReceiptErr string
}

// NotificationCount is how many notifications of one kind a party's log
// holds with an effective date in one year, and how many of them are
// late.
type NotificationCount struct {
	Party string
	Kind  exchange.Kind
	Year  int
	Count int
	Late  int
}

// Log is what the node knows of one log.
type Log struct {
	Party  string
	Origin string
	// Own is the node's own log.
	Own bool
	// Size is how many entries the node holds of it.
	Size uint64
	// Checkpoint is its latest checkpoint the node holds, with every
	// cosignature.
	Checkpoint []byte
	Cosigned   []Cosignature
	Pending    []string
	Witnessed  bool
	// WitnessedSize is the largest witnessed size known.
	WitnessedSize uint64
}

// Cosignature is one valid cosignature on a checkpoint.
type Cosignature struct {
	Witness string
	Time    time.Time
}

// Checkpoint is one checkpoint of a log with the cosignatures it
// received, checked against the regime.
type Checkpoint struct {
	Size     uint64
	Root     []byte
	Note     []byte
	Cosigned []Cosignature
	Pending  []string
	// Witnessed: the cosignatures meet the regime's witness policy.
	Witnessed bool
	Problems  []string
}

// Alerts are what the node's witness caught, and the alerts in the logs.
type Alerts struct {
	Raised []ledger.Alert
	Logged []Notification
}
