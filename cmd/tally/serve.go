package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tally-project/tally/node"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/treaty"
)

// nodeFlags are the settings shared by serve and rebuild: each from a
// flag, else an environment variable TALLY_<NAME>, else the configuration
// file, else a default.
type nodeFlags struct {
	config, regime, party, data, addr, keys, treaty string
	ackDeadline, checkpointInterval, replicate      time.Duration
	logLevel, logFormat                             string
	demo                                            bool
	// addrGiven is set by settings when the address came from a flag,
	// the environment or the file rather than the default.
	addrGiven bool
}

func (nf *nodeFlags) register(f *pflag.FlagSet, serve bool) {
	f.StringVar(&nf.config, "config", "", "configuration file (YAML; env TALLY_CONFIG)")
	f.StringVar(&nf.regime, "regime", "", "the regime file (env TALLY_REGIME)")
	f.StringVar(&nf.party, "party", "", "the node's party (env TALLY_PARTY)")
	f.StringVar(&nf.data, "data", "", "data directory (env TALLY_DATA; default ./tally-data)")
	f.StringVar(&nf.treaty, "treaty", "", "the treaty: a bundled id or a file (env TALLY_TREATY; default the regime's)")
	if !serve {
		return
	}
	f.StringVar(&nf.addr, "addr", "", "listen address (env TALLY_ADDR; default 127.0.0.1:8080)")
	f.StringVar(&nf.keys, "keys", "", "directory of the party's private keys (env TALLY_KEYS; default DATA/keys)")
	f.DurationVar(&nf.ackDeadline, "ack-deadline", 0, "list notifications unacknowledged this long after their creation (env TALLY_ACK_DEADLINE; default 1h)")
	f.DurationVar(&nf.checkpointInterval, "checkpoint-interval", 0, "how often the log signs a checkpoint while entries arrive (100ms to 500ms; env TALLY_CHECKPOINT_INTERVAL; default 250ms)")
	f.DurationVar(&nf.replicate, "replicate-interval", 0, "how often the other logs are read (env TALLY_REPLICATE_INTERVAL; default 1s)")
	f.BoolVar(&nf.demo, "demo", false, "run the demo regime: New START 2011-2026, the United States and Russia as two nodes on this machine (env TALLY_DEMO=1)")
	f.StringVar(&nf.logLevel, "log-level", "", "debug, info, warn or error (env TALLY_LOG_LEVEL; default info)")
	f.StringVar(&nf.logFormat, "log-format", "", "text or json (env TALLY_LOG_FORMAT; default text)")
}

// settings resolves every setting in order: flag, environment, file,
// default.
func (nf *nodeFlags) settings(cmd *cobra.Command) (*node.FileConfig, error) {
	pick := func(flag, flagVal, env, fileVal, def string) string {
		if cmd.Flags().Changed(flag) {
			return flagVal
		}
		if v := os.Getenv(env); v != "" {
			return v
		}
		if fileVal != "" {
			return fileVal
		}
		return def
	}
	fc := &node.FileConfig{}
	cfgPath := pick("config", nf.config, "TALLY_CONFIG", "", "")
	if cfgPath != "" {
		var err error
		if fc, err = node.LoadConfigFile(cfgPath); err != nil {
			return nil, err
		}
		// Paths in the file are relative to it.
		base := filepath.Dir(cfgPath)
		for _, p := range []*string{&fc.Regime, &fc.Data, &fc.Keys} {
			if *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(base, *p)
			}
		}
	}
	dur := func(flag string, v time.Duration, env, fileVal string) (string, error) {
		if cmd.Flags().Lookup(flag) != nil && cmd.Flags().Changed(flag) {
			return v.String(), nil
		}
		s := pick(flag, "", env, fileVal, "")
		if s != "" {
			if _, err := time.ParseDuration(s); err != nil {
				return "", fmt.Errorf("%s: %q is not a duration", env, s)
			}
		}
		return s, nil
	}
	out := &node.FileConfig{
		Regime:    pick("regime", nf.regime, "TALLY_REGIME", fc.Regime, ""),
		Party:     pick("party", nf.party, "TALLY_PARTY", fc.Party, ""),
		Data:      pick("data", nf.data, "TALLY_DATA", fc.Data, "tally-data"),
		Addr:      pick("addr", nf.addr, "TALLY_ADDR", fc.Addr, "127.0.0.1:8080"),
		Keys:      pick("keys", nf.keys, "TALLY_KEYS", fc.Keys, ""),
		Treaty:    pick("treaty", nf.treaty, "TALLY_TREATY", fc.Treaty, ""),
		LogLevel:  pick("log-level", nf.logLevel, "TALLY_LOG_LEVEL", fc.LogLevel, "info"),
		LogFormat: pick("log-format", nf.logFormat, "TALLY_LOG_FORMAT", fc.LogFormat, "text"),
		Tokens:    fc.Tokens,
	}
	nf.addrGiven = cmd.Flags().Changed("addr") || os.Getenv("TALLY_ADDR") != "" || fc.Addr != ""
	var err error
	if out.AckDeadline, err = dur("ack-deadline", nf.ackDeadline, "TALLY_ACK_DEADLINE", fc.AckDeadline); err != nil {
		return nil, err
	}
	if out.CheckpointInterval, err = dur("checkpoint-interval", nf.checkpointInterval, "TALLY_CHECKPOINT_INTERVAL", fc.CheckpointInterval); err != nil {
		return nil, err
	}
	if out.ReplicateInterval, err = dur("replicate-interval", nf.replicate, "TALLY_REPLICATE_INTERVAL", fc.ReplicateInterval); err != nil {
		return nil, err
	}
	return out, nil
}

