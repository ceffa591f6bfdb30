//go:build !js

package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/hostile"
	"github.com/resock/resock/internal/wire"
	"github.com/resock/resock/server"
)

// These tests put a hostile or broken server in front of a Socket in resume
// mode: its first connections misbehave, later ones reach the real resock
// server. Each misbehaviour must give an error event that says what went
// wrong and the reconnect the close policy calls for; and once a good
// server answers, every message the application sent arrives there exactly
// once and in order.

// hostileServer is a hostile server in front of the real one, and the
// ledger of what the real one applied.
type hostileServer struct {
	*hostile.Server
	*hostile.Ledger
}

// startHostile serves script, then the real server, until the test ends.
// The real server accepts pages of any origin; its app applies each client
// message once, by id, in the ledger.
func startHostile(t *testing.T, script ...hostile.Conn) *hostileServer {
	t.Helper()
	ledger := &hostile.Ledger{}
	srv := server.New(server.Options{
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		OriginPatterns: []string{"*"},
	})
	h := hostile.Start(t, srv.Handler(func(ctx context.Context, c *server.Conn) {
		for {
			m, err := c.ReadMessage(ctx)
			if err != nil {
				return
			}
			ledger.Apply(m.ID.N, m.Data)
		}
	}), script...)
	// After Start's, so that it runs before: the real server is shut down
	// before the hostile one closes.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return &hostileServer{Server: h, Ledger: ledger}
}

// watched is a Socket in resume mode whose events the test waits on.
type watched struct {
	s  *Socket
	mu sync.Mutex
	ev []Event
}

func (w *watched) onEvent(e Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ev = append(w.ev, e)
}

func (w *watched) events() []Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.ev)
}

