//go:build js && wasm

package main

import (
	"errors"
	"fmt"

	"github.com/hack-pad/safejs"

	"github.com/resock/resock/internal/engine"
	"github.com/resock/resock/internal/wire"
)

// In resume mode the browser connection is an engine.Carrier: once the
// handshake is done, the DataPath numbers, acknowledges and delivers the
// server's data frames, and frames and keeps the page's, in JavaScript.
// The engine keeps the handshake, the heartbeat, the outbox and every other
// frame, and takes the ledger back before the connection goes.

// carrying reports whether the glue holds c's ledger.
func (c *browserConn) carrying() (*gluePath, bool) {
	p := c.t.glue
	return p, p != nil && p.carrying && p.conn == c
}

func (c *browserConn) Carry(l engine.Ledger) bool {
	p := c.t.glue
	if p == nil || !p.resume || p.carrying || p.conn != c || c.closing || c.closed {
		return false
	}
	frames, err := js.array.New()
	if err != nil {
		return false
	}
	for _, m := range l.Unacked {
		f, err := entryOf(m)
		if err != nil {
			return false
		}
		if _, err := frames.Call("push", f); err != nil {
			return false
		}
	}
	ok, err := p.path.Call("carry", c.ws, map[string]any{
		"frames":   frames,
		"received": float64(l.Received),
		"ackSent":  float64(l.AckSent),
		"sent":     float64(l.Sent),
		"acked":    float64(l.Acked),
	})
	if err != nil || !truthy(ok) {
		return false
	}
	p.carrying = true
	return true
}

func (c *browserConn) Reclaim() engine.Ledger {
	p := c.t.glue
	var l engine.Ledger
	if p == nil || !p.carrying {
		return l
	}
	p.carrying = false
	ledger, err := p.path.Call("reclaim")
	if err == nil {
		count := func(name string) uint64 {
			n, _ := floatProp(ledger, name)
			return uint64(max(n, 0))
		}
		l.Received, l.AckSent, l.Sent, l.Acked = count("received"), count("ackSent"), count("sent"), count("acked")
	}
	var frames safejs.Value
	if err == nil {
		frames, err = ledger.Get("frames")
	}
	if err == nil {
		n, _ := intProp(frames, "length")
		for i := range n {
			f, err := frames.Index(i)
			if err != nil {
				break
			}
			if typeOf(f) == safejs.TypeString {
				text, err := f.String()
				if err != nil || len(text) == 0 {
					break
				}
				l.Unacked = append(l.Unacked, engine.Message{Data: []byte(text[1:])})
				continue
			}
			size, err := intProp(f, "length")
			if err != nil || size == 0 {
				break
			}
			b := make([]byte, size)
			if _, err := safejs.CopyBytesToGo(b, f); err != nil {
				break
			}
			l.Unacked = append(l.Unacked, engine.Message{Binary: true, Data: b[1:]})
		}
	}
	// The counts must match the frames: if the glue failed to hand all of
	// them back, the ones it did are what the session holds, and the
	// console says what was lost rather than leaving numbers nothing backs.
	if kept := uint64(len(l.Unacked)); l.Sent < l.Acked || l.Sent-l.Acked != kept {
		consoleError("failed to take back the unacknowledged messages", fmt.Errorf("got %d of %d", kept, l.Sent-l.Acked))
		l.Sent = l.Acked + kept
	}
	// A connection still open goes on with its messages in Go.
	if !c.closing && !c.closed && len(c.handlers) > 1 {
		_ = c.ws.Set("onmessage", c.handlers[1].Value())
	}
	return l
}

func (c *browserConn) SendData(m engine.Message) error {
	p, ok := c.carrying()
	if !ok {
		return errNotOpen
	}
	f, err := entryOf(m)
	if err != nil {
		return err
	}
	sent, err := p.path.Call("sendFrame", f)
	if err != nil {
		return err
	}
	if ok, _ := sent.Bool(); !ok {
		return errNotOpen
	}
	return nil
}

func (c *browserConn) Release(received uint64) error {
	p, ok := c.carrying()
	if !ok {
		return errors.New("connection is not carrying the session")
	}
	v, err := p.path.Call("release", float64(received))
	if err != nil {
		return err
	}
	if msg, _ := v.String(); msg != "" {
		return errors.New(msg)
	}
	return nil
}

func (c *browserConn) Counts() (received, sent, acked uint64) {
	p, ok := c.carrying()
	if !ok {
		return 0, 0, 0
	}
	n := p.numbers("ledgerCounts", 3)
	return uint64(n[0]), uint64(n[1]), uint64(n[2])
}

func (c *browserConn) Window() (frames, bytes int) {
	p, ok := c.carrying()
	if !ok {
		return 0, 0
	}
	n := p.numbers("window", 2)
	return n[0], n[1]
}

// entryOf makes the data frame of m as the glue keeps it: the type byte
// and the payload, as a string for text, as a Uint8Array for binary data.
func entryOf(m engine.Message) (safejs.Value, error) {
	if !m.Binary {
		return safejs.ValueOf(string(wire.AppendData(make([]byte, 0, 1+len(m.Data)), false, m.Data)))
	}
	b := wire.AppendData(make([]byte, 0, 1+len(m.Data)), true, m.Data)
	view, err := js.uint8Array.New(len(b))
	if err != nil {
		return safejs.Undefined(), err
	}
	if _, err := safejs.CopyBytesToJS(view, b); err != nil {
		return safejs.Undefined(), fmt.Errorf("failed to copy a frame: %w", err)
	}
	return view, nil
}
