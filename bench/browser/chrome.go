package main

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browserVersion is Chromium's product string, such as "Chrome/146.0…".
func browserVersion(ctx context.Context) string {
	v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		return "unknown"
	}
	return v.Product
}

// evaluate returns the value of the JavaScript expression, awaiting it when
// it is a Promise, within timeout.
func evaluate[T any](ctx context.Context, timeout time.Duration, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return v, fmt.Errorf("failed to evaluate %s: %w", expr, err)
	}
	return v, nil
}

// poll waits until the JavaScript expression cond is truthy.
func poll(ctx context.Context, timeout time.Duration, cond string) error {
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond,
		chromedp.WithPollingInterval(5*time.Millisecond),
		chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		return fmt.Errorf("failed waiting for %s: %w", cond, err)
	}
	return nil
}

// jsHeap collects garbage in the page and returns the V8 heap in use and the
// ArrayBuffer backing stores (where Go's linear memory lives), in bytes.
func jsHeap(ctx context.Context) (used, backing float64, err error) {
	// Twice: objects that only the first collection made unreachable, such
	// as those behind finalizers, go in the second.
	for range 2 {
		if _, err := chromedp.Call(ctx, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
			return 0, 0, fmt.Errorf("failed to collect garbage: %w", err)
		}
	}
	h, err := chromedp.Call(ctx, cdpruntime.GetHeapUsage, cdp.Empty{})
	if err != nil {
		return 0, 0, fmt.Errorf("failed to read the heap usage: %w", err)
	}
	return h.UsedSize, h.BackingStorageSize, nil
}

// clockOffset is the page's wall clock (performance.timeOrigin + now())
// minus Go's, in ms, taken from the call that came back fastest of a few.
func clockOffset(ctx context.Context) (float64, error) {
	best, offset := time.Duration(1<<62), 0.0
	for range 20 {
		before := time.Now()
		page, err := evaluate[float64](ctx, 5*time.Second, "bench.now()")
		if err != nil {
			return 0, err
		}
		after := time.Now()
		if d := after.Sub(before); d < best {
			best = d
			mid := before.Add(d / 2)
			offset = page - float64(mid.UnixNano())/1e6
		}
	}
	return offset, nil
}
