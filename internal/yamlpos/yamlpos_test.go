package yamlpos

import (
	"errors"
	"strings"
	"testing"

	"github.com/tally-project/tally/civil"
)

type limit struct {
	ID  string `yaml:"id"`
	Max int    `yaml:"max"`
}

type doc struct {
	ID     string  `yaml:"id"`
	Limits []limit `yaml:"limits"`
}

func TestUnknownFieldNamesLineAndPath(t *testing.T) {
	src := "id: x\nlimits:\n  - id: a\n    max: 5\n  - id: b\n    maxx: 7\n"
	var v doc
	_, err := Load("t.yaml", []byte(src), &v)
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 {
		t.Fatalf("want one error, got %v", err)
	}
	got := es[0].Error()
	if !strings.HasPrefix(got, "t.yaml:6:5: limits[1].maxx: unknown field \"maxx\" (did you mean \"max\"?)") {
		t.Fatalf("got %q", got)
	}
}

func TestTypeMismatchNamesPath(t *testing.T) {
	src := "id: x\nlimits:\n  - id: a\n    max: lots\n"
	var v doc
	_, err := Load("t.yaml", []byte(src), &v)
	if err == nil || !strings.Contains(err.Error(), "t.yaml:4") || !strings.Contains(err.Error(), "limits[0].max") {
		t.Fatalf("got %v", err)
	}
}

func TestErrorfPlacesSemanticErrors(t *testing.T) {
	src := "id: x\nlimits:\n  - id: a\n    max: -5\n"
	var v doc
	d, err := Load("t.yaml", []byte(src), &v)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Errorf("limits[0].max", "must not be negative").Error(); got != "t.yaml:4:10: limits[0].max: must not be negative" {
		t.Fatalf("got %q", got)
	}
	// A path not in the file falls back to its nearest ancestor.
	if got := d.Errorf("limits[0].min", "missing").Error(); !strings.HasPrefix(got, "t.yaml:3:") {
		t.Fatalf("got %q", got)
	}
}

func TestJSONIsRead(t *testing.T) {
	var v doc
	if _, err := Load("t.json", []byte(`{"id":"x","limits":[{"id":"a","max":3}]}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.Limits[0].Max != 3 {
		t.Fatalf("got %+v", v)
	}
}

func TestSyntaxErrorHasLine(t *testing.T) {
	var v doc
	_, err := Load("t.yaml", []byte("id: x\nlimits: [\n"), &v)
	if err == nil || !strings.HasPrefix(err.Error(), "t.yaml:") {
		t.Fatalf("got %v", err)
	}
}

func TestSyntaxErrorAtEndOfStreamHasLine(t *testing.T) {
	var v doc
	_, err := Load("t.yaml", []byte("id: x\nlimits: \"\n"), &v)
	var es Errors
	if !errors.As(err, &es) || es[0].Line < 1 {
		t.Fatalf("got %v", err)
	}
}

func TestImpossibleDateNamesLineAndPath(t *testing.T) {
	type dated struct {
		On civil.Date `yaml:"on"`
	}
	type doc struct {
		Events []dated `yaml:"events"`
	}
	var v doc
	_, err := Load("d.yaml", []byte("events:\n  - on: 2021-02-03\n  - on: 2021-02-30\n"), &v)
	if err == nil || !strings.HasPrefix(err.Error(), "d.yaml:3:9: events[1].on: ") {
		t.Fatalf("got %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte("id: x\nlimits:\n  - id: a\n    max: 5\n"))
	f.Add([]byte("{\"id\": 1}"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var v doc
		_, _ = Load("f.yaml", b, &v)
	})
}
