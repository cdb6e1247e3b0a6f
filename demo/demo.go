package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/internal/durable"
	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/node"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/scenario"
	"github.com/tally-project/tally/server"
	"github.com/tally-project/tally/treaty"
)

// Options configure a demo regime.
type Options struct {
	// Data is the demo's directory: empty or absent to generate a regime,
	// or one a demo was generated in to start it again. Default
	// ./tally-data.
	Data string
	// Addr is where the first party's node listens (default
	// 127.0.0.1:8080); the other parties' nodes take the ports after it.
	// With port 0 every node takes a free port. A demo started again
	// keeps the ports it had unless Addr is given.
	Addr string
	// Logger receives the nodes' and the driver's messages (each node's
	// with its party); default slog.Default().
	Logger *slog.Logger
	// Mount is called with each node after it opens and before it
	// serves, to mount more handlers on it (node.Node.Mount).
	Mount func(*node.Node) error
}

// Party is one party's node in the demo.
type Party struct {
	ID   string
	Name string
	// URL is the node's base URL ("http://127.0.0.1:8080/"): its API,
	// log, witness and dashboard.
	URL string
	// Data is the node's data directory.
	Data string
	Node *node.Node
	// Operator is the token of this party's operator, valid on its node.
	Operator string
}

// Tokens are the demo's API tokens, one per role: each party's operator
// (valid on its own node), and an inspector and an observer valid on
// every node. A request with no token is an observer's too.
type Tokens struct {
	Operator  map[string]string `json:"operator"`
	Inspector string            `json:"inspector"`
	Observer  string            `json:"observer"`
}

// Regime is a running demo: the parties' nodes, serving, and the driver
// that generates the regime through them on a fresh data directory.
type Regime struct {
	// Parties are the nodes, in the regime's order (US, RU).
	Parties []*Party
	Tokens  Tokens
	// Clock is the simulated clock every node runs on.
	Clock *Clock
	// Regime is the regime file's content, as the nodes load it.
	Regime *regime.Regime
	// Data is the demo's directory.
	Data string
	// Restarted is true when the regime was found in Data, not generated.
	Restarted bool

	opts   Options
	log    *slog.Logger
	sc     *scenario.Scenario
	state  *state
	lns    map[string]net.Listener
	served []chan error

	ready    chan struct{}
	mu       sync.Mutex
	err      error
	progress Progress
	cancel   context.CancelFunc
	done     chan struct{}
	senders  map[string]*sender

	dashOnce sync.Once
	dash     *server.Provenance
}

// Party returns the party with id, or nil.
func (r *Regime) Party(id string) *Party {
	for _, p := range r.Parties {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// Progress is how far the generation is.
type Progress struct {
	// Round and Rounds count the rounds of notifications sent and to send.
	Round  int `json:"round"`
	Rounds int `json:"rounds"`
	// Notifications counts the notifications sent (declaration parts
	// count one each).
	Notifications int `json:"notifications"`
	// Simulated is the simulated date reached.
	Simulated civil.Date `json:"simulated,omitempty"`
	// Ready is set once the regime is generated (or found), applied and
	// witnessed.
	Ready bool `json:"ready"`
	// Took is how long it took (real time), once ready.
	Took time.Duration `json:"took_ns,omitempty"`
}

// Progress reports how far the generation is.
func (r *Regime) Progress() Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.progress
}

// Ready is closed once the regime is generated (or found), every
// declaration is applied on every node and every log has a checkpoint
// cosigned by the other parties; or when the generation failed (Err).
func (r *Regime) Ready() <-chan struct{} { return r.ready }

// Err is why the generation failed, once Ready is closed; nil if it did
// not.
func (r *Regime) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Wait waits until the demo is ready, and says why not if it failed.
func (r *Regime) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-r.ready:
		return r.Err()
	}
}

