package scenario

import (
	"fmt"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
)

// The United States. Types and counts follow newstart_us_breakdown.csv
// where it has them (2011-09-01 totals, 2017-03-01 by base, 2020-09-01
// complete) and the reports quoted in composition.csv; everything else is
// synthetic, chosen so that every declaration adds up exactly to the
// official totals:
//
//   - MM-III in the silos of F.E. Warren, Malmstrom and Minot (150 each),
//     the 50 silos of Malmstrom's inactive squadron until demolished in
//     2014, test launchers at Vandenberg, non-deployed missiles in storage
//     at Hill; 50 launch facilities moved to non-deployed status from 2015;
//   - the 50 empty Peacekeeper silos at F.E. Warren, eliminated by 2014;
//   - 14 Ohio SSBNs, 6 at Kings Bay and 8 at Bangor, 24 tubes each, four of
//     which on each boat are converted by 2017 (336 to 280 launchers); the
//     Trident II deployed are whatever makes the deployed delivery
//     vehicles add up, spread over the boats not in overhaul;
//   - B-52H at Barksdale and Minot, in depot at Tinker, stored at
//     Davis-Monthan, test aircraft at Edwards; 41 converted to non-nuclear
//     by 2017; B-2A at Whiteman, in depot at Palmdale, test at Edwards;
//     B-52G in the boneyard at Davis-Monthan, counted as deployed until
//     cut up (the last in December 2013); the B-1B, counted at entry into
//     force and converted after its exhibition in March 2011.
func usPlan() partyPlan {
	return partyPlan{
		id:              "US",
		name:            "United States of America",
		sites:           usSites,
		lastDeclaration: civil.MustParse("2023-03-01"),
		notifyUntil:     civil.MustParse("2023-06-01"),
		compose:         usCompose,
		loads:           usLoads,
	}
}

var usSites = []forces.Site{
	{Name: "F.E. Warren", Kind: "ICBM base", Location: "Wyoming"},
	{Name: "Malmstrom", Kind: "ICBM base", Location: "Montana"},
	{Name: "Minot", Kind: "ICBM base and air base", Location: "North Dakota"},
	{Name: "Vandenberg", Kind: "test range", Location: "California"},
	{Name: "Hill", Kind: "storage facility", Location: "Utah", Note: "synthetic: where the non-deployed ICBMs are kept here"},
	{Name: "Kings Bay", Kind: "submarine base", Location: "Georgia"},
	{Name: "Bangor", Kind: "submarine base", Location: "Silverdale, Washington"},
	{Name: "Barksdale", Kind: "air base", Location: "Louisiana"},
	{Name: "Whiteman", Kind: "air base", Location: "Missouri"},
	{Name: "Dyess", Kind: "air base", Location: "Texas"},
	{Name: "Ellsworth", Kind: "air base", Location: "South Dakota"},
	{Name: "Edwards", Kind: "heavy bomber flight test center", Location: "California"},
	{Name: "Tinker", Kind: "repair facility", Location: "Oklahoma"},
	{Name: "Palmdale", Kind: "repair facility", Location: "California"},
	{Name: "Davis-Monthan", Kind: "storage facility", Location: "Arizona", Note: "the boneyard; bombers stored there counted as deployed until eliminated or converted"},
}

var mm3Bases = []string{"F.E. Warren", "Malmstrom", "Minot"}

// usBoats are the 14 Ohio-class SSBNs: the first 6 at Kings Bay, the
// others at Bangor (synthetic split; the 2017 release gives 100 deployed
// Trident II at Kings Bay and 120 at Bangor).
const usBoats, usKingsBayBoats, ohioTubes, ohioConverted = 14, 6, 24, 4

