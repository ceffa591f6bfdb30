//go:build js && wasm

package main

import (
	"fmt"

	"github.com/hack-pad/safejs"

	"github.com/resock/resock/internal/engine"
)

// onEvent dispatches an engine event on the JavaScript instance. Listeners
// run inside dispatchEvent; an exception in one is reported by the
// EventTarget and does not stop the others.
func (k *socket) onEvent(e engine.Event) {
	target, ok := k.target()
	if !ok {
		return
	}
	ev, err := k.domEvent(e)
	if err != nil {
		consoleError("failed to create event", err)
		return
	}
	if _, err := target.Call("dispatchEvent", ev); err != nil {
		consoleError("failed to dispatch event", err)
	}
	if ce, ok := e.(engine.CloseEvent); ok && !ce.WillReconnect {
		k.settle()
	}
}

// domEvent makes the DOM event for e: a MessageEvent and a CloseEvent as
// WebSocket dispatches them, plain Events for the rest, with resock's
// extra fields as ordinary properties.
func (k *socket) domEvent(e engine.Event) (safejs.Value, error) {
	switch e := e.(type) {
	case engine.OpenEvent:
		return newEvent("open",
			field{"reconnected", e.Reconnected},
			field{"resumed", e.Resumed},
			field{"downtime", toMillis(e.Downtime)})
	case engine.MessageEvent:
		if k.glue != nil {
			// The DataPath makes the events of the messages it delivers
			// itself; those that pass through Go are made the same way, with
			// its binaryType.
			data, err := k.messagePayload(e.Message)
			if err != nil {
				return safejs.Undefined(), err
			}
			return k.glue.path.Call("messageEvent", data, k.messageOrigin())
		}
		data, err := k.messageData(e.Message)
		if err != nil {
			return safejs.Undefined(), err
		}
		return js.messageEvent.New("message", map[string]any{"data": data, "origin": k.messageOrigin()})
	case engine.CloseEvent:
		ev, err := js.closeEvent.New("close", map[string]any{
			"code":     e.Code,
			"reason":   e.Reason,
			"wasClean": e.WasClean,
		})
		if err != nil {
			return safejs.Undefined(), err
		}
		return ev, ev.Set("willReconnect", e.WillReconnect)
	case engine.ErrorEvent:
		msg := e.Err.Error()
		errValue, err := js.errorCtor.New(msg)
		if err != nil {
			return safejs.Undefined(), err
		}
		return newEvent("error", field{"message", msg}, field{"error", errValue})
	case engine.ReconnectingEvent:
		return newEvent("reconnecting",
			field{"attempt", e.Attempt},
			field{"delay", toMillis(e.Delay)},
			field{"code", e.Code},
			field{"reason", e.Reason})
	case engine.StateEvent:
		return newEvent("statechange", field{"from", e.From.String()}, field{"to", e.To.String()})
	case engine.DroppedEvent:
		return newEvent("dropped",
			field{"messages", e.Messages},
			field{"bytes", e.Bytes},
			field{"reason", e.Reason})
	}
	return safejs.Undefined(), fmt.Errorf("unknown event %T", e)
}

// messageOrigin is the origin of message events: that of the URL of the
// current attempt.
func (k *socket) messageOrigin() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.origin
}

// messagePayload is a message as the browser socket delivers it: a string,
// or an ArrayBuffer.
func (k *socket) messagePayload(m engine.Message) (safejs.Value, error) {
	if !m.Binary {
		return safejs.ValueOf(string(m.Data))
	}
	return arrayBufferOf(m.Data)
}

// messageData is a message as WebSocket delivers it: a string, or per
// binaryType a Blob or an ArrayBuffer.
func (k *socket) messageData(m engine.Message) (safejs.Value, error) {
	v, err := k.messagePayload(m)
	if err != nil || !m.Binary || k.arrayBuffer.Load() {
		return v, err
	}
	return js.blob.New([]any{v})
}

// field is a property resock adds to an event.
type field struct {
	name  string
	value any
}

// newEvent makes an Event of type typ with fields set as own properties.
func newEvent(typ string, fields ...field) (safejs.Value, error) {
	ev, err := js.event.New(typ)
	if err != nil {
		return safejs.Undefined(), err
	}
	for _, f := range fields {
		if err := ev.Set(f.name, f.value); err != nil {
			return safejs.Undefined(), err
		}
	}
	return ev, nil
}
