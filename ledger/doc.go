// Package ledger keeps a party's transparency log and watches the logs of
// the other parties.
//
// Each party appends its own declarations and notifications, as opaque
// entries of up to 65,535 bytes, to its own append-only log. The log is a
// Merkle tree (RFC 6962) stored by Tessera in a directory, published as
// C2SP tlog-tiles (a signed checkpoint, hash tiles and entry bundles) that
// any tlog tool can read, and signed with the party's checkpoint key
// (C2SP tlog-checkpoint). The other parties witness it (C2SP tlog-witness):
// each cosigns a checkpoint only if it is consistent with every earlier
// checkpoint it saw, so the log cannot show different histories to
// different parties, nor rewrite its past, without being caught.
//
// The pieces, and who runs them:
//
//	Log         a party's own log: Append returns a receipt once the entry is
//	            durable and covered by a signed checkpoint; checkpoints are
//	            sent to the witnesses in the background and their
//	            cosignatures are kept in the log's checkpoint archive.
//	Witness     a party's witness of the other parties' logs: the
//	            add-checkpoint endpoint, the record of what it cosigned, and
//	            alerts when a log is caught presenting two histories.
//	Replicator  a party's copy of another party's log: reads its tiles,
//	            checks every entry against a cosigned checkpoint, and hands
//	            the entries, in order, to the application.
//	Audit       anyone's full check of a log, from a directory or a URL.
//
// A receipt (package receipt) proves offline that an entry is in a log;
// the regime (package regime) says which keys and logs to trust.
//
// # Time of provision
//
// When a party's entry reaches another party is fixed by the receiver, not
// claimed by the sender: it is the timestamp of the receiver's first
// cosignature on a checkpoint that includes the entry. Witness.ProvisionTime
// gives it on the receiver's side, Log.ProvisionTime on the sender's.
//
// # Split views
//
// A witness raises an Alert when it sees two checkpoints of one log that
// cannot both be true: the same size with different roots, or two sizes
// that no consistency proof joins. It sees them when the log submits them,
// and when it compares its view with the other witnesses' (WatchPeers polls
// their "seen" endpoints). Alerts are written to the witness's directory
// before anything else happens, and handed to an AlertSink until it
// accepts them: the node writes them into its own log.
//
// # Files
//
// A Log's directory is a tlog-tiles tree that a static file server could
// serve, plus the checkpoint archive:
//
//	checkpoint                 latest signed checkpoint (Tessera)
//	tile/<L>/<N>[.p/<W>]       hash tiles
//	tile/entries/<N>[.p/<W>]   entry bundles
//	checkpoints                every checkpoint published and every
//	                           cosignature received (a journal, see below)
//	.state/                    Tessera's private state
//
// A Witness's directory holds one journal per witnessed log (named by the
// SHA-256 of the origin) with every checkpoint it cosigned, and
// alerts.journal. A Replicator's directory holds state.json: how far it has
// delivered and the compact Merkle range of what it delivered.
//
// Journals are append-only files of checksummed records, each fsynced
// before the operation it records is acknowledged; a record torn by a crash
// at the end of a file is dropped on reopening.
//
// # HTTP
//
// Log.Handler serves, under whatever prefix the node mounts it:
//
//	GET checkpoint                 latest checkpoint with the cosignatures received so far
//	GET tile/<L>/<N>[.p/<W>]       tlog-tiles hash tiles
//	GET tile/entries/<N>[.p/<W>]   tlog-tiles entry bundles
//	GET checkpoints                the checkpoint archive
//
// Witness.Handler serves:
//
//	POST add-checkpoint            C2SP tlog-witness
//	GET  seen                      the latest checkpoint it cosigned for each log (JSON)
//
// The regime gives each party's log prefix (default <node>/log/) and
// witness prefix (default <node>/witness/).
package ledger
