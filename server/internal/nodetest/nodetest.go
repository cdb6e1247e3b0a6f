// Package nodetest runs a New START regime of real party nodes on
// loopback for the dashboard's tests: the United States and Russia, each
// with its own keys, data directory, log, witness and HTTP server,
// talking over HTTP, fed with the scenario of 2011-2026 (package
// scenario) through the same submit, append and witness path as real use.
// Russia also disputes the conversions of US heavy bombers and SLBM
// launchers from 2018-02-05 (the 2018-2022 dispute), so that the pages
// show compliance under two readings.
//
// The envelopes are created now, so the nodes find the notifications of
// 2011 late: the tests read numbers and links, not timeliness.
package nodetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/node"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/scenario"
)

// Parties are the regime's parties, with their names.
var Parties = []struct{ ID, Name string }{
	{"US", "United States of America"},
	{"RU", "Russian Federation"},
}

// Options shape the regime.
type Options struct {
	// Until, when set, feeds the scenario's steps dated before it only.
	Until civil.Date
	// Logger receives the nodes' logs; default discarded.
	Logger *slog.Logger
}

// Regime is the running regime.
type Regime struct {
	Dir      string
	Regime   *regime.Regime
	YAML     string
	Scenario *scenario.Scenario
	Nodes    map[string]*node.Node
	// URL is each node's base URL ("http://127.0.0.1:port/").
	URL map[string]string
	// Operator is each node's operator token; Inspector and Observer are
	// tokens both nodes know.
	Operator            map[string]string
	Inspector, Observer string
	// Dispute is the sequence number of RU's dispute of US items.
	Dispute uint64

	signers map[string]*exchange.Author
	served  map[string]chan error
}

// Start starts the regime in dir and feeds it. Close stops it.
func Start(ctx context.Context, dir string, opts Options) (*Regime, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	g := &Regime{Dir: dir, Nodes: map[string]*node.Node{}, URL: map[string]string{}, Operator: map[string]string{},
		signers: map[string]*exchange.Author{}, served: map[string]chan error{}}
	lns := map[string]net.Listener{}
	var b strings.Builder
	b.WriteString("version: 1\ntreaty: new-start\nparties:\n")
	sets := map[string]*keys.Set{}
	for _, p := range Parties {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns[p.ID] = ln
		g.URL[p.ID] = "http://" + ln.Addr().String() + "/"
		set, err := keys.Generate(p.ID, keys.DefaultNames(p.ID))
		if err != nil {
			return nil, err
		}
		sets[p.ID] = set
		b.WriteString(set.RegimeYAML(p.Name, g.URL[p.ID]))
	}
	g.YAML = b.String()
	regFile := filepath.Join(dir, "regime.yaml")
	if err := os.WriteFile(regFile, []byte(g.YAML), 0o644); err != nil {
		return nil, err
	}
	reg, err := regime.Load(regFile)
	if err != nil {
		return nil, err
	}
	g.Regime = reg
	insp, obs := node.NewToken(node.RoleInspector), node.NewToken(node.RoleObserver)
	g.Inspector, g.Observer = insp.Token, obs.Token
	for _, p := range Parties {
		data := filepath.Join(dir, strings.ToLower(p.ID))
		if _, err := sets[p.ID].Write(filepath.Join(data, "keys")); err != nil {
			return nil, err
		}
		op := node.NewToken(node.RoleOperator)
		g.Operator[p.ID] = op.Token
		n, err := node.Open(ctx, node.Config{Regime: reg, Party: p.ID, Data: data, Tokens: []node.Token{op, insp, obs},
			CheckpointInterval: 100 * time.Millisecond, ReplicateInterval: 100 * time.Millisecond, ProvisionInterval: 150 * time.Millisecond,
			HTTPClient: &http.Client{Timeout: 10 * time.Second}, Logger: opts.Logger})
		if err != nil {
			g.Close()
			return nil, err
		}
		g.Nodes[p.ID] = n
		done := make(chan error, 1)
		go func(ln net.Listener) { done <- n.Serve(ln) }(lns[p.ID])
		g.served[p.ID] = done
		signer, err := loadSigner(data, p.ID)
		if err != nil {
			g.Close()
			return nil, err
		}
		g.signers[p.ID] = &exchange.Author{Party: p.ID, Signer: signer, Next: n.NextSeq()}
	}
	if g.Scenario, err = scenario.NewStart(); err != nil {
		g.Close()
		return nil, err
	}
	if err := g.feed(ctx, opts.Until); err != nil {
		g.Close()
		return nil, err
	}
	if err := g.settle(ctx); err != nil {
		g.Close()
		return nil, err
	}
	return g, nil
}

func loadSigner(data, party string) (note.Signer, error) {
	priv, _ := keys.Files(filepath.Join(data, "keys"), party, regime.RoleNotification)
	return keys.LoadSigner(priv)
}

// Close stops the nodes.
func (g *Regime) Close() error {
	var errs []error
	for id, n := range g.Nodes {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		errs = append(errs, n.Shutdown(ctx))
		cancel()
		if done := g.served[id]; done != nil {
			<-done
		}
	}
	g.Nodes = map[string]*node.Node{}
	return errors.Join(errs...)
}

