// Package scenario generates the New START regime between the United States
// and Russia, 2011-02-05 to 2026-02-05, item by item: each party's initial
// database and periodic declarations, the notifications between them, and
// the dated facts of the regime (entry into force, the central limits, the
// extension, Russia's suspension, the US countermeasures, expiry). It is
// what `tally serve --demo` pushes through the exchange's validate, append
// and witness path; the scenario itself is data in memory, with no keys,
// files or network.
//
//	s, err := scenario.NewStart()
//	us, _ := s.Party("US")
//	for _, st := range us.Steps {
//		switch st.Kind {
//		case scenario.InitialDatabase, scenario.PeriodicDeclaration:
//			// st.Declaration: items with UIDs, warheads per base, totals
//		case scenario.Notification:
//			// st.Event: a forces.Event, dated between two declarations
//		case scenario.RegimeEvent:
//			// st.Regime: what happened to the treaty, with its source
//		}
//	}
//
// # What holds
//
// Every declaration's items, counted by package count under
// catalog/treaties/new-start.yaml at its date, give exactly the official
// totals of newstart_aggregates.csv for that party and date: deployed
// ICBMs, SLBMs and heavy bombers; warheads on them; deployed and
// non-deployed launchers. Where no figure was published (the launchers of
// 1 March 2016, the exchange of 1 September 2022, Russia's "not provided"
// of March 2023) the total is synthetic, labelled so, and says how it was
// chosen (Total.Provenance, Total.Note); figures the CSV worked out from a
// reported change are labelled derived.
//
// Replaying the initial database and the notifications up to a declaration's
// date through a forces.Inventory gives exactly that declaration's items:
// every notification applies cleanly, in order. Loadings are the exception
// by design: under New START warhead numbers change only in the six-month
// updates, so notifications never carry them and each declaration sets them
// afresh.
//
// Russia sends no notification on or after 28 February 2023 (its last
// declaration is as of 1 September 2022); the US none on or after 1 June
// 2023 (its last is as of 1 March 2023); nothing is dated on or after
// 5 February 2026. Between a party's last declaration and its last
// notification, the notifications lead toward a state that is never
// declared.
//
// # Official and synthetic
//
// A declaration lists, per kind, type, status and site, how many items it
// has and whether that detail is official (a release of that date),
// reported (a secondary source quoting one) or synthetic (Declaration.
// Groups). For the United States the composition follows
// newstart_us_breakdown.csv where it has figures (2011-09-01 totals,
// 2017-03-01 by base, 2020-09-01 complete) and the reports quoted in
// catalog/scenario/composition.csv (the B-52G in the boneyard, the
// Peacekeeper silos, the MM-III launch facilities demolished at Malmstrom).
// Russia's split by type was never published: it is synthetic throughout,
// shaped on public estimates as recalled. Every UID and every per-missile
// loading is synthetic.
//
// The composition table holds counts of series (deployed MM-III at Minot,
// B-52H converted at Barksdale) at anchor dates, each with its provenance
// and source; between anchors the count is interpolated and synthetic. A
// party's plan (us.go, ru.go) says what each series is and works out the
// counts that make the official totals add up: the Trident II deployed,
// Russia's deployed heavy bombers and its launchers awaiting elimination.
//
// # Private and shared
//
// A declaration's items carry the warheads on each deployed missile: the
// owner's private data. New START's database shared warheads aggregated per
// base (Declaration.WarheadsByBase), which is what Declaration.Shared keeps.
//
// # How notifications are made
//
// Between two declarations, items change as little as possible, the oldest
// first: an item leaving a count goes, by preference, to a count that grows
// at the same site (a change of status), then elsewhere in the same status
// (a move), then both; the rest are eliminated or new. Each change becomes
// steps in a fixed order (a missile leaves deployed status with a launcher,
// moves, changes status, is converted, eliminated, deployed with a
// launcher), steps alike are grouped into one notification (a submarine's
// tubes together), and every notification is applied to a forces.Inventory
// as it is made; one that would break a rule now waits until it applies.
// The notifications are dated in that order across the days between the
// declarations. UIDs read <party>-<kind>-<NNNNNN> (US-ICBM-000123,
// RU-SSBN-000004) and are never reused.
package scenario
