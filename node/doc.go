// Package node is a party's node: its own transparency log, its witness of
// the other parties' logs, a replica of each of them, the exchange books
// that check every notification, the projection that answers what the
// logs say, and the HTTP API in front of them all.
//
// A notification goes through a node like this:
//
//	submitted (POST /api/v1/notifications, or Node.Submit)
//	  -> checked whole against the party's book (exchange.Book.Admit)     refused with every problem, nothing written
//	  -> appended to the party's log (ledger.Log)                         a receipt once durable under a signed checkpoint
//	  -> stored in the projection (store/sqlite)
//	  -> witnessed: each checkpoint sent to the other parties' witnesses
//	on every other node:
//	  -> replicated (ledger.Replicator): checked against a checkpoint it cosigned
//	  -> replayed through that party's book (exchange.Book.Apply), stored
//	  -> acknowledged: an acknowledgement/v1 in its own log
//
// Submissions are taken in rounds: whatever is queued is admitted
// together, and a round's entries are added to the log while the previous
// round waits for its checkpoint, so one checkpoint covers several rounds.
// A signed batch that arrives before the batches it follows (a client with
// several in flight) waits for them, up to Config.ParkFor. Submitting an
// envelope already in the log returns its receipt: a client that lost an
// answer submits the same bytes again.
//
// # Data directory
//
//	tally.db              the projection (SQLite), rebuildable: tally rebuild
//	log/                  the party's log (Tessera POSIX, C2SP tlog-tiles) and its checkpoint archive
//	witness/              the witness's record of what it cosigned, and its alerts
//	replicas/<PARTY>/     each other party's log: entries (a copy), state.json (the replica's
//	                      position), checkpoints (a copy of its checkpoint archive)
//	private/              the party's per-missile loadings, by declaration (never served)
//	keys/                 the party's private keys (default; Config.Keys)
//	tokens.yaml           API tokens, when made by tally serve
//
// After a crash the node replays what the logs hold beyond what the
// projection has; everything that got a receipt is in the log.
//
// # API
//
// JSON over HTTP under /api/v1 (Routes is the table: method, path,
// roles, parameters, request and response types), errors as
// application/problem+json (RFC 9457) whose errors name each envelope,
// field and item at fault. Bearer tokens carry a role:
//
//	operator    submits its party's notifications; reads everything item-level, its own
//	            party's private loadings included
//	inspector   reads item-level data the treaty shares; nothing private
//	observer    (no token) checkpoints, alerts, the regime, the treaty, compliance totals
//
// Besides the API the node serves its log (C2SP tlog-tiles) and its witness
// (C2SP tlog-witness) at the prefixes the regime gives, /healthz and
// /metrics (Prometheus).
//
// # Go API
//
// A dashboard in the same process reads a Node directly: Forces,
// ItemHistory, Compliance, ComplianceSeries, Notifications, Notification,
// Discrepancies, Declarations, Disputes, ReceiptOf, Logs (checkpoints with
// cosignatures and witness status), Alerts, Treaty and Regime; each takes
// the Access of whoever asks and applies the same rules as the API. Mount
// adds its handlers to the node's mux.
package node
