//go:build !js

package main

import (
	"bufio"
	"context"
	"errors"
	"go/build/constraint"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wasmbuild"
)

// TestBrowser runs this package's wasm tests in headless Chromium with
// wasmbrowsertest, against servers that a wasm program cannot start itself:
// an echo server (RESOCK_ECHO_URL) and a listener that accepts connections
// but never answers the handshake (RESOCK_HANG_URL).
//
// `GOOS=js GOARCH=wasm go test -exec wasmbrowsertest ./wasm` runs the same
// tests without the servers; those that need one skip.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium; skipped in -short mode")
	}
	runner := wasmBrowserTest(t)
	chromiumPath(t)

	echo := httptest.NewServer(http.HandlerFunc(serveTest))
	t.Cleanup(echo.Close)
	hang := hangListener(t)

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-exec", runner, ".")
	cmd.Env = append(withoutRace(os.Environ()),
		"GOOS=js",
		"GOARCH=wasm",
		"RESOCK_ECHO_URL=ws"+strings.TrimPrefix(echo.URL, "http")+"/echo",
		"RESOCK_HANG_URL=ws://"+hang+"/",
	)
	if testing.Verbose() {
		cmd.Args = append(cmd.Args, "-v")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("wasm tests failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// wasmBrowserTest finds the wasm test runner: .bin/wasmbrowsertest at the
// repository root, where the Makefile installs it, or on PATH.
func wasmBrowserTest(t *testing.T) string {
	t.Helper()
	const install = "GOBIN=$(pwd)/.bin go install github.com/agnivade/wasmbrowsertest@v0.11.0 (from outside the module)"
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(root, ".bin", "wasmbrowsertest")
	if _, err := os.Stat(local); err == nil {
		return local
	}
	if p, err := exec.LookPath("wasmbrowsertest"); err == nil {
		return p
	}
	t.Skip("wasmbrowsertest is not installed; install it with: " + install)
	return ""
}

// withoutRace drops -race from GOFLAGS: js/wasm does not support it.
func withoutRace(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOFLAGS="); ok {
			var flags []string
			for _, f := range strings.Fields(v) {
				if f != "-race" && f != "--race" && f != "-race=true" {
					flags = append(flags, f)
				}
			}
			kv = "GOFLAGS=" + strings.Join(flags, " ")
		}
		out = append(out, kv)
	}
	return out
}

// serveTest is the servers the wasm tests talk to: /echo echoes each
// message with its type and selects the subprotocol "chat" when offered;
// /close closes every connection at once with 4001 "bye".
func serveTest(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{"chat"},
		// The test page is served by wasmbrowsertest from another origin.
		InsecureSkipVerify: true,
	})
	if err != nil {
		return
	}
	defer c.CloseNow()
	if r.URL.Path == "/close" {
		c.Close(4001, "bye")
		return
	}
	c.SetReadLimit(1 << 20)
	for {
		typ, data, err := c.Read(r.Context())
		if err != nil {
			return
		}
		if err := c.Write(r.Context(), typ, data); err != nil {
			return
		}
	}
}

// hangListener accepts TCP connections and never answers, so a WebSocket
// handshake with it hangs until the client gives up.
func hangListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

// TestEveryFileIsForTheBrowser checks that each non-test Go file of this
// package builds only for js/wasm: the package is the browser half of
// resock, and a file without the constraint would break the native build.
func TestEveryFileIsForTheBrowser(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no Go files found")
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		expr, err := buildConstraint(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if expr == nil {
			t.Errorf("%s has no build constraint, want //go:build js && wasm", name)
			continue
		}
		tags := func(want map[string]bool) func(string) bool {
			return func(tag string) bool { return want[tag] }
		}
		// A file may also need one of resock's own tags, such as the
		// exit hook that only a test builds with resock_exittest.
		browser := func(tag string) bool {
			return tag == "js" || tag == "wasm" || strings.HasPrefix(tag, "resock_")
		}
		if !expr.Eval(browser) {
			t.Errorf("%s: //go:build %s excludes js/wasm", name, expr)
		}
		for _, other := range []map[string]bool{
			{runtime.GOOS: true, runtime.GOARCH: true},
			{"js": true},
			{"wasm": true, "wasip1": true},
		} {
			if expr.Eval(tags(other)) {
				t.Errorf("%s: //go:build %s, want js && wasm only", name, expr)
			}
		}
	}
}

