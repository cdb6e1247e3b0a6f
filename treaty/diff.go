package treaty

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Change is one difference between two treaties, in words.
type Change struct {
	// Section is what changed: treaty, party, date, covers, total,
	// containment, rule, limit, notification, inspection, proposal.
	Section string `json:"section"`
	ID      string `json:"id,omitempty"`
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
	// Text is the change as a sentence: "deployed warheads: 1,550 → 500".
	Text string `json:"text"`
}

// Diff lists what changed from a to b: limits (values, ranges, dates,
// phases), rules (by the sentence each rule carries, or its expressions
// when the sentence stayed the same), dates, parties, totals, containment,
// notification and inspection data, the proposal block and linkage.
// Entries are matched by id. A changed rule is also said per total, in
// words: "a deployed heavy bomber counts toward deployed-warheads: 1
// warhead → the warheads it is equipped for (...)".
func Diff(a, b *Treaty) []Change {
	d := &differ{}
	d.str("treaty", "", "name", a.Name, b.Name)
	d.str("treaty", "", "short name", a.Short, b.Short)
	d.str("treaty", "", "kind", string(a.Kind), string(b.Kind))
	d.parties(a, b)
	d.dates(a, b)
	d.str("covers", "", "kinds counted", kindsList(a), kindsList(b))
	d.totals(a, b)
	d.containment(a, b)
	d.rules(a, b)
	d.limits(a, b)
	d.notifications(a, b)
	d.inspections(a, b)
	d.proposal(a, b)
	d.linkage(a, b)
	return d.out
}

type differ struct{ out []Change }

func (d *differ) add(section, id, from, to, text string) {
	d.out = append(d.out, Change{Section: section, ID: id, From: from, To: to, Text: text})
}

