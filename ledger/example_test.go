package ledger_test

import (
	"context"
	"log"
	"net/http"
	"path/filepath"
	"time"

	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/ledger/keys"
	"github.com/tally-project/tally/regime"
)

// How a party's node puts the pieces together: its own log, its witness
// of the other parties' logs (writing alerts into its own log), a replica
// of each other log fed from what its witness cosigned, and the HTTP
// handlers under the prefixes the regime gives.
func Example() {
	ctx := context.Background()
	reg, err := regime.Load("regime.yaml")
	if err != nil {
		log.Fatal(err)
	}
	self := "US"
	data := "/var/lib/tally"
	signer, err := keys.LoadSigner(filepath.Join(data, "keys", "US.checkpoint.key"))
	if err != nil {
		log.Fatal(err)
	}
	cosigner, err := keys.LoadCosigner(filepath.Join(data, "keys", "US.cosigner.key"))
	if err != nil {
		log.Fatal(err)
	}

	own, err := ledger.Open(ctx, filepath.Join(data, "log"), ledger.Options{Signer: signer, Regime: reg})
	if err != nil {
		log.Fatal(err)
	}
	defer own.Close()

	wit, err := ledger.NewWitness(filepath.Join(data, "witness"), ledger.WitnessOptions{
		Regime: reg, Self: self, Cosigner: cosigner,
		Alerts: func(ctx context.Context, a ledger.Alert) error {
			// The exchange wraps the alert in a signed notification.
			_, err := own.Append(ctx, a.Marshal())
			return err
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer wit.Close()
	go wit.WatchPeers(ctx, 10*time.Second)

	for _, p := range reg.Parties {
		if p.ID == self {
			continue
		}
		origin := p.Log.Origin
		rep, err := ledger.NewReplicator(filepath.Join(data, "replicas", p.ID), ledger.ReplicatorOptions{
			Regime: reg, Log: p.ID, Self: self,
			Checkpoint: func(context.Context) ([]byte, error) { return wit.Latest(origin), nil },
			Deliver: func(ctx context.Context, index uint64, entry []byte) error {
				// The exchange validates and applies the notification here,
				// and its time of provision is wit.ProvisionTime(origin, index).
				return nil
			},
			Inconsistent: func(ctx context.Context, cp []byte, detail string) { wit.Observe(ctx, cp, detail) },
		})
		if err != nil {
			log.Fatal(err)
		}
		go rep.Run(ctx)
	}

	mux := http.NewServeMux()
	mux.Handle("/log/", http.StripPrefix("/log/", own.Handler()))
	mux.Handle("/witness/", http.StripPrefix("/witness/", wit.Handler()))
	log.Fatal(http.ListenAndServe(":8080", mux))
}
