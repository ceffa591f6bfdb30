//go:build !js

package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resock/resock/server"
)

// echoed returns the texts of the message events w recorded.
func echoed(w *watched) []string {
	var out []string
	for _, e := range watchedOf[MessageEvent](w) {
		out = append(out, string(e.Message.Data))
	}
	return out
}

// TestRestoredSocketGoesOnWithTheSession stops a Socket mid-exchange, as a
// process that exits or a page that reloads stops it, keeps its
// SessionState, and gives it to a new Socket: the new one resumes the
// session, and between the two every echo arrives once, in order, and the
// server's app reads every message once.
func TestRestoredSocketGoesOnWithTheSession(t *testing.T) {
	const n, late = 200, 10
	reads := make(chan string, 4*n)
	// The app answers the first half at once and the rest only once the
	// first Socket is gone, so that it stops mid-exchange.
	gate := make(chan struct{})
	srv := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	hs := httptest.NewServer(srv.Handler(func(ctx context.Context, c *server.Conn) {
		for {
			m, err := c.ReadMessage(ctx)
			if err != nil {
				return
			}
			reads <- string(m.Data)
			if m.ID.N == n/2+1 {
				select {
				case <-gate:
				case <-ctx.Done():
					return
				}
			}
			// Answered once per message, across resumes (Echo's rule).
			if m.ID.N > c.Written() {
				if err := c.Write(ctx, server.MessageText, m.Data); err != nil {
					return
				}
			}
		}
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	opts := func(w *watched) Options {
		return Options{Resume: true, Backoff: Backoff{Delays: []time.Duration{20 * time.Millisecond}}, OnEvent: w.onEvent}
	}

	a := &watched{}
	var err error
	if a.s, err = New(url, opts(a)); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := a.s.Send(text(fmt.Sprintf("a%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	// Stop it part-way: half the echoes in, the others not written yet,
	// and a few messages sent while it is down, queued.
	waitUntil(t, 10*time.Second, "half the echoes", func() bool { return len(echoed(a)) >= n/2 })
	a.s.Suspend()
	for i := range late {
		if err := a.s.Send(text(fmt.Sprintf("q%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	st, ok := a.s.SessionState()
	if !ok {
		t.Fatal("no session state from a Socket in resume mode")
	}
	a.s.Close(1000, "")
	close(gate)
	got := echoed(a)
	if uint64(len(got)) != st.Received {
		t.Fatalf("the state says %d received, the app got %d", st.Received, len(got))
	}
	t.Logf("stopped after %d echoes, with %d of its messages unacknowledged and %d queued", len(got), len(st.Unacked), len(st.Queued))

	b := &watched{}
	o := opts(b)
	o.Restore = &st
	if b.s, err = New(url, o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.s.Close(1000, "") })
	for i := range n {
		if err := b.s.Send(text(fmt.Sprintf("b%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, 10*time.Second, "every echo", func() bool { return len(got)+len(echoed(b)) >= 2*n+late })
	if len(st.Queued) != late {
		t.Errorf("the state held %d queued messages, want %d", len(st.Queued), late)
	}
	opens := watchedOf[OpenEvent](b)
	if len(opens) == 0 || !opens[0].Resumed {
		t.Errorf("the restored Socket's first open: %+v, want resumed%s", opens, b.describe())
	}
	var want []string
	for _, p := range []struct {
		prefix string
		n      int
	}{{"a", n}, {"q", late}, {"b", n}} {
		for i := range p.n {
			want = append(want, fmt.Sprintf("%s%d", p.prefix, i))
		}
	}
	if all := slices.Concat(got, echoed(b)); !slices.Equal(all, want) {
		t.Errorf("echoes across the two Sockets differ from a0…a%d q0…q%d b0…b%d, each once:\n%v", n-1, late-1, n-1, all)
	}
	var read []string
	for len(read) < len(want) {
		select {
		case m := <-reads:
			read = append(read, m)
		case <-time.After(5 * time.Second):
			t.Fatalf("the app read %d messages, want %d", len(read), len(want))
		}
	}
	if !slices.Equal(read, want) {
		t.Errorf("the app read something other than each message once, in order:\n%v", read)
	}
}

func TestRestoreRefusesAStateThatIsNoSession(t *testing.T) {
	for _, tc := range []struct {
		what string
		st   SessionState
		o    Options
	}{
		{"more acknowledged than sent", SessionState{FirstID: 1, Sent: 1, Acked: 2}, Options{Resume: true}},
		{"frames missing", SessionState{FirstID: 1, Sent: 3, Acked: 1, Unacked: []Message{text("x")}}, Options{Resume: true}},
		{"message ids from 0", SessionState{}, Options{Resume: true}},
		{"a queue over the limit", SessionState{FirstID: 1, Queued: []Message{text("x"), text("y")}}, Options{Resume: true, MaxQueuedMessages: 1}},
		{"not in resume mode", SessionState{FirstID: 1}, Options{}},
	} {
		o := tc.o
		o.Restore = &tc.st
		o.Offline = true
		if _, err := New("ws://127.0.0.1:1/", o); !errors.Is(err, ErrBadSessionState) {
			t.Errorf("%s: New = %v, want ErrBadSessionState", tc.what, err)
		}
	}
}

// TestRestoredSocketResendsWithItsIdsWhenTheSessionIsGone restores a
// session that the server lost (it restarted, keeping its client key): the
// new Socket starts a fresh session and sends its unacknowledged messages
// again with the ids they had, so that an app using Options.Applied reads
// each message once.
func TestRestoredSocketResendsWithItsIdsWhenTheSessionIsGone(t *testing.T) {
	const n = 200
	key := []byte("0123456789abcdef0123456789abcdef")
	var mu sync.Mutex
	applied := map[server.ClientID]uint64{}
	var read []string
	dupes := 0
	gate := make(chan struct{})
	app := func(ctx context.Context, c *server.Conn) {
		for {
			m, err := c.ReadMessage(ctx)
			if err != nil {
				return
			}
			mu.Lock()
			if m.ID.N > applied[m.ID.Client] {
				applied[m.ID.Client] = m.ID.N
				read = append(read, string(m.Data))
			} else {
				// Applied should have kept it from the app.
				dupes++
			}
			mu.Unlock()
			// Half-way, the app stops reading until the server is gone:
			// the client has messages the server never acknowledged.
			if m.ID.N == n/2 {
				select {
				case <-gate:
				case <-ctx.Done():
				}
				return
			}
		}
	}
	opts := server.Options{
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		ClientKey: key,
		Applied: func(_ context.Context, c server.ClientID) (uint64, error) {
			mu.Lock()
			defer mu.Unlock()
			return applied[c], nil
		},
	}
	first := server.New(opts)
	hs1 := httptest.NewServer(first.Handler(app))
	a := &watched{}
	var err error
	o := Options{Resume: true, Backoff: Backoff{Delays: []time.Duration{20 * time.Millisecond}}, OnEvent: a.onEvent}
	if a.s, err = New("ws"+strings.TrimPrefix(hs1.URL, "http"), o); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := a.s.Send(text(fmt.Sprintf("a%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, 10*time.Second, "half the messages read", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(read) >= n/2
	})
	a.s.Suspend()
	st, ok := a.s.SessionState()
	if !ok || len(st.Unacked)+len(st.Queued) == 0 {
		t.Fatalf("state %v, %d unacknowledged, %d queued: nothing left to send again", ok, len(st.Unacked), len(st.Queued))
	}
	a.s.Close(1000, "")
	// The server goes, and its sessions with it.
	close(gate)
	b := restoreOnRestart(t, first, hs1, opts, app, &st)
	waitUntil(t, 10*time.Second, "every message read", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(read) >= n
	})
	if opens := watchedOf[OpenEvent](b); len(opens) == 0 || opens[0].Resumed {
		t.Errorf("the restored Socket's first open: %+v, want a fresh session", opens)
	}
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("a%d", i))
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(read, want) {
		t.Errorf("the app read something other than a0…a%d once each, in order:\n%v", n-1, read)
	}
	if dupes != 0 {
		t.Errorf("the app was given %d messages it had applied", dupes)
	}
}

// TestARestoredSocketNumbersAfterWhatTheAppApplied restores a state stored
// before the Socket that stored it sent five more messages, which the app
// applied, and gives it to a server that lost the session: the fresh
// session's welcome says where the app's messages end, and the restored
// Socket's next message takes the id after them, where an id it reused
// would be taken for one applied already, and dropped.
func TestARestoredSocketNumbersAfterWhatTheAppApplied(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	var mu sync.Mutex
	applied := map[server.ClientID]uint64{}
	var read []string
	app := func(ctx context.Context, c *server.Conn) {
		for {
			m, err := c.ReadMessage(ctx)
			if err != nil {
				return
			}
			mu.Lock()
			applied[m.ID.Client] = max(applied[m.ID.Client], m.ID.N)
			read = append(read, string(m.Data))
			mu.Unlock()
		}
	}
	reads := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(read)
	}
	opts := server.Options{
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		ClientKey: key,
		Applied: func(_ context.Context, c server.ClientID) (uint64, error) {
			mu.Lock()
			defer mu.Unlock()
			return applied[c], nil
		},
	}
	first := server.New(opts)
	hs1 := httptest.NewServer(first.Handler(app))
	a := &watched{}
	var err error
	o := Options{Resume: true, Backoff: Backoff{Delays: []time.Duration{20 * time.Millisecond}}, OnEvent: a.onEvent}
	if a.s, err = New("ws"+strings.TrimPrefix(hs1.URL, "http"), o); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		a.s.Send(text(fmt.Sprintf("a%d", i)))
	}
	var st SessionState
	waitUntil(t, 10*time.Second, "the first five acknowledged", func() bool {
		var ok bool
		st, ok = a.s.SessionState()
		return ok && st.Acked == 5
	})
	for i := 5; i < 10; i++ {
		a.s.Send(text(fmt.Sprintf("a%d", i)))
	}
	waitUntil(t, 10*time.Second, "all ten read", func() bool { return reads() == 10 })
	a.s.Close(1000, "")
	b := restoreOnRestart(t, first, hs1, opts, app, &st)
	b.s.Send(text("b0"))
	waitUntil(t, 10*time.Second, "the restored Socket's message read", func() bool { return reads() == 11 })
	mu.Lock()
	last := read[len(read)-1]
	mu.Unlock()
	if last != "b0" {
		t.Errorf("the app read %q last, want b0", last)
	}
	if p, _ := b.s.Progress(); p.Foreign != 5 || p.FirstID != 11 {
		t.Errorf("progress %+v, want the session to start at id 11 with 5 foreign frames", p)
	}
}

// restoreOnRestart shuts srv down, and its sessions with it, serves app
// again on a server of opts, and restores st on a Socket of that server.
func restoreOnRestart(t *testing.T, srv *server.Server, hs *httptest.Server, opts server.Options, app func(context.Context, *server.Conn), st *SessionState) *watched {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	hs.Close()
	next := server.New(opts)
	hs2 := httptest.NewServer(next.Handler(app))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		next.Shutdown(ctx)
		hs2.Close()
	})
	b := &watched{}
	o := Options{Resume: true, Restore: st, Backoff: Backoff{Delays: []time.Duration{20 * time.Millisecond}}, OnEvent: b.onEvent}
	var err error
	if b.s, err = New("ws"+strings.TrimPrefix(hs2.URL, "http"), o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.s.Close(1000, "") })
	return b
}