// str records a changed value; what names it in the sentence.
func (d *differ) str(section, id, what, from, to string) {
	if from == to {
		return
	}
	d.add(section, id, from, to, fmt.Sprintf("%s: %s → %s", what, orNone(from), orNone(to)))
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func kindsList(t *Treaty) string {
	ks := make([]string, len(t.Covers))
	for i, k := range t.Covers {
		ks[i] = string(k)
	}
	return strings.Join(ks, ", ")
}

// matched calls f for each id of as and bs: (a, nil) removed, (nil, b)
// added, (a, b) in both; in a's order, then b's new ones.
func matched[T any](as, bs []T, id func(*T) string, f func(a, b *T)) {
	inB := map[string]*T{}
	for i := range bs {
		inB[id(&bs[i])] = &bs[i]
	}
	inA := map[string]bool{}
	for i := range as {
		x := &as[i]
		inA[id(x)] = true
		f(x, inB[id(x)])
	}
	for i := range bs {
		if !inA[id(&bs[i])] {
			f(nil, &bs[i])
		}
	}
}

func (d *differ) parties(a, b *Treaty) {
	matched(a.Parties, b.Parties, func(p *Party) string { return p.ID }, func(x, y *Party) {
		switch {
		case y == nil:
			d.add("party", x.ID, x.Name, "", fmt.Sprintf("party %s (%s) removed", x.ID, x.Name))
		case x == nil:
			d.add("party", y.ID, "", y.Name, fmt.Sprintf("party %s (%s) added", y.ID, y.Name))
		default:
			d.str("party", x.ID, "party "+x.ID+" name", x.Name, y.Name)
			d.str("party", x.ID, "party "+x.ID+" aliases", strings.Join(x.Aliases, ", "), strings.Join(y.Aliases, ", "))
		}
	})
}

func dated(x *Dated) string {
	if x == nil {
		return ""
	}
	return x.Date.String()
}

func (d *differ) dates(a, b *Treaty) {
	da, db := &a.Dates, &b.Dates
	d.str("date", "signature", "signature", dated(da.Signature), dated(db.Signature))
	d.str("date", "entry_into_force", "entry into force", dated(da.EntryIntoForce), dated(db.EntryIntoForce))
	d.str("date", "reduction_deadline", "reduction deadline", dated(da.ReductionDeadline), dated(db.ReductionDeadline))
	d.str("date", "expiry", "expiry (first day with no treaty)", dated(da.Expiry), dated(db.Expiry))
	ext := func(t *Treaty) string {
		var s []string
		for _, e := range t.Dates.Extensions {
			s = append(s, fmt.Sprintf("%s to %s (agreed %s)", e.From, e.To, e.Agreed))
		}
		return strings.Join(s, "; ")
	}
	d.str("date", "extensions", "extensions", ext(a), ext(b))
	sup := func(t *Treaty) string {
		if s := t.Dates.SupersededBy; s != nil {
			return fmt.Sprintf("%s on %s", s.Treaty, s.Date)
		}
		return ""
	}
	d.str("date", "superseded_by", "superseded by", sup(a), sup(b))
}

func (d *differ) totals(a, b *Treaty) {
	matched(a.Totals, b.Totals, func(t *Total) string { return t.ID }, func(x, y *Total) {
		switch {
		case y == nil:
			d.add("total", x.ID, x.Name, "", fmt.Sprintf("total %s (%s) removed", x.ID, x.Name))
		case x == nil:
			d.add("total", y.ID, "", y.Name, fmt.Sprintf("total %s (%s) added", y.ID, y.Name))
		default:
			d.str("total", x.ID, "total "+x.ID, x.Name, y.Name)
			d.str("total", x.ID, "total "+x.ID+" unit", x.Unit, y.Unit)
		}
	})
}

func containmentWords(c *Containment) string {
	s := fmt.Sprintf("%s in %s", c.Item, c.In)
	if c.Match == "carrier" {
		s += ", by carrier only"
	}
	if len(c.Statuses) > 0 {
		st := make([]string, len(c.Statuses))
		for i, x := range c.Statuses {
			st[i] = string(x)
		}
		s += ", when " + strings.Join(st, " or ")
	}
	if c.AssumeLoaded {
		s += ", every empty " + string(c.In) + " taken to hold one"
	}
	return s
}

func (d *differ) containment(a, b *Treaty) {
	matched(a.Containment, b.Containment, func(c *Containment) string { return string(c.Item) }, func(x, y *Containment) {
		switch {
		case y == nil:
			d.add("containment", string(x.Item), containmentWords(x), "", "containment removed: "+containmentWords(x))
		case x == nil:
			d.add("containment", string(y.Item), "", containmentWords(y), "containment added: "+containmentWords(y))
		default:
			d.str("containment", string(x.Item), "containment", containmentWords(x), containmentWords(y))
		}
	})
}

func countsWords(r *Rule) string {
	keys := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var s []string
	for _, k := range keys {
		s = append(s, fmt.Sprintf("%s: %s", k, r.Counts[k]))
	}
	return strings.Join(s, "; ")
}

func quotaWords(q *Quota) string {
	if q == nil {
		return ""
	}
	var ord []string
	for _, o := range q.Order {
		w := string(o.By)
		if o.Descending {
			w += " descending"
		}
		ord = append(ord, w)
	}
	return fmt.Sprintf("first %s by %s count %s toward %s, the rest %s", fmtInt(q.First), strings.Join(ord, ", "), q.Units, q.Total, q.Rest)
}

func (d *differ) rules(a, b *Treaty) {
	idxA, idxB := map[*Rule]int{}, map[*Rule]int{}
	for i := range a.Rules {
		idxA[&a.Rules[i]] = i
	}
	for i := range b.Rules {
		idxB[&b.Rules[i]] = i
	}
	matched(a.Rules, b.Rules, func(r *Rule) string { return r.ID }, func(x, y *Rule) {
		switch {
		case y == nil:
			d.add("rule", x.ID, x.Says, "", fmt.Sprintf("rule %s removed: %s", x.ID, x.Says))
			return
		case x == nil:
			d.add("rule", y.ID, "", y.Says, fmt.Sprintf("rule %s added: %s", y.ID, y.Says))
			return
		}
		if x.Says != y.Says {
			d.add("rule", x.ID, x.Says, y.Says, fmt.Sprintf("rule %s: %q → %q", x.ID, x.Says, y.Says))
		}
		// What each item counts, toward each total, in words: "a deployed
		// heavy bomber counts: 1 warhead → the warheads it is equipped for".
		subject := b.ruleSubject(idxB[y])
		for _, k := range countKeys(x, y) {
			ex, inX := x.Counts[k]
			ey, inY := y.Counts[k]
			if inX && inY && strings.TrimSpace(string(ex)) == strings.TrimSpace(string(ey)) {
				continue
			}
			wx, wy := "nothing", "nothing"
			if inX {
				wx = unitsWords(ex, totalUnit(a, k))
			}
			if inY {
				wy = unitsWords(ey, totalUnit(b, k))
			}
			d.add("rule", x.ID, string(ex), string(ey), fmt.Sprintf("%s counts toward %s: %s → %s (rule %s)", subject, k, wx, wy, x.ID))
		}
		if strings.TrimSpace(string(x.When)) != strings.TrimSpace(string(y.When)) {
			d.add("rule", x.ID, string(x.When), string(y.When), fmt.Sprintf("rule %s applies when: %s → %s", x.ID, x.When, y.When))
		}
		d.str("rule", x.ID, "rule "+x.ID+" quota", quotaWords(x.Quota), quotaWords(y.Quota))
		d.str("rule", x.ID, "rule "+x.ID+" applies to parties", orAll(x.Parties), orAll(y.Parties))
		if x.Says == y.Says {
			// The same sentence over changed expressions: flag it, so that a
			// silent change of meaning shows.
			exprs := func(r *Rule) string {
				s := fmt.Sprintf("when %s; counts %s", r.When, countsWords(r))
				if r.Quota != nil {
					s += "; quota " + quotaWords(r.Quota)
				}
				if len(r.Parties) > 0 {
					s += "; parties " + strings.Join(r.Parties, ", ")
				}
				return s
			}
			if ex, ey := exprs(x), exprs(y); ex != ey {
				d.add("rule", x.ID, ex, ey, fmt.Sprintf("rule %s (%q): its expressions changed, its sentence did not: %s → %s", x.ID, x.Says, ex, ey))
			}
		}
	})
}

func orAll(ps []string) string {
	if len(ps) == 0 {
		return "all"
	}
	return strings.Join(ps, ", ")
}

// countKeys is the totals either rule counts toward, sorted.
func countKeys(x, y *Rule) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range []*Rule{x, y} {
		for k := range r.Counts {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

func totalUnit(t *Treaty, id string) string {
	if x, ok := t.TotalByID(id); ok {
		return x.Unit
	}
	return "units"
}

// singular turns a plural unit into its singular when it is a simple noun
// phrase ("warheads" → "warhead", "delivery vehicles" → "delivery
// vehicle"); a compound unit ("launchers and heavy bombers") stays.
func singular(unit string) string {
	if strings.Contains(unit, " and ") || strings.Contains(unit, " or ") || !strings.HasSuffix(unit, "s") {
		return unit
	}
	return strings.TrimSuffix(unit, "s")
}

var (
	intLiteral = regexp.MustCompile(`^\d+$`)
	typeAttr   = regexp.MustCompile(`^type\.(?:\?)?([a-z_][a-z0-9_]*)(?:\.orValue\(\d+\))?$`)
	statusEq   = regexp.MustCompile(`item\.status\s*==\s*['"]([a-z-]+)['"]`)
)

// unitsWords says in words what a units expression counts per item, for
// the common forms; any other expression is quoted as written.
func unitsWords(e Expr, unit string) string {
	src := strings.TrimSpace(string(e))
	switch {
	case intLiteral.MatchString(src):
		if src == "1" {
			return "1 " + singular(unit)
		}
		return src + " " + unit
	case src == "item.warheads":
		return "the " + unit + " actually on it (item.warheads)"
	}
	if m := typeAttr.FindStringSubmatch(src); m != nil {
		switch m[1] {
		case "alcms":
			return "the " + unit + " it is equipped for (its long-range nuclear ALCMs, type.alcms)"
		case "attributed":
			return "the " + unit + " attributed to its type (type.attributed)"
		}
		return fmt.Sprintf("its type's %s (%s)", m[1], src)
	}
	return "`" + src + "`"
}

var kindWords = map[string]string{
	"icbm": "ICBM", "icbm-launcher": "ICBM launcher", "slbm": "SLBM", "slbm-launcher": "SLBM launcher",
	"submarine": "submarine", "heavy-bomber": "heavy bomber", "warhead": "warhead",
}

// ruleSubject names what rule i applies to, from the kinds its condition
// can match and the status it requires: "a deployed heavy bomber", "an
// ICBM or SLBM", "an item".
func (t *Treaty) ruleSubject(i int) string {
	if t.compiled == nil || i < 0 || i >= len(t.Rules) {
		return "an item"
	}
	var kinds []string
	for _, cr := range t.compiled.Rules {
		if cr.Index == i && cr.When.Expr != nil {
			for _, k := range cr.When.Kinds() {
				kinds = append(kinds, kindWords[string(k)])
			}
		}
	}
	noun := "item"
	if len(kinds) > 0 {
		noun = strings.Join(kinds, " or ")
	}
	if m := statusEq.FindAllStringSubmatch(string(t.Rules[i].When), -1); len(m) == 1 && !strings.Contains(string(t.Rules[i].When), "!") {
		noun = m[0][1] + " " + noun
	}
	return article(noun) + " " + noun
}

// article is "an" before a vowel sound ("an ICBM", "an SLBM", "an item"),
// "a" otherwise.
func article(noun string) string {
	if noun == "" {
		return "a"
	}
	switch noun[0] {
	case 'a', 'e', 'i', 'o', 'u', 'I', 'S':
		return "an"
	}
	return "a"
}

// limitWords renders a limit's bound: "1,550" or "1,700–2,200".
func limitWords(max int64, min *int64) string {
	if min != nil {
		return fmtInt(*min) + "–" + fmtInt(max)
	}
	return fmtInt(max)
}

func (t *Treaty) limitStart(i int) string {
	if i >= len(t.starts) || len(t.starts[i].steps) == 0 {
		return ""
	}
	st := t.starts[i].steps[len(t.starts[i].steps)-1]
	return when(st)
}

func phasesWords(l *Limit) string {
	var s []string
	for _, p := range l.Phases {
		at := ""
		switch {
		case p.From != nil:
			at = "from " + p.From.String()
		case p.MonthsAfterEIF != nil:
			at = fmt.Sprintf("%d months after entry into force", *p.MonthsAfterEIF)
		}
		s = append(s, fmt.Sprintf("%s %s", limitWords(p.Max, p.Min), at))
	}
	return strings.Join(s, "; ")
}

func (d *differ) limits(a, b *Treaty) {
	idxA, idxB := map[*Limit]int{}, map[*Limit]int{}
	for i := range a.Limits {
		idxA[&a.Limits[i]] = i
	}
	for i := range b.Limits {
		idxB[&b.Limits[i]] = i
	}
	matched(a.Limits, b.Limits, func(l *Limit) string { return l.ID }, func(x, y *Limit) {
		switch {
		case y == nil:
			d.add("limit", x.ID, limitWords(x.Max, x.Min), "", fmt.Sprintf("%s: limit removed (was %s)", x.Name, limitWords(x.Max, x.Min)))
		case x == nil:
			d.add("limit", y.ID, "", limitWords(y.Max, y.Min), fmt.Sprintf("%s: limit added, %s %s", y.Name, limitWords(y.Max, y.Min), b.limitStart(idxB[y])))
		default:
			d.str("limit", x.ID, x.Name, limitWords(x.Max, x.Min), limitWords(y.Max, y.Min))
			d.str("limit", x.ID, x.Name+": binding", a.limitStart(idxA[x]), b.limitStart(idxB[y]))
			until := func(l *Limit) string {
				if l.Until != nil {
					return l.Until.String()
				}
				return ""
			}
			d.str("limit", x.ID, x.Name+": no longer binding from", until(x), until(y))
			d.str("limit", x.ID, x.Name+": phases", phasesWords(x), phasesWords(y))
			d.str("limit", x.ID, x.Name+": total", x.Total, y.Total)
			d.str("limit", x.ID, x.Name+": sublimit of", x.Within, y.Within)
		}
	})
}

func (d *differ) notifications(a, b *Treaty) {
	words := func(n *Notification) string {
		s := fmt.Sprintf("%s, within %d days", n.Kind, n.WithinDays)
		if len(n.AsOf) > 0 {
			s += ", as of " + strings.Join(n.AsOf, " and ")
		}
		if len(n.Excludes) > 0 {
			s += ", never " + strings.Join(n.Excludes, ", ")
		}
		return s
	}
	matched(a.Notifications, b.Notifications, func(n *Notification) string { return n.ID }, func(x, y *Notification) {
		switch {
		case y == nil:
			d.add("notification", x.ID, words(x), "", fmt.Sprintf("notification %s removed: %s", x.ID, x.Says))
		case x == nil:
			d.add("notification", y.ID, "", words(y), fmt.Sprintf("notification %s added: %s", y.ID, y.Says))
		default:
			d.str("notification", x.ID, "notification "+x.ID, words(x), words(y))
		}
	})
}

func (d *differ) inspections(a, b *Treaty) {
	matched(a.Inspections, b.Inspections, func(n *Inspection) string { return n.ID }, func(x, y *Inspection) {
		switch {
		case y == nil:
			d.add("inspection", x.ID, fmt.Sprint(x.PerYear), "", fmt.Sprintf("%s removed (%d a year)", x.Name, x.PerYear))
		case x == nil:
			d.add("inspection", y.ID, "", fmt.Sprint(y.PerYear), fmt.Sprintf("%s added (%d a year)", y.Name, y.PerYear))
		default:
			d.str("inspection", x.ID, x.Name+" a year", fmt.Sprint(x.PerYear), fmt.Sprint(y.PerYear))
		}
	})
}

func (d *differ) proposal(a, b *Treaty) {
	get := func(t *Treaty) (author, party, parent, note string) {
		if p := t.Proposal; p != nil {
			return p.Author, p.Party, p.Parent, p.Note
		}
		return "", "", "", ""
	}
	aa, apy, ap, an := get(a)
	ba, bpy, bp, bn := get(b)
	d.str("proposal", "author", "proposed by", aa, ba)
	d.str("proposal", "party", "proposing party", apy, bpy)
	d.str("proposal", "parent", "derives from", ap, bp)
	d.str("proposal", "note", "proposal note", an, bn)
}

func declaredWords(tc *Tracked) string {
	var s []string
	for _, x := range tc.Declared {
		s = append(s, fmt.Sprintf("%s from %s", fmtInt(x.Value), x.Date))
	}
	return strings.Join(s, "; ")
}

func (d *differ) linkage(a, b *Treaty) {
	matched(a.Tracked, b.Tracked, func(x *Tracked) string { return x.ID }, func(x, y *Tracked) {
		switch {
		case y == nil:
			d.add("tracked", x.ID, x.Name, "", fmt.Sprintf("tracked category %s (%s) removed", x.ID, x.Name))
		case x == nil:
			d.add("tracked", y.ID, "", y.Name, fmt.Sprintf("tracked category %s added: %s, in %s (%s)", y.ID, y.Name, y.Unit, orNone(declaredWords(y))))
		default:
			d.str("tracked", x.ID, "tracked "+x.ID, x.Name, y.Name)
			d.str("tracked", x.ID, "tracked "+x.ID+" numbers", declaredWords(x), declaredWords(y))
		}
	})
	words := func(t *Treaty, c *Clause) string {
		return fmt.Sprintf("if %s, then %s", c.If.Words(t), c.Then.Words(t))
	}
	matched(a.Linked, b.Linked, func(c *Clause) string { return c.ID }, func(x, y *Clause) {
		switch {
		case y == nil:
			d.add("linked", x.ID, words(a, x), "", fmt.Sprintf("linked clause %s removed: %s", x.ID, words(a, x)))
		case x == nil:
			d.add("linked", y.ID, "", words(b, y), fmt.Sprintf("linked clause %s added: %s", y.ID, words(b, y)))
		default:
			d.str("linked", x.ID, "linked clause "+x.ID, words(a, x), words(b, y))
		}
	})
}
