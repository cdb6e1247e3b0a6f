package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

const hdr = "test journal v1"

func TestAppendReopen(t *testing.T) {
	p := filepath.Join(t.TempDir(), "j")
	j, recs, err := Open(p, hdr)
	if err != nil || len(recs) != 0 {
		t.Fatal(recs, err)
	}
	for i := range 5 {
		if err := j.Append(Record{Kind: "k", Data: fmt.Appendf(nil, "payload %d\nwith newline", i)}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	j, recs, err = Open(p, hdr)
	if err != nil || len(recs) != 5 || string(recs[4].Data) != "payload 4\nwith newline" {
		t.Fatalf("%v %v", recs, err)
	}
	j.Close()
}

// Every way of tearing the last record (a crash mid-append) loses only it;
// the journal then accepts appends again.
func TestTornTail(t *testing.T) {
	full := append([]byte(hdr+"\n"), Marshal(Record{"a", []byte("one")}, Record{"b", []byte("two")})...)
	firstEnd := len(hdr) + 1 + len(Marshal(Record{"a", []byte("one")}))
	for cut := firstEnd + 1; cut < len(full); cut++ {
		p := filepath.Join(t.TempDir(), "j")
		os.WriteFile(p, full[:cut], 0o644)
		j, recs, err := Open(p, hdr)
		if err != nil || len(recs) != 1 || recs[0].Kind != "a" {
			t.Fatalf("cut at %d: %v %v", cut, recs, err)
		}
		if err := j.Append(Record{"c", []byte("three")}); err != nil {
			t.Fatal(err)
		}
		j.Close()
		_, recs, err = Open(p, hdr)
		if err != nil || len(recs) != 2 || recs[1].Kind != "c" {
			t.Fatalf("after append, cut %d: %v %v", cut, recs, err)
		}
	}
	// A zero-filled tail, as a crash can leave on some file systems.
	p := filepath.Join(t.TempDir(), "j")
	os.WriteFile(p, append(full[:firstEnd:firstEnd], make([]byte, 40)...), 0o644)
	if _, recs, err := Open(p, hdr); err != nil || len(recs) != 1 {
		t.Fatalf("zero tail: %v %v", recs, err)
	}
}

func TestCorruptMiddle(t *testing.T) {
	full := append([]byte(hdr+"\n"), Marshal(Record{"a", []byte("one")}, Record{"b", []byte("two")})...)
	i := bytes.Index(full, []byte("one"))
	full[i] = 'O'
	p := filepath.Join(t.TempDir(), "j")
	os.WriteFile(p, full, 0o644)
	if _, _, err := Open(p, hdr); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v", err)
	}
	if _, _, err := Parse([]byte("other header\n"), hdr); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("wrong header: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(append([]byte(hdr+"\n"), Marshal(Record{"a", []byte("one")}, Record{"b", nil})...))
	f.Add([]byte(hdr + "\nk 99999999999 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, torn, err := Parse(data, hdr)
		if err != nil || (torn && len(data) <= len(hdr)) {
			return
		}
		// What parses re-marshals to the input, or to a prefix of it when
		// the tail is torn.
		again := append([]byte(hdr+"\n"), Marshal(recs...)...)
		if torn && !bytes.HasPrefix(data, again) || !torn && !bytes.Equal(data, again) {
			t.Fatalf("records do not re-marshal to the input (torn=%v)", torn)
		}
	})
}
