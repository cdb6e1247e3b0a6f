package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/server"
	"github.com/tally-project/tally/store"
	"github.com/tally-project/tally/store/sqlite"
	"github.com/tally-project/tally/treaty"
)

// Defaults of Config.
const (
	// DefaultAckDeadline is how long after its creation a notification may
	// go unacknowledged by a party before it is listed. A node acknowledges
	// within seconds of replicating an entry; an hour flags a node that is
	// down or a party that withholds acknowledgements, without listing
	// every notification of a node restarted for maintenance.
	DefaultAckDeadline       = time.Hour
	DefaultReplicateInterval = time.Second
	DefaultProvisionInterval = 2 * time.Second
	// maxRound bounds the entries appended together.
	maxRound = 4096
)

// Config configures a node.
type Config struct {
	Regime *regime.Regime
	// Party is the party whose node this is.
	Party string
	// Data is the data directory: the SQLite projection, the party's log,
	// its witness's records, the replicas of the other logs, and the
	// private loadings.
	Data string
	// Keys is the directory of the party's private keys
	// (<PARTY>.checkpoint.key, <PARTY>.notification.key — and any
	// <PARTY>.notification.*.key put in place by rotations —,
	// <PARTY>.cosigner.key); default Data/keys.
	Keys string
	// Treaty is the treaty the regime serves; default the bundled treaty
	// the regime names.
	Treaty *treaty.Treaty
	// Tokens are the API's bearer tokens.
	Tokens []Token
	// AckDeadline: see DefaultAckDeadline.
	AckDeadline time.Duration
	// ReplicateInterval is how often the other logs are read.
	ReplicateInterval time.Duration
	// ProvisionInterval is how often cosignatures are collected into
	// times of provision.
	ProvisionInterval time.Duration
	// CheckpointInterval is the own log's (ledger.Options).
	CheckpointInterval time.Duration
	// MaxAge is how old a submitted envelope may be (exchange.Config).
	MaxAge time.Duration
	// ParkFor is how long a signed batch that arrives before the batches
	// it follows waits for them; default DefaultParkFor.
	ParkFor time.Duration
	// HTTPClient reaches the other parties' nodes.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Now is the node's clock: the time its cosignatures carry (and so
	// when the other parties' notifications reached it), the created time
	// of what it signs, what submissions are judged fresh against, the
	// validity of keys and the acknowledgement deadline. Default time.Now;
	// a regime replayed on a simulated clock (tally serve --demo) gives
	// its own.
	Now func() time.Time
	// Acknowledge, if set, says whether the node acknowledges the other
	// parties' notifications now; while it says no, the node writes no
	// acknowledgement (a party that has suspended its notifications, as
	// Russia did in 2023). Nil: always.
	Acknowledge func() bool
	// Health, if set, says what the node still lacks beyond its own state
	// before /healthz answers 200 (nothing: an empty list): a demo regime
	// that is not yet generated, for one.
	Health func() []string
	// Provenance, if set, labels the node's data on the dashboard: a
	// banner on every page, the page /about-data, and the provenance of
	// each total on the Overview (server.Provenance). A demo regime sets
	// it: its totals are official, its detail synthetic, its clock
	// simulated.
	Provenance func() *server.Provenance
}

// Node is a party's node: its own log, its witness of the other parties'
// logs, a replica of each of them, the exchange books of every party, the
// projection, and the HTTP API that serves them.
type Node struct {
	cfg    Config
	reg    *regime.Regime
	self   *regime.Party
	treaty *treaty.Treaty
	log    *slog.Logger
	ex     *exchange.Config

	store store.Store
	own   *ledger.Log
	wit   *ledger.Witness
	logs  map[string]*logState // every party's, own included
	order []string             // party ids in regime order

	// Own submissions.
	ownMu    sync.Mutex // guards the own book, flights, epoch, broken, signers
	signers  []note.Signer
	flights  map[uint64]*flight
	epoch    uint64
	broken   error
	queue    chan *request
	rounds   chan *round
	waits    chan *added
	inflight int                 // rounds added, not finished
	unstored []*exchange.Applied // applied to the own book, not yet stored
	seqDone  chan struct{}
	appDone  chan struct{}

	proj    *projection
	metrics *metrics
	mux     *http.ServeMux
	handler http.Handler
	tokens  *tokenSet

	bg      context.Context
	stopBG  context.CancelFunc
	bgWG    sync.WaitGroup
	ready   atomic.Bool
	closing atomic.Bool
	srvMu   sync.Mutex
	servers []*http.Server
	closed  chan struct{}
	closeMu sync.Mutex
}

