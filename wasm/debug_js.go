//go:build js && wasm

package main

import (
	"runtime"

	"github.com/hack-pad/safejs"
)

// readHeap returns the live Go heap in bytes. Builds with the tag
// resock_memstats set it (heap_js.go): runtime.ReadMemStats costs the
// browser build about 3 KB gzipped, which only leak tests need.
var readHeap func() int

// debug reports the Go side's counters for leak tests, after a full
// collection: goroutines, functions handed to JavaScript and not released,
// the live Go heap in bytes (null unless built with resock_memstats), and
// the sockets the bridge tracks. The collection also lets the finalizers
// run that release the JavaScript values Go no longer holds, so the page's
// heap can be measured right after.
func (b *bridge) debug([]safejs.Value) (any, error) {
	for range 2 {
		runtime.GC()
		runtime.Gosched()
	}
	obj, err := js.object.New()
	if err != nil {
		return nil, err
	}
	var heap any = safejs.Null()
	if readHeap != nil {
		heap = readHeap()
	}
	for _, f := range []field{
		{"goroutines", runtime.NumGoroutine()},
		{"funcs", int(liveFuncs.Load())},
		{"heap", heap},
		{"sockets", len(b.sockets)},
	} {
		if err := obj.Set(f.name, f.value); err != nil {
			return nil, err
		}
	}
	return obj, nil
}
