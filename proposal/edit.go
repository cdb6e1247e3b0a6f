package proposal

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/internal/yamlpos"
	"github.com/tally-project/tally/treaty"
)

// The editor changes a YAML file in place: the yaml.Node tree says where
// each entry is (its line, its key's column), and an entry's extent runs
// to the last line indented deeper than its key. A changed entry is
// rewritten there and nothing else moves, so comments, blank lines and
// folded notes of the parent survive. Flow-style entries ({a: 1}) are
// rewritten whole, in block style.
type editor struct {
	file   string
	lines  []string
	root   *yaml.Node
	parent map[*yaml.Node]*yaml.Node
	edits  []edit
	dirty  map[*yaml.Node]bool
	fields map[fieldKey]int // edits by field, in e.edits
	header []string
}

// edit replaces lines[from:to] (0-based; from == to inserts) with text.
type edit struct {
	from, to int
	text     []string
	seq      int
}

func newEditor(file string, src []byte) (*editor, error) {
	if isJSON(src) {
		// A JSON treaty: rewrite it as block YAML first, then edit that.
		var doc yaml.Node
		if err := yaml.Unmarshal(src, &doc); err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		blockStyle(&doc)
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(&doc); err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		enc.Close()
		src = buf.Bytes()
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: not a treaty file (a mapping at the top)", file)
	}
	e := &editor{file: file, lines: strings.Split(strings.TrimRight(string(src), "\n"), "\n"), root: doc.Content[0],
		parent: map[*yaml.Node]*yaml.Node{}, dirty: map[*yaml.Node]bool{}, fields: map[fieldKey]int{}}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for _, c := range n.Content {
			e.parent[c] = n
			walk(c)
		}
	}
	walk(e.root)
	return e, nil
}

func isJSON(src []byte) bool {
	for _, line := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		return strings.HasPrefix(t, "{")
	}
	return false
}

