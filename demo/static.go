//go:build !js

package demo

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"github.com/resock/resock/internal/gluefiles"
	"github.com/resock/resock/internal/precompressed"
)

// Static serves the demo: "/" and the files beside it from demoDir, and
// from jsglueDir /resock.js with the modules it imports, /resock.d.ts,
// /resock.wasm and /wasm_exec.js.
//
// Of demoDir it serves what a page loads, not the Go package that shares
// the folder with the demo page: no .go file, and no directory but through
// its index.html, so never a listing.
//
// resock.wasm is served as application/wasm. It and the other files of
// jsglueDir are compressed when the request accepts it: with brotli or
// gzip from the file beside it with .br or .gz that make build writes, when
// that is at least as new, otherwise with gzip once in memory, cached until
// the file changes. They are served as package web serves the copies
// compiled into it (internal/precompressed), but from disk, so that a
// rebuild is served at once.
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
	demo := http.FileServer(pageFiles{http.Dir(demoDir)})
	mux.Handle("GET /", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		precompressed.SetContentType(w.Header(), r.URL.Path)
		w.Header().Set("Cache-Control", "no-cache")
		demo.ServeHTTP(w, r)
	}))
	return mux
}

// pageFiles is a directory as a page sees it: its Go source files and the
// directories without an index.html are not there.
type pageFiles struct {
	dir http.Dir
}

func (p pageFiles) Open(name string) (http.File, error) {
	if path.Ext(name) == ".go" {
		return nil, fs.ErrNotExist
	}
	f, err := p.dir.Open(name)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		index, err := p.dir.Open(path.Join(name, "index.html"))
		if err != nil {
			f.Close()
			return nil, fs.ErrNotExist
		}
		index.Close()
	}
	return f, nil
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
	return precompressed.Version(raw), nil
}

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
	precompressed.Serve(w, r, precompressed.File{
		Name:    f.path,
		Version: ver,
		ModTime: fi.ModTime(),
		Open: func(coding string) (io.ReadSeekCloser, error) {
			switch coding {
			case precompressed.Brotli:
				// Only as the build prepared it: brotli at its best
				// is far too slow to compress here.
				return f.openPrecompressed(fi, ".br")
			case precompressed.Gzip:
				if pre, err := f.openPrecompressed(fi, ".gz"); err == nil {
					return pre, nil
				}
				gz, err := f.compressed(fi)
				if err != nil {
					return nil, err
				}
				return precompressed.Bytes(gz), nil
			default:
				return os.Open(f.path)
			}
		},
	})
}

// openPrecompressed opens the file beside f with ext, if it is at least as
// new as fi, f's file.
func (f *glueFile) openPrecompressed(fi os.FileInfo, ext string) (io.ReadSeekCloser, error) {
	pre, err := os.Open(f.path + ext)
	if err != nil {
		return nil, fs.ErrNotExist
	}
	pfi, err := pre.Stat()
	if err != nil || pfi.ModTime().Before(fi.ModTime()) {
		pre.Close()
		return nil, fs.ErrNotExist
	}
	return pre, nil
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
	f.ver, f.gz, f.modTime, f.size = precompressed.Version(raw), nil, fi.ModTime(), fi.Size()
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
		f.ver = precompressed.Version(raw)
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
