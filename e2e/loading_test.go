//go:build !js

package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resock/resock/server"

	"github.com/resock/resock/internal/gluefiles"
	"github.com/resock/resock/internal/wasmbuild"
)

// These tests load resock.js as a site would, from a folder of its own, and
// check that every socket of a page shares one Go program, and what the
// sockets do should that program exit.

// glueSite serves resock.js, wasm_exec.js and the resock.wasm in wasmDir
// under prefix, the resock server's Echo at /echo, and page at "/".
func glueSite(t *testing.T, prefix, wasmDir, page string) (*httptest.Server, *server.Server) {
	t.Helper()
	echo := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	mux := http.NewServeMux()
	mux.Handle("/echo", echo.Handler(server.Echo))
	file := func(path, contentType string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			http.ServeFile(w, r, path)
		}
	}
	modules, err := gluefiles.Modules(assetsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range modules {
		mux.Handle(prefix+name, file(filepath.Join(assetsDir, name), "text/javascript"))
	}
	mux.Handle(prefix+"wasm_exec.js", file(filepath.Join(assetsDir, "wasm_exec.js"), "text/javascript"))
	mux.Handle(prefix+"resock.wasm", file(filepath.Join(wasmDir, "resock.wasm"), "application/wasm"))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := echo.Shutdown(ctx); err != nil && !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("failed to shut the echo server down: %v", err)
		}
		srv.Close()
	})
	return srv, echo
}

// sitePage is a page that imports resock.js from prefix and counts the wasm
// modules it instantiates; script runs after the import, with the class as
// RWS.
func sitePage(prefix, script string) string {
	return `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script>
	window.instances = 0;
	for (const name of ["instantiate", "instantiateStreaming"]) {
		const f = WebAssembly[name];
		WebAssembly[name] = function (...args) {
			window.instances++;
			return f.apply(this, args);
		};
	}
</script>
<script type="module">
	import { ReconnectingWebSocket as RWS } from "` + prefix + `resock.js";
	window.RWS = RWS;
	const echo = location.origin.replace("http", "ws") + "/echo";
	` + script + `
	window.t.ready = true;
</script>`
}

func TestModuleLoadsFromAnyBasePathAndSharesOneProgram(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	const prefix = "/static/resock/"
	srv, echo := glueSite(t, prefix, assetsDir, sitePage(prefix, `
	const again = await import("`+prefix+`resock.js");
	window.t = { same: again.ReconnectingWebSocket === RWS, echoes: [] };
	t.sockets = [1, 2, 3].map((i) => {
		const ws = new RWS(echo);
		ws.onopen = () => ws.send("from socket " + i);
		ws.onmessage = (e) => t.echoes.push(e.data);
		return ws;
	});`))
	p := openPage(t, ctx, "page", srv.URL+"/", "window.t?.ready === true",
		`JSON.stringify({t: window.t, instances, resources: performance.getEntriesByType("resource").map((e) => e.name)})`)
	p.waitFor("every socket's echo", `t.echoes.length === 3`)
	if n := echo.Stats().Clients; n != 3 {
		t.Errorf("the server has %d clients, want 3", n)
	}

	loaded := evaluate[struct {
		Same      bool     `json:"same"`
		Instances int      `json:"instances"`
		Wasm      []string `json:"wasm"`
		Scripts   []string `json:"scripts"`
	}](p, `({
		same: t.same,
		instances,
		wasm: performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname).filter((p) => p.endsWith(".wasm")),
		scripts: performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname).filter((p) => p.endsWith(".js")),
	})`)
	if !loaded.Same {
		t.Error("a second import of the same URL gave another class")
	}
	if loaded.Instances != 1 || len(loaded.Wasm) != 1 || loaded.Wasm[0] != prefix+"resock.wasm" {
		t.Errorf("wasm fetched %q and instantiated %d times, want once, from %sresock.wasm", loaded.Wasm, loaded.Instances, prefix)
	}
	for _, s := range loaded.Scripts {
		if !strings.HasPrefix(s, prefix) {
			t.Errorf("script %s loaded from outside %s", s, prefix)
		}
	}
}

