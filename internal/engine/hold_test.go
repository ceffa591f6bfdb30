package engine

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/resock/resock/internal/wire"
)

// TestAHeldSocketWaitsForReleaseAndSendsTheRestoredQueueFirst holds a
// Socket, sends while it waits, and releases it with a stored session: it
// dials only then, its hello resumes the stored session, and the restored
// frames go before what was sent during the hold.
func TestAHeldSocketWaitsForReleaseAndSendsTheRestoredQueueFirst(t *testing.T) {
	tr := &carrierTransport{}
	h := resumeHarness(t, func(o *Options) { o.Transport = tr; o.Hold = true })
	if err := h.s.Send(text("late")); err != nil {
		t.Fatal(err)
	}
	h.s.SetOnline(false)
	h.s.SetOnline(true)
	h.clock.Advance(time.Minute)
	if len(tr.carriers) != 0 {
		t.Fatalf("%d connections before Release, want none", len(tr.carriers))
	}
	if st := h.s.State(); st != Connecting {
		t.Fatalf("state %v while held, want connecting", st)
	}
	st := &SessionState{
		Session: sessA, Token: wire.ID{2}, Client: wire.ID{3},
		FirstID: 11, Received: 7, Sent: 5, Acked: 3,
		Unacked: []Message{text("u4"), text("u5")},
		Queued:  []Message{text("q")},
	}
	if err := h.s.Release(st); err != nil {
		t.Fatal(err)
	}
	if err := h.s.Release(nil); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("a second Release = %v, want ErrNotHeld", err)
	}
	if len(tr.carriers) != 1 {
		t.Fatalf("%d connections after Release, want 1", len(tr.carriers))
	}
	c := tr.carriers[0]
	c.h.OnOpen(wire.Protocol, "")
	hello := c.hello(t)
	if hello.Session != sessA || hello.Token != (wire.ID{2}) || hello.Client != (wire.ID{3}) || hello.Received != 7 || hello.FirstID != 14 {
		t.Fatalf("hello %+v, want the stored session, 7 received and first id 11+3", hello)
	}
	c.welcome(wire.Welcome{Resumed: true, Session: sessA, Received: 3})
	if got := c.dataSent(t); !reflect.DeepEqual(got, []string{"u4", "u5", "q", "late"}) {
		t.Fatalf("data sent %q, want the unacknowledged frames, the restored queue, then the hold's send", got)
	}
	p, ok := h.s.Progress()
	if !ok || p.Session != sessA || p.FirstID != 11 || p.Sent != 7 || p.Acked != 3 || p.Received != 7 {
		t.Fatalf("progress %+v (%v), want session A, first id 11, 7 sent, 3 acknowledged, 7 received", p, ok)
	}
	c.take(2)
	c.ack(6)
	if p, _ := h.s.Progress(); p.Received != 9 || p.Acked != 6 || p.Sent != 7 {
		t.Fatalf("progress %+v while the carrier holds the ledger, want its counts 9, 7, 6", p)
	}
}

// TestReleaseDropsTheOldestRestoredMessagesThatDoNotFit restores a queue
// that, with what was sent during the hold, passes the outbox's limit:
// the oldest restored messages go, with a DroppedEvent, and the sends that
// were accepted stay.
func TestReleaseDropsTheOldestRestoredMessagesThatDoNotFit(t *testing.T) {
	h := resumeHarness(t, func(o *Options) { o.Hold = true; o.MaxQueuedMessages = 3 })
	h.s.Send(text("x"))
	h.s.Send(text("y"))
	if err := h.s.Release(&SessionState{FirstID: 1, Queued: []Message{text("a"), text("b"), text("c")}}); err != nil {
		t.Fatal(err)
	}
	drops := eventsOf[DroppedEvent](h.rec)
	if len(drops) != 1 || drops[0].Messages != 2 || drops[0].Bytes != 2 {
		t.Fatalf("dropped events %+v, want one of 2 messages, 2 bytes", drops)
	}
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	c.welcome(wire.Welcome{Session: sessA})
	if got := c.dataSent(t); !reflect.DeepEqual(got, []string{"c", "x", "y"}) {
		t.Fatalf("data sent %q, want c x y", got)
	}
}