func blockStyle(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style &^= yaml.FlowStyle
	}
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 && n.Tag == "!!str" {
		n.Style = 0
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// get returns the key and value nodes of key in mapping m.
func get(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func indentOf(line string) int { return len(line) - len(strings.TrimLeft(line, " ")) }

// extentFrom is the end (exclusive, 0-based) of the block that starts on
// line start (0-based) and holds the lines indented deeper than indent,
// trailing blank lines left out.
func (e *editor) extentFrom(start, indent int) int {
	end := start + 1
	for i := start + 1; i < len(e.lines); i++ {
		l := e.lines[i]
		if strings.TrimSpace(l) == "" {
			continue
		}
		if indentOf(l) <= indent {
			break
		}
		end = i + 1
	}
	return end
}

// entryExtent is the lines of key k's entry in a block mapping.
func (e *editor) entryExtent(k *yaml.Node) (int, int) {
	start := k.Line - 1
	return start, e.extentFrom(start, k.Column-1)
}

// itemExtent is the lines of an item of a block sequence that starts with
// "- " on its first line.
func (e *editor) itemExtent(item *yaml.Node) (int, int) {
	start := item.Line - 1
	return start, e.extentFrom(start, indentOf(e.lines[start]))
}

// keyIndent is the column at which m's keys are written.
func keyIndent(m *yaml.Node) int {
	if len(m.Content) > 0 {
		return m.Content[0].Column - 1
	}
	return m.Column - 1
}

// value is a rendered field value: a scalar written inline or, for long
// text, a folded block.
type value struct {
	scalar string // rendered inline (quoted when needed)
	folded string // text for a folded block (>-), when long
}

func intValue(n int64) value       { return value{scalar: strconv.FormatInt(n, 10)} }
func dateValue(d civil.Date) value { return value{scalar: d.String()} }

// textValue renders s inline when short, as a folded block when long.
func textValue(s string) value {
	if len(s) > 70 && !strings.ContainsAny(s, "\n") {
		return value{folded: s}
	}
	return exprValue(s)
}

// exprValue renders s inline, quoted as YAML needs.
func exprValue(s string) value {
	b, err := yaml.Marshal(s)
	if err != nil {
		return value{scalar: strconv.Quote(s)}
	}
	r := strings.TrimRight(string(b), "\n")
	if strings.Contains(r, "\n") { // a block scalar: use a double-quoted one
		r = strconv.Quote(s)
	}
	return value{scalar: r}
}

// render writes key: v at indent.
func render(indent int, key string, v value) []string {
	pad := strings.Repeat(" ", indent)
	if v.folded == "" {
		return []string{pad + key + ": " + v.scalar}
	}
	out := []string{pad + key + ": >-"}
	return append(out, wrap(v.folded, indent+2, 78)...)
}

// wrap breaks text into lines of at most width columns (words longer
// than a line stay whole), each indented.
func wrap(text string, indent, width int) []string {
	pad := strings.Repeat(" ", indent)
	var out []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && indent+len(line)+1+len(w) > width {
			out = append(out, pad+line)
			line = ""
		}
		if line == "" {
			line = w
		} else {
			line += " " + w
		}
	}
	if line != "" {
		out = append(out, pad+line)
	}
	return out
}

// set sets key to v in mapping m.
func (e *editor) set(m *yaml.Node, key string, v value) {
	if m.Style&yaml.FlowStyle != 0 {
		text := v.folded
		if text == "" {
			var s string
			if err := yaml.Unmarshal([]byte(v.scalar), &s); err != nil {
				s = v.scalar
			}
			text = s
		}
		n := &yaml.Node{Kind: yaml.ScalarNode, Value: text}
		if _, err := strconv.ParseInt(v.scalar, 10, 64); err == nil && v.folded == "" {
			n.Tag = "!!int"
		}
		if k, val := get(m, key); k != nil {
			*val = *n
		} else {
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, n)
		}
		e.dirty[m] = true
		return
	}
	// A field set twice: the last value wins.
	if i, ok := e.fields[fieldKey{m, key}]; ok {
		ind := keyIndent(m)
		if k, _ := get(m, key); k != nil {
			ind = k.Column - 1
		}
		e.edits[i].text = render(ind, key, v)
		return
	}
	e.fields[fieldKey{m, key}] = len(e.edits)
	if k, _ := get(m, key); k != nil {
		from, to := e.entryExtent(k)
		e.edits = append(e.edits, edit{from, to, render(k.Column-1, key, v), 0})
		return
	}
	e.insert(m, render(keyIndent(m), key, v))
}

// fieldKey names a field of a mapping, for edits made to it.
type fieldKey struct {
	m   *yaml.Node
	key string
}

// insert adds lines at the end of block mapping m.
func (e *editor) insert(m *yaml.Node, lines []string) {
	end := 0
	for i := 0; i+1 < len(m.Content); i += 2 {
		_, to := e.entryExtent(m.Content[i])
		end = max(end, to)
	}
	e.edits = append(e.edits, edit{end, end, lines, 0})
}

// swap writes key: v in place of old (which goes), or sets key when m has
// no old: from: replaces months_after_entry_into_force where it stood.
func (e *editor) swap(m *yaml.Node, old, key string, v value) {
	k, _ := get(m, old)
	if k == nil || m.Style&yaml.FlowStyle != 0 {
		e.del(m, old)
		e.set(m, key, v)
		return
	}
	if nk, _ := get(m, key); nk != nil {
		e.del(m, old)
		e.set(m, key, v)
		return
	}
	if _, done := e.fields[fieldKey{m, old}]; done {
		e.del(m, old)
		e.set(m, key, v)
		return
	}
	from, to := e.entryExtent(k)
	e.fields[fieldKey{m, old}] = len(e.edits)
	e.fields[fieldKey{m, key}] = len(e.edits)
	e.edits = append(e.edits, edit{from, to, render(k.Column-1, key, v), 0})
}

