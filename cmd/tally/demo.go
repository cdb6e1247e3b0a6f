package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/demo"
	"github.com/tally-project/tally/node"
)

// serveDemo runs tally serve --demo: the demo regime's nodes until a
// signal, with what to open printed first.
func serveDemo(cmd *cobra.Command, s *node.FileConfig, logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	r, err := demo.Start(ctx, demo.Options{Data: s.Data, Addr: s.Addr, Logger: logger})
	if errors.Is(err, syscall.EADDRINUSE) {
		return err // the machine's state, not the command's input
	}
	if err != nil {
		return badInput(err)
	}
	out := cmd.OutOrStdout()
	first := r.Parties[0]
	pv := r.Provenance()
	fmt.Fprintf(out, "tally demo: New START between the United States and Russia, %s to %s, as %d nodes on this machine\n\n", pv.Start, pv.End, len(r.Parties))
	fmt.Fprintf(out, "  dashboard  %s  (the %s node)\n", first.URL, first.ID)
	for _, p := range r.Parties {
		fmt.Fprintf(out, "  node %-5s %s  data %s\n", p.ID, p.URL, p.Data)
	}
	fmt.Fprintf(out, "\n  tokens (Authorization: Bearer ...; also in %s):\n", filepath.Join(r.Data, "demo.json"))
	for _, p := range r.Parties {
		fmt.Fprintf(out, "    operator of %-3s %s  (on %s)\n", p.ID, p.Operator, p.URL)
	}
	fmt.Fprintf(out, "    inspector       %s  (every node)\n", r.Tokens.Inspector)
	fmt.Fprintf(out, "    observer        %s  (every node; no token is an observer too)\n\n", r.Tokens.Observer)
	fmt.Fprintf(out, "  clock      SIMULATED: every time the nodes show is on the demo's clock, not the real one\n\n")
	if r.Restarted {
		fmt.Fprintf(out, "Started again from %s (nothing regenerated); the simulated clock reads %s.\n", r.Data, r.Clock.Now().Format("2006-01-02 15:04 MST"))
	} else {
		fmt.Fprintf(out, "Generating the regime through both nodes (fresh keys in %s) ...\n", r.Data)
	}
	select {
	case <-ctx.Done():
	case <-r.Ready():
		if err := r.Err(); err != nil {
			r.Shutdown(context.Background())
			return err
		}
		if !r.Restarted {
			p := r.Progress()
			fmt.Fprintf(out, "Ready in %.1fs: %d notifications in %d rounds, every declaration applied and cosigned by the other party.\nThe simulated clock now runs from %s.\n",
				time.Since(start).Seconds(), p.Notifications, p.Round, r.Clock.Now().Format("2006-01-02 15:04 MST"))
		} else {
			fmt.Fprintln(out, "Ready.")
		}
		fmt.Fprintln(out, "Ctrl-C stops the nodes.")
		<-ctx.Done()
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return r.Shutdown(sctx)
}
