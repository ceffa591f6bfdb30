//go:build js && wasm && resock_exittest

package main

import (
	"os"

	"github.com/hack-pad/safejs"
)

// The end-to-end test of what the page sees when the Go program exits builds
// resock.wasm with -tags resock_exittest, which adds this hook: the page
// calls globalThis.__resockExit(code) to end the program with that code.
// Normal builds have no such hook.
func init() {
	exit, err := newFunc(func(_ safejs.Value, args []safejs.Value) any {
		code, err := arg(args, 0).Int()
		if err != nil {
			code = 1
		}
		os.Exit(code)
		return nil
	})
	if err != nil {
		return
	}
	_ = safejs.Global().Set("__resockExit", exit.Value())
}
