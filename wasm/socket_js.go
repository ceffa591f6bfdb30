//go:build js && wasm

package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/resock/resock/internal/engine"
	"github.com/resock/resock/internal/wire"
)

// socket binds one engine.Socket to its JavaScript instance, the
// EventTarget its events are dispatched on.
type socket struct {
	id        int
	s         *engine.Socket
	transport *browserTransport // nil when a test supplied another
	// glue is the glue's data path, over the browser transport only.
	glue *gluePath
	// webSockets is a JavaScript Set of the browser WebSockets the socket
	// has open, so that the glue can close them should the Go program exit.
	webSockets safejs.Value
	// arrayBuffer is the binaryType: deliver binary messages as ArrayBuffer
	// rather than Blob.
	arrayBuffer atomic.Bool
	// persist names the store of a persistent socket (options.persist).
	persist string

	// mu guards pinned and origin. Go in the browser runs on one thread,
	// but other goroutines run whenever JavaScript calls back into Go, such
	// as while a listener runs inside dispatchEvent.
	mu sync.Mutex
	// origin is that of the URL of the current attempt: the origin of
	// message events.
	origin string
	// pinned is the instance while the socket is not closed: events must
	// reach it even if the page dropped every reference to it, as a
	// browser WebSocket's do. Once closed only weak, a WeakRef, remains, so
	// the page can collect the instance, and with it the socket.
	pinned safejs.Value
	weak   safejs.Value

	// methods are the functions of the bridge object.
	methods []safejs.Func
}

// target is the JavaScript instance, or false if it was collected.
func (k *socket) target() (safejs.Value, bool) {
	k.mu.Lock()
	pinned := k.pinned
	k.mu.Unlock()
	if !pinned.IsUndefined() {
		return pinned, true
	}
	v, err := k.weak.Call("deref")
	if err != nil || v.IsUndefined() {
		return safejs.Undefined(), false
	}
	return v, true
}

// pin holds the instance strongly again. The caller of a method has the
// instance in hand, so it is never collected at this point.
func (k *socket) pin() {
	if v, ok := k.target(); ok {
		k.mu.Lock()
		k.pinned = v
		k.mu.Unlock()
	}
}

func (k *socket) isPinned() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return !k.pinned.IsUndefined()
}

// settle lets the instance go once the socket is closed. It runs after the
// final close event was dispatched, when a listener's reconnect() would
// already have moved the socket out of Closed.
func (k *socket) settle() {
	if k.s != nil && k.s.State() == engine.Closed {
		k.mu.Lock()
		k.pinned = safejs.Undefined()
		k.mu.Unlock()
	}
}

// bridgeObject makes the object the glue keeps in a private field: the
// socket's methods, the lifecycle calls the glue makes for the page, and the
// set of its browser WebSockets.
func (k *socket) bridgeObject() (safejs.Value, error) {
	obj, err := js.object.New()
	if err != nil {
		return safejs.Undefined(), err
	}
	if err := obj.Set("id", k.id); err != nil {
		return safejs.Undefined(), err
	}
	if err := obj.Set("webSockets", k.webSockets); err != nil {
		return safejs.Undefined(), err
	}
	if k.glue != nil {
		if err := obj.Set("path", k.glue.path); err != nil {
			return safejs.Undefined(), err
		}
	}
	if k.persist != "" {
		if err := obj.Set("persist", k.persist); err != nil {
			return safejs.Undefined(), err
		}
	}
	for _, m := range []struct {
		name string
		fn   func(args []safejs.Value) (any, error)
	}{
		{"send", k.send},
		{"sendFrame", k.sendFrame},
		{"close", k.close},
		{"reconnect", k.reconnect},
		{"url", func([]safejs.Value) (any, error) { return k.s.URL(), nil }},
		{"readyState", func([]safejs.Value) (any, error) { return k.s.State().ReadyState(), nil }},
		{"state", func([]safejs.Value) (any, error) { return k.s.State().String(), nil }},
		{"protocol", func([]safejs.Value) (any, error) { return k.s.Protocol(), nil }},
		{"extensions", func([]safejs.Value) (any, error) { return k.s.Extensions(), nil }},
		{"bufferedAmount", func([]safejs.Value) (any, error) { _, n := k.held(); return k.s.BufferedAmount() + n, nil }},
		{"retryCount", func([]safejs.Value) (any, error) { return k.s.RetryCount(), nil }},
		{"queuedMessages", func([]safejs.Value) (any, error) { n, _ := k.held(); return k.s.QueuedMessages() + n, nil }},
		{"rtt", func([]safejs.Value) (any, error) { return rttValue(k.s.RTT()), nil }},
		{"stats", k.stats},
		{"binaryType", func([]safejs.Value) (any, error) { return k.binaryType(), nil }},
		{"setBinaryType", k.setBinaryType},
		{"setOnline", func(args []safejs.Value) (any, error) { k.s.SetOnline(truthy(arg(args, 0))); return nil, nil }},
		{"setHidden", func(args []safejs.Value) (any, error) { k.s.SetHidden(truthy(arg(args, 0))); return nil, nil }},
		{"suspend", func([]safejs.Value) (any, error) { k.s.Suspend(); return nil, nil }},
		{"wake", func([]safejs.Value) (any, error) { k.s.Wake(); return nil, nil }},
		{"probe", func([]safejs.Value) (any, error) { k.s.Probe(); return nil, nil }},
		{"pathChanged", func([]safejs.Value) (any, error) { k.s.PathChanged(); return nil, nil }},
		{"progress", k.progress},
		{"release", k.releaseHold},
	} {
		// op names what the page called in an exception's message.
		op := m.name
		switch op {
		case "setBinaryType":
			op = "set binaryType"
		case "sendFrame":
			// The glue's path for send() in resume mode.
			op = "send"
		}
		f, err := newMethod(op, m.fn)
		if err != nil {
			k.release()
			return safejs.Undefined(), err
		}
		k.methods = append(k.methods, f)
		if err := obj.Set(m.name, f.Value()); err != nil {
			k.release()
			return safejs.Undefined(), err
		}
	}
	return obj, nil
}

