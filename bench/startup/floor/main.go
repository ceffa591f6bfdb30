//go:build js && wasm

// Command floor is the least a Go program in the page can be: it starts the
// runtime, registers one function and waits. Its start-up is the floor under
// resock.wasm's.
package main

import "syscall/js"

func main() {
	js.Global().Set("__floor", js.FuncOf(func(js.Value, []js.Value) any { return nil }))
	select {}
}
