//go:build !js

package server

import (
	"context"
	"fmt"
	"runtime"
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
type bystander struct {
	c      *websocket.Conn
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	latencies []time.Duration
	err       error
}

// startBystander connects to url and echoes until stop.
func startBystander(t *testing.T, url string) *bystander {
	t.Helper()
	c := dial(t, url, nil)
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

// measure runs abuse while the bystander echoes, and prints the
// bystander's figures before and during it. The bystander must keep
// working throughout.
func (b *bystander) measure(t *testing.T, what string, baseline time.Duration, abuse func()) {
	t.Helper()
	b.window()
	time.Sleep(baseline)
	before := b.window()
	start := time.Now()
	abuse()
	during := b.window()
	took := time.Since(start)
	t.Logf("bystander before: %s", summarize(before, baseline))
	t.Logf("bystander during %s (%v): %s", what, took.Round(time.Millisecond), summarize(during, took))
	b.mu.Lock()
	err := b.err
	b.mu.Unlock()
	if err != nil {
		t.Errorf("the bystander failed during %s: %v", what, err)
	}
	if len(during) == 0 {
		t.Errorf("the bystander got no echo at all during %s", what)
	}
}

func (b *bystander) stop() {
	b.cancel()
	<-b.done
}

func summarize(l []time.Duration, over time.Duration) string {
	if len(l) == 0 {
		return "no round trips"
	}
	s := slices.Clone(l)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))].Round(time.Microsecond) }
	return fmt.Sprintf("%d round trips, %.0f/s, p50 %v, p99 %v, max %v",
		len(s), float64(len(s))/over.Seconds(), q(0.5), q(0.99), s[len(s)-1].Round(time.Microsecond))
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

func mib(b uint64) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }

func signedMiB(b int64) string { return fmt.Sprintf("%+.2f MiB", float64(b)/(1<<20)) }
