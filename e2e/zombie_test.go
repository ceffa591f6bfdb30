//go:build !js

package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/resock/resock/internal/faultproxy"
	"github.com/resock/resock/server"
)

// A connection can die without a word: the laptop joins another network or
// sleeps, a router forgets the flow, and the page's TCP socket stays open on
// a path that leads nowhere. The page's own signs that the path may have
// changed (the network coming back, a sleep the watchdog saw) are the time
// to check it, not a heartbeat interval later, and never in plain mode
// without a heartbeat, which cannot check at all. In these tests the fault
// proxy's blackhole kills the connection; DevTools' offline emulation alone
// would leave TCP alive.

// reactionSlack is what a loaded 2-core machine may add to a target time:
// timers, handshakes and the DevTools round trips all run late there.
const reactionSlack = 1500 * time.Millisecond

// zombieApp answers the plain heartbeat "ping" with "pong" and echoes every
// other message, recording them in the order they arrived, across
// connections.
type zombieApp struct {
	mu       sync.Mutex
	received []string
}

func (a *zombieApp) serve(ctx context.Context, c *server.Conn) {
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		if typ == server.MessageText && string(data) == "ping" {
			data = []byte("pong")
		} else {
			a.mu.Lock()
			a.received = append(a.received, string(data))
			a.mu.Unlock()
		}
		if err := c.Write(ctx, typ, data); err != nil {
			return
		}
	}
}

func (a *zombieApp) messages() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.received)
}

// startZombieServer serves the harness, and app at /echo behind a fault
// proxy for the page's sockets. The server neither pings nor probes within
// a test's time, so only the page can find a connection dead.
func startZombieServer(t *testing.T, app *zombieApp) (addr string, proxy *faultproxy.Proxy) {
	t.Helper()
	addr = startResumeServer(t, app.serve, server.Options{PingInterval: time.Hour, HeartbeatInterval: time.Hour})
	proxy, err := faultproxy.New(addr, faultproxy.Options{MeanFaultInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	return addr, proxy
}

// openZombiePage opens the harness, which also records the page's life
// (h.life), here with navigator.connection's change events too. DevTools'
// offline emulation fires one just before the offline event and one just
// before the online event. Unless connectionChanges is true the page keeps
// them from resock, as browsers without navigator.connection would, so
// that the online event is the sign a test measures from; its listener,
// added before any script of the page runs (resock adds its own when its
// module loads), is the first to hear them.
func openZombiePage(t *testing.T, ctx context.Context, addr string, connectionChanges bool) *page {
	t.Helper()
	first := fmt.Sprintf(`navigator.connection?.addEventListener("change", (e) => {
		globalThis.h?.life.push({type: "connectionchange", at: performance.now()});
		if (!%v) e.stopImmediatePropagation();
	});`, connectionChanges)
	return openPageWith(t, ctx, "page", "http://"+addr+"/e2e/harness.html", "window.h?.ready === true && Array.isArray(window.h.life)",
		`JSON.stringify({life: h.life, sockets: Object.fromEntries(Object.entries(h.sockets).map(([k, v]) => [k, {state: v.ws.state, events: (v.full ?? []).filter((e) => e.type !== "message"), texts: h.texts(k)}]))})`, first)
}

// within polls the page until the JavaScript expression cond is truthy and
// reports whether it was within timeout.
func (p *page) within(cond string, timeout time.Duration) bool {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](cond,
		chromedp.WithPollingInterval(10*time.Millisecond),
		chromedp.WithPollingTimeout(timeout)))
	if errors.Is(err, chromedp.ErrPollingTimeout) {
		return false
	}
	if err != nil {
		p.t.Fatalf("%s: failed waiting for %s: %v\n  state: %s", p.name, cond, err, p.state())
	}
	return true
}

// sendNumbered sends "m" + i for i in [from, to) on the socket called name.
func sendNumbered(p *page, name string, from, to int) {
	p.t.Helper()
	p.run(fmt.Sprintf(`(() => { for (let i = %d; i < %d; i++) h.ws(%s).send("m" + i); return true; })()`, from, to, js(name)))
}

// numbered returns "m" + i for i in [0, n).
func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("m", i)
	}
	return out
}

// dieWhileOffline blackholes the page's n connections and takes the page
// offline for five seconds, as a laptop that moves between networks is.
// It returns the page's clock at the blackhole.
func dieWhileOffline(p *page, proxy *faultproxy.Proxy, n int) float64 {
	p.t.Helper()
	if got := proxy.BlackholeAll(); got != n {
		p.t.Fatalf("blackholed %d connections, want %d", got, n)
	}
	holedAt := evaluate[float64](p, `performance.now()`)
	setNetwork(p, false)
	p.waitFor("the offline event", `h.lifeOf("offline").length === 1 && navigator.onLine === false`)
	p.run(`h.startTimer("offline", 5000)`)
	p.waitForWithin("five seconds offline", `h.timers.offline === true`, 15*time.Second)
	return holedAt
}