// submit signs and submits envelopes of one party, numbering them after
// what the node already has (its acknowledgements take numbers too).
func (g *Regime) submit(ctx context.Context, party string, write func(a *exchange.Author) ([][]byte, []node.PrivateLoadings, error)) ([]*node.Receipt, error) {
	n := g.Nodes[party]
	for try := 0; ; try++ {
		a := g.signers[party]
		a.Next = n.NextSeq()
		es, private, err := write(a)
		if err != nil {
			return nil, err
		}
		rs, err := n.Submit(ctx, node.Submission{Envelopes: es, Private: private})
		var rej *exchange.Rejection
		if errors.As(err, &rej) && (rej.Code() == exchange.CodeSeqUsed || rej.Code() == exchange.CodeSeqGap) && try < 20 {
			continue // an acknowledgement took the number first
		}
		return rs, err
	}
}

// feed pushes each party's scenario through its node: declarations with
// their private loadings, the notifications between them in batches, and
// RU's dispute.
func (g *Regime) feed(ctx context.Context, until civil.Date) error {
	disputeOn := civil.MustParse("2018-02-05")
	var wg sync.WaitGroup
	errs := make([]error, len(Parties))
	for i, p := range Parties {
		sp, ok := g.Scenario.Party(p.ID)
		if !ok {
			return fmt.Errorf("nodetest: the scenario has no party %s", p.ID)
		}
		wg.Add(1)
		go func(i int, sp *scenario.Party) {
			defer wg.Done()
			var batch []forces.Event
			flush := func() error {
				if len(batch) == 0 {
					return nil
				}
				evs := batch
				batch = nil
				_, err := g.submit(ctx, sp.ID, func(a *exchange.Author) ([][]byte, []node.PrivateLoadings, error) {
					var es [][]byte
					for _, ev := range evs {
						e, err := a.Write(kindOf(ev.Op), ev.Date, ev)
						if err != nil {
							return nil, nil, err
						}
						es = append(es, e)
					}
					return es, nil, nil
				})
				return err
			}
			for _, st := range sp.Steps {
				if until != 0 && st.Date >= until {
					break
				}
				if sp.ID == "RU" && st.Date >= disputeOn && g.Dispute == 0 {
					if err := flush(); err != nil {
						errs[i] = err
						return
					}
					if errs[i] = g.dispute(ctx, disputeOn); errs[i] != nil {
						return
					}
				}
				switch st.Kind {
				case scenario.Notification:
					batch = append(batch, *st.Event)
					if len(batch) >= 200 {
						if errs[i] = flush(); errs[i] != nil {
							return
						}
					}
				case scenario.InitialDatabase, scenario.PeriodicDeclaration:
					if st.Kind == scenario.PeriodicDeclaration && !periodicDay(st.Date) {
						// The release of 5 February 2018 (the deadline) is not a
						// periodic declaration the treaty provides for: the
						// exchange takes those as of 1 March and 1 September.
						continue
					}
					if errs[i] = flush(); errs[i] != nil {
						return
					}
					if errs[i] = g.declare(ctx, sp, st); errs[i] != nil {
						errs[i] = fmt.Errorf("%s declaration of %s: %w", sp.ID, st.Date, errs[i])
						return
					}
				}
			}
			errs[i] = flush()
		}(i, sp)
	}
	wg.Wait()
	return errors.Join(errs...)
}

func periodicDay(d civil.Date) bool {
	s := d.String()
	return strings.HasSuffix(s, "-03-01") || strings.HasSuffix(s, "-09-01")
}

func kindOf(op forces.Op) exchange.Kind {
	switch op {
	case forces.OpNew:
		return exchange.NewItem
	case forces.OpMove:
		return exchange.Movement
	}
	return exchange.StatusChange
}

// declare submits one of the scenario's declarations, as the owner makes
// it from its items: groups, warheads per base, the commitment to the
// per-missile loadings, which go with it privately.
func (g *Regime) declare(ctx context.Context, sp *scenario.Party, st scenario.Step) error {
	sd := st.Declaration
	inv := forces.NewInventory(sp.ID, nil)
	if err := inv.Apply(forces.Event{Date: sd.AsOf, Op: forces.OpNew, Items: sd.Items}); err != nil {
		return err
	}
	d, ls, err := exchange.Declare(inv.State(), sd.AsOf, nil, rand.Reader)
	if err != nil {
		return err
	}
	d.Sites = sp.Sites
	for _, t := range sd.Totals {
		d.Totals = append(d.Totals, exchange.DeclaredTotal{Total: t.ID, Value: t.Value})
	}
	d.Note = sd.Note
	if sd.Synthetic && d.Note == "" {
		d.Note = "synthetic: no official figures were published for this date"
	}
	kind := exchange.PeriodicDeclaration
	if st.Kind == scenario.InitialDatabase {
		kind = exchange.InitialDeclaration
	}
	_, err = g.submit(ctx, sp.ID, func(a *exchange.Author) ([][]byte, []node.PrivateLoadings, error) {
		es, err := a.SignDeclaration(kind, d)
		return es, []node.PrivateLoadings{{Entry: 0, Loadings: ls}}, err
	})
	return err
}

