package server

import (
	"encoding/json"
	"testing"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
)

// A valid declaration is summarised from a plain reading of its body
// (the node decoded it strictly when it took it), and says the same as
// the strict reading; a body that is not valid is read strictly and the
// summary says what is wrong with it.
func TestDeclarationSummary(t *testing.T) {
	d := exchange.Declaration{AsOf: civil.MustParse("2020-09-01"), Part: 1, Parts: 3,
		Groups: []exchange.Group{
			{Kind: forces.ICBMLauncher, Type: "MM-III", Status: forces.Deployed, Site: "Minot", UIDs: []string{"US-ICBML-000001", "US-ICBML-000002"}},
			{Kind: forces.HeavyBomber, Type: "B-52H", Status: forces.Converted, Site: "Minot", UIDs: []string{"US-HB-000001"}},
		},
		Totals: []exchange.DeclaredTotal{{Total: "deployed-warheads", Value: 1457}, {Total: "deployed-and-nondeployed-launchers", Value: 800}}}
	body, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	plain := summariseBody(exchange.PeriodicDeclaration, body, true)
	strict := summariseBody(exchange.PeriodicDeclaration, body, false)
	want := "part 1 of 3 of the database as of 2020-09-01: 3 items; totals declared: deployed-warheads 1,457, deployed-and-nondeployed-launchers 800"
	if plain != want || strict != want {
		t.Errorf("plain %q\nstrict %q\nwant %q", plain, strict, want)
	}
	bad := []byte(`{"as_of":"2020-09-01","groups":[{"kind":"sword","type":"X","status":"deployed","uids":["A"]}]}`)
	if got := summariseBody(exchange.PeriodicDeclaration, bad, false); got == want || len(got) < 20 || got[:6] != "a body" {
		t.Errorf("a body that is not valid: %q", got)
	}
}