// held is what the DataPath holds (behind a Blob it is reading, or for
// room in the window): accepted by send() and not sent yet, so counted as
// queued.
func (k *socket) held() (messages, bytes int) {
	if k.glue == nil {
		return 0, 0
	}
	return k.glue.held()
}

// rttValue is a round-trip time for JavaScript: milliseconds, or null before
// the first heartbeat was answered.
func rttValue(rtt time.Duration) any {
	if rtt > 0 {
		return toMillis(rtt)
	}
	return safejs.Null()
}

func truthy(v safejs.Value) bool {
	ok, err := v.Truthy()
	return err == nil && ok
}

// stats is the snapshot stats() returns, with durations in milliseconds.
func (k *socket) stats([]safejs.Value) (any, error) {
	st := k.s.Stats()
	if k.glue != nil {
		in, bytesIn, out, bytesOut := k.glue.counts()
		st.MessagesIn += in
		st.BytesIn += bytesIn
		st.MessagesOut += out
		st.BytesOut += bytesOut
	}
	held, heldBytes := k.held()
	st.Queued += held
	st.QueuedBytes += heldBytes
	return map[string]any{
		"attempts":    st.Attempts,
		"reconnects":  st.Reconnects,
		"messagesIn":  st.MessagesIn,
		"messagesOut": st.MessagesOut,
		"bytesIn":     st.BytesIn,
		"bytesOut":    st.BytesOut,
		"queued":      st.Queued,
		"queuedBytes": st.QueuedBytes,
		"rtt":         rttValue(st.RTT),
		"uptime":      toMillis(st.Uptime),
		"state":       st.State.String(),
	}, nil
}

// resolver makes Options.Resolve for a url or protocols argument given as a
// function: before every attempt it calls the function, waits for a promise
// it returns, and checks the result as the constructor checks a string. A
// function that throws or rejects, or a result that does not pass, fails
// the attempt; the engine reports it and retries.
func (k *socket) resolver(urlFn, protocolsFn safejs.Value, url string, protocols []string) func(done func(string, []string, error)) {
	return func(done func(string, []string, error)) {
		u, p, err := k.resolve(urlFn, protocolsFn, url, protocols)
		done(u, p, err)
	}
}