// The demo regime's fixed facts.
var (
	// keysValidFrom is when the demo's keys become valid: before entry
	// into force, so that every notification of the replay is signed by a
	// key valid at its time.
	keysValidFrom = "2010-01-01"
	// stopEvents are the scenario's regime events from which the parties
	// they concern write nothing to their logs: Russia's suspension of its
	// participation (28 February 2023), the US countermeasures (1 June
	// 2023, when it withheld its notifications in return).
	stopEvents = []string{"suspension", "countermeasures"}
)

// endOfReplay is where the clock stands when the replay is over, and runs
// on from: the first day with no treaty, at the hour rounds are sent.
func endOfReplay(s *scenario.Scenario) time.Time {
	return s.End.Time().Add(sendHour * time.Hour)
}

// withholdOf says when each party stops writing to its log (stopEvents).
// From then on its node acknowledges nothing either.
func withholdOf(s *scenario.Scenario) map[string]time.Time {
	out := map[string]time.Time{}
	for _, ev := range s.Regime {
		if slices.Contains(stopEvents, ev.ID) {
			for _, p := range ev.Parties {
				out[p] = ev.Date.Time()
			}
		}
	}
	return out
}

// Start opens the demo in opts.Data: on a fresh directory it makes the
// regime (fresh keys, the regime file, tokens), opens every party's node
// and serves it, and generates the New START regime 2011-2026 through
// them in the background (Ready says when it is done); on a directory
// holding a demo it opens the nodes on what they hold and serves them. It
// returns once every node serves. Shutdown stops it.
func Start(ctx context.Context, opts Options) (*Regime, error) {
	if opts.Data == "" {
		opts.Data = "tally-data"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := &Regime{opts: opts, log: opts.Logger.With("demo", filepath.Base(opts.Data)), Data: opts.Data,
		ready: make(chan struct{}), done: make(chan struct{}), lns: map[string]net.Listener{}}
	st, err := loadState(opts.Data)
	switch {
	case errors.Is(err, errNoDemo):
		if err := checkEmpty(opts.Data); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	case !st.Generated:
		return nil, fmt.Errorf("%s holds a demo whose generation was interrupted (it started at %s and did not finish); remove the directory (rm -r %s) and run tally serve --demo again to generate a new one", opts.Data, st.Started.Format(time.RFC3339), opts.Data)
	default:
		r.Restarted = true
	}
	ok := false
	defer func() {
		if !ok {
			for _, ln := range r.lns {
				ln.Close()
			}
		}
	}()
	if r.sc, err = scenario.NewStartWith(scenario.Options{Windows: windows}); err != nil {
		return nil, err
	}
	ids := make([]string, len(r.sc.Parties))
	for i, p := range r.sc.Parties {
		ids[i] = p.ID
	}
	addr := opts.Addr
	if addr == "" && st != nil {
		addr = st.Addrs[ids[0]]
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	if err := r.listen(ids, addr); err != nil {
		return nil, err
	}
	if r.Restarted {
		r.state = st
		err = r.reopen()
		// The clock runs on from where it stood when the regime was
		// generated, as if it had run since.
		r.Clock = &Clock{}
		r.Clock.Run(st.Clock.At.Add(time.Since(st.Clock.Real)))
	} else {
		err = r.create(ids)
		r.Clock = NewClock(r.sc.Start.Time().Add(sendHour * time.Hour))
	}
	if err != nil {
		return nil, err
	}
	if err := r.open(ctx); err != nil {
		r.shutdownNodes(context.Background())
		return nil, err
	}
	ok = true
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = cancel
	if r.Restarted {
		go r.settle(bg)
	} else {
		go r.generate(bg)
	}
	return r, nil
}

// errNoDemo: the directory holds no demo.
var errNoDemo = errors.New("no demo")

// checkEmpty refuses to generate a demo in a directory that holds
// something else.
func checkEmpty(dir string) error {
	es, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(es) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "log", "checkpoint")); err == nil {
		return fmt.Errorf("%s holds a party's node, not a demo: run tally serve --demo --data with another directory (the demo needs one of its own)", dir)
	}
	return fmt.Errorf("%s is not empty and holds no demo: give tally serve --demo an empty or new directory with --data", dir)
}

