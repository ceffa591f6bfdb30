// Package web serves resock's browser files from a Go program: resock.js,
// the ES module a page imports; resock.wasm, the Go program it loads;
// wasm_exec.js, the Go toolchain's loader for it; and resock.d.ts, the
// API's types. They are compiled into the program, so go get is all a Go
// backend needs; no clone of the repository, no build of the wasm. Mount
// Handler under a prefix:
//
//	http.Handle("/resock/", http.StripPrefix("/resock", web.Handler()))
//
// and the page imports the module from there:
//
//	import { ReconnectingWebSocket } from "/resock/resock.js";
//
// resock.js finds resock.wasm and wasm_exec.js beside itself. ImportURL
// names the three by version, so that the browser keeps them for good.
// Shared sockets, whose connection every tab shares through a
// SharedWorker, come from shared.js beside them, with its worker
// (sharedworker.js) and their host (sharedhost.js):
//
//	import { ReconnectingWebSocket } from "/resock/shared.js";
//
// make build writes the files here, built from this module's source the
// same way every time (see internal/wasmbuild), and make test fails when
// the files committed here are not what a fresh build makes.
package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"sync"

	"github.com/resock/resock/internal/precompressed"
)

// FS holds the files as make build writes them: resock.js, wasm_exec.js,
// resock.d.ts and the shared socket's three modules, each with a brotli (.br) and a gzip (.gz) copy beside
// it, and resock.wasm only as resock.wasm.br and resock.wasm.gz. Raw,
// resock.wasm is 4 MiB, seven times its brotli copy, and nearly no client
// wants it: every browser accepts gzip. Handler serves it to one that
// accepts neither by decompressing the gzip copy.
//
//go:embed resock.js resock.js.br resock.js.gz
//go:embed wasm_exec.js wasm_exec.js.br wasm_exec.js.gz
//go:embed resock.d.ts resock.d.ts.br resock.d.ts.gz
//go:embed resock.wasm.br resock.wasm.gz
//go:embed shared.js shared.js.br shared.js.gz
//go:embed sharedhost.js sharedhost.js.br sharedhost.js.gz
//go:embed sharedworker.js sharedworker.js.br sharedworker.js.gz
var FS embed.FS

// file is one of the files Handler serves. What is derived from its
// content is worked out on first use: a program that imports the package
// and never serves resock.wasm does not decompress it.
type file struct {
	name string
	// hasRaw says FS holds the file as it is, not only compressed.
	hasRaw bool
	// version is the file's precompressed.Version.
	version func() (string, error)
	// raw is the file's content, when FS has no copy as it is.
	raw func() ([]byte, error)
}

var files = map[string]*file{}

func init() {
	for _, name := range []string{"resock.js", "resock.wasm", "wasm_exec.js", "resock.d.ts", "shared.js", "sharedhost.js", "sharedworker.js"} {
		_, err := fs.Stat(FS, name)
		f := &file{name: name, hasRaw: err == nil}
		f.raw = sync.OnceValues(f.decompress)
		f.version = sync.OnceValues(f.digest)
		files[name] = f
	}
}

// decompress returns the content of the file's gzip copy, kept for the
// next client that accepts neither brotli nor gzip. Such clients are rare
// (a script whose HTTP client does not decompress, for one): the first
// costs some tens of milliseconds, and the 4 MiB stay.
func (f *file) decompress() ([]byte, error) {
	zr, err := f.openGzip()
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("failed to decompress %s.gz: %w", f.name, err)
	}
	return b, nil
}

func (f *file) openGzip() (*gzip.Reader, error) {
	gz, err := FS.ReadFile(f.name + ".gz")
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("failed to decompress %s.gz: %w", f.name, err)
	}
	return zr, nil
}

// digest returns the version of the file's content, decompressing the
// gzip copy into the hash when FS has no raw copy, so that nothing is kept.
func (f *file) digest() (string, error) {
	if f.hasRaw {
		b, err := FS.ReadFile(f.name)
		if err != nil {
			return "", err
		}
		return precompressed.Version(b), nil
	}
	zr, err := f.openGzip()
	if err != nil {
		return "", err
	}
	v, err := precompressed.ReadVersion(zr)
	if err != nil {
		return "", fmt.Errorf("failed to decompress %s.gz: %w", f.name, err)
	}
	return v, nil
}

// open returns the file in coding from FS.
func (f *file) open(coding string) (io.ReadSeekCloser, error) {
	name := f.name
	switch coding {
	case precompressed.Brotli:
		name += ".br"
	case precompressed.Gzip:
		name += ".gz"
	default:
		if !f.hasRaw {
			b, err := f.raw()
			if err != nil {
				return nil, err
			}
			return precompressed.Bytes(b), nil
		}
	}
	ff, err := FS.Open(name)
	if err != nil {
		return nil, err
	}
	// embed's files can seek.
	return ff.(io.ReadSeekCloser), nil
}

func (f *file) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ver, err := f.version()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	precompressed.Serve(w, r, precompressed.File{Name: f.name, Version: ver, Open: f.open})
}

// Handler returns a handler that serves /resock.js, /resock.wasm,
// /wasm_exec.js and /resock.d.ts from FS, each with its Content-Type
// (resock.wasm as application/wasm, which lets the browser compile it
// while it downloads). Each is sent with brotli to a client that accepts
// it, else with gzip, else as it is, with Vary: Accept-Encoding and an
// ETag per coding made from a digest of the content. It is sent with
// Cache-Control: no-cache, so that the browser revalidates its copy and
// keeps it when this package did not change; or, when the query's v is
// the file's Version, as immutable for a year (see ImportURL).
//
// server.Static serves the same files, from a directory make build
// writes, the same way.
func Handler() http.Handler {
	mux := http.NewServeMux()
	for name, f := range files {
		mux.Handle("GET /"+name, f)
	}
	return mux
}

// Version returns the version of a file Handler serves, which it
// recognizes in a v query parameter: a digest of the file's content. It
// returns "" for a name Handler does not serve.
func Version(name string) string {
	f, ok := files[name]
	if !ok {
		return ""
	}
	v, err := f.version()
	if err != nil {
		return ""
	}
	return v
}

// ImportURL returns the URL of resock.js for a page to import when
// Handler is served at prefix (for example "/resock/"), with it,
// resock.wasm and wasm_exec.js named by their Version: the browser then
// keeps all three without asking again until this package changes, and
// never runs a resock.js beside the resock.wasm of another version.
func ImportURL(prefix string) string {
	q := url.Values{"v": {Version("resock.js")}}
	// resock.js resolves these against its own URL.
	q.Set("wasm", "resock.wasm?v="+Version("resock.wasm"))
	q.Set("wasm_exec", "wasm_exec.js?v="+Version("wasm_exec.js"))
	return prefix + "resock.js?" + q.Encode()
}
