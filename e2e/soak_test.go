//go:build !js

package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/resock/resock/server"
)

// goStats is what the module's debug hook reports about the Go side.
type goStats struct {
	Goroutines int `json:"goroutines"`
	Funcs      int `json:"funcs"`
	Heap       int `json:"heap"` // 0 when the build does not report it
	Sockets    int `json:"sockets"`
}

// jsHeap collects the page's garbage and returns the JavaScript heap in use.
func jsHeap(p *page) float64 {
	p.t.Helper()
	for range 2 {
		if _, err := chromedp.Call(p.ctx, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
			p.t.Fatalf("failed to collect garbage: %v", err)
		}
	}
	u, err := chromedp.Call(p.ctx, cdpruntime.GetHeapUsage, cdp.Empty{})
	if err != nil {
		p.t.Fatalf("failed to read the heap usage: %v", err)
	}
	return u.UsedSize
}

// TestReconnectSoakInChromium forces reconnects of one socket against the
// real server, 1000 in resume mode and 200 in plain mode, and checks through
// the module's debug hook that the Go side is back where it started
// (goroutines, live js.Funcs, heap) and that the JavaScript heap stopped
// growing: the first few hundred reconnects warm the engine up (compiled
// code, tables reaching their size), so the heap is compared between the
// middle and the end of the run.
func TestReconnectSoakInChromium(t *testing.T) {
	for _, mode := range []struct {
		name    string
		options string
		cycles  int
	}{
		{"resume", `{delays: [0], resume: true}`, 1000},
		{"plain", `{delays: [0]}`, 200},
	} {
		t.Run(mode.name, func(t *testing.T) {
			ctx := testContext(t, 2*time.Minute)
			srv := startDemo(t)
			p := openHarness(t, ctx, "page", srv)
			if g := evaluate[*goStats](p, `h.goStats()`); g == nil || g.Heap <= 0 {
				t.Fatal("the module has no debug hook __resockDebug() reporting the Go heap (build tag resock_memstats)")
			}
			p.run(fmt.Sprintf(`h.soakSocket(%s, %s)`, js(srv.wsURL("/echo")), mode.options))
			p.waitFor("the socket to open", `h.soak.opens === 1`)

			// measure lets Go collect first, which releases the JavaScript
			// values Go no longer holds, then the page.
			measure := func() (*goStats, float64) {
				g := evaluate[*goStats](p, `h.goStats()`)
				return g, jsHeap(p)
			}
			half := mode.cycles / 2
			took := evaluate[float64](p, fmt.Sprintf(`h.reconnectCycles(%d)`, half))
			goBefore, heapBefore := measure()
			took += evaluate[float64](p, fmt.Sprintf(`h.reconnectCycles(%d)`, mode.cycles-half))
			st := srv.waitStats("only the page's socket connected", func(st server.Stats) bool { return st.Clients == 1 })

			// The old browser sockets may still be closing.
			var goAfter *goStats
			var heapAfter float64
			deadline := time.Now().Add(pollTimeout)
			for {
				goAfter, heapAfter = measure()
				settled := heapAfter-heapBefore < 64<<10 && goAfter.Goroutines <= goBefore.Goroutines && goAfter.Funcs == goBefore.Funcs
				if settled || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Logf("%d reconnects in %.0f ms (%.1f ms each); the server accepted %d connections and has %d sessions",
				mode.cycles, took, took/float64(mode.cycles), st.Accepted, st.Sessions)
			t.Logf("over the last %d: JavaScript heap %.0f KiB -> %.0f KiB (%+.1f KiB); Go side %+v -> %+v",
				mode.cycles-half, heapBefore/1024, heapAfter/1024, (heapAfter-heapBefore)/1024, *goBefore, *goAfter)
			if errs := evaluate[int](p, `h.soak.errors`); errs != 0 {
				t.Errorf("%d error events during the soak", errs)
			}
			if mode.name == "resume" && st.Sessions != 1 {
				t.Errorf("%d sessions live on the server, want the page's one, resumed every time", st.Sessions)
			}
			if grew := heapAfter - heapBefore; grew > 64<<10 {
				t.Errorf("the JavaScript heap grew by %.0f KiB over %d reconnects", grew/1024, mode.cycles-half)
			}
			if goAfter.Goroutines > goBefore.Goroutines {
				t.Errorf("goroutines: %d after, %d before", goAfter.Goroutines, goBefore.Goroutines)
			}
			if goAfter.Funcs != goBefore.Funcs {
				t.Errorf("live js.Funcs: %d after, %d before", goAfter.Funcs, goBefore.Funcs)
			}
			if goAfter.Sockets != goBefore.Sockets {
				t.Errorf("sockets tracked by Go: %d after, %d before", goAfter.Sockets, goBefore.Sockets)
			}
			if grew := goAfter.Heap - goBefore.Heap; grew > 64<<10 {
				t.Errorf("the Go heap grew by %d KiB over %d reconnects", grew>>10, mode.cycles-half)
			}
		})
	}
}