func (k *socket) resolve(urlFn, protocolsFn safejs.Value, url string, protocols []string) (_ string, _ []string, err error) {
	// The engine runs the resolver in a goroutine of its own, where a panic
	// would end the program.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error in resock: %v", r)
		}
	}()
	if !urlFn.IsUndefined() {
		v, err := callProvider(urlFn, "url")
		if err != nil {
			return "", nil, err
		}
		raw, err := toString(v)
		if err != nil {
			return "", nil, fmt.Errorf("url() returned a value that is not a string: %w", err)
		}
		u, origin, err := resolveURL(raw)
		if err != nil {
			return "", nil, fmt.Errorf("url() returned %q: %w", raw, err)
		}
		url = u
		k.mu.Lock()
		k.origin = origin
		k.mu.Unlock()
	}
	if !protocolsFn.IsUndefined() {
		v, err := callProvider(protocolsFn, "protocols")
		if err != nil {
			return "", nil, err
		}
		if protocols, err = parseProtocols(v); err != nil {
			return "", nil, fmt.Errorf("protocols() returned an invalid value: %w", err)
		}
	}
	return url, protocols, nil
}

// callProvider calls the page's url or protocols function and waits for
// its result.
func callProvider(fn safejs.Value, name string) (safejs.Value, error) {
	v, reason, rejected, err := callPage(fn)
	if err != nil {
		return safejs.Undefined(), fmt.Errorf("failed to call %s(): %w", name, err)
	}
	if rejected {
		return safejs.Undefined(), fmt.Errorf("%s() failed: %w", name, rejection(reason))
	}
	return v, nil
}

// release frees the bridge object's functions. It runs once the instance
// was collected, when nothing can call them any more.
func (k *socket) release() {
	for _, f := range k.methods {
		releaseFunc(f)
	}
	k.methods = nil
}

func (k *socket) binaryType() string {
	if k.arrayBuffer.Load() {
		return "arraybuffer"
	}
	return "blob"
}

// setBinaryType ignores a value that is not a BinaryType, as a Web IDL
// enumeration attribute does.
func (k *socket) setBinaryType(args []safejs.Value) (any, error) {
	s, err := toString(arg(args, 0))
	if err != nil {
		return nil, err
	}
	switch s {
	case "blob":
		k.arrayBuffer.Store(false)
	case "arraybuffer":
		k.arrayBuffer.Store(true)
	}
	return nil, nil
}

// send accepts what WebSocket.send accepts: a string, an ArrayBuffer, an
// ArrayBufferView (only the bytes it views), or a Blob. Anything else is
// converted to a string, as WebSocket does: send(123) sends "123".
func (k *socket) send(args []safejs.Value) (any, error) {
	return k.sendData(args)
}

// sendFrame takes a message the DataPath framed for resume mode (a
// Uint8Array of the type byte and the payload) and held, when it holds more
// than the outbox's limits allow: the outbox takes it in its place, in
// order, and applies the limits and outboxPolicy from then on.
func (k *socket) sendFrame(args []safejs.Value) (any, error) {
	n, err := intProp(arg(args, 0), "length")
	if err != nil || n < 1 {
		return nil, typeError("sendFrame needs a frame")
	}
	b := make([]byte, n)
	if _, err := safejs.CopyBytesToGo(b, arg(args, 0)); err != nil {
		return nil, err
	}
	return nil, k.s.SendAccepted(engine.Message{Binary: b[0] == byte(wire.TypeBinary), Data: b[1:]})
}

func (k *socket) sendData(args []safejs.Value) (any, error) {
	if len(args) == 0 {
		return nil, typeError("1 argument required, but only 0 present.")
	}
	data := args[0]
	switch typeOf(data) {
	case safejs.TypeString:
		s, err := data.String()
		if err != nil {
			return nil, err
		}
		return nil, k.s.Send(engine.Message{Data: []byte(s)})
	case safejs.TypeObject:
		if isInstance(data, js.arrayBuffer) {
			b, err := bufferBytes(data, -1, -1)
			if err != nil {
				return nil, err
			}
			return nil, k.s.Send(engine.Message{Binary: true, Data: b})
		}
		if isView, err := js.arrayBuffer.Call("isView", data); err == nil && typeOf(isView) == safejs.TypeBoolean {
			if ok, _ := isView.Bool(); ok {
				b, err := viewBytes(data)
				if err != nil {
					return nil, err
				}
				return nil, k.s.Send(engine.Message{Binary: true, Data: b})
			}
		}
		if isInstance(data, js.blob) {
			return nil, k.sendBlob(data)
		}
	}
	s, err := toString(data)
	if err != nil {
		return nil, err
	}
	return nil, k.s.Send(engine.Message{Data: []byte(s)})
}

