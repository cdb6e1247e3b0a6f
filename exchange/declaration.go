package exchange

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
)

// Declaration is the body of an initial or periodic declaration: the whole
// database as of a date, in the compact form the treaty shares. Items are
// listed by UID in groups of the same kind, type, status and site; warheads
// are given per base (never per missile), and the per-missile loadings they
// add up from stay with the owner, committed to by a salted Merkle root
// (Loadings) so that an inspection can later check a revealed loading.
//
//	{"as_of":"2020-09-01",
//	 "groups":[{"kind":"icbm-launcher","type":"MM-III","status":"deployed","site":"Malmstrom","uids":["L-001","L-002"]},
//	           {"kind":"icbm","type":"MM-III","status":"deployed","site":"Malmstrom","uids":["M-001","M-002"],"carriers":["L-001","L-002"]}],
//	 "warheads":[{"site":"Malmstrom","warheads":2}],
//	 "totals":[{"total":"deployed-warheads","value":2}],
//	 "loadings":{"scheme":"tally.loading/v1","root":"...","count":2}}
//
// A declaration too large for one log entry is split into parts (Split):
// part 1 of N carries everything but some of the groups, later parts carry
// the rest of the groups, and the parts are consecutive declarations of
// the party (acknowledgements and notes may fall between them).
type Declaration struct {
	AsOf civil.Date `yaml:"as_of" json:"as_of"`
	// Part and Parts number the parts of a split declaration (both absent
	// for a declaration in one entry).
	Part  int `yaml:"part,omitempty" json:"part,omitempty"`
	Parts int `yaml:"parts,omitempty" json:"parts,omitempty"`
	// Sites are the declared facilities.
	Sites  []forces.Site `yaml:"sites,omitempty" json:"sites,omitempty"`
	Groups []Group       `yaml:"groups,omitempty" json:"groups,omitempty"`
	// Warheads are the warheads on deployed ICBMs and SLBMs, per base.
	Warheads []BaseWarheads `yaml:"warheads,omitempty" json:"warheads,omitempty"`
	// Totals are the totals of the treaty as the party counts them.
	Totals   []DeclaredTotal `yaml:"totals,omitempty" json:"totals,omitempty"`
	Loadings *Commitment     `yaml:"loadings,omitempty" json:"loadings,omitempty"`
	Note     string          `yaml:"note,omitempty" json:"note,omitempty"`
}

// Group is items of one kind, type, status and site, by UID. Carriers, if
// given, is parallel to UIDs: the UID of the item that holds each ("" for
// none).
type Group struct {
	Kind     forces.Kind   `yaml:"kind" json:"kind"`
	Type     string        `yaml:"type" json:"type"`
	Status   forces.Status `yaml:"status" json:"status"`
	Site     string        `yaml:"site,omitempty" json:"site,omitempty"`
	Attrs    forces.Attrs  `yaml:"attrs,omitempty" json:"attrs,omitempty"`
	UIDs     []string      `yaml:"uids" json:"uids"`
	Carriers []string      `yaml:"carriers,omitempty" json:"carriers,omitempty"`
}

// BaseWarheads is the number of warheads on the deployed ICBMs and SLBMs
// at one base ("" for items declared without a site).
type BaseWarheads struct {
	Site     string `yaml:"site" json:"site"`
	Warheads int    `yaml:"warheads" json:"warheads"`
}

// DeclaredTotal is one of the treaty's totals as the declaring party
// counts it.
type DeclaredTotal struct {
	Total string `yaml:"total" json:"total"`
	Value int64  `yaml:"value" json:"value"`
}

// partNo is the part's number, 1 for a declaration in one part.
func (d *Declaration) partNo() int { return max(d.Part, 1) }

func (d *Declaration) partsNo() int { return max(d.Parts, 1) }

