package precompressed

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// file is a File whose codings hold their own names, with the copies in
// has.
func file(has ...string) File {
	bodies := map[string]string{Identity: "identity"}
	for _, c := range has {
		bodies[c] = c
	}
	return File{
		Name:    "resock.wasm",
		Version: "0123456789abcdef",
		Open: func(coding string) (io.ReadSeekCloser, error) {
			b, ok := bodies[coding]
			if !ok {
				return nil, fs.ErrNotExist
			}
			return Bytes([]byte(b)), nil
		},
	}
}

func serve(f File, target string, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	Serve(w, r, f)
	return w
}

func TestServePrefersBrotliThenGzipAmongTheCopiesItHas(t *testing.T) {
	for _, tt := range []struct {
		has            []string
		acceptEncoding string
		want           string
	}{
		{[]string{Brotli, Gzip}, "gzip, deflate, br", Brotli},
		{[]string{Brotli, Gzip}, "br;q=0.1, gzip", Brotli},
		{[]string{Brotli, Gzip}, "gzip", Gzip},
		{[]string{Brotli, Gzip}, "*", Gzip},
		{[]string{Brotli, Gzip}, "br;q=0, gzip", Gzip},
		{[]string{Brotli, Gzip}, "", Identity},
		{[]string{Brotli, Gzip}, "identity", Identity},
		{[]string{Gzip}, "gzip, br", Gzip},
		{[]string{Brotli}, "gzip", Identity},
		{nil, "gzip, br", Identity},
	} {
		w := serve(file(tt.has...), "/resock.wasm", map[string]string{"Accept-Encoding": tt.acceptEncoding})
		h := w.Header()
		wantBody := tt.want
		if tt.want == Identity {
			wantBody = "identity"
		}
		if w.Code != http.StatusOK || w.Body.String() != wantBody {
			t.Errorf("has %q, Accept-Encoding %q: %d %q, want the %q copy", tt.has, tt.acceptEncoding, w.Code, w.Body, tt.want)
		}
		if ce := h.Get("Content-Encoding"); ce != tt.want {
			t.Errorf("has %q, Accept-Encoding %q: Content-Encoding %q, want %q", tt.has, tt.acceptEncoding, ce, tt.want)
		}
		if ct, v := h.Get("Content-Type"), h.Get("Vary"); ct != "application/wasm" || v != "Accept-Encoding" {
			t.Errorf("Content-Type %q, Vary %q", ct, v)
		}
		wantETag := `"0123456789abcdef"`
		if tt.want != Identity {
			wantETag = `"0123456789abcdef-` + tt.want + `"`
		}
		if etag := h.Get("ETag"); etag != wantETag {
			t.Errorf("has %q, Accept-Encoding %q: ETag %s, want %s", tt.has, tt.acceptEncoding, etag, wantETag)
		}
	}
}

func TestServeAnswersARevalidationOfTheSameCodingWithNotModified(t *testing.T) {
	f := file(Brotli, Gzip)
	for _, tt := range []struct {
		acceptEncoding, ifNoneMatch string
		want                        int
	}{
		{"br", `"0123456789abcdef-br"`, http.StatusNotModified},
		{"gzip", `"0123456789abcdef-gzip"`, http.StatusNotModified},
		{"", `"0123456789abcdef"`, http.StatusNotModified},
		{"gzip", `"0123456789abcdef-br"`, http.StatusOK},
		{"br", `"0123456789abcdef"`, http.StatusOK},
		{"br", `"fedcba9876543210-br"`, http.StatusOK},
	} {
		w := serve(f, "/resock.wasm", map[string]string{"Accept-Encoding": tt.acceptEncoding, "If-None-Match": tt.ifNoneMatch})
		if w.Code != tt.want {
			t.Errorf("Accept-Encoding %q, If-None-Match %s: %d, want %d", tt.acceptEncoding, tt.ifNoneMatch, w.Code, tt.want)
		}
	}
}

