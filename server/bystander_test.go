//go:build !js

package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// bystander is a well-behaved client that echoes numbered messages through
// the server, one at a time, while a test abuses the same server, so that
// the abuse's effect on others is measured.
//
// Its control does the same at the same time through a second server in
// the same process that nobody attacks. The attackers' own clients run in
// this process too and take their share of the CPU from both alike, as
// does whatever else runs on the machine; what the bystander suffers and
// its control does not is what the attacked server does to its other
// clients.
type bystander struct {
	c       *websocket.Conn
	cancel  context.CancelFunc
	done    chan struct{}
	control *bystander

	mu        sync.Mutex
	latencies []time.Duration
	err       error
}

// startBystander connects to url and echoes until stop, with a control on
// a server of its own.
func startBystander(t *testing.T, url string) *bystander {
	t.Helper()
	ctl := New(Options{Logger: quietLogger()})
	hs := httptest.NewServer(ctl.Handler(Echo))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = ctl.Shutdown(ctx)
		hs.Close()
	})
	control := dial(t, "ws"+hs.URL[len("http"):]+"/", nil)
	return startBystanderOn(dial(t, url, nil), control)
}

// startBystanderOn echoes through c, and its control through control, both
// plain connections to Echo, until stop.
func startBystanderOn(c, control *websocket.Conn) *bystander {
	b := newEchoer(c)
	b.control = newEchoer(control)
	return b
}

func newEchoer(c *websocket.Conn) *bystander {
	ctx, cancel := context.WithCancel(context.Background())
	b := &bystander{c: c, cancel: cancel, done: make(chan struct{})}
	go b.run(ctx)
	return b
}

func (b *bystander) run(ctx context.Context) {
	defer close(b.done)
	for i := 0; ctx.Err() == nil; i++ {
		want := strconv.Itoa(i)
		start := time.Now()
		err := b.c.Write(ctx, websocket.MessageText, []byte(want))
		var got []byte
		if err == nil {
			_, got, err = b.c.Read(ctx)
		}
		if ctx.Err() != nil {
			return
		}
		b.mu.Lock()
		if err == nil && string(got) != want {
			err = fmt.Errorf("echo %q, want %q", got, want)
		}
		if err != nil {
			b.err = err
			b.mu.Unlock()
			return
		}
		b.latencies = append(b.latencies, time.Since(start))
		b.mu.Unlock()
	}
}

// window returns what the bystander measured since the last call.
func (b *bystander) window() []time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.latencies
	b.latencies = nil
	return l
}

func (b *bystander) failure() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// The bounds on the bystander during an attack, against its control over
// the same time. A server that stalls its other clients for an attack (a
// lock held across a write to the attacker, a loop that does not yield, a
// write that waits for a client that does not read) breaks them; the CPU
// the attack costs does not, as the control pays it too.
const (
	// slowdownP99 is how many times the control's p99 latency the
	// bystander's may reach, and minP99Bound the least bound, as a p99 of a
	// few hundred microseconds is noise at this scale.
	slowdownP99 = 10
	minP99Bound = 100 * time.Millisecond
	// minThroughput is the least share of the control's round trips the
	// bystander makes.
	minThroughput = 0.25
)

// minAbuse is the least time an abuse must take for the bystander's rate
// during it to mean something: a shorter one is repeated (repeatFor).
const minAbuse = 500 * time.Millisecond

// baseline is how long the bystander is measured, for the log, before an
// abuse.
const baseline = 300 * time.Millisecond

