package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	flog "github.com/transparency-dev/formats/log"
	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/ledger/internal/journal"
	"github.com/tally-project/tally/ledger/internal/witnessapi"
	"github.com/tally-project/tally/regime"
)

// WitnessOptions configure a Witness.
type WitnessOptions struct {
	// Regime lists the logs to witness and their keys. Required.
	Regime *regime.Regime
	// Self is the party running the witness. Required.
	Self string
	// Cosigner signs cosignatures; it must be a cosigner key of Self in the
	// regime, valid now. Required.
	Cosigner note.Signer
	// Alerts receives every alert after it is stored. It is called again
	// (with backoff) until it returns nil, so it must be idempotent by
	// Alert.ID. Nil keeps alerts in the witness's directory only.
	Alerts AlertSink
	// Source reads another party's log, to check consistency by itself
	// when a proof it was given fails or when views are compared. Default:
	// HTTPSource of the party's log URL in the regime.
	Source func(p *regime.Party) (Source, error)
	// HTTPClient reaches other parties; default a client with a 10-second
	// timeout.
	HTTPClient *http.Client
	// Logger receives operational messages; default slog.Default().
	Logger *slog.Logger
	// Now is the clock that judges the validity of keys and dates alerts;
	// default time.Now. The time a cosignature carries is the Cosigner's
	// (keys.LoadCosignerAt makes one on a given clock).
	Now func() time.Time
}

// Witness witnesses the logs of the other parties (C2SP tlog-witness): it
// cosigns a checkpoint only if it is consistent with the last one it
// cosigned for that log, keeps a durable record of every checkpoint it
// cosigned, and raises an Alert when a log shows it two histories. It is
// safe for concurrent use.
type Witness struct {
	dir    string
	opts   WitnessOptions
	reg    *regime.Regime
	self   *regime.Party
	log    *slog.Logger
	alerts *alertBook

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex
	logs map[string]*witnessed // by origin
}

// witnessed is the witness's record of one log.
type witnessed struct {
	mu      sync.Mutex
	party   *regime.Party
	j       *journal.Journal
	history []cosignedCP // every checkpoint cosigned, in order; sizes never decrease
}

type cosignedCP struct {
	size uint64
	root []byte
	at   time.Time // our cosignature's timestamp
	note []byte    // checkpoint body, log signature, our cosignature
}

const witnessHeader = "tally witness record v1"

