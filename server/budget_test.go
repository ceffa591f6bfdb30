//go:build !js

package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// readData reads c's frames until n data frames came, acknowledging none,
// and returns their payloads.
func readData(t *testing.T, ctx context.Context, c *websocket.Conn, n int) [][]byte {
	t.Helper()
	var out [][]byte
	for len(out) < n {
		typ, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("after %d of %d data frames: %v", len(out), n, err)
		}
		f, err := wire.ParseMessage(typ == websocket.MessageBinary, b)
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == wire.TypeText || f.Type == wire.TypeBinary {
			out = append(out, f.Payload)
		}
	}
	return out
}

// A room's history is replayed to every client that joins; in resume mode
// each session keeps what it sent until its client acknowledges it. The
// frames are the history's own, not a copy per session.
func TestRoomHistoryFramesAreSharedAmongSessions(t *testing.T) {
	const messages, size, clients = 8, 256 << 10, 24
	room := &historyRoom{keep: messages}
	ts := newTestServer(t, Options{MaxUnackedBytes: 4 * messages * size, HeartbeatInterval: time.Hour}, room.serve)
	ctx := testCtx(t)
	writer, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	for i := range messages {
		payload := bytes.Repeat([]byte{byte('a' + i)}, size)
		if err := writer.Write(ctx, websocket.MessageBinary, wire.AppendData(nil, true, payload)); err != nil {
			t.Fatal(err)
		}
	}
	// A reader that joins after the writer sent everything gets the whole
	// history: then the history holds it.
	probe, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	readData(t, ctx, probe, messages)

	base := liveHeap()
	var readers []*websocket.Conn
	for range clients {
		c, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
		got := readData(t, ctx, c, messages)
		if !bytes.Equal(got[messages-1], bytes.Repeat([]byte{byte('a' + messages - 1)}, size)) {
			t.Fatal("the replayed history differs from what was sent")
		}
		readers = append(readers, c)
	}
	grew := heapGrowth(base)
	history := uint64(messages * size)
	t.Logf("%d sessions each keeping the %s history unacknowledged: heap grew %s", clients, mib(history), mib(grew))
	// Copied per session, the frames alone would be clients × history.
	if limit := history + clients*256<<10; grew > limit {
		t.Errorf("heap grew %s for %d sessions keeping a %s history, want under %s: the history is copied per session",
			mib(grew), clients, mib(history), mib(limit))
	}
	for _, c := range readers {
		c.CloseNow()
	}
}

// acknowledge acknowledges n frames on c, and waits until the server has
// read it: the pong to a ping sent after it.
func acknowledge(t *testing.T, ctx context.Context, c *websocket.Conn, n uint64) {
	t.Helper()
	if err := c.Write(ctx, websocket.MessageBinary, wire.AppendValue(nil, wire.TypeAck, n)); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(ctx, websocket.MessageBinary, wire.AppendValue(nil, wire.TypePing, 77)); err != nil {
		t.Fatal(err)
	}
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f, err := wire.ParseMessage(typ == websocket.MessageBinary, b); err == nil && f.Type == wire.TypePong && f.Value == 77 {
			return
		}
	}
}

// heldServer is a server whose app writes n payloads of size to each new
// session and then waits, and reports the sessions that ended and why.
func heldServer(t *testing.T, o Options, n, size int) (*testServer, chan error) {
	ended := make(chan error, 64)
	ts := newTestServer(t, o, func(ctx context.Context, c *Conn) {
		for i := range n {
			if err := c.Write(ctx, MessageBinary, bytes.Repeat([]byte{byte(i)}, size)); err != nil {
				ended <- err
				return
			}
		}
		_, _, err := c.Read(ctx)
		ended <- err
	})
	return ts, ended
}

