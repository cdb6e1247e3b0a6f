package node

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/regime"
)

// US shows a fork of its log, signed with its own checkpoint key, to RU's
// witness only. RU's witness refuses it, and RU's node writes the alert
// into RU's own log as a witness-alert notification, which RU's API lists
// and the third party, CN, replicates and lists too.
func TestForkAlertLandsInTheWitnessLog(t *testing.T) {
	c := newCluster(t, "US", "RU", "CN")
	for _, p := range c.parties {
		c.start(p)
	}
	ctx := context.Background()
	us := c.client("US")
	d, ls := initialOf(t, "US", 2)
	if _, err := us.Send(ctx, c.author("US"), []exchange.Draft{draft(t, exchange.InitialDeclaration, "2011-02-05", d),
		draft(t, exchange.NoteKind, "2011-02-06", exchange.Note{Text: "the real history"})}, map[int][]exchange.Loading{0: ls}); err != nil {
		t.Fatal(err)
	}
	// RU's witness has cosigned the real log.
	var size uint64
	eventually(t, 20*time.Second, func() error {
		cp := c.nodes["RU"].wit.Latest("tally.us/log")
		cc, err := c.fix.Regime.OpenCheckpoint(cp, time.Now())
		if err != nil {
			return err
		}
		if cc.Size < 2 {
			return fmt.Errorf("RU has cosigned US at %d", cc.Size)
		}
		size = cc.Size
		return nil
	})

	// The fork: the same number of entries, other contents, the right
	// key; its checkpoints go to RU's witness only.
	forkYAML := strings.Replace(c.fix.YAML, "origin: tally.us/log\n", "origin: tally.us/log\n      witnesses: [RU]\n", 1)
	forkReg, err := regime.Parse("fork.yaml", []byte(forkYAML))
	if err != nil {
		t.Fatal(err)
	}
	fork, err := ledger.Open(ctx, t.TempDir(), ledger.Options{Signer: c.fix.CheckpointSigner(t, "US"), Regime: forkReg,
		CheckpointInterval: 100 * time.Millisecond, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	defer fork.Close()
	fa := c.author("US")
	var entries [][]byte
	for i := uint64(0); i < size; i++ {
		e, err := fa.Write(exchange.NoteKind, civil.MustParse("2011-02-06"), exchange.Note{Text: fmt.Sprintf("another history %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	if _, err := fork.AppendBatch(ctx, entries); err != nil {
		t.Fatal(err)
	}

	// The alert: raised by RU's witness, written into RU's log, listed by
	// RU's API, replicated by CN.
	var logged *NotificationView
	eventually(t, 20*time.Second, func() error {
		var v AlertsView
		if err := c.inspector("RU").Get(ctx, APIPrefix+"/alerts", &v); err != nil {
			return err
		}
		if len(v.Raised) == 0 {
			return fmt.Errorf("RU's witness raised no alert")
		}
		if len(v.Logged) == 0 {
			return fmt.Errorf("no alert in RU's log yet (raised: %s)", v.Raised[0])
		}
		logged = v.Logged[0]
		return nil
	})
	if logged.Party != "RU" || logged.Kind != exchange.WitnessAlert || !logged.Valid || !strings.Contains(string(logged.Body), `"log":"US"`) {
		t.Fatalf("logged alert: %+v", logged)
	}
	var a ledger.Alert
	v, err := exchange.DecodeBody(exchange.WitnessAlert, logged.Body)
	if err != nil {
		t.Fatal(err)
	}
	a = *v.(*ledger.Alert)
	if err := ledger.VerifyAlert(c.fix.Regime, a); err != nil || a.Observer != "RU" {
		t.Fatalf("the logged alert is not evidence: %v %+v", err, a)
	}
	// Public: an observer lists it too.
	var pub AlertsView
	if err := (&Client{Base: c.client("RU").Base}).Get(ctx, APIPrefix+"/alerts", &pub); err != nil || len(pub.Logged) == 0 {
		t.Fatalf("observer alerts: %v %+v", err, pub)
	}
	eventually(t, 20*time.Second, func() error {
		var v AlertsView
		if err := c.inspector("CN").Get(ctx, APIPrefix+"/alerts", &v); err != nil {
			return err
		}
		for _, l := range v.Logged {
			if l.Party == "RU" && l.Kind == exchange.WitnessAlert {
				return nil
			}
		}
		return fmt.Errorf("CN lists no alert of RU's log")
	})
	// The alert is written once, whatever the witness hands again.
	time.Sleep(500 * time.Millisecond)
	var again AlertsView
	c.inspector("RU").Get(ctx, APIPrefix+"/alerts", &again)
	ids := map[string]int{}
	for _, l := range again.Logged {
		if l.Party == "RU" {
			v, _ := exchange.DecodeBody(exchange.WitnessAlert, l.Body)
			ids[v.(*ledger.Alert).ID]++
		}
	}
	for id, n := range ids {
		if n != 1 {
			t.Fatalf("alert %s logged %d times", id, n)
		}
	}
}
