package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"time"

	"github.com/tally-project/tally/ledger"
	"github.com/tally-project/tally/regime"
	"github.com/tally-project/tally/store"
)

// point says: every entry below size reached the receiver by t.
type point struct {
	size uint64
	t    time.Time
}

// frontier is one receiver's cosignatures on one log, reduced to what
// fixes the time of provision of each entry: the earliest cosignature on a
// checkpoint that includes it. Sizes and times both increase.
type frontier []point

// add records a cosignature at t on a checkpoint of the given size, and
// reports whether any entry's time of provision changed.
func (f *frontier) add(size uint64, t time.Time) bool {
	pts := *f
	for _, p := range pts {
		if p.size >= size && !p.t.After(t) {
			return false // an earlier cosignature already covers these
		}
	}
	out := pts[:0:0]
	for _, p := range pts {
		if p.size <= size && !p.t.Before(t) {
			continue // the new one covers these earlier
		}
		out = append(out, p)
	}
	out = append(out, point{size, t})
	sort.Slice(out, func(i, j int) bool { return out[i].size < out[j].size })
	*f = out
	return true
}

// ranges turns the frontier into provision ranges.
func (f frontier) ranges(party, receiver string) []store.Provision {
	var out []store.Provision
	lo := uint64(0)
	for _, p := range f {
		if p.size > lo {
			out = append(out, store.Provision{Party: party, Receiver: receiver, Lo: lo, Hi: p.size, Time: p.t})
			lo = p.size
		}
	}
	return out
}

// provTracker follows the cosignatures in one log's checkpoint archive.
type provTracker struct {
	reg   *regime.Regime
	now   func() time.Time
	party string
	seen  map[string]bool // cosignature lines already counted
	front map[string]*frontier
}

func newProvTracker(reg *regime.Regime, now func() time.Time, party string) *provTracker {
	return &provTracker{reg: reg, now: now, party: party, seen: map[string]bool{}, front: map[string]*frontier{}}
}

// add counts the cosignatures of an archive not counted yet, and returns
// the receivers whose times changed.
func (p *provTracker) add(cps []*ledger.ArchivedCheckpoint) []string {
	changed := map[string]bool{}
	for _, cp := range cps {
		for _, line := range cp.Cosignatures {
			if p.seen[line] {
				continue
			}
			p.seen[line] = true
			msg := append(append([]byte(nil), cp.Note...), line...)
			c, err := p.reg.OpenCheckpoint(msg, p.now())
			if err != nil || c.Log.ID != p.party {
				continue
			}
			for _, cs := range c.Cosignatures {
				if cs.Line != line {
					continue
				}
				f := p.front[cs.Witness.ID]
				if f == nil {
					f = &frontier{}
					p.front[cs.Witness.ID] = f
				}
				if f.add(c.Size, cs.Time.UTC()) {
					changed[cs.Witness.ID] = true
				}
			}
		}
	}
	out := make([]string, 0, len(changed))
	for r := range changed {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// save writes the ranges of the receivers named.
func (p *provTracker) save(ctx context.Context, st store.Store, receivers []string) error {
	for _, r := range receivers {
		if err := st.SetProvision(ctx, p.party, r, p.front[r].ranges(p.party, r)); err != nil {
			return err
		}
	}
	return nil
}

// fetchArchive brings the local copy of a log's checkpoint archive up to
// date, reading only what it does not have (the archive only grows), and
// reports whether it grew.
func fetchArchive(ctx context.Context, c *http.Client, url, path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	have := fi.Size()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := c.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusRequestedRangeNotSatisfiable, http.StatusNotFound:
		return false, nil
	case http.StatusPartialContent:
		if _, err := f.Seek(have, io.SeekStart); err != nil {
			return false, err
		}
	case http.StatusOK:
		// The whole archive: keep it if it extends ours.
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return false, err
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
		if err != nil {
			return false, err
		}
		if int64(len(data)) <= have {
			return false, nil
		}
		if _, err := f.WriteAt(data, 0); err != nil {
			return false, err
		}
		return true, nil
	default:
		return false, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	n, err := io.Copy(f, io.LimitReader(resp.Body, 1<<30))
	if err != nil && !errors.Is(err, io.EOF) {
		return n > 0, err
	}
	return n > 0, nil
}

// readArchive parses a local archive file (missing: empty).
func readArchive(path string) ([]*ledger.ArchivedCheckpoint, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ledger.ParseArchive(data)
}
