//go:build !js

package demo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/resock/resock/server"
)

func newRoomServer(t *testing.T, room *Room) *testServer {
	return newTestServer(t, server.Options{}, room.Serve)
}

func waitRoomClients(t *testing.T, room *Room, n int) {
	t.Helper()
	waitUntil(t, 5*time.Second, func() bool { return room.Clients() == n }, fmt.Sprintf("%d clients in the room", n))
}

func TestRoomBroadcastsToOthersButNotBackToSender(t *testing.T) {
	room := NewRoom(10)
	ts := newRoomServer(t, room)
	ctx := testCtx(t)
	a, b, c := dial(t, ts.wsURL("/"), nil), dial(t, ts.wsURL("/"), nil), dial(t, ts.wsURL("/"), nil)
	waitRoomClients(t, room, 3)

	write(t, ctx, a, websocket.MessageText, "from a")
	for name, peer := range map[string]*websocket.Conn{"b": b, "c": c} {
		if got := readText(t, ctx, peer); got != "from a" {
			t.Fatalf("%s got %q, want %q", name, got, "from a")
		}
	}

	// Each client's messages arrive in order, so had a received its own
	// message it would come before this one.
	write(t, ctx, b, websocket.MessageText, "from b")
	if got := readText(t, ctx, a); got != "from b" {
		t.Fatalf("a got %q first, want %q: the sender received its own message", got, "from b")
	}
	if got := readText(t, ctx, c); got != "from b" {
		t.Fatalf("c got %q, want %q", got, "from b")
	}
}

func TestRoomReplaysHistoryToLateJoiner(t *testing.T) {
	room := NewRoom(10)
	ts := newRoomServer(t, room)
	ctx := testCtx(t)
	a, b := dial(t, ts.wsURL("/"), nil), dial(t, ts.wsURL("/"), nil)
	waitRoomClients(t, room, 2)

	sent := []struct {
		typ  websocket.MessageType
		data string
	}{
		{websocket.MessageText, "stroke 1"},
		{websocket.MessageBinary, "\x00\x01stroke 2"},
		{websocket.MessageText, "stroke 3"},
	}
	for _, m := range sent {
		write(t, ctx, a, m.typ, m.data)
	}
	// Once b has them all, they are in the history.
	for range sent {
		if _, _, err := b.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}

	late := dial(t, ts.wsURL("/"), nil)
	for i, want := range sent {
		typ, got, err := late.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if typ != want.typ || string(got) != want.data {
			t.Fatalf("history message %d = %v %q, want %v %q", i, typ, got, want.typ, want.data)
		}
	}
}

func TestRoomHistoryIsBounded(t *testing.T) {
	room := NewRoom(2)
	ts := newRoomServer(t, room)
	ctx := testCtx(t)
	a, b := dial(t, ts.wsURL("/"), nil), dial(t, ts.wsURL("/"), nil)
	waitRoomClients(t, room, 2)

	for i := 1; i <= 5; i++ {
		write(t, ctx, a, websocket.MessageText, fmt.Sprint("m", i))
	}
	for range 5 {
		readText(t, ctx, b)
	}

	checkLateJoiner(t, ts, room, a, "m6", "m4", "m5", "m6")
}

// checkLateJoiner has a third client join room, sends next from a once it
// is in, and checks that it gets want: the history, then next.
func checkLateJoiner(t *testing.T, ts *testServer, room *Room, a *websocket.Conn, next string, want ...string) {
	t.Helper()
	ctx := testCtx(t)
	late := dial(t, ts.wsURL("/"), nil)
	waitRoomClients(t, room, 3)
	write(t, ctx, a, websocket.MessageText, next)
	for _, w := range want {
		if got := readText(t, ctx, late); got != w {
			t.Fatalf("late joiner got %q, want %q", got, w)
		}
	}
}

func TestRoomHistoryIsBoundedInBytes(t *testing.T) {
	room := NewRoom(10)
	room.HistoryBytes = 10
	ts := newRoomServer(t, room)
	ctx := testCtx(t)
	a, b := dial(t, ts.wsURL("/"), nil), dial(t, ts.wsURL("/"), nil)
	waitRoomClients(t, room, 2)

	// Three of these hold 12 bytes: the oldest must go.
	for _, m := range []string{"m1-a", "m2-b", "m3-c"} {
		write(t, ctx, a, websocket.MessageText, m)
	}
	// A message is in the history once another client got it.
	for range 3 {
		readText(t, ctx, b)
	}

	checkLateJoiner(t, ts, room, a, "m4", "m2-b", "m3-c", "m4")
}