// measure runs abuse while the bystander and its control echo, prints
// their figures before and during it, and checks the bystander's against
// the control's. The bystander must keep working throughout.
func (b *bystander) measure(t *testing.T, what string, abuse func()) {
	t.Helper()
	b.window()
	b.control.window()
	time.Sleep(baseline)
	before := b.window()
	b.control.window()
	start := time.Now()
	abuse()
	during := b.window()
	control := b.control.window()
	took := time.Since(start)
	t.Logf("bystander before: %s", summarize(before, baseline))
	t.Logf("bystander during %s (%v): %s", what, took.Round(time.Millisecond), summarize(during, took))
	t.Logf("its control meanwhile: %s", summarize(control, took))
	if err := b.failure(); err != nil {
		t.Errorf("the bystander failed during %s: %v", what, err)
	}
	if err := b.control.failure(); err != nil {
		t.Fatalf("the control failed: %v", err)
	}
	if took < minAbuse {
		t.Errorf("the abuse took %v, under the %v needed to measure the bystander: repeat it", took, minAbuse)
	}
	if len(during) == 0 {
		t.Errorf("the bystander got no echo at all during %s", what)
		return
	}
	if len(control) == 0 {
		t.Fatalf("the control got no echo at all during %s: the process did not run", what)
	}
	bound := max(slowdownP99*quantile(control, 0.99), minP99Bound)
	if p99 := quantile(during, 0.99); p99 >= bound {
		t.Errorf("the bystander's p99 latency during %s was %v, want under %v (%d× its control's, at least %v)",
			what, p99, bound, slowdownP99, minP99Bound)
	}
	if float64(len(during)) < minThroughput*float64(len(control)) {
		t.Errorf("the bystander made %d round trips during %s, want at least %.0f%% of its control's %d",
			len(during), what, 100*minThroughput, len(control))
	}
}

// repeatFor calls once until d has passed, and at least once; it returns
// how many times it did.
func repeatFor(d time.Duration, once func(i int)) int {
	start := time.Now()
	i := 0
	for ; i == 0 || time.Since(start) < d; i++ {
		once(i)
	}
	return i
}

func (b *bystander) stop() {
	for _, e := range []*bystander{b, b.control} {
		e.cancel()
		<-e.done
		_ = e.c.CloseNow()
	}
}

// quantile returns the p-quantile of l, which must not be empty.
func quantile(l []time.Duration, p float64) time.Duration {
	s := slices.Clone(l)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func summarize(l []time.Duration, over time.Duration) string {
	if len(l) == 0 {
		return "no round trips"
	}
	q := func(p float64) time.Duration { return quantile(l, p).Round(time.Microsecond) }
	return fmt.Sprintf("%d round trips, %.0f/s, p50 %v, p99 %v, max %v",
		len(l), float64(len(l))/over.Seconds(), q(0.5), q(0.99), q(1))
}

// liveHeap returns the bytes of live objects after a full collection: what
// is still referenced, without the fragmentation of the spans they are in.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// heapGrowth is the live heap's growth from base, at least zero.
func heapGrowth(base uint64) uint64 {
	return max(liveHeap(), base) - base
}

// heapSampler follows the live heap while an attack runs, so that its
// peak is seen and not only what is left after it.
//
// It reads what the last collection found live, which costs nothing: a
// sampler that forced collections would stall the bystander it measures
// beside. The heap growing is what starts a collection, so a peak is seen.
type heapSampler struct {
	base uint64
	stop chan struct{}
	done chan uint64
}

// sampleHeap starts sampling every 5 ms.
func sampleHeap() *heapSampler {
	h := &heapSampler{base: liveHeap(), stop: make(chan struct{}), done: make(chan uint64, 1)}
	go func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		var peak uint64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-h.stop:
				h.done <- max(peak, h.base) - h.base
				return
			case <-t.C:
			}
		}
	}()
	return h
}

// peak stops the sampling and returns the largest growth over the heap at
// the start.
func (h *heapSampler) peak() uint64 {
	close(h.stop)
	return <-h.done
}

// checkHeap checks that the live heap grew at most limit while an attack
// was at its height; why says what bounds it.
func checkHeap(t *testing.T, what string, grew, limit uint64, why string) {
	t.Helper()
	t.Logf("live heap growth during %s: %s (bound %s: %s)", what, mib(grew), mib(limit), why)
	if grew > limit {
		t.Errorf("%s grew the live heap by %s, want at most %s (%s)", what, mib(grew), mib(limit), why)
	}
}

func mib(b uint64) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }

func signedMiB(b int64) string { return fmt.Sprintf("%+.2f MiB", float64(b)/(1<<20)) }