// backOnline ends the offline emulation and returns the page's online
// event, which must fire.
func backOnline(p *page) pageEvent {
	p.t.Helper()
	setNetwork(p, true)
	p.waitFor("the online event", `h.lifeOf("online").length === 1 && navigator.onLine === true`)
	return evaluate[pageEvent](p, `h.lifeOf("online")[0]`)
}

// sendOnOnline makes the page send "m" + i for i in [from, to) on the
// socket called name from its own online listener, added after resock's:
// the first thing the page does once the network is back. h.sentOnline
// records the socket's state then.
func sendOnOnline(p *page, name string, from, to int) {
	p.t.Helper()
	p.run(fmt.Sprintf(`(() => {
		addEventListener("online", () => {
			const ws = h.ws(%s);
			h.sentOnline = {at: performance.now(), state: ws.state};
			for (let i = %d; i < %d; i++) ws.send("m" + i);
		}, {once: true});
		return true;
	})()`, js(name), from, to))
}

// replacement is what a socket went through after its connection died.
type replacement struct {
	close, reconnecting, open lifeEvent
}

// checkReplaced waits until the socket called name opened a second
// connection and checks the events since the blackhole at holedAt: first
// the dead connection's close (1006, not clean, to be retried), last a
// reconnecting event and the new connection's open.
func checkReplaced(p *page, name string, holedAt float64, after string) replacement {
	p.t.Helper()
	t := p.t
	if !p.within(fmt.Sprintf(`h.full(%s, "open").length >= 2`, js(name)), pollTimeout) {
		st := evaluate[struct {
			State  string      `json:"state"`
			Events []lifeEvent `json:"events"`
			Sent   *struct {
				State string `json:"state"`
			} `json:"sentOnline"`
		}](p, fmt.Sprintf(`({state: h.ws(%[1]s).state, events: h.full(%[1]s).filter((e) => e.at >= %[2]v && e.type !== "message"), sentOnline: h.sentOnline ?? null})`, js(name), holedAt))
		sent := ""
		if st.Sent != nil {
			sent = fmt.Sprintf("; the page's first sends after online found it %q", st.Sent.State)
		}
		if st.State == "open" && len(st.Events) == 0 {
			sent += ": it kept its dead connection"
		}
		t.Fatalf("%s: no new connection within %v %s (state %q, events since the blackhole %s%s)",
			name, pollTimeout, after, st.State, brief(st.Events...), sent)
	}
	events := evaluate[[]lifeEvent](p, fmt.Sprintf(`h.full(%s).filter((e) => e.at >= %v && ["close", "reconnecting", "open"].includes(e.type))`, js(name), holedAt))
	// A sign that comes while the network is still going away (on the way
	// out, navigator.connection changes just before the offline event) may
	// replace the connection early, and an attempt may fail then; what
	// matters is the first close and the open at the end.
	n := len(events)
	if n < 3 || events[0].Type != "close" || events[n-2].Type != "reconnecting" || events[n-1].Type != "open" {
		t.Fatalf("%s: events since the blackhole %s, want a close, a reconnecting event, then an open", name, brief(events...))
	}
	r := replacement{close: events[0], reconnecting: events[n-2], open: events[n-1]}
	if n > 3 {
		t.Logf("%s: events since the blackhole %s", name, brief(events...))
	}
	for _, e := range events[:n-1] {
		if e.Type == "open" {
			t.Errorf("%s: events since the blackhole %s: an open before the last", name, brief(events...))
			break
		}
	}
	if c := r.close; c.Code != 1006 || c.WasClean || !c.WillReconnect {
		t.Errorf("%s: close of the dead connection %s, want code 1006, not clean, willReconnect", name, brief(c))
	}
	if r.reconnecting.Delay > 1000 {
		t.Errorf("%s: %s, want a delay of at most 1000 ms", name, brief(r.reconnecting))
	}
	if !r.open.Reconnected {
		t.Errorf("%s: %s, want reconnected", name, brief(r.open))
	}
	return r
}

// brief describes events for a failure message, each with the fields of
// its type, at the page's clock in ms.
func brief(events ...lifeEvent) string {
	var b strings.Builder
	b.WriteString("[")
	for i, e := range events {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s at %.0f", e.Type, e.At)
		switch e.Type {
		case "open":
			fmt.Fprintf(&b, " {reconnected %v, resumed %v}", e.Reconnected, e.Resumed)
		case "close":
			fmt.Fprintf(&b, " {code %d, reason %q, wasClean %v, willReconnect %v}", e.Code, e.Reason, e.WasClean, e.WillReconnect)
		case "error":
			fmt.Fprintf(&b, " {%q}", e.Message)
		case "reconnecting":
			fmt.Fprintf(&b, " {attempt %d, delay %.0f, code %d}", e.Attempt, e.Delay, e.Code)
		case "statechange":
			fmt.Fprintf(&b, " {%s to %s}", e.From, e.To)
		}
	}
	b.WriteString("]")
	return b.String()
}

