package engine

import (
	"reflect"
	"testing"
	"time"

	"github.com/resock/resock/internal/wire"
)

// directLog records what OnDirect was told, and checks that it is told
// with the Socket's lock held: a transport that sends directly decides from
// it, so it must change in the same step as the state it follows.
type directLog struct {
	t    *testing.T
	s    **Socket
	told []bool
}

func (d *directLog) OnDirect(direct bool) {
	if s := *d.s; s != nil && s.mu.TryLock() {
		s.mu.Unlock()
		d.t.Error("OnDirect was called without the Socket's lock")
	}
	d.told = append(d.told, direct)
}

func TestOnDirectOpensOnlyWhileNothingQueuedCanBeOvertaken(t *testing.T) {
	var s *Socket
	d := &directLog{t: t, s: &s}
	h := newHarness(t, 0, func(o *Options) { o.OnDirect = d.OnDirect })
	s = h.s
	c := h.tr.Last(t)
	if len(d.told) != 0 {
		t.Fatalf("told %v while connecting, want nothing", d.told)
	}
	c.open()
	if want := []bool{true}; !reflect.DeepEqual(d.told, want) {
		t.Fatalf("told %v once open, want %v", d.told, want)
	}
	// A Blob being read holds its place in the outbox: nothing may pass it
	// until it is filled.
	p, err := h.s.Reserve(4)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false}; !reflect.DeepEqual(d.told, want) {
		t.Fatalf("told %v with a place held in the outbox, want %v", d.told, want)
	}
	p.Fill(Message{Binary: true, Data: []byte("blob")})
	if want := []bool{true, false, true}; !reflect.DeepEqual(d.told, want) {
		t.Fatalf("told %v once the outbox was flushed, want %v", d.told, want)
	}
	c.drop(1006, "")
	if want := []bool{true, false, true, false}; !reflect.DeepEqual(d.told, want) {
		t.Fatalf("told %v after the connection dropped, want %v", d.told, want)
	}
	h.s.Send(text("queued"))
	h.clock.Advance(time.Minute)
	next := h.tr.Last(t)
	next.open()
	if want := []bool{true, false, true, false, true}; !reflect.DeepEqual(d.told, want) {
		t.Fatalf("told %v after the next connection opened and flushed, want %v", d.told, want)
	}
	if got := next.Sent(); !reflect.DeepEqual(got, []string{"queued"}) {
		t.Fatalf("the next connection sent %q, want the queued message first", got)
	}
	h.s.Close(1000, "")
	if got := d.told[len(d.told)-1]; got {
		t.Fatal("still direct after Close")
	}
}

func TestOnDirectWaitsInResumeModeForTheCarrier(t *testing.T) {
	var s *Socket
	d := &directLog{t: t, s: &s}
	tr := &carrierTransport{}
	h := resumeHarness(t, func(o *Options) {
		o.Transport = tr
		o.OnDirect = d.OnDirect
	})
	s = h.s
	c := tr.carriers[0]
	c.h.OnOpen(wire.Protocol, "")
	if len(d.told) != 0 {
		t.Fatalf("told %v during the handshake, want nothing", d.told)
	}
	c.welcome(wire.Welcome{Session: sessA})
	if want := []bool{true}; !reflect.DeepEqual(d.told, want) || !c.carrying {
		t.Fatalf("told %v, carrying %v after the welcome, want %v while carrying", d.told, c.carrying, want)
	}
	c.data("not carried")
	if want := []bool{true, false}; !reflect.DeepEqual(d.told, want) {
		t.Fatalf("told %v once the engine took the ledger back, want %v", d.told, want)
	}
}
