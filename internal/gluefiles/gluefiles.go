// Package gluefiles names the ES modules of the JavaScript glue in jsglue/:
// resock.js, the one a page imports, and the modules it imports. Whatever
// serves or copies the glue takes the list from here, so that a new module
// needs no change anywhere else.
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
