package scenario

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/tally-project/tally/civil"
)

// Dated in windows, the scenario has the same declarations and the same
// notifications in the same order as NewStart's; only their days differ,
// and each lies in one of the windows of its period: one window of five
// days up to the day before the next declaration (or before the party
// stopped notifying), or two, the first from the day after a declaration.
// A replay still reproduces every declaration.
func TestWindows(t *testing.T) {
	for _, k := range []int{1, 2} {
		t.Run(fmt.Sprint(k), func(t *testing.T) { testWindows(t, k) })
	}
}

func testWindows(t *testing.T, k int) {
	s := newStart(t)
	w, err := NewStartWith(Options{Windows: k})
	if err != nil {
		t.Fatal(err)
	}
	stop := map[string]civil.Date{"RU": civil.MustParse("2023-02-28"), "US": civil.MustParse("2023-06-01")}
	for i, p := range w.Parties {
		q := s.Parties[i]
		if len(p.Steps) != len(q.Steps) {
			t.Fatalf("%s: %d steps in windows, %d spread", p.ID, len(p.Steps), len(q.Steps))
		}
		// The declarations are NewStart's.
		for j, d := range p.Declarations() {
			a, _ := json.Marshal(d)
			b, _ := json.Marshal(q.Declarations()[j])
			if string(a) != string(b) {
				t.Fatalf("%s: the declaration as of %s differs", p.ID, d.AsOf)
			}
		}
		// The notifications are NewStart's, in order, each in a window.
		ws, qs := p.Notifications(), q.Notifications()
		if len(ws) != len(qs) {
			t.Fatalf("%s: %d notifications in windows, %d spread", p.ID, len(ws), len(qs))
		}
		decls := p.Declarations()
		inWindow := map[civil.Date]bool{}
		for j, d := range decls {
			end := stop[p.ID]
			if j+1 < len(decls) {
				end = decls[j+1].AsOf
			}
			for x := d.AsOf.AddDays(1); k > 1 && x <= d.AsOf.AddDays(5); x = x.AddDays(1) {
				inWindow[x] = true
			}
			for x := end.AddDays(-5); x < end; x = x.AddDays(1) {
				inWindow[x] = true
			}
		}
		var prev civil.Date
		days := map[civil.Date]bool{}
		for k, ev := range ws {
			a, b := ws[k], qs[k]
			a.Date, b.Date = 0, 0
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Fatalf("%s: notification %d differs: %s vs %s", p.ID, k, ja, jb)
			}
			if !inWindow[ev.Date] {
				t.Errorf("%s: %q dated %s, outside every window", p.ID, ev.Note, ev.Date)
			}
			if ev.Date < prev {
				t.Errorf("%s: notification %d dated %s, after one of %s", p.ID, k, ev.Date, prev)
			}
			prev = ev.Date
			days[ev.Date] = true
		}
		// Notifications fall on every day of most windows: spread, not piled.
		if len(days) < 4*k*len(decls) {
			t.Errorf("%s: notifications on %d days only", p.ID, len(days))
		}
		if prev < stop[p.ID].AddDays(-5) {
			t.Errorf("%s: the last notification is dated %s, not in the days before %s", p.ID, prev, stop[p.ID])
		}
	}
	// The replay of the windowed timelines gives every declaration.
	saved := theScenario
	theScenario = w
	defer func() { theScenario = saved }()
	t.Run("replay", TestReplayReproducesEveryDeclaration)
	t.Run("ends", TestTheRegimeEnds)
}
