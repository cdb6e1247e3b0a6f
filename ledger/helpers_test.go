package ledger

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/regime/regimetest"
)

// testLogger discards operational messages unless TALLY_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("TALLY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// openLog opens party id's log in dir; with reg, it witnesses.
func openLog(t testing.TB, dir string, fx *regimetest.Fixture, id string, reg *regime.Regime) *Log {
	t.Helper()
	l, err := Open(context.Background(), dir, Options{
		Signer:             fx.CheckpointSigner(t, id),
		Regime:             reg,
		CheckpointInterval: 100 * time.Millisecond,
		Logger:             testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func entryN(party string, i int) []byte {
	return fmt.Appendf(nil, "%s notification %06d: item MM-III-%d moved", party, i, i)
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