// del removes key from mapping m, if there.
func (e *editor) del(m *yaml.Node, key string) {
	k, _ := get(m, key)
	if k == nil {
		return
	}
	if m.Style&yaml.FlowStyle != 0 {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i] == k {
				m.Content = append(m.Content[:i], m.Content[i+2:]...)
				break
			}
		}
		e.dirty[m] = true
		return
	}
	if i, ok := e.fields[fieldKey{m, key}]; ok {
		e.edits[i].text = nil
		return
	}
	e.fields[fieldKey{m, key}] = len(e.edits)
	from, to := e.entryExtent(k)
	e.edits = append(e.edits, edit{from, to, nil, 0})
}

// replaceTop replaces the top-level entry key with lines, or inserts them
// after the entry after (or at the top when after is not there either).
func (e *editor) replaceTop(key string, lines []string, after ...string) {
	if k, _ := get(e.root, key); k != nil {
		from, to := e.entryExtent(k)
		e.edits = append(e.edits, edit{from, to, lines, 0})
		return
	}
	for _, a := range after {
		if k, _ := get(e.root, a); k != nil {
			_, to := e.entryExtent(k)
			e.edits = append(e.edits, edit{to, to, append([]string{""}, lines...), 0})
			return
		}
	}
	e.edits = append(e.edits, edit{0, 0, lines, 0})
}

// flush rewrites each flow-style mapping that was changed, whole, in
// block style, at the outermost flow node's place.
func (e *editor) flush() error {
	// The outermost flow node of each, found before any is restyled, in
	// file order.
	roots := map[*yaml.Node]bool{}
	var order []*yaml.Node
	for n := range e.dirty {
		f := n
		for p := e.parent[f]; p != nil && p.Style&yaml.FlowStyle != 0; p = e.parent[p] {
			f = p
		}
		if !roots[f] {
			roots[f] = true
			order = append(order, f)
		}
	}
	sort.Slice(order, func(i, j int) bool {
		return order[i].Line < order[j].Line || (order[i].Line == order[j].Line && order[i].Column < order[j].Column)
	})
	for _, f := range order {
		p := e.parent[f]
		blockStyle(f)
		body, err := encode(f)
		if err != nil {
			return err
		}
		switch {
		case p == nil:
			return fmt.Errorf("%s: cannot rewrite the top of the file", e.file)
		case p.Kind == yaml.SequenceNode:
			from, to := e.itemExtent(f)
			ind := indentOf(e.lines[from])
			var lines []string
			for i, l := range body {
				if i == 0 {
					lines = append(lines, strings.Repeat(" ", ind)+"- "+l)
				} else {
					lines = append(lines, strings.Repeat(" ", ind+2)+l)
				}
			}
			e.edits = append(e.edits, edit{from, to, lines, 0})
		case p.Kind == yaml.MappingNode:
			var k *yaml.Node
			for i := 0; i+1 < len(p.Content); i += 2 {
				if p.Content[i+1] == f {
					k = p.Content[i]
				}
			}
			from, to := e.entryExtent(k)
			ind := k.Column - 1
			lines := []string{strings.Repeat(" ", ind) + k.Value + ":"}
			for _, l := range body {
				lines = append(lines, strings.Repeat(" ", ind+2)+l)
			}
			e.edits = append(e.edits, edit{from, to, lines, 0})
		}
	}
	return nil
}

func encode(n *yaml.Node) ([]string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	enc.Close()
	return strings.Split(strings.TrimRight(buf.String(), "\n"), "\n"), nil
}

// bytes applies the edits, last first, and puts the header on top. Of
// edits at the same line, replacements go first and then insertions, the
// last added first, so that insertions keep the order they were made in
// and come before a block replaced at the same line.
func (e *editor) bytes() []byte {
	for i := range e.edits {
		e.edits[i].seq = i
	}
	sort.SliceStable(e.edits, func(i, j int) bool {
		a, b := e.edits[i], e.edits[j]
		if a.from != b.from {
			return a.from > b.from
		}
		if (a.to > a.from) != (b.to > b.from) {
			return a.to > a.from
		}
		return a.seq > b.seq
	})
	lines := append([]string(nil), e.lines...)
	for _, ed := range e.edits {
		tail := append([]string(nil), lines[ed.to:]...)
		lines = append(append(lines[:ed.from], ed.text...), tail...)
	}
	lines = append(append([]string(nil), e.header...), lines...)
	return []byte(strings.Join(lines, "\n") + "\n")
}

