// Package demo runs the New START regime between the United States and
// Russia, 2011-02-05 to 2026-02-05, as two real nodes on one machine: what
// `tally serve --demo` shows.
//
// Nothing is pre-built. On a fresh directory Start makes fresh keys for
// each party (valid from 2010, before the replay begins), the regime file
// that lists them, API tokens, and one data directory per node; it opens
// both nodes (package node), serves each on its own loopback port, and
// replays the record through them exactly as real use goes:
//
//	scenario.NewStartWith            both parties' declarations and notifications, 2011-2023
//	  -> signed by the party's notification key, on the simulated clock
//	  -> POST /api/v1/notifications to the party's own node      validated, appended, receipted
//	  -> cosigned by the other party's witness                   the time of provision
//	  -> replicated, replayed and acknowledged by the other node
//
// Every periodic declaration adds up to the official totals of its date
// (newstart_aggregates.csv) where there are any; the others are synthetic
// and say so, in the declaration's note and in Provenance. Between two
// declarations come the notifications of the changes that lead from one
// to the next. On 27 February 2018 Russia disputes the US conversions
// of 56 Trident II launchers and 41 B-52H and the 4 "training silos"
// as a dispute notification of its node, and from then on
// every node counts the US forces under Russia's reading as well as
// declared. Russia writes nothing from 28 February 2023, when it
// suspended its participation, not even acknowledgements; the United
// States nothing from 1 June 2023, when it withheld its notifications in
// return; the treaty expires on 5 February 2026.
//
//	r, err := demo.Start(ctx, demo.Options{Data: dir, Addr: "127.0.0.1:0"})
//	if err != nil { ... }
//	defer r.Shutdown(ctx)
//	if err := r.Wait(ctx); err != nil { ... }   // generated, applied, witnessed
//	us := r.Party("US")                          // us.URL, us.Node, us.Operator
//	_ = r.Tokens.Inspector
//
// # The simulated clock
//
// When a notification reached the other party is that party's
// cosignature on a checkpoint that includes it, stamped by the receiver's
// clock; lateness is judged from it. Replayed in seconds on the real
// clock, every notification of 2011 would arrive in the present, years
// late. So both nodes run on Clock (node.Config.Now): it stamps the
// witnesses' cosignatures, the creation times of what the nodes and the
// driver sign, and judges freshness, keys and acknowledgement deadlines.
// The driver sets it round by round to the simulated moment each round is
// sent, and it stands still while the round is appended and cosigned; the
// cosignatures, and so the times of provision, fall on that moment. Once
// the replay is over the clock runs at real speed from 5 February 2026 at
// 09:00 UTC, and keeps running across restarts (demo.json records where it
// stood when). Every page and answer that shows a time should say the
// clock is simulated (ClockView, GET /demo/status).
//
// # Rounds of transmission
//
// A checkpoint is published at most every 100 ms (Tessera's POSIX
// storage), and each time of provision needs a checkpoint of its own; so
// fifteen years fit in a few seconds only in a few dozen rounds. The
// scenario dates each half-year's notifications in the five days before
// the declaration that closes it (scenario.Options.Windows), and the
// driver sends them with that declaration, on its day at 12:00 UTC: every
// change reaches the other party within its five days (New START Protocol
// Part Four, Section II, paragraph 3), every declaration on the day it is
// as of. None is late. The parties' last rounds come on the last day
// before each stopped.
//
// # Directory
//
//	demo.json        what the demo is: parties, ports, tokens, whether it was generated, the clock
//	regime.yaml      the regime: both parties' verifier keys, valid from 2010-01-01, and node URLs
//	us/, ru/         each node's data directory (package node), with its private keys in keys/
//
// Started on a directory that holds a generated demo, Start opens the
// nodes on what they hold and generates nothing (Regime.Restarted). A
// directory whose generation was interrupted, or that holds anything else,
// is refused with what to do.
//
// # Endpoints
//
// Besides each node's own (its API, log, witness, /healthz, /metrics and
// dashboard), every node serves GET /demo/status (the clock, the progress
// of the generation, the nodes) and GET /demo/provenance (Provenance: per
// declaration, which totals are official, derived or synthetic and why,
// and which detail is). The dashboard of every node says so too
// (node.Config.Provenance): a banner on every page, that the data are a
// demo on a simulated clock, and the page /about-data with the
// provenance of every declared total, the notes and the regime's
// timeline; the Overview marks each total official, derived or
// synthetic. /healthz answers 503, with what is missing, until
// the regime is generated, every declaration is applied on that node and
// each log it holds is cosigned by the other party.
package demo