func TestServeAnswersTheFilesVersionAsImmutable(t *testing.T) {
	f := file(Brotli, Gzip)
	for target, want := range map[string]string{
		"/resock.wasm?v=0123456789abcdef":         Immutable,
		"/resock.wasm?wasm=x&v=0123456789abcdef":  Immutable,
		"/resock.wasm":                            "no-cache",
		"/resock.wasm?v=":                         "no-cache",
		"/resock.wasm?v=fedcba9876543210":         "no-cache",
		"/resock.wasm?other=0123456789abcdef":     "no-cache",
		"/resock.wasm?v=0123456789abcdef-br":      "no-cache",
		"/resock.wasm?v=0123456789ABCDEF&v=other": "no-cache",
	} {
		if cc := serve(f, target, nil).Header().Get("Cache-Control"); cc != want {
			t.Errorf("%s: Cache-Control %q, want %q", target, cc, want)
		}
	}
}

func TestServeWithoutTheFileIsNotFound(t *testing.T) {
	f := File{Name: "resock.js", Version: "0123456789abcdef", Open: func(string) (io.ReadSeekCloser, error) {
		return nil, fs.ErrNotExist
	}}
	if w := serve(f, "/resock.js", map[string]string{"Accept-Encoding": "gzip, br"}); w.Code != http.StatusNotFound {
		t.Errorf("%d, want 404", w.Code)
	}
}

func TestAccepts(t *testing.T) {
	for _, tt := range []struct {
		header       string
		gzip, brotli bool
	}{
		{"", false, false},
		{"gzip, deflate, br", true, true},
		{"GZIP, BR", true, true},
		{"br;q=0, gzip;q=0.5", true, false},
		{"gzip; q=0.0, br", false, true},
		{"x-gzip", true, false},
		{"*", true, false},
		{"*;q=0", false, false},
		{"br, *;q=0", false, true},
		{"gzip;q=bogus, br;q=bogus", false, false},
		{"identity", false, false},
	} {
		if got := Accepts(tt.header, Gzip); got != tt.gzip {
			t.Errorf("Accepts(%q, gzip) = %v, want %v", tt.header, got, tt.gzip)
		}
		if got := Accepts(tt.header, Brotli); got != tt.brotli {
			t.Errorf("Accepts(%q, br) = %v, want %v", tt.header, got, tt.brotli)
		}
	}
}

func TestSetContentType(t *testing.T) {
	for name, want := range map[string]string{
		"resock.wasm":  "application/wasm",
		"resock.js":    "text/javascript; charset=utf-8",
		"resock.d.ts":  "text/plain; charset=utf-8",
		"index.html":   "text/html; charset=utf-8",
		"resock.other": "",
	} {
		h := http.Header{}
		SetContentType(h, name)
		if got := h.Get("Content-Type"); got != want {
			t.Errorf("%s: Content-Type %q, want %q", name, got, want)
		}
	}
}

func TestReadVersionIsVersion(t *testing.T) {
	for _, s := range []string{"", "resock", strings.Repeat("resock.wasm ", 100_000)} {
		got, err := ReadVersion(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		if want := Version([]byte(s)); got != want || len(got) != 16 {
			t.Errorf("%d bytes: ReadVersion %q, Version %q", len(s), got, want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                     false,
		"gzip":                 true,
		"GZIP":                 true,
		"deflate, gzip;q=1.0":  true,
		"gzip;q=0":             false,
		"gzip; q=0.0, br":      false,
		"gzip;q=0.5":           true,
		"x-gzip":               true,
		"br":                   false,
		"*":                    true,
		"*;q=0":                false,
		"gzip;q=0, *":          false,
		"identity, *;q=0.1":    true,
		"gzip;q=bogus":         false,
		"br;q=1, gzip ;q=0.01": true,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

// FuzzAcceptsGzip checks the Accept-Encoding parser: it never panics, and a
// coding that is neither gzip nor * never changes its answer.
func FuzzAcceptsGzip(f *testing.F) {
	for _, h := range []string{"", "gzip", "gzip;q=0", "*;q=0.5", "br, gzip;q=0.1", "x-gzip; q=1.0", "gzip;q=abc", ";;,,=;q"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got := acceptsGzip(h)
		if again := acceptsGzip(h + ", identity;q=1"); again != got {
			t.Fatalf("acceptsGzip(%q) = %v, but with another coding after it %v", h, got, again)
		}
		if again := acceptsGzip("identity, " + h); again != got {
			t.Fatalf("acceptsGzip(%q) = %v, but with another coding before it %v", h, got, again)
		}
	})
}

func acceptsGzip(header string) bool { return Accepts(header, Gzip) }
