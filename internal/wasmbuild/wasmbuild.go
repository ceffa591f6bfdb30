// Package wasmbuild builds resock.wasm the one way every build of it uses:
// make build, the end-to-end tests and the benchmarks.
package wasmbuild

import (
	"context"
	"os"
	"os/exec"
)

// Flags are the go build flags of resock.wasm: no paths of the build
// machine, no symbol table or DWARF, and no inlining. Without inlining the
// binary is about 45 KB smaller gzipped; in the browser Go is the control
// plane, not the data path, so the calls it no longer inlines cost nothing
// that shows.
var Flags = []string{"-trimpath", "-ldflags=-s -w", "-gcflags=all=-l"}

// Command is the go build of resock.wasm into out, run in the module root
// root, with extra flags after Flags (a later flag of the same name wins).
func Command(ctx context.Context, root, out string, extra ...string) *exec.Cmd {
	args := append([]string{"build"}, Flags...)
	args = append(args, extra...)
	args = append(args, "-o", out, "./wasm")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	return cmd
}
