//go:build !js

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/heapprofiler"
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

// heapCensus sums up a heap snapshot of the page taken right after Go
// collected its garbage, which lets Go's finalizers release the JavaScript
// values Go no longer holds.
type heapCensus struct {
	// objects is the own size of every JavaScript and DOM object, less the
	// code and the table below, and count how many there are.
	objects, count int
	// code is the size of the code the browser compiled from the page's
	// scripts, which grows as it optimises what runs often.
	code int
	// table is the capacity of wasm_exec.js's table of the JavaScript values
	// Go refers to (the backing stores of Go._values, _goRefCounts, _idPool
	// and the hash table of _ids). It grows to the most values Go held at
	// once between two of its collections and never shrinks: freed slots
	// are kept for reuse.
	table int
	// program is the Go program's linear memory and compiled code: the Go
	// heap is measured by the debug hook instead.
	program int
	// byClass is the number and own size of the objects and code counted
	// above, by type and name, to show what grew.
	byClass map[string]classSize
}

// census takes a heap snapshot and sums it up.
func census(t *testing.T, p *page) heapCensus {
	t.Helper()
	s := takeSnapshot(t, p)
	c := heapCensus{byClass: map[string]classSize{}}
	excluded := map[int]*int{}
	// follow returns the node the edge of the given type and name leads to
	// from n, or -1.
	follow := func(n int, typ, name string) int {
		if n < 0 {
			return -1
		}
		for _, e := range s.edges(n) {
			if e.typ == typ && e.name == name {
				return e.to
			}
		}
		return -1
	}
	found := false
	for n := range s.count() {
		if s.typ(n) == "native" && strings.Contains(s.name(n), "WasmNativeModule") {
			excluded[n] = &c.program
		}
		if s.typ(n) != "object" || s.name(n) != "globalThis.Go" {
			continue
		}
		found = true
		for _, name := range []string{"_values", "_goRefCounts", "_idPool"} {
			if e := follow(follow(n, "property", name), "internal", "elements"); e >= 0 {
				excluded[e] = &c.table
			}
		}
		if e := follow(follow(n, "property", "_ids"), "internal", "table"); e >= 0 {
			excluded[e] = &c.table
		}
		if e := follow(follow(follow(n, "property", "mem"), "internal", "buffer"), "internal", "backing_store"); e >= 0 {
			excluded[e] = &c.program
		}
	}
	if !found {
		t.Fatal("the heap snapshot has no instance of wasm_exec.js's Go")
	}
	for n := range s.count() {
		size := s.selfSize(n)
		if into, ok := excluded[n]; ok {
			*into += size
			continue
		}
		if s.typ(n) == "code" {
			c.code += size
		} else {
			c.objects += size
			c.count++
		}
		class := c.byClass[s.typ(n)+" "+s.name(n)]
		class.count++
		class.bytes += size
		c.byClass[s.typ(n)+" "+s.name(n)] = class
	}
	return c
}

// classSize is how many objects of a class there are and their own size.
type classSize struct{ count, bytes int }

// grewMost describes the classes of objects and code that grew most from a
// to b, in number or else in bytes.
func grewMost(a, b heapCensus, inNumber bool) string {
	type growth struct {
		class string
		d     classSize
	}
	var all []growth
	for class, size := range b.byClass {
		d := classSize{size.count - a.byClass[class].count, size.bytes - a.byClass[class].bytes}
		if inNumber && d.count > 0 || !inNumber && d.bytes > 0 {
			all = append(all, growth{class, d})
		}
	}
	slices.SortFunc(all, func(x, y growth) int {
		if inNumber {
			return y.d.count - x.d.count
		}
		return y.d.bytes - x.d.bytes
	})
	var out strings.Builder
	for _, g := range all[:min(len(all), 10)] {
		name := g.class
		if len(name) > 120 {
			name = name[:120] + "…"
		}
		fmt.Fprintf(&out, "\n\t%+d objects, %+d B: %s", g.d.count, g.d.bytes, name)
	}
	return out.String()
}

