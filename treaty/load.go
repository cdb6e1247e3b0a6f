package treaty

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
	"github.com/tally-project/tally/internal/expr"
	"github.com/tally-project/tally/internal/yamlpos"
)

// LoadFile reads and checks the treaty file at path.
func LoadFile(path string) (*Treaty, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse reads and checks a treaty file; name is how errors cite it. On any
// problem it returns every problem found, each with file:line:col and the
// field path (a yamlpos.Errors), and no treaty.
func Parse(name string, data []byte) (*Treaty, error) {
	t := &Treaty{}
	doc, err := yamlpos.Load(name, data, t)
	if err != nil {
		return nil, err
	}
	t.File, t.doc = name, doc
	v := &validator{t: t, doc: doc, lines: strings.Split(string(data), "\n")}
	v.check()
	if err := v.errs.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

type validator struct {
	t     *Treaty
	doc   *yamlpos.Doc
	lines []string
	errs  yamlpos.Errors
}

func (v *validator) errorf(path, format string, args ...any) {
	v.errs = append(v.errs, v.doc.Errorf(path, format, args...))
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func (v *validator) check() {
	t := v.t
	switch {
	case t.Schema == "":
		v.errorf("schema", "missing: the first line of a treaty file is schema: %s", SchemaVersion)
	case t.Schema != SchemaVersion:
		v.errorf("schema", "unsupported schema %q: this tally reads %s", t.Schema, SchemaVersion)
	}
	switch {
	case t.ID == "":
		v.errorf("id", "missing: give the treaty a short id such as new-start")
	case !idPattern.MatchString(t.ID):
		v.errorf("id", "%q is not an id: use lower-case letters, digits and dashes", t.ID)
	}
	if strings.TrimSpace(t.Name) == "" {
		v.errorf("name", "missing")
	}
	switch t.Kind {
	case KindTreaty, KindFramework, KindProposal:
	case "":
		v.errorf("kind", "missing: treaty, framework or proposal")
	default:
		v.errorf("kind", "%q is not a kind: treaty, framework or proposal", t.Kind)
	}
	v.checkParties()
	v.checkDates()
	v.checkCovers()
	v.checkTotals()
	v.t.compiled = &expr.Set{ByKind: map[forces.Kind][]*expr.Rule{}}
	v.checkContainment()
	v.checkRules()
	v.t.compiled.Finish()
	v.checkLimits()
	v.checkNotifications()
	v.checkInspections()
	v.checkProposal()
	v.checkLinkage()
	for i, o := range t.Omitted {
		p := yamlpos.Index("omitted", i)
		if o.What == "" {
			v.errorf(p, "what: missing")
		}
		if o.Why == "" {
			v.errorf(p, "why: missing: say why the provision is not modelled")
		}
		v.source(p, o.Source)
	}
}

// source checks that an entry holding numbers or dates says where they
// come from.
func (v *validator) source(path string, s Source) {
	if strings.TrimSpace(s.Source) == "" {
		v.errorf(path, "no source: every number and date needs source: (a URL) and evidence: (T, O, S or R)")
	}
	switch s.Evidence {
	case EvidenceText, EvidenceOfficial, EvidenceSecondary, EvidenceRecalled:
	case "":
		v.errorf(yamlpos.Join(path, "evidence"), "missing: T (treaty text), O (official), S (secondary) or R (recalled, unconfirmed)")
	default:
		v.errorf(yamlpos.Join(path, "evidence"), "%q is not an evidence tag: T, O, S or R", s.Evidence)
	}
}

// ids reports empty and duplicate ids of a list.
type ids struct {
	v     *validator
	what  string
	first map[string]string
}

func (v *validator) ids(what string) *ids { return &ids{v: v, what: what, first: map[string]string{}} }

func (s *ids) add(path, id string) bool {
	if strings.TrimSpace(id) == "" {
		s.v.errorf(yamlpos.Join(path, "id"), "missing: every %s needs an id", s.what)
		return false
	}
	if prev, dup := s.first[id]; dup {
		s.v.errorf(yamlpos.Join(path, "id"), "duplicate %s id %q (first at line %d)", s.what, id, s.v.doc.Line(prev))
		return false
	}
	s.first[id] = path
	return true
}

func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func (v *validator) checkParties() {
	t := v.t
	t.parties = map[string]*Party{}
	if len(t.Parties) == 0 {
		v.errorf("parties", "missing: list the parties")
	}
	seen := v.ids("party")
	for i := range t.Parties {
		p := &t.Parties[i]
		path := yamlpos.Index("parties", i)
		if !seen.add(path, p.ID) {
			continue
		}
		if p.Name == "" {
			v.errorf(yamlpos.Join(path, "name"), "missing")
		}
		names := append([]string{p.ID}, p.Aliases...)
		for j, n := range names {
			np := yamlpos.Join(path, "id")
			if j > 0 {
				np = yamlpos.Index(yamlpos.Join(path, "aliases"), j-1)
			}
			if strings.TrimSpace(n) == "" {
				v.errorf(np, "an alias cannot be empty")
				continue
			}
			if other, dup := t.parties[upper(n)]; dup {
				if other != p {
					v.errorf(np, "%q already names party %s", n, other.ID)
				}
				continue
			}
			t.parties[upper(n)] = p
		}
	}
}

// resolveParty returns the party id for a name written at path.
func (v *validator) resolveParty(path, name string) (string, bool) {
	if p, ok := v.t.Party(name); ok {
		return p.ID, true
	}
	var known []string
	for _, p := range v.t.Parties {
		known = append(known, p.ID)
		known = append(known, p.Aliases...)
	}
	if s := yamlpos.Suggest(name, known); s != "" {
		v.errorf(path, "unknown party %q (did you mean %q?)", name, s)
	} else {
		v.errorf(path, "unknown party %q: the parties are %s", name, strings.Join(known, ", "))
	}
	return "", false
}

func (v *validator) checkDates() {
	t := v.t
	d := &t.Dates
	dated := []struct {
		key string
		d   *Dated
	}{
		{"signature", d.Signature}, {"entry_into_force", d.EntryIntoForce},
		{"reduction_deadline", d.ReductionDeadline}, {"expiry", d.Expiry},
	}
	for _, x := range dated {
		if x.d != nil {
			v.source(yamlpos.Join("dates", x.key), x.d.Source)
		}
	}
	before := func(aKey string, a *Dated, bKey string, b *Dated, strict bool) {
		if a == nil || b == nil {
			return
		}
		if b.Date < a.Date || (strict && b.Date == a.Date) {
			v.errorf(yamlpos.Join(yamlpos.Join("dates", bKey), "date"), "%s %s is before %s %s", words(bKey), b.Date, words(aKey), a.Date)
		}
	}
	before("signature", d.Signature, "entry_into_force", d.EntryIntoForce, false)
	before("entry_into_force", d.EntryIntoForce, "reduction_deadline", d.ReductionDeadline, true)
	before("entry_into_force", d.EntryIntoForce, "expiry", d.Expiry, true)
	before("signature", d.Signature, "expiry", d.Expiry, true)
	before("reduction_deadline", d.ReductionDeadline, "expiry", d.Expiry, false)
	if d.EntryIntoForce != nil && t.Kind != KindTreaty && t.Kind != "" {
		v.errorf("dates.entry_into_force", "a %s never enters into force: remove entry_into_force, or make the kind treaty", t.Kind)
	}
	if d.ReductionDeadline != nil && d.EntryIntoForce == nil {
		v.errorf("dates.reduction_deadline", "a reduction deadline needs an entry into force")
	}
	for i, e := range d.Extensions {
		p := yamlpos.Index("dates.extensions", i)
		v.source(p, e.Source)
		if e.To <= e.From {
			v.errorf(yamlpos.Join(p, "to"), "the new expiry %s is not after the expiry it replaced, %s", e.To, e.From)
		}
		if e.Agreed > e.From {
			v.errorf(yamlpos.Join(p, "agreed"), "agreed on %s, after the treaty had expired on %s", e.Agreed, e.From)
		}
		if d.EntryIntoForce != nil && e.From <= d.EntryIntoForce.Date {
			v.errorf(yamlpos.Join(p, "from"), "%s is not after entry into force, %s", e.From, d.EntryIntoForce.Date)
		}
		if i > 0 && e.From != d.Extensions[i-1].To {
			v.errorf(yamlpos.Join(p, "from"), "%s does not follow on from the previous extension, which ran to %s", e.From, d.Extensions[i-1].To)
		}
	}
	if n := len(d.Extensions); n > 0 {
		if d.Expiry == nil {
			v.errorf("dates.extensions", "extensions need an expiry: give dates.expiry, the expiry after the last extension")
		} else if last := d.Extensions[n-1].To; last != d.Expiry.Date {
			v.errorf("dates.expiry.date", "expiry %s differs from the end of the last extension, %s", d.Expiry.Date, last)
		}
	}
	if s := d.SupersededBy; s != nil {
		p := "dates.superseded_by"
		v.source(p, s.Source)
		if s.Treaty == "" {
			v.errorf(yamlpos.Join(p, "treaty"), "missing: the id of the treaty that replaced this one")
		} else if s.Treaty == t.ID {
			v.errorf(yamlpos.Join(p, "treaty"), "a treaty cannot supersede itself")
		}
		if d.Signature != nil && s.Date < d.Signature.Date {
			v.errorf(yamlpos.Join(p, "date"), "superseded on %s, before signature on %s", s.Date, d.Signature.Date)
		}
		if d.Expiry != nil && s.Date > d.Expiry.Date {
			v.errorf(yamlpos.Join(p, "date"), "superseded on %s, after it had expired on %s", s.Date, d.Expiry.Date)
		}
	}
}

func words(key string) string { return strings.ReplaceAll(key, "_", " ") }

func (v *validator) checkCovers() {
	seen := map[forces.Kind]bool{}
	if len(v.t.Covers) == 0 {
		v.errorf("covers", "missing: list the item kinds the treaty counts")
	}
	for i, k := range v.t.Covers {
		p := yamlpos.Index("covers", i)
		if !v.kind(p, string(k)) {
			continue
		}
		if seen[k] {
			v.errorf(p, "%s is listed twice", k)
		}
		seen[k] = true
	}
}

func (v *validator) covers(k forces.Kind) bool {
	for _, c := range v.t.Covers {
		if c == k {
			return true
		}
	}
	return false
}

func kindNames() []string {
	out := make([]string, len(forces.Kinds))
	for i, k := range forces.Kinds {
		out[i] = string(k)
	}
	return out
}

func statusNames() []string {
	out := make([]string, len(forces.Statuses))
	for i, s := range forces.Statuses {
		out[i] = string(s)
	}
	return out
}

func (v *validator) kind(path, k string) bool {
	for _, x := range forces.Kinds {
		if string(x) == k {
			return true
		}
	}
	v.errorf(path, "%q is not an item kind%s", k, hint(k, kindNames()))
	return false
}

func (v *validator) status(path, s string) bool {
	for _, x := range forces.Statuses {
		if string(x) == s {
			return true
		}
	}
	v.errorf(path, "%q is not a status%s", s, hint(s, statusNames()))
	return false
}

func hint(s string, known []string) string {
	if sg := yamlpos.Suggest(s, known); sg != "" {
		return fmt.Sprintf(" (did you mean %q?)", sg)
	}
	return ": one of " + strings.Join(known, ", ")
}

func (v *validator) checkTotals() {
	t := v.t
	t.totalIdx = map[string]int{}
	if len(t.Totals) == 0 {
		v.errorf("totals", "missing: list the totals the rules count")
	}
	seen := v.ids("total")
	for i, x := range t.Totals {
		p := yamlpos.Index("totals", i)
		if !seen.add(p, x.ID) {
			continue
		}
		t.totalIdx[x.ID] = i
		if x.Name == "" {
			v.errorf(yamlpos.Join(p, "name"), "missing")
		}
		if x.Unit == "" {
			v.errorf(yamlpos.Join(p, "unit"), "missing: the unit, plural (warheads)")
		}
	}
}

// total resolves a total id written at path.
func (v *validator) total(path, id string) (int, bool) {
	if i, ok := v.t.totalIdx[id]; ok {
		return i, true
	}
	var known []string
	for _, x := range v.t.Totals {
		known = append(known, x.ID)
	}
	if id == "" {
		v.errorf(path, "missing: name a total (%s)", strings.Join(known, ", "))
	} else {
		v.errorf(path, "undefined total %q%s", id, hint(id, known))
	}
	return 0, false
}

func (v *validator) checkContainment() {
	held := map[forces.Kind]string{}
	for i := range v.t.Containment {
		c := &v.t.Containment[i]
		p := yamlpos.Index("containment", i)
		v.source(p, c.Source)
		okI := v.kind(yamlpos.Join(p, "item"), string(c.Item))
		okIn := v.kind(yamlpos.Join(p, "in"), string(c.In))
		if !okI || !okIn {
			continue
		}
		if c.Item == c.In {
			v.errorf(yamlpos.Join(p, "in"), "an item cannot hold items of its own kind")
		}
		if prev, dup := held[c.Item]; dup {
			v.errorf(yamlpos.Join(p, "item"), "%s is already held by another kind (line %d): one carrier kind per item kind", c.Item, v.doc.Line(prev))
			continue
		}
		held[c.Item] = p
		pair := &expr.Pair{Index: i, Item: c.Item, In: c.In, AssumeLoaded: c.AssumeLoaded, Statuses: map[forces.Status]bool{}}
		switch c.Match {
		case "", "type":
		case "carrier":
			pair.ByCarrier = true
			if c.AssumeLoaded {
				v.errorf(yamlpos.Join(p, "assume_loaded"), "an assumed item takes its carrier's type: use match: type")
			}
		default:
			v.errorf(yamlpos.Join(p, "match"), "%q: type or carrier", c.Match)
		}
		for j, s := range c.Statuses {
			if v.status(yamlpos.Index(yamlpos.Join(p, "statuses"), j), string(s)) {
				pair.Statuses[s] = true
			}
		}
		if len(c.Statuses) == 0 {
			pair.Statuses[forces.Deployed] = true
		}
		v.t.compiled.Pairs = append(v.t.compiled.Pairs, pair)
	}
}

// compile compiles the expression written at path.
func (v *validator) compile(path string, src Expr, want expr.Want) (expr.Slot, bool) {
	x, ce := expr.Compile(string(src), want)
	if ce != nil {
		v.exprError(path, ce)
		return expr.Slot{}, false
	}
	for _, k := range x.Compared("kind") {
		v.kind(path, k)
	}
	for _, s := range x.Compared("status") {
		v.status(path, s)
	}
	return v.t.compiled.Add(x), true
}

// exprError places a compile error at its position inside the expression
// when the expression is written on one line, or on its line in a block.
func (v *validator) exprError(path string, ce *expr.CompileError) {
	e := v.doc.Errorf(path, "%s", ce.Msg)
	n := v.doc.Node(path)
	if ce.Line > 0 && n != nil && v.doc.Has(path) && n.Kind == yaml.ScalarNode {
		switch n.Style {
		case yaml.LiteralStyle, yaml.FoldedStyle:
			// The block's indentation is its first line's; CEL counts
			// columns from there.
			e.Line = n.Line + ce.Line
			if n.Line < len(v.lines) {
				first := v.lines[n.Line]
				e.Col = len(first) - len(strings.TrimLeft(first, " ")) + ce.Col
			}
		case 0, yaml.FlowStyle:
			if ce.Line == 1 {
				e.Col = n.Column + ce.Col - 1
			}
		case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
			if ce.Line == 1 {
				e.Col = n.Column + ce.Col
			}
		}
		e.Msg = fmt.Sprintf("%s (at %d:%d in the expression)", ce.Msg, ce.Line, ce.Col)
	}
	if ce.Display != "" {
		e.Msg += "\n" + indent(ce.Display)
	}
	v.errs = append(v.errs, e)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

func (v *validator) checkRules() {
	t := v.t
	set := t.compiled
	if len(t.Rules) == 0 {
		v.errorf("rules", "missing: a treaty needs counting rules")
	}
	seen := v.ids("rule")
	for i := range t.Rules {
		r := &t.Rules[i]
		p := yamlpos.Index("rules", i)
		seen.add(p, r.ID)
		if strings.TrimSpace(r.Says) == "" {
			v.errorf(yamlpos.Join(p, "says"), "missing: the rule in one sentence, for explanations")
		}
		v.source(p, r.Source)
		cr := &expr.Rule{Index: i}
		ok := true
		if len(r.Parties) > 0 {
			cr.Parties = map[string]bool{}
			for j, name := range r.Parties {
				if id, found := v.resolveParty(yamlpos.Index(yamlpos.Join(p, "parties"), j), name); found {
					cr.Parties[id] = true
				}
			}
		}
		var kinds []forces.Kind
		if r.When == "" {
			v.errorf(yamlpos.Join(p, "when"), "missing: a condition such as item.kind == 'icbm' && item.status == 'deployed'")
			ok = false
		} else if s, good := v.compile(yamlpos.Join(p, "when"), r.When, expr.Bool); good {
			cr.When = s
			kinds = s.Kinds()
			if kinds != nil {
				covered := false
				for _, k := range kinds {
					covered = covered || v.covers(k)
				}
				if !covered {
					v.errorf(yamlpos.Join(p, "when"), "the rule can only match kinds the treaty does not cover (covers: %v)", t.Covers)
				}
			}
		} else {
			ok = false
		}
		keys := make([]string, 0, len(r.Counts))
		for k := range r.Counts {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(a, b int) bool { // in the order of totals
			return t.totalIdx[keys[a]] < t.totalIdx[keys[b]] || (t.totalIdx[keys[a]] == t.totalIdx[keys[b]] && keys[a] < keys[b])
		})
		for _, k := range keys {
			cp := yamlpos.Join(yamlpos.Join(p, "counts"), k)
			ti, found := v.total(cp, k)
			s, good := v.compile(cp, r.Counts[k], expr.Int)
			if found && good {
				cr.Counts = append(cr.Counts, expr.Count{Total: ti, Units: s, Path: cp})
			} else {
				ok = false
			}
		}
		if q := r.Quota; q != nil {
			qp := yamlpos.Join(p, "quota")
			cq := &expr.Quota{First: q.First}
			ti, found := v.total(yamlpos.Join(qp, "total"), q.Total)
			cq.Total = ti
			ok = ok && found
			if q.First < 0 {
				v.errorf(yamlpos.Join(qp, "first"), "must not be negative")
			}
			if len(q.Order) == 0 {
				v.errorf(yamlpos.Join(qp, "order"), "missing: say which items come first, e.g. [{by: type.alcms, descending: true}]")
			}
			for j, o := range q.Order {
				op := yamlpos.Join(yamlpos.Index(yamlpos.Join(qp, "order"), j), "by")
				if s, good := v.compile(op, o.By, expr.Ordered); good {
					cq.Order = append(cq.Order, s)
					cq.Desc = append(cq.Desc, o.Descending)
				} else {
					ok = false
				}
			}
			var g1, g2 bool
			cq.Units, g1 = v.compile(yamlpos.Join(qp, "units"), q.Units, expr.Int)
			cq.Rest, g2 = v.compile(yamlpos.Join(qp, "rest"), q.Rest, expr.Int)
			ok = ok && g1 && g2
			cr.Quota = cq
		}
		if len(r.Counts) == 0 && r.Quota == nil {
			v.errorf(p, "the rule counts nothing: give counts, a quota, or both")
		}
		for j := range r.Require {
			rq := &r.Require[j]
			rp := yamlpos.Index(yamlpos.Join(p, "require"), j)
			v.source(rp, rq.Source)
			if rq.Says == "" {
				v.errorf(yamlpos.Join(rp, "says"), "missing")
			}
			if s, good := v.compile(yamlpos.Join(rp, "check"), rq.Check, expr.Bool); good {
				cr.Require = append(cr.Require, expr.Check{Index: j, Cond: s})
			} else {
				ok = false
			}
		}
		if !ok {
			continue
		}
		set.Rules = append(set.Rules, cr)
		for _, k := range t.Covers {
			if kinds == nil || containsKind(kinds, k) {
				set.ByKind[k] = append(set.ByKind[k], cr)
			}
		}
	}
}

func containsKind(ks []forces.Kind, k forces.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func (v *validator) checkLimits() {
	t := v.t
	t.limitIdx = map[string]int{}
	t.starts = make([]limitSchedule, len(t.Limits))
	if len(t.Limits) == 0 {
		v.errorf("limits", "missing: a treaty needs limits")
	}
	seen := v.ids("limit")
	for i := range t.Limits {
		l := &t.Limits[i]
		p := yamlpos.Index("limits", i)
		if seen.add(p, l.ID) {
			t.limitIdx[l.ID] = i
		}
		if l.Name == "" {
			v.errorf(yamlpos.Join(p, "name"), "missing")
		}
		v.total(yamlpos.Join(p, "total"), l.Total)
		v.source(p, l.Source)
		v.bounds(p, l.Max, l.Min)
		t.starts[i] = v.schedule(p, l)
	}
	// Sublimits, once every id is known.
	for i := range t.Limits {
		l := &t.Limits[i]
		if l.Within == "" {
			continue
		}
		p := yamlpos.Join(yamlpos.Index("limits", i), "within")
		j, ok := t.limitIdx[l.Within]
		if !ok {
			var known []string
			for _, x := range t.Limits {
				known = append(known, x.ID)
			}
			v.errorf(p, "no limit %q%s", l.Within, hint(l.Within, known))
			continue
		}
		// Walk up: a cycle or a sublimit above its limit is an error.
		seen := map[int]bool{i: true}
		for k := j; ; {
			if seen[k] {
				v.errorf(p, "sublimits form a cycle through %q", t.Limits[k].ID)
				break
			}
			seen[k] = true
			if t.Limits[k].Within == "" {
				break
			}
			next, ok := t.limitIdx[t.Limits[k].Within]
			if !ok {
				break
			}
			k = next
		}
		if parent := &t.Limits[j]; l.Max > parent.Max {
			v.errorf(yamlpos.Join(yamlpos.Index("limits", i), "max"), "sublimit %s exceeds the limit it is within (%s, %s)", fmtInt(l.Max), parent.ID, fmtInt(parent.Max))
		}
	}
}

func (v *validator) bounds(p string, max int64, min *int64) {
	if max < 0 {
		v.errorf(yamlpos.Join(p, "max"), "must not be negative")
	}
	if min != nil {
		if *min < 0 {
			v.errorf(yamlpos.Join(p, "min"), "must not be negative")
		}
		if *min > max {
			v.errorf(yamlpos.Join(p, "min"), "the range %s–%s is empty: min is above max", fmtInt(*min), fmtInt(max))
		}
	}
}

// limitSchedule is a limit's values in date order: its phases, then its
// final value.
type limitSchedule struct {
	steps []step
	until *civil.Date
}

type step struct {
	start civil.Date
	known bool // false when the start depends on an entry into force that never came
	how   string
	name  string
	max   int64
	min   *int64
	src   Source
	// rel is true when the start is counted from entry into force, months
	// after it (0: the day itself), so that it can be recomputed for an
	// assumed entry into force (StepsFrom).
	rel    bool
	months int
}

func (v *validator) start(p string, from *civil.Date, months *int, what string) (civil.Date, bool, string) {
	eif := v.t.Dates.EntryIntoForce
	switch {
	case from != nil && months != nil:
		v.errorf(yamlpos.Join(p, "months_after_entry_into_force"), "give from or months_after_entry_into_force, not both")
		return *from, true, "from " + from.String()
	case from != nil:
		if eif != nil && *from < eif.Date {
			v.errorf(yamlpos.Join(p, "from"), "%s starts on %s, before entry into force on %s", what, *from, eif.Date)
		}
		return *from, true, "from " + from.String()
	case months != nil:
		if *months < 0 {
			v.errorf(yamlpos.Join(p, "months_after_entry_into_force"), "must not be negative")
			return 0, false, ""
		}
		how := fmt.Sprintf("%d months after entry into force", *months)
		if *months%12 == 0 && *months >= 84 { // treaties write "36 months" but "seven years"
			how = fmt.Sprintf("%d years after entry into force", *months/12)
		}
		if eif == nil {
			return 0, false, how
		}
		return eif.Date.AddMonths(*months), true, how
	}
	if eif == nil {
		return 0, false, "from entry into force"
	}
	return eif.Date, true, "from entry into force"
}

// relative says whether a start is counted from entry into force, and how
// many months after it.
func relative(from *civil.Date, months *int) (bool, int) {
	switch {
	case from != nil:
		return false, 0
	case months != nil && *months > 0:
		return true, *months
	}
	return true, 0
}

func (v *validator) schedule(p string, l *Limit) limitSchedule {
	var s limitSchedule
	for j := range l.Phases {
		ph := &l.Phases[j]
		pp := yamlpos.Index(yamlpos.Join(p, "phases"), j)
		v.source(pp, ph.Source)
		v.bounds(pp, ph.Max, ph.Min)
		if ph.From == nil && ph.MonthsAfterEIF == nil {
			v.errorf(pp, "a phase needs from: or months_after_entry_into_force:")
		}
		start, known, how := v.start(pp, ph.From, ph.MonthsAfterEIF, "the phase")
		name := ph.Name
		if name == "" {
			name = fmt.Sprintf("phase %d", j+1)
		}
		rel, months := relative(ph.From, ph.MonthsAfterEIF)
		s.steps = append(s.steps, step{start: start, known: known, how: how, name: name, max: ph.Max, min: ph.Min, src: ph.Source, rel: rel, months: months})
	}
	start, known, how := v.start(p, l.From, l.MonthsAfterEIF, "the limit")
	name := ""
	if len(l.Phases) > 0 {
		name = "final"
	}
	rel, months := relative(l.From, l.MonthsAfterEIF)
	s.steps = append(s.steps, step{start: start, known: known, how: how, name: name, max: l.Max, min: l.Min, src: l.Source, rel: rel, months: months})
	for j := 1; j < len(s.steps); j++ {
		a, b := s.steps[j-1], s.steps[j]
		if a.known && b.known && b.start <= a.start {
			path := yamlpos.Index(yamlpos.Join(p, "phases"), j)
			if j == len(s.steps)-1 {
				path = p
				for _, k := range []string{"from", "months_after_entry_into_force"} {
					if v.doc.Has(yamlpos.Join(p, k)) {
						path = yamlpos.Join(p, k)
					}
				}
			}
			v.errorf(path, "starts on %s, not after the previous phase (%s)", b.start, a.start)
		}
	}
	if l.Until != nil {
		s.until = l.Until
		if last := s.steps[len(s.steps)-1]; last.known && *l.Until <= last.start {
			v.errorf(yamlpos.Join(p, "until"), "%s is not after the limit starts binding, %s", *l.Until, last.start)
		}
		if e := v.t.Dates.Expiry; e != nil && *l.Until > e.Date {
			v.errorf(yamlpos.Join(p, "until"), "%s is after the treaty expires, %s", *l.Until, e.Date)
		}
	}
	if e := v.t.Dates.Expiry; e != nil {
		for _, st := range s.steps {
			if st.known && st.start >= e.Date {
				v.errorf(p, "a value starts on %s, when the treaty has expired (%s)", st.start, e.Date)
				break
			}
		}
	}
	return s
}

func (v *validator) checkNotifications() {
	seen := v.ids("notification")
	for i, n := range v.t.Notifications {
		p := yamlpos.Index("notifications", i)
		seen.add(p, n.ID)
		v.source(p, n.Source)
		if n.Says == "" {
			v.errorf(yamlpos.Join(p, "says"), "missing")
		}
		switch n.Kind {
		case "initial", "change":
		case "periodic":
			if len(n.AsOf) == 0 {
				v.errorf(yamlpos.Join(p, "as_of"), "missing: the days (MM-DD) periodic data are as of")
			}
		default:
			v.errorf(yamlpos.Join(p, "kind"), "%q: initial, periodic or change", n.Kind)
		}
		if n.WithinDays < 0 {
			v.errorf(yamlpos.Join(p, "within_days"), "must not be negative")
		}
		for j, d := range n.AsOf {
			if _, err := civil.Parse("2001-" + d); err != nil || len(d) != 5 {
				v.errorf(yamlpos.Index(yamlpos.Join(p, "as_of"), j), "%q is not a day of the year: write MM-DD, e.g. 03-01", d)
			}
		}
	}
}

func (v *validator) checkInspections() {
	seen := v.ids("inspection")
	for i, in := range v.t.Inspections {
		p := yamlpos.Index("inspections", i)
		seen.add(p, in.ID)
		v.source(p, in.Source)
		if in.Name == "" {
			v.errorf(yamlpos.Join(p, "name"), "missing")
		}
		if in.PerYear < 0 {
			v.errorf(yamlpos.Join(p, "per_year"), "must not be negative")
		}
	}
}

func (v *validator) checkProposal() {
	pr := v.t.Proposal
	if pr == nil {
		return
	}
	if v.t.Kind != KindProposal {
		v.errorf("proposal", "only a proposal has proposal metadata (kind is %s)", v.t.Kind)
	}
	if pr.Author == "" {
		v.errorf("proposal.author", "missing: who floated it")
	}
	if pr.Party != "" {
		v.resolveParty("proposal.party", pr.Party)
	}
	if pr.Parent == v.t.ID && pr.Parent != "" {
		v.errorf("proposal.parent", "a proposal cannot derive from itself")
	}
	v.source("proposal", pr.Source)
}
