//go:build js && wasm

package main

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
)

// goSide is what the Go half of the page holds.
type goSide struct {
	goroutines int
	funcs      int64
	heap       uint64
	conns      int
}

func measureGoSide(k *socket) goSide {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return goSide{goroutines: runtime.NumGoroutine(), funcs: liveFuncs.Load(), heap: m.HeapAlloc, conns: k.transport.live}
}

// TestReconnectSoakReleasesEverything forces 300 reconnects of one socket
// and checks that the Go side is back exactly where it started: goroutines,
// live js.Funcs, browser sockets holding handlers, and the Go heap. (The
// end-to-end soak runs 1000 through the module's debug hook.)
func TestReconnectSoakReleasesEverything(t *testing.T) {
	const cycles = 300
	url := echoURL(t)
	b := testBridge(t)

	// A listener that only counts, so that the test itself keeps nothing.
	var opens atomic.Int64
	opened := make(chan struct{}, 1)
	counter, err := newFunc(func(safejs.Value, []safejs.Value) any {
		opens.Add(1)
		select {
		case opened <- struct{}{}:
		default:
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	target := newJS(t, "EventTarget")
	if _, err := target.Call("addEventListener", "open", counter); err != nil {
		t.Fatal(err)
	}
	v := callCreate(t, b, target, url, safejs.Undefined(), parseJSON(t, `{"delays": [0]}`))
	if isError(v) {
		t.Fatalf("create failed: %s", describe(v))
	}
	k := b.sockets[intOf(t, v, "id")]
	t.Cleanup(func() {
		_ = k.s.Close(0, "")
		_, _ = target.Call("removeEventListener", "open", counter)
		releaseFunc(counter)
	})
	reconnect, err := v.Get("reconnect")
	if err != nil {
		t.Fatal(err)
	}
	waitOpens := func(n int64) {
		t.Helper()
		deadline := time.After(wait)
		for opens.Load() < n {
			select {
			case <-opened:
			case <-deadline:
				t.Fatalf("timed out waiting for open %d", n)
			}
		}
	}
	cycle := func(n int) {
		t.Helper()
		for range n {
			want := opens.Load() + 1
			if r, err := reconnect.Invoke(); err != nil || isError(r) {
				t.Fatalf("reconnect failed: %v %s", err, describe(r))
			}
			waitOpens(want)
		}
	}

	waitOpens(1)
	cycle(50)
	// As after the run below: the last reconnect's old browser socket may
	// still be closing, and would count in before but not in after.
	before := measureGoSide(k)
	for deadline := time.Now().Add(wait); before.conns > 1 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		before = measureGoSide(k)
	}
	start := time.Now()
	cycle(cycles)
	took := time.Since(start)

	// The last reconnect's old browser socket may still be closing.
	var after goSide
	deadline := time.Now().Add(wait)
	for {
		after = measureGoSide(k)
		settled := after.goroutines <= before.goroutines && after.funcs == before.funcs && after.conns == before.conns
		if settled || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("%d forced reconnects in %v (%.1f ms each); before: %+v; after: %+v", cycles, took.Round(time.Millisecond),
		float64(took.Microseconds())/1000/cycles, before, after)
	if after.goroutines > before.goroutines {
		t.Errorf("goroutines: %d after, %d before", after.goroutines, before.goroutines)
	}
	if after.funcs != before.funcs {
		t.Errorf("live js.Funcs: %d after, %d before", after.funcs, before.funcs)
	}
	if after.conns != before.conns {
		t.Errorf("browser sockets holding handlers: %d after, %d before", after.conns, before.conns)
	}
	if grew := int64(after.heap) - int64(before.heap); grew > 256<<10 {
		t.Errorf("the Go heap grew by %d KiB over %d reconnects", grew>>10, cycles)
	}
}
