package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// Source reads what a log publishes: its checkpoint, tiles and entry
// bundles (C2SP tlog-tiles), and its checkpoint archive. Missing resources
// are errors wrapping os.ErrNotExist. A partial tile or bundle that is gone
// is read from the full one, as tlog-tiles allows logs to delete them.
type Source interface {
	ReadCheckpoint(ctx context.Context) ([]byte, error)
	ReadTile(ctx context.Context, level, index uint64, p uint8) ([]byte, error)
	ReadEntryBundle(ctx context.Context, index uint64, p uint8) ([]byte, error)
	// ReadArchive returns the checkpoint archive (see ParseArchive).
	ReadArchive(ctx context.Context) ([]byte, error)
	// String names the source in messages.
	String() string
}

// DirSource reads a log from its directory.
func DirSource(dir string) Source {
	return dirSource{FileFetcher: client.FileFetcher{Root: dir}, dir: dir}
}

type dirSource struct {
	client.FileFetcher
	dir string
}

func (d dirSource) ReadArchive(context.Context) ([]byte, error) {
	return os.ReadFile(filepath.Join(d.dir, ArchiveFile))
}

func (d dirSource) String() string { return d.dir }

// HTTPSource reads a log served under the URL prefix (a node's log
// handler, or any tlog-tiles server).
func HTTPSource(prefix string, c *http.Client) (Source, error) {
	u, err := url.Parse(prefix)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", prefix)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if c == nil {
		c = http.DefaultClient
	}
	f, err := client.NewHTTPFetcher(u, c)
	if err != nil {
		return nil, err
	}
	return &httpSource{HTTPFetcher: f, base: u, c: c}, nil
}

type httpSource struct {
	*client.HTTPFetcher
	base *url.URL
	c    *http.Client
}

func (h *httpSource) ReadArchive(ctx context.Context) ([]byte, error) {
	return httpGet(ctx, h.c, h.base.JoinPath(ArchiveFile).String())
}

func (h *httpSource) String() string { return h.base.String() }

// maxHTTPBody bounds what is read from another node in one response.
const maxHTTPBody = 256 << 20

func httpGet(ctx context.Context, c *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPBody+1))
		if err == nil && len(b) > maxHTTPBody {
			return nil, fmt.Errorf("GET %s: the answer exceeds %d bytes", u, maxHTTPBody)
		}
		return b, err
	case http.StatusNotFound:
		return nil, fmt.Errorf("GET %s: %w", u, os.ErrNotExist)
	default:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return nil, fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(b)))
	}
}

// readBundle reads and parses the entry bundle with the given index of a
// tree of the given size. want is the number of entries the bundle must
// hold at that size (a full bundle read in place of a gone partial one is
// cut to it).
func readBundle(ctx context.Context, src Source, index, size uint64) ([][]byte, error) {
	p := layout.PartialTileSize(0, index, size)
	raw, err := src.ReadEntryBundle(ctx, index, p)
	if err != nil {
		return nil, err
	}
	var b api.EntryBundle
	if err := b.UnmarshalText(raw); err != nil {
		return nil, fmt.Errorf("%s: %v", layout.EntriesPath(index, p), err)
	}
	want := int(p)
	if p == 0 {
		want = layout.EntryBundleWidth
	}
	if len(b.Entries) < want {
		return nil, fmt.Errorf("%s holds %d entries, want %d", layout.EntriesPath(index, p), len(b.Entries), want)
	}
	return b.Entries[:want], nil
}

var errNotFound = os.ErrNotExist

func isNotFound(err error) bool { return errors.Is(err, errNotFound) }
