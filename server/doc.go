// Package server is tally's web dashboard: server-rendered pages for
// treaty-implementation staff, inspectors, negotiators' technical staff and
// the public, built from html/template with every asset embedded in the
// binary (no CDN, no external font, nothing fetched at run time), so that
// it works on an air-gapped treaty network.
//
// New returns the dashboard as an http.Handler. Pages that read only the
// libraries work without a node:
//
//	/treaties                 the bundled treaties and proposals, status today
//	/treaties/{id}            one treaty: dates, parties, limits and phases,
//	                          counting rules, notification timing, inspection
//	                          quotas, what it does not model; every number sourced
//	/treaties/{id}.yaml       the treaty file itself
//	/treaties/diff?a=&b=      two side by side, and what changed in words
//	/treaties/compare?...     forces counted under several treaties at a date,
//	                          under the owner's reading and another party's
//	/history                  the official New START aggregates, 2011-2023
//	/verify                   a receipt checked in the browser
//
// The node pages, / (overview), /forces, /notifications and /logs, read a
// party's node through the Node interface; without one they say what they
// will hold. Nothing is made up to fill them.
//
// A node whose data are not a real regime's record says so: a
// ProvenanceNode (the demo regime of `tally serve --demo`) gets a banner
// on every page (demo data, the simulated clock), the page /about-data
// with each declared total's provenance (official, derived, synthetic)
// and source and the regime's timeline, and those labels on the
// Overview's totals. A ClockNode's clock is the dashboard's today.
//
// Every number on a page carries its source: a footnote number that leads
// to the page's list of sources (URL, evidence tag T/O/S/R as in the
// reference notes, and any note), and the same on hover. Data that is not
// official (derived, assumed, synthetic) says so next to the number.
//
// The pages work without JavaScript, except the charts (which a table
// always accompanies) and Verify. Verify runs the receipt verifier of
// `tally receipt verify`, compiled to WebAssembly (web/verifywasm), in the
// reader's browser: it checks the inclusion proof, the checkpoint signature
// and the cosignatures against the keys of the regime file the reader
// supplies, and trusts nothing this server says. static/verify.wasm.gz is
// built by `go generate ./server` with fixed flags, reproducibly; a test
// rebuilds it and fails if the committed file is stale. The charting
// library (Chart.js, MIT) is vendored by web/vendor.sh from
// web/package-lock.json; a test checks the embedded file against the
// lockfile and the recorded hash.
package server
