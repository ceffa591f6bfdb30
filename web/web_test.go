package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/resock/resock/internal/precompressed"
)

var contentTypes = map[string]string{
	"resock.js":    "text/javascript; charset=utf-8",
	"resock.wasm":  "application/wasm",
	"wasm_exec.js": "text/javascript; charset=utf-8",
	"resock.d.ts":  "text/plain; charset=utf-8",
}

// content returns name as it is, decoded from its gzip copy, which the
// tests below check agrees with the others.
func content(t *testing.T, name string) []byte {
	t.Helper()
	gz, err := FS.ReadFile(name + ".gz")
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, precompressed.Gzip, gz)
}

func decode(t *testing.T, coding string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch coding {
	case precompressed.Identity:
		return b
	case precompressed.Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("not gzip: %v", err)
		}
		r = zr
	case precompressed.Brotli:
		r = brotli.NewReader(bytes.NewReader(b))
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("bad %s: %v", coding, err)
	}
	return out
}

// get fetches path from h with the given request headers.
func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestEveryCopyOfAFileHoldsTheSameContent(t *testing.T) {
	for name := range contentTypes {
		want := content(t, name)
		br, err := FS.ReadFile(name + ".br")
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, precompressed.Brotli, br); !bytes.Equal(got, want) {
			t.Errorf("%s.br and %s.gz hold different files", name, name)
		}
		if raw, err := FS.ReadFile(name); err == nil && !bytes.Equal(raw, want) {
			t.Errorf("%s is not what %s.gz holds", name, name)
		}
		// No name or time of the build machine in the gzip header.
		gz, _ := FS.ReadFile(name + ".gz")
		if zr, _ := gzip.NewReader(bytes.NewReader(gz)); zr.Name != "" || !zr.ModTime.IsZero() {
			t.Errorf("%s.gz: name %q, time %v in its header", name, zr.Name, zr.ModTime)
		}
	}
	// Each file is the one its name says.
	for name, mark := range map[string]string{
		"resock.wasm":  "\x00asm\x01\x00\x00\x00",
		"resock.js":    "// resock.js: a reconnecting WebSocket",
		"wasm_exec.js": "// Copyright",
		"resock.d.ts":  "/**\n * resock: a reconnecting WebSocket",
	} {
		if !bytes.HasPrefix(content(t, name), []byte(mark)) {
			t.Errorf("%s does not start with %q", name, mark)
		}
	}
	for name, inside := range map[string]string{
		"resock.js":    "\nexport {\n",
		"wasm_exec.js": "globalThis.Go = class",
		"resock.d.ts":  "export class ReconnectingWebSocket extends EventTarget",
	} {
		if !bytes.Contains(content(t, name), []byte(inside)) {
			t.Errorf("%s does not hold %q", name, inside)
		}
	}
}

func TestHandlerServesEachFileInThePreferredCodingTheClientAccepts(t *testing.T) {
	h := Handler()
	for name, contentType := range contentTypes {
		want := content(t, name)
		for _, tt := range []struct{ acceptEncoding, coding string }{
			{"gzip, deflate, br, zstd", precompressed.Brotli},
			{"br", precompressed.Brotli},
			{"gzip, deflate", precompressed.Gzip},
			{"br;q=0, gzip", precompressed.Gzip},
			{"*", precompressed.Gzip},
			{"", precompressed.Identity},
			{"identity", precompressed.Identity},
			{"deflate, gzip;q=0", precompressed.Identity},
		} {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				w := get(t, h, method, "/"+name, map[string]string{"Accept-Encoding": tt.acceptEncoding})
				hd := w.Header()
				if w.Code != http.StatusOK {
					t.Fatalf("%s /%s, Accept-Encoding %q: %d", method, name, tt.acceptEncoding, w.Code)
				}
				if ct := hd.Get("Content-Type"); ct != contentType {
					t.Errorf("/%s: Content-Type %q, want %q", name, ct, contentType)
				}
				if ce := hd.Get("Content-Encoding"); ce != tt.coding {
					t.Errorf("/%s, Accept-Encoding %q: Content-Encoding %q, want %q", name, tt.acceptEncoding, ce, tt.coding)
				}
				if v := hd.Get("Vary"); v != "Accept-Encoding" {
					t.Errorf("/%s: Vary %q", name, v)
				}
				if method == http.MethodHead {
					continue
				}
				if hd.Get("Content-Length") != "" && hd.Get("Content-Length") != strconv.Itoa(w.Body.Len()) {
					t.Errorf("/%s: Content-Length %s for %d bytes", name, hd.Get("Content-Length"), w.Body.Len())
				}
				if got := decode(t, tt.coding, w.Body.Bytes()); !bytes.Equal(got, want) {
					t.Errorf("/%s, Accept-Encoding %q: the body is not %s", name, tt.acceptEncoding, name)
				}
			}
		}
	}
}

