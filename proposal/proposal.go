// Package proposal drafts proposals: treaty files (package treaty) of kind
// proposal that amend a parent treaty or proposal, as delegations trade
// them when a treaty nears expiry.
//
// A draft starts from the parent's own file and changes only what it is
// told to, so the result reads like the parent: its comments, its order,
// its folded notes stay where they were. Every value changed gets a new
// source saying that this proposal sets it, with the parent's value and
// source kept in its note, so the file still passes the rule that every
// number carries its source:
//
//	parent, _ := treaty.Lookup("new-start")
//	src, _ := proposal.Source(parent)
//	set, _ := proposal.ParseSet("deployed-warheads.max=500")
//	out, t, err := proposal.New(parent, src, proposal.Draft{
//		ID: "us-500", Author: "US", Sets: []proposal.Set{set},
//	})
//
// out is the new file's bytes; t is it loaded and validated. A proposal
// never enters into force, so a treaty parent's dates are dropped; limits
// written as months after entry into force keep that timing, and a
// deadline is worked out against an assumed entry into force (see
// treaty.StepsFrom and package impact).
//
// What a --set may change:
//
//	LIMIT.max=N            the limit's maximum (1,550 or 1550)
//	LIMIT.min=N|none       the lower end of a range, or no range
//	LIMIT.from=DATE|none   the first day it binds
//	LIMIT.months_after_entry_into_force=N
//	LIMIT.until=DATE|none  the first day it no longer binds
//	LIMIT.name=TEXT
//	rules.RULE.counts.TOTAL=EXPR   what each item counts toward a total (CEL)
//	rules.RULE.when=EXPR           which items the rule applies to (CEL)
//	rules.RULE.says=TEXT           the rule's sentence
//
// treaty.Diff then says what changed, in words.
package proposal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tally-project/tally/catalog"
	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/internal/yamlpos"
	"github.com/tally-project/tally/treaty"
)

// Set is one change a draft makes: a field of a limit or of a rule, and
// its new value as written.
type Set struct {
	// Limit or Rule names the entry; Field is the field (max, counts.X).
	Limit string
	Rule  string
	Field string
	Value string
	// Raw is the --set as written, for errors.
	Raw string
}

// limitFields are the fields a Set may change on a limit.
var limitFields = []string{"max", "min", "from", "until", "months_after_entry_into_force", "name"}

// ParseSet reads "deployed-warheads.max=500", "limits.deployed-warheads.max=500"
// or "rules.deployed-heavy-bomber.counts.deployed-warheads=type.alcms".
func ParseSet(s string) (Set, error) {
	key, val, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return Set{}, fmt.Errorf("%q: write FIELD=VALUE, e.g. deployed-warheads.max=500", s)
	}
	set := Set{Value: strings.TrimSpace(val), Raw: s}
	if strings.HasPrefix(key, "rules.") {
		rest := strings.TrimPrefix(key, "rules.")
		rule, field, ok := strings.Cut(rest, ".")
		if !ok || rule == "" {
			return Set{}, fmt.Errorf("%q: write rules.RULE.counts.TOTAL=EXPR, rules.RULE.when=EXPR or rules.RULE.says=TEXT", s)
		}
		switch {
		case field == "when" || field == "says":
		case strings.HasPrefix(field, "counts.") && len(field) > len("counts."):
		default:
			return Set{}, fmt.Errorf("%q: a rule's field is counts.TOTAL, when or says, not %q", s, field)
		}
		set.Rule, set.Field = rule, field
	} else {
		key = strings.TrimPrefix(key, "limits.")
		i := strings.LastIndex(key, ".")
		if i <= 0 || i == len(key)-1 {
			return Set{}, fmt.Errorf("%q: write LIMIT.FIELD=VALUE, e.g. deployed-warheads.max=500", s)
		}
		set.Limit, set.Field = key[:i], key[i+1:]
		known := false
		for _, f := range limitFields {
			known = known || f == set.Field
		}
		if !known {
			hint := ""
			if sg := yamlpos.Suggest(set.Field, limitFields); sg != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", sg)
			}
			return Set{}, fmt.Errorf("%q: a limit's field is one of %s, not %q%s", s, strings.Join(limitFields, ", "), set.Field, hint)
		}
	}
	if set.Value == "" && set.Field != "min" {
		return Set{}, fmt.Errorf("%q: no value after =", s)
	}
	return set, nil
}

