package engine

import (
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeClock runs timers only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	seq    int
	timers []*fakeTimer
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Duration
	seq     int
	f       func()
	stopped bool
}

func newFakeClock() *fakeClock { return &fakeClock{now: 1_000_000 * time.Second} }

func (c *fakeClock) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{c: c, at: c.now + d, seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// Advance moves time forward by d, running due timers in order.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now + d
	c.mu.Unlock()
	for {
		c.mu.Lock()
		live := c.timers[:0]
		for _, t := range c.timers {
			if !t.stopped {
				live = append(live, t)
			}
		}
		c.timers = live
		sort.Slice(c.timers, func(i, j int) bool {
			if c.timers[i].at != c.timers[j].at {
				return c.timers[i].at < c.timers[j].at
			}
			return c.timers[i].seq < c.timers[j].seq
		})
		if len(c.timers) == 0 || c.timers[0].at > end {
			c.now = end
			c.mu.Unlock()
			return
		}
		t := c.timers[0]
		c.timers = c.timers[1:]
		t.stopped = true
		c.now = t.at
		c.mu.Unlock()
		t.f()
	}
}

// Pending is the number of armed timers.
func (c *fakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

// fakeTransport records each attempt as a fakeConn the test drives.
type fakeTransport struct {
	mu    sync.Mutex
	conns []*fakeConn
}

func (t *fakeTransport) Dial(url string, protocols []string, h ConnHandler) (Conn, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &fakeConn{h: h, url: url, protocols: protocols}
	t.conns = append(t.conns, c)
	return c, nil
}

func (t *fakeTransport) Dials() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

func (t *fakeTransport) Last(tb testing.TB) *fakeConn {
	tb.Helper()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.conns) == 0 {
		tb.Fatal("no connection attempt was made")
	}
	return t.conns[len(t.conns)-1]
}

type fakeConn struct {
	h         ConnHandler
	url       string
	protocols []string

	mu          sync.Mutex
	sent        []Message
	closed      bool
	closeCode   int
	closeReason string
	failSends   bool
}

func (c *fakeConn) Send(m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failSends {
		return ErrClosed
	}
	c.sent = append(c.sent, m)
	return nil
}

func (c *fakeConn) BufferedAmount() int { return 0 }

func (c *fakeConn) Close(code int, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed, c.closeCode, c.closeReason = true, code, reason
	return nil
}

func (c *fakeConn) Sent() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.sent {
		out = append(out, string(m.Data))
	}
	return out
}

func (c *fakeConn) Closed() (bool, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed, c.closeCode
}

func (c *fakeConn) open()                        { c.h.OnOpen("", "") }
func (c *fakeConn) drop(code int, reason string) { c.h.OnClose(code, reason, code != 1006, nil) }

// recorder keeps every event a Socket emits.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) OnEvent(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) All() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

func eventsOf[T Event](r *recorder) []T {
	var out []T
	for _, e := range r.All() {
		if t, ok := e.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

type harness struct {
	clock *fakeClock
	tr    *fakeTransport
	rec   *recorder
	s     *Socket
}

// newHarness makes a Socket on a fake clock and transport whose jitter
// always draws r.
func newHarness(t *testing.T, r float64, edit func(*Options)) *harness {
	t.Helper()
	h := &harness{clock: newFakeClock(), tr: &fakeTransport{}, rec: &recorder{}}
	o := Options{
		Transport: h.tr,
		Clock:     h.clock,
		// What the Socket defers runs when the test advances the clock.
		Defer:   func(f func()) { h.clock.AfterFunc(0, f) },
		Rand:    func() float64 { return r },
		OnEvent: h.rec.OnEvent,
	}
	if edit != nil {
		edit(&o)
	}
	s, err := New("ws://example.test/echo", o)
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	return h
}

func text(s string) Message { return Message{Data: []byte(s)} }
