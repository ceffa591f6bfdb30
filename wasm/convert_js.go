//go:build js && wasm

package main

import (
	"math"

	"github.com/hack-pad/safejs"
)

// The conversions below follow Web IDL, so that arguments behave as they do
// for the browser's WebSocket: an object's toString or valueOf is honoured,
// a Symbol is a TypeError, and undefined means an optional argument is
// missing.

// toString converts v as Web IDL converts to DOMString or USVString. Lone
// surrogates become U+FFFD on the way into Go, which is the USVString rule.
func toString(v safejs.Value) (string, error) {
	switch typeOf(v) {
	case safejs.TypeString:
		return v.String()
	case safejs.TypeSymbol:
		return "", typeError("Cannot convert a Symbol value to a string.")
	}
	// String(v) is ToString(v) for everything but a Symbol.
	s, err := js.stringFn.Invoke(v)
	if err != nil {
		return "", typeError("Cannot convert the value to a string: %s", jsMessage(err))
	}
	return s.String()
}

// toNumber converts v as Web IDL's ToNumber does, throwing for a Symbol or
// a BigInt.
func toNumber(v safejs.Value) (float64, error) {
	if typeOf(v) == safejs.TypeNumber {
		return v.Float()
	}
	// Math.max applies exactly ToNumber to its one argument.
	n, err := js.math.Call("max", v)
	if err != nil {
		return 0, typeError("Cannot convert the value to a number: %s", jsMessage(err))
	}
	return n.Float()
}

// toClampedUint16 converts v as Chromium converts WebSocket.close's code:
// NaN is 0, values are clamped to 0–65535 and truncated. (Web IDL's [Clamp]
// rounds half to even instead; the close code must fail where WebSocket's
// does.)
func toClampedUint16(v safejs.Value) (int, error) {
	f, err := toNumber(v)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(f) {
		return 0, nil
	}
	return int(math.Trunc(math.Max(0, math.Min(65535, f)))), nil
}

// iterate returns the elements of v if it is an object with a
// Symbol.iterator method, as Web IDL decides between a sequence and the
// other members of a union; ok is false when v is not iterable.
func iterate(v safejs.Value) (elems []safejs.Value, ok bool, err error) {
	if typeOf(v) != safejs.TypeObject && typeOf(v) != safejs.TypeFunction {
		return nil, false, nil
	}
	method, err := js.reflect.Call("get", v, js.symbolIterator)
	if err != nil {
		return nil, false, typeError("%s", jsMessage(err))
	}
	if method.IsUndefined() || method.IsNull() {
		return nil, false, nil
	}
	if typeOf(method) != safejs.TypeFunction {
		return nil, false, typeError("The object's Symbol.iterator property is not a function.")
	}
	arr, err := js.array.Call("from", v)
	if err != nil {
		return nil, false, typeError("Cannot iterate over the value: %s", jsMessage(err))
	}
	n, err := arr.Length()
	if err != nil {
		return nil, false, err
	}
	elems = make([]safejs.Value, n)
	for i := range elems {
		if elems[i], err = arr.Index(i); err != nil {
			return nil, false, err
		}
	}
	return elems, true, nil
}

// arg returns args[i], or undefined when the caller passed fewer arguments.
func arg(args []safejs.Value, i int) safejs.Value {
	if i < len(args) {
		return args[i]
	}
	return safejs.Undefined()
}

// typeName describes v's type for error messages.
func typeName(v safejs.Value) string {
	if isInstance(v, js.array) {
		return "array"
	}
	t := typeOf(v)
	if t == typeBigInt {
		return "bigint"
	}
	return t.String()
}

// typeBigInt is what typeOf reports for a BigInt.
const typeBigInt safejs.Type = -1

// typeOf is v.Type() made total: syscall/js has no type for a BigInt and
// panics on one.
func typeOf(v safejs.Value) (t safejs.Type) {
	defer func() {
		if recover() != nil {
			t = typeBigInt
		}
	}()
	return v.Type()
}

// bytesOf copies length bytes at offset of an ArrayBuffer into Go.
func bytesOf(buffer safejs.Value, offset, length int) ([]byte, error) {
	view, err := js.uint8Array.New(buffer, offset, length)
	if err != nil {
		return nil, err
	}
	b := make([]byte, length)
	if _, err := safejs.CopyBytesToGo(b, view); err != nil {
		return nil, err
	}
	return b, nil
}

// arrayBufferOf copies b into a new ArrayBuffer.
func arrayBufferOf(b []byte) (safejs.Value, error) {
	view, err := js.uint8Array.New(len(b))
	if err != nil {
		return safejs.Undefined(), err
	}
	if _, err := safejs.CopyBytesToJS(view, b); err != nil {
		return safejs.Undefined(), err
	}
	return view.Get("buffer")
}
