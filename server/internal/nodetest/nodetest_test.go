package nodetest

import (
	"context"
	"flag"
	"io"
	"os"
	"testing"
	"time"

	"k8s.io/klog/v2"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/node"
	"github.com/tally-project/tally/scenario"
)

// The regime counts what the official aggregates say at every
// declaration date, on both nodes, and Russia's reading of the US forces
// from 2018-02-05 adds the converted items back.
func TestRegime(t *testing.T) {
	start := time.Now()
	g, err := Start(context.Background(), t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	t.Logf("started and fed in %v", time.Since(start))
	ctx := context.Background()
	obs := node.Access{Role: node.RoleObserver}
	for _, p := range Parties {
		for _, d := range g.Scenario.OfficialDates(p.ID) {
			if !periodicDay(d) && d != g.Scenario.Start {
				continue // not declared: see feed
			}
			off, _ := g.Scenario.Official(p.ID, d)
			for _, at := range Parties {
				cv, err := g.Nodes[at.ID].Compliance(ctx, obs, p.ID, d, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, tot := range off.Totals {
					if got, _ := cv.Readings[0].Result.Total(tot.ID); got != tot.Value {
						t.Errorf("%s node: %s %s on %s: %d, officially %d", at.ID, p.ID, tot.ID, d, got, tot.Value)
					}
				}
			}
		}
	}
	cv, err := g.Nodes["US"].Compliance(ctx, obs, "US", civil.MustParse("2020-09-01"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cv.Readings) != 2 || cv.Readings[1].By != "RU" || cv.Readings[1].Error != "" {
		t.Fatalf("readings: %+v", cv.Readings)
	}
	declared, _ := cv.Readings[0].Result.Total(scenario.DeployedAndNondeployedLaunchers)
	read, _ := cv.Readings[1].Result.Total(scenario.DeployedAndNondeployedLaunchers)
	t.Logf("US launchers on 2020-09-01: %d declared, %d under RU's reading", declared, read)
	if read <= declared {
		t.Errorf("RU's reading adds nothing: %d, %d", declared, read)
	}
}

func TestMain(m *testing.M) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	fs.Set("logtostderr", "false")
	fs.Set("alsologtostderr", "false")
	fs.Set("stderrthreshold", "FATAL")
	klog.SetOutput(io.Discard)
	os.Exit(m.Run())
}
