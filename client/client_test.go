package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resock/resock/client"
	"github.com/resock/resock/server"
)

// events collects what a Socket reports, for a test to wait on.
type events struct {
	mu   sync.Mutex
	all  []client.Event
	more chan struct{}
}

func newEvents() *events { return &events{more: make(chan struct{}, 1)} }

func (e *events) on(ev client.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
	select {
	case e.more <- struct{}{}:
	default:
	}
}

// wait returns the events once cond holds for them, or fails after 10 s.
func (e *events) wait(t *testing.T, what string, cond func([]client.Event) bool) []client.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		e.mu.Lock()
		all := append([]client.Event(nil), e.all...)
		e.mu.Unlock()
		if cond(all) {
			return all
		}
		select {
		case <-e.more:
		case <-deadline:
			t.Fatalf("no %s within 10 s; events: %+v", what, all)
		}
	}
}

func finalClose(all []client.Event) bool {
	for _, ev := range all {
		if c, ok := ev.(client.CloseEvent); ok && !c.WillReconnect {
			return true
		}
	}
	return false
}

func serve(t *testing.T, o server.Options, app func(context.Context, *server.Conn)) string {
	t.Helper()
	s := server.New(o)
	hs := httptest.NewServer(s.Handler(app))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http")
}

// New refuses what the WebSocket constructor refuses, before any attempt.
func TestNewRefusesWhatWebSocketRefuses(t *testing.T) {
	for _, url := range []string{"", "127.0.0.1:8090/chat", "ftp://example.com/", "ws://example.com/#frag", "/relative"} {
		s, err := client.New(url, client.Options{})
		if !errors.Is(err, client.ErrInvalidURL) || s != nil {
			t.Errorf("New(%q) = %v, %v; want ErrInvalidURL", url, s, err)
		}
	}
	for _, protocols := range [][]string{{"a", "a"}, {"has space"}, {""}} {
		if _, err := client.New("ws://example.com/", client.Options{Protocols: protocols}); !errors.Is(err, client.ErrInvalidProtocol) {
			t.Errorf("New with protocols %q = %v; want ErrInvalidProtocol", protocols, err)
		}
	}
	s, err := client.New("http://127.0.0.1:1/chat", client.Options{MaxRetries: new(0)})
	if err != nil {
		t.Fatalf("New(http URL) = %v; want it dialled as ws", err)
	}
	if got := s.URL(); got != "ws://127.0.0.1:1/chat" {
		t.Errorf("URL() = %q, want the ws URL", got)
	}
	if err := s.Close(1001, ""); !errors.Is(err, client.ErrInvalidCode) {
		t.Errorf("Close(1001) = %v, want ErrInvalidCode as WebSocket.close throws", err)
	}
	if err := s.Close(client.StatusNormalClosure, strings.Repeat("x", 124)); !errors.Is(err, client.ErrReasonTooLong) {
		t.Errorf("Close with a 124-byte reason = %v, want ErrReasonTooLong", err)
	}
	_ = s.Close(client.StatusNormalClosure, "")
}

// A handshake refused with 401 is reported with its status and is final.
func TestUnauthorizedHandshakeIsFinal(t *testing.T) {
	url := serve(t, server.Options{Authenticate: func(*http.Request) (string, error) {
		return "", &server.HTTPError{Status: http.StatusUnauthorized, Message: "log in"}
	}}, server.Echo)
	ev := newEvents()
	s, err := client.New(url, client.Options{OnEvent: ev.on, Backoff: client.Backoff{Delays: []time.Duration{time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	all := ev.wait(t, "final close", finalClose)
	var sawError bool
	for _, e := range all {
		switch e := e.(type) {
		case client.ErrorEvent:
			var he *client.HandshakeError
			if e.HTTPStatus != 401 || !errors.As(e.Err, &he) || he.StatusCode != 401 {
				t.Errorf("error event %+v, want HTTP status 401 and a HandshakeError", e)
			}
			sawError = true
		case client.CloseEvent:
			if e.Code != client.StatusAbnormalClosure || e.HTTPStatus != 401 || e.WillReconnect {
				t.Errorf("close event %+v, want 1006 with HTTP status 401, final", e)
			}
		case client.OpenEvent:
			t.Errorf("opened: %+v", e)
		}
	}
	if !sawError {
		t.Error("no error event")
	}
	if st := s.Stats(); st.Attempts != 1 || s.State() != client.Closed {
		t.Errorf("after a 401: %d attempts, state %v; want 1 and closed", st.Attempts, s.State())
	}
}

// Text stays text and binary stays binary, in both modes, and the counters
// count them.
func TestEchoKeepsMessageTypes(t *testing.T) {
	url := serve(t, server.Options{}, server.Echo)
	for _, resume := range []bool{false, true} {
		ev := newEvents()
		s, err := client.New(url, client.Options{Resume: resume, OnEvent: ev.on})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SendText("héllo"); err != nil {
			t.Fatal(err)
		}
		if err := s.Send(client.MessageBinary, []byte{0, 1, 255}); err != nil {
			t.Fatal(err)
		}
		var got []client.Message
		ev.wait(t, "two echoes", func(all []client.Event) bool {
			got = got[:0]
			for _, e := range all {
				if m, ok := e.(client.MessageEvent); ok {
					got = append(got, m.Message)
				}
			}
			return len(got) == 2
		})
		if got[0].Type != client.MessageText || string(got[0].Data) != "héllo" || got[1].Type != client.MessageBinary || string(got[1].Data) != "\x00\x01\xff" {
			t.Errorf("resume %v: echoes %+v, want the text then the bytes, types kept", resume, got)
		}
		if st := s.Stats(); st.MessagesIn != 2 || st.MessagesOut != 2 || st.BytesOut != int64(len("héllo")+3) || st.State != client.Open {
			t.Errorf("resume %v: stats %+v", resume, st)
		}
		if err := s.Close(client.StatusNormalClosure, "bye"); err != nil {
			t.Fatal(err)
		}
		ev.wait(t, "final close", finalClose)
		if err := s.SendText("late"); !errors.Is(err, client.ErrClosed) {
			t.Errorf("Send after Close = %v, want ErrClosed", err)
		}
	}
}
