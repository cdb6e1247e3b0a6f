package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/tally-project/tally/ledger/internal/journal"
	"github.com/tally-project/tally/regime"
)

// Kinds of alert.
const (
	// AlertSplitView: two checkpoints of one log with the same size and
	// different roots.
	AlertSplitView = "split-view"
	// AlertInconsistent: two checkpoints of one log of different sizes that
	// the log's own tiles do not prove consistent: a fork or a rewrite.
	AlertInconsistent = "inconsistent"
)

// Alert is evidence that a log showed two histories. Both checkpoints are
// signed by the log, so the evidence stands on its own: anyone with the
// regime can check it (see VerifyAlert).
type Alert struct {
	// ID identifies the evidence: the same two checkpoints always give the
	// same ID, whoever raises it and in whichever order.
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Log is the party whose log it is; Origin the log's origin.
	Log    string `json:"log"`
	Origin string `json:"origin"`
	// Observer is the party whose witness raised the alert.
	Observer string    `json:"observer"`
	Time     time.Time `json:"time"`
	// First and Second are the two signed checkpoints, and where each was
	// seen.
	First      string `json:"first"`
	FirstFrom  string `json:"first_from"`
	Second     string `json:"second"`
	SecondFrom string `json:"second_from"`
	// Proof is the consistency proof that failed (base64 hashes), if any.
	Proof  []string `json:"proof,omitempty"`
	Detail string   `json:"detail"`
}

// Marshal encodes the alert as JSON, the form a node writes into its log.
func (a Alert) Marshal() []byte {
	b, err := json.Marshal(a)
	if err != nil {
		panic(err) // an Alert is strings and a time
	}
	return b
}

func (a Alert) String() string {
	return fmt.Sprintf("%s alert %s on the log of %s (%s) raised by %s: %s", a.Kind, a.ID, a.Log, a.Origin, a.Observer, a.Detail)
}

// AlertSink takes an alert once the witness has stored it; a node writes
// it into its own log. It must return nil only once the alert is safely
// kept, and be idempotent by Alert.ID: an alert is handed over again until
// the sink accepts it, also after a restart.
type AlertSink func(ctx context.Context, a Alert) error

// alertBook is the durable list of a witness's alerts and which the sink
// has accepted.
type alertBook struct {
	j        *journal.Journal
	observer string
	sink     AlertSink
	log      *slog.Logger

	mu        sync.Mutex
	alerts    []Alert
	delivered map[string]bool
	wake      chan struct{}
}

const alertHeader = "tally witness alerts v1"

func openAlertBook(path, observer string, sink AlertSink, log *slog.Logger) (*alertBook, error) {
	j, recs, err := journal.Open(path, alertHeader)
	if err != nil {
		return nil, err
	}
	b := &alertBook{j: j, observer: observer, sink: sink, log: log, delivered: map[string]bool{}, wake: make(chan struct{}, 1)}
	for i, r := range recs {
		switch r.Kind {
		case "alert":
			var a Alert
			if err := json.Unmarshal(r.Data, &a); err != nil {
				j.Close()
				return nil, fmt.Errorf("%s: record %d: %v", path, i+1, err)
			}
			b.alerts = append(b.alerts, a)
		case "delivered":
			b.delivered[string(r.Data)] = true
		default:
			j.Close()
			return nil, fmt.Errorf("%s: record %d: unknown kind %q", path, i+1, r.Kind)
		}
	}
	return b, nil
}

// raise stores a new alert durably; an alert with a known ID is ignored.
func (b *alertBook) raise(a Alert) error {
	a.ID = alertID(a.Kind, a.First, a.Second)
	if a.Time.IsZero() {
		a.Time = time.Now().UTC()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, have := range b.alerts {
		if have.ID == a.ID {
			return nil
		}
	}
	if err := b.j.Append(journal.Record{Kind: "alert", Data: a.Marshal()}); err != nil {
		return err
	}
	b.alerts = append(b.alerts, a)
	b.log.Error("ALERT", "kind", a.Kind, "log", a.Log, "id", a.ID, "detail", a.Detail)
	select {
	case b.wake <- struct{}{}:
	default:
	}
	return nil
}

func (b *alertBook) list() []Alert {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Alert(nil), b.alerts...)
}

func (b *alertBook) pending() []Alert {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Alert
	for _, a := range b.alerts {
		if !b.delivered[a.ID] {
			out = append(out, a)
		}
	}
	return out
}

// deliver hands undelivered alerts to the sink until ctx ends.
func (b *alertBook) deliver(ctx context.Context) {
	if b.sink == nil {
		return
	}
	backoff := minBackoff
	for {
		failed := false
		for _, a := range b.pending() {
			if err := b.sink(ctx, a); err != nil {
				if ctx.Err() != nil {
					return
				}
				b.log.Warn("alert sink refused an alert; will retry", "id", a.ID, "err", err, "retry_in", backoff)
				failed = true
				break
			}
			if err := b.j.Append(journal.Record{Kind: "delivered", Data: []byte(a.ID)}); err != nil {
				b.log.Error("recording an alert as delivered", "id", a.ID, "err", err)
				failed = true
				break
			}
			b.mu.Lock()
			b.delivered[a.ID] = true
			b.mu.Unlock()
		}
		wait := time.Hour
		if failed {
			wait = backoff
			backoff = min(2*backoff, maxBackoff)
		} else {
			backoff = minBackoff
		}
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		case <-time.After(wait):
		}
	}
}

func (b *alertBook) close() error { return b.j.Close() }

// VerifyAlert checks an alert as evidence, with the regime only: both
// checkpoints are validly signed by the same log, and they conflict. A
// split view (same size, different roots) is proof on its own. An
// inconsistency is checked as far as the alert carries it: different
// sizes, and the consistency proof the log's tiles gave does not join them;
// anyone can confirm it by asking the log for a proof.
func VerifyAlert(reg *regime.Regime, a Alert) error {
	now := time.Now()
	c1, err := reg.OpenCheckpoint([]byte(a.First), now)
	if err != nil {
		return fmt.Errorf("first checkpoint: %w", err)
	}
	c2, err := reg.OpenCheckpoint([]byte(a.Second), now)
	if err != nil {
		return fmt.Errorf("second checkpoint: %w", err)
	}
	if c1.Origin != c2.Origin || c1.Origin != a.Origin {
		return fmt.Errorf("the checkpoints are of logs %q and %q, the alert names %q", c1.Origin, c2.Origin, a.Origin)
	}
	switch a.Kind {
	case AlertSplitView:
		if c1.Size != c2.Size || bytes.Equal(c1.Hash, c2.Hash) {
			return fmt.Errorf("not a split view: sizes %d and %d, roots equal: %v", c1.Size, c2.Size, bytes.Equal(c1.Hash, c2.Hash))
		}
		return nil
	case AlertInconsistent:
		if c1.Size == c2.Size {
			return fmt.Errorf("an inconsistency between checkpoints of the same size %d should be a split view", c1.Size)
		}
		small, large := c1, c2
		if small.Size > large.Size {
			small, large = large, small
		}
		var hashes [][]byte
		for _, s := range a.Proof {
			h, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return fmt.Errorf("proof: %v", err)
			}
			hashes = append(hashes, h)
		}
		if proof.VerifyConsistency(rfc6962.DefaultHasher, small.Size, large.Size, hashes, small.Hash, large.Hash) == nil {
			return errors.New("the proof in the alert shows the checkpoints consistent")
		}
		return nil
	}
	return fmt.Errorf("unknown alert kind %q", a.Kind)
}