// checkTook fails the test if took, in ms on the page's clock, is over
// target plus reactionSlack.
func checkTook(t *testing.T, what string, took float64, target time.Duration) {
	t.Helper()
	t.Logf("%s %.0f ms (target %v)", what, took, target)
	if limit := target + reactionSlack; took > float64(limit.Milliseconds()) {
		t.Errorf("%s %.0f ms, want at most %v (target %v)", what, took, limit, target)
	}
}

// checkDelivered waits for the page to get as many echoes as want has and
// checks that the page and the server each saw exactly want, in order.
func checkDelivered(p *page, app *zombieApp, name string, want []string) {
	p.t.Helper()
	p.within(fmt.Sprintf(`h.texts(%s).length >= %d`, js(name), len(want)), pollTimeout)
	if got := evaluate[[]string](p, fmt.Sprintf(`h.texts(%s)`, js(name))); !slices.Equal(got, want) {
		p.t.Errorf("%s: the page got the echoes %q, want %q", name, got, want)
	}
	if got := app.messages(); !slices.Equal(got, want) {
		p.t.Errorf("%s: the server got %q, want %q", name, got, want)
	}
}

func TestZombieConnectionIsReplacedWhenTheNetworkComesBack(t *testing.T) {
	for _, tc := range []struct {
		name    string
		options string
		// target is the longest wait from the online event to the new
		// connection's open.
		target time.Duration
		// before is how many messages are echoed before the connection
		// dies, dead how many are sent into it meanwhile: only resume mode
		// can deliver those.
		before, dead int
		resumed      bool
		// connectionChanges lets resock hear navigator.connection's
		// change events too, as in Chromium outside the test.
		connectionChanges bool
	}{
		// Plain mode cannot probe: the connection is replaced at once, and
		// the new one made within the online jitter of a second.
		{name: "plain", options: `{}`, target: 1500 * time.Millisecond, before: 1},
		// The connection may already be replaced as the network goes; the
		// new one is made once it is back.
		{name: "plain hearing navigator.connection", options: `{}`, target: 1500 * time.Millisecond, before: 1, connectionChanges: true},
		// With a heartbeat it is probed at once and replaced when the
		// probe times out. The interval is long, so that only the online
		// event's probe can find the connection dead in time.
		{name: "plain with heartbeat", options: `{heartbeat: {message: "ping", expect: "pong"}, heartbeatInterval: 60000, heartbeatTimeout: 2000}`,
			target: 3 * time.Second, before: 1},
		{name: "resume", options: `{resume: true, heartbeatInterval: 60000, heartbeatTimeout: 2000}`,
			target: 3 * time.Second, before: 5, dead: 5, resumed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, time.Minute)
			app := &zombieApp{}
			addr, proxy := startZombieServer(t, app)
			p := openZombiePage(t, ctx, addr, tc.connectionChanges)

			p.run(fmt.Sprintf(`h.openTracked("s", %s, [], %s)`, js("ws://"+proxy.Addr()+"/echo"), tc.options))
			sendNumbered(p, "s", 0, tc.before)
			p.waitFor("the first echoes", fmt.Sprintf(`h.texts("s").length === %d`, tc.before))

			holedAt := dieWhileOffline(p, proxy, 1)
			sendNumbered(p, "s", tc.before, tc.before+tc.dead)
			const after = 10
			sendOnOnline(p, "s", tc.before+tc.dead, tc.before+tc.dead+after)
			online := backOnline(p)
			if tc.connectionChanges {
				t.Logf("navigator.connection fired %d change events", evaluate[int](p, `h.lifeOf("connectionchange").length`))
			}

			r := checkReplaced(p, "s", holedAt, "of the online event")
			checkTook(t, "new connection open after the online event:", r.open.At-online.At, tc.target)
			if r.open.Resumed != tc.resumed {
				t.Errorf("%s, want resumed %v", brief(r.open), tc.resumed)
			}
			checkDelivered(p, app, "s", numbered(tc.before+tc.dead+after))
		})
	}
}

