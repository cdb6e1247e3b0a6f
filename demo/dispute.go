package demo

import (
	"fmt"
	"sort"

	"github.com/tally-project/tally/exchange"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/scenario"
)

// The 2018-2022 dispute over New START counting (the regime event
// russian-dispute of catalog/scenario/regime.csv, with its source). On 27 February
// 2018 Russia's Foreign Ministry said the United States had reached 800
// launchers only by removing from accountability, unilaterally, 56 Trident
// II SLBM launchers and 41 B-52H heavy bombers whose conversion Russia
// could not confirm (Protocol Part Three, Section I, paragraph 3), and by
// calling 4 silo launchers "training silos", a term the treaty does not
// use. By its count the 800 limit was exceeded by 101 (56 + 41 + 4). The
// United States answered that its conversions complied; the treaty was
// extended in 2021 with the dispute unresolved.
//
// The demo sends it as what it was, a dispute: Russia's node submits a
// dispute notification of the US items, signed with Russia's key, on the
// day of the Foreign Ministry's comment (the regime event
// "russian-dispute" of the scenario). Every node then counts the US forces
// from that day under Russia's reading too, side by side with the US
// declaration: the converted tubes as non-deployed SLBM launchers, the
// converted B-52H as deployed nuclear heavy bombers (the September 2022
// statement said their warheads were missing from the US total too [S]),
// and the 4 training silos, which the US never declared, as non-deployed
// MM-III launchers at Vandenberg (where they are is recalled [R]). The
// catalogue's reading of the US forces of 1 September 2020
// (catalog/forces/us-2020-09-01.ru-reading.yaml) is the same reading of
// a file; this one names the demo's items by UID, as a dispute must.

// Russia's dispute, as its Foreign Ministry stated it.
const (
	disputeEvent = "russian-dispute" // the regime event it is dated by
	disputeBy    = "RU"
	disputeOf    = "US"
	disputeID    = "conversions-2018"
	// What Russia said the United States removed from accountability.
	disputedTubes    = 56 // Trident II SLBM launchers
	disputedBombers  = 41 // B-52H
	disputedTraining = 4  // "training silos"
	// disputeSite is where the training silos are: Vandenberg [R].
	disputeSite = "Vandenberg"
	// disputeNote is the MFA's March 2022 data release, which states the
	// excess of 101 [O].
	disputeNote = "https://mid.ru/en/foreign_policy/international_safety/1808707"
)

// disputes are the disputes the demo sends, as items of the disputing
// party's timeline: Russia's of the US conversions.
func disputes(s *scenario.Scenario) ([]*item, error) {
	var ev *scenario.Regime
	for i := range s.Regime {
		if s.Regime[i].ID == disputeEvent {
			ev = &s.Regime[i]
		}
	}
	if ev == nil {
		return nil, fmt.Errorf("the scenario has no regime event %q to date Russia's dispute by", disputeEvent)
	}
	body, err := russianDispute(s, ev)
	if err != nil {
		return nil, err
	}
	return []*item{{party: disputeBy, date: ev.Date, kind: exchange.DisputeKind, body: body}}, nil
}

// russianDispute is Russia's dispute of the US items as they stand on the
// day of ev, replayed from the scenario: the initial database and every
// notification up to that day.
func russianDispute(s *scenario.Scenario, ev *scenario.Regime) (*exchange.Dispute, error) {
	us, ok := s.Party(disputeOf)
	if !ok {
		return nil, fmt.Errorf("the scenario has no party %s for Russia to dispute", disputeOf)
	}
	inv := forces.NewInventory(disputeOf, nil)
	for _, st := range us.Steps {
		if st.Date > ev.Date {
			break
		}
		var err error
		switch st.Kind {
		case scenario.InitialDatabase:
			err = inv.Apply(forces.Event{Date: st.Date, Op: forces.OpNew, Items: st.Declaration.Items})
		case scenario.Notification:
			err = inv.Apply(*st.Event)
		}
		if err != nil {
			return nil, fmt.Errorf("replaying %s's items to %s: %v", disputeOf, ev.Date, err)
		}
	}
	var bombers, tubes []string
	for _, g := range inv.State().Groups {
		if g.Status != forces.Converted {
			continue
		}
		switch {
		case g.Kind == forces.HeavyBomber && g.Type == "B-52H":
			bombers = append(bombers, g.UIDs...)
		case g.Kind == forces.SLBMLauncher && g.Type == "Trident II":
			tubes = append(tubes, g.UIDs...)
		}
	}
	// The scenario's conversions are the ones Russia named; a scenario
	// that converted other numbers would make a dispute of other items.
	if len(bombers) != disputedBombers || len(tubes) != disputedTubes {
		return nil, fmt.Errorf("on %s the scenario has %d converted B-52H and %d converted Trident II launchers of %s; Russia disputed %d and %d (%s)",
			ev.Date, len(bombers), len(tubes), disputeOf, disputedBombers, disputedTubes, ev.Source)
	}
	sort.Strings(bombers)
	sort.Strings(tubes)
	reading := &forces.Reading{
		Name: "2018-2022 dispute of the US conversions", By: disputeBy, Of: disputeOf,
		Source: ev.Source,
		Note: fmt.Sprintf("Russian MFA comment of %s [%s]; the excess of %d over the 800 limit is stated in the MFA's March 2022 data release (%s) [O]. "+
			"The B-52H read as deployed follows the September 2022 statement that their warheads are missing from the US total [S]; where the training silos are is recalled [R].",
			ev.Date, ev.Evidence, disputedTubes+disputedBombers+disputedTraining, disputeNote),
		Changes: []forces.ReadingChange{
			{UIDs: tubes, Status: forces.NonDeployed, Note: "conversion not confirmed (Protocol Part Three, Section I, paragraph 3)"},
			{UIDs: bombers, Status: forces.Deployed, Attrs: forces.Attrs{"nuclear": true}, Note: "conversion to non-nuclear armaments not confirmed"},
		},
		Added: []forces.ItemSpec{
			{Kind: forces.ICBMLauncher, Type: "MM-III", Status: forces.NonDeployed, Site: disputeSite, Count: disputedTraining},
		},
	}
	return &exchange.Dispute{ID: disputeID, Of: disputeOf, Reading: reading,
		Text: fmt.Sprintf("Russia cannot confirm that %d Trident II launchers and %d B-52H heavy bombers were rendered incapable of employing SLBMs or nuclear armaments, "+
			"and does not accept \"training silos\", a term the treaty does not use, for %d silo launchers: by its count the United States exceeds the 800 limit by %d.",
			disputedTubes, disputedBombers, disputedTraining, disputedTubes+disputedBombers+disputedTraining)}, nil
}
