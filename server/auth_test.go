//go:build !js

package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

type ctxKey struct{}

// authServer serves app behind a middleware that puts the request id in
// the context, and authenticates by the cookie "user".
func authServer(t *testing.T, app func(ctx context.Context, c *Conn)) (*Server, string) {
	t.Helper()
	s := New(Options{
		Logger: quietLogger(),
		Authenticate: func(r *http.Request) (string, error) {
			c, err := r.Cookie("user")
			if err != nil {
				return "", &HTTPError{Status: http.StatusUnauthorized, Message: "log in first"}
			}
			return c.Value, nil
		},
	})
	h := s.Handler(app)
	middleware := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, r.Header.Get("X-Request-Id"))))
	})
	srv := httptest.NewServer(middleware)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5e9)
		defer cancel()
		s.Shutdown(ctx)
		srv.Close()
	})
	return s, "ws" + strings.TrimPrefix(srv.URL, "http")
}

func dialAs(ctx context.Context, url, user string, subprotocols ...string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{"X-Request-Id": {"req-" + user}}
	if user != "" {
		h.Set("Cookie", "user="+user)
	}
	return websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h, Subprotocols: subprotocols})
}

// The app sees who the client is, the upgrade request and its
// middleware's context values; a request Authenticate refuses never
// reaches it and gets the status it asked for.
func TestAuthenticateRefusesBeforeTheUpgradeAndNamesTheUser(t *testing.T) {
	type seen struct{ user, ctxValue, header string }
	got := make(chan seen, 4)
	_, url := authServer(t, func(ctx context.Context, c *Conn) {
		v, _ := ctx.Value(ctxKey{}).(string)
		got <- seen{c.User(), v, c.Request().Header.Get("X-Request-Id")}
		c.Read(ctx)
	})
	ctx := testCtx(t)
	_, resp, err := dialAs(ctx, url, "")
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("dial without credentials: %v, response %v; want 401", err, resp)
	}
	for _, mode := range []string{"plain", "resume"} {
		var protocols []string
		if mode == "resume" {
			protocols = []string{wire.Protocol}
		}
		c, _, err := dialAs(ctx, url, "alice", protocols...)
		if err != nil {
			t.Fatal(err)
		}
		if mode == "resume" {
			handshake(t, ctx, c, wire.Hello{})
		}
		if s := <-got; s != (seen{"alice", "req-alice", "req-alice"}) {
			t.Errorf("%s: the app saw %+v, want alice, her request's context value and header", mode, s)
		}
		c.CloseNow()
	}
}

// A resumed session goes only to the user who opened it: the right token
// presented for another user is closed with CloseWrongUser, which resock
// clients take as final, and the session stays its owner's.
func TestResumeByAnotherUserIsRefused(t *testing.T) {
	_, url := authServer(t, Echo)
	ctx := testCtx(t)
	alice, _, err := dialAs(ctx, url, "alice", wire.Protocol)
	if err != nil {
		t.Fatal(err)
	}
	w := handshake(t, ctx, alice, wire.Hello{})
	alice.CloseNow()

	mallory, _, err := dialAs(ctx, url, "mallory", wire.Protocol)
	if err != nil {
		t.Fatal(err)
	}
	defer mallory.CloseNow()
	if err := mallory.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, wire.Hello{Version: wire.Version, Session: w.Session, Token: w.Token})); err != nil {
		t.Fatal(err)
	}
	if _, _, err := mallory.Read(ctx); CloseStatus(err) != CloseWrongUser {
		t.Fatalf("another user's resume: %v, want close %d", err, CloseWrongUser)
	}
	back, _, err := dialAs(ctx, url, "alice", wire.Protocol)
	if err != nil {
		t.Fatal(err)
	}
	defer back.CloseNow()
	if w2 := handshake(t, ctx, back, wire.Hello{Session: w.Session, Token: w.Token}); !w2.Resumed {
		t.Fatalf("the owner's resume got %+v, want the session", w2)
	}
}