func decodeDeclaration(raw []byte) (any, []*Problem) {
	var d Declaration
	_, ps := load(raw, &d, "as_of")
	if len(ps) > 0 {
		return nil, ps
	}
	switch {
	case d.Parts == 0 && d.Part == 0:
	case d.Parts < 2 || d.Part < 1 || d.Part > d.Parts:
		ps = append(ps, &Problem{Field: "body.part", Code: CodeSchema, Msg: fmt.Sprintf("part %d of %d: parts number 1 to N, N at least 2 (leave both out for a declaration in one entry)", d.Part, d.Parts)})
	case d.Part > 1 && (len(d.Sites) > 0 || len(d.Warheads) > 0 || len(d.Totals) > 0 || d.Loadings != nil || d.Note != ""):
		ps = append(ps, &Problem{Field: "body.part", Code: CodeSchema, Msg: "sites, warheads, totals, loadings and note go in part 1; later parts carry groups only"})
	}
	seen := map[string]string{}
	for i, g := range d.Groups {
		p := fmt.Sprintf("body.groups[%d]", i)
		if _, err := forces.ParseKind(string(g.Kind)); err != nil {
			ps = append(ps, &Problem{Field: p + ".kind", Code: CodeSchema, Msg: err.Error()})
		}
		if !validStatus(g.Status) {
			ps = append(ps, &Problem{Field: p + ".status", Code: CodeSchema, Msg: fmt.Sprintf("%q is not a status (%s)", g.Status, statusNames())})
		}
		if g.Type == "" {
			ps = append(ps, &Problem{Field: p + ".type", Code: CodeSchema, Msg: "required"})
		}
		if len(g.UIDs) == 0 {
			ps = append(ps, &Problem{Field: p + ".uids", Code: CodeSchema, Msg: "a group lists at least one uid"})
		}
		if len(g.Carriers) > 0 && len(g.Carriers) != len(g.UIDs) {
			ps = append(ps, &Problem{Field: p + ".carriers", Code: CodeSchema, Msg: fmt.Sprintf("%d carriers for %d uids: carriers is parallel to uids (\"\" for none)", len(g.Carriers), len(g.UIDs))})
		}
		for j, u := range g.UIDs {
			if u == "" {
				ps = append(ps, &Problem{Field: fmt.Sprintf("%s.uids[%d]", p, j), Code: CodeSchema, Msg: "empty uid"})
				continue
			}
			if prev, ok := seen[u]; ok {
				ps = append(ps, &Problem{Field: fmt.Sprintf("%s.uids[%d]", p, j), UID: u, Code: CodeDeclaration, Msg: fmt.Sprintf("item %s is listed twice (also at %s)", u, prev)})
				continue
			}
			seen[u] = fmt.Sprintf("%s.uids[%d]", p, j)
		}
	}
	bases := map[string]bool{}
	for i, w := range d.Warheads {
		p := fmt.Sprintf("body.warheads[%d]", i)
		if w.Warheads < 0 {
			ps = append(ps, &Problem{Field: p + ".warheads", Code: CodeSchema, Msg: "must not be negative"})
		}
		if bases[w.Site] {
			ps = append(ps, &Problem{Field: p + ".site", Code: CodeSchema, Msg: fmt.Sprintf("base %q is listed twice", w.Site)})
		}
		bases[w.Site] = true
	}
	if d.Loadings != nil {
		if err := d.Loadings.check(); err != nil {
			ps = append(ps, &Problem{Field: "body.loadings", Code: CodeSchema, Msg: err.Error()})
		}
	}
	return &d, ps
}

func validStatus(s forces.Status) bool {
	for _, x := range forces.Statuses {
		if x == s {
			return true
		}
	}
	return false
}

func statusNames() string {
	ss := make([]string, len(forces.Statuses))
	for i, s := range forces.Statuses {
		ss[i] = string(s)
	}
	return strings.Join(ss, ", ")
}

