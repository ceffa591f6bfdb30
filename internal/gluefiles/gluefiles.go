// Package gluefiles names the JavaScript files of the glue in jsglue/ that a
// page loads: resock.js, the one a page imports (make build bundles
// jsglue/src into it), and any module beside it, as an older build had.
// Whatever serves or copies the glue takes the list from here.
package gluefiles

import (
	"fmt"
	"path/filepath"
	"slices"
)

// wasmExec is the Go toolchain's loader, copied into jsglue/ by the build;
// it is not one of the glue's modules.
const wasmExec = "wasm_exec.js"

// Modules returns the base names of the glue's modules in dir, sorted.
func Modules(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.js"))
	if err != nil {
		return nil, fmt.Errorf("failed to list the glue's modules: %w", err)
	}
	var names []string
	for _, p := range paths {
		if name := filepath.Base(p); name != wasmExec {
			names = append(names, name)
		}
	}
	if !slices.Contains(names, "resock.js") {
		return nil, fmt.Errorf("failed to list the glue's modules: no resock.js in %s", dir)
	}
	slices.Sort(names)
	return names, nil
}
