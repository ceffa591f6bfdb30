//go:build !js

// This file is a session's link: the loop that reads one connection's
// frames into the session, its acknowledgements and heartbeats.

package server

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// serveLink reads wc's frames into the session until wc ends or stops being
// the session's link.
func (s *session) serveLink(wc *wsConn) {
	var lastHeard atomic.Int64
	lastHeard.Store(time.Now().UnixNano())
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		s.heartbeat(wc, &lastHeard)
	}()
	defer func() { <-hbDone }()

	for {
		typ, data, err := wc.Read(context.Background())
		if err != nil {
			return
		}
		lastHeard.Store(time.Now().UnixNano())
		f, err := wire.ParseMessage(typ == websocket.MessageBinary, data)
		if err != nil {
			s.protocolError(wc, err)
			return
		}
		switch f.Type {
		case wire.TypeText, wire.TypeBinary:
			if !s.deliver(wc, f) {
				return
			}
		case wire.TypeAck:
			s.mu.Lock()
			current := s.link == wc
			if current {
				err = s.releaseLocked(f.Value)
			}
			s.mu.Unlock()
			if !current {
				return
			}
			if err != nil {
				s.protocolError(wc, err)
				return
			}
			if b := s.cfg.broker; b != nil {
				// Only what the broker keeps shrinks: nothing waits for it.
				go func(n uint64) {
					ctx, cancel := context.WithTimeout(s.ctx, brokerTimeout)
					defer cancel()
					_ = b.AckOut(ctx, SessionID(s.id), n)
				}(f.Value)
			}
		case wire.TypePing:
			if !wc.allowPing() {
				return
			}
			s.writeControl(wc, wire.AppendValue(nil, wire.TypePong, f.Value))
		case wire.TypePong:
		default:
			s.protocolError(wc, errors.New("unexpected "+f.Type.String()+" frame"))
			return
		}
	}
}

// deliver queues one data frame for the app, waiting while the inbox is
// full. A frame that arrives on a link that was replaced meanwhile is not
// counted: the client resends it on the new link.
func (s *session) deliver(wc *wsConn, f wire.Frame) bool {
	typ := MessageText
	if f.Type == wire.TypeBinary {
		typ = MessageBinary
	}
	if b := s.cfg.broker; b != nil {
		s.mu.Lock()
		n := s.received + 1
		s.mu.Unlock()
		// Stored before it counts as received: the welcome of whichever
		// instance the client reaches next says it has it.
		err := s.cfg.brokerDown()
		if err == nil {
			err = b.AppendIn(wc.ctx, SessionID(s.id), n, StoredMessage{N: n, Type: typ, Data: f.Payload})
		}
		if err != nil {
			s.brokerFailed(wc, "store a client message", err)
			return false
		}
	}
	s.mu.Lock()
	for s.inboxFullLocked(len(f.Payload)) && s.link == wc {
		space := s.inboxSpace.wait()
		s.mu.Unlock()
		select {
		case <-space:
		case <-wc.stop:
			return false
		}
		s.mu.Lock()
	}
	if s.link != wc {
		s.mu.Unlock()
		return false
	}
	s.received++
	s.inboxBytes += len(f.Payload)
	s.inbox = append(s.inbox, Message{
		Type: typ,
		// The frame's bytes are the session's own: the read loop copies
		// every message out of its buffer.
		Data: f.Payload,
		ID:   MessageID{Client: ClientID(s.client), N: s.firstID + s.received - 1},
	})
	s.inboxReady.fire()
	s.mu.Unlock()
	return true
}

// inboxFullLocked reports whether a message of n bytes must wait for the app
// to read: the inbox holds at most inboxLimit messages and the read limit in
// bytes, and always one.
func (s *session) inboxFullLocked(n int) bool {
	if len(s.inbox) == 0 {
		return false
	}
	return len(s.inbox) >= inboxLimit || int64(s.inboxBytes+n) > s.cfg.readLimit
}

// ackDue is the pending check of acks: it acknowledges on the current link
// once the policy says so, or checks again later. Without a link it stops:
// the next link's welcome tells the client what arrived.
func (s *session) ackDue() {
	s.mu.Lock()
	s.ackTimer = nil
	link := s.link
	if link == nil {
		s.mu.Unlock()
		return
	}
	ack, wait := s.acks.Due(monotonic())
	if !ack && wait > 0 {
		s.ackTimer = time.AfterFunc(wait, s.ackDue)
	}
	s.mu.Unlock()
	if ack {
		s.sendAck(link)
	}
}

// sendAck acknowledges on wc what the app has read, if wc is still the
// session's link and the client does not know of it yet.
func (s *session) sendAck(wc *wsConn) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	var n uint64
	ok := false
	if s.link == wc {
		n, ok = s.acks.Ack()
	}
	s.mu.Unlock()
	if ok {
		_ = wc.write(wc.ctx, websocket.MessageBinary, wire.AppendValue(nil, wire.TypeAck, n))
	}
}

// clockOrigin is the zero of monotonic.
var clockOrigin = time.Now()

// monotonic is the time on the clock wire.Acker reads: an offset, so that
// it is monotonic whatever the wall clock does.
func monotonic() time.Duration { return time.Since(clockOrigin) }

// writeControl writes a frame that is not data on wc, if it is still the
// session's link.
func (s *session) writeControl(wc *wsConn, frame []byte) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	current := s.link == wc
	s.mu.Unlock()
	if current {
		_ = wc.write(wc.ctx, websocket.MessageBinary, frame)
	}
}

// heartbeat probes wc when the client has been silent for HeartbeatInterval
// and drops it when nothing at all arrives within HeartbeatTimeout after.
func (s *session) heartbeat(wc *wsConn, lastHeard *atomic.Int64) {
	interval, timeout := s.cfg.heartbeatInterval, s.cfg.heartbeatTimeout
	var pinged time.Time
	var stamp uint64
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-wc.stop:
			return
		case <-t.C:
		}
		now := time.Now()
		heard := time.Unix(0, lastHeard.Load())
		switch {
		case !pinged.IsZero() && !heard.After(pinged) && now.Sub(pinged) >= timeout:
			s.log.Warn("client stopped answering heartbeats, dropping its connection",
				"client", wc.id, "silent", now.Sub(heard).Round(time.Millisecond), "close_code", 4002)
			go wc.Close(4002, "heartbeat timeout")
			wc.killAfter(time.Second)
			return
		case !pinged.IsZero() && !heard.After(pinged):
			t.Reset(timeout - now.Sub(pinged))
		case now.Sub(heard) >= interval:
			stamp++
			pinged = now
			// The probe must not hold up the timeout if a write is stuck.
			go s.writeControl(wc, wire.AppendValue(nil, wire.TypePing, stamp))
			t.Reset(timeout)
		default:
			pinged = time.Time{}
			t.Reset(interval - now.Sub(heard))
		}
	}
}

func (s *session) protocolError(wc *wsConn, err error) {
	code := websocket.StatusProtocolError
	if errors.Is(err, wire.ErrInvalidUTF8) {
		code = websocket.StatusInvalidFramePayloadData
	}
	s.log.Warn("protocol error, closing the connection", "client", wc.id, "err", err, "close_code", int(code))
	_ = wc.Close(code, "protocol error")
}