// listen takes the nodes' addresses: the first at addr, the others on
// the ports after it (or free ports, for port 0).
func (r *Regime) listen(ids []string, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %v", addr, err)
	}
	p0, err := strconv.Atoi(port)
	if err != nil {
		return fmt.Errorf("address %q: the port is not a number", addr)
	}
	for i, id := range ids {
		a := net.JoinHostPort(host, "0")
		if p0 != 0 {
			a = net.JoinHostPort(host, strconv.Itoa(p0+i))
		}
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("the node of %s cannot listen on %s: %w", id, a, err)
		}
		r.lns[id] = ln
	}
	return nil
}

func (r *Regime) url(id string) string { return "http://" + r.lns[id].Addr().String() + "/" }

// create makes a fresh demo directory: keys, the regime, tokens and the
// state file, which records that the generation started.
func (r *Regime) create(ids []string) error {
	if err := os.MkdirAll(r.Data, 0o755); err != nil {
		return err
	}
	st := &state{Version: stateVersion, Treaty: r.sc.Treaty, Parties: ids, Addrs: map[string]string{}, Started: time.Now().UTC()}
	var b strings.Builder
	fmt.Fprintf(&b, "# The demo regime of tally serve --demo: fresh keys, valid from %s so\n# that the replay of 2011-2026 is signed by keys valid at its dates.\nversion: 1\ntreaty: %s\nparties:\n", keysValidFrom, r.sc.Treaty)
	for _, p := range r.sc.Parties {
		set, err := keys.Generate(p.ID, keys.DefaultNames(p.ID))
		if err != nil {
			return err
		}
		dir := filepath.Join(r.Data, strings.ToLower(p.ID))
		if _, err := set.Write(filepath.Join(dir, "keys")); err != nil {
			return err
		}
		fmt.Fprintf(&b, "  - id: %s\n    name: %s\n    node: %s\n    log:\n      origin: %s\n    keys:\n", p.ID, p.Name, r.url(p.ID), set.Checkpoint.Name)
		for _, k := range set.Pairs() {
			fmt.Fprintf(&b, "      %s:\n        - key: %s\n          valid-from: %s\n", k.Role, k.Verifier, keysValidFrom)
		}
		st.Addrs[p.ID] = r.lns[p.ID].Addr().String()
	}
	if err := os.WriteFile(filepath.Join(r.Data, "regime.yaml"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	st.Tokens = Tokens{Operator: map[string]string{}}
	for _, id := range ids {
		st.Tokens.Operator[id] = node.NewToken(node.RoleOperator).Token
	}
	st.Tokens.Inspector = node.NewToken(node.RoleInspector).Token
	st.Tokens.Observer = node.NewToken(node.RoleObserver).Token
	r.state = st
	return st.save(r.Data)
}

// reopen takes the regime of a demo generated before, with its node URLs
// moved to where the nodes listen now.
func (r *Regime) reopen() error {
	path := filepath.Join(r.Data, "regime.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	// In two passes, through a placeholder per party: moved one by one, a
	// party's new address could be another's old one, and the next
	// replacement would move both.
	text := string(data)
	moved := false
	var back []string
	for id, old := range r.state.Addrs {
		now := r.lns[id].Addr().String()
		if old != now {
			mark := "\x00" + id + "\x00"
			text = strings.ReplaceAll(text, "http://"+old+"/", mark)
			back = append(back, mark, "http://"+now+"/")
			r.state.Addrs[id] = now
			moved = true
		}
	}
	text = strings.NewReplacer(back...).Replace(text)
	if moved {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
		return r.state.save(r.Data)
	}
	return nil
}

// open opens every node on the demo directory and serves it.
func (r *Regime) open(ctx context.Context) error {
	reg, err := regime.Load(filepath.Join(r.Data, "regime.yaml"))
	if err != nil {
		return err
	}
	r.Regime = reg
	tr, err := treaty.Lookup(reg.Treaty)
	if err != nil {
		return err
	}
	r.Tokens = r.state.Tokens
	for _, p := range reg.Parties {
		party := &Party{ID: p.ID, Name: p.Name, URL: r.url(p.ID), Data: filepath.Join(r.Data, strings.ToLower(p.ID)), Operator: r.Tokens.Operator[p.ID]}
		cut, id := withholdOf(r.sc)[p.ID], p.ID
		cfg := node.Config{
			Regime: reg, Party: p.ID, Data: party.Data, Treaty: tr,
			Tokens: []node.Token{
				{Name: "operator", Role: node.RoleOperator, Token: party.Operator},
				{Name: "inspector", Role: node.RoleInspector, Token: r.Tokens.Inspector},
				{Name: "observer", Role: node.RoleObserver, Token: r.Tokens.Observer},
			},
			Now:                r.Clock.Now,
			CheckpointInterval: 100 * time.Millisecond,
			ReplicateInterval:  25 * time.Millisecond,
			ProvisionInterval:  250 * time.Millisecond,
			// Envelopes are signed and admitted on the same simulated
			// moment; a round's answers arrive before the clock moves.
			MaxAge:     14 * 24 * time.Hour,
			HTTPClient: &http.Client{Timeout: 30 * time.Second},
			Logger:     r.opts.Logger,
			Health:     func() []string { return r.missing(id) },
			Provenance: r.dashboard,
		}
		if !cut.IsZero() {
			cfg.Acknowledge = func() bool { return r.Clock.Now().Before(cut) }
		}
		n, err := node.Open(ctx, cfg)
		if err != nil {
			return fmt.Errorf("the node of %s: %v", p.ID, err)
		}
		party.Node = n
		r.Parties = append(r.Parties, party)
		r.mount(n)
		if r.opts.Mount != nil {
			if err := r.opts.Mount(n); err != nil {
				return err
			}
		}
	}
	for _, p := range r.Parties {
		done := make(chan error, 1)
		r.served = append(r.served, done)
		go func(p *Party, ln net.Listener) { done <- p.Node.Serve(ln) }(p, r.lns[p.ID])
	}
	return nil
}

// Shutdown stops the generation, if it runs, and every node, gracefully.
func (r *Regime) Shutdown(ctx context.Context) error {
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
	return r.shutdownNodes(ctx)
}

func (r *Regime) shutdownNodes(ctx context.Context) error {
	var errs []error
	for _, p := range r.Parties {
		if err := p.Node.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.ID, err))
		}
	}
	for _, d := range r.served {
		if err := <-d; err != nil {
			errs = append(errs, err)
		}
	}
	r.served = nil
	return errors.Join(errs...)
}

