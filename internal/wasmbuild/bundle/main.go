// Command bundle writes the glue's modules into the one module a page
// imports, as wasmbuild.Bundle does; .ci/build-wasm.sh runs it.
//
//	go run ./internal/wasmbuild/bundle -o jsglue/resock.js jsglue/src/resock.js
//	go run ./internal/wasmbuild/bundle -o jsglue/react.js -external react,./resock.js jsglue/src/react.js
//	go run ./internal/wasmbuild/bundle -glue jsglue/src jsglue
//
// The last form writes every module of wasmbuild.GlueModules.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/resock/resock/internal/wasmbuild"
)

func main() {
	out := flag.String("o", "jsglue/resock.js", "the module to write")
	external := flag.String("external", "", "comma-separated `imports` the bundle keeps as imports")
	glue := flag.Bool("glue", false, "bundle every module of the glue: bundle -glue srcdir outdir")
	flag.Parse()
	if *glue {
		if flag.NArg() != 2 {
			fmt.Fprintln(os.Stderr, "usage: bundle -glue srcdir outdir")
			os.Exit(2)
		}
		if err := wasmbuild.BundleGlue(flag.Arg(0), flag.Arg(1)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: bundle -o out.js [-external a,b] entry.js")
		os.Exit(2)
	}
	var externals []string
	if *external != "" {
		externals = strings.Split(*external, ",")
	}
	if err := wasmbuild.Bundle(flag.Arg(0), *out, externals...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
