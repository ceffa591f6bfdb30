// Package chromium finds and starts the headless Chromium that the
// end-to-end tests and the benchmarks drive through chromedp.
package chromium

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// Path is where Debian's chromium package installs the browser.
const Path = "/usr/bin/chromium"

// Find returns the Chromium to run: Debian's, or the first on PATH.
func Find() (string, error) {
	if _, err := os.Stat(Path); err == nil {
		return Path, nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", errors.New("chromium not found at " + Path + " nor on PATH (make test installs it)")
}

// Start starts headless Chromium at path and returns a context holding its
// first tab and a func that stops it. As root it runs without the sandbox,
// which Chromium refuses otherwise; chromedp's defaults already keep it off
// the network it has no business with. extra options come last (a
// UserDataDir, say).
func Start(path string, extra ...chromedp.ExecAllocatorOption) (context.Context, func(), error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1000, 640),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	stop := func() {
		cancel()
		cancelAlloc()
	}
	// The first Do binds the browser to ctx, so it cannot carry a deadline
	// itself: a watchdog bounds the start instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("failed to start %s: %w", path, err)
		}
	case <-time.After(30 * time.Second):
		stop()
		<-started
		return nil, nil, fmt.Errorf("failed to start %s: no answer within 30s", path)
	}
	return ctx, stop, nil
}

// Version is what the browser at path says of its version, for the
// figures a benchmark writes; "unknown Chromium" if it says nothing.
func Version(path string) string {
	v, err := exec.Command(path, "--version").Output()
	if err != nil {
		return "unknown Chromium"
	}
	return strings.TrimSpace(string(v))
}
