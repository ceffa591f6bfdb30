// Command bundle writes the glue's modules into the one module a page
// imports, as wasmbuild.Bundle does; .ci/build-wasm.sh runs it.
//
//	go run ./internal/wasmbuild/bundle -o jsglue/resock.js jsglue/src/resock.js
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/resock/resock/internal/wasmbuild"
)

func main() {
	out := flag.String("o", "jsglue/resock.js", "the module to write")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: bundle -o out.js entry.js")
		os.Exit(2)
	}
	if err := wasmbuild.Bundle(flag.Arg(0), *out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