func watchedOf[T Event](w *watched) []T {
	var out []T
	for _, e := range w.events() {
		if x, ok := e.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

func (w *watched) describe() string {
	var b strings.Builder
	for _, e := range w.events() {
		switch e := e.(type) {
		case ErrorEvent:
			fmt.Fprintf(&b, "\n  error: %v", e.Err)
		case CloseEvent:
			fmt.Fprintf(&b, "\n  close: %d %q clean=%v willReconnect=%v", e.Code, e.Reason, e.WasClean, e.WillReconnect)
		case OpenEvent:
			fmt.Fprintf(&b, "\n  open: resumed=%v", e.Resumed)
		case ReconnectingEvent:
			fmt.Fprintf(&b, "\n  reconnecting: attempt %d after %v", e.Attempt, e.Delay)
		}
	}
	return b.String()
}

// waitUntil polls cond until it holds.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dialHostile connects a resume-mode Socket to h and queues n numbered
// messages at once.
func dialHostile(t *testing.T, h *hostileServer, n int, edit func(*Options)) *watched {
	t.Helper()
	w := &watched{}
	// The connect timeout is long enough for a handshake on a loaded
	// machine under -race: the misbehaviour under test, not a timeout, must
	// end the first connection. The tests of silent servers set their own.
	o := Options{
		Resume:         true,
		Backoff:        Backoff{Delays: []time.Duration{20 * time.Millisecond}},
		ConnectTimeout: 5 * time.Second,
		OnEvent:        w.onEvent,
	}
	if edit != nil {
		edit(&o)
	}
	s, err := New(h.URL, o)
	if err != nil {
		t.Fatal(err)
	}
	w.s = s
	t.Cleanup(func() { s.Close(1000, "") })
	for i := range n {
		if err := s.Send(text(fmt.Sprintf("m%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// wantRecovery checks that w reported an error whose text has every part,
// reconnected, and that the good server then applied every message once and
// in order.
func wantRecovery(t *testing.T, h *hostileServer, w *watched, n int, parts ...string) {
	t.Helper()
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("m%d", i)
	}
	waitUntil(t, 10*time.Second, "the good server to apply every message", func() bool {
		got, _ := h.Applied()
		return len(got) >= n || w.s.State() == Closed
	})
	got, errs := h.Applied()
	for _, e := range errs {
		t.Error(e)
	}
	if !slices.Equal(got, want) {
		t.Errorf("the good server applied %q, want %q once each, in order; events:%s", got, want, w.describe())
	}
	found := false
	for _, e := range watchedOf[ErrorEvent](w) {
		msg := e.Err.Error()
		all := true
		for _, p := range parts {
			all = all && strings.Contains(msg, p)
		}
		found = found || all
	}
	if !found {
		t.Errorf("no error event mentions %q; events:%s", parts, w.describe())
	}
	if len(watchedOf[ReconnectingEvent](w)) == 0 {
		t.Errorf("no reconnect; events:%s", w.describe())
	}
	if opens := watchedOf[OpenEvent](w); len(opens) == 0 || opens[len(opens)-1].Resumed {
		t.Errorf("opens %+v, want the last one a fresh session on the good server", opens)
	}
}

func TestHostileServerSendsGarbageAfterTheWelcome(t *testing.T) {
	t.Parallel()
	h := startHostile(t, hostile.WelcomeThen(2, []byte{0x7f, 1, 2, 3}))
	w := dialHostile(t, h, 10, nil)
	wantRecovery(t, h, w, 10, "protocol error", "unknown type 0x7f")
}

func TestHostileServerSendsATruncatedFrame(t *testing.T) {
	t.Parallel()
	h := startHostile(t,
		hostile.WelcomeThen(1, []byte{byte(wire.TypeAck), 0x80}),
		hostile.WelcomeThen(1, wire.AppendWelcome(nil, wire.Welcome{Session: hostile.Session})[:9]),
	)
	w := dialHostile(t, h, 10, nil)
	wantRecovery(t, h, w, 10, "protocol error", "malformed")
}

func TestHostileServerSendsTextThatIsNotUTF8(t *testing.T) {
	t.Parallel()
	h := startHostile(t, hostile.WelcomeText(wire.Welcome{Session: hostile.Session}, []byte{byte(wire.TypeText), 'a', 0xff, 0xfe}))
	w := dialHostile(t, h, 5, nil)
	wantRecovery(t, h, w, 5, "protocol error", "not valid UTF-8")
}

func TestHostileServerAcknowledgesMessagesNeverSent(t *testing.T) {
	t.Parallel()
	h := startHostile(t, hostile.WelcomeThen(1, wire.AppendValue(nil, wire.TypeAck, 1000)))
	w := dialHostile(t, h, 10, nil)
	wantRecovery(t, h, w, 10, "protocol error", "acknowledged 1000")
}

func TestHostileServerResumesWithSequencesThatNeverExisted(t *testing.T) {
	t.Parallel()
	h := startHostile(t,
		// A genuine-looking session that drops after a few frames …
		hostile.DropAfter(3),
		// … then claims, on resume, frames the client never sent.
		func(t *testing.T, w http.ResponseWriter, r *http.Request) {
			c, hello := hostile.AcceptResume(t, w, r)
			if c == nil {
				return
			}
			defer c.CloseNow()
			if hello.Session != hostile.Session {
				t.Errorf("second hello %+v, want it to resume the hostile session", hello)
			}
			hostile.Send(r, c, wire.AppendWelcome(nil, wire.Welcome{Resumed: true, Session: hostile.Session, Token: hostile.Session, Received: 1 << 40}))
			_, _ = hostile.Drain(r.Context(), c)
		},
	)
	w := dialHostile(t, h, 10, nil)
	wantRecovery(t, h, w, 10, "invalid resume answer", "1099511627776")
}

func TestHostileServerResumesASessionNobodyAskedFor(t *testing.T) {
	t.Parallel()
	h := startHostile(t, hostile.Welcome(wire.Welcome{Resumed: true, Session: hostile.Session}, 0))
	w := dialHostile(t, h, 5, nil)
	wantRecovery(t, h, w, 5, "protocol error", "did not ask for")
}

func TestHostileServerAcceptsAndNeverSendsAByte(t *testing.T) {
	t.Parallel()
	h := startHostile(t, hostile.Silent, hostile.Silent)
	start := time.Now()
	w := dialHostile(t, h, 5, func(o *Options) { o.ConnectTimeout = 300 * time.Millisecond })
	wantRecovery(t, h, w, 5, "no answer within 300ms")
	if took := time.Since(start); took < 600*time.Millisecond {
		t.Errorf("recovered after %v, before two connect timeouts could pass", took)
	}
}

func TestHostileServerNeverCompletesTheResumeHandshake(t *testing.T) {
	t.Parallel()
	h := startHostile(t, hostile.NeverWelcome)
	w := dialHostile(t, h, 5, func(o *Options) { o.ConnectTimeout = 300 * time.Millisecond })
	wantRecovery(t, h, w, 5, "welcome", "300ms")
}

func TestHostileServerClosesInTheMiddleOfTheResumeHandshake(t *testing.T) {
	t.Parallel()
	h := startHostile(t, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _ := hostile.AcceptResume(t, w, r)
		if c == nil {
			return
		}
		c.Close(websocket.StatusInternalError, "boom")
	})
	w := dialHostile(t, h, 5, nil)
	wantRecovery(t, h, w, 5, "handshake", "1011")
}

func TestHostileServerDropsTheUpgradeRequest(t *testing.T) {
	t.Parallel()
	h := startHostile(t, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			c.Close()
		}
	})
	w := dialHostile(t, h, 5, nil)
	wantRecovery(t, h, w, 5, "dial", "EOF")
}

func TestHostileServerSendsAMessageOverMaxMessageSize(t *testing.T) {
	t.Parallel()
	h := startHostile(t, hostile.WelcomeThen(1, wire.AppendData(nil, true, make([]byte, 5000))))
	w := dialHostile(t, h, 5, func(o *Options) { o.MaxMessageSize = 1000 })
	waitUntil(t, 10*time.Second, "a close for the big message", func() bool {
		for _, c := range watchedOf[CloseEvent](w) {
			if c.Code == 1009 {
				return true
			}
		}
		return false
	})
	var closeEv CloseEvent
	for _, c := range watchedOf[CloseEvent](w) {
		if c.Code == 1009 {
			closeEv = c
		}
	}
	if want := DefaultShouldReconnect(CloseEvent{Code: 1009}); closeEv.WillReconnect != want {
		t.Errorf("close %+v: willReconnect %v, want %v as the default policy says", closeEv, closeEv.WillReconnect, want)
	}
	found := false
	for _, e := range watchedOf[ErrorEvent](w) {
		found = found || strings.Contains(e.Err.Error(), "exceeds") && strings.Contains(e.Err.Error(), "limit")
	}
	if !found {
		t.Errorf("no error event says the message exceeds the limit; events:%s", w.describe())
	}
}

func TestHostileServerSendsTextThatIsNotAFrame(t *testing.T) {
	t.Parallel()
	h := startHostile(t, hostile.WelcomeText(wire.Welcome{Session: hostile.Session}, []byte("not a frame")))
	w := dialHostile(t, h, 5, nil)
	wantRecovery(t, h, w, 5, "protocol error", "text message must hold a text frame")
}

// TestDefaultMaxMessageSizeIs16MiB checks the default limit on what the
// server may send: a message of exactly 16 MiB is delivered, one byte more
// is refused with 1009, with no option set.
func TestDefaultMaxMessageSizeIs16MiB(t *testing.T) {
	t.Parallel()
	if DefaultMaxMessageSize != 16<<20 {
		t.Errorf("DefaultMaxMessageSize = %d, want 16 MiB", DefaultMaxMessageSize)
	}
	if got := (Options{}).withDefaults().MaxMessageSize; got != DefaultMaxMessageSize {
		t.Errorf("the default MaxMessageSize is %d, want DefaultMaxMessageSize", got)
	}
	h := startHostile(t, hostile.WelcomeThen(1,
		wire.AppendData(nil, true, make([]byte, DefaultMaxMessageSize)),
		wire.AppendData(nil, true, make([]byte, DefaultMaxMessageSize+1))))
	w := dialHostile(t, h, 1, nil)
	deadline := time.Now().Add(10 * time.Second)
	for !slices.ContainsFunc(watchedOf[CloseEvent](w), func(c CloseEvent) bool { return c.Code == 1009 }) {
		if time.Now().After(deadline) {
			t.Fatalf("no close 1009; events:%s", w.describe())
		}
		time.Sleep(5 * time.Millisecond)
	}
	var sizes []int
	for _, m := range watchedOf[MessageEvent](w) {
		sizes = append(sizes, len(m.Message.Data))
	}
	if want := []int{DefaultMaxMessageSize}; !slices.Equal(sizes, want) {
		t.Errorf("delivered messages of %d bytes, want %d", sizes, want)
	}
	// The native transport refuses it as it reads, before the engine sees
	// it: its limit counts the frame's type byte too.
	if !slices.ContainsFunc(watchedOf[ErrorEvent](w), func(e ErrorEvent) bool { return strings.Contains(e.Err.Error(), "exceeds the read limit") }) {
		t.Errorf("no error event says the message exceeds the limit; events:%s", w.describe())
	}
	if c := watchedOf[CloseEvent](w); c[len(c)-1].WillReconnect {
		t.Errorf("close %+v: willReconnect, want the default policy to stop on 1009", c[len(c)-1])
	}
}
