package node

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/store/sqlite"
)

func dumpStore(t *testing.T, path string) []byte {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var b bytes.Buffer
	if err := st.Dump(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The projection a node built as it went is the one rebuilt from its data
// directory alone, byte for byte in the canonical dump.
func TestRebuildGivesTheSameProjection(t *testing.T) {
	c := newCluster(t, "US", "RU")
	c.start("US")
	c.start("RU")
	ctx := context.Background()
	for _, p := range []string{"US", "RU"} {
		d, ls := initialOf(t, p, 5)
		drafts := []exchange.Draft{
			draft(t, exchange.InitialDeclaration, "2011-02-05", d),
			draft(t, exchange.StatusChange, "2011-03-01", forces.Event{Date: civil.MustParse("2011-03-01"), Op: forces.OpStatus, UIDs: []string{uid(p, "M", 2)}, Status: forces.NonDeployed}),
			draft(t, exchange.NoteKind, "2011-03-02", exchange.Note{Text: "hello from " + p}),
		}
		if _, err := c.client(p).Send(ctx, c.author(p), drafts, map[int][]exchange.Loading{0: ls}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 20*time.Second, func() error {
		for _, p := range []string{"US", "RU"} {
			vs, err := c.nodes[p].Notifications(ctx, inspector, NotificationFilter{Unacknowledged: false})
			if err != nil {
				return err
			}
			for _, v := range vs {
				if v.Kind.Acknowledged() && len(v.AckedBy) != 1 || len(v.Provided) != 1 {
					return fmt.Errorf("%s: %s seq %d not yet acknowledged and provided", p, v.Party, v.Seq)
				}
			}
		}
		return nil
	})
	c.stop("US")
	c.stop("RU")
	live := dumpStore(t, filepath.Join(c.dirs["US"], "tally.db"))
	if !bytes.Contains(live, []byte("# loadings")) || bytes.Count(live, []byte("\n")) < 40 {
		t.Fatalf("a thin projection:\n%s", live)
	}
	dst := filepath.Join(t.TempDir(), "rebuilt.db")
	rep, err := Rebuild(ctx, c.config("US"), dst)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries["US"] < 4 || rep.Entries["RU"] < 4 || rep.Loadings != 1 {
		t.Fatalf("rebuild: %+v", rep)
	}
	rebuilt := dumpStore(t, dst)
	if !bytes.Equal(live, rebuilt) {
		a, b := strings.Split(string(live), "\n"), strings.Split(string(rebuilt), "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("the rebuilt projection differs at line %d:\nlive:    %s\nrebuilt: %s", i+1, a[i], b[i])
			}
		}
		t.Fatalf("the rebuilt projection differs in length: %d and %d lines", len(a), len(b))
	}

	// A byte flipped in the log: rebuild refuses it, naming the entry.
	bundle := filepath.Join(c.dirs["US"], "log", "tile", "entries", "000.p", fmt.Sprint(rep.Entries["US"]))
	raw, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(raw, []byte("hello from US"))
	raw[i] = 'j'
	if err := os.WriteFile(bundle, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Rebuild(ctx, c.config("US"), filepath.Join(t.TempDir(), "again.db"))
	if err == nil || !strings.Contains(err.Error(), "entry 2") || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("rebuild of a tampered log: %v", err)
	}
}

// A party that has sent nothing yet: the other node's replica trusts its
// empty log's checkpoint, and rebuild accepts the empty copy.
func TestRebuildWithAnEmptyLog(t *testing.T) {
	c := newCluster(t, "US", "RU")
	c.start("US")
	c.start("RU")
	state := filepath.Join(c.dirs["US"], "replicas", "RU", "state.json")
	eventually(t, 20*time.Second, func() error {
		raw, err := os.ReadFile(state)
		if err != nil || !bytes.Contains(raw, []byte("checkpoint")) {
			return fmt.Errorf("no checkpoint of RU trusted yet: %v %s", err, raw)
		}
		return nil
	})
	c.stop("US")
	c.stop("RU")
	rep, err := Rebuild(context.Background(), c.config("US"), filepath.Join(t.TempDir(), "rebuilt.db"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries["RU"] != 0 {
		t.Fatalf("rebuild: %+v", rep)
	}
}