// Items lists the declaration's items as item specs, one per UID, in the
// order of the groups.
func (d *Declaration) Items() []forces.ItemSpec {
	var out []forces.ItemSpec
	for _, g := range d.Groups {
		for j, u := range g.UIDs {
			s := forces.ItemSpec{UID: u, Kind: g.Kind, Type: g.Type, Status: g.Status, Site: g.Site, Attrs: g.Attrs}
			if len(g.Carriers) == len(g.UIDs) {
				s.Carrier = g.Carriers[j]
			}
			out = append(out, s)
		}
	}
	return out
}

// itemPaths gives the body path of each item Items lists.
func (d *Declaration) itemPaths() []string {
	var out []string
	for i, g := range d.Groups {
		for j := range g.UIDs {
			out = append(out, fmt.Sprintf("body.groups[%d].uids[%d]", i, j))
		}
	}
	return out
}

// Declare writes the declaration of a party's items as they stand in s,
// as of asOf: groups by kind, type, status, site and attribute overrides,
// warheads per base summed from loadings (the warheads on each deployed
// missile), and the salted commitment to those loadings. Missiles whose
// group in s carries warheads need no entry in loadings. It returns the
// declaration and the loadings with their salts, which the owner keeps
// (see Reveal). rand supplies the salts (crypto/rand.Reader).
func Declare(s *forces.State, asOf civil.Date, loadings map[string]int, rand io.Reader) (*Declaration, []Loading, error) {
	d := &Declaration{AsOf: asOf}
	type key struct {
		kind   forces.Kind
		typ    string
		status forces.Status
		site   string
		attrs  string
	}
	idx := map[key]int{}
	perBase := map[string]int{}
	var ls []Loading
	for _, g := range s.Groups {
		k := key{g.Kind, g.Type, g.Status, g.Site, g.Overrides.Key()}
		i, ok := idx[k]
		if !ok {
			i = len(d.Groups)
			idx[k] = i
			d.Groups = append(d.Groups, Group{Kind: g.Kind, Type: g.Type, Status: g.Status, Site: g.Site, Attrs: g.Overrides})
		}
		dg := &d.Groups[i]
		for _, u := range g.UIDs {
			dg.UIDs = append(dg.UIDs, u)
			dg.Carriers = append(dg.Carriers, g.Carrier)
		}
		if g.Kind.IsMissile() && g.Status == forces.Deployed {
			for _, u := range g.UIDs {
				w, ok := loadings[u]
				if !ok {
					if g.Warheads == forces.NoLoading {
						return nil, nil, fmt.Errorf("deployed missile %s has no loading: give its warheads", u)
					}
					w = g.Warheads
				}
				perBase[g.Site] += w
				ls = append(ls, Loading{UID: u, Warheads: w})
			}
		}
	}
	for i := range d.Groups {
		g := &d.Groups[i]
		if allEmpty(g.Carriers) {
			g.Carriers = nil
		}
		if len(g.Attrs) == 0 {
			g.Attrs = nil
		}
	}
	sort.SliceStable(d.Groups, func(i, j int) bool { return groupLess(&d.Groups[i], &d.Groups[j]) })
	bases := make([]string, 0, len(perBase))
	for b := range perBase {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	for _, b := range bases {
		d.Warheads = append(d.Warheads, BaseWarheads{Site: b, Warheads: perBase[b]})
	}
	if len(ls) > 0 {
		var err error
		if ls, err = Salt(ls, rand); err != nil {
			return nil, nil, err
		}
		if d.Loadings, err = Commit(ls); err != nil {
			return nil, nil, err
		}
	}
	return d, ls, nil
}

func allEmpty(ss []string) bool {
	for _, s := range ss {
		if s != "" {
			return false
		}
	}
	return true
}

func groupLess(a, b *Group) bool {
	if a.Kind != b.Kind {
		return kindRank(a.Kind) < kindRank(b.Kind)
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	if a.Status != b.Status {
		return a.Status < b.Status
	}
	return a.Site < b.Site
}

func kindRank(k forces.Kind) int {
	for i, x := range forces.Kinds {
		if x == k {
			return i
		}
	}
	return len(forces.Kinds)
}

// MaxBody is the largest body Split lets a part have: a log entry less
// room for the envelope's header lines and signature.
const MaxBody = MaxEntry - 1024

// Split cuts a declaration whose body would not fit one log entry into
// numbered parts that each do (at most maxBody bytes of JSON; 0 means
// MaxBody). Part 1 carries the sites, warheads, totals, loadings and note,
// and as many groups as fit; a group too long for a part is cut into
// several groups of the same kind, type, status and site. A declaration
// that fits is returned alone.
func (d *Declaration) Split(maxBody int) ([]*Declaration, error) {
	if maxBody <= 0 {
		maxBody = MaxBody
	}
	whole := *d
	whole.Part, whole.Parts = 0, 0
	b, err := json.Marshal(&whole)
	if err != nil {
		return nil, err
	}
	if len(b) <= maxBody {
		return []*Declaration{&whole}, nil
	}
	head := whole
	head.Groups = nil
	// Room for "part":NNN,"parts":NNN and the groups' brackets.
	const slack = 64
	hb, _ := json.Marshal(&head)
	if len(hb)+slack > maxBody {
		return nil, fmt.Errorf("the declaration's summary alone (%d bytes) does not fit a part of %d bytes", len(hb), maxBody)
	}
	var parts []*Declaration
	cur := &head
	used := len(hb) + slack
	flush := func() {
		parts = append(parts, cur)
		cur = &Declaration{AsOf: d.AsOf}
		used = len(`{"as_of":"2006-01-02","groups":[]}`) + slack
	}
	for _, g := range whole.Groups {
		g := g
		for len(g.UIDs) > 0 {
			gb, _ := json.Marshal(&g)
			if used+len(gb)+1 <= maxBody {
				cur.Groups = append(cur.Groups, g)
				used += len(gb) + 1
				break
			}
			// Take as many uids as fit in what is left of this part.
			shell := g
			shell.UIDs, shell.Carriers = nil, nil
			sb, _ := json.Marshal(&shell)
			room := maxBody - used - len(sb) - 1
			n := 0
			for n < len(g.UIDs) {
				w := len(g.UIDs[n]) + 3
				if len(g.Carriers) > 0 {
					w += len(g.Carriers[n]) + 3
				}
				if room-w < 0 {
					break
				}
				room -= w
				n++
			}
			if n == 0 {
				if len(cur.Groups) == 0 && cur != &head {
					return nil, fmt.Errorf("item %s does not fit a part of %d bytes", g.UIDs[0], maxBody)
				}
				flush()
				continue
			}
			part := shell
			part.UIDs = g.UIDs[:n]
			g.UIDs = g.UIDs[n:]
			if len(g.Carriers) > 0 {
				part.Carriers = g.Carriers[:n]
				g.Carriers = g.Carriers[n:]
			}
			cur.Groups = append(cur.Groups, part)
			flush()
		}
	}
	if len(cur.Groups) > 0 || len(parts) == 0 {
		parts = append(parts, cur)
	}
	if len(parts) == 1 {
		parts[0].Part, parts[0].Parts = 0, 0
		return parts, nil
	}
	for i, p := range parts {
		p.Part, p.Parts = i+1, len(parts)
	}
	return parts, nil
}

// Join puts the parts of a split declaration back together, in order.
func Join(parts []*Declaration) (*Declaration, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("no parts")
	}
	out := *parts[0]
	out.Groups = append([]Group(nil), parts[0].Groups...)
	for i, p := range parts {
		if p.partNo() != i+1 || p.partsNo() != len(parts) || p.AsOf != out.AsOf {
			return nil, fmt.Errorf("part %d of %d (as of %s) found where part %d of %d (as of %s) belongs", p.partNo(), p.partsNo(), p.AsOf, i+1, len(parts), out.AsOf)
		}
		if i > 0 {
			out.Groups = append(out.Groups, p.Groups...)
		}
	}
	out.Part, out.Parts = 0, 0
	return &out, nil
}
