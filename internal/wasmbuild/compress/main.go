// Command compress writes each file named on its command line beside it
// with gzip and with brotli, as wasmbuild.Compress does; .ci/build-wasm.sh
// runs it on what demo.Static serves from jsglue/.
//
//	go run ./internal/wasmbuild/compress jsglue/resock.wasm jsglue/*.js jsglue/*.d.ts
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/resock/resock/internal/wasmbuild"
)

func main() {
	flag.Parse()
	if err := wasmbuild.Compress(flag.Args(), wasmbuild.Brotli, wasmbuild.Gzip); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
