// Package exchange is what the parties to a treaty tell each other: typed,
// versioned notifications, each signed by its party and appended to that
// party's log (package ledger), checked before they are written and
// replayed identically by every party's node.
//
// # Envelopes
//
// A notification is an Envelope: the party, its sequence number (1, 2, 3,
// ... in the order of the party's log), the kind with its version, the
// effective date (when the event happened), the creation time (a claim of
// the sender; when the others received it is fixed by their cosignatures),
// and a body, compact JSON. It is a C2SP signed note whose text is one
// "name value" line per field, signed by the party's notification key; the
// log entry is exactly those bytes:
//
//	tally.notification/v1
//	party US
//	seq 42
//	kind status-change/v1
//	effective 2013-04-02
//	created 2013-04-03T10:00:00Z
//	body {"date":"2013-04-02","op":"status","uids":["US-M-0001"],"status":"non-deployed"}
//
//	— tally.us/notification az3R...
//
// Signed notes rather than DSSE, because everything else a party signs is
// a signed note: checkpoints (C2SP tlog-checkpoint) and cosignatures
// (tlog-cosignature) are, so one key format (the regime's verifier keys),
// one verifier and one parser serve all three; the entry stays text a
// person can read in a tile with any tlog tool; and the signature line
// names its key, so a verifier finds the key a party used at that point of
// its log without trying each. DSSE would add a second key format and wrap
// the body in base64. Parse is strict: one encoding per notification
// (fields in order, compact JSON, one signature line), so a signed envelope
// cannot be re-encoded into a different entry.
//
// An entry holds at most 65,535 bytes (MaxEntry). A declaration that does
// not fit is split into numbered parts (Declaration.Split) that together
// form it.
//
// # Kinds
//
//	initial-declaration/v1   the initial database: every item by UID with type, status and site,
//	                         in groups (Declaration), warheads per base, a commitment to the loadings
//	periodic-declaration/v1  the whole database again, as of 1 March or 1 September (under New START);
//	                         checked against the notifications before it; the only channel for warheads
//	new-item/v1              a forces.Event with op new, each item with its UID
//	status-change/v1         a forces.Event: status (deployed, non-deployed, test, training),
//	                         conversion-start, conversion-complete, eliminate, attrs
//	movement/v1              a forces.Event with op move
//	acknowledgement/v1       another party's log received and checked up to a size (Ack)
//	dispute/v1               the sender's reading of another party's items (Dispute, a forces.Reading)
//	dispute-resolution/v1    ends (by the disputing party) or answers a dispute (Resolution)
//	note/v1                  free text (Note)
//	regime-change/v1         rotate or revoke the sender's notification key, or agree to another
//	                         party's revocation (RegimeChangeBody)
//	witness-alert/v1         an alert of the sender's witness: a log caught with two histories (ledger.Alert)
//
// Every body is read strictly (DecodeBody): an unknown field, a wrong type
// or a missing field is a Problem naming the field ("body.uids[2]").
//
// # What is shared, and what is not
//
// What a declaration shares is what the treaty shares: items by UID with
// type, status and site, and the warheads on deployed missiles aggregated
// per base, never per missile. The per-missile loadings they add up from
// stay with the owner, committed to in the declaration by a Merkle root
// over salted per-missile hashes (Commit); an inspection is later handed
// one loading and its path (Reveal), and checks it against the declaration
// in the log (Opening.Verify). No notification carries a loading: under
// New START warhead numbers change only in the periodic declarations, and
// a change notification that would change one is refused.
//
// Every node projects the same shared view: a missile counts the warheads
// its base's declaration gives, spread over the deployed missiles there in
// UID order (the totals per base are exact; the split is not the owner's),
// and a missile deployed between declarations counts none until the next.
//
// # Checks, and the Book
//
// A Book is one party's notifications in log order and what they imply.
// Before anything is written, a node checks a batch against its own
// party's book (Book.Admit), all of it or none: the signature, by a key of
// the party valid for that entry (the regime file's validity in time, and
// the regime changes in the log before it); the party; the sequence number
// (the next); the kind and the body's schema; the items (that they exist or
// are new, that the change is allowed from their status: forces.Inventory);
// the dates (an event is notified after it happens, in date order; a
// declaration is as of the treaty's days; the envelope is fresh). A
// Rejection names every problem, each with the envelope, the field and the
// item at fault.
//
// Every node replays every party's log through a Book of that party
// (Book.Apply), with the same checks except freshness, and so records the
// same thing for each entry (Applied): an entry that is not an acceptable
// notification is recorded as invalid, with its problems, and changes
// nothing. Replay depends on the log and the regime only, never on the
// clock or on other logs, so all nodes agree.
//
// # Timing
//
// The treaty's notification rules (treaty.Notification) give each kind a
// deadline (DeadlineOf): the initial database within 45 days of entry into
// force, the periodic ones within 30 days of their as-of day, changes
// within 5 days. A notification is provided to a party when that party
// first cosigns a checkpoint that includes it; one provided after its
// deadline is accepted and flagged late, party by party.
//
// # Audits
//
// Auditor checks every entry of a log during ledger.Audit (tally verify):
// each signature in parallel, then in order each key's position and each
// sequence number.
package exchange
