//go:build js && wasm

package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hack-pad/safejs"
)

func TestCreateRejectsMisuseAsWebSocketDoes(t *testing.T) {
	b := testOfflineBridge(t)
	target := newJS(t, "EventTarget")
	tests := []struct {
		name string
		args func() []any
		want string
	}{
		{"no arguments", func() []any { return []any{target} }, "TypeError"},
		{"target not an EventTarget", func() []any { return []any{parseJSON(t, "{}"), refusedURL} }, "TypeError"},
		{"no target", func() []any { return nil }, "TypeError"},
		{"URL that does not parse", func() []any { return []any{target, "ws://[::1/"} }, "SyntaxError"},
		{"URL with another scheme", func() []any { return []any{target, "ftp://127.0.0.1/"} }, "SyntaxError"},
		{"URL with a fragment", func() []any { return []any{target, "ws://127.0.0.1:2/echo#frag"} }, "SyntaxError"},
		{"URL with an empty fragment", func() []any { return []any{target, "ws://127.0.0.1:2/echo#"} }, "SyntaxError"},
		{"URL a Symbol", func() []any { return []any{target, symbol(t)} }, "TypeError"},
		{"empty protocol", func() []any { return []any{target, refusedURL, ""} }, "SyntaxError"},
		{"protocol with a space", func() []any { return []any{target, refusedURL, "a b"} }, "SyntaxError"},
		{"protocol with a separator", func() []any { return []any{target, refusedURL, []any{"ok", "bad,"}} }, "SyntaxError"},
		{"protocol not ASCII", func() []any { return []any{target, refusedURL, "é"} }, "SyntaxError"},
		{"duplicate protocols", func() []any { return []any{target, refusedURL, []any{"chat", "chat"}} }, "SyntaxError"},
		{"protocol a Symbol", func() []any { return []any{target, refusedURL, []any{symbol(t)}} }, "TypeError"},
		{"options a number", func() []any { return []any{target, refusedURL, nil, 5} }, "TypeError"},
		{"options a string", func() []any { return []any{target, refusedURL, []any{}, "fast"} }, "TypeError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, tt.name, callCreate(t, b, tt.args()...), tt.want)
		})
	}
	checkAlive(t)
}

func TestCreateRejectsBadOptions(t *testing.T) {
	b := testOfflineBridge(t)
	target := newJS(t, "EventTarget")
	tests := []struct {
		options string
		want    string
	}{
		{`{"initialDelay": "1000"}`, "TypeError"},
		{`{"initialDelay": 0}`, "RangeError"},
		{`{"initialDelay": -1}`, "RangeError"},
		{`{"backoffFactor": true}`, "TypeError"},
		{`{"backoffFactor": 0.5}`, "RangeError"},
		{`{"maxDelay": null}`, "TypeError"},
		{`{"maxDelay": 1e12}`, "RangeError"},
		{`{"delays": 1000}`, "TypeError"},
		{`{"delays": []}`, "RangeError"},
		{`{"delays": [1000, "2000"]}`, "TypeError"},
		{`{"delays": [1000, -1]}`, "RangeError"},
		{`{"minUptime": {}}`, "TypeError"},
		{`{"connectTimeout": []}`, "TypeError"},
		{`{"connectTimeout": 0}`, "RangeError"},
		{`{"maxRetries": "3"}`, "TypeError"},
		{`{"maxRetries": 1.5}`, "RangeError"},
		{`{"maxRetries": -1}`, "RangeError"},
		{`{"maxQueuedMessages": 0}`, "RangeError"},
		{`{"maxQueuedBytes": false}`, "TypeError"},
		{`{"binaryType": "text"}`, "TypeError"},
		{`{"binaryType": 1}`, "TypeError"},
		{`{"hiddenHeartbeatInterval": 0}`, "RangeError"},
		{`{"hiddenHeartbeatInterval": "1s"}`, "TypeError"},
		{`{"maxMessageSize": 0}`, "RangeError"},
		{`{"maxMessageSize": "16MB"}`, "TypeError"},
		{`{"outboxPolicy": "drop"}`, "TypeError"},
		{`{"outboxPolicy": null}`, "TypeError"},
		{`{"shouldReconnect": true}`, "TypeError"},
		{`{"shouldReconnect": "yes"}`, "TypeError"},
	}
	for _, tt := range tests {
		t.Run(tt.options, func(t *testing.T) {
			v := callCreate(t, b, target, refusedURL, safejs.Undefined(), parseJSON(t, tt.options))
			wantError(t, tt.options, v, tt.want)
			name := strings.Trim(strings.SplitN(tt.options, ":", 2)[0], `{" `)
			if msg := stringOf(t, v, "message"); !strings.Contains(msg, "options."+name) {
				t.Errorf("message %q does not name options.%s", msg, name)
			}
		})
	}
}

