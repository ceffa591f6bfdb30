//go:build !js

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resock/resock/internal/wasmbuild"
	"github.com/resock/resock/server"
)

// The npm package, packed as npm pack packs it and installed in a small
// app (testdata/bundler) whose other dependencies, Vite and webpack among
// them, are pinned by its package-lock.json. Vite builds the app twice, for
// production and, for React's StrictMode checks, for development; webpack
// builds its plain page. The demo server serves each build and the resock
// Echo beside it.

// builds are the app's builds: directories the demo server serves.
type builds struct {
	vite, viteDev, webpack string
	// app is the app's directory, with its dependencies installed.
	app string
}

var (
	appOnce   sync.Once
	appBuilds builds
	appErr    error
)

// bundled packs the package and builds the app, once for every test.
func bundled(t *testing.T) builds {
	t.Helper()
	if _, err := exec.LookPath("npm"); err != nil {
		msg := "npm is missing (make test installs it; or: sudo apt-get install -y nodejs npm)"
		if inCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	appOnce.Do(func() {
		start := time.Now()
		appBuilds, appErr = buildApp(filepath.Join(assetsDir, "bundler"))
		if appErr == nil {
			fmt.Fprintf(os.Stderr, "e2e: packed resock and built the app with Vite and webpack in %.1f s\n", time.Since(start).Seconds())
		}
	})
	if appErr != nil {
		t.Fatal(appErr)
	}
	return appBuilds
}

// buildApp packs the package from this build's files into dir, copies the
// app there, installs its locked dependencies and the tarball, and builds
// it.
func buildApp(dir string) (builds, error) {
	pkg := filepath.Join(dir, "package")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		return builds{}, err
	}
	// The package as make build lays it out in jsglue/, from the files the
	// tests built: the modules bundled from jsglue/src, and resock.wasm.
	files := map[string]string{
		filepath.Join("..", "jsglue", "package.json"): "package.json",
		filepath.Join("..", "jsglue", "resock.d.ts"):  "resock.d.ts",
		filepath.Join("..", "jsglue", "react.d.ts"):   "react.d.ts",
		filepath.Join("..", "jsglue", "shared.d.ts"):  "shared.d.ts",
		filepath.Join(assetsDir, "resock.wasm"):       "resock.wasm",
		filepath.Join(assetsDir, "wasm_exec.js"):      "wasm_exec.js",
	}
	for _, m := range wasmbuild.GlueModules {
		files[filepath.Join(assetsDir, m.Name)] = m.Name
	}
	for from, to := range files {
		if err := copyFile(from, filepath.Join(pkg, to)); err != nil {
			return builds{}, err
		}
	}
	out, err := npm(pkg, nil, "pack", "--pack-destination", dir)
	if err != nil {
		return builds{}, err
	}
	lines := strings.Fields(strings.TrimSpace(out))
	tarball := filepath.Join(dir, lines[len(lines)-1])

	app := filepath.Join(dir, "app")
	if err := copyTree(app, filepath.Join("testdata", "bundler"), "node_modules", "dist", "dist-dev", "dist-webpack"); err != nil {
		return builds{}, err
	}
	b := builds{
		vite:    filepath.Join(app, "dist"),
		viteDev: filepath.Join(app, "dist-dev"),
		webpack: filepath.Join(app, "dist-webpack"),
		app:     app,
	}
	// The npm cache makes a repeated install work without the network.
	steps := []struct {
		env  []string
		args []string
	}{
		{nil, []string{"ci", "--prefer-offline", "--no-audit", "--no-fund"}},
		{nil, []string{"install", "--no-save", "--prefer-offline", "--no-audit", "--no-fund", tarball}},
		{nil, []string{"exec", "--", "vite", "build"}},
		{[]string{"NODE_ENV=development"}, []string{"exec", "--", "vite", "build", "--outDir", "dist-dev"}},
		{nil, []string{"exec", "--", "webpack"}},
	}
	for _, s := range steps {
		if _, err := npm(app, s.env, s.args...); err != nil {
			return builds{}, err
		}
	}
	if err := copyFile(filepath.Join(app, "webpack.html"), filepath.Join(b.webpack, "index.html")); err != nil {
		return builds{}, err
	}
	return b, nil
}

// npm runs npm in dir and returns its output, which the error holds too.
func npm(dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command("npm", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm %s in %s: %w\n%s", strings.Join(args, " "), dir, err, out.String())
	}
	return out.String(), nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("failed to copy %s: %w", from, err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		return fmt.Errorf("failed to copy %s: %w", from, err)
	}
	return nil
}

