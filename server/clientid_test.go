//go:build !js

package server

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// helloAs opens a connection as user, says h and returns the welcome.
func helloAs(t *testing.T, ctx context.Context, url, user string, h wire.Hello) wire.Welcome {
	t.Helper()
	c, _, err := dialAs(ctx, url, user, wire.Protocol)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, h)); err != nil {
		t.Fatal(err)
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, err := wire.Parse(b)
	if err != nil || f.Type != wire.TypeWelcome {
		t.Fatalf("answer %x, %v: want a welcome", b, err)
	}
	return f.Welcome
}

// userServer serves Echo with the user named by the "user" cookie and key.
func userServer(t *testing.T, key []byte) string {
	t.Helper()
	s := New(Options{
		Logger:    quietLogger(),
		ClientKey: key,
		Authenticate: func(r *http.Request) (string, error) {
			c, err := r.Cookie("user")
			if err != nil {
				return "", nil
			}
			return c.Value, nil
		},
	})
	srv := httptest.NewServer(s.Handler(Echo))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// The server issues client ids: it replaces the one a client chose, keeps
// one it issued to the same user under the same key, and replaces one
// issued to another user or under another key.
func TestServerIssuesClientIDsBoundToUserAndKey(t *testing.T) {
	ctx := testCtx(t)
	key := []byte("an example key of thirty-two b..")
	url := userServer(t, key)
	chosen := wire.ID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

	first := helloAs(t, ctx, url, "ann", wire.Hello{Version: wire.Version, Client: chosen})
	if first.Client.IsZero() || first.Client == chosen {
		t.Fatalf("welcome gave client id %x for a client that chose %x, want one the server issued", first.Client, chosen)
	}
	again := helloAs(t, ctx, url, "ann", wire.Hello{Version: wire.Version, Client: first.Client, FirstID: 5})
	if again.Client != first.Client {
		t.Fatalf("a new session presenting its issued id got %x, want %x kept", again.Client, first.Client)
	}
	if other := helloAs(t, ctx, url, "bob", wire.Hello{Version: wire.Version, Client: first.Client}); other.Client == first.Client || other.Client.IsZero() {
		t.Fatalf("another user presenting ann's client id got %x, want a new id", other.Client)
	}
	forged := first.Client
	forged[15] ^= 1
	if got := helloAs(t, ctx, url, "ann", wire.Hello{Version: wire.Version, Client: forged}); got.Client == forged {
		t.Fatalf("an id whose signature is wrong was kept")
	}
	if got := helloAs(t, ctx, userServer(t, key), "ann", wire.Hello{Version: wire.Version, Client: first.Client}); got.Client != first.Client {
		t.Fatalf("a server with the same key gave %x, want %x kept (a restart)", got.Client, first.Client)
	}
	if got := helloAs(t, ctx, userServer(t, []byte("another key, thirty-two bytes...")), "ann", wire.Hello{Version: wire.Version, Client: first.Client}); got.Client == first.Client {
		t.Fatalf("a server with another key kept the id")
	}
}

// ledgerApp is an app that applies numbered messages into a ledger that
// outlives its server, as a database would, until crashed is set: then it
// stops taking messages at once, as a process that died would.
type ledgerApp struct {
	*exchange
	crashed atomic.Bool
}

func (a *ledgerApp) serve(ctx context.Context, c *Conn) {
	for !a.crashed.Load() {
		m, err := c.ReadMessage(ctx)
		if err != nil || a.crashed.Load() {
			return
		}
		a.mu.Lock()
		if m.ID.N <= a.ledger[m.ID.Client] {
			a.dupes++
			a.mu.Unlock()
			continue
		}
		if m.ID.N != a.ledger[m.ID.Client]+1 {
			a.mu.Unlock()
			a.fail("client %x: message id %d after %d", m.ID.Client[:4], m.ID.N, a.ledger[m.ID.Client])
			continue
		}
		a.ledger[m.ID.Client] = m.ID.N
		a.mu.Unlock()
		if m.ID.Client != c.Client() {
			a.fail("message from client %x on a Conn of client %x", m.ID.Client[:4], c.Client())
		}
		if got, want := string(m.Data), strconv.FormatUint(m.ID.N-1, 10); got != want {
			a.fail("message %d holds %q, want %s", m.ID.N, got, want)
		}
		a.received.Add(1)
	}
}

func (a *ledgerApp) applied(_ context.Context, client ClientID) (uint64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.ledger[client], nil
}

// After a crash, the client sends again what the dead server had not
// acknowledged, some of which its app had applied; with Options.Applied the
// next server drops those, so its app reads every message once. The
// ledger survives; the server's memory does not.
func TestAppliedDropsWhatTheAppHadBeforeACrash(t *testing.T) {
	const rate, n = 500, 1500
	ledger := &ledgerApp{exchange: newExchange(0)}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	opts := Options{Logger: quietLogger(), ClientKey: restartKey, Applied: ledger.applied}
	crashed := New(opts)
	hs := &http.Server{Handler: crashed.Handler(ledger.serve)}
	go hs.Serve(ln)
	t.Cleanup(func() {
		// What the crashed server still holds in memory goes too.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		crashed.Shutdown(ctx)
	})

	c := newResumeClient(t, "ws://"+addr, nil)
	defer c.close(t)
	<-c.openedAt
	sent := c.sendAtRate(t, rate, n)
	waitUntil(t, 10*time.Second, func() bool { return ledger.received.Load() > n/3 }, "a third of the messages")
	// The crash: the app stops, every connection is cut without a close,
	// and nothing is acknowledged on the way out.
	ledger.crashed.Store(true)
	hs.Close()
	appliedAtCrash := ledger.received.Load()

	next := &ledgerApp{exchange: ledger.exchange}
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, stop := serveOn(t, ln2, opts, next.serve)
	defer stop()
	<-sent
	waitUntil(t, 60*time.Second, func() bool { return ledger.received.Load() == n && c.fresh.Load() >= 2 }, "every message after the crash")
	for _, e := range ledger.errs {
		t.Error(e)
	}
	t.Logf("%d messages at %d/s across a crash after %d were applied: %d given to the app twice", n, rate, appliedAtCrash, ledger.dupes)
	if ledger.dupes != 0 {
		t.Errorf("%d messages the app had applied were given to it again after the crash", ledger.dupes)
	}
}
