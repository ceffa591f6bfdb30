//go:build !js

package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// pollTimeout bounds one wait for a page condition. It is shorter than any
// test's deadline, so that a failed wait still reads the page's state.
const pollTimeout = 10 * time.Second

// testContext returns a context that holds the shared browser and ends after
// d, or skips the test when there is no browser.
func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	ctx, cancel := context.WithTimeout(browserCtx, d)
	t.Cleanup(cancel)
	return ctx
}

// page is one browser tab driven by a test.
type page struct {
	t    *testing.T
	name string
	ctx  context.Context
	// dump is a JavaScript expression giving the page's state as a string,
	// printed when a wait fails.
	dump string

	mu      sync.Mutex
	console []string
}

// openPage opens url in a new tab and waits until the JavaScript expression
// ready is truthy. The tab closes when the test ends; its console is printed
// if the test failed.
func openPage(t *testing.T, ctx context.Context, name, url, ready, dump string) *page {
	t.Helper()
	return openPageWith(t, ctx, name, url, ready, dump, "")
}

// openPageWith is openPage with a script that runs in the page before any
// of its own, if not "".
func openPageWith(t *testing.T, ctx context.Context, name, url, ready, dump, first string) *page {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	p := &page{t: t, name: name, ctx: tab, dump: dump}
	consoleDone := make(chan struct{})
	t.Cleanup(func() {
		cancel()
		<-consoleDone
		if t.Failed() {
			p.mu.Lock()
			defer p.mu.Unlock()
			for _, line := range p.console {
				t.Logf("%s console: %s", name, line)
			}
		}
	})

	if err := chromedp.Do(tab); err != nil {
		close(consoleDone)
		t.Fatalf("%s: failed to open a tab: %v", name, err)
	}
	messages := chromedp.Console(tab)
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, m.String())
			p.mu.Unlock()
		}
	}()

	if first != "" {
		if _, err := chromedp.Call(tab, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: first}); err != nil {
			t.Fatalf("%s: failed to add the first script: %v", name, err)
		}
	}
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		t.Fatalf("%s: failed to load %s: %v", name, url, err)
	}
	p.waitFor("the page to be ready", ready)
	return p
}

// evaluate returns the value of the JavaScript expression, awaiting it when
// it is a Promise.
func evaluate[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: failed to evaluate %s: %v\n  state: %s", p.name, expr, err, p.state())
	}
	return v
}

// run evaluates the JavaScript expression for its effect.
func (p *page) run(expr string) {
	p.t.Helper()
	evaluate[chromedp.Void](p, expr)
}

// waitFor polls the page until the JavaScript expression cond is truthy.
func (p *page) waitFor(what, cond string) {
	p.t.Helper()
	p.waitForWithin(what, cond, pollTimeout)
}

// waitForWithin is waitFor with its own timeout.
func (p *page) waitForWithin(what, cond string, timeout time.Duration) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](cond,
		chromedp.WithPollingInterval(10*time.Millisecond),
		chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		p.t.Fatalf("%s: failed waiting for %s: %v\n  condition: %s\n  state: %s", p.name, what, err, cond, p.state())
	}
}

// state returns the page's state for a failure message.
func (p *page) state() string {
	if p.dump == "" {
		return "(none)"
	}
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](p.dump))
	if err != nil {
		return "unavailable: " + err.Error()
	}
	return s
}
