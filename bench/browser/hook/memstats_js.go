//go:build js && wasm && resockbench

package main

import (
	"runtime"

	"github.com/hack-pad/safejs"
)

// The benchmark adds this file to the wasm build with go build -overlay, so
// that its page can read the Go heap: runtime.MemStats cannot be reached from
// JavaScript otherwise. globalThis.__resockMemStats() collects garbage and
// returns the figures.
func init() {
	f, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return map[string]any{
			"heapAlloc":   m.HeapAlloc,
			"heapInuse":   m.HeapInuse,
			"heapObjects": m.HeapObjects,
			"stackInuse":  m.StackInuse,
			"sys":         m.Sys,
			"goroutines":  runtime.NumGoroutine(),
			"liveFuncs":   liveFuncs.Load(),
		}
	})
	if err != nil {
		panic(err)
	}
	if err := safejs.Global().Set("__resockMemStats", f.Value()); err != nil {
		panic(err)
	}
}
