//go:build !js

package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
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
// the file changes.
//
// Every file is sent with Cache-Control: no-cache, so a rebuilt module is
// picked up on the next load; the files of jsglueDir also with an ETag made
// from their content, so that the browser revalidates its copy exactly and
// keeps it, and the code it compiled from it, when nothing changed. A
// request for a file of jsglueDir whose query has v set to the file's
// GlueVersion is answered as immutable for a year instead: a page that
// names its files by version never asks again, and never gets an old
// resock.wasm beside a new resock.js, since a new build has a new version.
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

// GlueVersion returns the version of the file name of jsglueDir that Static
// recognizes in a v query parameter: a digest of its content. A page can
// import "/resock.js?v=" + GlueVersion(dir, "resock.js") + "&wasm=" +
// url.QueryEscape("/resock.wasm?v=" + GlueVersion(dir, "resock.wasm")),
// so that the browser caches both until they change.
func GlueVersion(jsglueDir, name string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(jsglueDir, name))
	if err != nil {
		return "", fmt.Errorf("failed to read %s: %w", name, err)
	}
	return version(raw), nil
}

// version is the first 64 bits of the SHA-256 of b, in hex.
func version(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// immutable is Cache-Control for a file named by its version: kept for a
// year without asking again.
const immutable = "public, max-age=31536000, immutable"

// glueFile serves a file of jsglueDir, compressed when the client accepts
// it.
type glueFile struct {
	path string

	mu      sync.Mutex
	modTime time.Time // of the file gz and ver were made from
	size    int64
	gz      []byte
	ver     string
}

func (f *glueFile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	setContentType(w, f.path)
	h.Add("Vary", "Accept-Encoding")

	fi, err := os.Stat(f.path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ver, err := f.version(fi)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if v := r.URL.Query().Get("v"); v != "" && v == ver {
		h.Set("Cache-Control", immutable)
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	// One ETag per encoding, as each is a different body.
	setETag := func(coding string) {
		if coding == "" {
			h.Set("ETag", `"`+ver+`"`)
		} else {
			h.Set("ETag", `"`+ver+"-"+coding+`"`)
		}
	}
	setETag("")
	ae := r.Header.Get("Accept-Encoding")
	// Brotli packs Go's wasm about a fifth smaller than gzip; it is served
	// only as the build prepared it, never compressed here.
	if accepts(ae, "br") && f.servePrecompressed(w, r, fi, ".br", "br", setETag) {
		return
	}
	if !accepts(ae, "gzip") {
		http.ServeFile(w, r, f.path)
		return
	}
	if f.servePrecompressed(w, r, fi, ".gz", "gzip", setETag) {
		return
	}

	gz, err := f.compressed(fi)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.Set("Content-Encoding", "gzip")
	setETag("gzip")
	http.ServeContent(w, r, "", fi.ModTime(), bytes.NewReader(gz))
}

// servePrecompressed serves the file beside f with ext, if it is at least
// as new, with Content-Encoding coding and the ETag setETag makes for it.
func (f *glueFile) servePrecompressed(w http.ResponseWriter, r *http.Request, fi os.FileInfo, ext, coding string, setETag func(string)) bool {
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
	setETag(coding)
	http.ServeContent(w, r, "", fi.ModTime(), pre)
	return true
}

// version returns the file's GlueVersion, reading the file only when it
// changed since the last call.
func (f *glueFile) version(fi os.FileInfo) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.refresh(fi); err != nil {
		return "", err
	}
	return f.ver, nil
}

// refresh forgets what was derived from an older file and computes the
// version of the current one, which it returns when it had to read it.
// f.mu is held.
func (f *glueFile) refresh(fi os.FileInfo) ([]byte, error) {
	if f.ver != "" && f.modTime.Equal(fi.ModTime()) && f.size == fi.Size() {
		return nil, nil
	}
	raw, err := os.ReadFile(f.path)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", f.path, err)
	}
	f.ver, f.gz, f.modTime, f.size = version(raw), nil, fi.ModTime(), fi.Size()
	return raw, nil
}

// compressed returns the file gzipped, compressing it only when it changed
// since the last call.
func (f *glueFile) compressed(fi os.FileInfo) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	raw, err := f.refresh(fi)
	if err != nil {
		return nil, err
	}
	if f.gz != nil {
		return f.gz, nil
	}
	if raw == nil {
		if raw, err = os.ReadFile(f.path); err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", f.path, err)
		}
		f.ver = version(raw)
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
	f.gz = buf.Bytes()
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