// The default byte bound holds: 1 MiB messages, each within the default
// read limit, are kept 8 at a time although the count allows 1000.
func TestRoomHistoryDefaultByteBound(t *testing.T) {
	room := NewRoom(0)
	for i := range 12 {
		room.record(server.NewPreparedMessage(server.MessageBinary, bytes.Repeat([]byte{byte(i)}, server.DefaultReadLimit)))
	}
	backlog := room.history.messages()
	if len(backlog) != DefaultHistoryBytes/server.DefaultReadLimit {
		t.Fatalf("a joiner gets %d messages of 1 MiB, want %d (DefaultHistoryBytes)", len(backlog), DefaultHistoryBytes/server.DefaultReadLimit)
	}
	for i, m := range backlog {
		if want := byte(12 - len(backlog) + i); m.Data()[0] != want {
			t.Fatalf("history message %d is message %d, want %d: the oldest go first", i, m.Data()[0], want)
		}
	}
}

func TestHistoryKeepsTheNewestThatFitBothBounds(t *testing.T) {
	h := newHistory(3)
	add := func(s string) { h.add(server.NewPreparedMessage(server.MessageText, []byte(s)), 6) }
	got := func() string {
		var parts []string
		total := 0
		for _, m := range h.messages() {
			parts = append(parts, string(m.Data()))
			total += len(m.Data())
		}
		if total != h.bytes {
			t.Fatalf("history counts %d bytes, holds %d", h.bytes, total)
		}
		return strings.Join(parts, ",")
	}
	for _, step := range []struct{ add, want string }{
		{"a", "a"},
		{"b", "a,b"},
		{"c", "a,b,c"},
		{"d", "b,c,d"},       // the count bound
		{"eeee", "c,d,eeee"}, // both fit exactly: 6 bytes
		{"ff", "eeee,ff"},    // the byte bound drops two
		{"ggggggg", ""},      // larger than the bound on its own
		{"h", "h"},
		{"iiiii", "h,iiiii"},
	} {
		add(step.add)
		if g := got(); g != step.want {
			t.Fatalf("after adding %q the history is %q, want %q", step.add, g, step.want)
		}
	}
}

func TestRoomDropsSlowClientWith1013WhileOthersKeepReceiving(t *testing.T) {
	room := NewRoom(1)
	room.QueueSize = 2
	ts := newRoomServer(t, room)
	ctx := testCtx(t)

	// slow reads nothing until it has been dropped.
	slow := dial(t, ts.wsURL("/"), nil)
	fast := dial(t, ts.wsURL("/"), nil)
	sender := dial(t, ts.wsURL("/"), nil)
	waitRoomClients(t, room, 3)

	// The fast client reports every message it receives; the sender waits
	// for that before sending the next, so only the slow client falls behind.
	received := make(chan error)
	go func() {
		for n := 0; ; n++ {
			typ, b, err := fast.Read(ctx)
			switch {
			case err != nil:
			case typ != websocket.MessageBinary || len(b) < 4:
				err = fmt.Errorf("unexpected %v message of %d bytes", typ, len(b))
			case binary.BigEndian.Uint32(b) != uint32(n):
				err = fmt.Errorf("message %d arrived as number %d", binary.BigEndian.Uint32(b), n)
			}
			select {
			case received <- err:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()

	// Send until the slow client is dropped.
	const maxMessages = 2000
	msg := make([]byte, 64<<10)
	sent := 0
	for ; sent < maxMessages && room.Clients() == 3; sent++ {
		binary.BigEndian.PutUint32(msg, uint32(sent))
		if err := sender.Write(ctx, websocket.MessageBinary, msg); err != nil {
			t.Fatal(err)
		}
		if err := <-received; err != nil {
			t.Fatalf("the fast client failed at message %d: %v", sent, err)
		}
	}
	if sent == maxMessages {
		t.Fatalf("the slow client was not dropped after %d messages of %d bytes", sent, len(msg))
	}
	// The fast client is still in the room and still receiving.
	binary.BigEndian.PutUint32(msg, uint32(sent))
	if err := sender.Write(ctx, websocket.MessageBinary, msg); err != nil {
		t.Fatal(err)
	}
	sent++
	if err := <-received; err != nil {
		t.Fatalf("the fast client failed after the drop: %v", err)
	}
	if n := room.Clients(); n != 2 {
		t.Fatalf("%d clients in the room, want 2", n)
	}
	ts.logs.waitForLine(t, "too slow", "close_code=1013")

	got := 0
	for {
		_, _, err := slow.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
				t.Fatalf("slow client ended with %v after %d messages, want close code 1013", err, got)
			}
			break
		}
		got++
	}
	if got >= sent {
		t.Fatalf("slow client received all %d messages yet was dropped", sent)
	}
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Clients == 2 }, "the slow client to be unregistered")
	t.Logf("slow client dropped after %d messages; it had received %d", sent, got)
}
