//go:build !js

package demo

import (
	"bytes"
	"compress/gzip"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resock/resock/internal/wasmbuild"
)

// staticDirs creates a demo and a jsglue directory with small stand-ins for
// the real files.
func staticDirs(t *testing.T) (demoDir, jsglueDir string, wasm []byte) {
	t.Helper()
	demoDir, jsglueDir = t.TempDir(), t.TempDir()
	wasm = bytes.Repeat([]byte("\x00asm\x01\x00\x00\x00 resock "), 4096)
	files := map[string][]byte{
		filepath.Join(demoDir, "index.html"): []byte("<!doctype html><title>whiteboard</title>"),
		filepath.Join(demoDir, "app.js"):     []byte("import '/resock.js';"),
		// The Go package beside the page, which Static must not serve.
		filepath.Join(demoDir, "server.go"):                     []byte("package demo"),
		filepath.Join(demoDir, "cmd", "resock-demo", "main.go"): []byte("package main"),
		filepath.Join(demoDir, "e2e", "index.html"):             []byte("<!doctype html><title>harness</title>"),
		filepath.Join(jsglueDir, "resock.js"):                   []byte("export class ReconnectingWebSocket {}"),
		filepath.Join(jsglueDir, "resock.d.ts"):                 []byte("export declare class ReconnectingWebSocket {}"),
		filepath.Join(jsglueDir, "wasm_exec.js"):                []byte("globalThis.Go = class {};"),
		filepath.Join(jsglueDir, "resock.wasm"):                 wasm,
	}
	for name, b := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return demoDir, jsglueDir, wasm
}

// get fetches path with the given Accept-Encoding, without letting the
// client decompress anything.
func get(t *testing.T, url, acceptEncoding string) (*http.Response, []byte) {
	t.Helper()
	header := map[string]string{}
	if acceptEncoding != "" {
		header["Accept-Encoding"] = acceptEncoding
	}
	resp, b := getWith(t, url, header)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return resp, b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}

func gzipBytes(t *testing.T, name string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name = name
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checkWasmHeaders(t *testing.T, resp *http.Response, wantEncoding string) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/wasm" {
		t.Errorf("Content-Type = %q, want application/wasm", ct)
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != wantEncoding {
		t.Errorf("Content-Encoding = %q, want %q", ce, wantEncoding)
	}
	if v := resp.Header.Get("Vary"); !strings.Contains(v, "Accept-Encoding") {
		t.Errorf("Vary = %q, want Accept-Encoding", v)
	}
}

func TestStaticServesWasmGzippedWhenAccepted(t *testing.T) {
	demoDir, jsglueDir, wasm := staticDirs(t)
	hs := httptest.NewServer(Static(demoDir, jsglueDir))
	defer hs.Close()

	resp, body := get(t, hs.URL+"/resock.wasm", "gzip, deflate, br")
	checkWasmHeaders(t, resp, "gzip")
	if got := gunzip(t, body); !bytes.Equal(got, wasm) {
		t.Fatal("gzipped resock.wasm does not decompress to resock.wasm")
	}
	if len(body) >= len(wasm) {
		t.Fatalf("gzipped size %d is not below the raw size %d", len(body), len(wasm))
	}

	for _, ae := range []string{"", "identity", "gzip;q=0, br", "br"} {
		resp, body := get(t, hs.URL+"/resock.wasm", ae)
		checkWasmHeaders(t, resp, "")
		if !bytes.Equal(body, wasm) {
			t.Fatalf("Accept-Encoding %q: body is not resock.wasm as is", ae)
		}
	}
}

