package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/resock/resock/internal/cpushare"
)

// client is one contender, as the page names and makes it.
type client struct {
	name  string // the page's socket name
	label string // in the table
	lib   string // the page's constructor
	opts  string // JavaScript options object
	// heapLib is the constructor for the heap figures: resock's build with
	// the heap hook, whose Go heap the page can read.
	heapLib string
}

var clients = []client{
	{"websocket", "browser WebSocket", "websocket", "{}", "websocket"},
	{"resock-plain", "resock plain", "resock", "{}", "resock-hook"},
	{"resock-resume", "resock resume", "resock", "{resume: true}", "resock-hook"},
	{"partysocket", "partysocket 1.3.0", "partysocket", "{}", "partysocket"},
	{"rws", "reconnecting-websocket 4.4.0", "rws", "{}", "rws"},
}

// rotated returns clients starting at the i-th, so that across rounds each
// client runs in each position.
func rotated(i int) []client {
	i %= len(clients)
	return append(slices.Clone(clients[i:]), clients[:i]...)
}

func (b *bench) eval(timeout time.Duration, expr string) error {
	_, err := evaluate[chromedp.Void](b.ctx, timeout, expr)
	return err
}

// load opens the benchmark page.
func (b *bench) load(url string) error {
	b.pageURL = url
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url+"/")); err != nil {
		return fmt.Errorf("failed to load the page: %w", err)
	}
	if err := poll(b.ctx, 30*time.Second, "window.bench?.ready === true"); err != nil {
		return err
	}
	isolated, err := evaluate[bool](b.ctx, 5*time.Second, "crossOriginIsolated")
	if err != nil {
		return err
	}
	if !isolated {
		return fmt.Errorf("the page is not cross-origin isolated, so its clock is coarse")
	}
	return b.eval(5*time.Second, fmt.Sprintf("bench.setEchoURL(%q)", b.echo.url()))
}

func (b *bench) measure() (*results, error) {
	res := &results{}
	steps := []struct {
		name string
		run  func(*results) error
	}{
		{"import to first open", b.coldOpens},
		{"open the clients", b.openClients},
		{"throughput", b.throughput},
		{"latency", b.latency},
		{"reconnect after server restarts", b.restarts},
		{"heap after forced reconnects", b.heaps},
	}
	for _, s := range steps {
		start, cpu := time.Now(), cpushare.Take()
		progress("%s …", s.name)
		if err := s.run(res); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		other := cpushare.Others(cpu, cpushare.Take())
		res.OtherCPU = append(res.OtherCPU, otherCPU{Step: s.name, Share: other})
		progress("%s done in %.1f s; other processes took %.0f%% of the CPU meanwhile", s.name, time.Since(start).Seconds(), 100*other)
	}
	var err error
	res.resources, err = evaluate[[]resource](b.ctx, 5*time.Second, "bench.resources()")
	return res, err
}