// errNoRegime says what tally serve runs.
var errNoRegime = errors.New(`tally serve runs a party's node, or the demo:

  tally serve --demo
      the New START regime between the United States and Russia, 2011-2026,
      generated at start as two nodes on this machine (the dashboard at
      http://127.0.0.1:8080/)

  tally serve --regime regime.yaml --party US
      a party's node of a regime: give the regime file with --regime,
      TALLY_REGIME or regime: in a --config file (docs/two-nodes.md shows
      how to make one and run two nodes)`)

func parseDur(s string) time.Duration {
	d, _ := time.ParseDuration(s)
	return d
}

// nodeConfig turns settings into a node configuration.
func nodeConfig(s *node.FileConfig, logger *slog.Logger) (node.Config, error) {
	reg, err := regime.Load(s.Regime)
	if err != nil {
		return node.Config{}, err
	}
	if s.Party == "" {
		// The party whose log is in the data directory.
		if data, err := os.ReadFile(filepath.Join(s.Data, "log", "checkpoint")); err == nil {
			origin, _, _ := strings.Cut(string(data), "\n")
			if p := reg.LogOwner(origin); p != nil {
				s.Party = p.ID
			}
		}
	}
	if s.Party == "" {
		return node.Config{}, errors.New("give the node's party: --party, TALLY_PARTY or party: in the configuration file")
	}
	p := reg.Party(s.Party)
	if p == nil {
		return node.Config{}, fmt.Errorf("party %q is not in %s (parties: %s)", s.Party, s.Regime, partyList(reg))
	}
	tid := s.Treaty
	if tid == "" {
		tid = reg.Treaty
	}
	tr, err := treaty.Lookup(tid)
	if err != nil {
		return node.Config{}, err
	}
	return node.Config{Regime: reg, Party: p.ID, Data: s.Data, Keys: s.Keys, Treaty: tr, Tokens: s.Tokens,
		AckDeadline: parseDur(s.AckDeadline), CheckpointInterval: parseDur(s.CheckpointInterval),
		ReplicateInterval: parseDur(s.ReplicateInterval), Logger: logger}, nil
}

func partyList(reg *regime.Regime) string {
	ids := make([]string, len(reg.Parties))
	for i, p := range reg.Parties {
		ids[i] = p.ID
	}
	return strings.Join(ids, ", ")
}