// logState is one party's log as the node follows it.
type logState struct {
	party  *regime.Party
	mu     sync.Mutex // guards book, pending (other parties' logs)
	book   *exchange.Book
	mirror *mirror // other parties
	rep    *ledger.Replicator
	// pending are entries applied to the book, to be stored.
	pending []*exchange.Applied
	prov    *provTracker
	archive string // local copy of the log's checkpoint archive (others)
	synced  atomic.Uint64
	// latest and witnessed are the log's latest checkpoint and latest
	// witnessed checkpoint in its archive, with their cosignatures (others).
	latest, witnessed atomic.Value
}

// Open opens (or creates) the node's data directory and starts it: its
// log publishes checkpoints and sends them to the witnesses, its witness
// takes checkpoints, its replicas read the other logs. Call Serve (or use
// Handler) to answer HTTP, and Shutdown to stop.
func Open(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Regime == nil {
		return nil, errors.New("node: a regime is required")
	}
	self := cfg.Regime.Party(cfg.Party)
	if self == nil || self.ID != cfg.Party {
		return nil, fmt.Errorf("node: party %q is not in regime %s", cfg.Party, cfg.Regime.File())
	}
	if cfg.Data == "" {
		cfg.Data = "tally-data"
	}
	if cfg.Keys == "" {
		cfg.Keys = filepath.Join(cfg.Data, "keys")
	}
	if cfg.AckDeadline <= 0 {
		cfg.AckDeadline = DefaultAckDeadline
	}
	if cfg.ReplicateInterval <= 0 {
		cfg.ReplicateInterval = DefaultReplicateInterval
	}
	if cfg.ProvisionInterval <= 0 {
		cfg.ProvisionInterval = DefaultProvisionInterval
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.ParkFor <= 0 {
		cfg.ParkFor = DefaultParkFor
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Treaty == nil {
		t, err := treaty.Lookup(cfg.Regime.Treaty)
		if err != nil {
			return nil, fmt.Errorf("node: the regime's treaty: %v", err)
		}
		cfg.Treaty = t
	}
	n := &Node{
		cfg: cfg, reg: cfg.Regime, self: self, treaty: cfg.Treaty,
		log:     cfg.Logger.With("party", cfg.Party),
		logs:    map[string]*logState{},
		flights: map[uint64]*flight{},
		queue:   make(chan *request, 4096),
		rounds:  make(chan *round, 1),
		waits:   make(chan *added, 64),
		seqDone: make(chan struct{}),
		appDone: make(chan struct{}),
		closed:  make(chan struct{}),
	}
	n.ex = &exchange.Config{Regime: cfg.Regime, Treaty: cfg.Treaty, MaxAge: cfg.MaxAge}
	n.tokens = newTokenSet(cfg.Tokens, cfg.Party)
	n.metrics = newMetrics(n)
	n.proj = newProjection(n)
	for _, dir := range []string{cfg.Data, filepath.Join(cfg.Data, "replicas"), filepath.Join(cfg.Data, "private")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	ok := false
	defer func() {
		if !ok {
			n.abort()
		}
	}()

	// Keys.
	cpPriv, _ := keys.Files(cfg.Keys, cfg.Party, regime.RoleCheckpoint)
	cpSigner, err := keys.LoadSigner(cpPriv)
	if err != nil {
		return nil, fmt.Errorf("node: checkpoint key: %v", err)
	}
	coPriv, _ := keys.Files(cfg.Keys, cfg.Party, regime.RoleCosigner)
	cosigner, err := keys.LoadCosignerAt(coPriv, cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("node: cosigner key: %v", err)
	}
	if n.signers, err = loadNotificationSigners(cfg.Keys, cfg.Party); err != nil {
		return nil, err
	}

	// The projection.
	if n.store, err = sqlite.Open(ctx, filepath.Join(cfg.Data, "tally.db")); err != nil {
		return nil, fmt.Errorf("node: %v", err)
	}

	// Books, and what the logs already hold.
	for _, p := range cfg.Regime.Parties {
		b, err := exchange.NewBook(n.ex, p.ID)
		if err != nil {
			return nil, err
		}
		ls := &logState{party: p, book: b, prov: newProvTracker(cfg.Regime, cfg.Now, p.ID)}
		n.logs[p.ID] = ls
		n.order = append(n.order, p.ID)
	}

	// The own log.
	n.own, err = ledger.Open(ctx, filepath.Join(cfg.Data, "log"), ledger.Options{
		Signer: cpSigner, Regime: cfg.Regime, HTTPClient: cfg.HTTPClient,
		CheckpointInterval: cfg.CheckpointInterval, Logger: n.log, Now: cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("node: %v", err)
	}
	if err := n.waitPublished(ctx); err != nil {
		return nil, err
	}
	if err := n.catchUpOwn(ctx); err != nil {
		return nil, err
	}

	// The other logs: mirrors and replicas.
	n.bg, n.stopBG = context.WithCancel(context.WithoutCancel(ctx))
	for _, p := range cfg.Regime.Parties {
		if p.ID == cfg.Party {
			continue
		}
		if err := n.openReplica(ctx, n.logs[p.ID]); err != nil {
			return nil, err
		}
	}

	// The witness.
	n.wit, err = ledger.NewWitness(filepath.Join(cfg.Data, "witness"), ledger.WitnessOptions{
		Regime: cfg.Regime, Self: cfg.Party, Cosigner: cosigner, Alerts: n.alertSink,
		HTTPClient: cfg.HTTPClient, Logger: n.log, Now: cfg.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("node: witness: %v", err)
	}
	for _, id := range n.order {
		ls := n.logs[id]
		if ls.mirror == nil {
			continue
		}
		origin := ls.party.Log.Origin
		ls.rep, err = ledger.NewReplicator(filepath.Join(cfg.Data, "replicas", id), ledger.ReplicatorOptions{
			Regime: cfg.Regime, Log: id, Self: cfg.Party,
			Deliver: n.deliver(ls),
			Checkpoint: func(context.Context) ([]byte, error) {
				return n.wit.Latest(origin), nil
			},
			Inconsistent: func(ctx context.Context, cp []byte, detail string) {
				if err := n.wit.Observe(ctx, cp, "replica of "+id+": "+detail); err != nil {
					n.log.Warn("observing an inconsistent checkpoint", "log", id, "err", err)
				}
			},
			Interval: cfg.ReplicateInterval, HTTPClient: cfg.HTTPClient, Logger: n.log, Now: cfg.Now,
		})
		if err != nil {
			return nil, fmt.Errorf("node: replica of %s: %v", id, err)
		}
	}

	// Provision times known so far.
	n.syncProvision(ctx, true)

	// Run.
	go n.sequence()
	go n.appendRounds()
	go n.finishRounds()
	for _, id := range n.order {
		if ls := n.logs[id]; ls.rep != nil {
			n.bgWG.Add(1)
			go n.replicate(ls)
		}
	}
	n.bgWG.Add(2)
	go n.provisionLoop()
	go func() {
		defer n.bgWG.Done()
		n.wit.WatchPeers(n.bg, 10*time.Second)
	}()
	if n.handler, err = n.buildHandler(); err != nil {
		return nil, err
	}
	n.ready.Store(true)
	ok = true
	n.log.Info("node open", "data", cfg.Data, "log_size", n.own.Size(), "next_seq", n.logs[cfg.Party].book.Next())
	return n, nil
}

// loadNotificationSigners loads <party>.notification.key and any
// <party>.notification.*.key in dir.
func loadNotificationSigners(dir, party string) ([]note.Signer, error) {
	priv, _ := keys.Files(dir, party, regime.RoleNotification)
	paths := []string{priv}
	more, _ := filepath.Glob(filepath.Join(dir, party+".notification.*.key"))
	sort.Strings(more)
	paths = append(paths, more...)
	var out []note.Signer
	for _, p := range paths {
		s, err := keys.LoadSigner(p)
		if errors.Is(err, os.ErrNotExist) && p == priv && len(more) > 0 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("node: notification key: %v", err)
		}
		out = append(out, s)
	}
	return out, nil
}

type noteSigner = note.Signer

// waitPublished waits until a checkpoint covers every entry integrated
// (after a crash, Tessera publishes one within an interval).
func (n *Node) waitPublished(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		size, err := n.own.IntegratedSize(ctx)
		if err != nil {
			return err
		}
		if n.own.Size() >= size {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node: no checkpoint covers the %d integrated entries of the log", size)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// replayInto applies entries of a log to its book: below the store's
// cursor they are known (valid ones are not verified again), above it
// they are applied afresh and stored.
func (n *Node) replayInto(ctx context.Context, ls *logState, scan func(from, to uint64, fn func(uint64, []byte) error) error, size uint64) error {
	party := ls.party.ID
	cursor, err := n.store.Cursor(ctx, party)
	if err != nil {
		return err
	}
	if cursor > size {
		return fmt.Errorf("node: the projection has %d entries of %s's log, the log %d: the data directory is inconsistent; rebuild the projection (tally rebuild)", cursor, party, size)
	}
	invalid := map[uint64]bool{}
	if cursor > 0 {
		f := false
		bad, err := n.store.Notifications(ctx, store.Query{Party: party, Valid: &f, WithoutEntry: true})
		if err != nil {
			return err
		}
		for _, b := range bad {
			invalid[b.Index] = true
		}
	}
	var batch []*exchange.Applied
	err = scan(0, size, func(i uint64, e []byte) error {
		var ap *exchange.Applied
		var err error
		if i < cursor && !invalid[i] {
			ap, err = ls.book.ApplyTrusted(i, e)
		} else {
			ap, err = ls.book.Apply(i, e)
		}
		if err != nil {
			return err
		}
		if i >= cursor {
			batch = append(batch, ap)
			if len(batch) >= 1000 {
				if err := n.store.Apply(ctx, batch); err != nil {
					return err
				}
				batch = nil
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("node: replaying the log of %s: %v", party, err)
	}
	return n.store.Apply(ctx, batch)
}

func (n *Node) catchUpOwn(ctx context.Context) error {
	ls := n.logs[n.cfg.Party]
	return n.replayInto(ctx, ls, func(from, to uint64, fn func(uint64, []byte) error) error {
		return n.own.Scan(ctx, from, to, fn)
	}, n.own.Size())
}

// openReplica opens the mirror of another party's log and replays it.
func (n *Node) openReplica(ctx context.Context, ls *logState) error {
	dir := filepath.Join(n.cfg.Data, "replicas", ls.party.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	m, err := openMirror(filepath.Join(dir, "entries"))
	if err != nil {
		return err
	}
	ls.mirror = m
	ls.archive = filepath.Join(dir, "checkpoints")
	// The replica must not be ahead of the mirror (a mirror that lost its
	// last records in a power cut): start it again from the mirror's size
	// by replaying from 0; entries already held are recognised.
	if data, err := os.ReadFile(filepath.Join(dir, "state.json")); err == nil {
		var st struct {
			Next uint64 `json:"next"`
		}
		if json.Unmarshal(data, &st) == nil && st.Next > m.Len() {
			n.log.Warn("the replica is ahead of its mirror; replicating again from the start", "log", ls.party.ID, "replica", st.Next, "mirror", m.Len())
			if err := os.Remove(filepath.Join(dir, "state.json")); err != nil {
				return err
			}
		}
	}
	return n.replayInto(ctx, ls, m.Scan, m.Len())
}

// abort releases what Open had opened when it fails.
func (n *Node) abort() {
	if n.stopBG != nil {
		n.stopBG()
	}
	if n.wit != nil {
		n.wit.Close()
	}
	if n.own != nil {
		n.own.Close()
	}
	for _, ls := range n.logs {
		if ls.mirror != nil {
			ls.mirror.Close()
		}
	}
	if n.store != nil {
		n.store.Close()
	}
}

// Serve answers HTTP on ln until Shutdown.
func (n *Node) Serve(ln net.Listener) error {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: n.handler, Protocols: &p, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(n.log.Handler(), slog.LevelWarn)}
	n.srvMu.Lock()
	if n.closing.Load() {
		n.srvMu.Unlock()
		return http.ErrServerClosed
	}
	n.servers = append(n.servers, srv)
	n.srvMu.Unlock()
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops the node without losing anything: HTTP servers stop
// taking requests and finish those in flight (submissions get their
// receipts), the submissions queued are appended, the replicas stop after
// their round and flush their mirrors, the witness and the log close,
// and the times of provision are collected a last time.
func (n *Node) Shutdown(ctx context.Context) error {
	n.closeMu.Lock()
	defer n.closeMu.Unlock()
	select {
	case <-n.closed:
		return nil
	default:
	}
	n.closing.Store(true)
	var errs []error
	n.srvMu.Lock()
	servers := n.servers
	n.srvMu.Unlock()
	for _, s := range servers {
		if err := s.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	// Background work: replicas, provision, peers.
	n.stopBG()
	n.bgWG.Wait()
	// Submissions: the sequencer drains its queue, the appender its rounds.
	close(n.queue)
	<-n.seqDone
	<-n.appDone
	for _, id := range n.order {
		ls := n.logs[id]
		if ls.mirror != nil {
			ls.mu.Lock()
			if err := n.flush(context.Background(), ls); err != nil {
				errs = append(errs, err)
			}
			ls.mu.Unlock()
			if err := ls.mirror.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := n.wit.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := n.own.Close(); err != nil {
		errs = append(errs, err)
	}
	n.syncProvision(context.Background(), true)
	if err := n.store.Close(); err != nil {
		errs = append(errs, err)
	}
	close(n.closed)
	n.log.Info("node closed")
	return errors.Join(errs...)
}

// Party is the node's party.
func (n *Node) Party() string { return n.cfg.Party }

// Now is the time on the node's clock (Config.Now).
func (n *Node) Now() time.Time { return n.cfg.Now() }

// WaitWitnessed blocks until a checkpoint of the node's own log that
// covers its first size entries meets the regime's witness policy.
func (n *Node) WaitWitnessed(ctx context.Context, size uint64) error {
	if size == 0 {
		return nil
	}
	_, err := n.own.WaitWitnessed(ctx, size-1)
	return err
}

// Regime is the regime the node serves.
func (n *Node) Regime() *regime.Regime { return n.reg }

// Treaty is the treaty the regime serves.
func (n *Node) Treaty() *treaty.Treaty { return n.treaty }

// Handler is the node's whole HTTP handler: the API under /api/v1 and its
// OpenAPI document at /api/openapi.json, the log and witness at the
// regime's prefixes, /healthz, /metrics, and the dashboard at /.
func (n *Node) Handler() http.Handler { return n.handler }

// Mount adds a handler to the node's mux, under a pattern of its own
// (the dashboard already answers /). It must be called before Serve.
func (n *Node) Mount(pattern string, h http.Handler) { n.mux.Handle(pattern, h) }

// prefixOf is the path of a URL prefix ("http://h/log/" -> "/log/").
func prefixOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return "/"
	}
	p := u.Path
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// discard is a logger that drops everything (tests).
var discard = slog.New(slog.NewTextHandler(io.Discard, nil))
