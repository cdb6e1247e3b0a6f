package node

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/ledger"
)

func newNotificationKey(t *testing.T, name string) (note.Signer, string, string) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, skey, vkey
}

// A party rotates its notification key with a regime change signed by the
// old key, then revokes the new one as compromised, then, having lost its
// key, revokes that with the other party's agreement. At each step the
// keys retired are refused for what comes after and what they signed
// before still verifies, on the party's node, on the other's, and in an
// audit of the log.
func TestKeyRotationAndRevocation(t *testing.T) {
	c := newCluster(t, "US", "RU")
	c.start("US")
	c.start("RU")
	ctx := context.Background()
	cl := c.client("US")
	today := civil.Of(time.Now().UTC())
	name := c.fix.NotificationSigner(t, "US").Name()
	key1 := c.fix.NotificationSigner(t, "US")
	vkey1 := c.fix.Keys["US"].Notification.Verifier
	key2, skey2, vkey2 := newNotificationKey(t, name)
	key3, skey3, vkey3 := newNotificationKey(t, name)
	key4, skey4, vkey4 := newNotificationKey(t, name)
	noteBy := func(k note.Signer, text string) (*SubmitResponse, error) {
		a := &exchange.Author{Party: "US", Signer: k}
		return cl.Send(ctx, a, []exchange.Draft{draft(t, exchange.NoteKind, today.String(), exchange.Note{Text: text})}, nil)
	}
	change := func(k note.Signer, body *exchange.RegimeChangeBody) (*SubmitResponse, error) {
		a := &exchange.Author{Party: "US", Signer: k}
		return cl.Send(ctx, a, []exchange.Draft{draft(t, exchange.RegimeChange, today.String(), body)}, nil)
	}
	refused := func(resp *SubmitResponse, err error, what string) {
		t.Helper()
		var pe *ProblemError
		if !errors.As(err, &pe) || pe.Code() != exchange.CodeKeyInvalid && pe.Code() != exchange.CodeUnknownKey && pe.Code() != exchange.CodeRegime || pe.Errors[0].Field == "" {
			t.Fatalf("%s: not refused as it should be: %v %+v", what, err, resp)
		}
	}
	writeKey := func(file, skey string) {
		if err := os.WriteFile(filepath.Join(c.dirs["US"], "keys", file), []byte(skey), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	d, ls := initialOf(t, "US", 2)
	if _, err := cl.Send(ctx, &exchange.Author{Party: "US", Signer: key1}, []exchange.Draft{draft(t, exchange.InitialDeclaration, "2011-02-05", d)}, map[int][]exchange.Loading{0: ls}); err != nil {
		t.Fatal(err)
	}
	if _, err := noteBy(key1, "signed with key 1"); err != nil {
		t.Fatal(err)
	}
	// A key the regime does not know signs nothing.
	r, err := noteBy(key2, "too early")
	refused(r, err, "a note signed with key 2 before it is put in place")

	// Rotation, signed by the old key.
	writeKey("US.notification.2.key", skey2)
	if _, err := change(key1, &exchange.RegimeChangeBody{Change: exchange.ChangeRotate, Role: "notification", Key: vkey1, New: vkey2, Reason: "scheduled rotation"}); err != nil {
		t.Fatal(err)
	}
	before := c.nodes["US"].NextSeq()
	r, err = noteBy(key1, "with the retired key")
	refused(r, err, "a note signed with the retired key")
	if got := c.nodes["US"].NextSeq(); got != before {
		t.Fatalf("a refused note took a number: %d -> %d", before, got)
	}
	if _, err := noteBy(key2, "signed with key 2"); err != nil {
		t.Fatal(err)
	}
	// The node acknowledges RU's notifications with the key now valid.
	if _, err := c.client("RU").Send(ctx, c.author("RU"), []exchange.Draft{draft(t, exchange.NoteKind, today.String(), exchange.Note{Text: "from RU"})}, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, func() error {
		vs, err := c.nodes["US"].Notifications(ctx, inspector, NotificationFilter{Party: "US", Kind: exchange.Acknowledgement})
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return fmt.Errorf("US has not acknowledged RU's note")
		}
		return nil
	})

	// Key 2 is compromised: revoked, signed by itself, key 3 in its place.
	writeKey("US.notification.3.key", skey3)
	if _, err := change(key2, &exchange.RegimeChangeBody{Change: exchange.ChangeRevoke, Role: "notification", Key: vkey2, New: vkey3,
		CompromisedSince: time.Now().UTC().Format(time.RFC3339), Reason: "compromised"}); err != nil {
		t.Fatal(err)
	}
	r, err = noteBy(key2, "with the revoked key")
	refused(r, err, "a note signed with the revoked key")
	if _, err := noteBy(key3, "signed with key 3"); err != nil {
		t.Fatal(err)
	}

	// Key 3 is lost. A revocation signed by its replacement needs RU's
	// agreement; without it, it is refused.
	rev := &exchange.RegimeChangeBody{Change: exchange.ChangeRevoke, Role: "notification", Key: vkey3, New: vkey4, Reason: "key lost"}
	r, err = change(key4, rev)
	refused(r, err, "a revocation by the new key alone")
	ag, err := c.client("RU").Send(ctx, c.author("RU"), []exchange.Draft{draft(t, exchange.RegimeChange, today.String(),
		&exchange.RegimeChangeBody{Change: exchange.ChangeAgree, Party: "US", Digest: exchange.AgreementDigest(rev), Reason: "US lost its key"})}, nil)
	if err != nil {
		t.Fatal(err)
	}
	agv, err := c.nodes["RU"].Notification(ctx, inspector, "RU", ag.Receipts[0].Seq)
	if err != nil {
		t.Fatal(err)
	}
	rev.Agreements = []string{agv.Entry}
	writeKey("US.notification.4.key", skey4)
	if _, err := change(key4, rev); err != nil {
		t.Fatal(err)
	}
	r, err = noteBy(key3, "with the lost key")
	refused(r, err, "a note signed with the lost key")
	if _, err := noteBy(key4, "signed with key 4"); err != nil {
		t.Fatal(err)
	}

	// RU replays US's log: every entry is valid, those signed before each
	// change with the keys valid then.
	last := c.nodes["US"].NextSeq() - 1
	eventually(t, 20*time.Second, func() error {
		v, err := c.nodes["RU"].Notification(ctx, inspector, "US", last)
		if err != nil {
			return err
		}
		if !v.Valid {
			return fmt.Errorf("US seq %d invalid at RU: %+v", last, v.Problems)
		}
		return nil
	})
	bad, err := c.nodes["RU"].Notifications(ctx, inspector, NotificationFilter{Party: "US", Invalid: true})
	if err != nil || len(bad) != 0 {
		t.Fatalf("invalid US entries at RU: %v %+v", err, bad)
	}
	var rv RegimeView
	if err := c.inspector("RU").Get(ctx, APIPrefix+"/regime", &rv); err != nil {
		t.Fatal(err)
	}
	if len(rv.Changes) != 3 {
		t.Fatalf("key changes at RU: %+v", rv.Changes)
	}
	// An audit of US's log follows the changes.
	c.stop("US")
	au := exchange.NewAuditor(c.fix.Regime)
	rep, err := ledger.Audit(ctx, ledger.DirSource(filepath.Join(c.dirs["US"], "log")), ledger.AuditOptions{Regime: c.fix.Regime, CheckEntry: au.CheckEntry, CheckInOrder: au.CheckInOrder})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Entries < last {
		t.Fatalf("audit: %d entries, %v", rep.Entries, rep.Problems)
	}
}