func TestStaticPrefersAnUpToDatePrecompressedWasm(t *testing.T) {
	demoDir, jsglueDir, wasm := staticDirs(t)
	wasmPath := filepath.Join(jsglueDir, "resock.wasm")
	// The name in the gzip header tells this file from the server's own
	// compression.
	pre := gzipBytes(t, "precompressed", wasm)
	if err := os.WriteFile(wasmPath+".gz", pre, 0o644); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(Static(demoDir, jsglueDir))
	defer hs.Close()

	resp, body := get(t, hs.URL+"/resock.wasm", "gzip")
	checkWasmHeaders(t, resp, "gzip")
	if !bytes.Equal(body, pre) {
		t.Fatal("an up-to-date resock.wasm.gz was not served")
	}

	// resock.wasm rebuilt after resock.wasm.gz: the stale file is ignored.
	newer := append(bytes.Clone(wasm), "rebuilt"...)
	if err := os.WriteFile(wasmPath, newer, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(wasmPath, later, later); err != nil {
		t.Fatal(err)
	}
	resp, body = get(t, hs.URL+"/resock.wasm", "gzip")
	checkWasmHeaders(t, resp, "gzip")
	if bytes.Equal(body, pre) {
		t.Fatal("a resock.wasm.gz older than resock.wasm was served")
	}
	if got := gunzip(t, body); !bytes.Equal(got, newer) {
		t.Fatal("served gzip does not decompress to the rebuilt resock.wasm")
	}
}

func TestStaticRecompressesWasmWhenItChanges(t *testing.T) {
	demoDir, jsglueDir, wasm := staticDirs(t)
	wasmPath := filepath.Join(jsglueDir, "resock.wasm")
	hs := httptest.NewServer(Static(demoDir, jsglueDir))
	defer hs.Close()

	_, body := get(t, hs.URL+"/resock.wasm", "gzip")
	if got := gunzip(t, body); !bytes.Equal(got, wasm) {
		t.Fatal("first response is not resock.wasm")
	}
	rebuilt := bytes.Repeat([]byte("rebuilt "), 1000)
	if err := os.WriteFile(wasmPath, rebuilt, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(wasmPath, later, later); err != nil {
		t.Fatal(err)
	}
	_, body = get(t, hs.URL+"/resock.wasm", "gzip")
	if got := gunzip(t, body); !bytes.Equal(got, rebuilt) {
		t.Fatal("the cached compression of the old resock.wasm was served after a rebuild")
	}
}

func TestStaticServesDemoAndGlueWithContentTypes(t *testing.T) {
	demoDir, jsglueDir, _ := staticDirs(t)
	hs := httptest.NewServer(Static(demoDir, jsglueDir))
	defer hs.Close()

	for path, want := range map[string]struct{ contentType, body string }{
		"/":             {"text/html; charset=utf-8", "<!doctype html><title>whiteboard</title>"},
		"/app.js":       {"text/javascript; charset=utf-8", "import '/resock.js';"},
		"/resock.js":    {"text/javascript; charset=utf-8", "export class ReconnectingWebSocket {}"},
		"/wasm_exec.js": {"text/javascript; charset=utf-8", "globalThis.Go = class {};"},
		"/resock.d.ts":  {"text/plain; charset=utf-8", "export declare class ReconnectingWebSocket {}"},
	} {
		resp, body := get(t, hs.URL+path, "")
		if ct := resp.Header.Get("Content-Type"); ct != want.contentType {
			t.Errorf("%s: Content-Type = %q, want %q", path, ct, want.contentType)
		}
		if string(body) != want.body {
			t.Errorf("%s: body = %q, want %q", path, body, want.body)
		}
	}

	for _, path := range []string{"/missing.js", "/server.go", "/cmd/", "/cmd/resock-demo/", "/cmd/resock-demo/main.go"} {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s, want 404", path, resp.Status)
		}
	}
	if _, body := get(t, hs.URL+"/e2e/", ""); string(body) != "<!doctype html><title>harness</title>" {
		t.Errorf("/e2e/ served %q, want its index.html", body)
	}
}

func TestStaticServesPrecompressedBrotliToClientsThatAskForIt(t *testing.T) {
	demoDir, jsglueDir, _ := staticDirs(t)
	hs := httptest.NewServer(Static(demoDir, jsglueDir))
	defer hs.Close()

	for name, contentType := range glueContentTypes {
		// The content is opaque to the server: it serves the build's file
		// as is.
		br := []byte("brotli bytes of " + name + " as the build made them")
		if err := os.WriteFile(filepath.Join(jsglueDir, name+".br"), br, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct{ acceptEncoding, want string }{
			{"gzip, deflate, br", "br"},
			{"br", "br"},
			{"gzip, br;q=0", "gzip"},
			{"*", "gzip"},
			{"", ""},
		} {
			resp, body := get(t, hs.URL+"/"+name, tt.acceptEncoding)
			checkGlueHeaders(t, resp, contentType, tt.want)
			if tt.want == "br" && !bytes.Equal(body, br) {
				t.Errorf("%s.br was not served to a client accepting %q", name, tt.acceptEncoding)
			}
		}
	}
}

// glueContentTypes are the files Static serves from jsglueDir, and their
// Content-Type.
var glueContentTypes = map[string]string{
	"resock.wasm":  "application/wasm",
	"resock.js":    "text/javascript; charset=utf-8",
	"wasm_exec.js": "text/javascript; charset=utf-8",
	"resock.d.ts":  "text/plain; charset=utf-8",
}

func checkGlueHeaders(t *testing.T, resp *http.Response, contentType, encoding string) {
	t.Helper()
	name := resp.Request.URL.Path
	if ct := resp.Header.Get("Content-Type"); ct != contentType {
		t.Errorf("%s: Content-Type = %q, want %q", name, ct, contentType)
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != encoding {
		t.Errorf("%s: Content-Encoding = %q, want %q", name, ce, encoding)
	}
	if v := resp.Header.Get("Vary"); !strings.Contains(v, "Accept-Encoding") {
		t.Errorf("%s: Vary = %q, want Accept-Encoding", name, v)
	}
}

// What make build writes beside each file (wasmbuild.Compress) is served:
// never taken for stale, whatever the times of the files, until the file
// changes.
func TestStaticServesTheCopiesTheBuildWrote(t *testing.T) {
	demoDir, jsglueDir, _ := staticDirs(t)
	raw := map[string][]byte{}
	var paths []string
	for i, name := range slices.Sorted(maps.Keys(glueContentTypes)) {
		p := filepath.Join(jsglueDir, name)
		b := bytes.Repeat([]byte(name+" of resock "), 500)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		// Times with nanoseconds, in the past and in the future.
		mt := time.Now().Add(time.Duration(i-2) * time.Hour).Round(time.Second).Add(time.Duration(i+1) * 123456789)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
		raw[name] = b
		paths = append(paths, p)
	}
	// A gzip copy the server would not make itself tells the build's copy
	// from the server's own compression; the build keeps it, as it
	// decodes to the file.
	fast := map[string][]byte{}
	for name, b := range raw {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(b)
		zw.Close()
		fast[name] = buf.Bytes()
		if err := os.WriteFile(filepath.Join(jsglueDir, name+".gz"), fast[name], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := wasmbuild.Compress(paths, wasmbuild.Brotli, wasmbuild.Gzip); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(Static(demoDir, jsglueDir))
	defer hs.Close()

	for name, contentType := range glueContentTypes {
		br, err := os.ReadFile(filepath.Join(jsglueDir, name+".br"))
		if err != nil {
			t.Fatal(err)
		}
		resp, body := get(t, hs.URL+"/"+name, "gzip, deflate, br")
		checkGlueHeaders(t, resp, contentType, "br")
		if !bytes.Equal(body, br) {
			t.Errorf("%s: not the build's brotli copy", name)
		}
		resp, body = get(t, hs.URL+"/"+name, "gzip, deflate")
		checkGlueHeaders(t, resp, contentType, "gzip")
		if !bytes.Equal(body, fast[name]) {
			t.Errorf("%s: not the build's gzip copy", name)
		}
		if got := gunzip(t, body); !bytes.Equal(got, raw[name]) {
			t.Errorf("%s: gzip copy does not decompress to the file", name)
		}
		resp, body = get(t, hs.URL+"/"+name, "")
		checkGlueHeaders(t, resp, contentType, "")
		if !bytes.Equal(body, raw[name]) {
			t.Errorf("%s: not the file as is", name)
		}
	}

	// resock.js edited after the build: its copies are stale, and a
	// client that accepts brotli gets the new file gzipped by the server.
	edited := []byte("export const edited = true;")
	p := filepath.Join(jsglueDir, "resock.js")
	if err := os.WriteFile(p, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(3 * time.Hour)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, hs.URL+"/resock.js", "gzip, deflate, br")
	checkGlueHeaders(t, resp, glueContentTypes["resock.js"], "gzip")
	if got := gunzip(t, body); !bytes.Equal(got, edited) {
		t.Error("a stale copy of resock.js was served after it was edited")
	}
}

// The JavaScript of the glue is compressed too when the client accepts it.
func TestStaticServesGlueFilesGzippedWhenAccepted(t *testing.T) {
	demoDir, jsglueDir, _ := staticDirs(t)
	// Large enough that gzip pays.
	js := []byte(strings.Repeat("export const resock = 'reconnecting WebSocket';\n", 200))
	if err := os.WriteFile(filepath.Join(jsglueDir, "resock.js"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(Static(demoDir, jsglueDir))
	defer hs.Close()

	resp, body := get(t, hs.URL+"/resock.js", "gzip, deflate, br")
	if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", ce)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/javascript", ct)
	}
	if v := resp.Header.Get("Vary"); !strings.Contains(v, "Accept-Encoding") {
		t.Errorf("Vary = %q, want Accept-Encoding", v)
	}
	if got := gunzip(t, body); !bytes.Equal(got, js) {
		t.Fatal("gzipped resock.js does not decompress to resock.js")
	}
	if len(body) >= len(js)/4 {
		t.Errorf("gzipped size %d of %d bytes of repetitive JavaScript", len(body), len(js))
	}
	resp, body = get(t, hs.URL+"/resock.js", "")
	if ce := resp.Header.Get("Content-Encoding"); ce != "" || !bytes.Equal(body, js) {
		t.Errorf("without Accept-Encoding: Content-Encoding %q, body as is %v", ce, bytes.Equal(body, js))
	}
}

// getWith fetches url with the given request headers, without letting the
// client decompress anything.
func getWith(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestStaticRevalidatesGlueFilesByContentNotTime(t *testing.T) {
	demoDir, jsglueDir, wasm := staticDirs(t)
	wasmPath := filepath.Join(jsglueDir, "resock.wasm")
	// Two builds within one second: Last-Modified, which counts whole
	// seconds, cannot tell them apart.
	second := time.Now().Truncate(time.Second).Add(-time.Hour)
	if err := os.Chtimes(wasmPath, second, second.Add(100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(Static(demoDir, jsglueDir))
	defer hs.Close()

	for _, ae := range []string{"gzip", ""} {
		resp, _ := getWith(t, hs.URL+"/resock.wasm", map[string]string{"Accept-Encoding": ae})
		etag := resp.Header.Get("ETag")
		if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("Accept-Encoding %q: ETag %q, Cache-Control %q; want an ETag and no-cache",
				ae, etag, resp.Header.Get("Cache-Control"))
		}
		again := map[string]string{"Accept-Encoding": ae, "If-None-Match": etag, "If-Modified-Since": resp.Header.Get("Last-Modified")}
		if resp, _ := getWith(t, hs.URL+"/resock.wasm", again); resp.StatusCode != http.StatusNotModified {
			t.Fatalf("Accept-Encoding %q: revalidating an unchanged resock.wasm got %s, want 304", ae, resp.Status)
		}
	}

	resp, _ := getWith(t, hs.URL+"/resock.wasm", map[string]string{"Accept-Encoding": "gzip"})
	etag, lastModified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	rebuilt := append(bytes.Clone(wasm[:len(wasm)-7]), "rebuilt"...)
	if err := os.WriteFile(wasmPath, rebuilt, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(wasmPath, second, second.Add(600*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	resp, body := getWith(t, hs.URL+"/resock.wasm", map[string]string{
		"Accept-Encoding": "gzip", "If-None-Match": etag, "If-Modified-Since": lastModified,
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revalidating after a rebuild in the same second got %s, want 200", resp.Status)
	}
	if got := gunzip(t, body); !bytes.Equal(got, rebuilt) {
		t.Fatal("the rebuilt resock.wasm was not served")
	}
	if resp.Header.Get("ETag") == etag {
		t.Fatal("the rebuilt resock.wasm has the ETag of the old one")
	}
}

func TestStaticGivesEachEncodingItsOwnETag(t *testing.T) {
	demoDir, jsglueDir, _ := staticDirs(t)
	if err := os.WriteFile(filepath.Join(jsglueDir, "resock.wasm.br"), []byte("brotli stand-in"), 0o644); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(Static(demoDir, jsglueDir))
	defer hs.Close()

	seen := map[string]string{}
	for _, ae := range []string{"br", "gzip", ""} {
		resp, _ := getWith(t, hs.URL+"/resock.wasm", map[string]string{"Accept-Encoding": ae})
		etag := resp.Header.Get("ETag")
		if other, ok := seen[etag]; ok || etag == "" {
			t.Fatalf("Accept-Encoding %q: ETag %q, also given for %q", ae, etag, other)
		}
		seen[etag] = ae
	}
}

func TestStaticServesAGlueFileNamedByItsVersionAsImmutable(t *testing.T) {
	demoDir, jsglueDir, wasm := staticDirs(t)
	hs := httptest.NewServer(Static(demoDir, jsglueDir))
	defer hs.Close()

	for _, name := range []string{"resock.wasm", "resock.js", "wasm_exec.js"} {
		v, err := GlueVersion(jsglueDir, name)
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := getWith(t, hs.URL+"/"+name+"?v="+v, map[string]string{"Accept-Encoding": "gzip"})
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Fatalf("%s?v=%s: Cache-Control %q, want immutable for a year", name, v, cc)
		}
		for _, query := range []string{"", "?v=", "?v=0123456789abcdef", "?other=" + v} {
			resp, _ := getWith(t, hs.URL+"/"+name+query, map[string]string{"Accept-Encoding": "gzip"})
			if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Fatalf("%s%s: Cache-Control %q, want no-cache", name, query, cc)
			}
		}
	}

	// After a rebuild the old version is no longer the file's: a page still
	// naming it must not keep what it gets for a year.
	old, err := GlueVersion(jsglueDir, "resock.wasm")
	if err != nil {
		t.Fatal(err)
	}
	wasmPath := filepath.Join(jsglueDir, "resock.wasm")
	if err := os.WriteFile(wasmPath, append(bytes.Clone(wasm), "rebuilt"...), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(wasmPath, later, later); err != nil {
		t.Fatal(err)
	}
	resp, _ := getWith(t, hs.URL+"/resock.wasm?v="+old, map[string]string{"Accept-Encoding": "gzip"})
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Fatalf("the old version after a rebuild: Cache-Control %q, want no-cache", cc)
	}
	v, err := GlueVersion(jsglueDir, "resock.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if v == old {
		t.Fatal("GlueVersion did not change with the file")
	}
	resp, _ = getWith(t, hs.URL+"/resock.wasm?v="+v, map[string]string{"Accept-Encoding": "gzip"})
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Fatalf("the new version: Cache-Control %q, want immutable", cc)
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
