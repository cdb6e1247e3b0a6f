package exchange

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/regime/regimetest"
	"github.com/tally-project/tally/treaty"
)

// fixture is a regime of fresh keys, the New START treaty, and an author
// per party on a clock the test moves.
type fixture struct {
	t       *testing.T
	reg     *regimetest.Fixture
	cfg     *Config
	authors map[string]*Author
	now     time.Time
}

func newFixture(t *testing.T, opts regimetest.Options, parties ...string) *fixture {
	t.Helper()
	if len(parties) == 0 {
		parties = []string{"US", "RU"}
	}
	tr, err := treaty.Lookup("new-start")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, reg: regimetest.New(t, opts, parties...), authors: map[string]*Author{},
		now: time.Date(2011, 3, 20, 12, 0, 0, 0, time.UTC)}
	f.cfg = &Config{Regime: f.reg.Regime, Treaty: tr}
	for _, p := range parties {
		f.authors[p] = &Author{Party: p, Signer: f.reg.NotificationSigner(t, p), Next: 1, Now: func() time.Time { return f.now }}
	}
	return f
}

func (f *fixture) book(party string) *Book {
	b, err := NewBook(f.cfg, party)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// write signs a notification of party.
func (f *fixture) write(party string, k Kind, eff string, body any) []byte {
	f.t.Helper()
	e, err := f.authors[party].Write(k, civil.MustParse(eff), body)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func (f *fixture) admit(b *Book, entries ...[]byte) []*Applied {
	f.t.Helper()
	aps, err := b.Admit(entries, f.now)
	if err != nil {
		f.t.Fatalf("admit: %v", err)
	}
	return aps
}

func one(n int) *int { return &n }

// usInitial is a small initial database of US items: three deployed
// MM-III launchers at Malmstrom, two deployed missiles in two of them
// (1 warhead each), a non-deployed missile, and a deployed B-52H.
func usInitial(t *testing.T) (*Declaration, []Loading) {
	t.Helper()
	inv := forces.NewInventory("US", nil)
	err := inv.Apply(forces.Event{Date: civil.MustParse("2011-02-05"), Op: forces.OpNew, Items: []forces.ItemSpec{
		{UID: "US-L1", Kind: forces.ICBMLauncher, Type: "MM-III", Status: forces.Deployed, Site: "Malmstrom"},
		{UID: "US-L2", Kind: forces.ICBMLauncher, Type: "MM-III", Status: forces.Deployed, Site: "Malmstrom"},
		{UID: "US-L3", Kind: forces.ICBMLauncher, Type: "MM-III", Status: forces.Deployed, Site: "Malmstrom"},
		{UID: "US-M1", Kind: forces.ICBM, Type: "MM-III", Status: forces.Deployed, Site: "Malmstrom", Carrier: "US-L1", Warheads: one(1)},
		{UID: "US-M2", Kind: forces.ICBM, Type: "MM-III", Status: forces.Deployed, Site: "Malmstrom", Carrier: "US-L2", Warheads: one(2)},
		{UID: "US-M3", Kind: forces.ICBM, Type: "MM-III", Status: forces.NonDeployed, Site: "Malmstrom"},
		{UID: "US-B1", Kind: forces.HeavyBomber, Type: "B-52H", Status: forces.Deployed, Site: "Minot"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	d, ls, err := Declare(inv.State(), civil.MustParse("2011-02-05"), nil, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return d, ls
}
