//go:build !js

package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"github.com/resock/resock/internal/logbuf"
)

// These tests put the page through its life with the DevTools protocol, as
// the browser would: the network going away and coming back, the page hidden
// and shown, frozen and resumed, and put in the back/forward cache.

// lifeEvent is an event as h.track records it; fields not in an event's
// type stay zero.
type lifeEvent struct {
	Type          string  `json:"type"`
	At            float64 `json:"at"`
	State         string  `json:"state"`
	RetryCount    int     `json:"retryCount"`
	Reconnected   bool    `json:"reconnected"`
	Resumed       bool    `json:"resumed"`
	Downtime      float64 `json:"downtime"`
	Code          int     `json:"code"`
	Reason        string  `json:"reason"`
	WasClean      bool    `json:"wasClean"`
	WillReconnect bool    `json:"willReconnect"`
	Message       string  `json:"message"`
	Attempt       int     `json:"attempt"`
	Delay         float64 `json:"delay"`
	From          string  `json:"from"`
	To            string  `json:"to"`
	Messages      int     `json:"messages"`
	Bytes         int     `json:"bytes"`
	Data          string  `json:"data"`
}

// pageEvent is an event of the page itself, as h.life records it.
type pageEvent struct {
	Type       string  `json:"type"`
	At         float64 `json:"at"`
	Persisted  *bool   `json:"persisted"`
	Visibility string  `json:"visibility"`
}

// call runs a DevTools command on the page's tab.
func call[P, R any](p *page, cmd cdp.Command[P, R], params P) R {
	p.t.Helper()
	r, err := chromedp.Call(p.ctx, cmd, params)
	if err != nil {
		p.t.Fatalf("%s: %s failed: %v", p.name, cmd.Method, err)
	}
	return r
}

// setNetwork switches the page's network off or back on, as DevTools'
// "Offline" does: navigator.onLine and the online and offline events follow
// (Network.overrideNetworkState), and new connections fail while existing
// ones hold what they send (Network.emulateNetworkConditionsByRule, the
// successor of Network.emulateNetworkConditions).
func setNetwork(p *page, online bool) {
	p.t.Helper()
	call(p, network.Enable, network.EnableParams{})
	call(p, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: !online, DownloadThroughput: -1, UploadThroughput: -1})
	var conditions []*network.Conditions
	if !online {
		conditions = []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}
	}
	call(p, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conditions})
}

// setLifecycle freezes the page or makes it active again.
func setLifecycle(p *page, state cdppage.SetWebLifecycleStateState) {
	p.t.Helper()
	call(p, cdppage.SetWebLifecycleState, cdppage.SetWebLifecycleStateParams{State: state})
}

// waitRetryPending makes the server drop the socket called name and refuse
// it, and waits until the socket waits to retry. With delays of a minute it
// then sits there: anything that reconnects it sooner is what a test proves.
func waitRetryPending(p *page, srv *lifeServer, name string) {
	p.t.Helper()
	srv.down.Store(true)
	srv.dropAll(websocket.StatusServiceRestart, "")
	p.waitFor("the socket to wait to retry", fmt.Sprintf(`h.full(%s, "reconnecting").length >= 1 && h.ws(%[1]s).state === "reconnecting"`, js(name)))
}