func usCompose(b *builder, t targets) {
	c := b.c
	I, IL, S, SL, HB := forces.ICBM, forces.ICBMLauncher, forces.SLBM, forces.SLBMLauncher, forces.HeavyBomber
	dep, nd, test, conv := forces.Deployed, forces.NonDeployed, forces.Test, forces.Converted

	// ICBMs.
	mm3 := 0
	for _, base := range mm3Bases {
		d := b.v("mm3.deployed/" + base)
		mm3 += d.n
		b.pair(I, "MM-III", base, d)
		silos := b.n("mm3.launchers/" + base)
		b.add(IL, "MM-III", nd, base, synthetic(silos-d.n, "the base's %d silos less the %d deployed", silos, d.n))
	}
	b.add(IL, "MM-III", nd, "Malmstrom", b.v("mm3.launchers.inactive/Malmstrom"))
	b.add(IL, "MM-III", test, "Vandenberg", b.v("mm3.launchers.test/Vandenberg"))
	all := b.n("mm3.missiles")
	b.add(I, "MM-III", nd, "Hill", b.remainder("mm3.nondeployed", all-mm3, "the %d MM-III less the %d deployed", all, mm3))
	b.add(IL, "Peacekeeper", nd, "F.E. Warren", b.v("pk.launchers/F.E. Warren"))
	b.add(IL, "Peacekeeper", test, "Vandenberg", b.v("pk.launchers.test/Vandenberg"))
	b.add(I, "Peacekeeper", nd, "Hill", b.v("pk.missiles"))

	// Heavy bombers.
	for _, base := range []string{"Barksdale", "Minot"} {
		b.add(HB, "B-52H", dep, base, b.v("b52h.deployed/"+base))
	}
	b.add(HB, "B-52H", dep, "Davis-Monthan", b.v("b52h.stored/Davis-Monthan"))
	b.add(HB, "B-52H", nd, "Tinker", b.v("b52h.repair/Tinker"))
	b.add(HB, "B-52H", test, "Edwards", b.v("b52h.test/Edwards"))
	for _, base := range []string{"Barksdale", "Minot", "Davis-Monthan"} {
		b.add(HB, "B-52H", conv, base, b.v("b52h.converted/"+base))
	}
	b2dep, b2test := b.v("b2a.deployed/Whiteman"), b.v("b2a.test/Edwards")
	b.add(HB, "B-2A", dep, "Whiteman", b2dep)
	b.add(HB, "B-2A", test, "Edwards", b2test)
	b2 := b.n("b2a.total")
	b.add(HB, "B-2A", nd, "Palmdale", synthetic(b2-b2dep.n-b2test.n, "the %d B-2A less %d deployed and %d test", b2, b2dep.n, b2test.n))
	b.add(HB, "B-52G", dep, "Davis-Monthan", b.v("b52g.stored/Davis-Monthan"))
	for _, base := range []string{"Dyess", "Ellsworth"} {
		b.add(HB, "B-1B", dep, base, b.v("b1b.deployed/"+base))
		b.add(HB, "B-1B", conv, base, b.v("b1b.converted/"+base))
	}
	b.add(HB, "B-1B", dep, "Davis-Monthan", b.v("b1b.stored/Davis-Monthan"))
	b.add(HB, "B-1B", conv, "Davis-Monthan", b.v("b1b.converted/Davis-Monthan"))
	b.add(HB, "B-1B", nd, "Tinker", b.v("b1b.repair/Tinker"))
	b.add(HB, "B-1B", conv, "Tinker", b.v("b1b.converted/Tinker"))
	c.exits["B-1B"] = "removed from accountability, not destroyed: converted to non-nuclear armaments and shown in an exhibition in March 2011, the B-1B no longer appears in the US data (the 2020 table lists B-2A and B-52H only)"
	if b.err != nil {
		return
	}

	// SLBMs: the Trident II deployed are what the deployed delivery
	// vehicles leave.
	ddv, _, _ := c.totals()
	d5 := int(t.get(DeployedDeliveryVehicles) - ddv)
	d5v := b.remainder("d5.deployed", d5, "the official deployed delivery vehicles (%d) less the ICBMs and heavy bombers deployed (%d)", t.get(DeployedDeliveryVehicles), ddv)
	perBase := split(d5, []float64{100, 120}) // as the 2017 release splits them
	convTotal := b.n("tubes.converted")
	convDetail := b.v("tubes.converted").detail
	half := halfYear(c.date)
	bases := []string{"Kings Bay", "Bangor"}
	for bi, base := range bases {
		lo, hi := 0, usKingsBayBoats
		inOverhaul := 1
		if bi == 1 {
			lo, hi, inOverhaul = usKingsBayBoats, usBoats, 2
		}
		n := hi - lo
		caps := make([]int, n)
		convs := make([]int, n)
		active := make([]bool, n)
		for i := range caps {
			boat := lo + i
			convs[i] = max(0, min(ohioConverted, convTotal-ohioConverted*boat))
			caps[i] = ohioTubes - convs[i]
			active[i] = true
		}
		for k := 0; k < inOverhaul; k++ {
			active[(half*inOverhaul+k)%n] = false
		}
		loads, err := fill(perBase[bi], caps, active)
		if err != nil {
			b.fail(fmt.Errorf("US %s %s: %w", c.date, base, err))
			return
		}
		det := detail{prov: Synthetic, source: d5v.detail.source,
			note: fmt.Sprintf("%s's share (100:120, as on 2017-03-01) of the %d Trident II deployed (%s)", base, d5, d5v.detail.prov)}
		if v, ok := b.exact("d5.deployed/" + base); ok {
			if v.n != perBase[bi] {
				b.fail(fmt.Errorf("US %s: %d Trident II deployed at %s, the table gives %d", c.date, perBase[bi], base, v.n))
			}
			det = v.detail
		}
		for i := 0; i < n; i++ {
			boat := fmt.Sprintf("ssbn-%02d", lo+i+1)
			status := dep
			if !active[i] {
				status = nd
			}
			c.item(boat, slot{kind: forces.Submarine, typ: "Ohio", status: status, site: base},
				detail{prov: Synthetic, note: "14 Ohio SSBNs, 6 at Kings Bay and 8 at Bangor, one or two per base in overhaul in turn"})
			for tube := 1; tube <= ohioTubes; tube++ {
				st, d := nd, detail{prov: Synthetic, note: "tubes without a missile: in overhaul, or not loaded"}
				switch {
				case tube > ohioTubes-convs[i]:
					st, d = conv, convDetail
				case tube <= loads[i]:
					st, d = dep, det
				}
				c.item(fmt.Sprintf("%s/t%02d", boat, tube), slot{kind: SL, typ: "Trident II", status: st, site: base, carrier: boat}, d)
			}
		}
		b.add(S, "Trident II", dep, base, value{perBase[bi], det})
	}
	d5all := b.n("d5.missiles")
	ndAll := d5all - d5
	if ndAll < 0 {
		b.fail(fmt.Errorf("US %s: %d Trident II deployed but only %d in all", c.date, d5, d5all))
		return
	}
	nds := split(ndAll, []float64{5, 6})
	for bi, base := range bases {
		b.add(S, "Trident II", nd, base, synthetic(nds[bi], "the %d Trident II less the %d deployed, kept at the two submarine bases", d5all, d5))
	}
	if _, ok := b.exact("d5.nondeployed"); ok {
		b.remainder("d5.nondeployed", ndAll, "")
	}
}

// usLoads: every deployed MM-III carries one reentry vehicle (the US
// reduced the MM-III to a single warhead, recalled [R], completed in
// 2014); the Trident II carry what the deployed warheads total leaves,
// between 3 and 8 each (8 is the START I attribution, catalog/types).
func usLoads(d civil.Date) []loadRule {
	return []loadRule{
		{typ: "Trident II", min: 3, nominal: 4, max: 8},
		{typ: "MM-III", min: 1, nominal: 1, max: 1},
	}
}
