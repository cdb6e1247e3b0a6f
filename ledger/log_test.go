package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tally-project/tally/ledger/receipt"
	"github.com/tally-project/tally/regime/regimetest"
)

func TestAppendReceiptsAndRestart(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU", "UK")
	dir := t.TempDir()
	l := openLog(t, dir, fx, "US", nil)
	ctx := ctxTimeout(t, 30*time.Second)

	const n = 300
	receipts := make([]*receipt.Receipt, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := l.Append(ctx, entryN("US", i))
			if err != nil {
				errs <- err
				return
			}
			receipts[i] = r
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for i, r := range receipts {
		if seen[r.Index] {
			t.Fatalf("index %d given twice", r.Index)
		}
		seen[r.Index] = true
		// Offline, with the regime only.
		parsed, err := receipt.Parse(r.Marshal())
		if err != nil {
			t.Fatal(err)
		}
		res := parsed.Verify(fx.Regime, time.Now())
		if !res.Valid() || !errors.Is(res.Err(), receipt.ErrNotWitnessed) {
			t.Fatalf("receipt %d: valid=%v err=%v\n%s", i, res.Valid(), res.Err(), res.Summary())
		}
		if err := parsed.VerifyEntry(entryN("US", i)); err != nil {
			t.Fatal(err)
		}
		if err := parsed.VerifyEntry(entryN("US", i+1)); err == nil {
			t.Fatal("receipt accepted another entry")
		}
		got, err := l.Entry(ctx, r.Index)
		if err != nil || !bytes.Equal(got, entryN("US", i)) {
			t.Fatalf("Entry(%d) = %q, %v", r.Index, got, err)
		}
	}
	if l.Size() != n {
		t.Fatalf("size %d", l.Size())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, []byte("late")); !errors.Is(err, ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}

	// Reopen: indexes continue, old entries and checkpoints are there.
	l = openLog(t, dir, fx, "US", nil)
	defer l.Close()
	cpsBefore := len(l.Checkpoints())
	r, err := l.Append(ctx, []byte("after restart"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Index != n {
		t.Fatalf("index after restart = %d, want %d", r.Index, n)
	}
	var count uint64
	err = l.Scan(ctx, 0, 1<<62, func(i uint64, e []byte) error {
		if i != count {
			return fmt.Errorf("scan gave index %d, want %d", i, count)
		}
		count++
		return nil
	})
	if err != nil || count != n+1 {
		t.Fatalf("scan: %d entries, %v", count, err)
	}
	cps := l.Checkpoints()
	if len(cps) <= cpsBefore || cps[0].Size > cps[len(cps)-1].Size || cps[len(cps)-1].Size != n+1 {
		t.Fatalf("archive: %d checkpoints (before %d), last size %d", len(cps), cpsBefore, cps[len(cps)-1].Size)
	}
	// A receipt asked for later is against the latest checkpoint.
	r0, err := l.Receipt(ctx, 0)
	if err != nil || r0.Verify(fx.Regime, time.Now()).InclusionErr != nil {
		t.Fatalf("Receipt(0): %v", err)
	}
}

func TestAppendRejectsBadEntries(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU")
	l := openLog(t, t.TempDir(), fx, "US", nil)
	defer l.Close()
	ctx := ctxTimeout(t, 10*time.Second)
	if _, err := l.AppendBatch(ctx, [][]byte{[]byte("ok"), nil}); !errors.Is(err, ErrEmptyEntry) {
		t.Fatalf("empty: %v", err)
	}
	if _, err := l.Append(ctx, make([]byte, MaxEntry+1)); !errors.Is(err, ErrEntryTooLarge) {
		t.Fatalf("large: %v", err)
	}
	if n, _ := l.IntegratedSize(ctx); n != 0 {
		t.Fatalf("a rejected batch left %d entries", n)
	}
	rs, err := l.AppendBatch(ctx, [][]byte{[]byte("a"), make([]byte, MaxEntry), []byte("c")})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Index >= rs[1].Index || rs[1].Index >= rs[2].Index {
		t.Fatalf("batch out of order: %d %d %d", rs[0].Index, rs[1].Index, rs[2].Index)
	}
}

func TestOpenChecksRegime(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU")
	other := regimetest.New(t, regimetest.Options{}, "US", "RU")
	_, err := Open(context.Background(), t.TempDir(), Options{Signer: fx.CheckpointSigner(t, "US"), Regime: other.Regime, Logger: testLogger()})
	if err == nil || !strings.Contains(err.Error(), "is not a checkpoint key of US") {
		t.Fatalf("got %v", err)
	}
}

// An independent tlog implementation (golang.org/x/mod/sumdb/tlog) reads
// the log over HTTP as C2SP tlog-tiles: the tree hash it computes from the
// tiles is the checkpoint's, and its inclusion proofs hold for the entries.
func TestIndependentReader(t *testing.T) {
	fx := regimetest.New(t, regimetest.Options{}, "US", "RU")
	l := openLog(t, t.TempDir(), fx, "US", nil)
	defer l.Close()
	ctx := ctxTimeout(t, 30*time.Second)
	var entries [][]byte
	for i := range 700 {
		entries = append(entries, entryN("US", i))
	}
	if _, err := l.AppendBatch(ctx, entries); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/log/", l.Handler()))
	defer srv.Close()
	base := srv.URL + "/log/"

	cpRaw := get(t, base+"checkpoint")
	c, err := fx.Regime.OpenCheckpoint(cpRaw, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tree := tlog.Tree{N: int64(c.Size), Hash: tlog.Hash(c.Hash)}
	hr := tlog.TileHashReader(tree, &httpTiles{t: t, base: base})
	th, err := tlog.TreeHash(tree.N, hr)
	if err != nil || th != tree.Hash {
		t.Fatalf("tree hash from tiles %v, checkpoint %v, err %v", th, tree.Hash, err)
	}
	for _, i := range []int64{0, 1, 255, 256, 511, 699} {
		p, err := tlog.ProveRecord(tree.N, i, hr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(p, tree.N, tree.Hash, i, tlog.RecordHash(entries[i])); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	// Entry bundles are uint16 length-prefixed entries.
	b := get(t, base+"tile/entries/001")
	if len(b) < 2 || int(b[0])<<8|int(b[1]) != len(entries[256]) || !bytes.Equal(b[2:2+len(entries[256])], entries[256]) {
		t.Fatalf("bundle 1 does not start with entry 256")
	}
	// Paths outside tlog-tiles are not served.
	for _, p := range []string{".state/treeState", "tile/0/1", "tile/0/../../checkpoint", "tile/x/000", "checkpoint/x"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s", p, resp.Status)
		}
	}
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return b
}

// httpTiles is a sumdb/tlog TileReader over a tlog-tiles server: tlog-tiles
// paths are sumdb's without the height (always 8).
type httpTiles struct {
	t    *testing.T
	base string
}

func (h *httpTiles) Height() int { return 8 }

func (h *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		p := strings.TrimPrefix(tile.Path(), "tile/8/")
		resp, err := http.Get(h.base + "tile/" + p)
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound && tile.W < 256 {
			// The partial tile may be gone; the full one starts the same.
			full := tile
			full.W = 256
			resp, err = http.Get(h.base + "tile/" + strings.TrimPrefix(full.Path(), "tile/8/"))
			if err != nil {
				return nil, err
			}
			b, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if len(b) >= tile.W*32 {
				b = b[:tile.W*32]
			}
		}
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("%s: %s", p, resp.Status)
		}
		out[i] = b
	}
	return out, nil
}

func (h *httpTiles) SaveTiles([]tlog.Tile, [][]byte) {}
