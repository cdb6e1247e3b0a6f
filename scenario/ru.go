package scenario

import (
	"fmt"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
)

// Russia. Only the three totals are official (Russia's breakdown by type
// was never published); the split is SYNTHETIC throughout, shaped on public
// estimates as recalled [R] (FAS Nuclear Notebook, russianforces.org): the
// SS-25 (Topol) regiments replaced by RS-24 (Yars) base by base, the SS-19
// withdrawn and Kozelsk rearmed with RS-24 in silos, the SS-18 slowly
// reduced, SS-27 (Topol-M) in silos at Tatishchevo and on road-mobile
// launchers at Teykovo; Delta III retired, Delta IV in overhaul in turn,
// Borei boats commissioned and loaded with SS-N-32 (Bulava), the Typhoons
// in reserve; Tu-95MS and Tu-160. Two counts are worked out so that the
// official totals add up exactly:
//
//   - the deployed heavy bombers are what the deployed delivery vehicles
//     leave after the missiles (bombers move between their bases and the
//     repair plants, deployed and not, without changing the launchers);
//   - the SS-25 launchers withdrawn and awaiting elimination at Piban'shur
//     are what the launchers total leaves.
func ruPlan() partyPlan {
	return partyPlan{
		id:              "RU",
		name:            "Russian Federation",
		sites:           ruSites,
		lastDeclaration: civil.MustParse("2022-09-01"),
		notifyUntil:     civil.MustParse("2023-02-28"),
		compose:         ruCompose,
		loads:           ruLoads,
	}
}

var ruSites = []forces.Site{
	{Name: "Dombarovsky", Kind: "ICBM base", Location: "Orenburg region"},
	{Name: "Uzhur", Kind: "ICBM base", Location: "Krasnoyarsk region"},
	{Name: "Kozelsk", Kind: "ICBM base", Location: "Kaluga region"},
	{Name: "Tatishchevo", Kind: "ICBM base", Location: "Saratov region"},
	{Name: "Teykovo", Kind: "ICBM base", Location: "Ivanovo region"},
	{Name: "Yoshkar-Ola", Kind: "ICBM base", Location: "Mari El"},
	{Name: "Novosibirsk", Kind: "ICBM base", Location: "Novosibirsk region"},
	{Name: "Nizhniy Tagil", Kind: "ICBM base", Location: "Sverdlovsk region"},
	{Name: "Irkutsk", Kind: "ICBM base", Location: "Irkutsk region"},
	{Name: "Yurya", Kind: "ICBM base", Location: "Kirov region"},
	{Name: "Barnaul", Kind: "ICBM base", Location: "Altai region"},
	{Name: "Vypolzovo", Kind: "ICBM base", Location: "Tver region"},
	{Name: "Plesetsk", Kind: "test range", Location: "Arkhangelsk region"},
	{Name: "Votkinsk", Kind: "production facility", Location: "Udmurtia"},
	{Name: "Piban'shur", Kind: "conversion or elimination facility", Location: "Udmurtia"},
	{Name: "Gadzhiyevo", Kind: "submarine base", Location: "Murmansk region (Northern Fleet)"},
	{Name: "Vilyuchinsk", Kind: "submarine base", Location: "Kamchatka (Pacific Fleet)"},
	{Name: "Severodvinsk", Kind: "production and repair facility", Location: "Arkhangelsk region"},
	{Name: "Engels", Kind: "air base", Location: "Saratov region"},
	{Name: "Ukrainka", Kind: "air base", Location: "Amur region"},
	{Name: "Kazan", Kind: "production and repair facility", Location: "Tatarstan"},
	{Name: "Taganrog", Kind: "repair facility", Location: "Rostov region"},
}

