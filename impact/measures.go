package impact

import (
	"github.com/tally-project/tally/forces"
)

// step is one class of candidate a plan tries, in order: a measure and
// the units it applies to.
type step struct {
	measure Measure
	name    string
	applies func(u *unit) bool
}

func deployed(u *unit) bool { return u.l.Status == forces.Deployed }

func gone(st forces.Status) bool { return st == forces.Converted || st == forces.Eliminated }

// steps are the classes of candidate, least drastic first: take warheads
// off missiles; give up launchers and bombers that are not deployed; then
// deployed ones, submarines' tubes before bombers before silos; last, any
// other item that counts.
var steps = []step{
	{Download, "download warheads", func(u *unit) bool { return u.class == loaded }},
	{Eliminate, "eliminate non-deployed ICBM launchers", func(u *unit) bool {
		return u.class == empty && u.kind() == forces.ICBMLauncher && !deployed(u) && u.l.Status != forces.Eliminated
	}},
	{Convert, "convert non-deployed SLBM launchers", func(u *unit) bool {
		return u.class == empty && u.kind() == forces.SLBMLauncher && !deployed(u) && !gone(u.l.Status)
	}},
	{Convert, "convert non-deployed heavy bombers", func(u *unit) bool {
		return u.class == item && u.kind() == forces.HeavyBomber && !deployed(u) && !gone(u.l.Status)
	}},
	{Eliminate, "eliminate empty deployed ICBM launchers", func(u *unit) bool {
		return u.class == empty && u.kind() == forces.ICBMLauncher && deployed(u)
	}},
	{Convert, "convert empty deployed SLBM launchers", func(u *unit) bool {
		return u.class == empty && u.kind() == forces.SLBMLauncher && deployed(u)
	}},
	{StandDown, "stand down submarines", func(u *unit) bool {
		return u.class == loaded && u.kind() == forces.SLBMLauncher && deployed(u)
	}},
	{Convert, "convert deployed heavy bombers", func(u *unit) bool {
		return u.class == item && u.kind() == forces.HeavyBomber && deployed(u)
	}},
	{Eliminate, "eliminate deployed ICBM launchers", func(u *unit) bool {
		return u.class == loaded && u.kind() == forces.ICBMLauncher
	}},
	{Eliminate, "eliminate other items", func(u *unit) bool {
		// Bombers a proposal still counts once converted, missiles out of
		// their launchers, submarines, warheads.
		return u.class == item && u.l.Status != forces.Eliminated && (u.kind() != forces.HeavyBomber || gone(u.l.Status))
	}},
}

// apply returns what one item of u becomes under m (nil: it leaves the
// count), and false when m does not apply to u.
func apply(u *unit, m Measure, keep int, site bool, k keyer) ([]*unit, bool) {
	switch m {
	case Download:
		if u.class != loaded || u.warheads() <= keep {
			return nil, false
		}
		return []*unit{downloaded(u, u.warheads()-1, site, k)}, true
	case StandDown:
		if u.kind() != forces.SLBMLauncher || !deployed(u) || u.class == item {
			return nil, false
		}
		tube := with(u.l, forces.NonDeployed, nil)
		out := []*unit{derive(empty, tube, nil, u.sub, site, k)}
		if u.class == loaded {
			out = append(out, derive(item, offload(u.m), nil, nil, site, k))
		}
		return out, true
	case Convert:
		switch {
		case u.class == item && u.kind() == forces.HeavyBomber && !gone(u.l.Status):
			return []*unit{derive(item, with(u.l, forces.Converted, forces.Attrs{"nuclear": false, "alcms": int64(0)}), nil, nil, site, k)}, true
		case u.class == empty && u.kind() == forces.SLBMLauncher && !gone(u.l.Status):
			return []*unit{derive(empty, with(u.l, forces.Converted, nil), nil, u.sub, site, k)}, true
		}
		return nil, false
	case Eliminate:
		switch {
		case u.class == loaded && u.kind() == forces.ICBMLauncher:
			return []*unit{derive(item, offload(u.m), nil, nil, site, k)}, true
		case u.class == empty && u.kind() == forces.ICBMLauncher && u.l.Status != forces.Eliminated:
			return nil, true
		case u.class == item && u.l.Status != forces.Eliminated:
			return nil, true
		}
	}
	return nil, false
}

// downloaded is a loaded launcher whose missile carries w warheads.
func downloaded(u *unit, w int, site bool, k keyer) *unit {
	nm := *u.m
	nm.Warheads = w
	return derive(loaded, u.l, &nm, u.sub, site, k)
}

// rateKind is the kind whose rate a measure on u uses: the missile for a
// download, the launcher or item otherwise.
func rateKind(u *unit, m Measure) (forces.Kind, string) {
	if m == Download {
		return u.m.Kind, u.m.Type
	}
	return u.l.Kind, u.l.Type
}