func newLogger(level, format string) *slog.Logger {
	var lv slog.Level
	switch level {
	case "debug":
		lv = slog.LevelDebug
	case "warn":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func init() {
	var nf nodeFlags
	cmd := &cobra.Command{
		Use:   "serve (--demo | --regime regime.yaml --party US)",
		Short: "Run a party's node (its log, witness, replicas, projection, API and dashboard), or the demo regime",
		Long: `Run a party's node, or with --demo the demo regime.

--demo runs New START between the United States and Russia, 2011-02-05 to
2026-02-05, as two nodes in this process, each with its own keys, data
directory (DATA/us, DATA/ru) and log, talking over loopback HTTP: the US
node at --addr (default 127.0.0.1:8080), the Russian one on the next port.
On a fresh data directory it makes fresh keys and replays the regime
through both nodes, as real use would: signed declarations that add up to
the official totals, the notifications between them, witnessed and
acknowledged by the other party, on a simulated clock that it prints and
that runs on from 2026-02-05 once the replay is done. On a data directory
that holds a demo it starts it again as it was. It prints the dashboard's
URL and a token per role; /healthz answers 200 once every declaration is
applied and every log cosigned by the other party. With --demo give
only --data, --addr and the log settings: the demo sets the rest itself.

For a party's node, the data directory holds the projection (SQLite,
tally.db), the party's log (log/, served at the regime's log prefix), its
witness's records (witness/), copies of the other parties' logs
(replicas/), and the party's private loadings (private/).

The node publishes its log and sends each checkpoint to the other parties'
witnesses; witnesses their logs (tlog-witness at the regime's witness
prefix); replicates them, checks every notification and acknowledges it;
and answers the JSON API under /api/v1 (see the route table in package
node), /healthz and /metrics (Prometheus).

Settings come from flags, else environment variables (TALLY_ADDR, ...),
else the configuration file (--config), else defaults. API tokens come
from the configuration file, else DATA/tokens.yaml; if neither has any, an
operator and an inspector token are made, written to DATA/tokens.yaml
(mode 0600) and printed once. Requests without a token are the public's
(observer).

SIGINT or SIGTERM stops the node gracefully: submissions in flight get
their receipts, queued ones are appended, journals are flushed.

TALLY_CPUPROFILE=FILE writes a CPU profile (pprof) until the node stops.`,
		Example: `  tally serve --demo
  tally serve --demo --data /tmp/demo --addr 127.0.0.1:9090
  tally serve --regime regime.yaml --party US --data us-data --addr 127.0.0.1:8080
  TALLY_ADDR=127.0.0.1:8081 tally serve --regime regime.yaml --party RU --data ru-data
  tally serve --config /etc/tally/node.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := nf.settings(cmd)
			if err != nil {
				return badInput(err)
			}
			logger := newLogger(s.LogLevel, s.LogFormat)
			if nf.demo || os.Getenv("TALLY_DEMO") == "1" {
				if cmd.Flags().Changed("regime") || cmd.Flags().Changed("party") {
					return badInputf("--demo makes its own regime and parties: give --demo or --regime and --party, not both")
				}
				// The demo sets these itself, for the replay on its clock.
				for _, f := range []string{"treaty", "keys", "ack-deadline", "checkpoint-interval", "replicate-interval"} {
					if cmd.Flags().Changed(f) {
						return badInputf("--%s is not for --demo, which sets it itself: give --demo with --data, --addr and the log settings only", f)
					}
				}
				if !nf.addrGiven {
					s.Addr = "" // the demo's own ports, or its default
				}
				return serveDemo(cmd, s, logger)
			}
			if s.Regime == "" {
				return badInput(errNoRegime)
			}
			cfg, err := nodeConfig(s, logger)
			if err != nil {
				return badInput(err)
			}
			if len(cfg.Tokens) == 0 {
				if cfg.Tokens, err = nodeTokens(cmd, cfg.Data); err != nil {
					return err
				}
			}
			if path := os.Getenv("TALLY_CPUPROFILE"); path != "" {
				f, err := os.Create(path)
				if err != nil {
					return err
				}
				pprof.StartCPUProfile(f)
				defer pprof.StopCPUProfile()
			}
			ln, err := net.Listen("tcp", s.Addr)
			if err != nil {
				return badInput(fmt.Errorf("--addr %s: %v", s.Addr, err))
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			n, err := node.Open(ctx, cfg)
			if err != nil {
				ln.Close()
				return err
			}
			served := make(chan error, 1)
			go func() { served <- n.Serve(ln) }()
			logger.Info("serving", "party", cfg.Party, "url", "http://"+ln.Addr().String()+"/", "data", cfg.Data)
			select {
			case <-ctx.Done():
			case err = <-served:
				logger.Error("the server stopped", "err", err)
			}
			logger.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if serr := n.Shutdown(sctx); serr != nil {
				return serr
			}
			return err
		},
	}
	nf.register(cmd.Flags(), true)
	rootCmd.AddCommand(cmd)
}

// nodeTokens reads DATA/tokens.yaml, or makes it.
func nodeTokens(cmd *cobra.Command, data string) ([]node.Token, error) {
	path := filepath.Join(data, "tokens.yaml")
	ts, err := node.LoadTokens(path)
	if err == nil && len(ts) > 0 {
		return ts, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, badInput(err)
	}
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	ts = []node.Token{node.NewToken(node.RoleOperator), node.NewToken(node.RoleInspector)}
	if err := node.WriteTokens(path, ts); err != nil {
		return nil, err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "API tokens, written to %s:\n  operator:  %s\n  inspector: %s\n", path, ts[0].Token, ts[1].Token)
	return ts, nil
}
