// Package leakcheck finds the goroutines a package's tests left running,
// for its TestMain.
package leakcheck

import (
	"net/http"
	"runtime"
	"strings"
	"time"
)

// Leaked waits up to timeout for every goroutine the tests started to end,
// and returns the stacks of those that did not; "" when none is left.
func Leaked(timeout time.Duration) string {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
	deadline := time.Now().Add(timeout)
	for {
		leaked := otherGoroutines()
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// otherGoroutines returns the stacks of all goroutines but this one and
// those the runtime and the testing package keep.
func otherGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	stacks := strings.Split(string(buf), "\n\n")
	var out []string
	for _, g := range stacks[1:] { // stacks[0] is this goroutine
		if isBackgroundGoroutine(g) {
			continue
		}
		out = append(out, g)
	}
	return out
}

func isBackgroundGoroutine(stack string) bool {
	for _, s := range []string{
		"testing.(*M).",
		"os/signal.signal_recv",
		"os/signal.loop",
		"runtime.ensureSigM",
	} {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return false
}
