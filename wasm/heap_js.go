//go:build js && wasm && resock_memstats

package main

import "runtime"

func init() {
	readHeap = func() int {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int(m.HeapAlloc)
	}
}