// ruDeployed are the deployed ICBM series: each a missile in its launcher.
var ruDeployed = []struct{ series, typ, site string }{
	{"ss18.deployed/Dombarovsky", "SS-18", "Dombarovsky"},
	{"ss18.deployed/Uzhur", "SS-18", "Uzhur"},
	{"ss19.deployed/Kozelsk", "SS-19", "Kozelsk"},
	{"ss19.deployed/Tatishchevo", "SS-19", "Tatishchevo"},
	{"ss27.deployed/Tatishchevo", "SS-27", "Tatishchevo"},
	{"ss27m.deployed/Teykovo", "SS-27 (mobile)", "Teykovo"},
	{"rs24s.deployed/Kozelsk", "RS-24 (silo)", "Kozelsk"},
	{"rs24m.deployed/Teykovo", "RS-24 (mobile)", "Teykovo"},
	{"rs24m.deployed/Novosibirsk", "RS-24 (mobile)", "Novosibirsk"},
	{"rs24m.deployed/Nizhniy Tagil", "RS-24 (mobile)", "Nizhniy Tagil"},
	{"rs24m.deployed/Yoshkar-Ola", "RS-24 (mobile)", "Yoshkar-Ola"},
	{"rs24m.deployed/Irkutsk", "RS-24 (mobile)", "Irkutsk"},
	{"rs24m.deployed/Yurya", "RS-24 (mobile)", "Yurya"},
	{"rs24m.deployed/Barnaul", "RS-24 (mobile)", "Barnaul"},
	{"ss25.deployed/Yoshkar-Ola", "SS-25", "Yoshkar-Ola"},
	{"ss25.deployed/Novosibirsk", "SS-25", "Novosibirsk"},
	{"ss25.deployed/Nizhniy Tagil", "SS-25", "Nizhniy Tagil"},
	{"ss25.deployed/Irkutsk", "SS-25", "Irkutsk"},
	{"ss25.deployed/Yurya", "SS-25", "Yurya"},
	{"ss25.deployed/Barnaul", "SS-25", "Barnaul"},
	{"ss25.deployed/Vypolzovo", "SS-25", "Vypolzovo"},
}

// ruSilos are silo launchers: the series is every silo at the base; those
// without a deployed missile are non-deployed.
var ruSilos = []struct{ series, typ, site string }{
	{"ss18.silos/Dombarovsky", "SS-18", "Dombarovsky"},
	{"ss18.silos/Uzhur", "SS-18", "Uzhur"},
	{"ss19.silos/Kozelsk", "SS-19", "Kozelsk"},
	{"ss19.silos/Tatishchevo", "SS-19", "Tatishchevo"},
	{"ss27.silos/Tatishchevo", "SS-27", "Tatishchevo"},
	{"rs24s.silos/Kozelsk", "RS-24 (silo)", "Kozelsk"},
}

// ruStocks are missile types whose series is every missile of the type;
// those not deployed are kept at site.
var ruStocks = []struct {
	series, typ, site string
	kind              forces.Kind
}{
	{"ss18.missiles", "SS-18", "Dombarovsky", forces.ICBM},
	{"ss19.missiles", "SS-19", "Tatishchevo", forces.ICBM},
	{"ss25.missiles", "SS-25", "Piban'shur", forces.ICBM},
	{"ssn18.missiles", "SS-N-18", "Vilyuchinsk", forces.SLBM},
	{"ssn23.missiles", "SS-N-23", "Gadzhiyevo", forces.SLBM},
}

// ruBoat is one ballistic-missile submarine: when it comes into
// accountability (launched), where it is and how many of its tubes hold a
// missile from each date, and when its tubes are eliminated.
type ruBoat struct {
	key, class, slbm string
	tubes            int
	from, until      civil.Date // until: zero for a boat still in service
	states           []boatState
}

type boatState struct {
	from   civil.Date
	site   string
	active bool // in service (status deployed), not in reserve or overhaul
	loaded int  // tubes holding a deployed missile
}

func bs(from, site string, active bool, loaded int) boatState {
	return boatState{civil.MustParse(from), site, active, loaded}
}

