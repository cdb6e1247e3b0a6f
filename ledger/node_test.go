package ledger

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tally-project/tally/ledger/receipt"
	"github.com/tally-project/tally/regime/regimetest"
)

// testNode wires a party's log, witness and replicas behind one HTTP
// server on loopback, as a node does: /log/ and /witness/.
type testNode struct {
	t    *testing.T
	id   string
	dir  string
	addr string
	fx   *regimetest.Fixture
	// silent nodes do not send their log's checkpoints to witnesses.
	silent bool

	srv  *http.Server
	log  *Log
	wit  *Witness
	reps map[string]*Replicator
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu  sync.Mutex
	got map[string][][]byte // entries delivered by each replica, by index
}

// startNetwork starts one node per party, each witnessing the others.
func startNetwork(t *testing.T, ids ...string) (*regimetest.Fixture, map[string]*testNode) {
	t.Helper()
	return startNetworkWith(t, nil, ids...)
}

// startNetworkWith is startNetwork where the logs of the silent parties
// are not sent to witnesses (the test submits by hand).
func startNetworkWith(t *testing.T, silent []string, ids ...string) (*regimetest.Fixture, map[string]*testNode) {
	t.Helper()
	nodes := map[string]*testNode{}
	urls := map[string]string{}
	lns := map[string]net.Listener{}
	for _, id := range ids {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[id] = ln
		urls[id] = "http://" + ln.Addr().String() + "/"
	}
	fx := regimetest.New(t, regimetest.Options{Nodes: urls}, ids...)
	base := t.TempDir()
	for _, id := range ids {
		n := &testNode{t: t, id: id, dir: filepath.Join(base, id), addr: lns[id].Addr().String(), fx: fx, silent: slices.Contains(silent, id)}
		n.start(lns[id])
		nodes[id] = n
		t.Cleanup(n.shutdown)
	}
	return fx, nodes
}

