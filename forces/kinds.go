package forces

import (
	"fmt"

	"github.com/tally-project/tally/internal/yamlpos"
)

// ParseKind reads a kind; an unknown one is an error that suggests the
// nearest.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	if sug := yamlpos.Suggest(s, names); sug != "" {
		return "", fmt.Errorf("unknown kind %q (did you mean %q?)", s, sug)
	}
	return "", fmt.Errorf("unknown kind %q; kinds are %s", s, quoteList(names))
}

// ParseStatus reads a status; an unknown one is an error that suggests the
// nearest.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if string(st) == s {
			return st, nil
		}
	}
	names := make([]string, len(Statuses))
	for i, st := range Statuses {
		names[i] = string(st)
	}
	if sug := yamlpos.Suggest(s, names); sug != "" {
		return "", fmt.Errorf("unknown status %q (did you mean %q?)", s, sug)
	}
	return "", fmt.Errorf("unknown status %q; statuses are %s", s, quoteList(names))
}

// ParseOp reads an event operation.
func ParseOp(s string) (Op, error) {
	for _, o := range Ops {
		if string(o) == s {
			return o, nil
		}
	}
	names := make([]string, len(Ops))
	for i, o := range Ops {
		names[i] = string(o)
	}
	if sug := yamlpos.Suggest(s, names); sug != "" {
		return "", fmt.Errorf("unknown op %q (did you mean %q?)", s, sug)
	}
	return "", fmt.Errorf("unknown op %q; ops are %s", s, quoteList(names))
}

func kindIndex(k Kind) int {
	for i, x := range Kinds {
		if x == k {
			return i
		}
	}
	return -1
}

func statusIndex(s Status) int {
	for i, x := range Statuses {
		if x == s {
			return i
		}
	}
	return -1
}

// carrierKinds says what may hold an item of each kind: a missile sits in
// a launcher of its own type, a launch tube in a submarine, a warhead on a
// missile or a bomber.
var carrierKinds = map[Kind][]Kind{
	ICBM:         {ICBMLauncher},
	SLBM:         {SLBMLauncher},
	SLBMLauncher: {Submarine},
	Warhead:      {ICBM, SLBM, HeavyBomber},
}

// launcherOf is the launcher kind a missile kind is deployed in.
func launcherOf(k Kind) Kind {
	switch k {
	case ICBM:
		return ICBMLauncher
	case SLBM:
		return SLBMLauncher
	}
	return ""
}
