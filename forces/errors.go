package forces

import (
	"fmt"
	"strings"
)

// EventError is one problem with one event: the field of the event it is
// about, written as in the event's YAML or JSON ("uids[2]",
// "items[0].kind", "" for the event as a whole), and the item it names.
type EventError struct {
	Path string
	UID  string
	Msg  string
}

func (e *EventError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.UID != "" {
		fmt.Fprintf(&b, "item %s: ", e.UID)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// EventErrors is every problem found in one event. Inventory.Apply returns
// one when it rejects an event, and then has changed nothing.
type EventErrors []*EventError

func (es EventErrors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

func (es *EventErrors) add(path, uid, format string, args ...any) {
	*es = append(*es, &EventError{Path: path, UID: uid, Msg: fmt.Sprintf(format, args...)})
}

// maxErrors caps how many problems one file reports: past it, the rest are
// counted, not listed.
const maxErrors = 200