// Bounds of the soak, from the end of its warm-up. A leak of even one small
// object per reconnect adds 1000 objects, 250 in the last quarter. What
// does grow is capacity, which adds bytes and no objects: Blink's set of the
// page's context observers, for one, grows to the most browser sockets alive
// at once, as the value table does (see below), about 24 KiB. The browser
// may also compile more code for a while, but the last quarter must show
// that this stopped too.
const (
	soakWarmup      = 250
	soakCycles      = 1000
	soakObjects     = 300
	soakObjectsLast = 100
	soakBytes       = 64 << 10
	soakBytesLast   = 32 << 10
	soakCodeLast    = 16 << 10
	soakGoHeapBound = 16 << 10
)

// TestReconnectSoakInChromium forces 1000 reconnects of one socket against
// the real server in each mode, and checks through the module's debug hook
// and heap snapshots that the Go side is back where it started (goroutines,
// live js.Funcs, heap, sockets) and that the page's heap is too, within a
// few KiB.
//
// The baseline is taken after a warm-up of 250 reconnects, in which the
// page's one-off objects appear. Two things grow after that without being
// leaks, so they are measured on their own: the browser's compiled code,
// which must stop growing (the last quarter), and wasm_exec.js's value
// table, which grows to the most JavaScript values Go held at once between
// two of its collections (each reconnect's browser socket and events stay
// in it until Go's finalizers run, and Go collects after about 4 MiB of
// allocation, a few hundred reconnects) and keeps that capacity; what
// counts is that the values in it are released, which the objects show.
func TestReconnectSoakInChromium(t *testing.T) {
	for _, mode := range []struct{ name, options string }{
		{"resume", `{delays: [0], resume: true}`},
		{"plain", `{delays: [0]}`},
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

			// measure waits until the server closed every old connection,
			// so that no browser socket is still closing, lets Go collect,
			// which releases the JavaScript values Go no longer holds, and
			// takes the page's snapshot.
			measure := func() (*goStats, heapCensus) {
				srv.waitStats("only the page's socket connected", func(st server.Stats) bool { return st.Clients == 1 })
				g := evaluate[*goStats](p, `h.goStats()`)
				return g, census(t, p)
			}
			evaluate[float64](p, fmt.Sprintf(`h.reconnectCycles(%d)`, soakWarmup))
			goBefore, before := measure()
			t.Logf("after %d reconnects of warm-up: objects %d, %.1f KiB, code %.1f KiB, value table %.1f KiB, Go %+v",
				soakWarmup, before.count, kib(before.objects), kib(before.code), kib(before.table), *goBefore)

			var took float64
			var last heapCensus
			for done := 0; done < soakCycles; {
				n := soakCycles / 4
				took += evaluate[float64](p, fmt.Sprintf(`h.reconnectCycles(%d)`, n))
				done += n
				if done == soakCycles {
					break
				}
				g, c := measure()
				last = c
				t.Logf("%d of %d reconnects (%.1f ms each): objects %+d, %+.1f KiB, code %+.1f KiB, value table %.1f KiB, Go %+v",
					done, soakCycles, took/float64(done), c.count-before.count, kib(c.objects-before.objects), kib(c.code-before.code), kib(c.table), *g)
			}

			// Settle: the last browser sockets may still be closing.
			var goAfter *goStats
			var after heapCensus
			deadline := time.Now().Add(pollTimeout)
			for {
				goAfter, after = measure()
				settled := after.count-before.count <= soakObjects && after.count-last.count <= soakObjectsLast &&
					after.objects-before.objects <= soakBytes && after.objects-last.objects <= soakBytesLast &&
					goAfter.Goroutines <= goBefore.Goroutines && goAfter.Funcs == goBefore.Funcs
				if settled || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			st := srv.stats()
			t.Logf("%d of %d reconnects in %.0f ms; the server accepted %d connections and has %d sessions",
				soakCycles, soakCycles, took, st.Accepted, st.Sessions)
			t.Logf("objects %d -> %d, %.1f KiB -> %.1f KiB (%+.1f KiB, the last quarter %+.1f KiB); code %+.1f KiB (the last quarter %+.1f KiB); value table %.1f KiB -> %.1f KiB; Go program %.0f KiB -> %.0f KiB; Go side %+v -> %+v",
				before.count, after.count, kib(before.objects), kib(after.objects), kib(after.objects-before.objects), kib(after.objects-last.objects),
				kib(after.code-before.code), kib(after.code-last.code),
				kib(before.table), kib(after.table), kib(before.program), kib(after.program), *goBefore, *goAfter)
			if errs := evaluate[int](p, `h.soak.errors`); errs != 0 {
				t.Errorf("%d error events during the soak", errs)
			}
			if mode.name == "resume" && st.Sessions != 1 {
				t.Errorf("%d sessions live on the server, want the page's one, resumed every time", st.Sessions)
			}
			if grew := after.count - before.count; grew > soakObjects {
				t.Errorf("the page has %d more objects after %d reconnects; most:%s", grew, soakCycles, grewMost(before, after, true))
			}
			if grew := after.count - last.count; grew > soakObjectsLast {
				t.Errorf("the page has %d more objects after the last %d reconnects; most:%s", grew, soakCycles/4, grewMost(last, after, true))
			}
			if grew := after.objects - before.objects; grew > soakBytes {
				t.Errorf("the page's objects grew by %.1f KiB over %d reconnects; most:%s", kib(grew), soakCycles, grewMost(before, after, false))
			}
			if grew := after.objects - last.objects; grew > soakBytesLast {
				t.Errorf("the page's objects grew by %.1f KiB over the last %d reconnects; most:%s", kib(grew), soakCycles/4, grewMost(last, after, false))
			}
			if grew := after.code - last.code; grew > soakCodeLast {
				t.Errorf("the page's compiled code grew by %.1f KiB over the last %d reconnects; most:%s", kib(grew), soakCycles/4, grewMost(last, after, false))
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
			if grew := goAfter.Heap - goBefore.Heap; grew > soakGoHeapBound {
				t.Errorf("the Go heap grew by %.1f KiB over %d reconnects", kib(grew), soakCycles)
			}
		})
	}
}