// buildConstraint returns the //go:build line of a file, nil if it has none.
func buildConstraint(name string) (constraint.Expr, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "//") {
			return nil, nil
		}
		if constraint.IsGoBuild(line) {
			return constraint.Parse(line)
		}
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("file holds only comments")
}

// TestGlue loads jsglue/resock.js in headless Chromium, as a page does, and
// runs glueTestJS: the class's constants, the exceptions it throws compared
// with the browser's own WebSocket, on* handler semantics, events, and
// loading resock.wasm from a server that sends the wrong MIME type.
func TestGlue(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium; skipped in -short mode")
	}
	chromium := chromiumPath(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	build := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "resock.wasm"), ".")
	build.Env = append(withoutRace(os.Environ()), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("failed to build resock.wasm: %v\n%s", err, out)
	}
	goroot, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("failed to find GOROOT: %v", err)
	}
	wasmExec := filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js")

	mux := http.NewServeMux()
	mux.HandleFunc("/echo", serveTest)
	file := func(path, contentType string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			http.ServeFile(w, r, path)
		}
	}
	if err := wasmbuild.Bundle(filepath.Join("..", "jsglue", "src", "resock.js"), filepath.Join(dir, "resock.js")); err != nil {
		t.Fatal(err)
	}
	mux.Handle("/resock.js", file(filepath.Join(dir, "resock.js"), "text/javascript"))
	mux.Handle("/wasm_exec.js", file(wasmExec, "text/javascript"))
	mux.Handle("/resock.wasm", file(filepath.Join(dir, "resock.wasm"), "application/wasm"))
	mux.Handle("/octet/resock.wasm", file(filepath.Join(dir, "resock.wasm"), "application/octet-stream"))
	mux.HandleFunc("/test.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(glueTestJS))
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/test.js"></script>`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
	)...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()

	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("failed to load the test page: %v", err)
	}
	failures, err := chromedp.Run(tab, chromedp.Poll[[]string]("window.glueFailures",
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(time.Minute)))
	if err != nil {
		logs, _ := chromedp.Run(tab, chromedp.Evaluate[[]string]("window.glueLog || []"))
		t.Fatalf("the glue tests did not finish: %v\nconsole: %s", err, strings.Join(logs, "\n"))
	}
	for _, f := range failures {
		t.Error(f)
	}
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Skip("chromium is not installed: apt-get install -y chromium")
	return ""
}