// NewWitness opens (or creates) the witness's record in dir.
func NewWitness(dir string, opts WitnessOptions) (*Witness, error) {
	if opts.Regime == nil || opts.Cosigner == nil {
		return nil, errors.New("ledger.NewWitness: a regime and a cosigner are required")
	}
	self := opts.Regime.Party(opts.Self)
	if self == nil {
		return nil, fmt.Errorf("ledger.NewWitness: party %q is not in regime %s", opts.Self, opts.Regime.File())
	}
	var key *regime.Key
	for _, k := range self.Keys.Cosigner {
		if k.Name() == opts.Cosigner.Name() && k.Hash() == opts.Cosigner.KeyHash() {
			key = k
		}
	}
	if key == nil {
		return nil, fmt.Errorf("ledger.NewWitness: %s+%08x is not a cosigner key of %s in regime %s", opts.Cosigner.Name(), opts.Cosigner.KeyHash(), self.ID, opts.Regime.File())
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if !key.ValidAt(opts.Now()) {
		return nil, fmt.Errorf("ledger.NewWitness: cosigner key %s is not valid now (valid from %s, revoked at %s)", key.Name(), key.ValidFrom, key.RevokedAt)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Source == nil {
		c := opts.HTTPClient
		opts.Source = func(p *regime.Party) (Source, error) { return HTTPSource(p.LogURL(), c) }
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	w := &Witness{
		dir:  dir,
		opts: opts,
		reg:  opts.Regime,
		self: self,
		log:  opts.Logger.With("witness", self.ID),
		logs: map[string]*witnessed{},
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	var err error
	if w.alerts, err = openAlertBook(filepath.Join(dir, "alerts.journal"), self.ID, opts.Alerts, w.log); err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "log-*.journal"))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := w.load(f); err != nil {
			w.Close()
			return nil, err
		}
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		w.alerts.deliver(w.ctx)
	}()
	return w, nil
}

func (w *Witness) journalPath(origin string) string {
	return filepath.Join(w.dir, "log-"+flog.ID(origin)[:32]+".journal")
}

// load reads the record of one log.
func (w *Witness) load(path string) error {
	j, recs, err := journal.Open(path, witnessHeader)
	if err != nil {
		return err
	}
	wl := &witnessed{j: j}
	var origin string
	for i, r := range recs {
		cp, o, err := parseCosignedRecord(r)
		if err != nil {
			j.Close()
			return fmt.Errorf("%s: record %d: %v", path, i+1, err)
		}
		if origin != "" && o != origin {
			j.Close()
			return fmt.Errorf("%s: record %d is for log %q, not %q", path, i+1, o, origin)
		}
		origin = o
		wl.history = append(wl.history, cp)
	}
	if origin == "" {
		j.Close()
		return nil // an empty record: created, never written
	}
	wl.party = w.reg.LogOwner(origin)
	if wl.party == nil {
		// A log no longer in the regime: keep the record, witness it no more.
		w.log.Warn("witness record of a log not in the regime", "origin", origin, "file", path)
	}
	w.logs[origin] = wl
	return nil
}

func cosignedRecord(cp cosignedCP) journal.Record {
	return journal.Record{Kind: "cosigned", Data: fmt.Appendf(nil, "%d\n%s", cp.at.Unix(), cp.note)}
}

func parseCosignedRecord(r journal.Record) (cosignedCP, string, error) {
	if r.Kind != "cosigned" {
		return cosignedCP{}, "", fmt.Errorf("unknown record kind %q", r.Kind)
	}
	ts, msg, ok := bytes.Cut(r.Data, []byte("\n"))
	sec, err := strconv.ParseInt(string(ts), 10, 64)
	if !ok || err != nil {
		return cosignedCP{}, "", errors.New("malformed cosigned record")
	}
	text, err := noteText(msg)
	if err != nil {
		return cosignedCP{}, "", err
	}
	c, err := regime.ParseCheckpointText(text)
	if err != nil {
		return cosignedCP{}, "", err
	}
	return cosignedCP{size: c.Size, root: c.Hash, at: time.Unix(sec, 0).UTC(), note: msg}, c.Origin, nil
}

// record returns the witness's record of p's log, creating it.
func (w *Witness) record(p *regime.Party) (*witnessed, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if wl := w.logs[p.Log.Origin]; wl != nil {
		return wl, nil
	}
	j, recs, err := journal.Open(w.journalPath(p.Log.Origin), witnessHeader)
	if err != nil {
		return nil, err
	}
	if len(recs) != 0 {
		j.Close()
		return nil, fmt.Errorf("%s: unexpected records", j.Path())
	}
	wl := &witnessed{party: p, j: j}
	w.logs[p.Log.Origin] = wl
	return wl, nil
}

func (w *Witness) existing(origin string) *witnessed {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.logs[origin]
}

func (wl *witnessed) latest() *cosignedCP {
	if len(wl.history) == 0 {
		return nil
	}
	return &wl.history[len(wl.history)-1]
}

// at returns the cosigned checkpoint of the given size, or nil.
func (wl *witnessed) at(size uint64) *cosignedCP {
	i := sort.Search(len(wl.history), func(i int) bool { return wl.history[i].size >= size })
	if i < len(wl.history) && wl.history[i].size == size {
		return &wl.history[i]
	}
	return nil
}

// addResult is the answer to an add-checkpoint request.
type addResult struct {
	status int
	ctype  string
	body   []byte
}

func plain(status int, format string, args ...any) addResult {
	return addResult{status: status, ctype: "text/plain; charset=utf-8", body: fmt.Appendf(nil, format+"\n", args...)}
}

// AddCheckpoint handles one C2SP tlog-witness add-checkpoint request body
// and returns the HTTP status, content type and body of the answer.
func (w *Witness) AddCheckpoint(ctx context.Context, body []byte) (status int, contentType string, answer []byte) {
	r := w.add(ctx, body)
	return r.status, r.ctype, r.body
}

func (w *Witness) add(ctx context.Context, body []byte) addResult {
	req, err := witnessapi.ParseRequest(body)
	if err != nil {
		return plain(http.StatusBadRequest, "%v", err)
	}
	now := w.opts.Now()
	c, err := w.reg.OpenCheckpoint(req.Checkpoint, now)
	switch {
	case errors.Is(err, regime.ErrUnknownOrigin):
		return plain(http.StatusNotFound, "%v", err)
	case errors.Is(err, regime.ErrNotSigned):
		return plain(http.StatusForbidden, "%v", err)
	case err != nil:
		return plain(http.StatusBadRequest, "%v", err)
	case c.Log == w.self || !c.Log.WitnessedBy(w.self):
		return plain(http.StatusNotFound, "%s does not witness the log %q", w.self.ID, c.Origin)
	case !c.Signer.ValidAt(now):
		return plain(http.StatusForbidden, "the checkpoint key %s is not valid now", c.Signer.Name())
	case req.OldSize > c.Size:
		return plain(http.StatusBadRequest, "old size %d is larger than the checkpoint's %d", req.OldSize, c.Size)
	}
	wl, err := w.record(c.Log)
	if err != nil {
		w.log.Error("opening the witness record", "origin", c.Origin, "err", err)
		return plain(http.StatusInternalServerError, "witness record unavailable")
	}
	incoming := []byte(c.Text + "\n" + c.SignerLine)

	wl.mu.Lock()
	defer wl.mu.Unlock()
	latest := wl.latest()
	var knownSize uint64
	if latest != nil {
		knownSize = latest.size
	}
	// A checkpoint of a size already cosigned must have the same root.
	if prev := wl.at(c.Size); prev != nil && !bytes.Equal(prev.root, c.Hash) {
		w.raise(Alert{
			Kind: AlertSplitView, Log: c.Log.ID, Origin: c.Origin,
			First: string(prev.note), FirstFrom: "cosigned by " + w.self.ID,
			Second: string(incoming), SecondFrom: "submitted to the witness of " + w.self.ID,
			Detail: fmt.Sprintf("two checkpoints of size %d with different roots", c.Size),
		})
		return addResult{status: http.StatusConflict, ctype: witnessapi.SizeContentType, body: witnessapi.MarshalSize(knownSize)}
	}
	if req.OldSize != knownSize {
		return addResult{status: http.StatusConflict, ctype: witnessapi.SizeContentType, body: witnessapi.MarshalSize(knownSize)}
	}
	if req.OldSize == 0 && len(req.Proof) != 0 {
		return plain(http.StatusUnprocessableEntity, "a proof from size 0 must be empty")
	}
	if latest != nil && req.OldSize < c.Size {
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, req.OldSize, c.Size, req.Proof, latest.root, c.Hash); err != nil {
			// The proof could be the submitter's mistake; the log's own
			// tiles will tell whether the log is inconsistent.
			w.checkLater(*latest, incoming, c.Log)
			return plain(http.StatusUnprocessableEntity, "the consistency proof from %d to %d does not verify: %v", req.OldSize, c.Size, err)
		}
	}
	cp, err := w.cosign(c, incoming)
	if err != nil {
		w.log.Error("cosigning", "origin", c.Origin, "err", err)
		return plain(http.StatusInternalServerError, "cannot cosign")
	}
	// Persist before answering: the next request is judged against it.
	if err := wl.j.Append(cosignedRecord(cp)); err != nil {
		w.log.Error("recording a cosigned checkpoint", "origin", c.Origin, "err", err)
		return plain(http.StatusInternalServerError, "cannot record the checkpoint")
	}
	wl.history = append(wl.history, cp)
	line := cp.note[len(incoming):]
	return addResult{status: http.StatusOK, ctype: "text/plain; charset=utf-8", body: line}
}

