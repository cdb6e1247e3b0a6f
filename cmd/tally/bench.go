package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/ledger/bench"
	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/node"
)

func init() {
	benchCmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure ingestion and audit speed",
	}
	benchCmd.AddCommand(benchIngestCmd(), benchVerifyCmd())
	rootCmd.AddCommand(benchCmd)
}

func benchIngestCmd() *cobra.Command {
	var cfg bench.IngestConfig
	var size int
	var url, dir, party, keyFile, token string
	var noTessera, noLedger bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Submit entries as fast as receipts come back, and compare with Tessera",
		Long: `Submit entries to a log and measure receipts per second and the time from
submission to receipt (p50, p90, p99, max).

By default a fresh log is opened in a temporary directory behind a minimal
submit endpoint on 127.0.0.1 (POST an entry, get its receipt), and the same
entries are then appended to bare Tessera POSIX logs for comparison: once
waiting only for Tessera to sequence and integrate each entry, once also
waiting, as a receipt does, for a checkpoint that covers it.

With --url, the entries are notifications of --party signed with its
notification key (--key), numbered from the node's next sequence number,
and POSTed one by one to the node's API (tally serve) with an operator
token (--token or TALLY_TOKEN); each must come back with its receipt,
which is checked. The same run then measures a bare ledger (the in-process
log behind a minimal submit endpoint) with entries of the same size, for
comparison (--no-ledger to skip).`,
		Example: `  tally bench ingest --duration 20s --concurrency 1024
  tally bench ingest --rate 1000 --duration 30s
  tally bench ingest --url http://127.0.0.1:8080 --party US --key keys/US.notification.key --token $TOKEN`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Entries <= 0 && cfg.Duration <= 0 {
				return badInputf("give --entries or --duration")
			}
			if cfg.Entries > 0 && cmd.Flags().Changed("entries") && !cmd.Flags().Changed("duration") {
				cfg.Duration = 0
			}
			cfg.Entry = bench.Filler(size)
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "GOMAXPROCS %d, %d in flight, %d-byte entries", runtime.GOMAXPROCS(0), cfg.Concurrency, size)
			if cfg.Rate > 0 {
				fmt.Fprintf(out, ", %.0f/s offered", cfg.Rate)
			}
			fmt.Fprintln(out)
			var nodeRun *bench.Result
			if url != "" {
				submit, entry, err := nodeSubmit(ctx, url, party, keyFile, token, size, cfg.Concurrency)
				if err != nil {
					return err
				}
				ncfg := cfg
				ncfg.Entry = entry
				r := bench.Ingest(ctx, "node: signed notifications", ncfg, submit)
				fmt.Fprintln(out, r)
				if noLedger || r.Errors > 0 {
					return verdict(r)
				}
				nodeRun = &r
				noTessera = true
			}
			if dir == "" {
				d, err := os.MkdirTemp("", "tally-bench-ingest-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(d)
				dir = d
			}
			set, err := keys.Generate("BENCH", keys.DefaultNames("BENCH"))
			if err != nil {
				return err
			}
			signer, err := note.NewSigner(set.Checkpoint.Private)
			if err != nil {
				return err
			}
			l, err := ledger.Open(ctx, filepath.Join(dir, "tally"), ledger.Options{
				Signer: signer, CheckpointInterval: interval,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			srv := bench.SubmitServer(ln, l)
			submitURL := "http://" + ln.Addr().String() + "/"
			bench.Settle()
			r := bench.Ingest(ctx, "tally receipts, HTTP on loopback", cfg, bench.HTTPSubmit(submitURL, bench.HTTPClient(cfg.Concurrency, true), nil))
			srv.Close()
			if err := l.Close(); err != nil {
				return err
			}
			fmt.Fprintln(out, r)
			if nodeRun != nil && r.Rate > 0 {
				fmt.Fprintf(out, "%-34s %8.2f×\n", "  node / ledger alone", nodeRun.Rate/r.Rate)
				return verdict(*nodeRun)
			}
			if !noTessera {
				for _, await := range []bool{false, true} {
					name := "tessera POSIX append"
					if await {
						name = "tessera POSIX append + checkpoint"
					}
					sub := fmt.Sprintf("tessera-%v", await)
					bench.Settle()
					s, closer, err := bench.Tessera(ctx, filepath.Join(dir, sub), signer, await)
					if err != nil {
						return err
					}
					t := bench.Ingest(ctx, name, cfg, s)
					closer()
					fmt.Fprintln(out, t)
					if t.Rate > 0 {
						fmt.Fprintf(out, "%-34s %8.2f×\n", "  tally / "+name, r.Rate/t.Rate)
					}
				}
			}
			return verdict(r)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Entries, "entries", 0, "submit this many entries (instead of --duration)")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "run for this long")
	f.IntVar(&cfg.Concurrency, "concurrency", 1024, "submissions in flight")
	f.Float64Var(&cfg.Rate, "rate", 0, "offer this many entries per second (open loop); 0 submits as fast as receipts return")
	f.IntVar(&size, "size", 200, "entry size in bytes")
	f.StringVar(&url, "url", "", "a node's URL: submit signed notifications to it (tally serve)")
	f.StringVar(&party, "party", "", "with --url: the node's party")
	f.StringVar(&keyFile, "key", "", "with --url: the party's notification key file")
	f.StringVar(&token, "token", "", "with --url: an operator token (env TALLY_TOKEN)")
	f.BoolVar(&noLedger, "no-ledger", false, "with --url: skip the bare ledger run")
	f.StringVar(&dir, "dir", "", "directory for the logs (default a temporary one, removed afterwards)")
	f.BoolVar(&noTessera, "no-tessera", false, "skip the comparison with bare Tessera")
	f.DurationVar(&interval, "checkpoint-interval", ledger.DefaultCheckpointInterval, "checkpoint interval of the tally log")
	return cmd
}