// ruBoats is a synthetic fleet shaped on public accounts [R]: dates of
// launch and commissioning as recalled, overhauls and loadings chosen.
var ruBoats = []ruBoat{
	{key: "d3-1", class: "Delta III", slbm: "SS-N-18", tubes: 16, from: entryIntoForce, until: civil.MustParse("2014-01-01"),
		states: []boatState{bs("2011-02-05", "Vilyuchinsk", true, 16), bs("2012-09-01", "Vilyuchinsk", false, 0)}},
	{key: "d3-2", class: "Delta III", slbm: "SS-N-18", tubes: 16, from: entryIntoForce, until: civil.MustParse("2016-01-01"),
		states: []boatState{bs("2011-02-05", "Vilyuchinsk", true, 16), bs("2014-09-01", "Vilyuchinsk", false, 0)}},
	{key: "d3-3", class: "Delta III", slbm: "SS-N-18", tubes: 16, from: entryIntoForce, until: civil.MustParse("2019-01-01"),
		states: []boatState{bs("2011-02-05", "Vilyuchinsk", true, 16), bs("2017-09-01", "Vilyuchinsk", false, 0)}},
	{key: "d3-4", class: "Delta III", slbm: "SS-N-18", tubes: 16, from: entryIntoForce, until: civil.MustParse("2021-01-01"),
		states: []boatState{bs("2011-02-05", "Gadzhiyevo", false, 0), bs("2013-03-01", "Gadzhiyevo", true, 16), bs("2016-03-01", "Vilyuchinsk", true, 16), bs("2019-09-01", "Vilyuchinsk", false, 0)}},
	{key: "d4-1", class: "Delta IV", slbm: "SS-N-23", tubes: 16, from: entryIntoForce,
		states: []boatState{bs("2011-02-05", "Severodvinsk", false, 0), bs("2015-09-01", "Gadzhiyevo", true, 16)}},
	{key: "d4-2", class: "Delta IV", slbm: "SS-N-23", tubes: 16, from: entryIntoForce,
		states: []boatState{bs("2011-02-05", "Gadzhiyevo", true, 16), bs("2012-03-01", "Severodvinsk", false, 0), bs("2014-09-01", "Gadzhiyevo", true, 16)}},
	{key: "d4-3", class: "Delta IV", slbm: "SS-N-23", tubes: 16, from: entryIntoForce,
		states: []boatState{bs("2011-02-05", "Gadzhiyevo", true, 16), bs("2016-03-01", "Severodvinsk", false, 0), bs("2018-03-01", "Gadzhiyevo", true, 16)}},
	{key: "d4-4", class: "Delta IV", slbm: "SS-N-23", tubes: 16, from: entryIntoForce,
		states: []boatState{bs("2011-02-05", "Gadzhiyevo", true, 16), bs("2018-03-01", "Severodvinsk", false, 0), bs("2020-09-01", "Gadzhiyevo", true, 16)}},
	{key: "d4-5", class: "Delta IV", slbm: "SS-N-23", tubes: 16, from: entryIntoForce,
		states: []boatState{bs("2011-02-05", "Gadzhiyevo", true, 16), bs("2020-09-01", "Severodvinsk", false, 0), bs("2022-03-01", "Gadzhiyevo", true, 16)}},
	{key: "d4-6", class: "Delta IV", slbm: "SS-N-23", tubes: 16, from: entryIntoForce,
		states: []boatState{bs("2011-02-05", "Gadzhiyevo", true, 16), bs("2013-09-01", "Gadzhiyevo", false, 0), bs("2014-03-01", "Gadzhiyevo", true, 16), bs("2022-09-01", "Severodvinsk", false, 0)}},
	{key: "ty-1", class: "Typhoon", slbm: "SS-N-20", tubes: 20, from: entryIntoForce,
		states: []boatState{bs("2011-02-05", "Severodvinsk", true, 0)}},
	{key: "ty-2", class: "Typhoon", slbm: "SS-N-20", tubes: 20, from: entryIntoForce, until: civil.MustParse("2015-01-01"),
		states: []boatState{bs("2011-02-05", "Severodvinsk", false, 0)}},
	{key: "ty-3", class: "Typhoon", slbm: "SS-N-20", tubes: 20, from: entryIntoForce, until: civil.MustParse("2015-06-01"),
		states: []boatState{bs("2011-02-05", "Severodvinsk", false, 0)}},
	{key: "b-1", class: "Borei", slbm: "SS-N-32", tubes: 16, from: entryIntoForce,
		states: []boatState{bs("2011-02-05", "Severodvinsk", false, 0), bs("2013-03-01", "Severodvinsk", true, 0), bs("2013-09-01", "Gadzhiyevo", true, 0), bs("2014-09-01", "Gadzhiyevo", true, 16)}},
	{key: "b-2", class: "Borei", slbm: "SS-N-32", tubes: 16, from: entryIntoForce,
		states: []boatState{bs("2011-02-05", "Severodvinsk", false, 0), bs("2014-03-01", "Severodvinsk", true, 0), bs("2015-09-01", "Vilyuchinsk", true, 0), bs("2016-03-01", "Vilyuchinsk", true, 16)}},
	{key: "b-3", class: "Borei", slbm: "SS-N-32", tubes: 16, from: civil.MustParse("2012-12-30"),
		states: []boatState{bs("2012-12-30", "Severodvinsk", false, 0), bs("2015-03-01", "Severodvinsk", true, 0), bs("2016-09-01", "Vilyuchinsk", true, 0), bs("2017-03-01", "Vilyuchinsk", true, 16)}},
	{key: "b-4", class: "Borei", slbm: "SS-N-32", tubes: 16, from: civil.MustParse("2017-11-17"),
		states: []boatState{bs("2017-11-17", "Severodvinsk", false, 0), bs("2020-09-01", "Gadzhiyevo", true, 16)}},
	{key: "b-5", class: "Borei", slbm: "SS-N-32", tubes: 16, from: civil.MustParse("2021-07-30"),
		states: []boatState{bs("2021-07-30", "Severodvinsk", false, 0), bs("2022-03-01", "Severodvinsk", true, 0), bs("2022-09-01", "Vilyuchinsk", true, 16)}},
	{key: "b-6", class: "Borei", slbm: "SS-N-32", tubes: 16, from: civil.MustParse("2021-12-25"),
		states: []boatState{bs("2021-12-25", "Severodvinsk", false, 0), bs("2023-01-01", "Severodvinsk", true, 0)}},
	{key: "b-7", class: "Borei", slbm: "SS-N-32", tubes: 16, from: civil.MustParse("2022-12-29"),
		states: []boatState{bs("2022-12-29", "Severodvinsk", false, 0)}},
}