// coldOpens measures import to first open as on a first visit: each round
// in a fresh browser context (its own renderer, HTTP cache and compiled
// code), where the page imports every client once, in rotating order.
func (b *bench) coldOpens(res *results) error {
	for r := range b.c.ColdRounds {
		if err := b.coldRound(res, r); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) coldRound(res *results, r int) error {
	tab, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	fresh := &bench{ctx: tab, c: b.c, echo: b.echo}
	if err := fresh.load(b.pageURL); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, c := range rotated(r) {
		if seen[c.lib] {
			continue // resock plain and resume share one module
		}
		seen[c.lib] = true
		ms, err := evaluate[float64](tab, time.Minute, fmt.Sprintf("bench.coldOpen(%q, %q)", c.lib, fmt.Sprintf("r%d", r)))
		if err != nil {
			return err
		}
		res.ColdOpen = append(res.ColdOpen, coldOpen{Client: c.lib, Round: r, MS: ms})
	}
	return nil
}

func (b *bench) openClients(*results) error {
	for _, c := range clients {
		if err := b.eval(time.Minute, fmt.Sprintf("bench.open(%q, %q, %s)", c.name, c.lib, c.opts)); err != nil {
			return err
		}
	}
	return nil
}

type echoRun struct {
	Messages int     `json:"messages"`
	MS       float64 `json:"ms"`
}

// throughput runs the echo loops: a short warm-up of each, then rounds in
// which every size runs every cell of every client, the clients of a cell
// one after the other in an order that rotates, so that the ratio of each
// to the browser WebSocket compares runs a few seconds apart.
func (b *bench) throughput(res *results) error {
	// failed holds the client, cell and size triples that failed once: they
	// are not run again, and the table says why.
	failed := map[string]bool{}
	fail := func(c client, k cell, size int, err error) error {
		failed[runKey(c.name, k, size)] = true
		res.Failures = append(res.Failures, failure{Client: c.name, Send: k.Send, Receive: k.Receive, Size: size, Err: err.Error()})
		progress("%s, %s at %s failed: %v", c.name, k, sizeName(size), err)
		return b.eval(time.Minute, fmt.Sprintf("bench.settle(%q, 500)", c.name))
	}
	start := time.Now()
	for _, size := range b.c.Sizes {
		for _, k := range b.c.Cells {
			for _, c := range clients {
				if _, err := b.echoRun(c, k, size, b.c.Warmup); err != nil {
					if err := fail(c, k, size, err); err != nil {
						return err
					}
				}
			}
		}
		progress("warm-up at %s done", sizeName(size))
	}
	progress("warm-up done in %.0f s", time.Since(start).Seconds())
	start = time.Now()
	steps, step := b.c.Rounds*len(b.c.Sizes), 0
	for r := range b.c.Rounds {
		for _, size := range b.c.Sizes {
			b.waitQuiet()
			for _, k := range b.c.Cells {
				cpu := cpushare.Take()
				first := len(res.Throughput)
				var base float64
				var line strings.Builder
				fmt.Fprintf(&line, "round %d/%d, %s, %s:", r+1, b.c.Rounds, sizeName(size), k)
				for _, c := range rotated(r) {
					if failed[runKey(c.name, k, size)] {
						continue
					}
					before := b.echo.wireBytes()
					run, err := b.echoRun(c, k, size, b.c.Duration)
					if err != nil {
						if err := fail(c, k, size, err); err != nil {
							return err
						}
						continue
					}
					wire := b.echo.wireBytes() - before
					rate := float64(run.Messages) / (run.MS / 1000)
					res.Throughput = append(res.Throughput, throughputRun{
						Client: c.name, Send: k.Send, Receive: k.Receive, Size: size, Round: r,
						Messages: run.Messages, MS: run.MS, PerSecond: rate, WireBytes: wire,
					})
					if c.name == "websocket" {
						base = rate
					}
				}
				other := cpushare.Others(cpu, cpushare.Take())
				for _, c := range clients {
					for i := first; i < len(res.Throughput); i++ {
						t := &res.Throughput[i]
						if t.Client != c.name {
							continue
						}
						t.OtherCPU = other
						if c.name == "websocket" || base == 0 {
							fmt.Fprintf(&line, " %s %s/s", c.name, thousands(t.PerSecond))
						} else {
							fmt.Fprintf(&line, " %s %.2f×", c.name, t.PerSecond/base)
						}
					}
				}
				if other > quietShare {
					fmt.Fprintf(&line, "; other processes %.0f%%", 100*other)
				}
				progress("%s", line.String())
			}
			step++
			left := time.Duration(float64(time.Since(start)) / float64(step) * float64(steps-step))
			progress("round %d/%d, %s done; throughput about %s more", r+1, b.c.Rounds, sizeName(size), left.Round(time.Second))
		}
	}
	return nil
}

// runKey names a client's runs of one cell and size.
func runKey(client string, k cell, size int) string {
	return fmt.Sprintf("%s/%s/%d", client, k, size)
}

// waitQuiet waits, for 5 s at most, until other processes leave the CPU
// alone: the machine is shared, and a round run beside a test suite says
// more about the suite than about the clients.
func (b *bench) waitQuiet() {
	const limit, window = 0.15, 300 * time.Millisecond
	deadline := time.Now().Add(5 * time.Second)
	for waited := false; ; waited = true {
		a := cpushare.Take()
		time.Sleep(window)
		other := cpushare.Others(a, cpushare.Take())
		if other < limit {
			return
		}
		if time.Now().After(deadline) {
			progress("other processes still take %.0f%% of the CPU; measuring anyway", 100*other)
			return
		}
		if !waited {
			progress("other processes take %.0f%% of the CPU; waiting for them", 100*other)
		}
	}
}

// echoRun runs one throughput loop. A run that fails takes at most the
// resume heartbeat's interval and timeout (15 s) plus a margin.
func (b *bench) echoRun(c client, k cell, size int, d time.Duration) (echoRun, error) {
	return evaluate[echoRun](b.ctx, d+20*time.Second,
		fmt.Sprintf("bench.throughput(%q, %q, %q, %d, %d, %d)", c.name, k.Send, k.Receive, size, b.c.InFlight, d.Milliseconds()))
}

func sizeName(n int) string {
	if n >= 1024 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d B", n)
}

// latency measures round trips of 16 bytes with one in flight, in rounds.
func (b *bench) latency(res *results) error {
	samples := map[string][]float64{}
	for r := range b.c.Rounds {
		for _, c := range rotated(r) {
			s, err := evaluate[[]float64](b.ctx, time.Minute, fmt.Sprintf("bench.latency(%q, 16, %d)", c.name, b.c.LatencyCount))
			if err != nil {
				return err
			}
			samples[c.name] = append(samples[c.name], s...)
		}
	}
	for _, c := range clients {
		s := samples[c.name]
		res.Latency = append(res.Latency, latency{
			Client: c.name, Samples: len(s),
			P50: percentile(s, 50), P99: percentile(s, 99), Mean: mean(s),
		})
	}
	return nil
}

// restarts restarts the echo server and measures, for every reconnecting
// client, the time from the server listening again to the client's open.
func (b *bench) restarts(res *results) error {
	offset, err := clockOffset(b.ctx)
	if err != nil {
		return err
	}
	var reconnecting []client
	for _, c := range clients {
		if c.lib != "websocket" {
			reconnecting = append(reconnecting, c)
		}
	}
	for i := range b.c.Restarts {
		before := map[string]int{}
		for _, c := range reconnecting {
			n, err := evaluate[int](b.ctx, 5*time.Second, fmt.Sprintf("bench.opens(%q).length", c.name))
			if err != nil {
				return err
			}
			before[c.name] = n
		}
		if err := b.echo.stop(); err != nil {
			return err
		}
		select {
		case <-time.After(b.c.Downtime):
		case <-b.ctx.Done():
			return b.ctx.Err()
		}
		if err := b.echo.start(); err != nil {
			return err
		}
		listenAt := float64(b.echo.listenAt.UnixNano())/1e6 + offset
		var last float64
		line := fmt.Sprintf("restart %d/%d:", i+1, b.c.Restarts)
		for _, c := range reconnecting {
			cond := fmt.Sprintf("bench.opens(%q).length > %d", c.name, before[c.name])
			if err := poll(b.ctx, time.Minute, cond); err != nil {
				return err
			}
			at, err := evaluate[float64](b.ctx, 5*time.Second, fmt.Sprintf("bench.opens(%q)[%d]", c.name, before[c.name]))
			if err != nil {
				return err
			}
			ms := at - listenAt
			res.Reconnect = append(res.Reconnect, reconnectRun{Client: c.name, Restart: i, MS: ms})
			line += fmt.Sprintf(" %s %.0f ms", c.name, ms)
			last = max(last, at)
		}
		progress("%s", line)
		// Every client resets its backoff after 1 s up (minUptime), so each
		// restart finds them all as a first drop.
		now, err := evaluate[float64](b.ctx, 5*time.Second, "bench.now()")
		if err != nil {
			return err
		}
		if wait := time.Duration((last + 1200 - now) * float64(time.Millisecond)); wait > 0 {
			select {
			case <-time.After(wait):
			case <-b.ctx.Done():
				return b.ctx.Err()
			}
		}
	}
	return nil
}

// goStats is what the heap hook in resock.wasm reports.
type goStats struct {
	HeapAlloc   float64 `json:"heapAlloc"`
	HeapInuse   float64 `json:"heapInuse"`
	HeapObjects float64 `json:"heapObjects"`
	StackInuse  float64 `json:"stackInuse"`
	Sys         float64 `json:"sys"`
	Goroutines  int     `json:"goroutines"`
	LiveFuncs   int     `json:"liveFuncs"`
}

// heaps forces reconnects of each client and compares the heaps before and
// after. resock runs here from its build with the heap hook.
func (b *bench) heaps(res *results) error {
	for _, c := range clients {
		name := "heap-" + c.name
		if err := b.eval(time.Minute, fmt.Sprintf("bench.open(%q, %q, %s)", name, c.heapLib, c.opts)); err != nil {
			return err
		}
		if err := b.eval(time.Minute, fmt.Sprintf("bench.reconnects(%q, 20)", name)); err != nil {
			return err
		}
		var h heap
		h.Client = c.name
		h.Reconnects = b.c.Reconnects
		var err error
		withGo := c.heapLib == "resock-hook"
		if h.Before, err = b.heapNow(withGo); err != nil {
			return err
		}
		h.MS, err = evaluate[float64](b.ctx, 10*time.Minute, fmt.Sprintf("bench.reconnects(%q, %d)", name, b.c.Reconnects))
		if err != nil {
			return err
		}
		if h.After, err = b.heapNow(withGo); err != nil {
			return err
		}
		line := fmt.Sprintf("%s: %d reconnects in %.1f s; JS heap %+.0f KiB", c.name, b.c.Reconnects, h.MS/1000,
			(h.After.JSUsed-h.Before.JSUsed)/1024)
		if withGo {
			line += fmt.Sprintf(", Go heap %+.0f KiB", goHeap(h.After)-goHeap(h.Before))
		}
		progress("%s", line)
		res.Heap = append(res.Heap, h)
	}
	return nil
}

func goHeap(s heapSnapshot) float64 {
	if s.Go == nil {
		return math.NaN()
	}
	return s.Go.HeapAlloc / 1024
}

// heapNow collects garbage and reads the heaps; the Go heap only withGo.
func (b *bench) heapNow(withGo bool) (heapSnapshot, error) {
	var s heapSnapshot
	if withGo {
		// The Go side first: its collection lets go of JavaScript values.
		g, err := evaluate[*goStats](b.ctx, 30*time.Second, "bench.goStats()")
		if err != nil {
			return s, err
		}
		if g == nil {
			return s, fmt.Errorf("resock.wasm has no heap hook")
		}
		s.Go = g
	}
	var err error
	s.JSUsed, s.Backing, err = jsHeap(b.ctx)
	return s, err
}

// percentile is the p-th percentile of s, or 0 for no samples (JSON has
// no NaN).
func percentile(s []float64, p float64) float64 {
	if len(s) == 0 {
		return 0
	}
	s = slices.Clone(s)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// median is the median of s, or 0 for no samples.
func median(s []float64) float64 {
	if len(s) == 0 {
		return 0
	}
	s = slices.Clone(s)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func mean(s []float64) float64 {
	var sum float64
	for _, v := range s {
		sum += v
	}
	return sum / float64(len(s))
}
