package ledger

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/transparency-dev/tessera/api/layout"
)

// Handler serves the log read-only, as C2SP tlog-tiles, plus the
// checkpoint archive. Mount it under a prefix with http.StripPrefix:
//
//	mux.Handle("/log/", http.StripPrefix("/log/", l.Handler()))
//
// Paths: checkpoint, tile/<L>/<N>[.p/<W>], tile/entries/<N>[.p/<W>],
// checkpoints. Nothing else in the directory is reachable.
func (l *Log) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "read-only", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(r.URL.Path, "/")
		switch {
		case p == layout.CheckpointPath:
			cp := l.Checkpoint()
			if cp == nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(cp))
		case p == ArchiveFile:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			serveFile(w, r, filepath.Join(l.dir, ArchiveFile))
		case canonicalTilePath(p):
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			serveFile(w, r, filepath.Join(l.dir, filepath.FromSlash(p)))
		default:
			http.NotFound(w, r)
		}
	})
}

// canonicalTilePath reports whether p is a tile or entry bundle path
// exactly as tlog-tiles writes it (which also keeps requests inside the
// directory).
func canonicalTilePath(p string) bool {
	rest, ok := strings.CutPrefix(p, "tile/")
	if !ok {
		return false
	}
	level, index, ok := strings.Cut(rest, "/")
	if !ok {
		return false
	}
	if level == "entries" {
		_, n, pw, err := layout.ParseTileLevelIndexPartial("0", index)
		return err == nil && layout.EntriesPath(n, pw) == p
	}
	l, n, pw, err := layout.ParseTileLevelIndexPartial(level, index)
	return err == nil && l < 64 && layout.TilePath(l, n, pw) == p
}

func serveFile(w http.ResponseWriter, r *http.Request, path string) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "cannot read", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.IsDir() {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, "", fi.ModTime(), f)
}
