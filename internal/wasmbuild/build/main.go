// Command build builds resock.wasm as wasmbuild.Build does; .ci/build-wasm.sh
// runs it from the module root.
//
//	go run ./internal/wasmbuild/build -o jsglue/resock.wasm
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/resock/resock/internal/wasmbuild"
)

func main() {
	out := flag.String("o", "jsglue/resock.wasm", "output file")
	flag.Parse()
	if err := wasmbuild.Build(context.Background(), ".", *out, flag.Args()...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
