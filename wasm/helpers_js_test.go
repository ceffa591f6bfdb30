//go:build js && wasm

package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/resock/resock/internal/engine"
)

// The tests drive the bridge the way resock.js does: an EventTarget stands
// in for the ReconnectingWebSocket instance, and every call's result is
// either its value or an Error object.

// wait bounds every wait for the browser.
const wait = 10 * time.Second

// refusedURL is a port nobody listens on and that Chromium does not block.
const refusedURL = "ws://127.0.0.1:2/"

var (
	bridgesOnce   sync.Once
	realBridge    *bridge
	offlineBridge *bridge
	bridgesErr    error
)

func makeBridges(t *testing.T) {
	t.Helper()
	bridgesOnce.Do(func() {
		if realBridge, bridgesErr = newBridge(); bridgesErr != nil {
			return
		}
		if offlineBridge, bridgesErr = newBridge(); bridgesErr != nil {
			return
		}
		offlineBridge.transport = func() engine.Transport { return idleTransport{} }
	})
	if bridgesErr != nil {
		t.Fatalf("failed to create bridge: %v", bridgesErr)
	}
}

// testBridge is a bridge over the browser's WebSocket.
func testBridge(t *testing.T) *bridge {
	t.Helper()
	makeBridges(t)
	return realBridge
}

// testOfflineBridge is a bridge whose sockets never connect: they keep
// every message queued and cost the browser nothing. Chromium delays new
// WebSocket connections after many failed ones, so tests that need no
// network use it.
func testOfflineBridge(t *testing.T) *bridge {
	t.Helper()
	makeBridges(t)
	return offlineBridge
}

// idleTransport's connections stay connecting until closed.
type idleTransport struct{}

func (idleTransport) Dial(string, []string, engine.ConnHandler) (engine.Conn, error) {
	return idleConn{}, nil
}

type idleConn struct{}

func (idleConn) Send(engine.Message) error { return errNotOpen }
func (idleConn) BufferedAmount() int       { return 0 }
func (idleConn) Close(int, string) error   { return nil }

// checkAlive proves the Go runtime still works after misuse: a new socket
// echoes a message, or without the echo server at least queues it.
func checkAlive(t *testing.T) {
	t.Helper()
	if os.Getenv("RESOCK_ECHO_URL") == "" {
		c := createOffline(t, refusedURL)
		c.mustCall("send", "the runtime survived")
		if n := c.int("queuedMessages"); n != 1 {
			t.Errorf("queuedMessages = %d, want 1", n)
		}
		return
	}
	c := create(t, echoURL(t))
	c.mustCall("send", "the runtime survived")
	if _, data := messageData(t, c.rec.waitN(t, "message", 1)[0]); string(data) != "the runtime survived" {
		t.Errorf("echo = %q", data)
	}
}

// TestMain checks, after the tests, that every browser socket they opened
// was closed and released its handlers once its socket was closed.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && realBridge != nil {
		deadline := time.Now().Add(wait)
		for live := liveConns(); live > 0; live = liveConns() {
			if time.Now().After(deadline) {
				fmt.Printf("FAIL: %d browser sockets still hold their handlers after every socket was closed\n", live)
				code = 1
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	os.Exit(code)
}

func liveConns() int {
	n := 0
	for _, k := range realBridge.sockets {
		if k.transport != nil {
			n += k.transport.live
		}
	}
	return n
}

// echoURL is the native echo server's URL, passed by browser_test.go. Tests
// that need it skip without it.
func echoURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("RESOCK_ECHO_URL")
	if u == "" {
		t.Skip("RESOCK_ECHO_URL is not set: run `go test ./wasm` natively, which starts an echo server and runs these tests in Chromium")
	}
	return u
}

// serverURL is path on the native test server.
func serverURL(t *testing.T, path string) string {
	return strings.TrimSuffix(echoURL(t), "/echo") + path
}

func global(t *testing.T, name string) safejs.Value {
	t.Helper()
	v, err := safejs.Global().Get(name)
	if err != nil {
		t.Fatalf("failed to get %s: %v", name, err)
	}
	return v
}

func newJS(t *testing.T, ctor string, args ...any) safejs.Value {
	t.Helper()
	v, err := global(t, ctor).New(args...)
	if err != nil {
		t.Fatalf("failed to construct %s: %v", ctor, err)
	}
	return v
}

