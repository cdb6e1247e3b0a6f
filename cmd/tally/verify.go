package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/regime"
)

// auditChecks gives the entry checks of tally verify: one run on every
// entry by parallel workers, one run in index order (or nil). With a
// regime, every entry must be a notification envelope: its signature is
// checked against the party's key valid then (following the regime
// changes in the log) and its sequence number against the one before.
// Without a regime (or with --raw) only the framing is checked.
var auditChecks = func(reg *regime.Regime) (check, inOrder func(index uint64, entry []byte) error) {
	if reg == nil {
		return ledger.CheckFraming, nil
	}
	a := exchange.NewAuditor(reg)
	return a.CheckEntry, a.CheckInOrder
}

func init() {
	var regimeFile, trustedFile string
	var workers, maxProblems int
	var quiet, raw bool
	cmd := &cobra.Command{
		Use:   "verify DIR|URL",
		Short: "Audit a whole log, from its directory or its node",
		Long: `Audit a whole log: read every entry from a log directory or a node's log
URL, recompute every hash and the whole Merkle tree, check every hash tile,
every checkpoint the log archived (its signature, its cosignatures, and
that the entries give its root), consistency with a checkpoint you already
trust, and each entry: with --regime, that it is a notification envelope
signed by its party's key valid then, with the next sequence number
(without, or with --raw, that it is framed and not empty).

Prints exactly what fails, by entry index and file. Progress goes to
standard error on long logs.

Exit status: 0 if everything holds, 1 if anything does not, 2 if the
arguments or files are wrong.`,
		Example: `  tally verify data/log --regime regime.yaml
  tally verify https://us.example/log/ --regime regime.yaml --trusted last-seen.checkpoint`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var reg *regime.Regime
			if regimeFile != "" {
				var err error
				if reg, err = regime.Load(regimeFile); err != nil {
					return badInput(err)
				}
			}
			src, err := auditSource(args[0])
			if err != nil {
				return badInput(err)
			}
			opts := ledger.AuditOptions{Regime: reg, Workers: workers, MaxProblems: maxProblems}
			if trustedFile != "" {
				if opts.Trusted, err = os.ReadFile(trustedFile); err != nil {
					return badInput(err)
				}
			}
			if raw {
				opts.CheckEntry = ledger.CheckFraming
			} else {
				opts.CheckEntry, opts.CheckInOrder = auditChecks(reg)
			}
			var p *progress
			if !quiet {
				p = newProgress()
				opts.Progress = p.update
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			rep, err := ledger.Audit(ctx, src, opts)
			p.done()
			if err != nil {
				return err
			}
			printReport(cmd, rep)
			if !rep.OK() {
				return &exitError{code: exitFailure, err: fmt.Errorf("%s does not verify: %d problem(s)", src, rep.ProblemCount)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&regimeFile, "regime", "", "regime file: check signatures and cosignatures against it")
	f.StringVar(&trustedFile, "trusted", "", "a checkpoint (signed note) you trust: the log must extend it")
	f.IntVar(&workers, "workers", 0, "parallel workers (default GOMAXPROCS)")
	f.IntVar(&maxProblems, "max-problems", 1000, "list at most this many problems (all are counted)")
	f.BoolVar(&quiet, "quiet", false, "no progress on standard error")
	f.BoolVar(&raw, "raw", false, "entries are not notifications: check their framing only (with --regime, checkpoints are still checked)")
	rootCmd.AddCommand(cmd)
}

func auditSource(arg string) (ledger.Source, error) {
	if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") {
		return ledger.HTTPSource(arg, nil)
	}
	if _, err := os.Stat(filepath.Join(arg, "checkpoint")); err != nil {
		return nil, fmt.Errorf("%s is not a log directory (no checkpoint file): %v", arg, err)
	}
	return ledger.DirSource(arg), nil
}

func printReport(cmd *cobra.Command, rep *ledger.AuditReport) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "log %s at %s: %d entries, root %x\n", rep.Origin, rep.Source, rep.Size, rep.Root)
	what := "hashes, tree, tiles"
	if rep.SignaturesChecked {
		what += ", signatures and cosignatures"
	}
	fmt.Fprintf(out, "checked %d entries and %d archived checkpoints (%d witnessed): %s, in %.1fs\n",
		rep.Entries, rep.Checkpoints, rep.Witnessed, what, rep.Duration.Seconds())
	for _, n := range rep.Notes {
		fmt.Fprintf(out, "note: %s\n", n)
	}
	if rep.OK() {
		fmt.Fprintln(out, "OK: everything holds")
		return
	}
	fmt.Fprintf(out, "FAILED: %d problem(s)\n", rep.ProblemCount)
	for _, p := range rep.Problems {
		fmt.Fprintf(out, "  %s\n", p)
	}
	if n := rep.ProblemCount - len(rep.Problems); n > 0 {
		fmt.Fprintf(out, "  ... and %d more\n", n)
	}
}

// progress reports an audit's advance on standard error, once it has run
// for a couple of seconds.
type progress struct {
	mu       sync.Mutex
	start    time.Time
	last     time.Time
	lastDone uint64
	tty      bool
	printed  bool
}

func newProgress() *progress {
	fi, err := os.Stderr.Stat()
	return &progress{start: time.Now(), tty: err == nil && fi.Mode()&os.ModeCharDevice != 0}
}

func (p *progress) update(done, total uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if done < p.lastDone {
		p.start = now // a new run
	}
	p.lastDone = done
	if now.Sub(p.start) < 2*time.Second || (!p.tty && now.Sub(p.last) < 5*time.Second) {
		return
	}
	p.last = now
	rate := float64(done) / now.Sub(p.start).Seconds()
	line := fmt.Sprintf("verify: %d of %d entries (%.0f%%, %.0f entries/s)", done, total, 100*float64(done)/float64(max(total, 1)), rate)
	if p.tty {
		fmt.Fprintf(os.Stderr, "\r%s ", line)
	} else {
		fmt.Fprintln(os.Stderr, line)
	}
	p.printed = true
}

func (p *progress) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.printed && p.tty {
		fmt.Fprintln(os.Stderr)
	}
}