// cosign signs the checkpoint body with the witness's cosigner key.
func (w *Witness) cosign(c *regime.Checkpoint, incoming []byte) (cosignedCP, error) {
	signed, err := note.Sign(&note.Note{Text: c.Text}, w.opts.Cosigner)
	if err != nil {
		return cosignedCP{}, err
	}
	line := signed[len(c.Text)+1:]
	name, b64, ok := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(string(line), "— "), "\n"), " ")
	if !ok {
		return cosignedCP{}, fmt.Errorf("unexpected signature line %q", line)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < 4 {
		return cosignedCP{}, fmt.Errorf("unexpected signature line %q", line)
	}
	at, err := fnote.CoSigV1Timestamp(note.Signature{Name: name, Base64: b64})
	if err != nil {
		return cosignedCP{}, err
	}
	n := append(bytes.Clone(incoming), line...)
	return cosignedCP{size: c.Size, root: c.Hash, at: at.UTC(), note: n}, nil
}

// Latest returns the latest checkpoint the witness cosigned for a log,
// with the log's signature and the witness's cosignature, or nil.
func (w *Witness) Latest(origin string) []byte {
	wl := w.existing(origin)
	if wl == nil {
		return nil
	}
	wl.mu.Lock()
	defer wl.mu.Unlock()
	if l := wl.latest(); l != nil {
		return bytes.Clone(l.note)
	}
	return nil
}

