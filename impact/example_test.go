package impact_test

import (
	"fmt"

	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/impact"
	"github.com/tally-project/tally/treaty"
)

// The deep cut to 500 warheads, against the US forces of 2020-09-01, at
// the default rates.
func ExampleCompute() {
	p, _ := treaty.Lookup("deep-cuts-500")
	us, _ := forces.Bundled("us-2020-09-01")
	state, _ := us.At(us.AsOf())
	r, err := impact.Compute(impact.Input{
		Proposals: []*treaty.Treaty{p},
		Sides:     []impact.Side{{State: state, Forces: "us-2020-09-01"}},
		Date:      us.AsOf(),
	})
	if err != nil {
		panic(err)
	}
	c := r.Cell(0, 0) // side 0 (US as declared), proposal 0
	for _, l := range c.Limits {
		fmt.Printf("%s: %d over %d by %d, met %s\n", l.ID, l.Total, l.Max, l.Over, *l.Met)
	}
	fmt.Println("complies", *c.Complies, "deadline", c.Deadline, "on time", c.OnTime)
	fmt.Println(c.Plan[0].Text)
	// Output:
	// deployed-delivery-vehicles: 675 over 226 by 449, met 2027-08-20
	// deployed-warheads: 1457 over 500 by 957, met 2026-02-13
	// deployed-and-nondeployed-launchers: 800 over 258 by 542, met 2033-05-31
	// complies 2033-05-31 deadline 2027-09-01 on time false
	// stand down 12 submarines: 230 SLBM launchers to non-deployed, with the missiles in them (138 × Trident II deployed SLBM launcher (4 warheads); 92 × Trident II deployed SLBM launcher (5 warheads)), 2020-09-01 to 2027-08-20 at slbm-launcher Trident II stand-down: 33 a year, in batches of 20 (default)
}