func (n *testNode) start(ln net.Listener) {
	t := n.t
	t.Helper()
	var err error
	if ln == nil {
		// Restarting: take the same address again.
		deadline := time.Now().Add(5 * time.Second)
		for {
			ln, err = net.Listen("tcp", n.addr)
			if err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	reg := n.fx.Regime
	if n.silent {
		reg = nil
	}
	n.log, err = Open(context.Background(), filepath.Join(n.dir, "log"), Options{
		Signer:             n.fx.CheckpointSigner(t, n.id),
		Regime:             reg,
		CheckpointInterval: 100 * time.Millisecond,
		Logger:             testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	l := n.log
	n.wit, err = NewWitness(filepath.Join(n.dir, "witness"), WitnessOptions{
		Regime:   n.fx.Regime,
		Self:     n.id,
		Cosigner: n.fx.Cosigner(t, n.id),
		// The witness writes its alerts into its own party's log.
		Alerts: func(ctx context.Context, a Alert) error {
			_, err := l.Append(ctx, a.Marshal())
			return err
		},
		Logger: testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.stop = cancel
	n.reps = map[string]*Replicator{}
	if n.got == nil {
		n.got = map[string][][]byte{}
	}
	for _, p := range n.fx.Regime.Parties {
		if p.ID == n.id {
			continue
		}
		origin := p.Log.Origin
		other := p.ID
		wit := n.wit
		rep, err := NewReplicator(filepath.Join(n.dir, "replicas", other), ReplicatorOptions{
			Regime: n.fx.Regime,
			Log:    other,
			Self:   n.id,
			Checkpoint: func(context.Context) ([]byte, error) {
				return wit.Latest(origin), nil
			},
			Deliver: func(_ context.Context, index uint64, entry []byte) error {
				n.mu.Lock()
				defer n.mu.Unlock()
				got := n.got[other]
				switch {
				case index < uint64(len(got)):
					if !bytes.Equal(got[index], entry) {
						return errors.New("redelivered a different entry")
					}
				case index == uint64(len(got)):
					n.got[other] = append(got, bytes.Clone(entry))
				default:
					return errors.New("entry delivered out of order")
				}
				return nil
			},
			Inconsistent: func(ctx context.Context, cp []byte, detail string) {
				wit.Observe(ctx, cp, "replica of "+n.id+": "+detail)
			},
			Interval: 100 * time.Millisecond,
			Logger:   testLogger(),
		})
		if err != nil {
			t.Fatal(err)
		}
		n.reps[other] = rep
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			rep.Run(ctx)
		}()
	}
	mux := http.NewServeMux()
	mux.Handle("/log/", http.StripPrefix("/log/", n.log.Handler()))
	mux.Handle("/witness/", http.StripPrefix("/witness/", n.wit.Handler()))
	n.srv = &http.Server{Handler: mux}
	go n.srv.Serve(ln)
}

// shutdown stops the node (idempotent).
func (n *testNode) shutdown() {
	if n.srv == nil {
		return
	}
	n.stop()
	n.wg.Wait()
	n.srv.Close()
	n.wit.Close()
	n.log.Close()
	n.srv = nil
}

func (n *testNode) entries(other string) [][]byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.got[other])
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestThreePartiesWitnessEachOther(t *testing.T) {
	fx, nodes := startNetwork(t, "US", "RU", "UK")
	ctx := ctxTimeout(t, 60*time.Second)
	ids := []string{"US", "RU", "UK"}
	const per = 40
	var wg sync.WaitGroup
	indexes := map[string][]uint64{}
	var mu sync.Mutex
	for _, id := range ids {
		for i := range per {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := nodes[id].log.Append(ctx, entryN(id, i))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				indexes[id] = append(indexes[id], r.Index)
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, id := range ids {
		n := nodes[id]
		for _, idx := range indexes[id] {
			r, err := n.log.WaitWitnessed(ctx, idx)
			if err != nil {
				t.Fatalf("%s entry %d: %v", id, idx, err)
			}
			res := r.Verify(fx.Regime, time.Now())
			if !res.Witnessed() || res.Err() != nil || len(res.Checkpoint.Cosignatures) != 2 {
				t.Fatalf("%s entry %d:\n%s", id, idx, res.Summary())
			}
			// The time of provision, as the receiver's witness recorded
			// it, is the cosignature the sender received.
			for _, other := range ids {
				if other == id {
					continue
				}
				recv, ok1 := nodes[other].wit.ProvisionTime(n.log.Origin(), idx)
				sent, ok2 := n.log.ProvisionTime(idx, other)
				if !ok1 || !ok2 || !recv.Equal(sent) {
					t.Fatalf("provision of %s entry %d to %s: witness %v %v, log %v %v", id, idx, other, recv, ok1, sent, ok2)
				}
				if cs := res.Checkpoint.CosignedBy(fx.Regime.Party(other)); cs.Time.Before(recv) {
					t.Fatalf("a cosignature on a later checkpoint predates the first one")
				}
			}
		}
	}
	// Every node replicates every other log, in order, entry for entry.
	for _, id := range ids {
		var want [][]byte
		nodes[id].log.Scan(ctx, 0, 1<<62, func(_ uint64, e []byte) error {
			want = append(want, bytes.Clone(e))
			return nil
		})
		for _, other := range ids {
			if other == id {
				continue
			}
			waitUntil(t, 20*time.Second, other+" replicating "+id, func() bool {
				return len(nodes[other].entries(id)) == len(want)
			})
			got := nodes[other].entries(id)
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("%s's replica of %s differs at %d", other, id, i)
				}
			}
		}
	}
	// Views agree: no alerts anywhere.
	for _, id := range ids {
		if err := nodes[id].wit.ComparePeers(ctx); err != nil {
			t.Errorf("%s compare: %v", id, err)
		}
		if a := nodes[id].wit.Alerts(); len(a) != 0 {
			t.Errorf("%s raised %v", id, a)
		}
		if s := nodes[id].wit.Seen(); len(s.Checkpoints) != 2 {
			t.Errorf("%s has seen %d logs", id, len(s.Checkpoints))
		}
	}
}

// A witness that is down delays witnessing but not receipts; once back,
// it catches up from the size it knew.
func TestWitnessDownDoesNotBlockReceipts(t *testing.T) {
	fx, nodes := startNetwork(t, "US", "RU", "UK")
	ctx := ctxTimeout(t, 60*time.Second)
	us, ru := nodes["US"], nodes["RU"]
	r, err := us.log.Append(ctx, []byte("before"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := us.log.WaitWitnessed(ctx, r.Index); err != nil {
		t.Fatal(err)
	}
	ru.shutdown()
	start := time.Now()
	var batch [][]byte
	for i := range 20 {
		batch = append(batch, entryN("US", i))
	}
	if _, err := us.log.AppendBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("20 receipts took %v with a witness down", d)
	}
	last, _ := us.log.Receipt(ctx, 20)
	res := last.Verify(fx.Regime, time.Now())
	if !res.Valid() || res.Witnessed() || !errors.Is(res.Err(), receipt.ErrNotWitnessed) {
		t.Fatalf("with RU down:\n%s", res.Summary())
	}
	if c := res.Checkpoint; c.CosignedBy(fx.Regime.Party("RU")) != nil {
		t.Fatal("RU cosigned while down")
	}
	if !strings.Contains(res.Summary(), "missing: RU") {
		t.Fatalf("summary does not name the missing witness:\n%s", res.Summary())
	}
	ru.start(nil) // same directory, same address
	w, err := us.log.WaitWitnessed(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	if res := w.Verify(fx.Regime, time.Now()); !res.Witnessed() {
		t.Fatalf("after RU is back:\n%s", res.Summary())
	}
}