// ProvisionTime is when this witness first cosigned a checkpoint of the
// log that includes entry index: the time of provision of that entry to
// this witness's party. false if it has not yet.
func (w *Witness) ProvisionTime(origin string, index uint64) (time.Time, bool) {
	wl := w.existing(origin)
	if wl == nil {
		return time.Time{}, false
	}
	wl.mu.Lock()
	defer wl.mu.Unlock()
	i := sort.Search(len(wl.history), func(i int) bool { return wl.history[i].size > index })
	if i == len(wl.history) {
		return time.Time{}, false
	}
	return wl.history[i].at, true
}

// Seen is the answer of the seen endpoint: the latest checkpoint this
// witness cosigned for each log, so that other witnesses can compare
// views.
type Seen struct {
	Witness     string   `json:"witness"`
	Checkpoints []string `json:"checkpoints"`
}

// Seen lists the latest cosigned checkpoint of each log, by origin.
func (w *Witness) Seen() Seen {
	w.mu.Lock()
	origins := make([]string, 0, len(w.logs))
	for o := range w.logs {
		origins = append(origins, o)
	}
	w.mu.Unlock()
	sort.Strings(origins)
	s := Seen{Witness: w.self.ID, Checkpoints: []string{}}
	for _, o := range origins {
		if cp := w.Latest(o); cp != nil {
			s.Checkpoints = append(s.Checkpoints, string(cp))
		}
	}
	return s
}

// Handler serves the witness: POST add-checkpoint (C2SP tlog-witness) and
// GET seen. Mount it under the party's witness prefix with
// http.StripPrefix.
func (w *Witness) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /"+witnessapi.Path, func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, witnessapi.MaxBody+1))
		if err != nil {
			http.Error(rw, "cannot read the request", http.StatusBadRequest)
			return
		}
		res := w.add(r.Context(), body)
		rw.Header().Set("Content-Type", res.ctype)
		rw.WriteHeader(res.status)
		rw.Write(res.body)
	})
	mux.HandleFunc("GET /seen", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		rw.Header().Set("Cache-Control", "no-cache")
		json.NewEncoder(rw).Encode(w.Seen())
	})
	// Whether mounted with StripPrefix("/witness/") or ("/witness"), the
	// mux sees "/add-checkpoint".
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/") {
			r2 := *r
			u := *r.URL
			u.Path = "/" + u.Path
			r2.URL = &u
			r = &r2
		}
		mux.ServeHTTP(rw, r)
	})
}

