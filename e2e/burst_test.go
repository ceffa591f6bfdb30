//go:build !js

package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/resock/resock/demo"
	"github.com/resock/resock/server"
)

// Chromium holds a new WebSocket while another to the same host:port is
// still in its handshake, so a page that opens many sockets at once to a
// server with slow handshakes has the last of them wait seconds before its
// handshake even starts. connectTimeout must count from that start, or the
// page abandons sockets that never had a chance, and their retries join the
// back of the same queue.

// handshakeServer serves the harness and, on the same host:port, two kinds
// of WebSocket handshake: at /slow the resock server's Echo, answered after
// a delay; at /silent none at all: the upgrade request is read and never
// answered, and the connection is held open.
type handshakeServer struct {
	t     *testing.T
	addr  string
	delay time.Duration

	mu      sync.Mutex
	slow    int // handshakes begun at /slow
	waiting int // /slow handshakes in their delay now
	overlap int // the most /slow handshakes ever in their delay at once
	silent  int // requests at /silent
	held    []net.Conn
	// order lists the "i" query parameters of the /slow handshakes in the
	// order they began.
	order []string
}

// startHandshakeServer starts a handshakeServer whose /slow handshakes take
// delay; it stops when the test ends.
func startHandshakeServer(t *testing.T, delay time.Duration) *handshakeServer {
	t.Helper()
	s := &handshakeServer{t: t, delay: delay}
	echo := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	mux := http.NewServeMux()
	mux.Handle("GET /slow", s.slowly(echo.Handler(server.Echo)))
	mux.HandleFunc("GET /silent", s.serveSilent)
	mux.Handle("/", demo.Static(demoDir, assetsDir))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	t.Cleanup(func() {
		s.mu.Lock()
		for _, c := range s.held {
			c.Close()
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		echo.Shutdown(ctx)
		hs.Close()
	})
	return s
}

// slowly delays h by the server's delay, counting the handshakes that wait
// at once.
func (s *handshakeServer) slowly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.order = append(s.order, r.URL.Query().Get("i"))
		s.slow++
		s.waiting++
		s.overlap = max(s.overlap, s.waiting)
		s.mu.Unlock()
		timer := time.NewTimer(s.delay)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
		}
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

func (s *handshakeServer) serveSilent(w http.ResponseWriter, r *http.Request) {
	c, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.t.Errorf("failed to take the connection over: %v", err)
		return
	}
	s.mu.Lock()
	s.silent++
	s.held = append(s.held, c)
	s.mu.Unlock()
}

func (s *handshakeServer) wsURL(path string) string { return "ws://" + s.addr + path }

// counts returns the handshakes begun at /slow, the most that waited at
// once, and the requests at /silent.
func (s *handshakeServer) counts() (slow, overlap, silent int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.slow, s.overlap, s.silent
}

// openBurstPage opens the harness on s.
func openBurstPage(t *testing.T, ctx context.Context, s *handshakeServer) *page {
	t.Helper()
	return openPage(t, ctx, "page", "http://"+s.addr+"/e2e/harness.html", "window.h?.ready === true && typeof window.h.openTracked === 'function'",
		`JSON.stringify(Object.fromEntries(Object.entries(h.sockets).map(([k, v]) => [k, {state: v.ws.state, attempts: v.ws.stats().attempts, events: (v.full ?? []).filter((e) => e.type !== "message" && e.type !== "statechange")}])))`)
}

// burstSocket is one socket of a burst as the page saw it: its state, its
// attempts and its events but for messages and state changes.
type burstSocket struct {
	Name     string      `json:"name"`
	State    string      `json:"state"`
	Attempts int         `json:"attempts"`
	Events   []lifeEvent `json:"events"`
}

// burstSockets returns the sockets whose names start with prefix, in the
// order they were made.
func burstSockets(p *page, prefix string) []burstSocket {
	p.t.Helper()
	return evaluate[[]burstSocket](p, fmt.Sprintf(`Object.keys(h.sockets).filter((k) => k.startsWith(%s)).map((k) => ({
		name: k,
		state: h.ws(k).state,
		attempts: h.ws(k).stats().attempts,
		events: h.full(k).filter((e) => e.type !== "message" && e.type !== "statechange"),
	}))`, js(prefix)))
}

// openedFirstTime reports whether b is open after one attempt, with
// nothing but its open on the way.
func (b burstSocket) openedFirstTime() bool {
	return b.State == "open" && b.Attempts == 1 && len(b.Events) == 1 && b.Events[0].Type == "open"
}

