//go:build !js

package e2e

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resock/resock/server"
	"github.com/resock/resock/web"
)

// served is one response of web.Handler, as the browser got it.
type served struct {
	path, query, acceptEncoding string
	status                      int
	contentEncoding             string
	cacheControl                string
}

// servedLog records what a handler answered.
type servedLog struct {
	mu  sync.Mutex
	all []served
}

func (l *servedLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.all = append(l.all, served{
			path: r.URL.Path, query: r.URL.RawQuery, acceptEncoding: r.Header.Get("Accept-Encoding"),
			status: rec.status, contentEncoding: w.Header().Get("Content-Encoding"), cacheControl: w.Header().Get("Cache-Control"),
		})
	})
}

// of returns what was served for path, in order.
func (l *servedLog) of(path string) []served {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []served
	for _, s := range l.all {
		if s.path == path {
			out = append(out, s)
		}
	}
	return out
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// A Go program that mounts package web's handler, as its documentation
// says, serves pages that import resock.js from it: the files compiled into
// the package load, connect and echo, in the coding the browser prefers.
func TestPagesLoadResockFromPackageWeb(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	echo := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	var log servedLog
	mux := http.NewServeMux()
	mux.Handle("/resock/", log.wrap(http.StripPrefix("/resock", web.Handler())))
	mux.Handle("/echo", echo.Handler(server.Echo))
	page := func(module string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
	import { ReconnectingWebSocket } from `+js(module)+`;
	window.t = { echoes: [] };
	const ws = new ReconnectingWebSocket(location.origin.replace("http", "ws") + "/echo");
	ws.onmessage = (e) => t.echoes.push(e.data);
	ws.send("hello from a Go program's page");
	t.ready = true;
</script>`)
		}
	}
	mux.Handle("/plain", page("/resock/resock.js"))
	mux.Handle("/versioned", page(web.ImportURL("/resock/")))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := echo.Shutdown(ctx); err != nil && !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("failed to shut the echo server down: %v", err)
		}
		srv.Close()
	})
	const dump = `JSON.stringify({t: window.t, resources: performance.getEntriesByType("resource").map((e) => e.name)})`

	for _, name := range []string{"plain", "versioned"} {
		p := openPage(t, ctx, name, srv.URL+"/"+name, "window.t?.ready === true", dump)
		p.waitFor("the echo", `t.echoes[0] === "hello from a Go program's page"`)
	}

	for _, file := range []string{"resock.js", "resock.wasm", "wasm_exec.js"} {
		got := log.of("/resock/" + file)
		if len(got) != 2 {
			t.Fatalf("/resock/%s was served %d times, want once per page: %+v", file, len(got), got)
		}
		for i, s := range got {
			want := "gzip"
			if strings.Contains(s.acceptEncoding, "br") {
				want = "br"
			}
			if s.status != http.StatusOK || s.contentEncoding != want {
				t.Errorf("/resock/%s?%s (Accept-Encoding %q): %d with Content-Encoding %q, want 200 with %s",
					file, s.query, s.acceptEncoding, s.status, s.contentEncoding, want)
			}
			// The first page names the files plainly; the second by the
			// versions ImportURL gives them, which makes them immutable.
			wantCache, wantQuery := "no-cache", ""
			if i == 1 {
				wantCache, wantQuery = "public, max-age=31536000, immutable", "v="+web.Version(file)
			}
			if s.cacheControl != wantCache || !strings.HasPrefix(s.query, wantQuery) {
				t.Errorf("/resock/%s?%s: Cache-Control %q, want %q for query %q", file, s.query, s.cacheControl, wantCache, wantQuery)
			}
		}
	}

	// A second visit revalidates the plainly named files by their ETags,
	// and gets 304s: nothing is downloaded again.
	p := openPage(t, ctx, "plain again", srv.URL+"/plain", "window.t?.ready === true", dump)
	p.waitFor("the echo", `t.echoes.length === 1`)
	for _, file := range []string{"resock.js", "resock.wasm", "wasm_exec.js"} {
		got := log.of("/resock/" + file)
		if last := got[len(got)-1]; len(got) != 3 || last.status != http.StatusNotModified {
			t.Errorf("/resock/%s on the second visit: %+v, want a third request answered 304", file, got[2:])
		}
	}
}