// The bytes held by sessions without a connection stay within
// MaxDetachedBytes: past it, those that lost their connection first end,
// their app's Read says why, and a log line records it.
func TestDetachedSessionsAreEvictedPastTheBudget(t *testing.T) {
	const size, perSession = 64 << 10, 4
	const budget = 3 * perSession * size
	ts, ended := heldServer(t, Options{MaxDetachedBytes: budget, HeartbeatInterval: time.Hour}, perSession, size)
	ctx := testCtx(t)
	var welcomes []wire.Welcome
	for i := range 6 {
		c, w := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
		readData(t, ctx, c, perSession)
		// An acknowledgement of one frame: this client is no one-shot.
		acknowledge(t, ctx, c, 1)
		c.CloseNow()
		welcomes = append(welcomes, w)
		waitUntil(t, 5*time.Second, func() bool { return ts.Stats().DetachedSessions+int(ts.Stats().Evicted) == i+1 }, "the session detached")
		if st := ts.Stats(); st.DetachedBytes > budget {
			t.Fatalf("after %d abandoned sessions: %d bytes held detached, over the budget of %d", i+1, st.DetachedBytes, budget)
		}
	}
	st := ts.Stats()
	t.Logf("6 sessions each holding %d KiB: %d detached, %d bytes held, %d evicted", (perSession-1)*size>>10, st.DetachedSessions, st.DetachedBytes, st.Evicted)
	if st.Evicted == 0 || st.DetachedSessions+int(st.Evicted) != 6 {
		t.Fatalf("%d detached, %d evicted: want the oldest evicted to keep within the budget", st.DetachedSessions, st.Evicted)
	}
	for range st.Evicted {
		select {
		case err := <-ended:
			if !errors.Is(err, ErrSessionEvicted) {
				t.Errorf("an evicted session's app read %v, want ErrSessionEvicted", err)
			}
		case <-ctx.Done():
			t.Fatal("an evicted session's app was not told")
		}
	}
	ts.logs.waitForLine(t, "session evicted")
	// The oldest went first: the first session is gone, the last resumes.
	first, last := welcomes[0], welcomes[len(welcomes)-1]
	c, w := openSession(t, ctx, ts.wsURL("/"), wire.Hello{Session: first.Session, Token: first.Token, Received: perSession})
	c.CloseNow()
	if w.Resumed {
		t.Error("the session detached first was resumed: the oldest were not evicted first")
	}
	c, w = openSession(t, ctx, ts.wsURL("/"), wire.Hello{Session: last.Session, Token: last.Token, Received: perSession})
	c.CloseNow()
	if !w.Resumed {
		t.Error("the session detached last was not resumed")
	}
}

// A session whose client never acknowledged anything, as a client that
// only ever sends its hello, waits UnackedSessionRetention, not the full
// retention.
func TestSessionsNeverAcknowledgedWaitBriefly(t *testing.T) {
	ts, ended := heldServer(t, Options{SessionRetention: time.Hour, UnackedSessionRetention: 200 * time.Millisecond, HeartbeatInterval: time.Hour}, 1, 1024)
	ctx := testCtx(t)
	never, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	readData(t, ctx, never, 1)
	acked, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	readData(t, ctx, acked, 1)
	acknowledge(t, ctx, acked, 1)
	start := time.Now()
	never.CloseNow()
	acked.CloseNow()
	select {
	case err := <-ended:
		if !errors.Is(err, ErrSessionExpired) {
			t.Fatalf("app read %v, want ErrSessionExpired", err)
		}
		t.Logf("the session never acknowledged expired after %v", time.Since(start).Round(time.Millisecond))
	case <-ctx.Done():
		t.Fatal("the session that never acknowledged anything did not expire")
	}
	// The app hears of the end as it happens; the table lets the session
	// go just after.
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Sessions == 1 }, "the expired session to leave the table")
	if st := ts.Stats(); st.DetachedSessions != 1 {
		t.Fatalf("%d sessions, %d detached: want the acknowledging one still waiting", st.Sessions, st.DetachedSessions)
	}
}