func TestHandlerAnswersARevalidationWithNotModified(t *testing.T) {
	h := Handler()
	for name := range contentTypes {
		seen := map[string]string{}
		for _, ae := range []string{"br", "gzip", ""} {
			w := get(t, h, http.MethodGet, "/"+name, map[string]string{"Accept-Encoding": ae})
			etag := w.Header().Get("ETag")
			if cc := w.Header().Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("/%s: Cache-Control %q, want no-cache", name, cc)
			}
			if !strings.Contains(etag, Version(name)) {
				t.Errorf("/%s: ETag %s is not made from the version %s", name, etag, Version(name))
			}
			if other, ok := seen[etag]; ok {
				t.Errorf("/%s: Accept-Encoding %q and %q get the same ETag %s", name, ae, other, etag)
			}
			seen[etag] = ae
			again := get(t, h, http.MethodGet, "/"+name, map[string]string{"Accept-Encoding": ae, "If-None-Match": etag})
			if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
				t.Errorf("/%s, Accept-Encoding %q, If-None-Match %s: %d with %d bytes, want 304", name, ae, etag, again.Code, again.Body.Len())
			}
		}
	}
}

func TestHandlerServesAFileNamedByItsVersionAsImmutable(t *testing.T) {
	h := Handler()
	for name := range contentTypes {
		v := Version(name)
		if len(v) != 16 {
			t.Fatalf("Version(%q) = %q", name, v)
		}
		for query, want := range map[string]string{
			"?v=" + v:                  precompressed.Immutable,
			"":                         "no-cache",
			"?v=0123456789abcdef":      "no-cache",
			"?version=" + v:            "no-cache",
			"?v=" + strings.ToUpper(v): "no-cache",
		} {
			w := get(t, h, http.MethodGet, "/"+name+query, map[string]string{"Accept-Encoding": "gzip, br"})
			if cc := w.Header().Get("Cache-Control"); cc != want {
				t.Errorf("/%s%s: Cache-Control %q, want %q", name, query, cc, want)
			}
		}
	}
}

func TestVersionIsADigestOfTheContent(t *testing.T) {
	for name := range contentTypes {
		if got, want := Version(name), precompressed.Version(content(t, name)); got != want {
			t.Errorf("Version(%q) = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"resock.wasm.br", "web.go", ""} {
		if v := Version(name); v != "" {
			t.Errorf("Version(%q) = %q, want none", name, v)
		}
	}
}

// ImportURL's file URLs, resolved as resock.js resolves them, reach the
// files through Handler mounted at the prefix, as immutable.
func TestImportURLNamesEveryFileByItsVersion(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/static/resock/", http.StripPrefix("/static/resock", Handler()))
	module, err := url.Parse("https://example.com" + ImportURL("/static/resock/"))
	if err != nil {
		t.Fatal(err)
	}
	if module.Path != "/static/resock/resock.js" {
		t.Fatalf("ImportURL points at %s", module.Path)
	}
	urls := map[string]*url.URL{"resock.js": module}
	for name, param := range map[string]string{"resock.wasm": "wasm", "wasm_exec.js": "wasm_exec"} {
		u, err := module.Parse(module.Query().Get(param))
		if err != nil {
			t.Fatal(err)
		}
		urls[name] = u
	}
	for name, u := range urls {
		if u.Path != "/static/resock/"+name || u.Query().Get("v") != Version(name) {
			t.Errorf("ImportURL names %s as %s", name, u)
		}
		w := get(t, mux, http.MethodGet, u.RequestURI(), map[string]string{"Accept-Encoding": "br"})
		if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != precompressed.Immutable {
			t.Errorf("%s: %d, Cache-Control %q; want 200, immutable", u.RequestURI(), w.Code, w.Header().Get("Cache-Control"))
		}
		if ct := w.Header().Get("Content-Type"); ct != contentTypes[name] {
			t.Errorf("%s: Content-Type %q", u.RequestURI(), ct)
		}
	}
}

func TestHandlerServesNothingElse(t *testing.T) {
	h := Handler()
	for _, target := range []string{"/", "/resock.wasm.br", "/resock.js.gz", "/web.go", "/resock.wasm/", "/src/resock.js"} {
		if w := get(t, h, http.MethodGet, target, nil); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", target, w.Code)
		}
	}
	if w := get(t, h, http.MethodPost, "/resock.js", nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /resock.js: %d, want 405", w.Code)
	}
}
