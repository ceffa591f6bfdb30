//go:build !js

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/resock/resock/internal/chromium"
	"github.com/resock/resock/internal/wasmbuild"
)

var (
	// assetsDir holds what the server serves beside the demo: resock.js,
	// resock.d.ts, a freshly built resock.wasm and the wasm_exec.js of the
	// toolchain that built it.
	assetsDir string

	// demoDir is a copy of the demo page with the test harness beside it in
	// e2e/, so that harness pages are served from the demo's own origin.
	demoDir string

	// browserCtx is the one headless Chromium that every test shares; each
	// test opens its own tabs in it.
	browserCtx context.Context

	// skipReason says why the tests cannot run, when Chromium is missing and
	// we are not in CI.
	skipReason string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	goroutines := runtime.NumGoroutine()

	browserPath, err := chromium.Find()
	if err != nil {
		if inCI() {
			fmt.Fprintf(os.Stderr, "e2e: %v; CI is set, so the end-to-end tests fail instead of skipping\n", err)
			return 1
		}
		skipReason = fmt.Sprintf("%v: end-to-end tests skipped (install it with: sudo apt-get install -y chromium)", err)
		fmt.Fprintln(os.Stderr, "e2e:", skipReason)
		return m.Run()
	}

	dir, err := os.MkdirTemp("", "resock-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: failed to create the assets directory: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := buildAssets(dir); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	assetsDir = dir
	demoDir = filepath.Join(dir, "demo")
	if err := copyDemo(demoDir); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}

	ctx, stop, err := chromium.Start(browserPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	browserCtx = ctx

	code := m.Run()
	stop()
	if code == 0 {
		if err := checkGoroutines(goroutines); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			return 1
		}
	}
	return code
}

// inCI reports whether the CI environment variable asks for a strict run.
func inCI() bool {
	switch os.Getenv("CI") {
	case "", "0", "false":
		return false
	}
	return true
}

// buildAssets builds resock.wasm into dir with the go command that runs the
// tests, and writes beside it the wasm_exec.js of that very toolchain and the
// glue bundled into resock.js, as .ci/build-wasm.sh does for jsglue/.
func buildAssets(dir string) error {
	root, err := filepath.Abs("..")
	if err != nil {
		return fmt.Errorf("failed to find the module root: %w", err)
	}
	env := append(os.Environ(), "GOOS=js", "GOARCH=wasm")

	// resock_memstats: the debug hook reports the Go heap, for the leak soak.
	if err := wasmbuild.Build(context.Background(), root, filepath.Join(dir, "resock.wasm"), "-tags=resock_memstats"); err != nil {
		return err
	}

	// A gzip copy, as make build writes, so that the server sends it as is
	// instead of compressing resock.wasm for each new server of every test.
	// No brotli copy: quality 11 would add about 17 s of CPU to every run.
	if err := wasmbuild.Compress([]string{filepath.Join(dir, "resock.wasm")}, wasmbuild.Gzip); err != nil {
		return err
	}

	goenv := exec.Command("go", "env", "GOROOT")
	goenv.Env = env
	out, err := goenv.Output()
	if err != nil {
		return fmt.Errorf("failed to run go env GOROOT: %w", err)
	}
	goroot := strings.TrimSpace(string(out))

	copies := map[string]string{
		filepath.Join(goroot, "lib", "wasm", "wasm_exec.js"): "wasm_exec.js",
		filepath.Join(root, "jsglue", "resock.d.ts"):         "resock.d.ts",
	}
	if err := wasmbuild.BundleGlue(filepath.Join(root, "jsglue", "src"), dir); err != nil {
		return err
	}
	for from, to := range copies {
		b, err := os.ReadFile(from)
		if err != nil {
			return fmt.Errorf("failed to copy %s: %w", to, err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			return fmt.Errorf("failed to copy %s: %w", to, err)
		}
	}
	return nil
}

// copyDemo copies the demo page to dir and the harness from testdata to
// dir/e2e.
func copyDemo(dir string) error {
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "demo"))); err != nil {
		return fmt.Errorf("failed to copy the demo: %w", err)
	}
	// The bundler app is built elsewhere (bundler_test.go): what npm
	// installs there is no part of the harness.
	if err := copyTree(filepath.Join(dir, "e2e"), "testdata", "bundler"); err != nil {
		return fmt.Errorf("failed to copy the harness: %w", err)
	}
	return nil
}

// checkGoroutines waits a little for goroutines to wind down and reports
// those that outlive the tests.
func checkGoroutines(baseline int) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= baseline {
			return nil
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			return fmt.Errorf("goroutine leak: %d goroutines left, %d at start:\n%s", n, baseline, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
