//go:build js && wasm

package main

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hack-pad/safejs"

	"github.com/resock/resock/internal/engine"
)

// These tests cover the calls the glue makes as the page goes through its
// life, stats(), dropped events, and url and protocols given as functions.

func TestLifecycleCallsReachTheEngine(t *testing.T) {
	c := createOffline(t, refusedURL)
	c.mustCall("setOnline", false)
	if got := c.string("state"); got != "offline" {
		t.Fatalf("state after setOnline(false) = %q, want offline", got)
	}
	if got := c.int("readyState"); got != 0 {
		t.Errorf("readyState while offline = %d, want 0 (CONNECTING)", got)
	}
	c.mustCall("setOnline", true)
	until(t, "an attempt after setOnline(true)", func() bool { return c.string("state") != "offline" })

	c.mustCall("suspend")
	if got := c.string("state"); got != "offline" {
		t.Fatalf("state after suspend() = %q, want offline", got)
	}
	c.mustCall("wake")
	if got := c.string("state"); got == "offline" {
		t.Errorf("state after wake() = %q, want an attempt at once", got)
	}
	for _, m := range []string{"probe", "setHidden"} {
		wantUndefined(t, m, c.call(m, true))
	}
	var to []string
	for _, e := range c.rec.all("statechange") {
		to = append(to, stringOf(t, e, "to"))
	}
	if got := strings.Join(to, " "); !strings.HasPrefix(got, "offline ") || strings.Count(got, "offline") != 2 {
		t.Errorf("statechange to %q, want offline twice", got)
	}
}

func TestStatsReturnsTheCounters(t *testing.T) {
	c := createOffline(t, refusedURL)
	c.mustCall("send", "héllo")
	st := c.mustCall("stats")
	for name, want := range map[string]float64{
		"attempts": 1, "reconnects": 0, "messagesIn": 0, "messagesOut": 0, "bytesIn": 0, "bytesOut": 0,
		"queued": 1, "queuedBytes": 6, "uptime": 0,
	} {
		if got := floatOf(t, st, name); got != want {
			t.Errorf("stats().%s = %v, want %v", name, got, want)
		}
	}
	if rtt := prop(t, st, "rtt"); !rtt.IsNull() {
		t.Errorf("stats().rtt = %s, want null before any heartbeat", describe(rtt))
	}
	if got := stringOf(t, st, "state"); got != "connecting" {
		t.Errorf("stats().state = %q, want connecting", got)
	}
}

func TestDroppedEventSaysWhatDropOldestDropped(t *testing.T) {
	c := createOffline(t, refusedURL, safejs.Undefined(), parseJSON(t, `{"maxQueuedBytes": 8, "outboxPolicy": "drop-oldest"}`))
	// dddd needs 4 of the 8 bytes: aaa and bb make room.
	for _, m := range []string{"aaa", "bb", "ccc", "dddd"} {
		wantUndefined(t, "send "+m, c.call("send", m))
	}
	drops := c.rec.waitN(t, "dropped", 1)
	if len(drops) != 1 {
		t.Fatalf("%d dropped events, want 1: %s", len(drops), c.rec.summary())
	}
	d := drops[0]
	if intOf(t, d, "messages") != 2 || intOf(t, d, "bytes") != 5 || stringOf(t, d, "reason") == "" {
		t.Errorf("dropped {messages %d, bytes %d, reason %q}, want 2 messages of 5 bytes and a reason",
			intOf(t, d, "messages"), intOf(t, d, "bytes"), stringOf(t, d, "reason"))
	}
	if n, b := c.int("queuedMessages"), c.int("bufferedAmount"); n != 2 || b != 7 {
		t.Errorf("queued %d messages of %d bytes, want ccc and dddd, 7 bytes", n, b)
	}
}

// dialRecorder is a transport whose attempts all fail at once, without an
// error event; it records the URL and subprotocols of each.
type dialRecorder struct {
	mu    sync.Mutex
	dials [][]string
}

func (d *dialRecorder) Dial(url string, protocols []string, h engine.ConnHandler) (engine.Conn, error) {
	d.mu.Lock()
	d.dials = append(d.dials, append([]string{url}, protocols...))
	d.mu.Unlock()
	go h.OnClose(1006, "", false, nil)
	return idleConn{}, nil
}

