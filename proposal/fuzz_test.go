package proposal

import (
	"strings"
	"testing"

	"github.com/tally-project/tally/treaty"
)

// FuzzNew drafts proposals from New START and the START I file with
// arbitrary --set arguments (one per line): never a panic, and whatever
// New returns validates and reloads as the same proposal.
//
//	go test ./proposal -run '^$' -fuzz FuzzNew -fuzztime 2m
func FuzzNew(f *testing.F) {
	for _, s := range []string{
		"deployed-warheads.max=500",
		"deployed-warheads.max=500\ndeployed-warheads.max=600",
		"deployed-warheads.from=2030-01-01\ndeployed-warheads.months_after_entry_into_force=12",
		"deployed-warheads.min=100\ndeployed-warheads.min=none",
		"rules.deployed-heavy-bomber.counts.deployed-warheads=type.alcms",
		"rules.launcher.when=item.kind == 'icbm-launcher'",
		"rules.launcher.says=: tricky # text",
		"sndv.max=1000",
		"heavy-icbms.name=\"quoted\" name",
		"deployed-warheads.until=2029-01-01",
	} {
		f.Add("new-start", s)
		f.Add("start-1", s)
	}
	f.Fuzz(func(t *testing.T, parentID, lines string) {
		if parentID != "new-start" && parentID != "start-1" && parentID != "sort" {
			parentID = "new-start"
		}
		p, err := treaty.Lookup(parentID)
		if err != nil {
			t.Fatal(err)
		}
		src, err := Source(p)
		if err != nil {
			t.Fatal(err)
		}
		var ss []Set
		for _, l := range strings.Split(lines, "\n") {
			s, err := ParseSet(l)
			if err != nil {
				continue
			}
			ss = append(ss, s)
		}
		out, tr, err := New(p, src, Draft{ID: "fuzz", Author: "US", Date: day, Sets: ss})
		if err != nil {
			return
		}
		again, err := treaty.Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("New returned a file that does not load: %v", err)
		}
		if d := treaty.Diff(tr, again); len(d) != 0 {
			t.Fatalf("reloaded differs: %v", d)
		}
		treaty.Diff(p, tr)
	})
}
