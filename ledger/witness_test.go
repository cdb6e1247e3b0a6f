package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tally-project/tally/ledger/internal/witnessapi"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/regime/regimetest"
)

func newWitness(t *testing.T, dir string, fx *regimetest.Fixture, reg *regime.Regime, self string, src Source) *Witness {
	t.Helper()
	w, err := NewWitness(dir, WitnessOptions{
		Regime:   reg,
		Self:     self,
		Cosigner: fx.Cosigner(t, self),
		Source:   func(*regime.Party) (Source, error) { return src, nil },
		Logger:   testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func postWitness(t *testing.T, url string, body []byte) (int, string, string) {
	t.Helper()
	resp, err := http.Post(url+witnessapi.Path, "text/plain", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// The add-checkpoint endpoint answers every case of C2SP tlog-witness with
// its status, and keeps its state across a restart.
func TestWitnessAddCheckpoint(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	us := openLog(t, filepath.Join(t.TempDir(), "us"), fx, "US", nil)
	defer us.Close()
	src := DirSource(us.Dir())
	appendAll(t, us, seq("e", 0, 10)...)
	cp10 := us.Checkpoint()
	appendAll(t, us, seq("e", 10, 20)...)
	cp20 := us.Checkpoint()
	appendAll(t, us, seq("e", 20, 25)...)
	cp25 := us.Checkpoint()

	wdir := filepath.Join(t.TempDir(), "ru")
	w := newWitness(t, wdir, fx, fx.Regime, "RU", src)
	srv := httptest.NewServer(http.StripPrefix("/witness/", w.Handler()))
	defer srv.Close()
	url := srv.URL + "/witness/"
	req := func(old uint64, proof [][]byte, cp []byte) []byte {
		return witnessapi.Request{OldSize: old, Proof: proof, Checkpoint: cp}.Marshal()
	}
	proofOf := func(from, to uint64) [][]byte {
		p, err := consistencyFrom(context.Background(), src, from, to)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	unknown, _ := note.Sign(&note.Note{Text: "tally.xx/log\n1\nbzR4aV9AcvEJQpg6ciFnE8vnD4hFDOmS7fLeJYqbcjg=\n"}, fx.CheckpointSigner(t, "US"))
	text10, _ := noteText(cp10)
	wrongKey, _ := note.Sign(&note.Note{Text: text10}, regimetest.New(t, regimetest.Options{}, "US", "RU").CheckpointSigner(t, "US"))
	ruLog := openLog(t, filepath.Join(t.TempDir(), "rulog"), fx, "RU", nil)
	appendAll(t, ruLog, "r0")
	ownLog := ruLog.Checkpoint()
	ruLog.Close()
	h := sha256.Sum256(nil)

	steps := []struct {
		name   string
		body   []byte
		status int
		answer string // a substring of the answer
	}{
		{"not a request", []byte("hello"), 400, "old size"},
		{"unknown origin", req(0, nil, unknown), 404, "unknown log origin"},
		{"its own log", req(0, nil, ownLog), 404, "does not witness"},
		{"signed by another key", req(0, nil, wrongKey), 403, "no valid log signature"},
		{"old larger than the checkpoint", req(11, nil, cp10), 400, "larger than"},
		{"wrong old size", req(5, nil, cp10), 409, "0\n"},
		{"proof from zero", req(0, [][]byte{h[:]}, cp10), 422, "must be empty"},
		{"first checkpoint", req(0, nil, cp10), 200, "— tally.ru/witness "},
		{"consistent growth", req(10, proofOf(10, 20), cp20), 200, "— tally.ru/witness "},
		{"stale old size", req(10, proofOf(10, 20), cp20), 409, "20\n"},
		{"same checkpoint again", req(20, nil, cp20), 200, "— tally.ru/witness "},
		{"a bad proof from an honest log", req(20, proofOf(10, 25), cp25), 422, "does not verify"},
	}
	for _, s := range steps {
		status, ctype, answer := postWitness(t, url, s.body)
		if status != s.status || !strings.Contains(answer, s.answer) {
			t.Fatalf("%s: %d %q, want %d %q", s.name, status, answer, s.status, s.answer)
		}
		if status == 409 && strings.HasSuffix(s.answer, "\n") && ctype != witnessapi.SizeContentType {
			t.Fatalf("%s: content type %q", s.name, ctype)
		}
		if status == 200 {
			c, err := fx.Regime.OpenCheckpoint(append(bytes.Clone(bodyCheckpoint(s.body)), answer...), time.Now())
			if err != nil || c.CosignedBy(fx.Regime.Party("RU")) == nil {
				t.Fatalf("%s: the answer is not RU's cosignature: %v %v", s.name, err, c.Problems)
			}
		}
	}
	// The bad proof was the submitter's: the log's own tiles prove the
	// checkpoints consistent, so no alert.
	time.Sleep(300 * time.Millisecond)
	if a := w.Alerts(); len(a) != 0 {
		t.Fatalf("alert from a bad proof of an honest log: %v", a)
	}
	// Time of provision: the first cosignature covering the entry.
	origin := us.Origin()
	t5, ok5 := w.ProvisionTime(origin, 5)
	t15, ok15 := w.ProvisionTime(origin, 15)
	if _, ok := w.ProvisionTime(origin, 20); !ok5 || !ok15 || ok || t15.Before(t5) {
		t.Fatalf("provision times: %v %v, %v %v", t5, ok5, t15, ok15)
	}
	// Seen: the latest, with our cosignature.
	var seen Seen
	if err := json.Unmarshal(get(t, url+"seen"), &seen); err != nil || seen.Witness != "RU" || len(seen.Checkpoints) != 1 {
		t.Fatalf("seen: %v %+v", err, seen)
	}
	if c, err := fx.Regime.OpenCheckpoint([]byte(seen.Checkpoints[0]), time.Now()); err != nil || c.Size != 20 || c.CosignedBy(fx.Regime.Party("RU")) == nil {
		t.Fatalf("seen checkpoint: %v", err)
	}

	// A restarted witness remembers what it cosigned.
	srv.Close()
	w.Close()
	w = newWitness(t, wdir, fx, fx.Regime, "RU", src)
	defer w.Close()
	if status, _, answer := w.AddCheckpoint(context.Background(), req(0, nil, cp25)); status != 409 || string(answer) != "20\n" {
		t.Fatalf("after restart: %d %q", status, answer)
	}
	if got, ok := w.ProvisionTime(origin, 5); !ok || !got.Equal(t5) {
		t.Fatalf("provision time after restart: %v, want %v", got, t5)
	}
	if status, _, _ := w.AddCheckpoint(context.Background(), req(20, proofOf(20, 25), cp25)); status != 200 {
		t.Fatalf("growth after restart: %d", status)
	}

	// A checkpoint key revoked in the regime: refused.
	revoked := strings.Replace(fx.YAML, "- key: "+fx.Keys["US"].Checkpoint.Verifier+"\n",
		"- key: "+fx.Keys["US"].Checkpoint.Verifier+"\n          revoked-at: 2020-01-01\n", 1)
	reg, err := regime.Parse("revoked.yaml", []byte(revoked))
	if err != nil {
		t.Fatal(err)
	}
	w2 := newWitness(t, filepath.Join(t.TempDir(), "ru2"), fx, reg, "RU", src)
	defer w2.Close()
	if status, _, answer := w2.AddCheckpoint(context.Background(), req(0, nil, cp10)); status != 403 {
		t.Fatalf("revoked key: %d %s", status, answer)
	}
}

// bodyCheckpoint is the checkpoint of an add-checkpoint request.
func bodyCheckpoint(body []byte) []byte {
	r, err := witnessapi.ParseRequest(body)
	if err != nil {
		return nil
	}
	return r.Checkpoint
}

func TestNewWitnessChecksItsKey(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU")
	_, err := NewWitness(t.TempDir(), WitnessOptions{Regime: fx.Regime, Self: "RU", Cosigner: fx.Cosigner(t, "US"), Logger: testLogger()})
	if err == nil || !strings.Contains(err.Error(), "is not a cosigner key of RU") {
		t.Fatalf("got %v", err)
	}
	_, err = NewWitness(t.TempDir(), WitnessOptions{Regime: fx.Regime, Self: "XX", Cosigner: fx.Cosigner(t, "US"), Logger: testLogger()})
	if err == nil {
		t.Fatal("unknown party accepted")
	}
}
