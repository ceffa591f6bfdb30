//go:build !js

package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/resock/resock/demo"
	"github.com/resock/resock/internal/faultproxy"
	"github.com/resock/resock/server"
)

// ledgerApp is a server app that applies each client message once: it
// keeps, per client, the N of the last message it applied, and tells the
// server through Options.Applied, as a real app keeps it with the
// message's effect. It records what it applied: "t:" and the text, or "b:"
// and the bytes as text.
type ledgerApp struct {
	mu      sync.Mutex
	applied map[server.ClientID]uint64
	reads   []string
	// dupes counts messages the app was given again: Applied should have
	// kept them from it.
	dupes int
	// gate, while not nil, stops the app after it applied stopAt messages,
	// until it is closed.
	gate   chan struct{}
	stopAt int
	// out, while not nil, takes texts the app writes to the client.
	out chan string
}

func newLedgerApp() *ledgerApp { return &ledgerApp{applied: map[server.ClientID]uint64{}} }

func (a *ledgerApp) serve(ctx context.Context, c *server.Conn) {
	if a.out != nil {
		go func() {
			for {
				select {
				case m := <-a.out:
					if c.Write(ctx, server.MessageText, []byte(m)) != nil {
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	for {
		m, err := c.ReadMessage(ctx)
		if err != nil {
			return
		}
		kind := "t:"
		if m.Type == server.MessageBinary {
			kind = "b:"
		}
		a.mu.Lock()
		if m.ID.N <= a.applied[m.ID.Client] {
			a.dupes++
		} else {
			a.applied[m.ID.Client] = m.ID.N
			a.reads = append(a.reads, kind+string(m.Data))
		}
		gate, stop := a.gate, a.gate != nil && len(a.reads) == a.stopAt
		a.mu.Unlock()
		if stop {
			select {
			case <-gate:
			case <-ctx.Done():
				return
			}
		}
	}
}

func (a *ledgerApp) appliedOf(_ context.Context, c server.ClientID) (uint64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.applied[c], nil
}

// read returns what the app applied whose text starts with prefix.
func (a *ledgerApp) read(prefix string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, r := range a.reads {
		if strings.HasPrefix(r[2:], prefix) {
			out = append(out, r)
		}
	}
	return out
}

func (a *ledgerApp) waitFor(t *testing.T, what, prefix string, n int, within time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := a.read(prefix)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("failed waiting for %s: the app applied %d of %d", what, len(got), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// persistServers are the two servers a persistence test needs: one that
// serves the harness page and stays up, so that the page can reload while
// the other, the WebSocket server, is down; and that one, which can be
// started and stopped on its address.
type persistServers struct {
	t      *testing.T
	page   string
	wsAddr string
	app    *ledgerApp
	key    []byte

	srv *server.Server
	hs  *http.Server
}

func startPersistServers(t *testing.T, app *ledgerApp) *persistServers {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	static := &http.Server{Handler: demo.Static(demoDir, assetsDir)}
	go static.Serve(ln)
	t.Cleanup(func() { static.Close() })
	// A free port for the WebSocket server, which starts later.
	wl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &persistServers{t: t, page: "http://" + ln.Addr().String() + "/e2e/harness.html", wsAddr: wl.Addr().String(), app: app, key: []byte("0123456789abcdef0123456789abcdef")}
	wl.Close()
	t.Cleanup(s.stop)
	return s
}

func (s *persistServers) wsURL() string { return "ws://" + s.wsAddr + "/echo" }

func (s *persistServers) start() {
	s.t.Helper()
	s.srv = server.New(server.Options{
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		OriginPatterns: []string{"127.0.0.1:*"},
		ClientKey:      s.key,
		Applied:        s.app.appliedOf,
	})
	mux := http.NewServeMux()
	mux.Handle("GET /echo", s.srv.Handler(s.app.serve))
	ln, err := listen(s.wsAddr)
	if err != nil {
		s.t.Fatal(err)
	}
	s.hs = &http.Server{Handler: mux}
	go s.hs.Serve(ln)
}

func (s *persistServers) stop() {
	if s.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
	s.hs.Close()
	s.srv, s.hs = nil, nil
}

// sendKinds is a page expression that sends n messages prefix0 … on
// socket name, cycling through every kind send() takes: a string, a
// Uint8Array, an ArrayBuffer and a Blob.
func sendKinds(name, prefix string, n int) string {
	return fmt.Sprintf(`(() => {
		const ws = h.ws(%q), enc = new TextEncoder();
		for (let i = 0; i < %d; i++) {
			const s = %q + i;
			switch (i %% 4) {
			case 0: ws.send(s); break;
			case 1: ws.send(enc.encode(s)); break;
			case 2: ws.send(enc.encode(s).buffer); break;
			case 3: ws.send(new Blob([s])); break;
			}
		}
		return true;
	})()`, name, n, prefix)
}

// everyKind is what sendKinds's messages look like to ledgerApp, from
// message from on.
func everyKind(prefix string, from, n int) []string {
	var out []string
	for i := from; i < n; i++ {
		kind := "b:"
		if i%4 == 0 {
			kind = "t:"
		}
		out = append(out, fmt.Sprintf("%s%s%d", kind, prefix, i))
	}
	return out
}

// openCrashablePage opens url in a tab of its own, which crash ends by
// crashing its renderer (CDP Page.crash): no pagehide, no script runs.
func openCrashablePage(t *testing.T, ctx context.Context, url string) (*page, func()) {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	p := &page{t: t, name: "first", ctx: tab, dump: "h.dump()"}
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the page to be ready", "window.h?.ready === true")
	return p, func() {
		crashCtx, crashCancel := context.WithTimeout(tab, 2*time.Second)
		// The call gets no answer from a renderer that crashed.
		chromedp.Call(crashCtx, cdppage.Crash, cdp.Empty{})
		crashCancel()
		cancel()
	}
}

func persistOptions(name string, extra string) string {
	return fmt.Sprintf(`{resume: true, persist: %q, initialDelay: 50, maxDelay: 200%s}`, name, extra)
}

// TestPersistedMessagesSurviveAReload sends 1000 messages of every kind
// while the server is down, waits until they are durable, reloads the
// page and only then starts the server: the socket of the same name in
// the new page sends them all, once each and in order. A socket with
// outboxPolicy "drop-oldest" stores only what its limits keep.
func TestPersistedMessagesSurviveAReload(t *testing.T) {
	const n, limit, over = 1000, 10, 30
	ctx := testContext(t, 2*time.Minute)
	app := newLedgerApp()
	s := startPersistServers(t, app)
	p := openPage(t, ctx, "page", s.page, "window.h?.ready === true", "h.dump()")

	open := func() {
		p.run(fmt.Sprintf(`h.open("a", %q, undefined, %s)`, s.wsURL(), persistOptions("reload", "")))
		p.run(fmt.Sprintf(`h.open("d", %q, undefined, %s)`, s.wsURL(), persistOptions("limits", fmt.Sprintf(`, maxQueuedMessages: %d, outboxPolicy: "drop-oldest"`, limit))))
	}
	open()
	p.run(sendKinds("a", "c", n))
	p.run(fmt.Sprintf(`(() => { for (let i = 0; i < %d; i++) h.ws("d").send("d" + i); return true; })()`, over))
	for _, name := range []string{"a", "d"} {
		if got := evaluate[string](p, fmt.Sprintf(`h.durable(%q)`, name)); got != "ok" {
			t.Fatalf("whenDurable on %s: %s", name, got)
		}
	}
	if got := evaluate[int](p, `h.stored("reload")`); got != n {
		t.Fatalf("the store holds %d messages, want %d", got, n)
	}
	if got := evaluate[int](p, `h.stored("limits")`); got != limit {
		t.Fatalf("the drop-oldest store holds %d messages, want its limit, %d", got, limit)
	}

	if err := chromedp.Do(p.ctx, chromedp.Reload()); err != nil {
		t.Fatalf("failed to reload: %v", err)
	}
	p.waitFor("the page to load again", "window.h?.ready === true")
	open()
	p.waitFor("the stored messages to be queued again", fmt.Sprintf(`h.ws("a").queuedMessages === %d && h.ws("d").queuedMessages === %d`, n, limit))
	s.start()

	got := app.waitFor(t, "every stored message", "c", n, 30*time.Second)
	if want := everyKind("c", 0, n); !slices.Equal(got, want) {
		t.Errorf("the app applied something other than c0…c%d once each, in order:\n%v", n-1, got)
	}
	var want []string
	for i := over - limit; i < over; i++ {
		want = append(want, fmt.Sprintf("t:d%d", i))
	}
	if got := app.waitFor(t, "the kept messages", "d", limit, 10*time.Second); !slices.Equal(got, want) {
		t.Errorf("the drop-oldest socket's messages applied %v, want %v", got, want)
	}
	p.waitFor("the acknowledged messages to leave the store", `h.stored("reload").then((n) => n === 0)`)
	app.mu.Lock()
	defer app.mu.Unlock()
	if app.dupes != 0 {
		t.Errorf("the app was given %d messages twice", app.dupes)
	}
	if errs := evaluate[[]string](p, `h.errors("a").concat(h.errors("d"))`); len(errs) != 0 {
		t.Errorf("error events: %q", errs)
	}
}

// TestPersistedMessagesSurviveACrashedRenderer crashes the renderer while
// messages are in flight through a faulty network, the server's app
// holding back half-way so that many are unacknowledged: a new page with
// a socket of the same name delivers them all, once each and in order.
func TestPersistedMessagesSurviveACrashedRenderer(t *testing.T) {
	const n, stopAt = 1000, 300
	ctx := testContext(t, 2*time.Minute)
	app := newLedgerApp()
	app.gate, app.stopAt = make(chan struct{}), stopAt
	s := startPersistServers(t, app)
	s.start()
	proxy, err := faultproxy.New(s.wsAddr, faultproxy.Options{MeanFaultInterval: 300 * time.Millisecond, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	url := "ws://" + proxy.Addr() + "/echo"
	opts := persistOptions("crash", ", heartbeatInterval: 500, heartbeatTimeout: 500")

	first, crash := openCrashablePage(t, ctx, s.page)
	first.run(fmt.Sprintf(`h.open("a", %q, undefined, %s)`, url, opts))
	first.run(sendKinds("a", "c", n))
	if got := evaluate[string](first, `h.durable("a")`); got != "ok" {
		t.Fatalf("whenDurable: %s", got)
	}
	app.waitFor(t, "the app to hold back", "c", stopAt, 30*time.Second)
	inFlight := evaluate[int](first, `h.stored("crash")`)
	// The renderer dies without a word: no pagehide, no close frame.
	crash()
	close(app.gate)
	t.Logf("renderer crashed with %d messages stored, the app having applied %d", inFlight, len(app.read("c")))
	if inFlight == 0 {
		t.Fatal("nothing was in flight when the renderer crashed: the test proved nothing")
	}

	second := openPage(t, ctx, "second", s.page, "window.h?.ready === true", "h.dump()")
	second.run(fmt.Sprintf(`h.open("a", %q, undefined, %s)`, url, opts))
	got := app.waitFor(t, "every message", "c", n, time.Minute)
	if want := everyKind("c", 0, n); !slices.Equal(got, want) {
		t.Errorf("the app applied something other than c0…c%d once each, in order:\n%v", n-1, got)
	}
	app.mu.Lock()
	dupes := app.dupes
	app.mu.Unlock()
	if dupes != 0 {
		t.Errorf("the app was given %d messages twice", dupes)
	}
	ps := proxy.Stats()
	t.Logf("faults injected: %d over %d connections", ps.Faults(), ps.Connections)
	second.waitFor("the acknowledged messages to leave the store", `h.stored("crash").then((n) => n === 0)`)
}

// TestAFullQuotaIsAnErrorAndLosesNothing gives the origin a full quota
// while the server is down: the store's first write fails, the page gets
// an error event and a rejected whenDurable, the socket goes on in memory,
// and every message reaches the server once it is up.
func TestAFullQuotaIsAnErrorAndLosesNothing(t *testing.T) {
	const n = 20
	ctx := testContext(t, time.Minute)
	app := newLedgerApp()
	s := startPersistServers(t, app)
	p := openPage(t, ctx, "page", s.page, "window.h?.ready === true", "h.dump()")
	// The origin's quota is made full before the page uses IndexedDB:
	// Chromium applies the override in its own time, and a probe that
	// writes 4 MiB to a database of its own says when it holds.
	origin := strings.TrimSuffix(s.page, "/e2e/harness.html")
	full := 1.0
	if _, err := chromedp.Call(p.ctx, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{Origin: origin, QuotaSize: &full}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		chromedp.Call(p.ctx, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{Origin: origin})
	})
	p.waitFor("the quota to be full", `new Promise((done) => {
		const r = indexedDB.open("probe", 1);
		r.onupgradeneeded = () => r.result.createObjectStore("s");
		r.onerror = () => done(false);
		r.onsuccess = () => {
			const tx = r.result.transaction("s", "readwrite");
			tx.objectStore("s").put(new ArrayBuffer(4 << 20), 1);
			tx.oncomplete = () => { r.result.close(); done(false); };
			tx.onabort = () => { r.result.close(); done(tx.error?.name === "QuotaExceededError"); };
		};
	})`)
	p.run(fmt.Sprintf(`h.open("a", %q, undefined, %s)`, s.wsURL(), persistOptions("quota", "")))
	p.run(`h.ws("a").send("q-first")`)
	if got := evaluate[string](p, `h.durable("a")`); !strings.Contains(got, "QuotaExceededError") {
		t.Errorf("whenDurable with the quota full: %q, want a rejection naming QuotaExceededError", got)
	}
	p.waitFor("an error event", `h.errors("a").some((m) => m.includes("QuotaExceededError"))`)
	// In memory from now on: what follows is kept too, and said not to be
	// durable.
	p.run(fmt.Sprintf(`(() => { for (let i = 0; i < %d; i++) h.ws("a").send("q" + i + "-" + "x".repeat(64 << 10)); return true; })()`, n))
	if got := evaluate[string](p, `h.durable("a")`); !strings.Contains(got, "QuotaExceededError") {
		t.Errorf("whenDurable after the store stopped: %q, want the same rejection", got)
	}
	if got := evaluate[int](p, `h.ws("a").queuedMessages`); got != n+1 {
		t.Errorf("%d messages queued after the failed write, want all %d", got, n+1)
	}
	s.start()
	reads := app.waitFor(t, "every message", "q", n+1, 30*time.Second)
	want := []string{"t:q-first"}
	for i := range n {
		want = append(want, fmt.Sprintf("t:q%d-%s", i, strings.Repeat("x", 64<<10)))
	}
	if !slices.Equal(reads, want) {
		t.Errorf("the app applied %d messages, not q-first, q0 … q%d in order", len(reads), n-1)
	}
	if got := evaluate[string](p, `h.ws("a").state`); got != "open" {
		t.Errorf("state %q after the store failed, want open", got)
	}
}

// TestASecondLiveSocketOfANameKeepsToMemory opens two sockets with the
// same name in one page: the second cannot take the store, says so with
// an error event, and still delivers what it is sent; the first persists.
// A store written in another format is refused, with an error, and left
// as it is; an IndexedDB that never answers is given up after a while;
// options.persist without resume is a TypeError.
func TestASecondLiveSocketOfANameKeepsToMemory(t *testing.T) {
	ctx := testContext(t, time.Minute)
	app := newLedgerApp()
	s := startPersistServers(t, app)
	s.start()
	p := openPage(t, ctx, "page", s.page, "window.h?.ready === true", "h.dump()")
	if got := evaluate[string](p, fmt.Sprintf(`h.errorName(() => new h.RWS(%q, undefined, {persist: "x"}))`, s.wsURL())); got != "TypeError" {
		t.Errorf("persist without resume threw %s, want TypeError", got)
	}
	if got := evaluate[string](p, fmt.Sprintf(`h.errorName(() => new h.RWS(%q, undefined, {resume: true, persist: ""}))`, s.wsURL())); got != "TypeError" {
		t.Errorf("an empty persist threw %s, want TypeError", got)
	}

	p.run(fmt.Sprintf(`h.open("a", %q, undefined, %s)`, s.wsURL(), persistOptions("twin", "")))
	p.run(fmt.Sprintf(`h.open("b", %q, undefined, %s)`, s.wsURL(), persistOptions("twin", "")))
	p.run(`h.ws("a").send("a0"), h.ws("b").send("b0")`)
	// A detached buffer is an empty message, as WebSocket sends it, on the
	// store's path too.
	if got := evaluate[string](p, `h.errorName(() => { const b = new ArrayBuffer(4); structuredClone(b, {transfer: [b]}); h.ws("a").send(b); })`); got != "none" {
		t.Errorf("sending a detached ArrayBuffer threw %s, want nothing", got)
	}
	p.waitForWithin("the second socket's error", `h.errors("b").some((m) => m.includes("another socket"))`, 5*time.Second)
	if got := evaluate[string](p, `h.durable("a")`); got != "ok" {
		t.Errorf("the first socket's whenDurable: %s", got)
	}
	if got := evaluate[string](p, `h.durable("b")`); !strings.Contains(got, "another socket") {
		t.Errorf("the second socket's whenDurable: %q, want a rejection", got)
	}
	app.waitFor(t, "the first socket's message", "a", 1, 10*time.Second)
	app.waitFor(t, "the second socket's message", "b", 1, 10*time.Second)
	if errs := evaluate[[]string](p, `h.errors("a")`); len(errs) != 0 {
		t.Errorf("the first socket's errors: %q", errs)
	}

	p.run(`h.writeMeta("old", {v: 0, url: "x"})`)
	p.run(fmt.Sprintf(`h.open("o", %q, undefined, %s)`, s.wsURL(), persistOptions("old", "")))
	p.run(`h.ws("o").send("o0")`)
	p.waitFor("the refusal", `h.errors("o").some((m) => m.includes("format 0"))`)
	app.waitFor(t, "the message of the socket whose store was refused", "o", 1, 10*time.Second)
	if got := evaluate[int](p, `h.stored("old")`); got != 0 {
		t.Errorf("the refused store holds %d messages, want none written", got)
	}

	// An IndexedDB that never answers holds the socket back only so long.
	p.run(`h.realOpen = indexedDB.open.bind(indexedDB), indexedDB.open = () => ({})`)
	p.run(fmt.Sprintf(`h.open("n", %q, undefined, %s)`, s.wsURL(), persistOptions("hung", "")))
	p.run(`h.ws("n").send("n0")`)
	p.waitFor("the store's timeout", `h.errors("n").some((m) => m.includes("did not answer"))`)
	p.run(`indexedDB.open = h.realOpen`)
	app.waitFor(t, "the message of the socket whose store did not answer", "n", 1, 10*time.Second)
}

// TestSharedPersistIsOneStoreForTheConnection opens two tabs with shared
// sockets that persist under one name: they share one connection, whose
// store in the SharedWorker takes both tabs' messages, and each tab's
// whenDurable and durable events count its own sends.
func TestSharedPersistIsOneStoreForTheConnection(t *testing.T) {
	ctx := testContext(t, time.Minute)
	srv := startDemo(t)
	tabs := openSharedTabs(t, ctx, srv, 2, srv.wsURL("/echo"), `{resume: true, persist: "shared"}`)
	tabs[0].run(`["a-0", "a-1", "a-2"].forEach((m) => t.ws.send(m))`)
	tabs[1].run(`["b-0", "b-1"].forEach((m) => t.ws.send(m))`)
	for i, tab := range tabs {
		if got := evaluate[string](tab.page, `t.ws.whenDurable().then(() => "ok", (e) => e.name + ": " + e.message)`); got != "ok" {
			t.Errorf("tab %d: whenDurable: %s", i, got)
		}
	}
	tabs[0].waitFor("its three sends durable", `t.log.some((e) => e.type === "durable" && e.data === "3")`)
	tabs[1].waitFor("its two sends durable", `t.log.some((e) => e.type === "durable" && e.data === "2")`)
	for i, tab := range tabs {
		if got := evaluate[int](tab.page, `Math.max(...t.log.filter((e) => e.type === "durable").map((e) => Number(e.data)))`); got != 3-i {
			t.Errorf("tab %d: durable events counted up to %d sends, want its own %d", i, got, 3-i)
		}
		tab.waitFor("every echo", `["a-0", "a-1", "a-2", "b-0", "b-1"].every((m) => t.messages().includes(m))`)
		if errs := evaluate[int](tab.page, `t.count("error")`); errs != 0 {
			t.Errorf("tab %d: %d error events", i, errs)
		}
	}
	if st := srv.stats(); st.Clients != 1 {
		t.Errorf("the server has %d clients, want the one shared connection", st.Clients)
	}
}

// TestARestoredSessionNumbersAfterWhatItsPredecessorSent stores a state,
// then lets the page send ten more messages, which the server's app
// applies, and ends the page with the older state in its store, as a page
// that crashed before its last writes leaves it. The renderer's end closes
// its connection with 1001, which ends the session, so the next page gets
// a fresh one; its welcome says where the app's messages end, and the
// page's own message takes the id after them: the app applies it, where a
// reused id would have been taken for one it applied already.
func TestARestoredSessionNumbersAfterWhatItsPredecessorSent(t *testing.T) {
	ctx := testContext(t, time.Minute)
	app := newLedgerApp()
	s := startPersistServers(t, app)
	s.start()
	first, crash := openCrashablePage(t, ctx, s.page)
	first.run(fmt.Sprintf(`h.open("a", %q, undefined, %s)`, s.wsURL(), persistOptions("older", "")))
	first.run(`(() => { for (let i = 0; i < 10; i++) h.ws("a").send("c" + i); return true; })()`)
	app.waitFor(t, "the first ten", "c", 10, 10*time.Second)
	first.waitFor("the store to hold the first ten acknowledged", `h.stored("older").then(async (n) => n === 0 && (await h.readMeta("older"))?.acked === 10)`)
	first.run(`h.older = h.readMeta("older")`)
	first.run(`(() => { for (let i = 10; i < 20; i++) h.ws("a").send("c" + i); return true; })()`)
	app.waitFor(t, "the next ten", "c", 20, 10*time.Second)
	first.waitFor("the store to hold the next ten acknowledged", `h.stored("older").then(async (n) => n === 0 && (await h.readMeta("older"))?.acked === 20)`)
	first.run(`h.older.then((m) => h.writeMeta("older", m))`)
	first.waitFor("the older state to be back", `h.readMeta("older").then((m) => m.acked === 10)`)
	// The page ends without a word, its store ten messages behind.
	crash()

	second := openPage(t, ctx, "second", s.page, "window.h?.ready === true", "h.dump()")
	second.run(fmt.Sprintf(`h.open("a", %q, undefined, %s)`, s.wsURL(), persistOptions("older", "")))
	second.run(`h.ws("a").send("c20")`)
	got := app.waitFor(t, "the new page's message", "c", 21, 10*time.Second)
	if want := everyKindText("c", 21); !slices.Equal(got, want) {
		t.Errorf("the app applied %v, want c0…c20 once each", got)
	}
	if errs := evaluate[[]string](second, `h.errors("a")`); len(errs) != 0 {
		t.Errorf("error events: %q", errs)
	}
}

// everyKindText is n text messages prefix0 … as ledgerApp records them.
func everyKindText(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("t:%s%d", prefix, i))
	}
	return out
}

// TestAReloadKeepsTheSession reloads a page whose socket persists: the
// socket closes its connection as a suspended one does before the browser
// can close it with 1001, which would end the session, so the next page
// resumes it and gets what the server sent in between.
func TestAReloadKeepsTheSession(t *testing.T) {
	ctx := testContext(t, time.Minute)
	app := newLedgerApp()
	app.out = make(chan string, 1)
	s := startPersistServers(t, app)
	s.start()
	p := openPage(t, ctx, "page", s.page, "window.h?.ready === true", "h.dump()")
	open := func() {
		p.run(fmt.Sprintf(`h.open("a", %q, undefined, %s), h.ws("a").addEventListener("open", (e) => { h.resumed = e.resumed; }, {once: true})`, s.wsURL(), persistOptions("keep", "")))
	}
	open()
	p.run(`h.ws("a").send("c0")`)
	app.waitFor(t, "the first message", "c", 1, 10*time.Second)
	p.waitFor("the store to know the session", `h.readMeta("keep").then((m) => m?.session !== "0".repeat(32))`)
	if err := chromedp.Do(p.ctx, chromedp.Reload()); err != nil {
		t.Fatalf("failed to reload: %v", err)
	}
	p.waitFor("the page to load again", "window.h?.ready === true")
	deadline := time.Now().Add(10 * time.Second)
	for s.srv.Stats().Clients != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the old page's connection is still up")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Written while the session has no connection: the next one gets it.
	app.out <- "late"
	open()
	p.waitFor("the open", `h.resumed !== undefined`)
	if !evaluate[bool](p, `h.resumed`) {
		t.Fatalf("the reloaded page's socket opened a fresh session, want the old one resumed: %s %s", evaluate[string](p, `JSON.stringify(h.rec("a").events)`), evaluate[string](p, `JSON.stringify(h.errors("a"))`))
	}
	p.waitFor("what the server sent meanwhile", `h.texts("a").includes("late")`)
	p.run(`h.ws("a").send("c1")`)
	if got := app.waitFor(t, "the next message", "c", 2, 10*time.Second); !slices.Equal(got, []string{"t:c0", "t:c1"}) {
		t.Errorf("the app applied %v, want c0 and c1", got)
	}
}
