//go:build js && wasm

package main

import (
	"time"

	"github.com/hack-pad/safejs"

	"github.com/resock/resock/wasm/reconnect"
)

// gluePath lets the glue move a socket's messages without entering Go:
// every crossing between JavaScript and Go costs more than the browser
// WebSocket spends on a whole small message. Go stays in charge of
// everything else (connections, states, the outbox, heartbeats, the resume
// handshake) and keeps the shared object obj telling the glue what it may
// do:
//
//   - ws: the browser WebSocket of the open connection, or null;
//   - direct: true while the socket is open and nothing waits in the outbox,
//     so a message the page sends can go to ws at once without overtaking
//     anything; Go clears it before anything can queue and sets it again
//     once the outbox is empty;
//   - receive: set by the glue, the JavaScript message handler that Go
//     installs on ws; it dispatches message events itself and hands Go,
//     through slow, what the engine must see: in plain mode the heartbeat's
//     expected answer, in resume mode every frame but data, and in both
//     messages over maxMessageSize and anything it cannot read;
//   - heard: performance.now() when the handler last took a message;
//   - messagesIn, bytesIn, messagesOut, bytesOut: what the glue moved,
//     added to the engine's counts by stats(); text counts its UTF-8 bytes;
//   - maxMessageSize, expect (null for none), origin, arrayBuffer: what the
//     handler needs to check and build a message event;
//   - messageEvent: set by the glue, the function (data, origin) that makes
//     the event of a message, for those that pass through Go as well.
//
// In resume mode the glue also carries the session's data frames once the
// handshake is done (see carry_js.go): resume is true, and carrying says
// whether the glue holds the ledger now.
type gluePath struct {
	k   *socket
	obj safejs.Value
	// resume is set in resume mode.
	resume bool
	// conn is the open connection whose messages the glue delivers, or in
	// resume mode may carry.
	conn *browserConn
	// carrying is set from Carry to Reclaim.
	carrying bool
}

// newGluePath makes the shared object for a socket with options o.
func newGluePath(k *socket, o reconnect.Options) (*gluePath, error) {
	obj, err := js.object.New()
	if err != nil {
		return nil, err
	}
	limit := o.MaxMessageSize
	if limit <= 0 {
		limit = reconnect.DefaultMaxMessageSize
	}
	var expect any = safejs.Null()
	if o.HeartbeatExpect != "" && !o.Resume {
		expect = o.HeartbeatExpect
	}
	fields := []field{
		{"resume", o.Resume},
		{"ws", safejs.Null()},
		{"direct", false},
		{"heard", 0},
		{"messagesIn", 0},
		{"bytesIn", 0},
		{"messagesOut", 0},
		{"bytesOut", 0},
		{"maxMessageSize", limit},
		{"expect", expect},
		{"origin", ""},
		{"arrayBuffer", k.arrayBuffer.Load()},
	}
	if o.Resume {
		fields = append(fields, carryFields(o)...)
	}
	for _, f := range fields {
		if err := obj.Set(f.name, f.value); err != nil {
			return nil, err
		}
	}
	return &gluePath{k: k, obj: obj, resume: o.Resume}, nil
}

// attach hands the messages of c, which just opened, to the glue's handler,
// if the glue set one. In resume mode the handshake's frames still go to Go,
// and the handler takes over when the glue carries the session.
func (p *gluePath) attach(c *browserConn) {
	receive, err := p.obj.Get("receive")
	if err != nil || typeOf(receive) != safejs.TypeFunction || len(c.handlers) < 2 {
		return
	}
	for _, f := range []field{
		{"ws", c.ws},
		{"slow", c.handlers[1].Value()},
		{"origin", p.k.messageOrigin()},
		{"heard", 0},
	} {
		if err := p.obj.Set(f.name, f.value); err != nil {
			return
		}
	}
	if !p.resume {
		if err := c.ws.Set("onmessage", receive); err != nil {
			_ = p.obj.Set("ws", safejs.Null())
			return
		}
	}
	p.conn = c
}

// detach stops the glue from sending on or delivering from c, which is
// closing or closed.
func (p *gluePath) detach(c *browserConn) {
	if p.conn != c {
		return
	}
	p.conn = nil
	_ = p.obj.Set("direct", false)
	_ = p.obj.Set("ws", safejs.Null())
	_ = p.obj.Set("slow", safejs.Undefined())
}

// update tells the glue whether it may send directly now.
func (p *gluePath) update() {
	direct := p.conn != nil && (p.carrying || !p.resume) &&
		p.k.s != nil && p.k.s.State() == reconnect.Open && p.k.s.QueuedMessages() == 0
	_ = p.obj.Set("direct", direct)
}

// block stops direct sends until the next update, while Go itself may queue.
func (p *gluePath) block() {
	_ = p.obj.Set("direct", false)
}

// sinceHeard is how long ago the glue's handler last took a message.
func (p *gluePath) sinceHeard() (time.Duration, bool) {
	heard, err := p.obj.Get("heard")
	if err != nil {
		return 0, false
	}
	at, err := heard.Float()
	if err != nil || at <= 0 {
		return 0, false
	}
	perf, err := js.global.Get("performance")
	if err != nil {
		return 0, false
	}
	nowV, err := perf.Call("now")
	if err != nil {
		return 0, false
	}
	now, err := nowV.Float()
	if err != nil {
		return 0, false
	}
	d := time.Duration((now - at) * float64(time.Millisecond))
	return max(d, 0), true
}

// counts are the glue's message counters, for stats().
func (p *gluePath) counts() (messagesIn, bytesIn, messagesOut, bytesOut int64) {
	return p.count("messagesIn"), p.count("bytesIn"), p.count("messagesOut"), p.count("bytesOut")
}

// count reads one of the glue's counters: 0 if it is missing or not a
// count.
func (p *gluePath) count(name string) int64 {
	v, err := p.obj.Get(name)
	if err != nil {
		return 0
	}
	f, err := v.Float()
	if err != nil || f < 0 {
		return 0
	}
	return int64(f)
}