func (d *dialRecorder) all() [][]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([][]string(nil), d.dials...)
}

// jsFunc hands fn to JavaScript as a function for the test's duration.
func jsFunc(t *testing.T, fn func() any) safejs.Value {
	t.Helper()
	f, err := newFunc(func(safejs.Value, []safejs.Value) any { return fn() })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { releaseFunc(f) })
	return f.Value()
}

func promiseOf(t *testing.T, method string, v any) safejs.Value {
	t.Helper()
	p, err := js.promise.Call(method, v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestURLAndProtocolsFunctionsAreCheckedBeforeEveryAttempt(t *testing.T) {
	makeBridges(t)
	b, err := newBridge()
	if err != nil {
		t.Fatal(err)
	}
	rec := &dialRecorder{}
	b.transport = func() engine.Transport { return rec }

	// Each attempt calls both functions: a bad URL, a rejection, a bad
	// subprotocol and finally a good attempt, sync and async mixed.
	n := 0
	url := jsFunc(t, func() any {
		n++
		switch n {
		case 1:
			return "ftp://127.0.0.1:2/"
		case 2:
			return promiseOf(t, "reject", newJS(t, "Error", "no token yet"))
		}
		return promiseOf(t, "resolve", "http://127.0.0.1:2/?token="+strings.Repeat("x", n))
	})
	protocols := jsFunc(t, func() any {
		if n == 3 {
			return []any{"bad protocol"}
		}
		return "v1"
	})
	c := createWith(t, b, url, protocols, parseJSON(t, `{"delays": [0], "maxRetries": 3}`))
	if got := c.string("url"); got != "" {
		t.Errorf("url before the first call = %q, want \"\"", got)
	}
	c.rec.finalClose(t)

	errs := c.rec.all("error")
	wants := []string{`url() returned "ftp://127.0.0.1:2/"`, "url() failed: Error: no token yet", "protocols() returned an invalid value"}
	if len(errs) != len(wants) {
		t.Fatalf("events %s, want %d errors: one per failed resolution", c.rec.summary(), len(wants))
	}
	for i, want := range wants {
		if msg := stringOf(t, errs[i], "message"); !strings.Contains(msg, want) {
			t.Errorf("error %d = %q, want it to contain %q", i, msg, want)
		}
	}
	dials := rec.all()
	if len(dials) != 1 || dials[0][0] != "ws://127.0.0.1:2/?token=xxxx" || len(dials[0]) != 2 || dials[0][1] != "v1" {
		t.Errorf("dials %q, want one, of the fourth URL, resolved, with v1", dials)
	}
	if got := c.string("url"); got != "ws://127.0.0.1:2/?token=xxxx" {
		t.Errorf("url = %q, want that of the last attempt", got)
	}
	if got := c.k.messageOrigin(); got != "ws://127.0.0.1:2" {
		t.Errorf("origin of message events = %q, want that of the last attempt", got)
	}
}

func TestSocketMadeOfflineMakesNoAttemptUntilOnline(t *testing.T) {
	var calls atomic.Int32
	url := jsFunc(t, func() any {
		calls.Add(1)
		return refusedURL
	})
	// online false, as the glue passes while navigator.onLine is false.
	c := createWith(t, testBridge(t), url, safejs.Undefined(), safejs.Undefined(), false)
	if got := c.string("state"); got != "offline" {
		t.Errorf("state of a socket made offline = %q, want offline", got)
	}
	if got := floatOf(t, c.mustCall("stats"), "attempts"); got != 0 {
		t.Errorf("stats().attempts of a socket made offline = %v, want 0", got)
	}
	if n := intOf(t, c.k.webSockets, "size"); n != 0 || c.k.transport.live != 0 {
		t.Errorf("%d browser WebSockets (%d with handlers) made offline, want none", n, c.k.transport.live)
	}
	if len(c.rec.all("statechange")) != 0 {
		t.Errorf("events %s of a socket made offline, want none", c.rec.summary())
	}

	c.mustCall("setOnline", true)
	until(t, "an attempt once online", func() bool { return floatOf(t, c.mustCall("stats"), "attempts") == 1 })
	until(t, "the URL function to be called", func() bool { return calls.Load() >= 1 })
	if n := calls.Load(); n != 1 {
		t.Errorf("url() called %d times by the one attempt, want once", n)
	}
}
