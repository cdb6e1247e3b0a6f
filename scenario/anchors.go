package scenario

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/tally-project/tally/civil"
)

// The composition table, catalog/scenario/composition.csv: for each party,
// series of counts (deployed MM-III at Minot, B-52G in the boneyard, ...)
// given at anchor dates, each anchor with its provenance and source. A
// series' value between two anchors is the linear interpolation (rounded
// to the nearest whole item), before the first anchor the first value and
// after the last the last; a value that is not an anchor is synthetic.
//
// What each series stands for (which items, at which site) is in the
// party's plan (us.go, ru.go); the table only holds the numbers and where
// they come from.

const compositionFile = "scenario/composition.csv"

type anchor struct {
	date   civil.Date
	value  int
	prov   Provenance
	ev     string // T, O, S, R or "" (a choice, not a fact)
	source string
	note   string
	line   int
}

type series struct {
	party, name string
	anchors     []anchor // by date
	used        bool
}

// anchors holds every party's series, by party and name.
type anchors struct {
	file   string
	series map[string]map[string]*series
}

func readAnchors(name string, data []byte) (*anchors, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 8
	r.Comment = '#'
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	want := []string{"party", "series", "as_of_date", "count", "provenance", "evidence", "source_url", "note"}
	for i, h := range want {
		if header[i] != h {
			return nil, fmt.Errorf("%s:1: column %d is %q, want %q", name, i+1, header[i], h)
		}
	}
	a := &anchors{file: name, series: map[string]map[string]*series{}}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		bad := func(col int, format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s: %s", name, line, want[col], fmt.Sprintf(format, args...))
		}
		party, sname := rec[0], rec[1]
		if party == "" || sname == "" {
			return nil, bad(0, "party and series are required")
		}
		d, err := civil.Parse(rec[2])
		if err != nil {
			return nil, bad(2, "%v", err)
		}
		v, err := strconv.Atoi(rec[3])
		if err != nil || v < 0 {
			return nil, bad(3, "%q is not a count", rec[3])
		}
		prov := Provenance(rec[4])
		switch prov {
		case Official, Reported, Synthetic:
		default:
			return nil, bad(4, "%q is not official, reported or synthetic", rec[4])
		}
		ev := rec[5]
		switch ev {
		case "T", "O", "S", "R", "":
		default:
			return nil, bad(5, "%q is not T, O, S, R or empty", ev)
		}
		if prov != Synthetic && (ev == "" || rec[6] == "") {
			return nil, bad(6, "an %s count needs its evidence and source_url", prov)
		}
		if prov == Synthetic && rec[6] == "" && rec[7] == "" {
			return nil, bad(7, "a synthetic count says how it was chosen (note) or where from (source_url)")
		}
		ps := a.series[party]
		if ps == nil {
			ps = map[string]*series{}
			a.series[party] = ps
		}
		s := ps[sname]
		if s == nil {
			s = &series{party: party, name: sname}
			ps[sname] = s
		}
		for _, x := range s.anchors {
			if x.date == d {
				return nil, bad(2, "%s %s has two counts for %s (also line %d)", party, sname, d, x.line)
			}
		}
		s.anchors = append(s.anchors, anchor{date: d, value: v, prov: prov, ev: ev, source: rec[6], note: rec[7], line: line})
	}
	for _, ps := range a.series {
		for _, s := range ps {
			sort.Slice(s.anchors, func(i, j int) bool { return s.anchors[i].date < s.anchors[j].date })
		}
	}
	return a, nil
}

// value is a series at one date, with the detail of where it comes from.
type value struct {
	n      int
	detail detail
}

// detail is where a count comes from.
type detail struct {
	prov   Provenance
	source string
	note   string
}

// weaker returns the weaker of two details (synthetic < reported <
// official): a group made of several series is only as good as its worst.
func weaker(a, b detail) detail {
	rank := map[Provenance]int{Synthetic: 0, Derived: 1, Reported: 2, Official: 3}
	if a.prov == "" {
		return b
	}
	if rank[b.prov] < rank[a.prov] {
		return b
	}
	return a
}

// at returns the series' value on d.
func (s *series) at(d civil.Date) value {
	as := s.anchors
	i := sort.Search(len(as), func(i int) bool { return as[i].date >= d })
	switch {
	case i < len(as) && as[i].date == d:
		x := as[i]
		return value{x.value, detail{x.prov, x.source, x.note}}
	case i == 0:
		x := as[0]
		return value{x.value, detail{Synthetic, x.source, fmt.Sprintf("held at the first figure given (%s)", x.date)}}
	case i == len(as):
		x := as[len(as)-1]
		return value{x.value, detail{Synthetic, x.source, fmt.Sprintf("held at the last figure given (%s)", x.date)}}
	}
	a, b := as[i-1], as[i]
	f := float64(a.date.DaysUntil(d)) / float64(a.date.DaysUntil(b.date))
	n := int(math.Round(float64(a.value) + f*float64(b.value-a.value)))
	return value{n, detail{Synthetic, "", fmt.Sprintf("interpolated between %s (%d) and %s (%d)", a.date, a.value, b.date, b.value)}}
}

// get returns the named series of party at d; a missing series is a
// programming error in the plan, reported as an error.
func (a *anchors) get(party, name string, d civil.Date) (value, error) {
	s := a.series[party][name]
	if s == nil {
		return value{}, fmt.Errorf("%s: no series %s %q", a.file, party, name)
	}
	s.used = true
	return s.at(d), nil
}

// unused reports the first series no plan read: a row whose series name
// is misspelt would otherwise be silently ignored.
func (a *anchors) unused(parties ...string) error {
	var bad []*series
	for _, party := range parties {
		for _, s := range a.series[party] {
			if !s.used {
				bad = append(bad, s)
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Slice(bad, func(i, j int) bool { return bad[i].anchors[0].line < bad[j].anchors[0].line })
	s := bad[0]
	return fmt.Errorf("%s:%d: series %s %q is never read by the %s plan", a.file, s.anchors[0].line, s.party, s.name, s.party)
}