func TestOfflineSpendsNoRetriesAndOnlineReconnectsAtOnce(t *testing.T) {
	ctx := testContext(t, 45*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	const retry = 100 // ms
	p.run(fmt.Sprintf(`h.openTracked("s", %s, [], {delays: [%d]})`, js(srv.wsURL("/ws")), retry))
	p.waitFor("the socket to open", `h.ws("s").state === "open"`)

	// The server goes down: the socket retries every 100 ms.
	srv.down.Store(true)
	srv.dropAll(websocket.StatusServiceRestart, "")
	p.waitFor("failed attempts", `h.full("s", "reconnecting").length >= 3`)

	setNetwork(p, false)
	p.waitFor("the socket to go offline", `h.lifeOf("offline").length === 1 && h.ws("s").state === "offline"`)
	if last := evaluate[lifeEvent](p, `h.full("s", "statechange").at(-1)`); last.To != "offline" {
		t.Errorf("last statechange %+v, want to offline", last)
	}
	// A socket made while the network is down waits for it.
	p.run(fmt.Sprintf(`h.openTracked("late", %s, [], {delays: [%d]})`, js(srv.wsURL("/ws?name=late")), retry))
	if state := evaluate[string](p, `h.ws("late").state`); state != "offline" {
		t.Errorf("state of a socket made offline = %q, want offline", state)
	}
	srv.down.Store(false)

	before := evaluate[struct {
		Retries      int `json:"retries"`
		Reconnecting int `json:"reconnecting"`
	}](p, `({retries: h.ws("s").retryCount, reconnecting: h.full("s", "reconnecting").length})`)
	attempts := len(srv.attemptsOf("/ws"))
	// Ten retry delays on the page's clock: without the network, nothing.
	p.run(fmt.Sprintf(`h.startTimer("offline", %d)`, 10*retry))
	p.waitFor("the offline window to pass", `h.timers.offline === true`)
	after := evaluate[struct {
		Retries      int    `json:"retries"`
		Reconnecting int    `json:"reconnecting"`
		State        string `json:"state"`
		Late         int    `json:"late"`
	}](p, `({retries: h.ws("s").retryCount, reconnecting: h.full("s", "reconnecting").length, state: h.ws("s").state, late: h.ws("late").retryCount})`)
	if after.Retries != before.Retries || after.Reconnecting != before.Reconnecting || after.State != "offline" {
		t.Errorf("offline for %d ms: retryCount %d → %d, reconnecting events %d → %d, state %q; want no retry spent and state offline",
			10*retry, before.Retries, after.Retries, before.Reconnecting, after.Reconnecting, after.State)
	}
	if n := len(srv.attemptsOf("/ws")); n != attempts {
		t.Errorf("the server saw %d handshakes while the page was offline", n-attempts)
	}

	setNetwork(p, true)
	p.waitFor("both sockets to open", `h.lifeOf("online").length === 1 && h.ws("s").state === "open" && h.ws("late").state === "open"`)
	online := evaluate[pageEvent](p, `h.lifeOf("online")[0]`)
	for _, name := range []string{"s", "late"} {
		open := evaluate[lifeEvent](p, fmt.Sprintf(`h.full(%s, "open").at(-1)`, js(name)))
		took := open.At - online.At
		// At most a second of jitter, then a handshake on loopback.
		if took > 1500 {
			t.Errorf("%s: open %.0f ms after the online event, want within about 1 s", name, took)
		}
		t.Logf("%s: open %.0f ms after online", name, took)
	}
	// s retries, and says after what wait; late makes its first connection,
	// which is no retry.
	// resock hears online before the page's listeners do, so the retry is
	// told by its place after the offline window, not by its time.
	retries := evaluate[[]lifeEvent](p, `h.full("s", "reconnecting")`)
	if len(retries) <= after.Reconnecting || retries[len(retries)-1].Delay > 1000 {
		t.Errorf("s: reconnecting events %+v, want one after the offline window (%d before) with a delay of at most 1000 ms", retries, after.Reconnecting)
	}
	late := evaluate[struct {
		Reconnecting int `json:"reconnecting"`
		Retries      int `json:"retries"`
	}](p, `({reconnecting: h.full("late", "reconnecting").length, retries: h.ws("late").retryCount})`)
	if late.Reconnecting != 0 || late.Retries != 0 {
		t.Errorf("late: %d reconnecting events, retryCount %d for its first connection, want none and 0", late.Reconnecting, late.Retries)
	}
}

// webSocketsCreated counts, from the DevTools protocol, the WebSockets the
// page creates from now on for url. The network domain must be enabled
// (setNetwork does).
func webSocketsCreated(p *page, url string) func() int {
	var mu sync.Mutex
	n := 0
	err := chromedp.Listen(p.ctx, func(ev any) {
		if e, ok := ev.(*network.EventWebSocketCreated); ok && e.URL == url {
			mu.Lock()
			n++
			mu.Unlock()
		}
	})
	if err != nil {
		p.t.Fatalf("failed to listen to the page's events: %v", err)
	}
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

func TestSocketMadeOfflineWaitsForTheNetworkWithoutAnAttempt(t *testing.T) {
	ctx := testContext(t, 45*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	setNetwork(p, false)
	p.waitFor("the page to be offline", `h.lifeOf("offline").length === 1 && navigator.onLine === false`)
	created := webSocketsCreated(p, srv.wsURL("/ws?name=late"))
	// "late" has a URL, "lateFn" a function that gives one; both are made
	// while the network is down.
	p.run(fmt.Sprintf(`(() => {
		h.urlCalls = 0;
		h.openTracked("late", %s);
		h.openTracked("lateFn", () => (h.urlCalls++, %s));
		return true;
	})()`, js(srv.wsURL("/ws?name=late")), js(srv.wsURL("/ws?name=lateFn"))))
	// Half a second on the page's clock for anything a first attempt would
	// have set off: a browser WebSocket, a call of the URL function.
	p.run(`h.startTimer("offline", 500)`)
	p.waitFor("the offline window to pass", `h.timers.offline === true`)
	type madeOffline struct {
		State    string   `json:"state"`
		Attempts int      `json:"attempts"`
		Events   []string `json:"events"`
	}
	for _, name := range []string{"late", "lateFn"} {
		got := evaluate[madeOffline](p, fmt.Sprintf(`({state: h.ws(%[1]s).state, attempts: h.ws(%[1]s).stats().attempts, events: h.full(%[1]s).map((e) => e.type)})`, js(name)))
		if got.State != "offline" || got.Attempts != 0 || len(got.Events) != 0 {
			t.Errorf("%s made offline: state %q, stats().attempts %d, events %q; want offline, 0, none", name, got.State, got.Attempts, got.Events)
		}
	}
	if n := evaluate[int](p, `h.urlCalls`); n != 0 {
		t.Errorf("lateFn's URL function called %d times while offline, want 0", n)
	}
	if n := created(); n != 0 {
		t.Errorf("the browser created %d WebSockets for late while offline, want 0", n)
	}

	setNetwork(p, true)
	p.waitFor("both sockets to open", `h.ws("late").state === "open" && h.ws("lateFn").state === "open"`)
	for _, name := range []string{"late", "lateFn"} {
		if n := evaluate[int](p, fmt.Sprintf(`h.ws(%s).stats().attempts`, js(name))); n != 1 {
			t.Errorf("%s: stats().attempts %d once open, want 1", name, n)
		}
	}
	if n := evaluate[int](p, `h.urlCalls`); n != 1 {
		t.Errorf("lateFn's URL function called %d times by its one attempt, want 1", n)
	}
	if n := created(); n != 1 {
		t.Errorf("the browser created %d WebSockets for late, want 1, once online", n)
	}
	if n := len(srv.attemptsOf("/ws")); n != 2 {
		t.Errorf("the server saw %d handshakes, want 2: one per socket", n)
	}
}

func TestFrozenPageRecoversOnResume(t *testing.T) {
	ctx := testContext(t, 45*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	p.run(fmt.Sprintf(`h.openTracked("s", %s, [], {delays: [60000]})`, js(srv.wsURL("/ws"))))
	p.waitFor("the socket to open", `h.ws("s").state === "open"`)
	waitRetryPending(p, srv, "s")

	setLifecycle(p, cdppage.SetWebLifecycleStateStateFrozen)
	srv.down.Store(false)
	setLifecycle(p, cdppage.SetWebLifecycleStateStateActive)
	// The retry is a minute away; the resumed page checks at once.
	p.waitFor("the socket to reopen after resume", `h.lifeOf("resume").length === 1 && h.full("s", "open").length === 2`)
	freeze := evaluate[[]pageEvent](p, `h.lifeOf("freeze")`)
	resume := evaluate[pageEvent](p, `h.lifeOf("resume")[0]`)
	open := evaluate[lifeEvent](p, `h.full("s", "open")[1]`)
	if len(freeze) != 1 {
		t.Errorf("%d freeze events, want 1", len(freeze))
	}
	if took := open.At - resume.At; took < 0 || took > 2000 {
		t.Errorf("open %.0f ms after the resume event, want within 2 s (the retry was 60 s away)", took)
	}
	p.run(`h.ws("s").send("after the freeze")`)
	p.waitFor("the echo", `h.texts("s").includes("after the freeze")`)
}

func TestHiddenPagesProbeLessAndVisiblePagesProbeAtOnce(t *testing.T) {
	ctx := testContext(t, 45*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	// fast probes every 300 ms while visible (the probe's timeout; its
	// interval is 100 ms) and every minute while hidden; slow only every
	// minute, so any probe of slow's is one made at once.
	heartbeat := `heartbeat: {message: "ping", expect: "pong"}`
	p.run(fmt.Sprintf(`h.openTracked("fast", %s, [], {%s, heartbeatInterval: 100, heartbeatTimeout: 300, hiddenHeartbeatInterval: 60000})`, js(srv.wsURL("/ws?name=fast")), heartbeat))
	p.run(fmt.Sprintf(`h.openTracked("slow", %s, [], {%s, heartbeatInterval: 60000})`, js(srv.wsURL("/ws?name=slow")), heartbeat))
	p.waitFor("both sockets to open", `h.ws("fast").state === "open" && h.ws("slow").state === "open"`)
	srv.waitUntil("fast's probes", pollTimeout, func() bool { return srv.pingsOf("fast") >= 3 })
	if rtt := evaluate[*float64](p, `h.ws("fast").rtt`); rtt == nil || *rtt < 0 {
		t.Errorf("rtt after answered probes = %v, want a number of ms", rtt)
	}

	// Headless Chromium leaves a page it froze and resumed hidden; focus
	// emulation then shows and hides it.
	setLifecycle(p, cdppage.SetWebLifecycleStateStateFrozen)
	setLifecycle(p, cdppage.SetWebLifecycleStateStateActive)
	p.waitFor("the page to be hidden", `document.visibilityState === "hidden" && h.lifeOf("resume").length === 1`)
	// What was already on its way may still arrive.
	hidden := srv.pingsOf("fast") + 1
	p.run(`h.startTimer("hidden", 1500)`)
	p.waitFor("the hidden window to pass", `h.timers.hidden === true`)
	if n := srv.pingsOf("fast") - hidden; n > 0 {
		t.Errorf("fast probed %d more times within 1.5 s while hidden (5 times visible), with hiddenHeartbeatInterval a minute", n)
	}

	slow := srv.pingsOf("slow")
	shown := time.Now()
	call(p, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
	p.waitFor("the page to be visible", `document.visibilityState === "visible"`)
	srv.waitUntil("slow's probe on becoming visible", 5*time.Second, func() bool { return srv.pingsOf("slow") > slow })
	t.Logf("slow probed %v after the page was shown (its interval is 60 s)", time.Since(shown).Round(time.Millisecond))
	fast := srv.pingsOf("fast")
	srv.waitUntil("fast's probes to resume", pollTimeout, func() bool { return srv.pingsOf("fast") >= fast+3 })
	if state := evaluate[string](p, `h.ws("fast").state + " " + h.ws("slow").state`); state != "open open" {
		t.Errorf("states %q, want both open: answered probes keep a connection", state)
	}
}

func TestWatchdogProbesWhenTheMachineSlept(t *testing.T) {
	ctx := testContext(t, 45*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	p.run(fmt.Sprintf(`h.openTracked("s", %s, [], {delays: [60000]})`, js(srv.wsURL("/ws"))))
	p.waitFor("the socket to open", `h.ws("s").state === "open"`)
	waitRetryPending(p, srv, "s")
	srv.down.Store(false)

	// After a sleep the wall clock has jumped while the page's timers stood
	// still: the watchdog's next tick looks an hour late.
	p.run(`(() => {
		const now = Date.now;
		window.restoreClock = () => { Date.now = now; };
		Date.now = () => now.call(Date) + 3600e3;
		h.sleptAt = performance.now();
	})()`)
	defer p.run(`restoreClock()`)
	p.waitFor("the socket to reopen", `h.full("s", "open").length === 2`)
	if took := evaluate[float64](p, `h.full("s", "open")[1].at - h.sleptAt`); took > 3000 {
		t.Errorf("open %.0f ms after the clock jumped, want within about a watchdog tick (1 s); the retry was 60 s away", took)
	}
}

// disconnects returns the lines of a server log that tell a client left.
func disconnects(logs *logbuf.Buffer) []string {
	var left []string
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, `msg="client disconnected"`) {
			left = append(left, strings.TrimSpace(line))
		}
	}
	return left
}

// cachedPage is a page sent to the back/forward cache by navigating away,
// watched so that a page the browser did not cache fails the test at once
// rather than at a timeout.
type cachedPage struct {
	p       *page
	notUsed chan []string
}

// leaveForCache navigates p away to another page of srv, which puts p in
// the back/forward cache; back brings it back.
func leaveForCache(p *page, srv *lifeServer) *cachedPage {
	p.t.Helper()
	c := &cachedPage{p: p, notUsed: make(chan []string, 1)}
	watch, stopWatching := context.WithCancel(p.ctx)
	p.t.Cleanup(stopWatching)
	events := chromedp.Events(watch, cdppage.BackForwardCacheNotUsed)
	go func() {
		for e, err := range events {
			if err != nil {
				return
			}
			var reasons []string
			for _, r := range e.NotRestoredExplanations {
				reasons = append(reasons, fmt.Sprintf("%s (%s)", r.Reason, r.Type))
			}
			c.notUsed <- reasons
			return
		}
	}()
	if err := chromedp.Do(p.ctx, chromedp.Navigate(srv.url("/e2e/harness.html?away"))); err != nil {
		p.t.Fatalf("failed to navigate away: %v", err)
	}
	return c
}

// back goes back in the history to the cached page and waits until it
// is shown from the cache.
func (c *cachedPage) back() {
	c.p.t.Helper()
	history, err := chromedp.Run(c.p.ctx, chromedp.NavigationEntries())
	if err != nil {
		c.p.t.Fatalf("failed to read the history: %v", err)
	}
	if history.CurrentIndex < 1 {
		c.p.t.Fatalf("history %+v has no page to go back to", history)
	}
	call(c.p, cdppage.NavigateToHistoryEntry, cdppage.NavigateToHistoryEntryParams{EntryID: history.Entries[history.CurrentIndex-1].ID})
	c.waitFor("the page to be shown from the cache", `window.h?.life?.some((e) => e.type === "pageshow" && e.persisted === true)`)
}

// waitFor waits until cond holds on the restored page. chromedp.Poll does
// not find a page restored from the cache, so it evaluates cond itself.
func (c *cachedPage) waitFor(what, cond string) {
	c.p.t.Helper()
	for deadline := time.Now().Add(pollTimeout); !evaluate[bool](c.p, cond+" === true"); {
		select {
		case reasons := <-c.notUsed:
			c.p.t.Fatalf("the page did not come from the back/forward cache: %s", strings.Join(reasons, "; "))
		default:
		}
		if time.Now().After(deadline) {
			c.p.t.Fatalf("failed waiting for %s within %v\n  condition: %s\n  state: %s", what, pollTimeout, cond, c.p.state())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkCacheEvents checks the socket's events around the stay in the cache:
// one close, as want says, then the state offline, then a reconnection.
func checkCacheEvents(t *testing.T, p *page, want lifeEvent) []lifeEvent {
	t.Helper()
	full := evaluate[[]lifeEvent](p, `h.full("s").filter((e) => e.type !== "message")`)
	var closes []lifeEvent
	offline := false
	for _, e := range full {
		switch {
		case e.Type == "close":
			closes = append(closes, e)
		case e.Type == "statechange" && e.To == "offline":
			offline = len(closes) > 0
		}
	}
	if len(closes) != 1 || closes[0].Code != want.Code || closes[0].Reason != want.Reason || closes[0].WasClean != want.WasClean || closes[0].WillReconnect != want.WillReconnect {
		t.Errorf("close events on entering the cache %+v, want one: code %d, reason %q, wasClean %v, willReconnect %v",
			closes, want.Code, want.Reason, want.WasClean, want.WillReconnect)
	}
	if !offline {
		t.Errorf("events %+v: want the state offline after the close, while in the cache", full)
	}
	if hide := evaluate[[]pageEvent](p, `h.lifeOf("pagehide")`); len(hide) != 1 || hide[0].Persisted == nil || !*hide[0].Persisted {
		t.Errorf("pagehide events %+v, want one with persisted", hide)
	}
	return full
}

func TestBackForwardCacheClosesCleanlyAndResumes(t *testing.T) {
	ctx := testContext(t, 45*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	p.run(fmt.Sprintf(`h.openTracked("s", %s, [], {resume: true})`, js(srv.wsURL("/echo"))))
	p.run(`h.ws("s").send("before")`)
	p.waitFor("the echo", `h.texts("s").includes("before")`)

	cached := leaveForCache(p, srv)
	// The suspended socket closed with the code that keeps the session.
	srv.waitUntil("the client to leave and its session to wait", pollTimeout, func() bool {
		st := srv.echo.Stats()
		return st.Clients == 0 && st.Sessions == 1
	})
	cached.back()
	cached.waitFor("the socket to reopen", `h.full("s", "open").length === 2`)

	full := checkCacheEvents(t, p, lifeEvent{Code: 4003, Reason: "page suspended", WasClean: true, WillReconnect: true})
	if last := full[len(full)-1]; last.Type != "open" || !last.Reconnected || !last.Resumed {
		t.Errorf("open after the cache %+v, want reconnected and resumed", last)
	}
	p.run(`h.ws("s").send("after")`)
	cached.waitFor("the echo after the cache", `h.texts("s").join() === "before,after"`)
	if st := srv.echo.Stats(); st.Accepted != 2 || st.Sessions != 1 {
		t.Errorf("server: accepted %d, sessions %d; want 2 connections of one session", st.Accepted, st.Sessions)
	}
}

// In plain mode the suspended socket closes with 1001 (going away), which
// the browser does not send: the browser transport sends it as 1000 with
// the reason kept. The server must see the client leave cleanly at once,
// not when the browser drops the socket of a cached page.
func TestBackForwardCacheClosesPlainSocketCleanly(t *testing.T) {
	ctx := testContext(t, 45*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	p.run(fmt.Sprintf(`h.openTracked("s", %s)`, js(srv.wsURL("/echo"))))
	p.run(`h.ws("s").send("before")`)
	p.waitFor("the echo", `h.texts("s").includes("before")`)

	cached := leaveForCache(p, srv)
	srv.waitUntil("the client to leave", pollTimeout, func() bool { return srv.echo.Stats().Clients == 0 })
	if left := disconnects(srv.logs); len(left) != 1 || !strings.Contains(left[0], "close_code=1000 ") {
		t.Errorf("server log of the client leaving %q, want one with close_code=1000 (a close handshake, not a dropped connection)", left)
	}

	cached.back()
	cached.waitFor("the socket to reopen", `h.full("s", "open").length === 2`)
	full := checkCacheEvents(t, p, lifeEvent{Code: 1001, Reason: "page suspended", WasClean: true, WillReconnect: true})
	if last := full[len(full)-1]; last.Type != "open" || !last.Reconnected || last.Resumed {
		t.Errorf("open after the cache %+v, want reconnected, not resumed", last)
	}
	p.run(`h.ws("s").send("after")`)
	cached.waitFor("the echo after the cache", `h.texts("s").join() === "before,after"`)
	if st := srv.echo.Stats(); st.Accepted != 2 || st.Clients != 1 {
		t.Errorf("server: accepted %d, clients %d; want 2 connections, one of them open", st.Accepted, st.Clients)
	}
}