func (bt ruBoat) at(d civil.Date) (boatState, bool) {
	if d < bt.from || (bt.until != 0 && d >= bt.until) {
		return boatState{}, false
	}
	st := bt.states[0]
	for _, s := range bt.states {
		if s.from <= d {
			st = s
		}
	}
	return st, true
}

var ruBoatDetail = detail{prov: Synthetic, note: "synthetic fleet: launch and commissioning dates as recalled [R], overhauls and loadings chosen"}

func ruCompose(b *builder, t targets) {
	c := b.c
	I, IL, S, SL, HB := forces.ICBM, forces.ICBMLauncher, forces.SLBM, forces.SLBMLauncher, forces.HeavyBomber
	dep, nd, test := forces.Deployed, forces.NonDeployed, forces.Test
	deployed := map[string]int{} // by type as written
	depAt := map[[2]string]int{}
	for _, x := range ruDeployed {
		v := b.v(x.series)
		b.pair(I, x.typ, x.site, v)
		deployed[x.typ] += v.n
		depAt[[2]string{x.typ, x.site}] += v.n
	}
	for _, x := range ruSilos {
		silos := b.n(x.series)
		d := depAt[[2]string{x.typ, x.site}]
		b.add(IL, x.typ, nd, x.site, synthetic(silos-d, "the base's %d silos less the %d deployed", silos, d))
	}
	b.add(IL, "RS-24 (mobile)", test, "Plesetsk", b.v("rs24m.test/Plesetsk"))
	b.add(IL, "SS-27", test, "Plesetsk", b.v("ss27.test/Plesetsk"))
	b.add(IL, "SS-25", test, "Plesetsk", b.v("ss25.test/Plesetsk"))
	b.add(I, "RS-24 (mobile)", nd, "Votkinsk", b.v("rs24m.nondeployed/Votkinsk"))

	// Submarines and their tubes.
	for _, bt := range ruBoats {
		st, ok := bt.at(c.date)
		if !ok {
			continue
		}
		status := nd
		if st.active {
			status = dep
		}
		c.item(bt.key, slot{kind: forces.Submarine, typ: bt.class, status: status, site: st.site}, ruBoatDetail)
		for tube := 1; tube <= bt.tubes; tube++ {
			ts := nd
			if tube <= st.loaded {
				ts = dep
			}
			c.item(fmt.Sprintf("%s/t%02d", bt.key, tube), slot{kind: SL, typ: bt.slbm, status: ts, site: st.site, carrier: bt.key}, ruBoatDetail)
		}
		if st.loaded > 0 {
			b.add(S, bt.slbm, dep, st.site, value{st.loaded, ruBoatDetail})
			deployed[bt.slbm] += st.loaded
		}
	}
	b.add(S, "SS-N-32", nd, "Severodvinsk", b.v("ssn32.nondeployed/Severodvinsk"))
	for _, x := range ruStocks {
		all := b.n(x.series)
		b.add(x.kind, x.typ, nd, x.site, synthetic(all-deployed[x.typ], "the %d %s less the %d deployed", all, x.typ, deployed[x.typ]))
	}
	if b.err != nil {
		return
	}

	// Heavy bombers: the deployed are what the deployed delivery vehicles
	// leave after the missiles.
	ddv, _, _ := c.totals()
	bombers := int(t.get(DeployedDeliveryVehicles) - ddv)
	tu95, tu160 := b.n("tu95.total"), b.n("tu160.total")
	if bombers < 0 || bombers > tu95+tu160 {
		b.fail(fmt.Errorf("RU %s: the missiles leave %d deployed heavy bombers, out of %d", c.date, bombers, tu95+tu160))
		return
	}
	t160 := min(b.n("tu160.deployed/Engels"), bombers)
	t95 := bombers - t160
	if t95 > tu95 {
		t160 += t95 - tu95
		t95 = tu95
	}
	note := "the official deployed delivery vehicles (%d) less the deployed missiles (%d): %d deployed heavy bombers"
	args := []any{t.get(DeployedDeliveryVehicles), ddv, bombers}
	b.add(HB, "Tu-160", dep, "Engels", synthetic(t160, note, args...))
	b.add(HB, "Tu-160", nd, "Kazan", synthetic(tu160-t160, "the %d Tu-160 less the %d deployed", tu160, t160))
	bases := split(t95, []float64{2, 3})
	b.add(HB, "Tu-95MS", dep, "Engels", synthetic(bases[0], note, args...))
	b.add(HB, "Tu-95MS", dep, "Ukrainka", synthetic(bases[1], note, args...))
	b.add(HB, "Tu-95MS", nd, "Taganrog", synthetic(tu95-t95, "the %d Tu-95MS less the %d deployed", tu95, t95))

	// The launchers the official total leaves are SS-25 launchers
	// withdrawn and awaiting elimination at Piban'shur: as many as the last
	// declaration left there plus those withdrawn since, at most. Any more
	// are new RS-24 launchers not yet deployed, at Votkinsk.
	_, launchers, _ := c.totals()
	left := int(t.get(DeployedAndNondeployedLaunchers) - launchers)
	if left < 0 {
		b.fail(fmt.Errorf("RU %s: %d launchers more than the official %d", c.date, -left, t.get(DeployedAndNondeployedLaunchers)))
		return
	}
	ss25, rs24 := left, 0
	if p := b.prev; p != nil {
		// New launchers left from before wait for the next RS-24
		// deployments; SS-25 launchers arrive only as they are withdrawn.
		room := p.counts[ss25Waiting] + max(0, deployedOf(p, "SS-25")-deployedOf(c, "SS-25"))
		keep := max(0, p.counts[rs24Waiting]-max(0, deployedOf(c, "RS-24 (mobile)")-deployedOf(p, "RS-24 (mobile)")))
		rs24 = min(left, max(left-room, keep))
		ss25 = left - rs24
	}
	note = "the official launchers (%d) less all others (%d): %d left, %d of them SS-25 launchers withdrawn and awaiting elimination, %d new RS-24 launchers not yet deployed"
	args = []any{t.get(DeployedAndNondeployedLaunchers), launchers, left, ss25, rs24}
	b.add(IL, "SS-25", nd, "Piban'shur", synthetic(ss25, note, args...))
	b.add(IL, "RS-24 (mobile)", nd, "Votkinsk", synthetic(rs24, note, args...))
	c.notes = append(c.notes, fmt.Sprintf("%d deployed heavy bombers, %d SS-25 launchers awaiting elimination and %d new RS-24 launchers not yet deployed, so that the totals add up", bombers, ss25, rs24))
}

