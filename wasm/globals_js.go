//go:build js && wasm

package main

import (
	"errors"
	"sync"

	"github.com/hack-pad/safejs"
)

// globals holds the JavaScript constructors and functions the bridge uses,
// looked up once so that every call does not walk globalThis again.
type globals struct {
	global               safejs.Value
	object               safejs.Value
	array                safejs.Value
	arrayBuffer          safejs.Value
	uint8Array           safejs.Value
	blob                 safejs.Value
	event                safejs.Value
	eventTarget          safejs.Value
	messageEvent         safejs.Value
	closeEvent           safejs.Value
	errorCtor            safejs.Value
	typeError            safejs.Value
	rangeError           safejs.Value
	domException         safejs.Value
	url                  safejs.Value
	webSocket            safejs.Value
	weakRef              safejs.Value
	finalizationRegistry safejs.Value
	reflect              safejs.Value
	math                 safejs.Value
	stringFn             safejs.Value
	promise              safejs.Value
	set                  safejs.Value
	// bind is Function.prototype.bind.
	bind           safejs.Value
	symbolIterator safejs.Value
}

var (
	js        *globals
	jsErr     error
	jsLoading sync.Once
)

// loadGlobals looks the globals up on first use. It fails when the page
// lacks something resock needs, for example WebSocket in an old worklet.
func loadGlobals() (*globals, error) {
	jsLoading.Do(func() { js, jsErr = lookupGlobals() })
	return js, jsErr
}

func lookupGlobals() (*globals, error) {
	g := &globals{global: safejs.Global()}
	var symbol, function safejs.Value
	// A table rather than a call per global keeps the binary smaller.
	for _, e := range []struct {
		name string
		dst  *safejs.Value
	}{
		{"Object", &g.object},
		{"Array", &g.array},
		{"ArrayBuffer", &g.arrayBuffer},
		{"Uint8Array", &g.uint8Array},
		{"Blob", &g.blob},
		{"Event", &g.event},
		{"EventTarget", &g.eventTarget},
		{"MessageEvent", &g.messageEvent},
		{"CloseEvent", &g.closeEvent},
		{"Error", &g.errorCtor},
		{"TypeError", &g.typeError},
		{"RangeError", &g.rangeError},
		{"DOMException", &g.domException},
		{"URL", &g.url},
		{"WebSocket", &g.webSocket},
		{"WeakRef", &g.weakRef},
		{"FinalizationRegistry", &g.finalizationRegistry},
		{"Reflect", &g.reflect},
		{"Math", &g.math},
		{"String", &g.stringFn},
		{"Promise", &g.promise},
		{"Set", &g.set},
		{"Function", &function},
		{"Symbol", &symbol},
	} {
		v, err := g.global.Get(e.name)
		if err != nil || v.IsUndefined() || v.IsNull() {
			return nil, errors.New("failed to start resock: this JavaScript environment has no " + e.name)
		}
		*e.dst = v
	}
	var err error
	if g.symbolIterator, err = symbol.Get("iterator"); err != nil {
		return nil, err
	}
	proto, err := function.Get("prototype")
	if err != nil {
		return nil, err
	}
	if g.bind, err = proto.Get("bind"); err != nil {
		return nil, err
	}
	return g, nil
}

// isInstance reports whether v instanceof ctor, treating a failed check as
// false.
func isInstance(v, ctor safejs.Value) bool {
	if typeOf(v) != safejs.TypeObject && typeOf(v) != safejs.TypeFunction {
		return false
	}
	ok, err := v.InstanceOf(ctor)
	return err == nil && ok
}

// consoleError logs to the browser console: problems found where there is
// no caller to throw to, such as inside a WebSocket event handler.
func consoleError(msg string, err error) {
	if err != nil {
		msg += ": " + err.Error()
	}
	console, e := safejs.Global().Get("console")
	if e != nil || typeOf(console) != safejs.TypeObject {
		return
	}
	_, _ = console.Call("error", "resock: "+msg)
}
