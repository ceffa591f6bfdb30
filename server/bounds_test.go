//go:build !js

package server

import (
	"context"

	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// The memory bounds docs/SECURITY.md states ("Memory"), measured: the live
// heap after a full collection, with the attackers' own buffers in the same
// process counted against the server. Each test fails when a bound is
// exceeded; the bounds are in terms of the options they follow from.

// boundsOptions keep every client connected while it is measured: no
// ping, heartbeat or write timeout drops it first.
func boundsOptions(o Options) Options {
	o.PingInterval, o.HeartbeatInterval, o.WriteTimeout = time.Hour, time.Hour, time.Hour
	o.Logger = quietLogger()
	return o
}

// Per connected client: clients that send messages of ReadLimit bytes as
// fast as they can and never read what the server echoes. The server
// reads until its buffers for each are full, then stops reading it.
func TestMemoryPerConnectedClientIsBounded(t *testing.T) {
	const clients = 16
	const readLimit = 1 << 20
	for _, tc := range []struct {
		name   string
		resume bool
		// bound is the documented bound per client.
		bound int
	}{
		{"plain", false, plainClientBound(readLimit)},
		{"resume", true, resumeClientBound(readLimit, 1<<20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, boundsOptions(Options{ReadLimit: readLimit}), Echo)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			base := liveHeap()
			msg := make([]byte, readLimit-1)
			var conns []*websocket.Conn
			for range clients {
				var c *websocket.Conn
				if tc.resume {
					c, _ = openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
				} else {
					c = dial(t, ts.wsURL("/"), nil)
				}
				conns = append(conns, c)
				payload := msg
				if tc.resume {
					payload = wire.AppendData(nil, true, msg[:len(msg)-1])
				}
				go func() {
					for c.Write(ctx, websocket.MessageBinary, payload) == nil {
					}
				}()
			}
			waitUntil(t, 30*time.Second, func() bool { return saturated(ts.Server, clients) }, "the server's buffers for every client full")
			grew := heapGrowth(base)
			per := grew / clients
			t.Logf("%d %s clients that never read: heap grew %s, %s per client (bound %s)", clients, tc.name, mib(grew), mib(per), mib(uint64(tc.bound)))
			if per > uint64(tc.bound) {
				t.Errorf("%s per %s client, over the documented bound of %s", mib(per), tc.name, mib(uint64(tc.bound)))
			}
			for _, c := range conns {
				c.CloseNow()
			}
		})
	}
}

// saturated reports whether the server has n clients and has stopped
// reading each: its queue for the app cannot take another message, and in
// resume mode the session's inbox neither.
func saturated(s *Server, n int) bool {
	conns := s.clients.list()
	if len(conns) != n {
		return false
	}
	for _, c := range conns {
		c.qmu.Lock()
		q := c.queued
		c.qmu.Unlock()
		if q+s.opts.ReadLimit/2 <= s.opts.ReadLimit {
			return false
		}
	}
	// A session's lock comes before the table's: the sessions are listed
	// under the table's lock, and looked at after.
	s.sessions.mu.Lock()
	detached := len(s.sessions.detached)
	sessions := make([]*session, 0, len(s.sessions.byID))
	for _, sess := range s.sessions.byID {
		sessions = append(sessions, sess)
	}
	s.sessions.mu.Unlock()
	if detached > 0 {
		return false
	}
	for _, sess := range sessions {
		sess.mu.Lock()
		full := sess.inboxFullLocked(int(s.opts.ReadLimit / 2))
		sess.mu.Unlock()
		if !full {
			return false
		}
	}
	return true
}

// Per detached session, and in total: sessions whose app wrote frames the
// client never acknowledged, then lost their connection.
func TestMemoryOfDetachedSessionsIsBounded(t *testing.T) {
	const frame, frames = 64 << 10, 8 // 512 KiB held by each
	const budget = 8 << 20
	const sessions = 48 // 24 MiB asked for, three times the budget
	ts, _ := heldServer(t, boundsOptions(Options{MaxDetachedBytes: budget, UnackedSessionRetention: time.Hour, SessionRetention: time.Hour}), frames, frame)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	base := liveHeap()
	var peak uint64
	for i := range sessions {
		c, _ := openSession(t, ctx, ts.wsURL("/"), wire.Hello{})
		readData(t, ctx, c, frames)
		// One acknowledged, so that it waits the full retention.
		acknowledge(t, ctx, c, 1)
		c.CloseNow()
		waitUntil(t, 5*time.Second, func() bool {
			st := ts.Stats()
			return st.Clients == 0 && st.DetachedSessions+int(st.Evicted) == i+1
		}, "the session detached")
		if i == 7 {
			// Eight sessions, within the budget: the cost of one.
			per := heapGrowth(base) / 8
			t.Logf("8 detached sessions holding %d KiB of frames each: %s per session (bound %s)", (frames-1)*frame>>10, mib(per), mib(uint64(detachedSessionBound((frames-1)*frame))))
			if per > uint64(detachedSessionBound((frames-1)*frame)) {
				t.Errorf("%s per detached session, over the documented bound", mib(per))
			}
		}
		peak = max(peak, heapGrowth(base))
	}
	st := ts.Stats()
	bound := detachedTotalBound(budget, st.DetachedSessions)
	t.Logf("%d sessions abandoned holding %d KiB each: %d detached, %s held, %d evicted; peak heap growth %s (bound %s)",
		sessions, (frames-1)*frame>>10, st.DetachedSessions, mib(uint64(st.DetachedBytes)), st.Evicted, mib(peak), mib(uint64(bound)))
	if st.DetachedBytes > budget {
		t.Errorf("%s held by detached sessions, over MaxDetachedBytes", mib(uint64(st.DetachedBytes)))
	}
	if peak > uint64(bound) {
		t.Errorf("peak heap growth %s, over the documented bound %s", mib(peak), mib(uint64(bound)))
	}
}

// The documented bounds, as docs/SECURITY.md states them. A plain client
// that never reads costs the message the read loop holds while the queue
// for the app is full, that queue (ReadLimit), and the message the app
// holds while its write waits; a message being read may take up to another
// ReadLimit of buffer as it grows. A resume client costs as much again
// between the link and the session (the message the link holds while the
// inbox is full, and the inbox), the frames the session keeps until
// acknowledged (MaxUnackedBytes, at least one frame), and the app's next
// message.
func plainClientBound(readLimit int) int { return 4 * readLimit }
func resumeClientBound(readLimit, maxUnacked int) int {
	return 7*readLimit + maxUnacked
}
func detachedSessionBound(held int) int { return held + 128<<10 }
func detachedTotalBound(budget, sessions int) int {
	return budget + sessions*128<<10 + 2<<20
}
