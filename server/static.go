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
)

// Static serves the demo: "/" and the files beside it from demoDir, and
// /resock.js, /resock.d.ts, /resock.wasm and /wasm_exec.js from jsglueDir.
//
// resock.wasm is served as application/wasm, gzip-compressed when the request
// accepts gzip: from jsglueDir/resock.wasm.gz when that file is at least as
// new as resock.wasm, otherwise compressed once in memory and cached until
// resock.wasm changes. Every file is sent with Cache-Control: no-cache, so a
// rebuilt module is picked up on the next load.
func Static(demoDir, jsglueDir string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /resock.wasm", &wasmFile{path: filepath.Join(jsglueDir, "resock.wasm")})
	for _, name := range []string{"resock.js", "resock.d.ts", "wasm_exec.js"} {
		mux.Handle("GET /"+name, glueFile(filepath.Join(jsglueDir, name)))
	}
	demo := http.FileServer(http.Dir(demoDir))
	mux.Handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setContentType(w, r.URL.Path)
		w.Header().Set("Cache-Control", "no-cache")
		demo.ServeHTTP(w, r)
	}))
	return mux
}

func glueFile(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setContentType(w, name)
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFile(w, r, name)
	})
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

// wasmFile serves resock.wasm, gzip-compressed when the client accepts it.
type wasmFile struct {
	path string

	mu      sync.Mutex
	modTime time.Time // of the resock.wasm gz was made from
	size    int64
	gz      []byte
}

func (f *wasmFile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/wasm")
	h.Set("Cache-Control", "no-cache")
	h.Add("Vary", "Accept-Encoding")

	fi, err := os.Stat(f.path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
		http.ServeFile(w, r, f.path)
		return
	}

	if pre, err := os.Open(f.path + ".gz"); err == nil {
		defer pre.Close()
		if pfi, err := pre.Stat(); err == nil && !pfi.ModTime().Before(fi.ModTime()) {
			h.Set("Content-Encoding", "gzip")
			http.ServeContent(w, r, "", fi.ModTime(), pre)
			return
		}
	}

	gz, err := f.compressed(fi)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.Set("Content-Encoding", "gzip")
	http.ServeContent(w, r, "", fi.ModTime(), bytes.NewReader(gz))
}

// compressed returns resock.wasm gzipped, compressing it only when it changed
// since the last call.
func (f *wasmFile) compressed(fi os.FileInfo) ([]byte, error) {
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

// acceptsGzip reports whether an Accept-Encoding header allows gzip: named
// (or matched by "*") with a non-zero quality.
func acceptsGzip(header string) bool {
	gzipQ, starQ := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
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
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			gzipQ = q
		case "*":
			starQ = q
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
