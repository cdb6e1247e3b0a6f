package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

// assets serves the embedded static files. Text files are compressed once
// at start; verify.wasm is embedded compressed (verify.wasm.gz) and served
// as verify.wasm. URLs carry the file's hash (asset "tally.css" is
// /static/tally.css?v=...), so a versioned URL can be cached for good and
// a new binary's files are fetched afresh.
type assets struct {
	files map[string]*asset
}

type asset struct {
	name  string
	ctype string
	hash  string // hex SHA-256 of the uncompressed bytes
	raw   []byte // nil until needed, for a file embedded compressed
	gz    []byte // nil for a file not worth compressing
	once  sync.Once
}

func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{files: map[string]*asset{}}
	err := fs.WalkDir(fsys, "static", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		f := &asset{name: name}
		if strings.HasSuffix(name, ".gz") {
			f.name = strings.TrimSuffix(name, ".gz")
			f.gz = data
			raw, err := gunzip(data)
			if err != nil {
				return fmt.Errorf("server: %s: %w", p, err)
			}
			f.hash = hashOf(raw)
		} else {
			f.raw = data
			f.hash = hashOf(data)
			if compressible(name) {
				f.gz = gzipBytes(data)
			}
		}
		f.ctype = mime.TypeByExtension(path.Ext(f.name))
		switch path.Ext(f.name) {
		case ".js":
			f.ctype = "text/javascript; charset=utf-8"
		case ".wasm":
			f.ctype = "application/wasm"
		case ".txt", "":
			f.ctype = "text/plain; charset=utf-8"
		}
		if f.ctype == "" {
			f.ctype = "application/octet-stream"
		}
		a.files[f.name] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("server: static files: %w", err)
	}
	return a, nil
}

func compressible(name string) bool {
	switch path.Ext(name) {
	case ".css", ".js", ".json", ".svg", ".txt", ".wasm", ".html":
		return true
	}
	return false
}

func hashOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// url is the versioned URL of an asset. A name that is not embedded is a
// bug in a template; the tests load every page and would see the 404.
func (a *assets) url(name string) string {
	f, ok := a.files[name]
	if !ok {
		return "/static/" + name
	}
	return "/static/" + name + "?v=" + f.hash[:12]
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", `"`+f.hash[:32]+`"`)
	h.Set("Vary", "Accept-Encoding")
	if v := r.URL.Query().Get("v"); v != "" && strings.HasPrefix(f.hash, v) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, `"`+f.hash[:32]+`"`) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.gz
	if body != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
	} else {
		body = f.bytes()
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// bytes is the uncompressed file, decompressed on first need for a file
// embedded compressed.
func (f *asset) bytes() []byte {
	f.once.Do(func() {
		if f.raw == nil {
			f.raw, _ = gunzip(f.gz) // checked in loadAssets
		}
	})
	return f.raw
}

// acceptsGzip reports whether the request accepts gzip (and does not
// refuse it with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// gzipBytes compresses deterministically: no name, no time, best
// compression, so that the same input always gives the same bytes.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