// state is the demo's record of itself, demo.json in its directory.
type state struct {
	Version int               `json:"version"`
	Treaty  string            `json:"treaty"`
	Parties []string          `json:"parties"`
	Addrs   map[string]string `json:"addrs"`
	Tokens  Tokens            `json:"tokens"`
	// Started is when the generation started (real time).
	Started time.Time `json:"started"`
	// Generated is set once the regime is generated, applied and
	// witnessed: a demo without it was interrupted.
	Generated bool `json:"generated"`
	// Clock says where the simulated clock stood (At) at a real time
	// (Real): it runs on from there.
	Clock struct {
		At   time.Time `json:"at"`
		Real time.Time `json:"real"`
	} `json:"clock"`
	Rounds        int     `json:"rounds"`
	Notifications int     `json:"notifications"`
	Took          float64 `json:"took_seconds"`
}

const stateVersion = 1

const stateFile = "demo.json"

func loadState(dir string) (*state, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNoDemo
	}
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, stateFile), err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("%s is a demo of version %d; this tally makes version %d: remove the directory and run tally serve --demo again", dir, st.Version, stateVersion)
	}
	return &st, nil
}

func (st *state) save(dir string) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return durable.WriteFile(filepath.Join(dir, stateFile), append(data, '\n'), 0o600)
}
