package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/tally-project/tally/node"
	"github.com/tally-project/tally/store/sqlite"
)

func init() {
	var nf nodeFlags
	var check bool
	cmd := &cobra.Command{
		Use:   "rebuild --data DIR --regime regime.yaml",
		Short: "Rebuild a stopped node's projection from its logs alone",
		Long: `Rebuild the projection (DATA/tally.db) of a stopped node from its data
directory alone: the party's own log (audited first: every hash, the tree
and every checkpoint must hold, or nothing is rebuilt), the copies of the
other parties' logs (checked against the checkpoints their replicas
trusted), the private loadings and the checkpoint archives.

The old projection is kept as tally.db.<time>.old. With --check, the
projection is rebuilt aside and compared with the existing one (as
canonical dumps); the exit status is 1 if they differ.

The party is read from the log's checkpoint unless given.`,
		Example: `  tally rebuild --data us-data --regime regime.yaml
  tally rebuild --data us-data --regime regime.yaml --check`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := nf.settings(cmd)
			if err != nil {
				return badInput(err)
			}
			if s.Regime == "" {
				return badInputf("give the regime file: --regime, TALLY_REGIME or regime: in the configuration file")
			}
			cfg, err := nodeConfig(s, newLogger("warn", "text"))
			if err != nil {
				return badInput(err)
			}
			if _, err := os.Stat(filepath.Join(cfg.Data, "log")); err != nil {
				return badInputf("%s is not a node's data directory: %v", cfg.Data, err)
			}
			ctx := context.Background()
			stamp := time.Now().UTC().Format("20060102T150405")
			dst := filepath.Join(cfg.Data, "tally.db.rebuild-"+stamp)
			rep, err := node.Rebuild(ctx, cfg, dst)
			if err != nil {
				removeDB(dst)
				return &exitError{code: exitFailure, err: err}
			}
			out := cmd.OutOrStdout()
			for _, p := range cfg.Regime.Parties {
				fmt.Fprintf(out, "%s: %d entries (%d not valid notifications)\n", p.ID, rep.Entries[p.ID], rep.Invalid[p.ID])
			}
			fmt.Fprintf(out, "private loadings of %d declarations; in %.1fs\n", rep.Loadings, rep.Duration.Seconds())
			cur := filepath.Join(cfg.Data, "tally.db")
			if check {
				defer removeDB(dst)
				a, err := dumpDB(ctx, cur)
				if err != nil {
					return err
				}
				b, err := dumpDB(ctx, dst)
				if err != nil {
					return err
				}
				if !bytes.Equal(a, b) {
					return &exitError{code: exitFailure, err: fmt.Errorf("the projection in %s differs from the one rebuilt from the logs", cur)}
				}
				fmt.Fprintln(out, "OK: the projection is what the logs give")
				return nil
			}
			if _, err := os.Stat(cur); err == nil {
				old := cur + "." + stamp + ".old"
				for _, suf := range []string{"", "-wal", "-shm"} {
					if _, err := os.Stat(cur + suf); err == nil {
						if err := os.Rename(cur+suf, old+suf); err != nil {
							return err
						}
					}
				}
				fmt.Fprintf(out, "the old projection is kept as %s\n", old)
			}
			for _, suf := range []string{"", "-wal", "-shm"} {
				if _, err := os.Stat(dst + suf); err == nil {
					if err := os.Rename(dst+suf, cur+suf); err != nil {
						return err
					}
				}
			}
			fmt.Fprintf(out, "rebuilt %s\n", cur)
			return nil
		},
	}
	nf.register(cmd.Flags(), false)
	cmd.Flags().BoolVar(&check, "check", false, "rebuild aside and compare with the existing projection; change nothing")
	rootCmd.AddCommand(cmd)
}

func dumpDB(ctx context.Context, path string) ([]byte, error) {
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var b bytes.Buffer
	err = st.Dump(ctx, &b)
	return b.Bytes(), err
}

func removeDB(path string) {
	for _, suf := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suf)
	}
}
