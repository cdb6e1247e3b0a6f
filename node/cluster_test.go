package node

import (
	"context"
	"crypto/rand"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/regime/regimetest"
	"github.com/tally-project/tally/treaty"
)

// cluster is a regime of real nodes on loopback, each with its own data
// directory, keys and HTTP server.
type cluster struct {
	t       testing.TB
	fix     *regimetest.Fixture
	tr      *treaty.Treaty
	parties []string
	addrs   map[string]string
	dirs    map[string]string
	tokens  map[string]Token // operator token of each
	insp    Token
	nodes   map[string]*Node
	served  map[string]chan error
	mu      sync.Mutex
	parkFor time.Duration
	// now and health, if set, are every node's Config.Now and Health.
	now    func() time.Time
	health func() []string
}

func newCluster(t testing.TB, parties ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, parties: parties, addrs: map[string]string{}, dirs: map[string]string{}, tokens: map[string]Token{},
		nodes: map[string]*Node{}, served: map[string]chan error{}}
	nodes := map[string]string{}
	for _, p := range parties {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c.addrs[p] = ln.Addr().String()
		ln.Close()
		nodes[p] = "http://" + c.addrs[p] + "/"
	}
	c.fix = regimetest.New(t, regimetest.Options{Nodes: nodes}, parties...)
	tr, err := treaty.LoadFile("testdata/new-start-3.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c.tr = tr
	root := t.TempDir()
	c.insp = NewToken(RoleInspector)
	for _, p := range parties {
		c.dirs[p] = filepath.Join(root, strings.ToLower(p))
		if _, err := c.fix.Keys[p].Write(filepath.Join(c.dirs[p], "keys")); err != nil {
			t.Fatal(err)
		}
		c.tokens[p] = NewToken(RoleOperator)
	}
	t.Cleanup(c.stopAll)
	return c
}

func (c *cluster) config(p string) Config {
	return Config{Regime: c.fix.Regime, Party: p, Data: c.dirs[p], Treaty: c.tr,
		Tokens:             []Token{c.tokens[p], c.insp},
		CheckpointInterval: 100 * time.Millisecond, ReplicateInterval: 100 * time.Millisecond, ProvisionInterval: 150 * time.Millisecond,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, Logger: discard, ParkFor: c.parkFor, Now: c.now, Health: c.health}
}

// start opens party p's node and serves it on its address.
func (c *cluster) start(p string) *Node {
	c.t.Helper()
	n, err := Open(context.Background(), c.config(p))
	if err != nil {
		c.t.Fatalf("open %s: %v", p, err)
	}
	var ln net.Listener
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", c.addrs[p]); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Serve(ln) }()
	c.mu.Lock()
	c.nodes[p], c.served[p] = n, done
	c.mu.Unlock()
	return n
}

func (c *cluster) stop(p string) {
	c.mu.Lock()
	n := c.nodes[p]
	delete(c.nodes, p)
	done := c.served[p]
	c.mu.Unlock()
	if n == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Shutdown(ctx); err != nil {
		c.t.Errorf("shutdown %s: %v", p, err)
	}
	<-done
}

func (c *cluster) stopAll() {
	for _, p := range c.parties {
		c.stop(p)
	}
}

func (c *cluster) client(p string) *Client {
	return &Client{Base: "http://" + c.addrs[p] + "/", Token: c.tokens[p].Token}
}

func (c *cluster) inspector(p string) *Client {
	return &Client{Base: "http://" + c.addrs[p] + "/", Token: c.insp.Token}
}

func (c *cluster) author(p string) *exchange.Author {
	return &exchange.Author{Party: p, Signer: c.fix.NotificationSigner(c.t, p)}
}

func operator(p string) Access { return Access{Role: RoleOperator, Party: p} }

var inspector = Access{Role: RoleInspector}

func one(n int) *int { return &n }

// initialOf is a small initial database of party p: launchers and missiles
// at one base, a bomber, with per-missile loadings.
func initialOf(t testing.TB, p string, missiles int) (*exchange.Declaration, []exchange.Loading) {
	t.Helper()
	inv := forces.NewInventory(p, nil)
	base := p + "-base"
	var items []forces.ItemSpec
	for i := 1; i <= missiles+1; i++ {
		items = append(items, forces.ItemSpec{UID: uid(p, "L", i), Kind: forces.ICBMLauncher, Type: "MM-III", Status: forces.Deployed, Site: base})
	}
	for i := 1; i <= missiles; i++ {
		items = append(items, forces.ItemSpec{UID: uid(p, "M", i), Kind: forces.ICBM, Type: "MM-III", Status: forces.Deployed, Site: base, Carrier: uid(p, "L", i), Warheads: one(1 + i%3)})
	}
	items = append(items, forces.ItemSpec{UID: uid(p, "B", 1), Kind: forces.HeavyBomber, Type: "B-52H", Status: forces.Deployed, Site: p + "-air"})
	if err := inv.Apply(forces.Event{Date: civil.MustParse("2011-02-05"), Op: forces.OpNew, Items: items}); err != nil {
		t.Fatal(err)
	}
	d, ls, err := exchange.Declare(inv.State(), civil.MustParse("2011-02-05"), nil, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return d, ls
}

func uid(p, k string, i int) string {
	return p + "-" + k + string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}

func draft(t testing.TB, k exchange.Kind, eff string, body any) exchange.Draft {
	t.Helper()
	d, err := exchange.NewDraft(k, civil.MustParse(eff), body)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// eventually retries f until it returns nil or the time is up.
func eventually(t *testing.T, d time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still not so after %v: %v", d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMain(m *testing.M) {
	if os.Getenv("TALLY_CRASH_CHILD") != "" {
		crashChild()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