// Observe compares a checkpoint seen elsewhere (by another witness, a
// replica, a receipt) with this witness's own record of the log, and
// raises an alert if they cannot both be true: same size and different
// roots, or no consistency proof between them in the log's own tiles. from
// says where the checkpoint was seen. It returns an error if the
// checkpoint is not validly signed (forged evidence is no evidence) or if
// the log could not be read; it returns nil both when the views agree and
// when an alert was raised (see Alerts).
func (w *Witness) Observe(ctx context.Context, msg []byte, from string) error {
	c, err := w.reg.OpenCheckpoint(msg, w.opts.Now())
	if err != nil {
		return err
	}
	if c.Log == w.self {
		return nil
	}
	wl := w.existing(c.Origin)
	if wl == nil {
		return nil // nothing of ours to compare with
	}
	wl.mu.Lock()
	mine := wl.latest()
	var prev *cosignedCP
	if p := wl.at(c.Size); p != nil {
		cp := *p
		prev = &cp
	}
	var latest cosignedCP
	if mine != nil {
		latest = *mine
	}
	wl.mu.Unlock()
	if mine == nil {
		return nil
	}
	theirs := []byte(c.Text + "\n" + c.SignerLine)
	if prev != nil {
		if !bytes.Equal(prev.root, c.Hash) {
			w.raise(Alert{
				Kind: AlertSplitView, Log: c.Log.ID, Origin: c.Origin,
				First: string(prev.note), FirstFrom: "cosigned by " + w.self.ID,
				Second: string(msg), SecondFrom: from,
				Detail: fmt.Sprintf("two checkpoints of size %d with different roots", c.Size),
			})
		}
		return nil
	}
	return w.compare(ctx, latest, theirs, string(msg), from, c.Log)
}

// compare checks that our cosigned checkpoint and another one of the same
// log are of one history. Equal sizes must have equal roots. Otherwise
// both are checked against the log's current checkpoint, with consistency
// proofs from the log's own tiles: a correct log can always prove its
// current tree consistent with every checkpoint it signed before.
func (w *Witness) compare(ctx context.Context, mine cosignedCP, other []byte, otherFull, from string, p *regime.Party) error {
	size, root, err := checkpointSizeRoot(other)
	if err != nil {
		return err
	}
	if size == mine.size {
		if !bytes.Equal(root, mine.root) {
			w.raise(Alert{Kind: AlertSplitView, Log: p.ID, Origin: p.Log.Origin,
				First: string(mine.note), FirstFrom: "cosigned by " + w.self.ID, Second: otherFull, SecondFrom: from,
				Detail: fmt.Sprintf("two checkpoints of size %d with different roots", size)})
		}
		return nil
	}
	src, err := w.opts.Source(p)
	if err != nil {
		return err
	}
	curRaw, err := src.ReadCheckpoint(ctx)
	if err != nil {
		return fmt.Errorf("reading the checkpoint of %s from %s: %w", p.ID, src, err)
	}
	cur, err := w.reg.OpenCheckpoint(curRaw, w.opts.Now())
	if err != nil {
		return fmt.Errorf("the checkpoint served by %s: %w", src, err)
	}
	if cur.Log != p {
		return fmt.Errorf("%s serves a checkpoint of %s, not of %s", src, cur.Log.ID, p.ID)
	}
	curFrom := "served by the log at " + src.String()
	var errs []error
	for _, x := range []struct {
		size       uint64
		root       []byte
		note, from string
	}{{mine.size, mine.root, string(mine.note), "cosigned by " + w.self.ID}, {size, root, otherFull, from}} {
		switch {
		case x.size == cur.Size:
			if !bytes.Equal(x.root, cur.Hash) {
				w.raise(Alert{Kind: AlertSplitView, Log: p.ID, Origin: p.Log.Origin,
					First: x.note, FirstFrom: x.from, Second: string(curRaw), SecondFrom: curFrom,
					Detail: fmt.Sprintf("two checkpoints of size %d with different roots", x.size)})
			}
		case x.size > cur.Size:
			errs = append(errs, fmt.Errorf("the log serves a checkpoint of size %d, smaller than the one of size %d %s; cannot check it yet", cur.Size, x.size, x.from))
		default:
			hashes, err := consistencyFrom(ctx, src, x.size, cur.Size)
			if err != nil {
				errs = append(errs, fmt.Errorf("reading a consistency proof %d→%d from %s: %w", x.size, cur.Size, src, err))
				continue
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, x.size, cur.Size, hashes, x.root, cur.Hash); err != nil {
				var b64 []string
				for _, h := range hashes {
					b64 = append(b64, base64.StdEncoding.EncodeToString(h))
				}
				w.raise(Alert{Kind: AlertInconsistent, Log: p.ID, Origin: p.Log.Origin,
					First: x.note, FirstFrom: x.from, Second: string(curRaw), SecondFrom: curFrom,
					Proof:  b64,
					Detail: fmt.Sprintf("the log's own tiles give no consistency proof from size %d to its current size %d: %v", x.size, cur.Size, err)})
			}
		}
	}
	return errors.Join(errs...)
}