// copyTree copies the directory src to dst, leaving out the directories
// named in skip.
func copyTree(dst, src string, skip ...string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if slices.Contains(skip, d.Name()) {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return copyFile(path, filepath.Join(dst, rel))
	})
}

// site is where a test page comes from: a build's directory, which the
// demo server serves beside the Echo, or a running server's URL.
type site struct {
	dist string
	base func(t *testing.T) string
}

// sites are the plain page as each bundler makes it: built by Vite and by
// webpack, and served by Vite's dev server.
func sites(b builds) map[string]site {
	return map[string]site{
		"vite":       {dist: b.vite},
		"webpack":    {dist: b.webpack},
		"vite-serve": {base: func(t *testing.T) string { return viteServe(t, b.app) }},
	}
}

// viteServe runs Vite's dev server in the app's directory until the test
// ends and returns its URL.
func viteServe(t *testing.T, app string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	var out bytes.Buffer
	cmd := exec.Command(filepath.Join(app, "node_modules", ".bin", "vite"), "--host", "127.0.0.1", "--port", port, "--strictPort")
	cmd.Dir = app
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("failed to start vite: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("vite:\n%s", out.String())
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(pollTimeout)
	for {
		res, err := http.Get(base + "/index.html")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("vite's dev server did not answer at %s: %v", base, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// open starts the demo server, serving the site's build if it has one, and
// opens the plain page, from the build or the site's server, with the
// server's Echo.
func (s site) open(t *testing.T, ctx context.Context, name, dump string) (*demoServer, *page) {
	t.Helper()
	dir := s.dist
	if dir == "" {
		dir = demoDir
	}
	// The dev server's page is of another origin.
	srv := startDemoIn(t, dir, server.Options{OriginPatterns: []string{"127.0.0.1:*"}})
	base := srv.url("")
	if s.base != nil {
		base = s.base(t)
	}
	return srv, openPage(t, ctx, name, base+"/index.html?ws="+srv.wsURL("/echo"), `globalThis.app !== undefined`, dump)
}

func TestBundledEchoesAndReconnects(t *testing.T) {
	for name, s := range sites(bundled(t)) {
		t.Run(name, func(t *testing.T) { testBundledEcho(t, name, s) })
	}
}

func testBundledEcho(t *testing.T, name string, s site) {
	ctx := testContext(t, 60*time.Second)
	srv, p := s.open(t, ctx, name, `JSON.stringify({page: app.events, worker: app.workerEvents})`)

	p.waitFor("the socket to open", `app.texts("open").length === 1`)
	p.run(`app.ws.send("text"); app.ws.send(new Uint8Array([1, 2, 255])); app.ws.send(new Blob([new Uint8Array([7, 8])]))`)
	p.waitFor("three echoes", `app.texts("message").length === 3`)
	want := []string{"text", "bytes:1,2,255", "bytes:7,8"}
	if got := evaluate[[]string](p, `app.texts("message")`); !slices.Equal(got, want) {
		t.Errorf("echoes = %q, want %q", got, want)
	}

	// The shared socket, through the SharedWorker the bundler emitted.
	p.waitFor("the shared socket to open", `app.sharedTexts("open").length === 1`)
	if got := evaluate[string](p, `app.shared.sharing`); got != "worker" {
		t.Errorf("shared socket's sharing = %q, want worker", got)
	}
	p.run(`app.shared.send("shared"); app.shared.send(new Uint8Array([4, 5]))`)
	p.waitFor("the shared socket's echoes", `app.sharedTexts("message").length === 2`)
	if got := evaluate[[]string](p, `app.sharedTexts("message")`); !slices.Equal(got, []string{"shared", "bytes:4,5"}) {
		t.Errorf("shared socket's echoes = %q, want shared and bytes:4,5", got)
	}

	// The package's constructor throws what the browser's does.
	for _, args := range []string{`["ftp://example.com/"]`, `["ws://example.com/#x"]`, `[location.href.replace("http", "ws"), ["a b"]]`} {
		got := evaluate[string](p, `(() => { try { new app.ws.constructor(...`+args+`); return "nothing"; } catch (e) { return e.name; } })()`)
		want := evaluate[string](p, `(() => { try { new WebSocket(...`+args+`); return "nothing"; } catch (e) { return e.name; } })()`)
		if got != want || got == "nothing" {
			t.Errorf("new ReconnectingWebSocket(...%s) threw %s; WebSocket throws %s", args, got, want)
		}
	}

	srv.stop()
	p.waitFor("the socket to see the restart", `app.texts("close").length === 1`)
	p.run(`app.ws.send("queued")`)
	srv.start()
	p.waitFor("the socket to reopen", `app.texts("open").length === 2`)
	p.waitFor("the queued message's echo", `app.texts("message").length === 4`)
	if got := evaluate[[]string](p, `app.texts("open")`); !slices.Equal(got, []string{"false", "true"}) {
		t.Errorf("open events' reconnected = %v, want [false true]", got)
	}
	if got := evaluate[string](p, `app.texts("message")[3]`); got != "queued" {
		t.Errorf("echo after the restart = %q, want queued", got)
	}
}

func TestBundledRunsInAWorker(t *testing.T) {
	for name, s := range sites(bundled(t)) {
		t.Run(name, func(t *testing.T) { testBundledWorker(t, name, s) })
	}
}

func testBundledWorker(t *testing.T, name string, s site) {
	ctx := testContext(t, 60*time.Second)
	srv, p := s.open(t, ctx, name+"-worker", `JSON.stringify(app.workerEvents)`)

	p.waitFor("the worker's socket to open", `app.workerTexts("open").length === 1`)
	if errs := evaluate[[]string](p, `app.workerTexts("worker-error")`); len(errs) > 0 {
		t.Fatalf("the worker failed: %q", errs)
	}
	p.run(`app.toWorker({text: "from the worker"}); app.toWorker({bytes: [0, 128, 255]}); app.toWorker({blob: [9]})`)
	p.waitFor("three echoes in the worker", `app.workerTexts("message").length === 3`)
	want := []string{"from the worker", "bytes:0,128,255", "bytes:9"}
	if got := evaluate[[]string](p, `app.workerTexts("message")`); !slices.Equal(got, want) {
		t.Errorf("echoes in the worker = %q, want %q", got, want)
	}

	// The server restarts; while it is down, the worker's own offline and
	// online events, which resock follows there as in a page, hold the
	// retries and then start one at once.
	srv.stop()
	p.waitFor("the worker's socket to retry", `app.workerTexts("statechange").includes("reconnecting")`)
	p.run(`app.toWorker({network: "offline"})`)
	p.waitFor("the worker's socket to go offline", `app.workerTexts("statechange").at(-1) === "offline"`)
	srv.start()
	p.run(`app.toWorker({network: "online"})`)
	p.waitFor("the worker's socket to reopen", `app.workerTexts("open").length === 2`)
	p.run(`app.toWorker({text: "again"})`)
	p.waitFor("the echo after the restart", `app.workerTexts("message").includes("again")`)
}

// countWebSockets counts, in the page, every browser WebSocket made.
const countWebSockets = `globalThis.webSocketsMade = 0;
globalThis.WebSocket = class extends WebSocket {
	constructor(...args) { super(...args); globalThis.webSocketsMade++; }
};`

func TestReactHookInStrictMode(t *testing.T) {
	dist := bundled(t).viteDev
	ctx := testContext(t, 60*time.Second)
	srv := startDemoIn(t, dist, server.Options{})
	p := openPageWith(t, ctx, "react", srv.url("/react.html?ws="+srv.wsURL("/echo")), `globalThis.app !== undefined`,
		`JSON.stringify({...app, socket: app.socket?.state, made: webSocketsMade})`, countWebSockets)

	p.waitFor("the hook's socket to open", `app.states.at(-1) === "open"`)
	if !evaluate[bool](p, `app.renders > 2`) {
		t.Fatalf("the app rendered %d times: not in StrictMode's development build", evaluate[int](p, `app.renders`))
	}
	p.run(`app.send("one")`)
	p.waitFor("the echo", `app.received.length === 1`)
	// StrictMode mounted the component twice: still one connection.
	if n := evaluate[int](p, `webSocketsMade`); n != 1 {
		t.Errorf("WebSockets made = %d, want 1", n)
	}
	if st := srv.stats(); st.Accepted != 1 || st.Clients != 1 {
		t.Errorf("server: accepted %d, clients %d; want 1 and 1", st.Accepted, st.Clients)
	}
	// lastMessage is read, so the component rendered the message.
	p.waitFor("lastMessage on the page", `document.getElementById("last").textContent === "one"`)

	// A new URL, while the socket cannot connect: what is sent meanwhile is
	// queued, and the same socket takes it to the next URL.
	// Another origin: the page's is the first server's.
	other := startDemoIn(t, dist, server.Options{OriginPatterns: []string{"127.0.0.1:*"}})
	p.run(`app.first = app.socket`)
	p.run(fmt.Sprintf(`app.setURL(%s)`, js("ws://127.0.0.1:1/echo")))
	p.waitFor("the socket to leave the first server", `app.states.at(-1) === "reconnecting"`)
	p.run(`app.send("two"); app.send("three")`)
	p.run(fmt.Sprintf(`app.setURL(%s)`, js(other.wsURL("/echo"))))
	p.waitFor("the queued messages' echoes", `app.received.length === 3`)
	if got := evaluate[[]string](p, `app.received`); !slices.Equal(got, []string{"one", "two", "three"}) {
		t.Errorf("received = %q, want one two three", got)
	}
	if !evaluate[bool](p, `app.socket === app.first`) {
		t.Errorf("a new URL made a new socket; want the same one, reconnected")
	}
	if st := other.stats(); st.Accepted != 1 {
		t.Errorf("second server accepted %d clients, want 1", st.Accepted)
	}
	srv.waitStats("no client", func(st server.Stats) bool { return st.Clients == 0 })

	// enabled false closes the connection; messages wait for true.
	p.run(`app.setEnabled(false)`)
	other.waitStats("no client while disabled", func(st server.Stats) bool { return st.Clients == 0 })
	p.waitFor("the state closed", `app.states.at(-1) === "closed"`)
	p.run(`app.send("four")`)
	p.run(`app.setEnabled(true)`)
	p.waitFor("the echo of what was sent while disabled", `app.received.length === 4`)
	if got := evaluate[string](p, `app.received[3]`); got != "four" {
		t.Errorf("echo after enabling = %q, want four", got)
	}

	// Unmounting closes the socket.
	p.run(`app.setMounted(false)`)
	other.waitStats("no client after unmount", func(st server.Stats) bool { return st.Clients == 0 })
	p.waitFor("the socket closed", `app.first.readyState === 3`)
}

func TestReactHookThrowsWhatWebSocketThrows(t *testing.T) {
	dist := bundled(t).viteDev
	ctx := testContext(t, 60*time.Second)
	srv := startDemoIn(t, dist, server.Options{})
	p := openPage(t, ctx, "react-bad-url", srv.url("/react.html?ws="+srv.wsURL("/echo")), `globalThis.app !== undefined`,
		`JSON.stringify({...app, socket: app.socket?.state})`)
	p.waitFor("the hook's socket to open", `app.states.at(-1) === "open"`)

	// What the browser's WebSocket throws for the same arguments, a URL
	// and protocols.
	thrownByWebSocket := func(args string) string {
		return evaluate[string](p, fmt.Sprintf(`(() => { try { new WebSocket(...%s); return "nothing"; } catch (e) { return e.name; } })()`, args))
	}
	for _, bad := range []string{"ws://[::1/x", "ftp://example.com/", "ws://example.com/#fragment"} {
		p.run(`app.reset()`)
		p.waitFor("the remount's socket", `app.socket !== null`)
		p.run(fmt.Sprintf(`app.setURL(%s)`, js(bad)))
		p.waitFor("the error boundary", `app.thrown !== null`)
		if got, want := evaluate[string](p, `app.thrown`), thrownByWebSocket(js([]string{bad})); got != want {
			t.Errorf("hook with the URL %q threw %s; WebSocket throws %s", bad, got, want)
		}
		p.run(fmt.Sprintf(`app.setURL(%s)`, js(srv.wsURL("/echo"))))
	}
	for _, bad := range [][]string{{"a b"}, {"x", "x"}, {""}} {
		p.run(`app.reset()`)
		p.waitFor("the remount's socket", `app.socket !== null`)
		p.run(fmt.Sprintf(`app.setProtocols(%s)`, js(bad)))
		p.waitFor("the error boundary", `app.thrown !== null`)
		if got, want := evaluate[string](p, `app.thrown`), thrownByWebSocket(js([]any{srv.wsURL("/echo"), bad})); got != want {
			t.Errorf("hook with the protocols %q threw %s; WebSocket throws %s", bad, got, want)
		}
		p.run(`app.setProtocols(undefined)`)
	}

	// send with nothing to send.
	p.run(`app.reset()`)
	p.waitFor("the remount's socket to open", `app.socket !== null && app.socket.readyState === 1`)
	got := evaluate[string](p, `(() => { try { app.send(); return "nothing"; } catch (e) { return e.name; } })()`)
	want := evaluate[string](p, fmt.Sprintf(`(() => { const ws = new WebSocket(%s); try { ws.send(); return "nothing"; } catch (e) { return e.name; } finally { ws.close(); } })()`, js(srv.wsURL("/echo"))))
	if got != want {
		t.Errorf("the hook's send() threw %s; WebSocket's throws %s", got, want)
	}
}
