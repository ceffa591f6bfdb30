//go:build !js

package server

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// Many connections presenting one session's token at once, as after a
// half-open drop or from two holders of one token: each takes the session
// over in turn, every one that lost it is closed with 4001, and exactly one
// is left attached, the one that gets what the application writes next.
func TestConcurrentResumesLeaveExactlyOneConnectionAttached(t *testing.T) {
	conns := make(chan *Conn, 1)
	ts := newTestServer(t, Options{}, func(ctx context.Context, c *Conn) {
		conns <- c
		<-ctx.Done()
	})
	ctx := testCtx(t)
	opts := &websocket.DialOptions{Subprotocols: []string{wire.Protocol}}
	// next reads c's next data frame, or the close that ended it: a
	// welcome, a text message, "replaced" for 4001, or what went wrong.
	next := func(c *websocket.Conn) (wire.Frame, string) {
		for {
			typ, b, err := c.Read(ctx)
			if err != nil {
				var ce websocket.CloseError
				if errors.As(err, &ce) && ce.Code == 4001 {
					return wire.Frame{}, "replaced"
				}
				return wire.Frame{}, "error: " + err.Error()
			}
			f, err := wire.ParseMessage(typ == websocket.MessageBinary, b)
			if err != nil {
				return wire.Frame{}, "error: " + err.Error()
			}
			switch f.Type {
			case wire.TypeWelcome, wire.TypeText:
				return f, ""
			}
		}
	}
	sendHello := func(c *websocket.Conn, h wire.Hello) {
		if err := c.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, h)); err != nil {
			t.Error(err)
		}
	}

	holder := dial(t, ts.wsURL("/"), opts)
	sendHello(holder, wire.Hello{Version: 1})
	first, why := next(holder)
	if why != "" || first.Type != wire.TypeWelcome {
		t.Fatalf("first connection: %v %s, want a welcome", first.Type, why)
	}
	app := <-conns

	const n = 24
	racers := make([]*websocket.Conn, n)
	for i := range racers {
		racers[i] = dial(t, ts.wsURL("/"), opts)
	}
	// A racer is welcomed back into the session, or taken over by another
	// before that, which closes it with 4001 even before its welcome.
	welcomed := make([]bool, n)
	var wg sync.WaitGroup
	for i, c := range racers {
		wg.Go(func() {
			sendHello(c, wire.Hello{Version: 1, Session: first.Welcome.Session, Token: first.Welcome.Token})
			f, why := next(c)
			switch {
			case why == "replaced":
			case why != "" || f.Type != wire.TypeWelcome || !f.Welcome.Resumed:
				t.Errorf("racer %d: %v %+v %s, want the session resumed or 4001", i, f.Type, f.Welcome, why)
			default:
				welcomed[i] = true
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if err := app.Write(ctx, MessageText, []byte("after the race")); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	if _, why := next(holder); why == "replaced" {
		got["replaced"]++
	} else {
		got["holder: "+why]++
	}
	for i, c := range racers {
		if !welcomed[i] {
			got["replaced"]++
			continue
		}
		f, why := next(c)
		if why == "" {
			why = "message: " + string(f.Payload)
		}
		got[why]++
	}
	if got["message: after the race"] != 1 || got["replaced"] != n {
		t.Fatalf("outcomes %v, want one connection with the message and %d closed with 4001", got, n)
	}
}