// glueTestJS runs in the test page and sets window.glueFailures to the list
// of what went wrong.
const glueTestJS = `
import { ReconnectingWebSocket as RWS, CONNECTING, OPEN, CLOSING, CLOSED, ready } from "/resock.js";
import * as other from "/resock.js?wasm=/octet/resock.wasm";

const failures = [];
window.glueLog = [];
const consoleError = console.error;
console.error = (...args) => { window.glueLog.push(args.join(" ")); consoleError(...args); };

function check(ok, msg) {
	if (!ok) failures.push(msg);
}

function thrown(f) {
	try {
		f();
		return "nothing";
	} catch (e) {
		return e instanceof DOMException ? "DOMException " + e.name : e.constructor.name;
	}
}

function next(target, type) {
	return new Promise((resolve) => target.addEventListener(type, resolve, { once: true }));
}

function within(promise, what) {
	return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error("timed out waiting for " + what)), 5000))]);
}

const echo = location.origin.replace("http", "ws") + "/echo";

async function run() {
	check(ready instanceof Promise, "ready is not a Promise");
	await ready;
	check(!("__resock" in globalThis), "the bridge is left on globalThis");
	check(RWS.CONNECTING === 0 && RWS.OPEN === 1 && RWS.CLOSING === 2 && RWS.CLOSED === 3, "static constants are wrong");
	check(RWS.prototype.CONNECTING === 0 && RWS.prototype.CLOSED === 3, "prototype constants are wrong");
	check(CONNECTING === 0 && OPEN === 1 && CLOSING === 2 && CLOSED === 3, "exported constants are wrong");
	check(thrown(() => { "use strict"; RWS.OPEN = 5; }) === "TypeError" && RWS.OPEN === 1, "constants are writable");

	const ws = new RWS(echo, "chat");
	check(ws instanceof EventTarget, "not an EventTarget");
	check(ws.readyState === CONNECTING, "readyState before open = " + ws.readyState);
	check(ws.url === echo, "url = " + ws.url);
	check(ws.binaryType === "blob", "default binaryType = " + ws.binaryType);
	check(String(ws) === "[object ReconnectingWebSocket]", "String(ws) = " + String(ws));

	const order = [];
	ws.onmessage = () => order.push("first handler");
	ws.addEventListener("message", () => order.push("listener"));
	ws.onmessage = function (e) {
		check(this === ws, "handler this is not the socket");
		order.push("handler");
	};
	ws.onopen = () => {
		throw new Error("handler boom");
	};
	ws.addEventListener("open", () => order.push("open after a throwing handler"));
	const reported = new Promise((resolve) => window.addEventListener("error", (e) => {
		if (e.error && e.error.message === "handler boom") {
			e.preventDefault();
			resolve();
		}
	}));

	const native = new WebSocket(echo, "chat");
	const open = await within(Promise.all([next(ws, "open"), next(native, "open")]), "open");
	await within(reported, "the handler's exception to be reported");
	check(order.join() === "open after a throwing handler", "open listeners ran: " + order.join());
	check(open[0].reconnected === false && open[0].downtime === 0, "open fields: " + open[0].reconnected + " " + open[0].downtime);
	check(ws.readyState === OPEN && ws.protocol === "chat", "after open: readyState " + ws.readyState + ", protocol " + ws.protocol);

	const misuse = [
		["no arguments", (C) => new C()],
		["unparsable URL", (C) => new C("ws://[::1/")],
		["ftp URL", (C) => new C("ftp://127.0.0.1/")],
		["URL a Symbol", (C) => new C(Symbol())],
		["protocol with a space", (C) => new C(echo, "a b")],
		["duplicate protocols", (C) => new C(echo, ["a", "a"])],
		["close(1001)", (C, s) => s.close(1001)],
		["close(null)", (C, s) => s.close(null)],
		["close(70000)", (C, s) => s.close(70000)],
		["close(1000, long reason)", (C, s) => s.close(1000, "é".repeat(62))],
		["close(Symbol())", (C, s) => s.close(Symbol())],
		["send()", (C, s) => s.send()],
		["send(Symbol())", (C, s) => s.send(Symbol())],
		["send(resizable ArrayBuffer)", (C, s) => s.send(new ArrayBuffer(1, { maxByteLength: 2 }))],
		["binaryType = Symbol()", (C, s) => { s.binaryType = Symbol(); }],
		["binaryType = 'text'", (C, s) => { s.binaryType = "text"; }],
		["send on another object", (C) => C.prototype.send.call({}, "x")],
		["readyState of another object", (C) => Object.getOwnPropertyDescriptor(C.prototype, "readyState").get.call({})],
	];
	for (const [name, f] of misuse) {
		const want = thrown(() => f(WebSocket, native));
		const got = thrown(() => f(RWS, ws));
		check(got === want, name + ": ReconnectingWebSocket threw " + got + ", WebSocket " + want);
	}
	check(ws.binaryType === "blob" && ws.readyState === OPEN, "misuse changed the socket");
	native.close();

	ws.send("text");
	let e = await within(next(ws, "message"), "echo of text");
	check(e instanceof MessageEvent && e.data === "text" && e.origin === location.origin.replace("http", "ws"), "text echo: " + e.data + " from " + e.origin);
	check(order.join() === "open after a throwing handler,handler,listener", "message listeners ran: " + order.join());

	ws.send(new Uint8Array([1, 2, 3]).subarray(1));
	e = await within(next(ws, "message"), "echo of bytes");
	check(e.data instanceof Blob && e.data.size === 2, "binary echo with the default binaryType is not a 2-byte Blob");
	ws.binaryType = "arraybuffer";
	ws.send(new Blob([new Uint8Array([7, 8])]));
	e = await within(next(ws, "message"), "echo of a Blob");
	check(e.data instanceof ArrayBuffer && new Uint8Array(e.data).join() === "7,8", "Blob echo as ArrayBuffer: " + e.data);

	ws.onmessage = null;
	check(ws.onmessage === null, "onmessage after null");
	ws.onmessage = 5;
	check(ws.onmessage === null, "onmessage after a number");
	const notCallable = {};
	ws.onmessage = notCallable;
	check(ws.onmessage === notCallable, "onmessage does not keep an object");
	ws.onmessage = () => order.push("handler again");
	order.length = 0;
	ws.send("again");
	await within(next(ws, "message"), "echo after resetting onmessage");
	check(order.join() === "listener,handler again", "a handler set again must run after existing listeners: " + order.join());

	const closed = next(ws, "close");
	ws.close(4000, "bye");
	check(ws.readyState === CLOSING, "readyState after close() = " + ws.readyState);
	e = await within(closed, "close");
	check(e instanceof CloseEvent && e.code === 4000 && e.reason === "bye" && e.wasClean && e.willReconnect === false,
		"close event: " + e.code + " " + e.reason + " " + e.wasClean + " " + e.willReconnect);
	check(ws.readyState === CLOSED, "readyState after the close event = " + ws.readyState);
	check(thrown(() => ws.send("late")) === "DOMException InvalidStateError", "send after close threw " + thrown(() => ws.send("late")));

	const reconnecting = next(ws, "reconnecting");
	ws.reconnect();
	e = await within(reconnecting, "reconnecting");
	check(e.attempt === 1 && e.delay === 0, "reconnecting after reconnect(): attempt " + e.attempt + ", delay " + e.delay);
	e = await within(next(ws, "open"), "reopen");
	check(e.reconnected === true && ws.retryCount === 1, "reopen: reconnected " + e.reconnected + ", retryCount " + ws.retryCount);
	ws.close();

	const full = new RWS("ws://127.0.0.1:2/", [], { maxQueuedMessages: 1, delays: [60000] });
	full.send("queued");
	const quota = thrown(() => full.send("one too many"));
	check(quota === "DOMException QuotaExceededError", "full outbox threw " + quota);
	check(full.bufferedAmount === 6 && full.queuedMessages === 1, "bufferedAmount " + full.bufferedAmount + ", queuedMessages " + full.queuedMessages);
	check(thrown(() => new RWS(echo, [], { maxRetries: "3" })) === "TypeError", "a string maxRetries did not throw TypeError");
	check(thrown(() => new RWS(echo, [], { maxRetries: -1 })) === "RangeError", "maxRetries -1 did not throw RangeError");
	check(thrown(() => new RWS(echo, [], { outboxPolicy: "drop" })) === "TypeError", "outboxPolicy \"drop\" did not throw TypeError");
	check(thrown(() => new RWS(echo, [], { shouldReconnect: 1 })) === "TypeError", "a number shouldReconnect did not throw TypeError");
	for (const type of ["open", "message", "close", "error", "reconnecting", "statechange", "dropped"]) {
		check(Object.getOwnPropertyDescriptor(RWS.prototype, "on" + type)?.set !== undefined, "no on" + type + " property");
	}
	check(full.stats().queued === 1 && full.stats().state === full.state, "stats() of the full socket: " + JSON.stringify(full.stats()));
	full.close();

	const viaOctetStream = new other.ReconnectingWebSocket(echo);
	check(other.ReconnectingWebSocket !== RWS, "the ?wasm= import is not its own module");
	viaOctetStream.send("from the other module");
	e = await within(next(viaOctetStream, "message"), "echo through the module loaded with the wrong MIME type");
	check(e.data === "from the other module", "echo through the other module: " + e.data);
	viaOctetStream.close();
}

run().then(
	() => { window.glueFailures = failures; },
	(err) => { window.glueFailures = failures.concat(["the test threw: " + err + "\n" + err.stack]); },
);
`
