//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/hack-pad/safejs"
)

// liveFuncs counts the Go functions handed to JavaScript and not released
// yet, so tests can prove that nothing leaks.
var liveFuncs atomic.Int64

// newFunc wraps safejs.FuncOf to keep liveFuncs.
func newFunc(fn func(this safejs.Value, args []safejs.Value) any) (safejs.Func, error) {
	f, err := safejs.FuncOf(fn)
	if err == nil {
		liveFuncs.Add(1)
	}
	return f, err
}

func releaseFunc(f safejs.Func) {
	f.Release()
	liveFuncs.Add(-1)
}

// newMethod makes a function the JavaScript glue calls. JavaScript always
// gets a value back: fn's result on success, otherwise an Error object that
// the glue throws, because Go cannot throw into its caller. A panic becomes
// such an Error too, so no call can bring the Go runtime down.
func newMethod(op string, fn func(args []safejs.Value) (any, error)) (safejs.Func, error) {
	return newFunc(func(_ safejs.Value, args []safejs.Value) (result any) {
		defer func() {
			if r := recover(); r != nil {
				result = errorValue(op, fmt.Errorf("internal error in resock: %v", r))
			}
		}()
		v, err := fn(args)
		if err != nil {
			return errorValue(op, err)
		}
		if v == nil {
			// A nil result would reach JavaScript as null.
			return safejs.Undefined()
		}
		return v
	})
}

// newCallback makes an event handler for JavaScript to call, such as a
// WebSocket's onmessage. There is nobody to report an error to, so a panic
// is logged to the console and contained.
func newCallback(name string, fn func(ev safejs.Value)) (safejs.Func, error) {
	return newFunc(func(_ safejs.Value, args []safejs.Value) any {
		defer func() {
			if r := recover(); r != nil {
				consoleError(name+" handler failed", fmt.Errorf("%v", r))
			}
		}()
		fn(arg(args, 0))
		return nil
	})
}

// await waits for promise to settle. It blocks, so it must run in its own
// goroutine, never in a function JavaScript called.
func await(promise safejs.Value) (safejs.Value, error) {
	v, reason, rejected, err := settle(promise)
	if err != nil {
		return safejs.Undefined(), err
	}
	if rejected {
		return safejs.Undefined(), rejection(reason)
	}
	return v, nil
}

// settle waits for promise to settle and returns its value, or the reason
// it was rejected with, as is. Like await, it blocks.
func settle(promise safejs.Value) (v, reason safejs.Value, rejected bool, err error) {
	type result struct {
		v        safejs.Value
		rejected bool
	}
	done := make(chan result, 1)
	onFulfilled, err := newCallback("then", func(v safejs.Value) { done <- result{v: v} })
	if err != nil {
		return safejs.Undefined(), safejs.Undefined(), false, err
	}
	defer releaseFunc(onFulfilled)
	onRejected, err := newCallback("catch", func(reason safejs.Value) { done <- result{v: reason, rejected: true} })
	if err != nil {
		return safejs.Undefined(), safejs.Undefined(), false, err
	}
	defer releaseFunc(onRejected)
	if _, err := promise.Call("then", onFulfilled, onRejected); err != nil {
		return safejs.Undefined(), safejs.Undefined(), false, err
	}
	r := <-done
	if r.rejected {
		return safejs.Undefined(), r.v, true, nil
	}
	return r.v, safejs.Undefined(), false, nil
}

// callPage calls fn, a function of the page, with args, and waits for its
// result: what it returns, or what the promise it returns settles to. It
// calls fn in a microtask of its own, as a promise calls its callbacks, so
// an exception is a rejection whose reason is the very value thrown, stack
// and all, and a function that calls back into resock finds it idle. It
// blocks, so it runs in its own goroutine.
func callPage(fn safejs.Value, args ...any) (v, reason safejs.Value, rejected bool, err error) {
	bound, err := js.reflect.Call("apply", js.bind, fn, append([]any{safejs.Undefined()}, args...))
	if err != nil {
		return safejs.Undefined(), safejs.Undefined(), false, err
	}
	resolved, err := js.promise.Call("resolve")
	if err != nil {
		return safejs.Undefined(), safejs.Undefined(), false, err
	}
	promise, err := resolved.Call("then", bound)
	if err != nil {
		return safejs.Undefined(), safejs.Undefined(), false, err
	}
	return settle(promise)
}

// reportException reports an exception of page code that resock called, as
// the browser reports one thrown by an event listener: on the console and as
// an error event on the global object, without stopping resock.
func reportException(what string, reason safejs.Value) {
	if report, err := js.global.Get("reportError"); err == nil && typeOf(report) == safejs.TypeFunction {
		if _, err := report.Invoke(reason); err == nil {
			return
		}
	}
	consoleError(what+" threw", rejection(reason))
}

// rejection describes the reason a promise was rejected with.
func rejection(reason safejs.Value) error {
	if msg, err := reason.Get("message"); err == nil && typeOf(msg) == safejs.TypeString {
		s, _ := msg.String()
		if name, err := reason.Get("name"); err == nil && typeOf(name) == safejs.TypeString {
			n, _ := name.String()
			return errors.New(n + ": " + s)
		}
		return errors.New(s)
	}
	s, err := toString(reason)
	if err != nil {
		return errors.New("promise rejected")
	}
	return errors.New(s)
}

// later runs f in a task of the page's event loop (setTimeout with no
// delay), after the function JavaScript called has returned: a goroutine
// started there would run before it returns. It is engine.Options.Defer
// for the browser.
func later(f func()) {
	var fn safejs.Func
	fn, err := newFunc(func(safejs.Value, []safejs.Value) any {
		releaseFunc(fn)
		defer func() {
			if r := recover(); r != nil {
				consoleError("deferred work failed", fmt.Errorf("%v", r))
			}
		}()
		f()
		return nil
	})
	if err != nil {
		go f()
		return
	}
	if _, err := safejs.Global().Call("setTimeout", fn.Value(), 0); err != nil {
		releaseFunc(fn)
		go f()
	}
}