// One address holds at most MaxSessionsPerAddress sessions: past it, its
// own oldest detached session makes room, and with every one connected
// the newcomer is refused with 1013.
func TestSessionsPerAddressAreBounded(t *testing.T) {
	const quota = 4
	ts := newTestServer(t, Options{MaxSessionsPerAddress: quota, HeartbeatInterval: time.Hour}, Echo)
	ctx := testCtx(t)
	var live []*websocket.Conn
	for range quota {
		c, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
		live = append(live, c)
	}
	refusedHello := func() bool {
		c := dial(t, ts.wsURL("/"), &websocket.DialOptions{Subprotocols: []string{wire.Protocol}})
		defer c.CloseNow()
		if err := c.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, wire.Hello{Version: wire.Version})); err != nil {
			t.Fatal(err)
		}
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := wire.Parse(b)
		return f.Type == wire.TypeRetryAfter
	}
	if !refusedHello() {
		t.Fatalf("a fifth session from one address with %d connected was accepted", quota)
	}
	ts.logs.waitForLine(t, "too many sessions from this address")
	live[0].CloseNow()
	waitUntil(t, 5*time.Second, func() bool { return ts.Stats().DetachedSessions == 1 }, "one session detached")
	if refusedHello() {
		t.Fatal("refused although the address has a detached session to give up")
	}
	if st := ts.Stats(); st.Sessions != quota || st.Evicted != 1 {
		t.Fatalf("%d sessions, %d evicted; want %d and 1", st.Sessions, st.Evicted, quota)
	}
	for _, c := range live[1:] {
		c.CloseNow()
	}
}

func TestAddrKeyGroupsIPv6By64(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:443":                 "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:80":     "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:80":     "2001:db8:1:2::/64",
		"[::ffff:192.0.2.7]:1":          "192.0.2.7",
		"pipe":                          "pipe",
		fmt.Sprint("[2001:db8::1]:", 9): "2001:db8::/64",
	} {
		if got := addrKey(in); got != want {
			t.Errorf("addrKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// The attack on a room: once one client has filled the history, every
// resume hello dropped at once used to pin a copy of the history's first
// megabyte; 500 of them took the demo from 213 MB to 1 GB. Now the frames
// are shared and sessions without a connection stay within the budget,
// and a client beside the attacker still gets its session and messages.
func TestHostileDroppedHellosOnARoomStayWithinTheBudget(t *testing.T) {
	const messages, size = 16, 256 << 10
	const budget = 8 << 20
	room := &historyRoom{keep: messages}
	ts := newTestServer(t, boundsOptions(Options{MaxDetachedBytes: budget}), room.serve)
	ctx := testCtx(t)
	writer, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	defer writer.CloseNow()
	for i := range messages {
		if err := writer.Write(ctx, websocket.MessageBinary, wire.AppendData(nil, true, bytes.Repeat([]byte{byte(i)}, size))); err != nil {
			t.Fatal(err)
		}
	}
	legit, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	defer legit.CloseNow()
	received := uint64(0)
	// readAcked reads n data frames on legit, acknowledging each, as a
	// client does.
	readAcked := func(n int) [][]byte {
		var out [][]byte
		for range n {
			out = append(out, readData(t, ctx, legit, 1)[0])
			received++
			if err := legit.Write(ctx, websocket.MessageBinary, wire.AppendValue(nil, wire.TypeAck, received)); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	readAcked(messages)

	base := liveHeap()
	var peak uint64
	const hellos = 200
	for i := range hellos {
		c, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
		c.CloseNow()
		if i%20 == 19 {
			peak = max(peak, heapGrowth(base))
		}
	}
	waitUntil(t, 10*time.Second, func() bool { return ts.Stats().Clients == 2 }, "the dropped connections gone")
	peak = max(peak, heapGrowth(base))
	st := ts.Stats()
	bound := detachedTotalBound(budget, st.DetachedSessions)
	t.Logf("%d hellos dropped at once on a room with a %s history: %d detached, %s held, %d evicted; peak heap growth %s (bound %s)",
		hellos, mib(messages*size), st.DetachedSessions, mib(uint64(st.DetachedBytes)), st.Evicted, mib(peak), mib(uint64(bound)))
	if peak > uint64(bound) {
		t.Errorf("peak heap growth %s, over the bound of %s", mib(peak), mib(uint64(bound)))
	}
	// The client beside the attacker still gets what the room sends.
	if err := writer.Write(ctx, websocket.MessageText, wire.AppendData(nil, false, []byte("still here"))); err != nil {
		t.Fatal(err)
	}
	if got := readAcked(1); string(got[0]) != "still here" {
		t.Fatalf("the legitimate client got %q", got[0])
	}
	c, w := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
	defer c.CloseNow()
	if w.Session.IsZero() {
		t.Fatal("a new client got no session")
	}
}