// overlapping reports the first two edits that touch the same lines.
func (e *editor) overlapping() error {
	es := append([]edit(nil), e.edits...)
	sort.Slice(es, func(i, j int) bool { return es[i].from < es[j].from })
	for i := 1; i < len(es); i++ {
		if es[i].from < es[i-1].to {
			return fmt.Errorf("%s: two changes touch lines %d-%d", e.file, es[i].from+1, es[i-1].to)
		}
	}
	return nil
}

// apply makes the draft's changes and returns them in words.
func (e *editor) apply(parent *treaty.Treaty, d Draft) ([]string, error) {
	var changes []string
	byLimit := map[string][]Set{}
	byRule := map[string][]Set{}
	var limitOrder, ruleOrder []string
	for _, s := range d.Sets {
		switch {
		case s.Limit != "":
			if _, ok := parent.LimitByID(s.Limit); !ok {
				return nil, fmt.Errorf("--set %s: %s has no limit %q%s", s.Raw, parent.ID, s.Limit, suggest(s.Limit, limitIDs(parent)))
			}
			if byLimit[s.Limit] == nil {
				limitOrder = append(limitOrder, s.Limit)
			}
			byLimit[s.Limit] = append(byLimit[s.Limit], s)
		case s.Rule != "":
			if _, ok := parent.RuleByID(s.Rule); !ok {
				return nil, fmt.Errorf("--set %s: %s has no rule %q%s", s.Raw, parent.ID, s.Rule, suggest(s.Rule, ruleIDs(parent)))
			}
			if total, ok := strings.CutPrefix(s.Field, "counts."); ok {
				if _, ok := parent.TotalByID(total); !ok {
					return nil, fmt.Errorf("--set %s: %s has no total %q%s", s.Raw, parent.ID, total, suggest(total, totalIDs(parent)))
				}
			}
			if byRule[s.Rule] == nil {
				ruleOrder = append(ruleOrder, s.Rule)
			}
			byRule[s.Rule] = append(byRule[s.Rule], s)
		}
	}
	setBy := fmt.Sprintf("set by proposal %s (this file, drafted %s)", d.ID, d.Date)
	_, limitsNode := get(e.root, "limits")
	for _, id := range limitOrder {
		l, _ := parent.LimitByID(id)
		m := itemByID(limitsNode, id)
		if m == nil {
			return nil, fmt.Errorf("%s: limit %s is not written as a mapping with an id", e.file, id)
		}
		var what []string
		for _, s := range byLimit[id] {
			w, err := e.setLimit(m, l, s)
			if err != nil {
				return nil, fmt.Errorf("--set %s: %v", s.Raw, err)
			}
			what = append(what, w)
			changes = append(changes, l.Name+": "+w)
		}
		e.source(m, setBy, fmt.Sprintf("Set by this proposal: %s.", strings.Join(what, "; ")), parent.ID, l.Source)
	}
	_, rulesNode := get(e.root, "rules")
	for _, id := range ruleOrder {
		r, _ := parent.RuleByID(id)
		m := itemByID(rulesNode, id)
		if m == nil {
			return nil, fmt.Errorf("%s: rule %s is not written as a mapping with an id", e.file, id)
		}
		var what []string
		for _, s := range byRule[id] {
			switch {
			case s.Field == "says":
				e.set(m, "says", exprValue(s.Value))
				what = append(what, fmt.Sprintf("says %q", s.Value))
			case s.Field == "when":
				e.set(m, "when", exprValue(s.Value))
				what = append(what, fmt.Sprintf("when %s → %s", r.When, s.Value))
			default:
				total := strings.TrimPrefix(s.Field, "counts.")
				_, counts := get(m, "counts")
				if counts == nil {
					e.set(m, "counts", value{scalar: "{" + total + ": " + exprValue(s.Value).scalar + "}"})
				} else {
					e.set(counts, total, exprValue(s.Value))
				}
				old := "nothing"
				if x, ok := r.Counts[total]; ok {
					old = string(x)
				}
				what = append(what, fmt.Sprintf("counts toward %s: %s → %s", total, old, s.Value))
			}
		}
		for _, w := range what {
			changes = append(changes, "rule "+id+": "+w)
		}
		e.source(m, setBy, fmt.Sprintf("Changed by this proposal: %s.", strings.Join(what, "; ")), parent.ID, r.Source)
	}

	// Identity.
	changeWords := strings.Join(changes, "; ")
	if changeWords == "" {
		changeWords = "no change yet"
	}
	title := parent.Title()
	e.replaceTop("id", render(0, "id", exprValue(d.ID)))
	e.replaceTop("name", render(0, "name", textValue(fmt.Sprintf("%s, as proposed by %s", title, d.Author))), "id")
	e.replaceTop("short", render(0, "short", exprValue(fmt.Sprintf("%s (%s)", title, d.ID))), "name")
	e.replaceTop("kind", render(0, "kind", value{scalar: string(treaty.KindProposal)}), "short", "name")
	summary := fmt.Sprintf("Drafted from %s (%s) by %s: %s.", title, parent.ID, d.Author, changeWords)
	if d.Note != "" {
		summary += " " + d.Note
	}
	e.replaceTop("summary", render(0, "summary", value{folded: summary}), "kind")
	note := d.Note
	if note == "" {
		note = "amends " + parent.ID + ": " + changeWords
	}
	prop := []string{"proposal:"}
	prop = append(prop, render(2, "author", exprValue(d.Author))...)
	if p, ok := parent.Party(d.Author); ok {
		prop = append(prop, render(2, "party", exprValue(p.ID))...)
	}
	prop = append(prop, render(2, "parent", exprValue(parent.ID))...)
	prop = append(prop, render(2, "note", textValue(note))...)
	prop = append(prop, render(2, "source", textValue(fmt.Sprintf("drafted with tally proposal new on %s; this file is the proposal's own text", d.Date)))...)
	prop = append(prop, "  evidence: T")
	e.replaceTop("proposal", prop, "summary", "kind")

	// A proposal never enters into force.
	dt := &parent.Dates
	if dt.Signature != nil || dt.EntryIntoForce != nil || dt.ReductionDeadline != nil || dt.Expiry != nil || len(dt.Extensions) > 0 || dt.SupersededBy != nil {
		e.replaceTop("dates", []string{
			"# A proposal never enters into force: " + parent.ID + "'s dates (signature, entry",
			"# into force, deadline, expiry) are left out. Limits written as months after",
			"# entry into force keep that timing; tally impact assumes an entry into force.",
			"dates: {}",
		})
	}

	if err := e.flush(); err != nil {
		return nil, err
	}
	if err := e.overlapping(); err != nil {
		return nil, err
	}
	e.header = []string{
		fmt.Sprintf("# Proposal %s, drafted from %s with tally proposal new on %s.", d.ID, parent.ID, d.Date),
	}
	for _, c := range changes {
		e.header = append(e.header, wrapComment("Changed: "+c)...)
	}
	e.header = append(e.header, "# Everything else, comments included, is "+parent.ID+"'s file as it was.", "#")
	return changes, nil
}

