//go:build js && wasm

package main

import (
	"runtime"

	"github.com/hack-pad/safejs"
)

// debug reports the Go side's counters for leak tests, after a full
// collection: goroutines, functions handed to JavaScript and not released,
// the live Go heap in bytes, and the sockets the bridge tracks. The
// collection also lets the finalizers run that release the JavaScript
// values Go no longer holds, so the page's heap can be measured right after.
func (b *bridge) debug([]safejs.Value) (any, error) {
	for range 2 {
		runtime.GC()
		runtime.Gosched()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	obj, err := js.object.New()
	if err != nil {
		return nil, err
	}
	for _, kv := range []struct {
		name  string
		value int
	}{
		{"goroutines", runtime.NumGoroutine()},
		{"funcs", int(liveFuncs.Load())},
		{"heap", int(m.HeapAlloc)},
		{"sockets", len(b.sockets)},
	} {
		if err := obj.Set(kv.name, kv.value); err != nil {
			return nil, err
		}
	}
	return obj, nil
}
