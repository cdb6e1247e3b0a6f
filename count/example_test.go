package count_test

import (
	"fmt"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/count"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/treaty"
)

// Count a small force under New START, with the limits' standing on two
// dates.
func ExampleEvaluate() {
	t, err := treaty.Lookup("new-start")
	if err != nil {
		panic(err)
	}
	state := &forces.State{Party: "US", Groups: []*forces.Group{
		{Kind: forces.ICBMLauncher, Type: "MM-III", Status: forces.Deployed, Count: 400, Warheads: forces.NoLoading},
		{Kind: forces.ICBM, Type: "MM-III", Status: forces.Deployed, Count: 400, Warheads: 1},
		{Kind: forces.SLBMLauncher, Type: "Trident II", Status: forces.Deployed, Count: 240, Warheads: forces.NoLoading},
		{Kind: forces.SLBM, Type: "Trident II", Status: forces.Deployed, Count: 240, Warheads: 5},
		{Kind: forces.HeavyBomber, Type: "B-52H", Status: forces.Deployed, Count: 60, Warheads: forces.NoLoading},
	}}
	for _, d := range []string{"2017-09-01", "2020-09-01"} {
		r, err := count.Evaluate(t, state, civil.MustParse(d))
		if err != nil {
			panic(err)
		}
		for _, l := range r.Limits {
			fmt.Printf("%s %s: %d of %d, binding %v, within %v", d, l.ID, l.Total, l.Max, l.Binding, l.Within)
			if l.WhyNot != "" {
				fmt.Printf(" (%s)", l.WhyNot)
			}
			fmt.Println()
		}
	}
	r, _ := count.Evaluate(t, state, civil.MustParse("2020-09-01"))
	for _, c := range count.WhatMustChange(r) {
		fmt.Printf("%s: %d over; e.g. %s\n", c.Limit, c.Over, c.Options[0].Text)
	}
	// Output:
	// 2017-09-01 deployed-delivery-vehicles: 700 of 700, binding false, within true (the limit applies from 2018-02-05 (7 years after entry into force))
	// 2017-09-01 deployed-warheads: 1660 of 1550, binding false, within false (the limit applies from 2018-02-05 (7 years after entry into force))
	// 2017-09-01 deployed-and-nondeployed-launchers: 700 of 800, binding false, within true (the limit applies from 2018-02-05 (7 years after entry into force))
	// 2020-09-01 deployed-delivery-vehicles: 700 of 700, binding true, within true
	// 2020-09-01 deployed-warheads: 1660 of 1550, binding true, within false
	// 2020-09-01 deployed-and-nondeployed-launchers: 700 of 800, binding true, within true
	// deployed-warheads: 110 over; e.g. take out 22 of 240 (slbm Trident II deployed, 5 warheads; 5 units each): closes 110 of 110; or download 4 from each of 28 missiles (5 → 1 warhead): closes 112
}