func wrapComment(s string) []string {
	lines := wrap(s, 0, 76)
	for i := range lines {
		lines[i] = "# " + lines[i]
	}
	return lines
}

// source replaces an entry's source with "set by this proposal", keeping
// the parent's in the note.
func (e *editor) source(m *yaml.Node, setBy, what, parentID string, old treaty.Source) {
	note := fmt.Sprintf("%s In %s: source %s, evidence %s.", what, parentID, old.Source, old.Evidence)
	if old.Note != "" {
		note += " Its note: " + old.Note
	}
	e.set(m, "source", textValue(setBy))
	e.set(m, "evidence", value{scalar: string(treaty.EvidenceText)})
	e.set(m, "note", value{folded: note})
}

// setLimit applies one set to limit l, written as mapping m, and says
// what it changed.
func (e *editor) setLimit(m *yaml.Node, l *treaty.Limit, s Set) (string, error) {
	switch s.Field {
	case "max":
		n, err := parseInt(s.Value)
		if err != nil {
			return "", err
		}
		e.set(m, "max", intValue(n))
		return fmt.Sprintf("max %s → %s", treaty.FormatInt(l.Max), treaty.FormatInt(n)), nil
	case "min":
		old := "none"
		if l.Min != nil {
			old = treaty.FormatInt(*l.Min)
		}
		if s.Value == "" || s.Value == "none" {
			e.del(m, "min")
			return fmt.Sprintf("min %s → none (no range)", old), nil
		}
		n, err := parseInt(s.Value)
		if err != nil {
			return "", err
		}
		e.set(m, "min", intValue(n))
		return fmt.Sprintf("min %s → %s", old, treaty.FormatInt(n)), nil
	case "from", "until":
		var old *civil.Date
		if s.Field == "from" {
			old = l.From
		} else {
			old = l.Until
		}
		was := "none"
		switch {
		case old != nil && s.Field == "from":
			was = "from " + old.String()
		case old != nil:
			was = old.String()
		case s.Field == "from" && l.MonthsAfterEIF != nil:
			was = fmt.Sprintf("%d months after entry into force", *l.MonthsAfterEIF)
		case s.Field == "from":
			was = "from entry into force"
		}
		if s.Value == "none" {
			e.del(m, s.Field)
			return fmt.Sprintf("%s %s → none", s.Field, was), nil
		}
		d, err := civil.Parse(s.Value)
		if err != nil {
			return "", err
		}
		if s.Field == "from" {
			e.swap(m, "months_after_entry_into_force", "from", dateValue(d))
			return fmt.Sprintf("binding %s → from %s", was, d), nil
		}
		e.set(m, s.Field, dateValue(d))
		return fmt.Sprintf("%s %s → %s", s.Field, was, d), nil
	case "months_after_entry_into_force":
		n, err := parseInt(s.Value)
		if err != nil {
			return "", err
		}
		was := "entry into force"
		if l.MonthsAfterEIF != nil {
			was = fmt.Sprintf("%d months after", *l.MonthsAfterEIF)
		} else if l.From != nil {
			was = "from " + l.From.String()
		}
		e.swap(m, "from", "months_after_entry_into_force", intValue(n))
		return fmt.Sprintf("binding %s → %d months after entry into force", was, n), nil
	case "name":
		e.set(m, "name", exprValue(s.Value))
		return fmt.Sprintf("name %q → %q", l.Name, s.Value), nil
	}
	return "", fmt.Errorf("cannot set %s", s.Field)
}

// itemByID finds the mapping with id: id in sequence seq.
func itemByID(seq *yaml.Node, id string) *yaml.Node {
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil
	}
	for _, it := range seq.Content {
		if _, v := get(it, "id"); v != nil && v.Value == id {
			return it
		}
	}
	return nil
}

func suggest(s string, known []string) string {
	for _, k := range known {
		if strings.EqualFold(k, s) {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
	}
	if sg := yamlpos.Suggest(s, known); sg != "" {
		return fmt.Sprintf(" (did you mean %q?)", sg)
	}
	return ": it has " + strings.Join(known, ", ")
}

func limitIDs(t *treaty.Treaty) []string {
	var out []string
	for _, l := range t.Limits {
		out = append(out, l.ID)
	}
	return out
}

func ruleIDs(t *treaty.Treaty) []string {
	var out []string
	for _, r := range t.Rules {
		out = append(out, r.ID)
	}
	return out
}

func totalIDs(t *treaty.Treaty) []string {
	var out []string
	for _, x := range t.Totals {
		out = append(out, x.ID)
	}
	return out
}