// viewBytes copies the bytes a TypedArray or DataView views, respecting
// its byteOffset and byteLength.
func viewBytes(view safejs.Value) ([]byte, error) {
	buffer, err := view.Get("buffer")
	if err != nil {
		return nil, err
	}
	if !isInstance(buffer, js.arrayBuffer) {
		// Only a SharedArrayBuffer can back a view otherwise; WebSocket
		// refuses it as well.
		return nil, typeError("The provided ArrayBufferView value must not be shared.")
	}
	offset, err := intProp(view, "byteOffset")
	if err != nil {
		return nil, err
	}
	length, err := intProp(view, "byteLength")
	if err != nil {
		return nil, err
	}
	return bufferBytes(buffer, offset, length)
}

// bufferBytes copies length bytes at offset of an ArrayBuffer, or all of it
// when offset is -1. A resizable buffer is refused, as WebSocket does.
func bufferBytes(buffer safejs.Value, offset, length int) ([]byte, error) {
	if d, err := buffer.Get("detached"); err == nil && typeOf(d) == safejs.TypeBoolean {
		if detached, _ := d.Bool(); detached {
			// As WebSocket does: a transferred buffer holds no bytes.
			return []byte{}, nil
		}
	}
	if r, err := buffer.Get("resizable"); err == nil && typeOf(r) == safejs.TypeBoolean {
		if resizable, _ := r.Bool(); resizable {
			return nil, typeError("The provided ArrayBuffer value must not be resizable.")
		}
	}
	if offset < 0 {
		n, err := intProp(buffer, "byteLength")
		if err != nil {
			return nil, err
		}
		offset, length = 0, n
	}
	return bytesOf(buffer, offset, length)
}

func floatProp(v safejs.Value, name string) (float64, error) {
	p, err := v.Get(name)
	if err != nil {
		return 0, err
	}
	return p.Float()
}

func intProp(v safejs.Value, name string) (int, error) {
	p, err := v.Get(name)
	if err != nil {
		return 0, err
	}
	return p.Int()
}

// sendBlob holds the Blob's place in the outbox while the browser reads it,
// so that messages sent after it still go after it. A Blob that cannot be
// read is dropped with an error event, never silently.
func (k *socket) sendBlob(blob safejs.Value) error {
	size, err := intProp(blob, "size")
	if err != nil {
		return err
	}
	p, err := k.s.Reserve(size)
	if err != nil {
		return err
	}
	promise, err := blob.Call("arrayBuffer")
	if err != nil {
		p.Cancel(nil)
		return fmt.Errorf("failed to read Blob: %s", jsMessage(err))
	}
	go func() {
		defer func() {
			if r := recover(); r != nil {
				p.Cancel(fmt.Errorf("failed to read Blob: %v", r))
			}
		}()
		buffer, err := await(promise)
		if err != nil {
			p.Cancel(fmt.Errorf("failed to read Blob: %w", err))
			return
		}
		b, err := bufferBytes(buffer, -1, -1)
		if err != nil {
			p.Cancel(fmt.Errorf("failed to read Blob: %w", err))
			return
		}
		p.Fill(engine.Message{Binary: true, Data: b})
	}()
	return nil
}

func (k *socket) close(args []safejs.Value) (any, error) {
	code, reason, err := closeArgs(args)
	if err != nil {
		return nil, err
	}
	return nil, k.s.Close(code, reason)
}

func (k *socket) reconnect(args []safejs.Value) (any, error) {
	code, reason, err := closeArgs(args)
	if err != nil {
		return nil, err
	}
	k.pin()
	if err := k.s.Reconnect(code, reason); err != nil {
		k.settle()
		return nil, err
	}
	return nil, nil
}

// closeArgs converts close(code, reason) as WebSocket.close does; the
// engine checks them (engine.ValidateClose), and its errors become the
// exceptions WebSocket throws. Code 0 means none was given.
func closeArgs(args []safejs.Value) (code int, reason string, err error) {
	hasCode := !arg(args, 0).IsUndefined()
	if hasCode {
		if code, err = toClampedUint16(args[0]); err != nil {
			return 0, "", err
		}
		if code == 0 {
			// The engine reads code 0 as none given.
			return 0, "", &engine.CloseCodeError{Code: 0}
		}
	}
	if r := arg(args, 1); !r.IsUndefined() {
		if reason, err = toString(r); err != nil {
			return 0, "", err
		}
	}
	return code, reason, nil
}
