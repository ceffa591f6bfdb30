//go:build !js

package server

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/resock/resock/internal/gluefiles"
)

// Static serves the demo: "/" and the files beside it from demoDir, and
// from jsglueDir /resock.js with the modules it imports, /resock.d.ts,
// /resock.wasm and /wasm_exec.js.
//
// resock.wasm is served as application/wasm. It and the other files of
// jsglueDir are compressed when the request accepts it: with brotli or
// gzip from the file beside it with .br or .gz that make build writes, when
// that is at least as new, otherwise with gzip once in memory, cached until
// the file changes. Every file is sent with Cache-Control: no-cache, so a
// rebuilt module is picked up on the next load.
func Static(demoDir, jsglueDir string) http.Handler {
	mux := http.NewServeMux()
	names := []string{"resock.wasm", "resock.d.ts", "wasm_exec.js"}
	if modules, err := gluefiles.Modules(jsglueDir); err == nil {
		names = append(names, modules...)
	} else {
		// Not built or checked out yet: resock.js is still the one a page
		// asks for, and answered once it is there.
		names = append(names, "resock.js")
	}
	for _, name := range names {
		mux.Handle("GET /"+name, &glueFile{path: filepath.Join(jsglueDir, name)})
	}
	demo := http.FileServer(http.Dir(demoDir))
	mux.Handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setContentType(w, r.URL.Path)
		w.Header().Set("Cache-Control", "no-cache")
		demo.ServeHTTP(w, r)
	}))
	return mux
}

// contentTypes overrides the system MIME table, which may map .ts to
// video/mp2t or lack .wasm and .mjs.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".ts":   "text/plain; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".wasm": "application/wasm",
}

func setContentType(w http.ResponseWriter, name string) {
	if ct, ok := contentTypes[path.Ext(name)]; ok {
		w.Header().Set("Content-Type", ct)
	}
}

// glueFile serves a file of jsglueDir, compressed when the client accepts
// it.
type glueFile struct {
	path string

	mu      sync.Mutex
	modTime time.Time // of the file gz was made from
	size    int64
	gz      []byte
}

func (f *glueFile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	setContentType(w, f.path)
	h.Set("Cache-Control", "no-cache")
	h.Add("Vary", "Accept-Encoding")

	fi, err := os.Stat(f.path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ae := r.Header.Get("Accept-Encoding")
	// Brotli packs Go's wasm about a fifth smaller than gzip; it is served
	// only as the build prepared it, never compressed here.
	if accepts(ae, "br") && f.servePrecompressed(w, r, fi, ".br", "br") {
		return
	}
	if !accepts(ae, "gzip") {
		http.ServeFile(w, r, f.path)
		return
	}
	if f.servePrecompressed(w, r, fi, ".gz", "gzip") {
		return
	}

	gz, err := f.compressed(fi)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.Set("Content-Encoding", "gzip")
	http.ServeContent(w, r, "", fi.ModTime(), bytes.NewReader(gz))
}

// servePrecompressed serves the file beside f with ext, if it is at least
// as new, with Content-Encoding coding.
func (f *glueFile) servePrecompressed(w http.ResponseWriter, r *http.Request, fi os.FileInfo, ext, coding string) bool {
	pre, err := os.Open(f.path + ext)
	if err != nil {
		return false
	}
	defer pre.Close()
	pfi, err := pre.Stat()
	if err != nil || pfi.ModTime().Before(fi.ModTime()) {
		return false
	}
	w.Header().Set("Content-Encoding", coding)
	http.ServeContent(w, r, "", fi.ModTime(), pre)
	return true
}

// compressed returns the file gzipped, compressing it only when it changed
// since the last call.
func (f *glueFile) compressed(fi os.FileInfo) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gz != nil && f.modTime.Equal(fi.ModTime()) && f.size == fi.Size() {
		return f.gz, nil
	}
	raw, err := os.ReadFile(f.path)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", f.path, err)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("failed to compress %s: %w", f.path, err)
	}
	_, err = zw.Write(raw)
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("failed to compress %s: %w", f.path, err)
	}
	f.gz, f.modTime, f.size = buf.Bytes(), fi.ModTime(), fi.Size()
	return f.gz, nil
}

// accepts reports whether an Accept-Encoding header allows coding: named
// (or, for gzip, matched by "*") with a non-zero quality.
func accepts(header, coding string) bool {
	codingQ, starQ := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				} else {
					q = 0
				}
			}
		}
		switch c := strings.ToLower(strings.TrimSpace(name)); {
		case c == coding || (coding == "gzip" && c == "x-gzip"):
			codingQ = q
		case c == "*":
			starQ = q
		}
	}
	if codingQ >= 0 {
		return codingQ > 0
	}
	// "*" stands for gzip; brotli only when named, to be safe with old
	// clients.
	return coding == "gzip" && starQ > 0
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool { return accepts(header, "gzip") }