// dispute is RU's reading of the US forces from date on: the converted
// B-52H as deployed nuclear bombers and the converted Trident II launchers
// as non-deployed launchers, which it could not confirm.
func (g *Regime) dispute(ctx context.Context, date civil.Date) error {
	bombers, tubes, err := g.converted("US", date)
	if err != nil {
		return err
	}
	reading := map[string]any{"name": "RU reading (2018-2022 dispute)", "by": "RU", "of": "US",
		"source": "https://mid.ru/en/foreign_policy/international_safety/1808707",
		"changes": []map[string]any{
			{"uids": bombers, "status": "deployed", "attrs": map[string]any{"nuclear": true},
				"note": "conversion to non-nuclear armaments not confirmed"},
			{"uids": tubes, "status": "non-deployed",
				"note": "conversion not confirmed (Part Three, Section I, para 3)"},
		}}
	body := map[string]any{"id": "conversions-2018", "of": "US", "reading": reading,
		"text": "Russia could not confirm that the converted B-52H and Trident II launchers were rendered incapable of employing nuclear armaments and SLBMs."}
	rs, err := g.submit(ctx, "RU", func(a *exchange.Author) ([][]byte, []node.PrivateLoadings, error) {
		e, err := a.Write(exchange.DisputeKind, date, body)
		return [][]byte{e}, nil, err
	})
	if err != nil {
		return fmt.Errorf("RU's dispute: %w", err)
	}
	g.Dispute = rs[0].Seq
	return nil
}

// settle waits until each node holds every log, witnessed, with every
// notification acknowledged.
func (g *Regime) settle(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := g.settled()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nodetest: the regime did not settle: %v", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (g *Regime) settled() error {
	sizes := map[string]uint64{}
	for _, p := range Parties {
		for _, ls := range g.Nodes[p.ID].Logs() {
			if ls.Own {
				sizes[p.ID] = ls.Size
			}
		}
	}
	for _, p := range Parties {
		for _, ls := range g.Nodes[p.ID].Logs() {
			if !ls.Witnessed || ls.Size < sizes[ls.Party] || ls.WitnessedSize < sizes[ls.Party] {
				return fmt.Errorf("%s: the log of %s: %d of %d entries, witnessed %v up to %d", p.ID, ls.Party, ls.Size, sizes[ls.Party], ls.Witnessed, ls.WitnessedSize)
			}
		}
		for _, q := range Parties {
			vs, err := g.Nodes[p.ID].Notifications(context.Background(), node.Access{Role: node.RoleInspector}, node.NotificationFilter{Party: q.ID, Newest: true, Limit: 300})
			if err != nil {
				return err
			}
			for _, v := range vs {
				if v.Kind.Acknowledged() && (len(v.Unacknowledged) > 0 || len(v.Provided) == 0) {
					return fmt.Errorf("%s: %s seq %d not acknowledged by %v or not provided", p.ID, v.Party, v.Seq, v.Unacknowledged)
				}
			}
		}
	}
	return nil
}

// converted counts the converted B-52H and Trident II launchers of party
// on date, replaying its scenario: the initial database, then every
// notification before date.
func (g *Regime) converted(party string, date civil.Date) (bombers, tubes []string, err error) {
	sp, _ := g.Scenario.Party(party)
	inv := forces.NewInventory(party, nil)
	for _, st := range sp.Steps {
		if st.Date >= date {
			break
		}
		switch st.Kind {
		case scenario.InitialDatabase:
			err = inv.Apply(forces.Event{Date: st.Date, Op: forces.OpNew, Items: st.Declaration.Items})
		case scenario.Notification:
			err = inv.Apply(*st.Event)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	for _, gr := range inv.State().Groups {
		if gr.Status != forces.Converted {
			continue
		}
		switch {
		case gr.Kind == forces.HeavyBomber && gr.Type == "B-52H":
			bombers = append(bombers, gr.UIDs...)
		case gr.Kind == forces.SLBMLauncher && gr.Type == "Trident II":
			tubes = append(tubes, gr.UIDs...)
		}
	}
	if len(bombers) == 0 || len(tubes) == 0 {
		return nil, nil, fmt.Errorf("nodetest: %s has %d converted B-52H and %d converted Trident II launchers on %s", party, len(bombers), len(tubes), date)
	}
	return bombers, tubes, nil
}

// Sign writes an envelope of party, numbered as the party's next, signed
// with its notification key: for tests that submit (or try to submit
// elsewhere) what only that party can sign.
func (g *Regime) Sign(party string, k exchange.Kind, eff civil.Date, body any) ([]byte, error) {
	a := g.signers[party]
	if a == nil {
		return nil, fmt.Errorf("nodetest: no party %s", party)
	}
	a.Next = g.Nodes[party].NextSeq()
	return a.Write(k, eff, body)
}