var (
	ss25Waiting = slot{kind: forces.ICBMLauncher, typ: "SS-25", status: forces.NonDeployed, site: "Piban'shur"}
	rs24Waiting = slot{kind: forces.ICBMLauncher, typ: "RS-24 (mobile)", status: forces.NonDeployed, site: "Votkinsk"}
)

func deployedOf(c *composition, typ string) int {
	n := 0
	for s, k := range c.counts {
		if s.kind == forces.ICBMLauncher && s.typ == typ && s.status == forces.Deployed {
			n += k
		}
	}
	return n
}

// ruLoads: Russia's per-missile loadings are not public; these bounds are
// recalled [R] (SS-18 up to 10, SS-19 6, RS-24 4, SS-N-23 4, SS-N-32 6,
// SS-N-18 3) and the loadings within them are chosen so that the warheads
// add up to the official total.
func ruLoads(d civil.Date) []loadRule {
	return []loadRule{
		{typ: "RS-24", min: 2, nominal: 4, max: 4},
		{typ: "SS-N-23", min: 2, nominal: 4, max: 4},
		{typ: "SS-19", min: 3, nominal: 6, max: 6},
		{typ: "SS-N-32", min: 3, nominal: 6, max: 6},
		{typ: "SS-18", min: 5, nominal: 10, max: 10},
		{typ: "SS-N-18", min: 1, nominal: 3, max: 3},
		{typ: "SS-25", min: 1, nominal: 1, max: 1},
		{typ: "SS-27", min: 1, nominal: 1, max: 1},
	}
}
