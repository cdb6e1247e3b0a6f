package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tally-project/tally/ledger/internal/witnessapi"
	"github.com/tally-project/tally/regime/regimetest"
)

// collector is a Deliver function that insists on order and no repeats.
type collector struct {
	got    [][]byte
	failAt int64 // deliver fails once at this index (-1: never)
}

func (c *collector) deliver(_ context.Context, i uint64, e []byte) error {
	if int64(i) == c.failAt {
		c.failAt = -1
		return errors.New("application busy")
	}
	if i != uint64(len(c.got)) {
		return fmt.Errorf("entry %d delivered after %d entries", i, len(c.got))
	}
	c.got = append(c.got, bytes.Clone(e))
	return nil
}

func TestReplicator(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	ctx := ctxTimeout(t, 60*time.Second)
	us := openLog(t, filepath.Join(t.TempDir(), "us"), fx, "US", nil)
	defer us.Close()
	src := DirSource(us.Dir())
	w := newWitness(t, filepath.Join(t.TempDir(), "ru"), fx, fx.Regime, "RU", src)
	defer w.Close()
	// RU's witness cosigns the US log as it grows.
	var known uint64
	witnessNow := func() {
		t.Helper()
		cp := us.Checkpoint()
		size, _, _ := checkpointSizeRoot(cp)
		var proof [][]byte
		if known > 0 {
			proof, _ = consistencyFrom(ctx, src, known, size)
		}
		if status, _, answer := w.AddCheckpoint(ctx, witnessapi.Request{OldSize: known, Proof: proof, Checkpoint: cp}.Marshal()); status != 200 {
			t.Fatalf("witness: %d %s", status, answer)
		}
		known = size
	}
	var want [][]byte
	add := func(from, to int) {
		for i := from; i < to; i++ {
			want = append(want, entryN("US", i))
		}
		if _, err := us.AppendBatch(ctx, want[from:to]); err != nil {
			t.Fatal(err)
		}
		witnessNow()
	}
	add(0, 300)

	dir := filepath.Join(t.TempDir(), "replica")
	c := &collector{failAt: -1}
	open := func(self string) *Replicator {
		r, err := NewReplicator(dir, ReplicatorOptions{
			Regime: fx.Regime, Log: "US", Self: self, Source: src, Deliver: c.deliver,
			Checkpoint: func(context.Context) ([]byte, error) { return w.Latest(us.Origin()), nil },
			Logger:     testLogger(),
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// Without trusting its own witness, one cosignature of two is not
	// enough: nothing is delivered.
	if err := open("").Sync(ctx); !errors.Is(err, ErrNotTrusted) || len(c.got) != 0 {
		t.Fatalf("untrusted: %v, %d delivered", err, len(c.got))
	}
	r := open("RU")
	if err := r.Sync(ctx); err != nil || len(c.got) != 300 || r.Next() != 300 {
		t.Fatalf("first sync: %v, %d delivered", err, len(c.got))
	}
	// The application fails at entry 450: the round stops there and the
	// next one resumes from it.
	add(300, 5000)
	c.failAt = 450
	if err := r.Sync(ctx); err == nil || r.Next() != 450 || len(c.got) != 450 {
		t.Fatalf("failing delivery: %v, next %d, %d delivered", err, r.Next(), len(c.got))
	}
	if err := r.Sync(ctx); err != nil || r.Next() != 5000 {
		t.Fatalf("resume: %v, next %d", err, r.Next())
	}
	// A restarted replica resumes where it was and delivers nothing twice.
	add(5000, 5010)
	r = open("RU")
	if r.Next() != 5000 {
		t.Fatalf("reopened at %d", r.Next())
	}
	if err := r.Sync(ctx); err != nil || len(c.got) != 5010 {
		t.Fatalf("after reopening: %v, %d delivered", err, len(c.got))
	}
	for i := range want {
		if !bytes.Equal(c.got[i], want[i]) {
			t.Fatalf("entry %d differs", i)
		}
	}
	if !bytes.Equal(r.Checkpoint(), w.Latest(us.Origin())) {
		t.Fatal("the replica's checkpoint is not the one it was given")
	}
}

// A log whose data does not hash to the checkpoint its witnesses cosigned
// delivers nothing unproven, and the replica says so.
func TestReplicatorRefusesAlteredEntries(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	ctx := ctxTimeout(t, 30*time.Second)
	us := openLog(t, filepath.Join(t.TempDir(), "us"), fx, "US", nil)
	appendAll(t, us, seq("e", 0, 700)...)
	w := newWitness(t, filepath.Join(t.TempDir(), "ru"), fx, fx.Regime, "RU", DirSource(us.Dir()))
	defer w.Close()
	if status, _, a := w.AddCheckpoint(ctx, witnessapi.Request{Checkpoint: us.Checkpoint()}.Marshal()); status != 200 {
		t.Fatalf("%d %s", status, a)
	}
	us.Close()
	altered := copyDir(t, us.Dir())
	p := filepath.Join(altered, "tile/entries/001")
	raw, _ := os.ReadFile(p)
	raw[bytes.Index(raw, []byte("e300"))+1] = 'x'
	os.WriteFile(p, raw, 0o644)

	c := &collector{failAt: -1}
	var told string
	r, err := NewReplicator(t.TempDir(), ReplicatorOptions{
		Regime: fx.Regime, Log: "US", Self: "RU", Source: DirSource(altered), Deliver: c.deliver,
		Checkpoint:   func(context.Context) ([]byte, error) { return w.Latest(us.Origin()), nil },
		Inconsistent: func(_ context.Context, _ []byte, detail string) { told = detail },
		Logger:       testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Sync(ctx); err == nil || len(c.got) != 0 || told == "" {
		t.Fatalf("altered log: %v, %d delivered, told %q", err, len(c.got), told)
	}
}

// A log with no entries yet publishes a checkpoint of size 0, whose root
// is the hash of the empty tree: the replica takes it as consistent with
// the nothing it holds, and goes on from it when entries come.
func TestReplicatorEmptyLog(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU")
	ctx := ctxTimeout(t, 30*time.Second)
	us := openLog(t, filepath.Join(t.TempDir(), "us"), fx, "US", nil)
	defer us.Close()
	for us.Checkpoint() == nil {
		if ctx.Err() != nil {
			t.Fatal("no checkpoint of the empty log")
		}
		time.Sleep(10 * time.Millisecond)
	}
	src := DirSource(us.Dir())
	w := newWitness(t, filepath.Join(t.TempDir(), "ru"), fx, fx.Regime, "RU", src)
	defer w.Close()
	cosign := func(old uint64) {
		t.Helper()
		cp := us.Checkpoint()
		size, _, _ := checkpointSizeRoot(cp)
		proof, _ := consistencyFrom(ctx, src, old, size)
		if status, _, a := w.AddCheckpoint(ctx, witnessapi.Request{OldSize: old, Proof: proof, Checkpoint: cp}.Marshal()); status != 200 {
			t.Fatalf("witness: %d %s", status, a)
		}
	}
	cosign(0)
	c := &collector{failAt: -1}
	var told string
	r, err := NewReplicator(t.TempDir(), ReplicatorOptions{
		Regime: fx.Regime, Log: "US", Self: "RU", Source: src, Deliver: c.deliver,
		Checkpoint:   func(context.Context) ([]byte, error) { return w.Latest(us.Origin()), nil },
		Inconsistent: func(_ context.Context, _ []byte, detail string) { told = detail },
		Logger:       testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Sync(ctx); err != nil || told != "" {
		t.Fatalf("the empty log: %v (told %q)", err, told)
	}
	if !bytes.Equal(r.Checkpoint(), w.Latest(us.Origin())) {
		t.Fatal("the replica did not take the empty log's checkpoint")
	}
	appendAll(t, us, seq("e", 0, 3)...)
	cosign(0)
	if err := r.Sync(ctx); err != nil || len(c.got) != 3 || told != "" {
		t.Fatalf("after three entries: %v, %d delivered (told %q)", err, len(c.got), told)
	}
}