func TestBurstOfSocketsToASlowHostAllOpenOnTheirFirstAttempt(t *testing.T) {
	t.Parallel()
	const n = 50
	const delay = 300 * time.Millisecond
	ctx := testContext(t, 2*time.Minute)
	s := startHandshakeServer(t, delay)
	p := openBurstPage(t, ctx, s)

	p.run(fmt.Sprintf(`(() => {
		h.burstAt = performance.now();
		for (let i = 0; i < %d; i++) h.openTracked("b" + i, %s + "?i=" + i);
		return true;
	})()`, n, js(s.wsURL("/slow"))))
	// The handshakes run one after the other: n × delay at least. Should a
	// socket give up an attempt, the test has failed and need not wait for
	// the others.
	settled := `(() => {
		const all = Object.keys(h.sockets);
		return all.every((k) => h.ws(k).state === "open") ||
			all.some((k) => h.full(k).some((e) => ["close", "error", "reconnecting"].includes(e.type)));
	})()`
	p.waitForWithin("every socket to open, or one to give up an attempt", settled, 2*n*delay+10*time.Second)

	opened, lastOpen := 0, 0.0
	var others []burstSocket
	for _, b := range burstSockets(p, "b") {
		if b.openedFirstTime() {
			opened++
			lastOpen = max(lastOpen, b.Events[0].At)
		} else {
			others = append(others, b)
		}
	}
	for _, b := range others[:min(len(others), 3)] {
		t.Errorf("%s: state %q after %d attempts, events %s; want open on its first attempt", b.Name, b.State, b.Attempts, brief(b.Events...))
	}
	slow, overlap, _ := s.counts()
	burstAt := evaluate[float64](p, `h.burstAt`)
	t.Logf("%d of %d sockets open on their first attempt, the last %.1f s after they were made; the server began %d handshakes, at most %d at once",
		opened, n, (lastOpen-burstAt)/1000, slow, overlap)
	// Before a new socket even queues for its host, Chromium delays it by a
	// random time that grows with the sockets its renderer has pending, 1
	// to 5 s from 16 on (WebSocketPerProcessThrottler): the handshakes need
	// not begin in the order the sockets were made.
	s.mu.Lock()
	order := slices.Clone(s.order)
	s.mu.Unlock()
	for i, b := range order {
		if b != fmt.Sprint(i) {
			t.Logf("the handshakes began in the order %v", order)
			break
		}
	}
	if opened != n {
		t.Errorf("%d of %d sockets opened on their first attempt", opened, n)
	}
	// What the test is about: the browser held each socket until the one
	// before it had its answer.
	if overlap > 1 {
		t.Errorf("the server had %d handshakes waiting at once: the browser did not hold the sockets back, so this proved nothing", overlap)
	}
}

func TestBurstConnectTimeoutAbandonsASilentServer(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	s := startHandshakeServer(t, 0)
	p := openBurstPage(t, ctx, s)

	p.run(fmt.Sprintf(`h.madeAt = performance.now(), h.openTracked("silent", %s, [], {connectTimeout: 1000, maxRetries: 0})`, js(s.wsURL("/silent"))))
	p.waitFor("the socket to give up", `h.ws("silent").state === "closed"`)
	checkAbandoned(t, burstSockets(p, "silent")[0], evaluate[float64](p, `h.madeAt`), "it was made")
	if _, _, silent := s.counts(); silent != 1 {
		t.Errorf("the server saw %d handshakes at /silent, want 1", silent)
	}
}

// checkAbandoned checks that b gave up its one attempt, with an error and
// a final close, connectTimeout (1 s) after from, the time of what since.
func checkAbandoned(t *testing.T, b burstSocket, from float64, since string) {
	t.Helper()
	var types []string
	for _, e := range b.Events {
		types = append(types, e.Type)
	}
	if b.State != "closed" || b.Attempts != 1 || len(types) != 2 || types[0] != "error" || types[1] != "close" || b.Events[1].WillReconnect {
		t.Fatalf("%s: state %q after %d attempts, events %s; want its one attempt given up: an error, then a final close", b.Name, b.State, b.Attempts, brief(b.Events...))
	}
	took := b.Events[1].At - from
	t.Logf("%s gave up %.0f ms after %s: %q", b.Name, took, since, b.Events[0].Message)
	// The timer may fire a little before the page hears of the handshake's
	// start, but not much.
	if limit := 1000 + float64(reactionSlack.Milliseconds()); took < 950 || took > limit {
		t.Errorf("%s gave up %.0f ms after %s, want connectTimeout's 1000 ms (at most %.0f)", b.Name, took, since, limit)
	}
}

func TestBurstConnectTimeoutCountsFromTheHandshakeNotTheQueue(t *testing.T) {
	t.Parallel()
	const delay = 300 * time.Millisecond
	ctx := testContext(t, time.Minute)
	s := startHandshakeServer(t, delay)
	p := openBurstPage(t, ctx, s)

	// Three sockets to /slow, then one to /silent on the same host:port:
	// the browser holds the last back for about 3 × delay before its
	// handshake starts.
	p.run(fmt.Sprintf(`(() => {
		for (let i = 0; i < 3; i++) h.openTracked("q" + i, %s);
		h.openTracked("silent", %s, [], {connectTimeout: 1000, maxRetries: 0});
		return true;
	})()`, js(s.wsURL("/slow")), js(s.wsURL("/silent"))))
	p.waitFor("the slow sockets to open and the silent one to give up",
		`["q0", "q1", "q2"].every((k) => h.ws(k).state !== "connecting") && h.ws("silent").state === "closed"`)

	lastOpen := 0.0
	for _, b := range burstSockets(p, "q") {
		if !b.openedFirstTime() {
			t.Fatalf("%s: state %q after %d attempts, events %s; want open on its first attempt", b.Name, b.State, b.Attempts, brief(b.Events...))
		}
		lastOpen = max(lastOpen, b.Events[0].At)
	}
	checkAbandoned(t, burstSockets(p, "silent")[0], lastOpen, "the socket ahead of it opened")
	if slow, _, silent := s.counts(); slow != 3 || silent != 1 {
		t.Errorf("the server began %d handshakes at /slow and %d at /silent, want 3 and 1", slow, silent)
	}
}