// nodeSubmit prepares a load on a node: the i-th entry is a note of party,
// signed, numbered from the node's next sequence number; each is POSTed
// as text/plain to the node's API and must come back with its receipt.
func nodeSubmit(ctx context.Context, url, party, keyFile, token string, size, conns int) (bench.Submit, func(int) []byte, error) {
	if token == "" {
		token = os.Getenv("TALLY_TOKEN")
	}
	if party == "" || keyFile == "" || token == "" {
		return nil, nil, badInputf("with --url, give --party, --key (its notification key) and --token (an operator token)")
	}
	signer, err := keys.LoadSigner(keyFile)
	if err != nil {
		return nil, nil, badInput(err)
	}
	hc := bench.HTTPClient(conns, true)
	cl := &node.Client{Base: url, Token: token, HTTP: hc}
	next, err := cl.Next(ctx)
	if err != nil {
		return nil, nil, err
	}
	today := civil.Of(time.Now().UTC())
	pad := strings.Repeat("x", max(size-300, 1))
	entry := func(i int) []byte {
		e := &exchange.Envelope{Party: party, Seq: next + uint64(i), Kind: exchange.NoteKind, Effective: today, Created: time.Now().UTC(),
			Body: fmt.Appendf(nil, `{"text":"load %d %s"}`, i, pad)}
		msg, err := e.Sign(signer)
		if err != nil {
			panic(err) // the same envelope every time but for its number
		}
		return msg
	}
	endpoint := strings.TrimSuffix(url, "/") + node.APIPrefix + "/notifications"
	// The API answers a text/plain envelope with its receipt, as the bare
	// ledger's submit endpoint does.
	submit := bench.HTTPSubmit(endpoint, hc, http.Header{"Content-Type": {"text/plain"}, "Authorization": {"Bearer " + token}})
	return submit, entry, nil
}

// verdict fails the command if the run had errors.
func verdict(r bench.Result) error {
	if r.Errors > 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("%d submissions failed, the first: %v", r.Errors, r.FirstError)}
	}
	return nil
}

func benchVerifyCmd() *cobra.Command {
	var n, workers int
	var dir string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Audit a large log of signed entries, and compare with Ed25519 alone",
		Long: `Build (once; it is kept in --dir and reused) a log of --entries entries,
each signed with Ed25519, then audit it twice: with the default entry
check (hashes, tree, tiles, checkpoints) and with one signature check per
entry; and time crypto/ed25519 verifying the same signatures alone, with
the same GOMAXPROCS and workers.`,
		Example: `  tally bench verify --entries 1000000
  tally verify $TMPDIR/tally-bench-audit-1000000/log --regime $TMPDIR/tally-bench-audit-1000000/regime.yaml --raw`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if n <= 0 {
				return badInputf("--entries must be positive")
			}
			if dir == "" {
				dir = filepath.Join(os.TempDir(), fmt.Sprintf("tally-bench-audit-%d", n))
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			out := cmd.OutOrStdout()
			start := time.Now()
			var last atomic.Int64
			s, err := bench.BuildSignedLog(ctx, dir, n, func(done, total int) {
				if now := time.Now().Unix(); last.Swap(now) != now {
					fmt.Fprintf(os.Stderr, "building: %d of %d entries\n", done, total)
				}
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "log of %d signed entries in %s (ready in %.0fs)\n", s.Size, s.LogDir(), time.Since(start).Seconds())
			p := newProgress()
			r, err := bench.MeasureAudit(ctx, s, workers, p.update)
			p.done()
			if err != nil {
				return err
			}
			fmt.Fprintln(out, r)
			fmt.Fprintf(out, "the same audit by hand: tally verify %s --regime %s --raw\n", s.LogDir(), s.RegimeFile())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&n, "entries", 1_000_000, "entries in the log")
	f.IntVar(&workers, "workers", 0, "audit workers (default GOMAXPROCS)")
	f.StringVar(&dir, "dir", "", "where the log is built and kept (default $TMPDIR/tally-bench-audit-<entries>)")
	return cmd
}