func TestOptionsMapToTheEngine(t *testing.T) {
	testBridge(t)
	o, arrayBuffer, err := parseOptions(parseJSON(t, `{
		"initialDelay": 250, "backoffFactor": 1.5, "maxDelay": 4000,
		"delays": [0, 100, 2500.5], "minUptime": 1000, "connectTimeout": 750,
		"maxRetries": 7, "maxQueuedMessages": 3, "maxQueuedBytes": 1024,
		"binaryType": "arraybuffer", "unknown": "ignored",
		"hiddenHeartbeatInterval": 90000, "maxMessageSize": 4096, "outboxPolicy": "drop-oldest"
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Backoff.Initial.Milliseconds(); got != 250 {
		t.Errorf("initialDelay: Backoff.Initial = %dms, want 250ms", got)
	}
	if o.Backoff.Factor != 1.5 {
		t.Errorf("backoffFactor: Backoff.Factor = %v, want 1.5", o.Backoff.Factor)
	}
	if got := o.Backoff.Max.Milliseconds(); got != 4000 {
		t.Errorf("maxDelay: Backoff.Max = %dms, want 4000ms", got)
	}
	if len(o.Backoff.Delays) != 3 || o.Backoff.Delays[0] != 0 || o.Backoff.Delays[1].Milliseconds() != 100 || o.Backoff.Delays[2].Microseconds() != 2500500 {
		t.Errorf("delays: Backoff.Delays = %v, want [0 100ms 2.5005s]", o.Backoff.Delays)
	}
	if o.MinUptime.Milliseconds() != 1000 || o.ConnectTimeout.Milliseconds() != 750 {
		t.Errorf("MinUptime, ConnectTimeout = %v, %v, want 1s, 750ms", o.MinUptime, o.ConnectTimeout)
	}
	if o.MaxRetries == nil || *o.MaxRetries != 7 || o.MaxQueuedMessages != 3 || o.MaxQueuedBytes != 1024 {
		t.Errorf("MaxRetries, MaxQueuedMessages, MaxQueuedBytes = %v, %d, %d, want 7, 3, 1024", describeCount(o.MaxRetries), o.MaxQueuedMessages, o.MaxQueuedBytes)
	}
	if !arrayBuffer {
		t.Error(`binaryType "arraybuffer" was not applied`)
	}
	if o.HiddenHeartbeatInterval.Milliseconds() != 90000 || o.MaxMessageSize != 4096 || !o.DropOldest {
		t.Errorf("HiddenHeartbeatInterval, MaxMessageSize, DropOldest = %v, %d, %v, want 90s, 4096, true", o.HiddenHeartbeatInterval, o.MaxMessageSize, o.DropOldest)
	}
	if o.ShouldReconnect != nil {
		t.Error("ShouldReconnect is set without shouldReconnect")
	}
	strict, _, err := parseOptions(parseJSON(t, `{"outboxPolicy": "throw"}`))
	if err != nil || strict.DropOldest {
		t.Errorf(`outboxPolicy "throw": DropOldest = %v, %v, want false`, strict.DropOldest, err)
	}

	// maxRetries means in JavaScript what MaxRetries means in Go: 0 never
	// reconnects, and the default (and Infinity) never gives up.
	never, _, err := parseOptions(parseJSON(t, `{"maxRetries": 0}`))
	if err != nil || never.MaxRetries == nil || *never.MaxRetries != 0 {
		t.Errorf("maxRetries 0: MaxRetries = %s, %v, want 0", describeCount(never.MaxRetries), err)
	}
	if def, _, err := parseOptions(parseJSON(t, `{}`)); err != nil || def.MaxRetries != nil {
		t.Errorf("no maxRetries: MaxRetries = %s, %v, want nil, the engine's unlimited default", describeCount(def.MaxRetries), err)
	}
	infinite := newJS(t, "Object")
	for _, name := range []string{"maxRetries", "connectTimeout", "maxQueuedMessages"} {
		if err := infinite.Set(name, prop(t, safejs.Global(), "Infinity")); err != nil {
			t.Fatal(err)
		}
	}
	inf, _, err := parseOptions(infinite)
	if err != nil {
		t.Fatal(err)
	}
	if inf.MaxRetries != nil || inf.ConnectTimeout.Hours() < 24*365 || inf.MaxQueuedMessages < 1<<31 {
		t.Errorf("Infinity: MaxRetries %s (want nil, unlimited), ConnectTimeout %v, MaxQueuedMessages %d", describeCount(inf.MaxRetries), inf.ConnectTimeout, inf.MaxQueuedMessages)
	}
	for _, v := range []safejs.Value{safejs.Undefined(), safejs.Null()} {
		if _, _, err := parseOptions(v); err != nil {
			t.Errorf("options %s: %v, want the defaults", describe(v), err)
		}
	}
}

// describeCount prints an optional count.
func describeCount(n *int) string {
	if n == nil {
		return "nil"
	}
	return strconv.Itoa(*n)
}

func TestCreateResolvesURLsAsWebSocketDoes(t *testing.T) {
	base, err := baseURL().String()
	if err != nil {
		t.Fatal(err)
	}
	host := strings.SplitN(strings.TrimPrefix(base, "http://"), "/", 2)[0]
	tests := []struct {
		url, want, origin string
	}{
		{"ws://127.0.0.1:2/a?b=c", "ws://127.0.0.1:2/a?b=c", "ws://127.0.0.1:2"},
		{"http://127.0.0.1:2/x", "ws://127.0.0.1:2/x", "ws://127.0.0.1:2"},
		{"https://127.0.0.1:2/x", "wss://127.0.0.1:2/x", "wss://127.0.0.1:2"},
		{"/no-such-path", "ws://" + host + "/no-such-path", "ws://" + host},
	}
	for _, tt := range tests {
		c := createOffline(t, tt.url)
		if got := c.string("url"); got != tt.want {
			t.Errorf("url of %q = %q, want %q", tt.url, got, tt.want)
		}
		if origin := c.k.messageOrigin(); origin != tt.origin {
			t.Errorf("origin of %q = %q, want %q", tt.url, origin, tt.origin)
		}
	}

	// Web IDL converts the URL with ToString: an object's toString counts.
	u := newJS(t, "URL", "ws://127.0.0.1:2/from-object")
	c := createOffline(t, u, []any{"a", "b"})
	if got := c.string("url"); got != "ws://127.0.0.1:2/from-object" {
		t.Errorf("url of a URL object = %q", got)
	}
	set := newJS(t, "Set", []any{"x", "y"})
	createOffline(t, refusedURL, set)
}

func TestCloseAndReconnectRejectMisuseAsWebSocketDoes(t *testing.T) {
	c := createOffline(t, refusedURL)
	tests := []struct {
		name string
		args []any
		want string
	}{
		{"code 1001", []any{1001}, "InvalidAccessError"},
		{"code 2999", []any{2999}, "InvalidAccessError"},
		{"code 5000", []any{5000}, "InvalidAccessError"},
		{"code null", []any{nil}, "InvalidAccessError"},
		{"code clamped to 65535", []any{1e9}, "InvalidAccessError"},
		{"code NaN", []any{"x"}, "InvalidAccessError"},
		{"code a Symbol", []any{symbol(t)}, "TypeError"},
		{"code a BigInt", []any{bigint(t)}, "TypeError"},
		{"reason of 124 bytes", []any{1000, strings.Repeat("a", 124)}, "SyntaxError"},
		{"reason of 124 bytes in UTF-8", []any{4000, strings.Repeat("é", 62)}, "SyntaxError"},
		{"reason a Symbol", []any{1000, symbol(t)}, "TypeError"},
		{"conversion before checks", []any{1001, symbol(t)}, "TypeError"},
	}
	for _, method := range []string{"reconnect", "close"} {
		for _, tt := range tests {
			wantError(t, method+" "+tt.name, c.call(method, tt.args...), tt.want)
		}
	}
	if got := c.string("state"); got == "closed" {
		t.Fatalf("state after refused calls = %q, want the socket untouched", got)
	}
	wantUndefined(t, "reconnect(3000.4) rounds to 3000", c.call("reconnect", 3000.4))
	// A reason needs a code, as for WebSocket.close.
	wantError(t, `reconnect(undefined, "why")`, c.call("reconnect", safejs.Undefined(), "why"), "InvalidAccessError")
	wantUndefined(t, `close("4999", 123-byte reason)`, c.call("close", "4999", strings.Repeat("b", 123)))
	// Never connected, it ends as WebSocket closed while connecting does:
	// after close() returned.
	c.rec.finalClose(t)
	if got := c.string("state"); got != "closed" {
		t.Errorf("state after close = %q, want closed", got)
	}
}

func TestSendAcceptsWhatWebSocketAccepts(t *testing.T) {
	c := createOffline(t, refusedURL)
	buf := newJS(t, "ArrayBuffer", 10)
	tests := []struct {
		name  string
		data  any
		bytes int
	}{
		{"string", "héllo", 6},
		{"number, as text", 123, 3},
		{"null, as text", nil, 4},
		{"object, as text", parseJSON(t, "{}"), len("[object Object]")},
		{"ArrayBuffer", buf, 10},
		{"Uint8Array view", newJS(t, "Uint8Array", buf, 2, 3), 3},
		{"DataView", newJS(t, "DataView", buf, 1, 4), 4},
		{"Float64Array", newJS(t, "Float64Array", 2), 16},
		{"Blob", newJS(t, "Blob", []any{"abcde"}), 5},
	}
	total := 0
	for i, tt := range tests {
		wantUndefined(t, "send "+tt.name, c.call("send", tt.data))
		total += tt.bytes
		if got := c.int("bufferedAmount"); got != total {
			t.Errorf("after send %s: bufferedAmount = %d, want %d", tt.name, got, total)
		}
		if got := c.int("queuedMessages"); got != i+1 {
			t.Errorf("after send %s: queuedMessages = %d, want %d", tt.name, got, i+1)
		}
	}
}

func TestSendRejectsMisuse(t *testing.T) {
	c := createOffline(t, refusedURL, safejs.Undefined(), parseJSON(t, `{"maxQueuedMessages": 2}`))
	wantError(t, "send()", c.call("send"), "TypeError")
	wantError(t, "send(Symbol())", c.call("send", symbol(t)), "TypeError")
	resizable := newJS(t, "ArrayBuffer", 4, parseJSON(t, `{"maxByteLength": 8}`))
	wantError(t, "send(resizable ArrayBuffer)", c.call("send", resizable), "TypeError")
	wantError(t, "send(view of a resizable ArrayBuffer)", c.call("send", newJS(t, "Uint8Array", resizable)), "TypeError")
	if sab := prop(t, safejs.Global(), "SharedArrayBuffer"); !sab.IsUndefined() {
		wantError(t, "send(view of a SharedArrayBuffer)", c.call("send", newJS(t, "Uint8Array", newJS(t, "SharedArrayBuffer", 4))), "TypeError")
	}
	if n := c.int("queuedMessages"); n != 0 {
		t.Fatalf("refused sends queued %d messages", n)
	}

	c.mustCall("send", "one")
	c.mustCall("send", "two")
	full := c.call("send", "three")
	wantError(t, "send to a full outbox", full, "QuotaExceededError")
	if msg := stringOf(t, full, "message"); !strings.Contains(msg, "outbox is full") || !strings.Contains(msg, "maxQueuedMessages") {
		t.Errorf("outbox full message %q does not say what happened and what to do", msg)
	}
	wantError(t, "send a Blob to a full outbox", c.call("send", newJS(t, "Blob", []any{"x"})), "QuotaExceededError")

	c.mustCall("close")
	wantError(t, "send after close", c.call("send", "late"), "InvalidStateError")
	wantError(t, "send a Blob after close", c.call("send", newJS(t, "Blob", []any{"x"})), "InvalidStateError")

	bytes := createOffline(t, refusedURL, safejs.Undefined(), parseJSON(t, `{"maxQueuedBytes": 4}`))
	bytes.mustCall("send", "abcd")
	wantError(t, "send past maxQueuedBytes", bytes.call("send", newJS(t, "Uint8Array", 1)), "QuotaExceededError")
}

func TestBinaryTypeIsAnEnumeration(t *testing.T) {
	c := createOffline(t, refusedURL)
	if got := c.string("binaryType"); got != "blob" {
		t.Errorf("default binaryType = %q, want blob", got)
	}
	wantUndefined(t, `binaryType = "arraybuffer"`, c.call("setBinaryType", "arraybuffer"))
	wantUndefined(t, `binaryType = "text"`, c.call("setBinaryType", "text"))
	if got := c.string("binaryType"); got != "arraybuffer" {
		t.Errorf(`binaryType after setting "text" = %q, want the invalid value ignored`, got)
	}
	wantError(t, "binaryType = Symbol()", c.call("setBinaryType", symbol(t)), "TypeError")
	wantUndefined(t, `binaryType = "blob"`, c.call("setBinaryType", "blob"))
	if got := c.string("binaryType"); got != "blob" {
		t.Errorf("binaryType = %q, want blob", got)
	}
	ab := createOffline(t, refusedURL, safejs.Undefined(), parseJSON(t, `{"binaryType": "arraybuffer"}`))
	if got := ab.string("binaryType"); got != "arraybuffer" {
		t.Errorf("binaryType from options = %q, want arraybuffer", got)
	}
}

func TestPanicInAMethodBecomesAnError(t *testing.T) {
	testBridge(t)
	f, err := newMethod("explode", func([]safejs.Value) (any, error) { panic("boom") })
	if err != nil {
		t.Fatal(err)
	}
	defer releaseFunc(f)
	v, err := f.Value().Invoke()
	if err != nil {
		t.Fatalf("the method threw: %v", err)
	}
	wantError(t, "panicking method", v, "Error")
	if msg := stringOf(t, v, "message"); !strings.Contains(msg, "boom") || !strings.Contains(msg, "'explode'") {
		t.Errorf("message %q should name the operation and the panic", msg)
	}
	checkAlive(t)
}

func TestListenerThatThrowsDoesNotStopTheOthers(t *testing.T) {
	b := testBridge(t)
	target := newJS(t, "EventTarget")
	// JSON.parse throws a SyntaxError when called with an event.
	thrower := prop(t, global(t, "JSON"), "parse")
	for _, typ := range eventTypes {
		if _, err := target.Call("addEventListener", typ, thrower); err != nil {
			t.Fatal(err)
		}
	}
	rec := listen(t, target)
	// The browser reports each exception on the global object; cancelling
	// the report keeps the console quiet.
	reported := 0
	onError, err := newFunc(func(_ safejs.Value, args []safejs.Value) any {
		if isInstance(arg(args, 0), global(t, "ErrorEvent")) {
			if e, err := args[0].Get("error"); err == nil && isInstance(e, global(t, "SyntaxError")) {
				reported++
				_, _ = args[0].Call("preventDefault")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := safejs.Global().Call("addEventListener", "error", onError); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_, _ = safejs.Global().Call("removeEventListener", "error", onError)
		releaseFunc(onError)
	}()
	v := callCreate(t, b, target, refusedURL, safejs.Undefined(), parseJSON(t, `{"maxRetries": 0}`))
	if isError(v) {
		t.Fatal(describe(v))
	}
	e := rec.finalClose(t)
	if n := len(rec.all("")); reported < n {
		t.Errorf("%d exceptions reported for %d events, want one per event", reported, n)
	}
	if code := intOf(t, e, "code"); code != 1006 {
		t.Errorf("close code = %d, want 1006", code)
	}
	if boolOf(t, e, "wasClean") {
		t.Error("wasClean = true for a refused connection")
	}
	if !isInstance(e, js.closeEvent) {
		t.Error("close event is not a CloseEvent")
	}
	errEv := rec.waitN(t, "error", 1)[0]
	if msg := stringOf(t, errEv, "message"); !strings.Contains(msg, "failed to connect to "+refusedURL) {
		t.Errorf("error event message = %q", msg)
	}
	if !isInstance(prop(t, errEv, "error"), js.errorCtor) {
		t.Error("error event's error field is not an Error")
	}
	states := rec.all("statechange")
	if len(states) != 1 || stringOf(t, states[0], "from") != "connecting" || stringOf(t, states[0], "to") != "closed" {
		t.Errorf("statechange events = %s, want one from connecting to closed", rec.summary())
	}
	checkAlive(t)
}

func TestClosedSocketReleasesWhatItHolds(t *testing.T) {
	c := create(t, refusedURL, safejs.Undefined(), parseJSON(t, `{"maxRetries": 0}`))
	// Listeners run inside dispatchEvent, before the socket settles.
	c.rec.finalClose(t)
	until(t, "the closed socket to unpin its instance, so that it can be collected", func() bool { return !c.k.isPinned() })
	if c.k.transport.live != 0 {
		t.Errorf("%d browser sockets still hold their handlers after the close event", c.k.transport.live)
	}
	if n := intOf(t, c.k.webSockets, "size"); n != 0 {
		t.Errorf("the glue's set of browser sockets still holds %d after the close event", n)
	}

	// reconnect() revives it, so it must hold its instance again.
	c.mustCall("reconnect")
	if !c.k.isPinned() {
		t.Error("a revived socket does not pin its instance")
	}
	if got := c.string("state"); got == "closed" {
		t.Errorf("state after reconnect = %q", got)
	}
	c.rec.waitN(t, "close", 2)
	until(t, "the revived socket to give up and unpin again", func() bool { return !c.k.isPinned() })
	if got := c.string("state"); got != "closed" {
		t.Errorf("state = %q, want closed", got)
	}

	// Once the instance is collected, its methods go.
	before, methods := liveFuncs.Load(), int64(len(c.k.methods))
	b := testBridge(t)
	b.collected(prop(t, c.obj, "id"))
	if got := before - liveFuncs.Load(); got != methods || methods == 0 {
		t.Errorf("collection released %d functions, want the socket's %d methods", got, methods)
	}
	if _, ok := b.sockets[c.k.id]; ok {
		t.Error("collected socket is still registered")
	}
}

func TestListenerMayCallBackIntoTheSocket(t *testing.T) {
	c := create(t, refusedURL, safejs.Undefined(), parseJSON(t, `{"delays": [0], "maxRetries": 2}`))
	// A listener that closes from inside the first close event.
	closer, err := newFunc(func(safejs.Value, []safejs.Value) any {
		return c.call("close", 4000, "from a listener")
	})
	if err != nil {
		t.Fatal(err)
	}
	defer releaseFunc(closer)
	if _, err := c.target.Call("addEventListener", "close", closer, parseJSON(t, `{"once": true}`)); err != nil {
		t.Fatal(err)
	}
	// The socket is reconnecting when the listener closes it, so it ends
	// as a WebSocket closed while connecting does: 1006, no reason.
	e := c.rec.finalClose(t)
	if got := stringOf(t, e, "reason"); got != "" {
		t.Errorf("final close reason = %q, want none", got)
	}
	if got := c.string("state"); got != "closed" {
		t.Errorf("state = %q, want closed", got)
	}
	if n := len(c.rec.all("error")); n != 2 {
		t.Errorf("%d error events, want 2, the refusal's and close()'s: no attempt after close()", n)
	}
}

// The engine owns the constructor's rules; the exception says which one a
// URL or subprotocol broke.
func TestCreateSaysWhyAURLOrSubprotocolIsRefused(t *testing.T) {
	b := testOfflineBridge(t)
	target := newJS(t, "EventTarget")
	for _, tt := range []struct {
		args []any
		why  string
	}{
		{[]any{target, "ftp://127.0.0.1/"}, `scheme must be ws, wss, http or https, not "ftp"`},
		{[]any{target, "ws://127.0.0.1:2/echo#frag"}, "fragment (#frag)"},
		{[]any{target, refusedURL, []any{"chat", "chat"}}, `"chat": it is offered twice`},
		{[]any{target, refusedURL, "a b"}, `"a b": a subprotocol is a token`},
	} {
		v := callCreate(t, b, tt.args...)
		wantError(t, tt.why, v, "SyntaxError")
		if msg := stringOf(t, v, "message"); !strings.Contains(msg, tt.why) {
			t.Errorf("message %q does not say %q", msg, tt.why)
		}
	}
}

// maxRetries 0 makes the socket a WebSocket: its failed first attempt is
// final. A count of 1 allows one retry.
func TestMaxRetriesCountsRetriesAsInGo(t *testing.T) {
	for _, tt := range []struct {
		options string
		closes  int
	}{
		{`{"maxRetries": 0}`, 1},
		{`{"maxRetries": 1, "delays": [0]}`, 2},
	} {
		c := create(t, refusedURL, safejs.Undefined(), parseJSON(t, tt.options))
		c.rec.finalClose(t)
		closes := c.rec.all("close")
		if len(closes) != tt.closes || len(c.rec.all("reconnecting")) != tt.closes-1 {
			t.Errorf("%s: events %s, want %d close events and a reconnecting event before each but the last", tt.options, c.rec.summary(), tt.closes)
		}
		if got := c.int("readyState"); got != 3 {
			t.Errorf("%s: readyState %d after the final close, want 3", tt.options, got)
		}
	}
}
