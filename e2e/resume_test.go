//go:build !js

package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/resock/resock/demo"
	"github.com/resock/resock/internal/faultproxy"
	"github.com/resock/resock/server"
)

// counterApp echoes every client message and, meanwhile, sends n numbered
// messages of its own; it checks that the client's messages arrive once and
// in order.
type counterApp struct {
	n int

	mu       sync.Mutex
	received int
	errs     []string
}

func (a *counterApp) serve(ctx context.Context, c *server.Conn) {
	go func() {
		for i := range a.n {
			if err := c.Write(ctx, server.MessageText, []byte("s"+strconv.Itoa(i))); err != nil {
				return
			}
		}
	}()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		a.mu.Lock()
		if got, want := string(data), "c"+strconv.Itoa(a.received); got != want && len(a.errs) < 10 {
			a.errs = append(a.errs, fmt.Sprintf("server got %q, want %q", got, want))
		}
		a.received++
		a.mu.Unlock()
		if err := c.Write(ctx, typ, data); err != nil {
			return
		}
	}
}

func (a *counterApp) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.received
}

// exchangeState is what h.exchange records on the page.
type exchangeState struct {
	Echoes      int       `json:"echoes"`
	Server      int       `json:"server"`
	Errors      []string  `json:"errors"`
	Opens       int       `json:"opens"`
	Fresh       int       `json:"fresh"`
	Closes      int       `json:"closes"`
	ErrorEvents int       `json:"errorEvents"`
	OpenedAt    []float64 `json:"openedAt"`
}

// startResumeServer serves the harness pages and app at /echo; WebSocket
// clients may come through a proxy on another port.
func startResumeServer(t *testing.T, app func(context.Context, *server.Conn), o server.Options) string {
	t.Helper()
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	o.OriginPatterns = []string{"127.0.0.1:*"}
	srv := server.New(o)
	mux := http.NewServeMux()
	mux.Handle("GET /echo", srv.Handler(app))
	mux.Handle("/", demo.Static(demoDir, assetsDir))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return ln.Addr().String()
}

func TestResumeLosesNothingThroughAFaultyNetwork(t *testing.T) {
	const n = 20000
	ctx := testContext(t, 3*time.Minute)
	app := &counterApp{n: n}
	addr := startResumeServer(t, app.serve, server.Options{HeartbeatInterval: 500 * time.Millisecond, HeartbeatTimeout: 500 * time.Millisecond})
	proxy, err := faultproxy.New(addr, faultproxy.Options{MeanFaultInterval: 250 * time.Millisecond, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()

	p := openPage(t, ctx, "page", "http://"+addr+"/e2e/harness.html", "window.h?.ready === true", "JSON.stringify(h.exchanges?.map(({ws, ...st}) => st))")
	start := time.Now()
	p.run(fmt.Sprintf(`h.exchange(%s, %d, {initialDelay: 50, maxDelay: 300, heartbeatInterval: 500, heartbeatTimeout: 500, maxQueuedMessages: 100000})`,
		js("ws://"+proxy.Addr()+"/echo"), n))
	p.waitForWithin("every message both ways", fmt.Sprintf(`h.exchanges[0].echoes === %d && h.exchanges[0].server === %d`, n, n), 2*time.Minute)
	elapsed := time.Since(start)
	st := evaluate[exchangeState](p, `(({ws, ...st}) => st)(h.exchanges[0])`)
	for _, e := range append(st.Errors, app.errs...) {
		t.Error(e)
	}
	if got := app.count(); got != n {
		t.Errorf("server received %d client messages, want %d", got, n)
	}
	ps := proxy.Stats()
	t.Logf("page sent %d and got %d echoes and %d server messages, each once and in order, in %v; faults injected: %d (%d resets, %d blackholes, %d slowdowns) over %d connections; %d reconnects (%d with a fresh session)",
		n, st.Echoes, st.Server, elapsed.Round(time.Millisecond), ps.Faults(), ps.Resets, ps.Blackholes, ps.Slowdowns, ps.Connections, st.Opens-1, st.Fresh-1)
	if ps.Faults() == 0 || st.Opens < 2 {
		t.Errorf("faults %d, opens %d: the network never misbehaved, so this proved nothing", ps.Faults(), st.Opens)
	}
	if st.Fresh != 1 {
		t.Errorf("%d fresh sessions, want only the first: every reconnect should resume", st.Fresh)
	}
}

func TestResumeReplacesABlackholedConnectionInChromium(t *testing.T) {
	ctx := testContext(t, time.Minute)
	app := &counterApp{}
	addr := startResumeServer(t, app.serve, server.Options{})
	proxy, err := faultproxy.New(addr, faultproxy.Options{MeanFaultInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	p := openPage(t, ctx, "page", "http://"+addr+"/e2e/harness.html", "window.h?.ready === true", "JSON.stringify(h.exchanges?.map(({ws, ...st}) => st))")
	const interval, timeout = 1000, 1000
	p.run(fmt.Sprintf(`h.exchange(%s, 1, {delays: [0], heartbeatInterval: %d, heartbeatTimeout: %d})`, js("ws://"+proxy.Addr()+"/echo"), interval, timeout))
	p.waitFor("the first echo", `h.exchanges[0].echoes === 1`)
	if n := proxy.BlackholeAll(); n != 1 {
		t.Fatalf("blackholed %d connections, want 1", n)
	}
	holedAt := evaluate[float64](p, `performance.now()`)
	p.run(`h.exchanges[0].ws.send("c1"), true`)
	p.waitFor("a new connection", `h.exchanges[0].opens === 2 && h.exchanges[0].echoes === 2`)
	st := evaluate[exchangeState](p, `(({ws, ...st}) => st)(h.exchanges[0])`)
	took := time.Duration((st.OpenedAt[1] - holedAt) * float64(time.Millisecond))
	t.Logf("blackholed connection replaced after %v (heartbeat interval %dms + timeout %dms); the message sent into the blackhole arrived once", took.Round(time.Millisecond), interval, timeout)
	if limit := (interval+timeout)*time.Millisecond + time.Second; took > limit {
		t.Errorf("replacement took %v, want at most %v", took, limit)
	}
	if st.Fresh != 1 || len(st.Errors) > 0 {
		t.Errorf("fresh sessions %d (want 1), errors %v", st.Fresh, st.Errors)
	}
}
