package ledger

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
)

// Tessera's own witness client (its synchronous witnessing, which
// publishes a checkpoint only once the witness policy is met) talks to
// our witness: another implementation of C2SP tlog-witness, over HTTP.
func TestTesseraWitnessClient(t *testing.T) {
	fx, nodes := startNetworkWith(t, []string{"US"}, "US", "RU")
	ru := fx.Regime.Party("RU")
	policy := fmt.Sprintf("witness ru %s %s\nquorum ru\n", fx.Keys["RU"].Cosigner.Verifier, ru.WitnessURL())
	group, err := tessera.NewWitnessGroupFromPolicy([]byte(policy))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	driver, err := posix.New(ctx, posix.Config{Path: filepath.Join(t.TempDir(), "tessera")})
	if err != nil {
		t.Fatal(err)
	}
	app, shutdown, reader, err := tessera.NewAppender(ctx, driver, tessera.NewAppendOptions().
		WithCheckpointSigner(fx.CheckpointSigner(t, "US")).
		WithCheckpointInterval(100*time.Millisecond).
		WithWitnesses(group, &tessera.WitnessOptions{Timeout: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(context.Background())
	awaiter := tessera.NewPublicationAwaiter(ctx, reader.ReadCheckpoint, 20*time.Millisecond)
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	for round := range 3 {
		var last tessera.IndexFuture
		for i := range 50 {
			last = app.Add(wctx, tessera.NewEntry(fmt.Appendf(nil, "round %d entry %d", round, i)))
		}
		idx, cp, err := awaiter.Await(wctx, last)
		if err != nil {
			t.Fatal(err)
		}
		c, err := fx.Regime.OpenCheckpoint(cp, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if c.Size <= idx.Index || c.CosignedBy(ru) == nil || !c.Witnessed() {
			t.Fatalf("round %d: checkpoint of %d published without RU's cosignature: %v", round, c.Size, c.Problems)
		}
		// Our witness recorded it, with consistency from the last round.
		if got := nodes["RU"].wit.Latest(c.Origin); got == nil {
			t.Fatal("the witness kept no record")
		}
	}
	if a := nodes["RU"].wit.Alerts(); len(a) != 0 {
		t.Fatalf("alerts: %v", a)
	}
}
