//go:build js && wasm

package main

import (
	"time"

	"github.com/hack-pad/safejs"

	"github.com/resock/resock/internal/engine"
)

// gluePath drives a socket's DataPath (jsglue/datapath.js), which moves
// messages between the page and the browser WebSocket without entering Go:
// every crossing between JavaScript and Go costs more than the browser
// WebSocket spends on a whole small message. Go stays in charge of
// everything else (connections, states, the outbox, heartbeats, the resume
// handshake) and talks to the DataPath only through its methods:
// attach/detach a connection, setDirect from inside the engine's lock
// (engine.Options.OnDirect), carry/reclaim/sendFrame/release/window for
// the resume ledger (carry_js.go), and counts/held/sinceHeard for stats and
// the heartbeat.
type gluePath struct {
	k    *socket
	path safejs.Value
	// resume is set in resume mode.
	resume bool
	// conn is the open connection whose messages the glue delivers, or in
	// resume mode may carry.
	conn *browserConn
	// carrying is set from Carry to Reclaim.
	carrying bool
}

// newGluePath makes the DataPath of a socket with options o, with the class
// the glue handed over in init.
func newGluePath(k *socket, class safejs.Value, o engine.Options, arrayBuffer bool) (*gluePath, error) {
	limit := o.MaxMessageSize
	if limit <= 0 {
		limit = engine.DefaultMaxMessageSize
	}
	window := o.MaxUnackedBytes
	if window <= 0 {
		window = engine.DefaultMaxUnackedBytes
	}
	queued, queuedBytes := o.MaxQueuedMessages, o.MaxQueuedBytes
	if queued <= 0 {
		queued = engine.DefaultMaxQueuedMessages
	}
	if queuedBytes <= 0 {
		queuedBytes = engine.DefaultMaxQueuedBytes
	}
	var expect any = safejs.Null()
	if o.HeartbeatExpect != "" && !o.Resume {
		expect = o.HeartbeatExpect
	}
	path, err := class.New(map[string]any{
		"resume":          o.Resume,
		"maxMessageSize":  limit,
		"expect":          expect,
		"arrayBuffer":     arrayBuffer,
		"maxUnacked":      engine.MaxUnackedFrames,
		"maxUnackedBytes": window,
		// What the DataPath holds for the window counts against the
		// outbox's limits, as if queued.
		"maxQueuedMessages": queued,
		"maxQueuedBytes":    queuedBytes,
	})
	if err != nil {
		return nil, err
	}
	return &gluePath{k: k, path: path, resume: o.Resume}, nil
}

// attach hands the messages of c, which just opened, to the DataPath. In
// resume mode the handshake's frames still go to Go, and the DataPath takes
// over when it carries the session.
func (p *gluePath) attach(c *browserConn) {
	if len(c.handlers) < 2 {
		return
	}
	if _, err := p.path.Call("attach", c.ws, c.handlers[1].Value(), p.k.messageOrigin()); err != nil {
		consoleError("failed to attach the data path", err)
		return
	}
	p.conn = c
}

// detach stops the DataPath from sending on or delivering from c, which is
// closing or closed.
func (p *gluePath) detach(c *browserConn) {
	if p.conn != c {
		return
	}
	p.conn = nil
	_, _ = p.path.Call("detach")
}

// setDirect tells the DataPath whether it may send directly. The engine
// calls it with its lock held.
func (p *gluePath) setDirect(direct bool) {
	_, _ = p.path.Call("setDirect", direct && p.conn != nil)
}

// sinceHeard is how long ago the DataPath last took a message.
func (p *gluePath) sinceHeard() (time.Duration, bool) {
	v, err := p.path.Call("sinceHeard")
	if err != nil {
		return 0, false
	}
	ms, err := v.Float()
	if err != nil || ms < 0 {
		return 0, false
	}
	return time.Duration(ms * float64(time.Millisecond)), true
}

// counts are the DataPath's message counters, for stats().
func (p *gluePath) counts() (messagesIn, bytesIn, messagesOut, bytesOut int64) {
	n := p.numbers("counts", 4)
	return int64(n[0]), int64(n[1]), int64(n[2]), int64(n[3])
}

// held is what the DataPath holds in resume mode, behind a Blob it is
// reading or for room in the window: messages accepted and not yet sent,
// as if queued.
func (p *gluePath) held() (messages, bytes int) {
	n := p.numbers("held", 2)
	return n[0], n[1]
}

// numbers calls a method of the DataPath that returns an array of n
// counts; a missing or broken one reads as 0.
func (p *gluePath) numbers(method string, n int) []int {
	out := make([]int, n)
	v, err := p.path.Call(method)
	if err != nil {
		return out
	}
	for i := range out {
		e, err := v.Index(i)
		if err != nil {
			break
		}
		f, err := e.Float()
		if err == nil && f > 0 {
			out[i] = int(f)
		}
	}
	return out
}
