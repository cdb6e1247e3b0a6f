package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/tally-project/tally/ledger/internal/witnessapi"
)

// submitTo posts a checkpoint to a witness as a log would, with a
// consistency proof from old computed from src's tiles.
func submitTo(t *testing.T, witnessURL string, src Source, old uint64, cp []byte) (int, string) {
	t.Helper()
	size, _, err := checkpointSizeRoot(cp)
	if err != nil {
		t.Fatal(err)
	}
	var proof [][]byte
	if old > 0 && old < size {
		if proof, err = consistencyFrom(context.Background(), src, old, size); err != nil {
			t.Fatal(err)
		}
	}
	body := witnessapi.Request{OldSize: old, Proof: proof, Checkpoint: cp}.Marshal()
	status, _, resp, err := post(context.Background(), http.DefaultClient, witnessURL+witnessapi.Path, body)
	if err != nil {
		t.Fatal(err)
	}
	return status, string(resp)
}

func appendAll(t *testing.T, l *Log, entries ...string) {
	t.Helper()
	var b [][]byte
	for _, e := range entries {
		b = append(b, []byte(e))
	}
	if _, err := l.AppendBatch(ctxTimeout(t, 20*time.Second), b); err != nil {
		t.Fatal(err)
	}
}

func seq(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

// alertsIn reads the alerts a node's sink wrote into its own log.
func alertsIn(t *testing.T, l *Log) []Alert {
	t.Helper()
	var out []Alert
	l.Scan(context.Background(), 0, 1<<62, func(_ uint64, e []byte) error {
		var a Alert
		if json.Unmarshal(e, &a) == nil && a.ID != "" {
			out = append(out, a)
		}
		return nil
	})
	return out
}

// The log of US is forked: one history, signed with the right key, goes
// to RU's witness, the real one to UK's. Each accepts the first view it
// gets. A witness shown the other history refuses it and raises an alert;
// when the witnesses compare what they have seen, the fork shows. Alerts
// name both checkpoints, hold up as evidence, and reach each witness's
// own log.
func TestForkDetected(t *testing.T) {
	fx, nodes := startNetworkWith(t, []string{"US"}, "US", "RU", "UK")
	ctx := ctxTimeout(t, 60*time.Second)
	us, ru, uk := nodes["US"], nodes["RU"], nodes["UK"]
	real := us.log
	fork := openLog(t, filepath.Join(t.TempDir(), "fork"), fx, "US", nil)
	defer fork.Close()
	realSrc, forkSrc := DirSource(real.Dir()), DirSource(fork.Dir())
	ruURL, ukURL := fx.Regime.Party("RU").WitnessURL(), fx.Regime.Party("UK").WitnessURL()

	// Same first five entries, then the histories part.
	appendAll(t, real, seq("e", 0, 10)...)
	appendAll(t, fork, append(seq("e", 0, 5), seq("x", 5, 10)...)...)
	o10, f10 := real.Checkpoint(), fork.Checkpoint()
	if s, _, _ := checkpointSizeRoot(o10); s != 10 {
		t.Fatalf("real log at %d", s)
	}

	// Each witness accepts its first view.
	if st, body := submitTo(t, ruURL, forkSrc, 0, f10); st != 200 {
		t.Fatalf("RU refused the fork as first view: %d %s", st, body)
	}
	if st, body := submitTo(t, ukURL, realSrc, 0, o10); st != 200 {
		t.Fatalf("UK refused the real log: %d %s", st, body)
	}

	// RU, having cosigned the fork, refuses the real checkpoint of the
	// same size and raises a split-view alert naming both.
	if st, body := submitTo(t, ruURL, realSrc, 10, o10); st != http.StatusConflict {
		t.Fatalf("RU accepted a second history: %d %s", st, body)
	}
	alerts := ru.wit.Alerts()
	if len(alerts) != 1 || alerts[0].Kind != AlertSplitView || alerts[0].Log != "US" || alerts[0].Observer != "RU" {
		t.Fatalf("RU alerts: %v", alerts)
	}
	a := alerts[0]
	if !bytes.HasPrefix([]byte(a.First), textOf(t, f10)) || !bytes.HasPrefix([]byte(a.Second), textOf(t, o10)) {
		t.Fatalf("the alert does not name both checkpoints:\n%s\n%s", a.First, a.Second)
	}
	if err := VerifyAlert(fx.Regime, a); err != nil {
		t.Fatalf("alert is not evidence: %v", err)
	}
	waitUntil(t, 10*time.Second, "the alert in RU's log", func() bool {
		in := alertsIn(t, ru.log)
		return len(in) == 1 && in[0].ID == a.ID
	})

	// UK learns of the fork when it compares views with RU.
	if err := uk.wit.ComparePeers(ctx); err != nil {
		t.Fatal(err)
	}
	ukAlerts := uk.wit.Alerts()
	if len(ukAlerts) != 1 || ukAlerts[0].ID != a.ID {
		t.Fatalf("UK alerts after comparing: %v (RU's is %s)", ukAlerts, a.ID)
	}

	// The histories grow apart in size: the fork to 12, the real log to
	// 14. Each witness follows its own view, consistently.
	appendAll(t, fork, seq("x", 10, 12)...)
	appendAll(t, real, seq("e", 10, 14)...)
	f12, o14 := fork.Checkpoint(), real.Checkpoint()
	if st, body := submitTo(t, ruURL, forkSrc, 10, f12); st != 200 {
		t.Fatalf("RU refused its own view's growth: %d %s", st, body)
	}
	if st, body := submitTo(t, ukURL, realSrc, 10, o14); st != 200 {
		t.Fatalf("UK refused its own view's growth: %d %s", st, body)
	}
	// RU is offered the real tree with a proof from 12: the proof fails,
	// RU refuses (422), checks the log's own tiles and raises an
	// inconsistency alert.
	if st, body := submitTo(t, ruURL, realSrc, 12, o14); st != http.StatusUnprocessableEntity {
		t.Fatalf("RU accepted the real tree: %d %s", st, body)
	}
	waitUntil(t, 10*time.Second, "RU's inconsistency alert", func() bool { return len(ru.wit.Alerts()) == 2 })
	b := ru.wit.Alerts()[1]
	if b.Kind != AlertInconsistent || b.Log != "US" {
		t.Fatalf("second alert: %v", b)
	}
	if err := VerifyAlert(fx.Regime, b); err != nil {
		t.Fatalf("inconsistency alert is not evidence: %v", err)
	}
	// Comparing views again finds the same evidence: no duplicate.
	if err := ru.wit.ComparePeers(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(ru.wit.Alerts()); n != 2 {
		t.Fatalf("RU has %d alerts after comparing again", n)
	}
	// UK compares with RU's view, the fork of size 12: inconsistent with
	// the real log's tiles.
	if err := uk.wit.ComparePeers(ctx); err != nil {
		t.Fatal(err)
	}
	if got := uk.wit.Alerts(); len(got) != 2 || got[1].Kind != AlertInconsistent {
		t.Fatalf("UK alerts: %v", got)
	}
	waitUntil(t, 10*time.Second, "both alerts in UK's log", func() bool { return len(alertsIn(t, uk.log)) == 2 })

	// Alerts survive a restart and are not raised twice.
	ru.shutdown()
	ru.start(nil)
	if n := len(ru.wit.Alerts()); n != 2 {
		t.Fatalf("after restart RU has %d alerts", n)
	}
	if n := len(alertsIn(t, ru.log)); n != 2 {
		t.Fatalf("after restart RU's log has %d alerts", n)
	}
}

func textOf(t *testing.T, msg []byte) []byte {
	t.Helper()
	text, err := noteText(msg)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(text)
}
