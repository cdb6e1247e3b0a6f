package ledger

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tally-project/tally/regime/regimetest"
)

// buildLog makes a closed log of n entries in a fresh directory, in a few
// batches so that the archive holds several checkpoints.
func buildLog(t *testing.T, fx *regimetest.Fixture, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "log")
	l := openLog(t, dir, fx, "US", nil)
	ctx := ctxTimeout(t, 60*time.Second)
	for start := 0; start < n; start += 250 {
		var b [][]byte
		for i := start; i < min(start+250, n); i++ {
			b = append(b, entryN("US", i))
		}
		if _, err := l.AppendBatch(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func audit(t *testing.T, src Source, opts AuditOptions) *AuditReport {
	t.Helper()
	rep, err := Audit(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func problemsText(r *AuditReport) string {
	var b strings.Builder
	for _, p := range r.Problems {
		b.WriteString(p.String())
		b.WriteString("\n")
	}
	return b.String()
}

// bundleEntries splits a bundle file into entries with their offsets.
func bundleOffsets(t *testing.T, raw []byte) []int {
	t.Helper()
	var offs []int
	for i := 0; i < len(raw); {
		offs = append(offs, i)
		i += 2 + int(binary.BigEndian.Uint16(raw[i:]))
	}
	return offs
}

func TestAuditClean(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	dir := buildLog(t, fx, 700)
	var calls, inOrder atomic.Int64
	var last int64 = -1
	rep := audit(t, DirSource(dir), AuditOptions{
		Regime:  fx.Regime,
		Workers: 3,
		CheckEntry: func(i uint64, e []byte) error {
			calls.Add(1)
			if !bytes.Equal(e, entryN("US", int(i))) {
				return fmt.Errorf("unexpected entry")
			}
			return nil
		},
		CheckInOrder: func(i uint64, e []byte) error {
			if int64(i) != last+1 {
				return fmt.Errorf("out of order: %d after %d", i, last)
			}
			last = int64(i)
			inOrder.Add(1)
			return nil
		},
	})
	if !rep.OK() || rep.Entries != 700 || rep.Size != 700 || calls.Load() != 700 || inOrder.Load() != 700 || rep.Checkpoints < 3 || !rep.SignaturesChecked {
		t.Fatalf("ok=%v entries=%d size=%d checks=%d/%d checkpoints=%d\n%s", rep.OK(), rep.Entries, rep.Size, calls.Load(), inOrder.Load(), rep.Checkpoints, problemsText(rep))
	}
	// The same log over HTTP.
	l := openLog(t, dir, fx, "US", nil)
	defer l.Close()
	srv := httptest.NewServer(http.StripPrefix("/log/", l.Handler()))
	defer srv.Close()
	src, err := HTTPSource(srv.URL+"/log/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep := audit(t, src, AuditOptions{Regime: fx.Regime}); !rep.OK() || rep.Entries != 700 {
		t.Fatalf("over HTTP: %v\n%s", rep.OK(), problemsText(rep))
	}
	// A trusted checkpoint the log extends.
	cps := l.Checkpoints()
	if rep := audit(t, DirSource(dir), AuditOptions{Regime: fx.Regime, Trusted: cps[1].Note}); !rep.OK() {
		t.Fatalf("trusted: %s", problemsText(rep))
	}
	// The entry checks see every entry; a failing one is named.
	rep = audit(t, DirSource(dir), AuditOptions{Regime: fx.Regime, CheckEntry: func(i uint64, e []byte) error {
		if i == 5 {
			return errors.New("bad signature")
		}
		return nil
	}})
	if rep.OK() || rep.ProblemCount != 1 || rep.Problems[0].Index != 5 || !strings.Contains(rep.Problems[0].String(), "entry 5 (tile/entries/000): bad signature") {
		t.Fatalf("entry check: %s", problemsText(rep))
	}
}

// Tampering with the stored log is found and named.
func TestAuditTamper(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	clean := buildLog(t, fx, 700)
	archive, _ := os.ReadFile(filepath.Join(clean, ArchiveFile))
	cps, err := ParseArchive(archive)
	if err != nil {
		t.Fatal(err)
	}
	// Another history signed with the same key, for "trusted".
	other := buildLogFrom(t, fx, 300, "Z")

	cases := []struct {
		name   string
		tamper func(t *testing.T, dir string)
		opts   AuditOptions
		want   []string
	}{
		{"flip a byte of an entry", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "tile/entries/001")
			raw, _ := os.ReadFile(p)
			raw[bundleOffsets(t, raw)[44]+5] ^= 1
			os.WriteFile(p, raw, 0o644)
		}, AuditOptions{}, []string{"entry 300 (tile/entries/001): the entry's hash differs from tile/0/001", "the entry was altered", "checkpoint: its root is not the root of the first 700 entries"}},
		{"flip a byte of a leaf tile", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "tile/0/001")
			raw, _ := os.ReadFile(p)
			raw[44*32+7] ^= 0x80
			os.WriteFile(p, raw, 0o644)
		}, AuditOptions{}, []string{"entry 300 (tile/0/001): hash 44 differs from the entry's hash", "the tile was altered"}},
		{"flip a byte of a level-1 tile", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "tile/1/000.p/2")
			raw, _ := os.ReadFile(p)
			raw[32+1] ^= 1
			os.WriteFile(p, raw, 0o644)
		}, AuditOptions{}, []string{"tile/1/000.p/2: hash 1 differs from the tree computed from entries 256 to 511"}},
		{"drop an entry", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "tile/entries/001")
			raw, _ := os.ReadFile(p)
			o := bundleOffsets(t, raw)
			os.WriteFile(p, append(raw[:o[10]:o[10]], raw[o[11]:]...), 0o644)
		}, AuditOptions{}, []string{"entry 256 (tile/entries/001): the entry bundle holds 255 entries, want 256: entries were dropped or added"}},
		{"truncate the last bundle", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "tile/entries/002.p/188")
			raw, _ := os.ReadFile(p)
			os.WriteFile(p, raw[:len(raw)-3], 0o644)
		}, AuditOptions{}, []string{"entry 512 (tile/entries/002.p/188): the entry bundle is damaged (truncated or altered framing)"}},
		{"delete a bundle and its tile", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "tile/entries/000"))
			os.Remove(filepath.Join(dir, "tile/0/000"))
		}, AuditOptions{}, []string{"entry 0 (tile/entries/000): the entry bundle is missing", "entry 0 (tree): the tree cannot be recomputed from this entry on"}},
		{"roll back the checkpoint", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "checkpoint"), cps[1].Note, 0o644)
		}, AuditOptions{}, []string{"larger than the log's checkpoint (250 entries): the log was rolled back"}},
		{"forge the checkpoint's signature", func(t *testing.T, dir string) {
			raw, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
			i := bytes.LastIndex(raw, []byte(" ")) + 10
			raw[i] ^= 1
			os.WriteFile(filepath.Join(dir, "checkpoint"), raw, 0o644)
		}, AuditOptions{}, []string{"checkpoint:"}},
		{"another history as trusted checkpoint", func(t *testing.T, dir string) {}, AuditOptions{Trusted: other},
			[]string{"trusted: the log is not consistent with the trusted checkpoint of size 300"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, clean)
			c.tamper(t, dir)
			c.opts.Regime = fx.Regime
			rep, err := Audit(context.Background(), DirSource(dir), c.opts)
			if err != nil {
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("audit error %q does not say %q", err, w)
					}
				}
				return
			}
			if rep.OK() {
				t.Fatal("tampering not found")
			}
			got := problemsText(rep)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems do not say %q:\n%s", w, got)
				}
			}
		})
	}
}

// buildLogFrom makes a log of n entries whose texts start with prefix and
// returns its checkpoint.
func buildLogFrom(t *testing.T, fx *regimetest.Fixture, n int, prefix string) []byte {
	t.Helper()
	l := openLog(t, filepath.Join(t.TempDir(), "other"), fx, "US", nil)
	defer l.Close()
	var b [][]byte
	for i := range n {
		b = append(b, fmt.Appendf(nil, "%s%d", prefix, i))
	}
	if _, err := l.AppendBatch(ctxTimeout(t, 20*time.Second), b); err != nil {
		t.Fatal(err)
	}
	return l.Checkpoint()
}
