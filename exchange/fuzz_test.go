package exchange

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/civil"
	"github.com/tally-project/tally/forces"
)

// seedBodies are valid bodies of every kind.
func seedBodies() map[Kind]string {
	return map[Kind]string{
		InitialDeclaration:  `{"as_of":"2011-02-05","groups":[{"kind":"icbm","type":"MM-III","status":"deployed","site":"M","uids":["a","b"],"carriers":["l1","l2"]}],"warheads":[{"site":"M","warheads":3}],"loadings":{"scheme":"tally.loading/v1","root":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","count":2}}`,
		PeriodicDeclaration: `{"as_of":"2011-09-01","part":1,"parts":2,"groups":[{"kind":"heavy-bomber","type":"B-52H","status":"converted","uids":["x"],"attrs":{"nuclear":false}}],"totals":[{"total":"deployed-warheads","value":1}]}`,
		NewItem:             `{"date":"2011-03-01","op":"new","items":[{"uid":"US-1","kind":"icbm-launcher","type":"MM-III","status":"deployed","site":"M"}]}`,
		StatusChange:        `{"date":"2011-03-01","op":"status","uids":["US-1"],"status":"non-deployed"}`,
		Movement:            `{"date":"2011-03-01","op":"move","uids":["US-1"],"site":"Hill","carrier":"none"}`,
		Acknowledgement:     `{"of":"RU","size":3,"root":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","through":3,"invalid":[1]}`,
		DisputeKind:         `{"id":"d1","of":"US","reading":{"name":"RU reading","by":"RU","of":"US","changes":[{"uids":["US-1"],"status":"non-deployed"}],"added":[{"kind":"icbm-launcher","type":"MM-III","status":"non-deployed","count":4}]},"about":[{"party":"US","seq":2}]}`,
		DisputeResolution:   `{"dispute":{"party":"RU","seq":4},"outcome":"withdrawn","text":"agreed"}`,
		NoteKind:            `{"text":"hello","about":[{"party":"US","seq":1}]}`,
		RegimeChange:        `{"change":"agree","party":"US","digest":"0000000000000000000000000000000000000000000000000000000000000000"}`,
		WitnessAlert:        `{"id":"x","kind":"split-view","log":"US","origin":"tally.us/log","observer":"RU","time":"2011-03-01T00:00:00Z","first":"a","first_from":"b","second":"c","second_from":"d","detail":"e"}`,
	}
}

func FuzzParse(f *testing.F) {
	skey, _, err := note.GenerateKey(nil, "tally.us/notification")
	if err != nil {
		f.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	for k, body := range seedBodies() {
		e := &Envelope{Party: "US", Seq: 7, Kind: k, Effective: civil.MustParse("2011-03-01"), Created: time.Date(2011, 3, 2, 0, 0, 0, 0, time.UTC), Body: json.RawMessage(body)}
		msg, err := e.Sign(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(msg)
	}
	f.Add([]byte("tally.notification/v1\nparty US\n\n— x AAAA\n"))
	f.Fuzz(func(t *testing.T, entry []byte) {
		sg, err := Parse(entry)
		if err != nil {
			return
		}
		// What parses is in its one canonical form: writing it again
		// gives the same signed text.
		if got := sg.Envelope.Text(); !bytes.HasPrefix(entry, []byte(got)) {
			t.Fatalf("not canonical:\n%q\n%q", entry, got)
		}
		DecodeBody(sg.Kind, sg.Body)
	})
}

func FuzzDecodeBody(f *testing.F) {
	kinds := Kinds()
	for k, body := range seedBodies() {
		for i, x := range kinds {
			if x == k {
				f.Add(uint8(i), []byte(body))
			}
		}
	}
	f.Add(uint8(3), []byte(`{"date":"2011-03-01","op":"status","uids":"US-1","status":"non-deployed"}`))
	f.Fuzz(func(t *testing.T, k uint8, body []byte) {
		kind := kinds[int(k)%len(kinds)]
		v, err := DecodeBody(kind, body)
		if err != nil {
			var rej *Rejection
			if !asRejection(err, &rej) {
				t.Fatalf("not a rejection: %T %v", err, err)
			}
			for _, p := range rej.Problems {
				if p.Field == "" || p.Code == "" {
					t.Fatalf("a problem without a field or code: %+v", p)
				}
			}
			return
		}
		if v == nil {
			t.Fatal("nil body without an error")
		}
		if d, ok := v.(*Declaration); ok {
			d.Items()
			if parts, err := d.Split(1024); err == nil {
				if j, err := Join(parts); err == nil && len(j.Items()) != len(d.Items()) {
					t.Fatalf("split and joined: %d items, not %d", len(j.Items()), len(d.Items()))
				}
			}
		}
		if ev, ok := v.(*forces.Event); ok && ev.Warheads != nil {
			t.Fatal("an event with a loading decoded")
		}
	})
}

func asRejection(err error, rej **Rejection) bool {
	r, ok := err.(*Rejection)
	*rej = r
	return ok
}