// TestAHeldSocketClosesWithoutDialling closes a held Socket: it never
// dials, not even when released, and ends as a WebSocket closed while
// connecting does.
func TestAHeldSocketClosesWithoutDialling(t *testing.T) {
	h := resumeHarness(t, func(o *Options) { o.Hold = true })
	h.s.Close(1000, "")
	h.clock.Advance(time.Second)
	if err := h.s.Release(nil); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Second)
	if n := h.tr.Dials(); n != 0 {
		t.Fatalf("%d dials, want none", n)
	}
	closes := eventsOf[CloseEvent](h.rec)
	if len(closes) != 1 || closes[0].Code != 1006 || h.s.State() != Closed {
		t.Fatalf("closes %+v, state %v: want one 1006 and closed", closes, h.s.State())
	}
}

// TestReleaseRefusesAStateThatIsNoSession keeps the Socket held when the
// stored state is impossible, so that the caller can release it without.
func TestReleaseRefusesAStateThatIsNoSession(t *testing.T) {
	h := resumeHarness(t, func(o *Options) { o.Hold = true })
	if err := h.s.Release(&SessionState{FirstID: 1, Sent: 2}); !errors.Is(err, ErrBadSessionState) {
		t.Fatalf("Release = %v, want ErrBadSessionState", err)
	}
	if n := h.tr.Dials(); n != 0 {
		t.Fatalf("%d dials after a refused Release, want none", n)
	}
	if err := h.s.Release(nil); err != nil {
		t.Fatal(err)
	}
	if n := h.tr.Dials(); n != 1 {
		t.Fatalf("%d dials after Release, want 1", n)
	}
}

// TestProgressIsFalseInPlainMode: a plain Socket has no session.
func TestProgressIsFalseInPlainMode(t *testing.T) {
	h := newHarness(t, 0, nil)
	if _, ok := h.s.Progress(); ok {
		t.Fatal("Progress reports a session in plain mode")
	}
}

// TestARestoredSessionTakesTheFramesItsPredecessorSentUnstored restores a
// state stored before the Socket that stored it sent more: the server's
// welcome counts frames beyond it. The restored Socket takes them as
// sent, drops the restored messages among them, which the server has, and
// numbers its own after them, instead of reusing their ids.
func TestARestoredSessionTakesTheFramesItsPredecessorSentUnstored(t *testing.T) {
	tr := &carrierTransport{}
	h := resumeHarness(t, func(o *Options) { o.Transport = tr; o.Hold = true })
	h.s.Send(text("new"))
	st := &SessionState{
		Session: sessA, FirstID: 1, Sent: 5, Acked: 3,
		Unacked: []Message{text("u4"), text("u5")},
		Queued:  []Message{text("q6"), text("q7")},
	}
	if err := h.s.Release(st); err != nil {
		t.Fatal(err)
	}
	c := tr.carriers[0]
	c.h.OnOpen(wire.Protocol, "")
	// The stored Socket sent q6, q7 and one message it never stored.
	c.welcome(wire.Welcome{Resumed: true, Session: sessA, Received: 8})
	if closed, code := c.Closed(); closed {
		t.Fatalf("the connection closed with %d: the welcome was taken for a protocol error", code)
	}
	if got := c.dataSent(t); !reflect.DeepEqual(got, []string{"new"}) {
		t.Fatalf("data sent %q, want only the message the server lacks", got)
	}
	p, _ := h.s.Progress()
	if p.Sent != 9 || p.Acked != 8 || p.Foreign != 1 {
		t.Fatalf("progress %+v, want 9 sent (the new message is frame 9), 8 acknowledged, 1 foreign", p)
	}
	// Later welcomes are judged as always: a count beyond what was sent
	// is a protocol error.
	c.drop(1006, "")
	h.clock.Advance(time.Second)
	next := tr.carriers[1]
	next.h.OnOpen(wire.Protocol, "")
	next.welcome(wire.Welcome{Resumed: true, Session: sessA, Received: 12})
	if closed, code := next.Closed(); !closed || code != 1002 {
		t.Fatalf("closed=%v code=%d after a later welcome counting frames never sent, want 1002", closed, code)
	}
}
