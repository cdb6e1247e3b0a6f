package witnessapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

const cp = "example.com/log\n3\nbzR4aV9AcvEJQpg6ciFnE8vnD4hFDOmS7fLeJYqbcjg=\n\n— example.com/log AAAAAAAA\n"

func TestRoundTrip(t *testing.T) {
	h1, h2 := sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b"))
	r := Request{OldSize: 20852014, Proof: [][]byte{h1[:], h2[:]}, Checkpoint: []byte(cp)}
	got, err := ParseRequest(r.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if got.OldSize != r.OldSize || len(got.Proof) != 2 || !bytes.Equal(got.Proof[1], h2[:]) || string(got.Checkpoint) != cp {
		t.Fatalf("got %+v", got)
	}
	// The example from C2SP tlog-witness.
	spec := "old 20852014\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\njrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n\n" + cp
	if got, err := ParseRequest([]byte(spec)); err != nil || len(got.Proof) != 2 {
		t.Fatalf("spec example: %v", err)
	}
}

func TestRejections(t *testing.T) {
	h := sha256.Sum256(nil)
	long := strings.TrimSuffix(strings.Repeat(base64.StdEncoding.EncodeToString(h[:])+"\n", MaxProof+1), "\n")
	for _, body := range []string{
		"",
		"old 1",
		"new 1\n\n" + cp,
		"old 01\n\n" + cp,
		"old -1\n\n" + cp,
		"old 18446744073709551616\n\n" + cp,
		"old 1\nnot base64!\n\n" + cp,
		"old 1\nAAAA\n\n" + cp,
		"old 1\n" + long + "\n" + cp,
		"old 1\n\n",
		"old 1\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n",
	} {
		if _, err := ParseRequest([]byte(body)); !errors.Is(err, ErrBadRequest) {
			t.Errorf("%q: %v", body, err)
		}
	}
	if _, err := ParseSize([]byte("12\n")); err != nil {
		t.Error(err)
	}
	for _, s := range []string{"12", "012\n", "x\n", ""} {
		if _, err := ParseSize([]byte(s)); err == nil {
			t.Errorf("ParseSize(%q) accepted", s)
		}
	}
	if l, err := ParseCosignatures([]byte("— w1 AAAA\n— w2 BBBB\n")); err != nil || len(l) != 2 {
		t.Errorf("%v %v", l, err)
	}
	for _, s := range []string{"", "— w1 AAAA", "- w1 AAAA\n", "— w1\n", "— w1 !!\n"} {
		if _, err := ParseCosignatures([]byte(s)); err == nil {
			t.Errorf("ParseCosignatures(%q) accepted", s)
		}
	}
}

func FuzzParseRequest(f *testing.F) {
	h := sha256.Sum256(nil)
	f.Add(Request{OldSize: 5, Proof: [][]byte{h[:]}, Checkpoint: []byte(cp)}.Marshal())
	f.Add([]byte("old 0\n\n" + cp))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseRequest(body)
		if err != nil {
			return
		}
		if len(r.Proof) > MaxProof || len(r.Checkpoint) == 0 {
			t.Fatalf("accepted %d proof lines, checkpoint %q", len(r.Proof), r.Checkpoint)
		}
		if !bytes.Equal(r.Marshal(), body) {
			t.Fatalf("does not re-marshal to the input")
		}
	})
}

func FuzzParseCosignatures(f *testing.F) {
	f.Add([]byte("— w1 AAAA\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		lines, err := ParseCosignatures(body)
		if err == nil && strings.Join(lines, "") != string(body) {
			t.Fatalf("lines do not cover the body")
		}
	})
}