// checkLater compares, in the background, a checkpoint whose submitted
// consistency proof failed with our latest, using the log's own tiles.
func (w *Witness) checkLater(mine cosignedCP, other []byte, p *regime.Party) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		backoff := time.Second
		for attempt := 0; attempt < 5; attempt++ {
			ctx, cancel := context.WithTimeout(w.ctx, 30*time.Second)
			err := w.compare(ctx, mine, other, string(other), "submitted to the witness of "+w.self.ID+" with a failing proof", p)
			cancel()
			if err == nil || w.ctx.Err() != nil {
				return
			}
			w.log.Warn("checking a checkpoint with a failed proof against the log", "log", p.ID, "err", err)
			select {
			case <-w.ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff *= 2
		}
	}()
}

// consistencyFrom computes a consistency proof from the tiles of a log.
func consistencyFrom(ctx context.Context, src Source, small, large uint64) ([][]byte, error) {
	if small == 0 {
		return nil, nil
	}
	pb, err := client.NewProofBuilder(ctx, large, src.ReadTile)
	if err != nil {
		return nil, err
	}
	return pb.ConsistencyProof(ctx, small, large)
}

// ComparePeers fetches what each other party's witness has seen and
// observes it (see Observe). It returns the errors met, joined; alerts are
// raised, not returned.
func (w *Witness) ComparePeers(ctx context.Context) error {
	var errs []error
	for _, p := range w.reg.Parties {
		if p == w.self {
			continue
		}
		if err := w.comparePeer(ctx, p); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (w *Witness) comparePeer(ctx context.Context, p *regime.Party) error {
	body, err := httpGet(ctx, w.opts.HTTPClient, p.WitnessURL()+"seen")
	if err != nil {
		return err
	}
	var s Seen
	if err := json.Unmarshal(body, &s); err != nil {
		return fmt.Errorf("seen: %v", err)
	}
	var errs []error
	for _, msg := range s.Checkpoints {
		c, err := w.reg.OpenCheckpoint([]byte(msg), w.opts.Now())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if c.CosignedBy(p) == nil {
			errs = append(errs, fmt.Errorf("a checkpoint of %s without %s's cosignature", c.Origin, p.ID))
			continue
		}
		if err := w.Observe(ctx, []byte(msg), "seen by the witness of "+p.ID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// WatchPeers compares views with the other witnesses every interval until
// ctx ends.
func (w *Witness) WatchPeers(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := w.ComparePeers(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("comparing views with other witnesses", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Alerts returns every alert the witness has raised, oldest first.
func (w *Witness) Alerts() []Alert { return w.alerts.list() }

// raise stores an alert and queues it for the sink.
func (w *Witness) raise(a Alert) {
	a.Observer = w.self.ID
	if a.Time.IsZero() {
		a.Time = w.opts.Now().UTC()
	}
	if err := w.alerts.raise(a); err != nil {
		// The alert could not be stored: say so as loudly as we can. It is
		// raised again the next time the evidence is seen.
		w.log.Error("ALERT NOT STORED", "kind", a.Kind, "log", a.Log, "detail", a.Detail, "err", err)
	}
}

// Close stops the witness and closes its records.
func (w *Witness) Close() error {
	w.cancel()
	w.wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	for _, wl := range w.logs {
		errs = append(errs, wl.j.Close())
	}
	errs = append(errs, w.alerts.close())
	return errors.Join(errs...)
}

// alertID identifies an alert by the two checkpoint bodies it names,
// whichever way round, so the same evidence is raised once.
func alertID(kind, a, b string) string {
	ta, _ := noteText([]byte(a))
	tb, _ := noteText([]byte(b))
	pair := []string{ta, tb}
	slices.Sort(pair)
	h := sha256.Sum256([]byte(kind + "\x00" + pair[0] + "\x00" + pair[1]))
	return fmt.Sprintf("%x", h[:16])
}
