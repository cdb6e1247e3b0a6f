package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/treaty"
)

// Node is a party's node as the dashboard reads it: the Overview, Forces,
// Notifications and Logs pages show what it returns. The node package
// implements it.
//
// The node authenticates every request (token, client certificate) and
// returns a View scoped to the viewer's role: the dashboard shows what the
// View gives and never decides on its own who may see what. So the role
// matrix the API enforces holds for the pages too, by construction.
type Node interface {
	// View returns what the viewer of r may see. An error wrapping
	// ErrUnauthenticated is answered 401, ErrForbidden 403.
	View(r *http.Request) (View, error)
}

// Errors a Node or a View returns to refuse.
var (
	ErrUnauthenticated = errors.New("not authenticated")
	ErrForbidden       = errors.New("not allowed for this role")
)

// View is the regime as one viewer may see it. Methods are called while a
// page is rendered, with the request's context.
type View interface {
	// Viewer is who is looking, for the header.
	Viewer() Viewer
	// Regime is the regime the node serves: parties, logs and keys.
	Regime() *regime.Regime
	// Treaty is the treaty the regime serves.
	Treaty() *treaty.Treaty
	// Compliance is a party's standing under the treaty at each of dates
	// (ascending). Observers get totals and verdicts; explanations need
	// item-level access.
	Compliance(ctx context.Context, party string, dates []civil.Date) ([]*count.Result, error)
	// Forces is a party's forces, item by item, as this viewer may see
	// them: ErrForbidden for an observer.
	Forces(ctx context.Context, party string) (*forces.Forces, error)
	// Notifications lists notifications, newest first.
	Notifications(ctx context.Context, q NotificationQuery) ([]Notification, error)
	// Checkpoints are a party's log checkpoints with the cosignatures
	// received, oldest first.
	Checkpoints(ctx context.Context, party string) ([]ledger.ArchivedCheckpoint, error)
	// Alerts are the split-view alerts this node's witness raised.
	Alerts(ctx context.Context) ([]ledger.Alert, error)
}

// Viewer is who is looking at the dashboard.
type Viewer struct {
	// Role is operator, inspector or observer.
	Role string
	// Party is the viewer's party; empty for a public observer.
	Party string
}

// NotificationQuery selects notifications; zero fields select all.
type NotificationQuery struct {
	Party string
	Kind  string
	// Late and Unacknowledged keep only the notifications that are.
	Late, Unacknowledged bool
	From, To             *civil.Date
	Limit                int
}

// Notification is one notification as the Notifications page lists it.
type Notification struct {
	Party string
	// Index is the entry's index in its party's log.
	Index uint64
	Kind  string
	// Date is the effective date; Provided the time of provision (the
	// receiver's first cosignature, package ledger).
	Date     civil.Date
	Provided time.Time
	// Due is the deadline the treaty's timing rules give it.
	Due  *civil.Date
	Late bool
	// AcknowledgedBy lists the parties that acknowledged it.
	AcknowledgedBy []string
	// Summary says what it notifies, in one line.
	Summary string
	// Receipt is its receipt (a C2SP tlog-proof), for Verify.
	Receipt []byte
}
