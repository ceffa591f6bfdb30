//go:build js && wasm

package main

import (
	"fmt"
	"strings"

	"github.com/hack-pad/safejs"

	"github.com/resock/resock/internal/engine"
)

// jsError is an error that must reach JavaScript as a particular kind of
// exception: "TypeError", "RangeError", or the name of a DOMException, as
// the WebSocket API reports the same misuse.
type jsError struct {
	kind string
	msg  string
}

func (e *jsError) Error() string { return e.msg }

func typeError(format string, args ...any) error {
	return &jsError{kind: "TypeError", msg: fmt.Sprintf(format, args...)}
}

func rangeError(format string, args ...any) error {
	return &jsError{kind: "RangeError", msg: fmt.Sprintf(format, args...)}
}

func domException(name, format string, args ...any) error {
	return &jsError{kind: name, msg: fmt.Sprintf(format, args...)}
}

// kindOf names the exception err becomes, and its message. Engine errors map
// to the DOMException a WebSocket would throw for the same situation.
//
// It unwraps by hand rather than with errors.Is and errors.As, whose
// reflection costs the browser build about 8 KB gzipped; the chain is made
// of single wraps (fmt.Errorf with one %w).
func kindOf(err error) (kind, msg string) {
	for e := err; e != nil; {
		switch e {
		case engine.ErrClosed:
			return "InvalidStateError", "The socket is closed; call reconnect() to open it again."
		case engine.ErrOutboxFull:
			return "QuotaExceededError", "The message was not sent because the outbox is full (" + err.Error() + "). Wait for the connection to drain it, or raise maxQueuedMessages/maxQueuedBytes."
		case engine.ErrReasonTooLong:
			return "SyntaxError", "The close reason must not be greater than 123 UTF-8 bytes."
		case engine.ErrInvalidURL, engine.ErrInvalidProtocol:
			return "SyntaxError", err.Error()
		}
		if ce, ok := e.(*engine.CloseCodeError); ok {
			return "InvalidAccessError", fmt.Sprintf("The close code must be either 1000, or between 3000 and 4999. %d is neither.", ce.Code)
		}
		if je, ok := e.(*jsError); ok {
			return je.kind, je.msg
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	return "Error", err.Error()
}

// errorValue turns err into the JavaScript Error that the glue throws for
// operation op: "constructor", a method name, or "set " and a property name.
// The message is prefixed as browsers do:
// "Failed to execute 'send' on 'ReconnectingWebSocket': ...".
func errorValue(op string, err error) safejs.Value {
	kind, msg := kindOf(err)
	if op == "constructor" {
		msg = "Failed to construct 'ReconnectingWebSocket': " + msg
	} else if prop, ok := strings.CutPrefix(op, "set "); ok {
		msg = "Failed to set the '" + prop + "' property on 'ReconnectingWebSocket': " + msg
	} else {
		msg = "Failed to execute '" + op + "' on 'ReconnectingWebSocket': " + msg
	}
	return newError(kind, msg)
}

// newError creates the exception object. Creating it could itself fail in a
// broken environment; the fallbacks make sure JavaScript still gets
// something it recognises as a failure.
func newError(kind, msg string) safejs.Value {
	if js == nil {
		v, _ := safejs.ValueOf("resock: " + msg)
		return v
	}
	var (
		v   safejs.Value
		err error
	)
	switch kind {
	case "Error":
		v, err = js.errorCtor.New(msg)
	case "TypeError":
		v, err = js.typeError.New(msg)
	case "RangeError":
		v, err = js.rangeError.New(msg)
	default:
		v, err = js.domException.New(msg, kind)
	}
	if err != nil {
		v, err = js.errorCtor.New(msg)
	}
	if err != nil {
		v, _ = safejs.ValueOf("resock: " + msg)
	}
	return v
}

// jsMessage is the message of an exception caught by safejs, without the
// "JavaScript error: " prefix that syscall/js adds.
func jsMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "JavaScript error: ")
}