// kib converts bytes to KiB.
func kib(n int) float64 { return float64(n) / 1024 }

// heapSnapshot is a heap snapshot of a page as HeapProfiler.takeHeapSnapshot
// writes it: nodes and edges are flat arrays of fields that meta names.
type heapSnapshot struct {
	Snapshot struct {
		Meta struct {
			NodeFields []string          `json:"node_fields"`
			NodeTypes  []json.RawMessage `json:"node_types"`
			EdgeFields []string          `json:"edge_fields"`
			EdgeTypes  []json.RawMessage `json:"edge_types"`
		} `json:"meta"`
	} `json:"snapshot"`
	Nodes   []int    `json:"nodes"`
	Edges   []int    `json:"edges"`
	Strings []string `json:"strings"`

	nodeTypes, edgeTypes []string
	// field offsets within a node and an edge, and their sizes
	nodeSize, typeAt, nameAt, selfSizeAt, edgeCountAt int
	edgeSize, edgeTypeAt, edgeNameAt, toNodeAt        int
	// firstEdge[n] is where node n's edges start in Edges.
	firstEdge []int
}

// snapshotEdge is an edge from one node to another.
type snapshotEdge struct {
	typ, name string
	to        int
}

// takeSnapshot takes a heap snapshot of the page, which collects its
// garbage first.
func takeSnapshot(t *testing.T, p *page) *heapSnapshot {
	t.Helper()
	var mu sync.Mutex
	var raw bytes.Buffer
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	if err := chromedp.Listen(ctx, func(ev any) {
		if c, ok := ev.(*heapprofiler.EventAddHeapSnapshotChunk); ok {
			mu.Lock()
			raw.WriteString(c.Chunk)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("failed to listen for the heap snapshot: %v", err)
	}
	if _, err := chromedp.Call(p.ctx, heapprofiler.TakeHeapSnapshot, heapprofiler.TakeHeapSnapshotParams{}); err != nil {
		t.Fatalf("failed to take a heap snapshot: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	s := new(heapSnapshot)
	if err := json.Unmarshal(raw.Bytes(), s); err != nil {
		t.Fatalf("failed to decode the heap snapshot: %v", err)
	}
	if err := s.index(); err != nil {
		t.Fatalf("failed to read the heap snapshot: %v", err)
	}
	return s
}

// index finds the fields the methods read and where each node's edges are.
func (s *heapSnapshot) index() error {
	m := s.Snapshot.Meta
	if len(m.NodeTypes) == 0 || json.Unmarshal(m.NodeTypes[0], &s.nodeTypes) != nil ||
		len(m.EdgeTypes) == 0 || json.Unmarshal(m.EdgeTypes[0], &s.edgeTypes) != nil {
		return errors.New("no node or edge types in its meta")
	}
	at := func(fields []string, name string) int {
		for i, f := range fields {
			if f == name {
				return i
			}
		}
		return -1
	}
	s.nodeSize, s.edgeSize = len(m.NodeFields), len(m.EdgeFields)
	s.typeAt, s.nameAt = at(m.NodeFields, "type"), at(m.NodeFields, "name")
	s.selfSizeAt, s.edgeCountAt = at(m.NodeFields, "self_size"), at(m.NodeFields, "edge_count")
	s.edgeTypeAt, s.edgeNameAt, s.toNodeAt = at(m.EdgeFields, "type"), at(m.EdgeFields, "name_or_index"), at(m.EdgeFields, "to_node")
	for _, i := range []int{s.typeAt, s.nameAt, s.selfSizeAt, s.edgeCountAt, s.edgeTypeAt, s.edgeNameAt, s.toNodeAt} {
		if i < 0 {
			return fmt.Errorf("a field is missing from its meta %+v", m)
		}
	}
	s.firstEdge = make([]int, s.count()+1)
	for n := range s.count() {
		s.firstEdge[n+1] = s.firstEdge[n] + s.Nodes[n*s.nodeSize+s.edgeCountAt]*s.edgeSize
	}
	if s.firstEdge[s.count()] != len(s.Edges) {
		return fmt.Errorf("its nodes have %d edge fields, it has %d", s.firstEdge[s.count()], len(s.Edges))
	}
	return nil
}

func (s *heapSnapshot) count() int         { return len(s.Nodes) / s.nodeSize }
func (s *heapSnapshot) typ(n int) string   { return s.nodeTypes[s.Nodes[n*s.nodeSize+s.typeAt]] }
func (s *heapSnapshot) name(n int) string  { return s.Strings[s.Nodes[n*s.nodeSize+s.nameAt]] }
func (s *heapSnapshot) selfSize(n int) int { return s.Nodes[n*s.nodeSize+s.selfSizeAt] }

// edges returns the edges from node n.
func (s *heapSnapshot) edges(n int) []snapshotEdge {
	var out []snapshotEdge
	for e := s.firstEdge[n]; e < s.firstEdge[n+1]; e += s.edgeSize {
		typ := s.edgeTypes[s.Edges[e+s.edgeTypeAt]]
		name := fmt.Sprint(s.Edges[e+s.edgeNameAt])
		if typ != "element" && typ != "hidden" {
			name = s.Strings[s.Edges[e+s.edgeNameAt]]
		}
		out = append(out, snapshotEdge{typ, name, s.Edges[e+s.toNodeAt] / s.nodeSize})
	}
	return out
}
