// Package wasmbuild builds resock.wasm the one way every build of it uses:
// make build, the end-to-end tests and the benchmarks. Compress writes the
// gzip and brotli copies of it, and of the JavaScript, that the server
// sends.
package wasmbuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
)

// Flags are the go build flags of resock.wasm: no paths of the build
// machine, no symbol table or DWARF, and no inlining. Without inlining the
// binary is about 45 KB smaller gzipped; in the browser Go is the control
// plane, not the data path, so the calls it no longer inlines cost nothing
// that shows.
//
// The same source and Go release give the same bytes, wherever and whenever
// they are built, as package web commits them: no VCS stamp (in a git
// checkout the go command would otherwise write the commit, its time and
// whether the tree was modified), and an empty build ID (it hashes the
// toolchain's own binaries, which differ between distributions of one
// release).
var Flags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-gcflags=all=-l"}

// Build builds resock.wasm into out from the module root root, with extra
// flags after Flags (a later flag of the same name wins), and packs its data
// segments (see PackData). A failed build's error holds the compiler's
// output.
func Build(ctx context.Context, root, out string, extra ...string) error {
	args := append([]string{"build"}, Flags...)
	args = append(args, extra...)
	args = append(args, "-o", out, "./wasm")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("failed to build resock.wasm: %w\n%s", err, output)
	}
	return PackFile(out)
}

// PackFile rewrites the module in file with PackData and MaxGap.
func PackFile(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	packed, err := PackData(b, MaxGap)
	if err != nil {
		return fmt.Errorf("failed to pack the data segments of %s: %w", file, err)
	}
	return os.WriteFile(file, packed, 0o644)
}