// Draft says what a new proposal is and what it changes.
type Draft struct {
	// ID is the new proposal's id (default: the parent's id + "-draft").
	ID string
	// Author is who proposes it: a party's id or alias (then Party is set
	// to that party), a delegation, anyone (default "unnamed draft").
	Author string
	// Note says what the proposal is, in words.
	Note string
	Sets []Set
	// Date is the day it is drafted, for its source (default today).
	Date civil.Date
}

// Source returns the text of the file t was read from: a bundled file from
// the catalogue, or the file on disk.
func Source(t *treaty.Treaty) ([]byte, error) {
	if rest, ok := strings.CutPrefix(t.File, "catalog/"); ok {
		if data, err := fs.ReadFile(catalog.FS, rest); err == nil {
			return data, nil
		}
	}
	return os.ReadFile(t.File)
}

// Parent resolves t's parent: a bundled treaty by id, or a file named
// <parent>.yaml (or .json) next to t's file.
func Parent(t *treaty.Treaty) (*treaty.Treaty, error) {
	if t.Proposal == nil || t.Proposal.Parent == "" {
		return nil, fmt.Errorf("%s names no parent", t.ID)
	}
	id := t.Proposal.Parent
	if p, err := treaty.Lookup(id); err == nil {
		return p, nil
	}
	if !strings.HasPrefix(t.File, "catalog/") {
		dir := filepath.Dir(t.File)
		for _, ext := range []string{".yaml", ".yml", ".json"} {
			f := filepath.Join(dir, id+ext)
			if _, err := os.Stat(f); err == nil {
				return treaty.LoadFile(f)
			}
		}
	}
	return nil, fmt.Errorf("%s: parent %q is neither bundled nor a file next to it", t.File, id)
}

// New writes the proposal d describes, derived from parent (whose file's
// text is src), and returns the new file and the proposal loaded from it.
// Nothing is returned unless the new file validates; an error names the
// --set at fault or the problem in the result.
func New(parent *treaty.Treaty, src []byte, d Draft) ([]byte, *treaty.Treaty, error) {
	if d.ID == "" {
		d.ID = parent.ID + "-draft"
		if parent.ID == d.ID || strings.HasSuffix(parent.ID, "-draft") {
			d.ID = parent.ID + "-2"
		}
	}
	if d.Author == "" {
		d.Author = "unnamed draft"
	}
	if d.Date == 0 {
		d.Date = civil.Today()
	}
	if d.ID == parent.ID {
		return nil, nil, fmt.Errorf("--id %s: a proposal needs an id of its own, not its parent's", d.ID)
	}
	e, err := newEditor(parent.File, src)
	if err != nil {
		return nil, nil, err
	}
	changes, err := e.apply(parent, d)
	if err != nil {
		return nil, nil, err
	}
	out := e.bytes()
	name := d.ID + ".yaml"
	t, err := treaty.Parse(name, out)
	if err != nil {
		var es yamlpos.Errors
		if errors.As(err, &es) {
			return nil, nil, fmt.Errorf("the proposal would not validate (changes: %s):\n%w", strings.Join(changes, "; "), err)
		}
		return nil, nil, err
	}
	return out, t, nil
}

// parseInt reads a count written 1550, 1,550 or 1_550.
func parseInt(s string) (int64, error) {
	clean := strings.NewReplacer(",", "", "_", "").Replace(strings.TrimSpace(s))
	n, err := strconv.ParseInt(clean, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	if n < 0 {
		return 0, fmt.Errorf("%s: must not be negative", s)
	}
	return n, nil
}