func TestZombieConnectionIsKeptWithNetworkChangeIgnore(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	app := &zombieApp{}
	addr, proxy := startZombieServer(t, app)
	// "ignore" ignores navigator.connection too.
	p := openZombiePage(t, ctx, addr, true)

	url := js("ws://" + proxy.Addr() + "/echo")
	// "replace" is the clock: told of the same signs as "ignore" (the
	// online event, navigator.connection's changes), in the same loop, it
	// replaces its connection without waiting for a probe, whose timeout
	// is a minute. Once it has a new connection and an echo on it, "ignore"
	// has had every chance to act on them.
	p.run(fmt.Sprintf(`h.openTracked("ignore", %s, [], {networkChange: "ignore"})`, url))
	p.run(fmt.Sprintf(`h.openTracked("replace", %s, [], {networkChange: "replace", heartbeat: {message: "ping", expect: "pong"}, heartbeatInterval: 60000, heartbeatTimeout: 60000})`, url))
	p.run(`h.ws("ignore").send("i0"), h.ws("replace").send("r0"), true`)
	p.waitFor("an echo on each socket", `h.texts("ignore").length === 1 && h.texts("replace").length === 1`)

	holedAt := dieWhileOffline(p, proxy, 2)
	online := backOnline(p)

	r := checkReplaced(p, "replace", holedAt, "of the online event")
	checkTook(t, `"replace": new connection open after the online event:`, r.open.At-online.At, 1500*time.Millisecond)
	p.run(`h.ws("replace").send("r1"), true`)
	p.waitFor("the echo on the new connection", `h.texts("replace").length === 2`)

	ignored := evaluate[struct {
		State    string      `json:"state"`
		Attempts int         `json:"attempts"`
		Events   []lifeEvent `json:"events"`
	}](p, fmt.Sprintf(`({state: h.ws("ignore").state, attempts: h.ws("ignore").stats().attempts, events: h.full("ignore").filter((e) => e.at >= %v && e.type !== "message")})`, holedAt))
	if ignored.State != "open" || ignored.Attempts != 1 || len(ignored.Events) != 0 {
		t.Errorf(`"ignore": state %q, stats().attempts %d, events since the blackhole %s; want it left open on its one connection, as before networkChange existed`,
			ignored.State, ignored.Attempts, brief(ignored.Events...))
	}
}

func TestZombieConnectionIsReplacedAfterTheMachineSlept(t *testing.T) {
	// Not parallel: the page's main thread is held for seconds, which
	// would hold up the tabs of other tests in the same renderer too.
	ctx := testContext(t, time.Minute)
	app := &zombieApp{}
	addr, proxy := startZombieServer(t, app)
	p := openZombiePage(t, ctx, addr, false)

	url := "ws://" + proxy.Addr() + "/echo"
	p.run(fmt.Sprintf(`h.openTracked("s", %s)`, js(url)))
	sendNumbered(p, "s", 0, 1)
	p.waitFor("the first echo", `h.texts("s").length === 1`)
	// "waiting" failed its first attempt, on a port nobody listens on, and
	// waits a minute to retry. A sleep makes every socket that waits to
	// retry try at once, networkChange or not: its open shows that the
	// watchdog saw the sleep.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "ws://" + ln.Addr().String() + "/"
	ln.Close()
	p.run(fmt.Sprintf(`h.up = false, h.openTracked("waiting", () => h.up ? %s : %s, [], {delays: [60000]})`, js(url), js(refused)))
	p.waitFor("the first attempt of waiting to fail", `h.full("waiting", "reconnecting").length === 1`)
	p.run(`h.up = true`)

	if got := proxy.BlackholeAll(); got != 1 {
		t.Fatalf("blackholed %d connections, want 1", got)
	}
	holedAt := evaluate[float64](p, `performance.now()`)
	// The page runs no code for 5.5 s while the wall clock goes on, as
	// across a sleep: the watchdog's next tick comes more than 4 s late.
	slept := evaluate[struct {
		Slept   float64 `json:"slept"`
		Visible bool    `json:"visible"`
		WokeAt  float64 `json:"wokeAt"`
	}](p, `(() => {
		const start = Date.now();
		while (Date.now() - start < 5500) {}
		return {slept: Date.now() - start, visible: document.visibilityState === "visible", wokeAt: performance.now()};
	})()`)
	if slept.Slept < 5500 || !slept.Visible {
		t.Fatalf("the page was held for %.0f ms, visible %v; the watchdog only judges a visible page held over 5 s", slept.Slept, slept.Visible)
	}

	if !p.within(`h.full("waiting", "open").length === 1`, pollTimeout) {
		t.Fatalf("waiting did not retry within %v of the page waking (its retry was a minute away): the watchdog did not see a sleep", pollTimeout)
	}

	r := checkReplaced(p, "s", holedAt, "of the page waking")
	// The watchdog's late tick runs as soon as the page does; a sleep
	// replaces at once, without the online jitter.
	checkTook(t, "new connection open after the page woke:", r.open.At-slept.WokeAt, time.Second)
	sendNumbered(p, "s", 1, 11)
	checkDelivered(p, app, "s", numbered(11))
}
