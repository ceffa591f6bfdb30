// Command build builds resock.wasm with wasmbuild.Flags; .ci/build-wasm.sh
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
	cmd := wasmbuild.Command(context.Background(), ".", *out, flag.Args()...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "failed to build resock.wasm:", err)
		os.Exit(1)
	}
}
