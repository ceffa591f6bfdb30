//go:build js && wasm

package main

import (
	"github.com/hack-pad/safejs"

	"github.com/resock/resock/internal/engine"
	"github.com/resock/resock/internal/wire"
)

// bridgeName is the global the glue takes the bridge from.
const bridgeName = "__resock"

// bridge is the one object Go registers for the glue: its create function
// makes sockets. It also owns the sockets still reachable from JavaScript.
//
// Release rule: a socket's functions are released when the FinalizationRegistry
// reports its JavaScript instance collected. That cannot happen while the
// socket may still dispatch events, because socket.pinned holds the instance
// until the socket is closed; and once the instance is gone nobody can call
// reconnect() to revive the socket, so nothing can call its functions again.
type bridge struct {
	value    safejs.Value
	registry safejs.Value
	// funcs live as long as the program: the page may create a socket at
	// any time.
	funcs   []safejs.Func
	sockets map[int]*socket
	nextID  int
	// transport makes each socket's transport; nil means the browser's
	// WebSocket. Tests replace it.
	transport func() engine.Transport
	// dataPath is the glue's DataPath class, handed over by init; without
	// it every message passes through Go.
	dataPath safejs.Value
}

// register creates the bridge and publishes it as globalThis.__resock.
func register() (*bridge, error) {
	b, err := newBridge()
	if err != nil {
		return nil, err
	}
	if err := js.global.Set(bridgeName, b.value); err != nil {
		return nil, err
	}
	return b, nil
}

func newBridge() (*bridge, error) {
	if _, err := loadGlobals(); err != nil {
		return nil, err
	}
	b := &bridge{sockets: make(map[int]*socket)}
	collected, err := newCallback("FinalizationRegistry", b.collected)
	if err != nil {
		return nil, err
	}
	b.funcs = append(b.funcs, collected)
	if b.registry, err = js.finalizationRegistry.New(collected); err != nil {
		return nil, err
	}
	create, err := newMethod("constructor", b.create)
	if err != nil {
		return nil, err
	}
	b.funcs = append(b.funcs, create)
	debug, err := newMethod("debug", b.debug)
	if err != nil {
		return nil, err
	}
	b.funcs = append(b.funcs, debug)
	init, err := newMethod("init", b.init)
	if err != nil {
		return nil, err
	}
	b.funcs = append(b.funcs, init)
	if b.value, err = js.object.New(); err != nil {
		return nil, err
	}
	if err := b.value.Set("init", init.Value()); err != nil {
		return nil, err
	}
	if err := b.value.Set("create", create.Value()); err != nil {
		return nil, err
	}
	if err := b.value.Set("debug", debug.Value()); err != nil {
		return nil, err
	}
	return b, nil
}

// init(DataPath) takes the glue's DataPath class, which every socket over
// the browser's WebSocket then gets an instance of, and returns the
// constants of resock.v1 the class needs.
func (b *bridge) init(args []safejs.Value) (any, error) {
	class := arg(args, 0)
	if typeOf(class) != safejs.TypeFunction {
		return nil, typeError("init needs the DataPath class")
	}
	b.dataPath = class
	return wire.GlueConstants(), nil
}

// create(target, url, protocols?, options?, online?) checks its arguments
// as the WebSocket constructor does, starts a socket that dispatches its
// events on target, and returns the socket's bridge object. url and
// protocols may also be functions, sync or async, that the socket calls
// before every attempt. online false, which the glue passes while
// navigator.onLine is false, starts the socket offline: it makes no
// attempt, creates no browser WebSocket and calls neither function until
// setOnline(true). Such a socket learns only then whether the browser lets
// the page connect to url at all.
func (b *bridge) create(args []safejs.Value) (any, error) {
	target := arg(args, 0)
	if !isInstance(target, js.eventTarget) {
		return nil, typeError("The target must be an EventTarget.")
	}
	if len(args) < 2 {
		return nil, typeError("1 argument required, but only 0 present.")
	}
	var (
		url, origin string
		err         error
	)
	urlFn, protocolsFn := safejs.Undefined(), safejs.Undefined()
	if typeOf(args[1]) == safejs.TypeFunction {
		urlFn = args[1]
	} else {
		raw, err := toString(args[1])
		if err != nil {
			return nil, err
		}
		if url, origin, err = resolveURL(raw); err != nil {
			return nil, err
		}
	}
	var protocols []string
	if p := arg(args, 2); typeOf(p) == safejs.TypeFunction {
		protocolsFn = p
	} else if protocols, err = parseProtocols(p); err != nil {
		return nil, err
	}
	o, arrayBuffer, err := parseOptions(arg(args, 3))
	if err != nil {
		return nil, err
	}
	persist, err := parsePersist(arg(args, 3), o.Resume)
	if err != nil {
		return nil, err
	}
	// A persistent socket waits for the glue to read its store (release).
	o.Hold = persist != ""
	weak, err := js.weakRef.New(target)
	if err != nil {
		return nil, err
	}
	webSockets, err := js.set.New()
	if err != nil {
		return nil, err
	}
	b.nextID++
	k := &socket{id: b.nextID, origin: origin, pinned: target, weak: weak, webSockets: webSockets, persist: persist}
	k.arrayBuffer.Store(arrayBuffer)
	if b.transport != nil {
		o.Transport = b.transport()
	} else {
		k.transport = &browserTransport{registry: webSockets}
		o.Transport = k.transport
		if typeOf(b.dataPath) == safejs.TypeFunction {
			if k.glue, err = newGluePath(k, b.dataPath, o, arrayBuffer); err != nil {
				return nil, err
			}
			k.transport.glue = k.glue
			o.OnDirect = k.glue.setDirect
		}
	}
	if !urlFn.IsUndefined() || !protocolsFn.IsUndefined() {
		o.Resolve = k.resolver(urlFn, protocolsFn, url, protocols)
	}
	o.Protocols = protocols
	o.OnEvent = k.onEvent
	o.Defer = later
	if online := arg(args, 4); !online.IsUndefined() && !truthy(online) {
		o.Offline = true
	}
	if k.s, err = engine.New(url, o); err != nil {
		return nil, err
	}
	if k.transport != nil && k.transport.dialErr != nil {
		// The browser refuses this URL outright; retrying cannot help.
		_ = k.s.Close(0, "")
		return nil, domException("SecurityError", "%s", k.transport.dialErr)
	}
	obj, err := k.bridgeObject()
	if err != nil {
		_ = k.s.Close(0, "")
		return nil, err
	}
	if _, err := b.registry.Call("register", target, k.id); err != nil {
		k.release()
		_ = k.s.Close(0, "")
		return nil, err
	}
	b.sockets[k.id] = k
	k.settle()
	return obj, nil
}

// collected is called by the FinalizationRegistry with the id of a socket
// whose instance was garbage collected.
func (b *bridge) collected(held safejs.Value) {
	id, err := held.Int()
	if err != nil {
		return
	}
	if k, ok := b.sockets[id]; ok {
		delete(b.sockets, id)
		k.release()
	}
}