func TestGoExitClosesEverySocket(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	// A resock.wasm with the hook that lets the page end the program.
	dir := t.TempDir()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if err := wasmbuild.Build(ctx, root, filepath.Join(dir, "resock.wasm"), "-tags=resock_exittest"); err != nil {
		t.Fatalf("with the exit hook: %v", err)
	}

	const prefix = "/exit/"
	srv, echo := glueSite(t, prefix, dir, sitePage(prefix, `
	window.t = { events: {} };
	t.make = (name, url, options) => {
		const ws = new RWS(url, [], options);
		const events = (t.events[name] = []);
		for (const type of ["open", "close", "error", "reconnecting", "statechange"]) {
			ws.addEventListener(type, (e) => events.push({ type, code: e.code ?? 0, willReconnect: e.willReconnect ?? false, message: e.message ?? "", to: e.to ?? "" }));
		}
		t[name] = ws;
	};
	t.make("open", echo);
	t.make("closed", echo);
	t.make("waiting", "ws://127.0.0.1:2/", { delays: [60000] });
	t.closed.onopen = () => t.closed.close();`))
	p := openPage(t, ctx, "page", srv.URL+"/", "window.t?.ready === true", `JSON.stringify(window.t?.events)`)
	p.waitFor("the sockets to settle", `t.open.readyState === 1 && t.closed.readyState === 3 && t.waiting.state === "reconnecting"`)
	echo1 := echo.Stats()
	before := evaluate[map[string]int](p, `Object.fromEntries(Object.entries(t.events).map(([k, v]) => [k, v.length]))`)

	p.run(`__resockExit(3)`)
	p.waitFor("the final close of every live socket", `["open", "waiting"].every((n) => t.events[n].at(-1).type === "close")`)

	type ev struct {
		Type          string `json:"type"`
		Code          int    `json:"code"`
		WillReconnect bool   `json:"willReconnect"`
		Message       string `json:"message"`
		To            string `json:"to"`
	}
	for _, name := range []string{"open", "waiting"} {
		after := evaluate[[]ev](p, fmt.Sprintf(`t.events[%s].slice(%d)`, js(name), before[name]))
		if len(after) != 3 || after[0].Type != "error" || after[1].Type != "statechange" || after[1].To != "closed" ||
			after[2].Type != "close" || after[2].Code != 1006 || after[2].WillReconnect {
			t.Errorf("%s: events after the exit %+v, want an error, a statechange to closed and a final close 1006", name, after)
			continue
		}
		if !strings.Contains(after[0].Message, "exited with code 3") {
			t.Errorf("%s: error message %q does not say the program exited with code 3", name, after[0].Message)
		}
	}
	if n := evaluate[int](p, `t.events.closed.length`); n != before["closed"] {
		t.Errorf("the socket closed before the exit got %d more events", n-before["closed"])
	}
	state := evaluate[struct {
		ReadyStates []int  `json:"readyStates"`
		Send        string `json:"send"`
		Construct   string `json:"construct"`
		Stats       string `json:"stats"`
	}](p, `(() => {
		const thrown = (f) => { try { f(); return "none"; } catch (e) { return e.name; } };
		return {
			readyStates: [t.open.readyState, t.waiting.readyState, t.closed.readyState],
			send: thrown(() => t.open.send("x")),
			construct: thrown(() => new RWS(location.origin.replace("http", "ws") + "/echo")),
			stats: t.open.stats().state,
		};
	})()`)
	if fmt.Sprint(state.ReadyStates) != "[3 3 3]" || state.Send != "InvalidStateError" || state.Construct != "InvalidStateError" || state.Stats != "closed" {
		t.Errorf("after the exit: readyStates %v, send threw %s, constructor threw %s, stats().state %q; want all CLOSED, InvalidStateError twice and closed",
			state.ReadyStates, state.Send, state.Construct, state.Stats)
	}
	// The browser socket of the open one was closed, not left dangling.
	deadline := time.Now().Add(pollTimeout)
	for echo.Stats().Clients > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the server still has %d clients after the program exited (%d before)", echo.Stats().Clients, echo1.Clients)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