// parseJSON builds a JavaScript value from JSON, which needs no eval.
func parseJSON(t *testing.T, s string) safejs.Value {
	t.Helper()
	v, err := global(t, "JSON").Call("parse", s)
	if err != nil {
		t.Fatalf("failed to parse %s: %v", s, err)
	}
	return v
}

func symbol(t *testing.T) safejs.Value {
	t.Helper()
	v, err := global(t, "Symbol").Invoke("test")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func bigint(t *testing.T) safejs.Value {
	t.Helper()
	v, err := global(t, "BigInt").Invoke(5)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// conn is a socket created through the bridge, with its target.
type conn struct {
	t      *testing.T
	target safejs.Value
	obj    safejs.Value
	k      *socket
	rec    *recorder
}

// create calls bridge.create(target, args...) and fails the test if it
// returns an error.
func create(t *testing.T, args ...any) *conn {
	t.Helper()
	return createWith(t, testBridge(t), args...)
}

// createOffline is create on the offline bridge.
func createOffline(t *testing.T, args ...any) *conn {
	t.Helper()
	return createWith(t, testOfflineBridge(t), args...)
}

func createWith(t *testing.T, b *bridge, args ...any) *conn {
	t.Helper()
	target := newJS(t, "EventTarget")
	rec := listen(t, target)
	v := callCreate(t, b, append([]any{target}, args...)...)
	if isError(v) {
		t.Fatalf("create(%v) failed: %s", args, describe(v))
	}
	id := intOf(t, v, "id")
	k := b.sockets[id]
	if k == nil {
		t.Fatalf("socket %d is not registered", id)
	}
	c := &conn{t: t, target: target, obj: v, k: k, rec: rec}
	t.Cleanup(func() { _ = k.s.Close(0, "") })
	return c
}

func callCreate(t *testing.T, b *bridge, args ...any) safejs.Value {
	t.Helper()
	v, err := b.value.Call("create", args...)
	if err != nil {
		t.Fatalf("create threw, but bridge calls must return their errors: %v", err)
	}
	return v
}

// call calls method on the bridge object. It never throws.
func (c *conn) call(method string, args ...any) safejs.Value {
	c.t.Helper()
	v, err := c.obj.Call(method, args...)
	if err != nil {
		c.t.Fatalf("%s threw, but bridge calls must return their errors: %v", method, err)
	}
	return v
}

// mustCall calls method and fails the test if it returns an error.
func (c *conn) mustCall(method string, args ...any) safejs.Value {
	c.t.Helper()
	v := c.call(method, args...)
	if isError(v) {
		c.t.Fatalf("%s failed: %s", method, describe(v))
	}
	return v
}

func (c *conn) int(method string) int {
	c.t.Helper()
	n, err := c.mustCall(method).Int()
	if err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	return n
}

func (c *conn) string(method string) string {
	c.t.Helper()
	s, err := c.mustCall(method).String()
	if err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
	return s
}

func isError(v safejs.Value) bool {
	return isInstance(v, js.errorCtor) || isInstance(v, js.domException)
}

// describe is "Name: message" for an error, or the value's text.
func describe(v safejs.Value) string {
	if isError(v) {
		name, _ := v.Get("name")
		msg, _ := v.Get("message")
		n, _ := name.String()
		m, _ := msg.String()
		return n + ": " + m
	}
	s, _ := toString(v)
	return s
}

// wantError checks that v is an exception of kind: the name of a
// DOMException, or TypeError or RangeError.
func wantError(t *testing.T, what string, v safejs.Value, kind string) {
	t.Helper()
	if !isError(v) {
		t.Errorf("%s: got %s, want a %s", what, describe(v), kind)
		return
	}
	ctor := js.domException
	switch kind {
	case "Error":
		ctor = js.errorCtor
	case "TypeError":
		ctor = js.typeError
	case "RangeError":
		ctor = js.rangeError
	}
	if !isInstance(v, ctor) {
		t.Errorf("%s: got %s, want a %s of the right class", what, describe(v), kind)
	}
	if name := stringOf(t, v, "name"); name != kind {
		t.Errorf("%s: got %s, want %s", what, describe(v), kind)
	}
}

func wantUndefined(t *testing.T, what string, v safejs.Value) {
	t.Helper()
	if !v.IsUndefined() {
		t.Errorf("%s: got %s, want undefined", what, describe(v))
	}
}

func prop(t *testing.T, v safejs.Value, name string) safejs.Value {
	t.Helper()
	p, err := v.Get(name)
	if err != nil {
		t.Fatalf("failed to get %s: %v", name, err)
	}
	return p
}

func stringOf(t *testing.T, v safejs.Value, name string) string {
	t.Helper()
	s, err := prop(t, v, name).String()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func intOf(t *testing.T, v safejs.Value, name string) int {
	t.Helper()
	n, err := prop(t, v, name).Int()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

func floatOf(t *testing.T, v safejs.Value, name string) float64 {
	t.Helper()
	n, err := prop(t, v, name).Float()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

func boolOf(t *testing.T, v safejs.Value, name string) bool {
	t.Helper()
	b, err := prop(t, v, name).Bool()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// eventTypes are the events a socket dispatches.
var eventTypes = []string{"open", "message", "close", "error", "reconnecting", "statechange", "dropped"}

// recorder keeps every event dispatched on a target, in order.
type recorder struct {
	mu     sync.Mutex
	events []safejs.Value
	notify chan struct{}
}

// listen records the events of target with addEventListener, like a page.
func listen(t *testing.T, target safejs.Value) *recorder {
	t.Helper()
	r := &recorder{notify: make(chan struct{}, 1)}
	f, err := newFunc(func(_ safejs.Value, args []safejs.Value) any {
		r.mu.Lock()
		r.events = append(r.events, args[0])
		r.mu.Unlock()
		select {
		case r.notify <- struct{}{}:
		default:
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, typ := range eventTypes {
			_, _ = target.Call("removeEventListener", typ, f)
		}
		releaseFunc(f)
	})
	for _, typ := range eventTypes {
		if _, err := target.Call("addEventListener", typ, f); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// all returns the events of the given type so far, every event if typ is "".
func (r *recorder) all(typ string) []safejs.Value {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []safejs.Value
	for _, e := range r.events {
		if typ == "" || eventType(e) == typ {
			out = append(out, e)
		}
	}
	return out
}

func eventType(e safejs.Value) string {
	v, _ := e.Get("type")
	s, _ := v.String()
	return s
}

// waitN waits until n events of type typ arrived and returns them.
func (r *recorder) waitN(t *testing.T, typ string, n int) []safejs.Value {
	t.Helper()
	deadline := time.After(wait)
	for {
		if evs := r.all(typ); len(evs) >= n {
			return evs
		}
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("timed out waiting for %d %q events; got %s", n, typ, r.summary())
		}
	}
}

// waitFor waits for an event of type typ for which ok is true.
func (r *recorder) waitFor(t *testing.T, typ string, ok func(safejs.Value) bool) safejs.Value {
	t.Helper()
	deadline := time.After(wait)
	for {
		for _, e := range r.all(typ) {
			if ok(e) {
				return e
			}
		}
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("timed out waiting for a matching %q event; got %s", typ, r.summary())
		}
	}
}

// finalClose waits for the close event after which no attempt follows.
func (r *recorder) finalClose(t *testing.T) safejs.Value {
	t.Helper()
	return r.waitFor(t, "close", func(e safejs.Value) bool {
		will, _ := prop(t, e, "willReconnect").Bool()
		return !will
	})
}

func (r *recorder) summary() string {
	var b strings.Builder
	for _, e := range r.all("") {
		b.WriteString(eventType(e))
		b.WriteByte(' ')
	}
	return "[" + strings.TrimSpace(b.String()) + "]"
}

// until polls cond until it holds.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// messageText returns a message event's data as text, reading a Blob or an
// ArrayBuffer as UTF-8, and the type the data had.
func messageData(t *testing.T, e safejs.Value) (kind string, data []byte) {
	t.Helper()
	d := prop(t, e, "data")
	switch {
	case d.Type() == safejs.TypeString:
		s, _ := d.String()
		return "string", []byte(s)
	case isInstance(d, js.arrayBuffer):
		b, err := bufferBytes(d, -1, -1)
		if err != nil {
			t.Fatal(err)
		}
		return "ArrayBuffer", b
	case isInstance(d, js.blob):
		promise, err := d.Call("arrayBuffer")
		if err != nil {
			t.Fatal(err)
		}
		buf, err := await(promise)
		if err != nil {
			t.Fatal(err)
		}
		b, err := bufferBytes(buf, -1, -1)
		if err != nil {
			t.Fatal(err)
		}
		return "Blob", b
	}
	t.Fatalf("message data of unexpected type %s", typeName(d))
	return "", nil
}
