package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

func TestBackoffFullJitterStaysWithinExponentialBounds(t *testing.T) {
	b := Backoff{}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for i, w := range want {
		attempt := i + 1
		if got := b.Bound(attempt); got != w*time.Second {
			t.Errorf("Bound(%d) = %v, want %v", attempt, got, w*time.Second)
		}
		for _, r := range []float64{0, 0.25, 0.5, 0.999999} {
			d := b.Delay(attempt, r)
			if d < 0 || d >= w*time.Second {
				t.Errorf("Delay(%d, %v) = %v, outside [0, %v)", attempt, r, d, w*time.Second)
			}
		}
	}
	if got := b.Bound(10_000); got != 30*time.Second {
		t.Errorf("Bound(10000) = %v, want the cap", got)
	}
}

func TestBackoffKeepsRandomnessAtTheCap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 2000
	var lo, hi, sum time.Duration
	lo = time.Hour
	for range n {
		d := Backoff{}.Delay(20, rng.Float64())
		lo, hi, sum = min(lo, d), max(hi, d), sum+d
	}
	mean := sum / n
	// Uniform on [0, 30 s): the extremes come close to both ends and the
	// mean sits near the middle, so clients dropped together spread out.
	if lo > 1*time.Second || hi < 29*time.Second {
		t.Errorf("delays at the cap span [%v, %v], want close to [0, 30s)", lo, hi)
	}
	if mean < 13*time.Second || mean > 17*time.Second {
		t.Errorf("mean delay at the cap = %v, want about 15s", mean)
	}
}

func TestFixedScheduleRepeatsItsLastDelay(t *testing.T) {
	b := Backoff{Delays: []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second}}
	want := []time.Duration{1, 2, 5, 10, 10, 10}
	for i, w := range want {
		if got := b.Delay(i+1, 0.3); got != w*time.Second {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w*time.Second)
		}
	}
}

func TestReconnectWaitsTheChosenDelay(t *testing.T) {
	h := newHarness(t, 0.5, nil)
	h.tr.Last(t).open()
	h.tr.Last(t).drop(1012, "restart")

	rec := eventsOf[ReconnectingEvent](h.rec)
	want := ReconnectingEvent{Attempt: 1, Delay: 500 * time.Millisecond, Code: 1012, Reason: "restart"}
	if len(rec) != 1 || rec[0] != want {
		t.Fatalf("reconnecting events = %+v, want [%+v]", rec, want)
	}
	closes := eventsOf[CloseEvent](h.rec)
	if len(closes) != 1 || !closes[0].WillReconnect || closes[0].Code != 1012 {
		t.Fatalf("close events = %+v, want one with code 1012 and WillReconnect", closes)
	}
	if got := h.s.State(); got != Reconnecting {
		t.Fatalf("state = %v, want reconnecting", got)
	}
	h.clock.Advance(499 * time.Millisecond)
	if n := h.tr.Dials(); n != 1 {
		t.Fatalf("dialed %d times before the delay passed, want 1", n)
	}
	h.clock.Advance(time.Millisecond)
	if n := h.tr.Dials(); n != 2 {
		t.Fatalf("dialed %d times after the delay, want 2", n)
	}
	h.tr.Last(t).open()
	opens := eventsOf[OpenEvent](h.rec)
	if len(opens) != 2 || opens[0].Reconnected || !opens[1].Reconnected || opens[1].Downtime != 500*time.Millisecond {
		t.Fatalf("open events = %+v, want a first open then a reconnect after 500ms", opens)
	}
}

func TestFailedAttemptsGrowTheDelayUpToTheCap(t *testing.T) {
	h := newHarness(t, 0.999999, nil)
	for range 8 {
		h.tr.Last(t).drop(1006, "")
		rec := eventsOf[ReconnectingEvent](h.rec)
		h.clock.Advance(rec[len(rec)-1].Delay)
	}
	var got []int
	for _, e := range eventsOf[ReconnectingEvent](h.rec) {
		got = append(got, int(e.Delay.Round(time.Second)/time.Second))
	}
	if want := []int{1, 2, 4, 8, 16, 30, 30, 30}; !reflect.DeepEqual(got, want) {
		t.Fatalf("delays in seconds = %v, want %v", got, want)
	}
	if got := h.s.RetryCount(); got != 8 {
		t.Fatalf("RetryCount = %d, want 8", got)
	}
}

func TestAttemptCounterResetsOnlyAfterMinUptime(t *testing.T) {
	h := newHarness(t, 0.999999, nil)
	h.tr.Last(t).drop(1006, "")
	h.clock.Advance(time.Second)
	h.tr.Last(t).open()
	h.clock.Advance(4 * time.Second) // up 4 s: less than MinUptime
	h.tr.Last(t).drop(1006, "")
	if got := h.s.RetryCount(); got != 2 {
		t.Fatalf("RetryCount after a short-lived connection = %d, want 2", got)
	}
	h.clock.Advance(2 * time.Second)
	h.tr.Last(t).open()
	h.clock.Advance(5 * time.Second)
	if got := h.s.RetryCount(); got != 0 {
		t.Fatalf("RetryCount after MinUptime = %d, want 0", got)
	}
	h.tr.Last(t).drop(1006, "")
	rec := eventsOf[ReconnectingEvent](h.rec)
	if last := rec[len(rec)-1]; last.Attempt != 1 || last.Delay >= time.Second {
		t.Fatalf("after a stable connection: %+v, want attempt 1 with a delay under 1s", last)
	}
}

func TestConnectTimeoutAbandonsTheAttemptAndRetries(t *testing.T) {
	h := newHarness(t, 0, func(o *Options) { o.ConnectTimeout = 3 * time.Second })
	first := h.tr.Last(t)
	wantAbandonedAt(t, h, first, 3*time.Second)
	if errs := eventsOf[ErrorEvent](h.rec); len(errs) != 1 {
		t.Fatalf("error events = %v, want one about the timeout", errs)
	}
	h.clock.Advance(0)
	if n := h.tr.Dials(); n != 2 {
		t.Fatalf("dials = %d, want a second attempt", n)
	}
	// A late open from the abandoned attempt changes nothing.
	first.open()
	if got := h.s.State(); got != Reconnecting {
		t.Fatalf("state after a stale open = %v, want reconnecting", got)
	}
	h.tr.Last(t).open()
	if got := h.s.State(); got != Open {
		t.Fatalf("state = %v, want open", got)
	}
}

// wantAbandonedAt checks that the attempt c is closed exactly timeout
// after now, not a nanosecond before.
func wantAbandonedAt(t *testing.T, h *harness, c *fakeConn, timeout time.Duration) {
	t.Helper()
	h.clock.Advance(timeout - time.Nanosecond)
	if closed, _ := c.Closed(); closed {
		t.Fatalf("attempt closed before the connect timeout of %v", timeout)
	}
	h.clock.Advance(time.Nanosecond)
	if closed, _ := c.Closed(); !closed {
		t.Fatalf("attempt not closed at the connect timeout of %v", timeout)
	}
}

func TestMaxRetriesEndsWithAFinalCloseAndReconnectRevives(t *testing.T) {
	h := newHarness(t, 0, func(o *Options) { o.MaxRetries = new(2) })
	h.tr.Last(t).open()
	for range 3 {
		h.tr.Last(t).drop(1006, "")
		h.clock.Advance(time.Minute)
	}
	if n := h.tr.Dials(); n != 3 {
		t.Fatalf("dials = %d, want the first plus 2 retries", n)
	}
	if got := h.s.State(); got != Closed {
		t.Fatalf("state = %v, want closed", got)
	}
	closes := eventsOf[CloseEvent](h.rec)
	if last := closes[len(closes)-1]; last.WillReconnect {
		t.Fatalf("last close event %+v, want WillReconnect false", last)
	}
	if err := h.s.Send(text("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after giving up = %v, want ErrClosed", err)
	}
	if err := h.s.Reconnect(0, ""); err != nil {
		t.Fatal(err)
	}
	if n := h.tr.Dials(); n != 4 {
		t.Fatalf("dials after Reconnect = %d, want 4", n)
	}
	h.tr.Last(t).open()
	if got := h.s.State(); got != Open {
		t.Fatalf("state = %v, want open", got)
	}
}

func TestMaxRetriesZeroMakesTheFirstDropFinal(t *testing.T) {
	h := newHarness(t, 0, func(o *Options) { o.MaxRetries = new(0) })
	h.tr.Last(t).open()
	h.tr.Last(t).drop(1001, "going away")
	h.clock.Advance(time.Hour)
	if n, st := h.tr.Dials(), h.s.State(); n != 1 || st != Closed {
		t.Fatalf("dials = %d, state = %v, want 1 and closed", n, st)
	}
}

// MaxRetries 0 is maxRetries 0 in JavaScript: the Socket does what a
// WebSocket does, so a first attempt that fails is final too. A negative
// count means the same.
func TestMaxRetriesZeroMakesAFailedFirstAttemptFinal(t *testing.T) {
	for _, n := range []int{0, -1} {
		h := newHarness(t, 0, func(o *Options) { o.MaxRetries = new(n) })
		h.tr.Last(t).drop(1006, "")
		h.clock.Advance(time.Hour)
		closes := eventsOf[CloseEvent](h.rec)
		if d, st := h.tr.Dials(), h.s.State(); d != 1 || st != Closed || len(closes) != 1 || closes[0].WillReconnect {
			t.Fatalf("MaxRetries %d: dials %d, state %v, closes %+v; want one attempt and a final close", n, d, st, closes)
		}
	}
}

func TestMaxRetriesIsReadOnceByNew(t *testing.T) {
	retries := 0
	h := newHarness(t, 0, func(o *Options) { o.MaxRetries = &retries })
	retries = 5
	h.tr.Last(t).drop(1006, "")
	h.clock.Advance(time.Hour)
	if st := h.s.State(); st != Closed {
		t.Fatalf("state %v: the caller's later change of its variable reached the Socket", st)
	}
}

func TestOutboxFlushesInOrderAfterReconnect(t *testing.T) {
	h := newHarness(t, 0, nil)
	for i := range 3 {
		if err := h.s.Send(text(fmt.Sprint("early", i))); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.s.BufferedAmount(); got != 18 {
		t.Fatalf("BufferedAmount = %d, want 18 queued bytes", got)
	}
	h.tr.Last(t).open()
	h.s.Send(text("live"))
	h.tr.Last(t).drop(1006, "")
	h.s.Send(text("down0"))
	h.s.Send(text("down1"))
	h.clock.Advance(time.Second)
	c := h.tr.Last(t)
	c.h.OnOpen("", "")
	h.s.Send(text("after"))
	if got, want := c.Sent(), []string{"down0", "down1", "after"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("second connection got %q, want %q", got, want)
	}
	if got := h.s.BufferedAmount(); got != 0 {
		t.Fatalf("BufferedAmount after flush = %d, want 0", got)
	}
}

func TestSendThatFailsOnAClosingConnectionIsKept(t *testing.T) {
	h := newHarness(t, 0, nil)
	c := h.tr.Last(t)
	c.open()
	c.failSends = true
	if err := h.s.Send(text("kept")); err != nil {
		t.Fatal(err)
	}
	c.drop(1006, "")
	h.clock.Advance(time.Second)
	h.tr.Last(t).open()
	if got := h.tr.Last(t).Sent(); !reflect.DeepEqual(got, []string{"kept"}) {
		t.Fatalf("next connection got %q, want the message the dying one refused", got)
	}
}

func TestOutboxLimitsRefuseWithoutDropping(t *testing.T) {
	h := newHarness(t, 0, func(o *Options) {
		o.MaxQueuedMessages = 3
		o.MaxQueuedBytes = 10
	})
	for _, m := range []string{"aaaa", "bbbb"} {
		if err := h.s.Send(text(m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.s.Send(text("ccc")); !errors.Is(err, ErrOutboxFull) {
		t.Fatalf("Send past the byte limit = %v, want ErrOutboxFull", err)
	}
	if err := h.s.Send(text("cc")); err != nil {
		t.Fatal(err)
	}
	if err := h.s.Send(text("")); !errors.Is(err, ErrOutboxFull) {
		t.Fatalf("Send past the count limit = %v, want ErrOutboxFull", err)
	}
	if got := h.s.QueuedMessages(); got != 3 {
		t.Fatalf("queued = %d, want 3", got)
	}
	h.tr.Last(t).open()
	if got, want := h.tr.Last(t).Sent(), []string{"aaaa", "bbbb", "cc"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sent %q, want %q", got, want)
	}
}

func TestReservedMessageKeepsItsPlace(t *testing.T) {
	h := newHarness(t, 0, nil)
	c := h.tr.Last(t)
	c.open()
	h.s.Send(text("first"))
	p, err := h.s.Reserve(4)
	if err != nil {
		t.Fatal(err)
	}
	h.s.Send(text("third"))
	if got := c.Sent(); !reflect.DeepEqual(got, []string{"first"}) {
		t.Fatalf("sent %q before the reserved message was filled", got)
	}
	p.Fill(Message{Binary: true, Data: []byte("blob")})
	if got, want := c.Sent(), []string{"first", "blob", "third"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("sent %q, want %q", got, want)
	}

	p, _ = h.s.Reserve(4)
	h.s.Send(text("fifth"))
	p.Cancel(errors.New("blob unreadable"))
	if got := c.Sent(); got[len(got)-1] != "fifth" {
		t.Fatalf("sent %q, want fifth sent once the reservation was cancelled", got)
	}
	if errs := eventsOf[ErrorEvent](h.rec); len(errs) != 1 {
		t.Fatalf("error events = %v, want one for the cancelled message", errs)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	t.Run("open", func(t *testing.T) {
		h := newHarness(t, 0, nil)
		c := h.tr.Last(t)
		c.open()
		if err := h.s.Close(4000, "bye"); err != nil {
			t.Fatal(err)
		}
		if closed, code := c.Closed(); !closed || code != 4000 {
			t.Fatalf("connection closed=%v code=%d, want closed with 4000", closed, code)
		}
		if got := h.s.State(); got != Closing {
			t.Fatalf("state = %v, want closing", got)
		}
		c.drop(4000, "bye")
		h.clock.Advance(time.Hour)
		if n, st := h.tr.Dials(), h.s.State(); n != 1 || st != Closed {
			t.Fatalf("dials = %d, state = %v, want 1 and closed", n, st)
		}
		if h.clock.Pending() != 0 {
			t.Fatalf("%d timers still armed after close", h.clock.Pending())
		}
		closes := eventsOf[CloseEvent](h.rec)
		if want := (CloseEvent{Code: 4000, Reason: "bye", WasClean: true}); len(closes) != 1 || closes[0] != want {
			t.Fatalf("close events = %+v, want [%+v]", closes, want)
		}
	})
	t.Run("waiting to retry", func(t *testing.T) {
		h := newHarness(t, 0.5, nil)
		h.tr.Last(t).drop(1006, "")
		h.s.Close(0, "")
		// As WebSocket.close while connecting: closing on return, and the
		// error and the close 1006 come after.
		if st, n := h.s.State(), len(eventsOf[CloseEvent](h.rec)); st != Closing || n != 1 {
			t.Fatalf("state %v and %d close events on return, want closing and only the drop's", st, n)
		}
		h.clock.Advance(time.Hour)
		if n, st := h.tr.Dials(), h.s.State(); n != 1 || st != Closed {
			t.Fatalf("dials = %d, state = %v, want 1 and closed", n, st)
		}
		closes := eventsOf[CloseEvent](h.rec)
		if last := closes[len(closes)-1]; last.WillReconnect || last.Code != 1006 || last.WasClean {
			t.Fatalf("final close event %+v, want code 1006, not clean, without reconnect", last)
		}
		if errs := eventsOf[ErrorEvent](h.rec); len(errs) != 1 {
			t.Fatalf("error events %v, want one before the final close", errs)
		}
	})
	t.Run("connecting", func(t *testing.T) {
		h := newHarness(t, 0, nil)
		c := h.tr.Last(t)
		h.s.Close(1000, "")
		if closed, _ := c.Closed(); !closed {
			t.Fatal("pending attempt not aborted")
		}
		c.open()
		h.clock.Advance(time.Hour)
		if n, st := h.tr.Dials(), h.s.State(); n != 1 || st != Closed {
			t.Fatalf("dials = %d, state = %v, want 1 and closed", n, st)
		}
	})
}

func TestCloseValidatesCodeAndReason(t *testing.T) {
	h := newHarness(t, 0, nil)
	for _, code := range []int{1, 999, 1001, 1005, 1006, 2999, 5000} {
		if err := h.s.Close(code, ""); !errors.Is(err, ErrInvalidCode) {
			t.Errorf("Close(%d) = %v, want ErrInvalidCode", code, err)
		}
	}
	if err := h.s.Close(0, "a reason needs a code"); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("Close(0, reason) = %v, want ErrInvalidCode", err)
	}
	long := string(make([]byte, 124))
	if err := h.s.Close(1000, long); !errors.Is(err, ErrReasonTooLong) {
		t.Errorf("Close with a 124-byte reason = %v, want ErrReasonTooLong", err)
	}
	if err := h.s.Reconnect(1001, ""); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("Reconnect(1001) = %v, want ErrInvalidCode", err)
	}
	if got := h.s.State(); got != Connecting {
		t.Fatalf("state after rejected calls = %v, want connecting", got)
	}
}

func TestReconnectDropsTheConnectionAndIgnoresItsLateEvents(t *testing.T) {
	h := newHarness(t, 0.5, nil)
	old := h.tr.Last(t)
	old.open()
	if err := h.s.Reconnect(4001, "switch"); err != nil {
		t.Fatal(err)
	}
	if closed, code := old.Closed(); !closed || code != 4001 {
		t.Fatalf("old connection closed=%v code=%d, want 4001", closed, code)
	}
	if n := h.tr.Dials(); n != 2 {
		t.Fatalf("dials = %d, want an immediate second attempt", n)
	}
	old.h.OnMessage(text("late"))
	old.drop(4001, "switch")
	if msgs := eventsOf[MessageEvent](h.rec); len(msgs) != 0 {
		t.Fatalf("got %d messages from the dropped connection", len(msgs))
	}
	closes := eventsOf[CloseEvent](h.rec)
	if len(closes) != 1 || !closes[0].WillReconnect || closes[0].Code != 4001 {
		t.Fatalf("close events = %+v, want exactly one (4001, reconnecting)", closes)
	}
	h.tr.Last(t).open()
	if got := h.s.State(); got != Open {
		t.Fatalf("state = %v, want open", got)
	}
}

func TestListenersMayCallBackIntoTheSocket(t *testing.T) {
	clock, tr := newFakeClock(), &fakeTransport{}
	var s *Socket
	var order []string
	s, _ = New("ws://example.test", Options{
		Transport: tr, Clock: clock,
		OnEvent: func(e Event) {
			switch e := e.(type) {
			case OpenEvent:
				order = append(order, "open")
				s.Send(text("from-open"))
			case MessageEvent:
				order = append(order, "message:"+string(e.Message.Data))
				if string(e.Message.Data) == "ping" {
					s.Send(text("pong"))
					s.Close(1000, "")
				}
			case CloseEvent:
				order = append(order, "close")
			}
		},
	})
	s.Send(text("queued"))
	c := tr.Last(t)
	c.open()
	c.h.OnMessage(text("ping"))
	c.drop(1000, "")
	if want := []string{"queued", "from-open", "pong"}; !reflect.DeepEqual(c.Sent(), want) {
		t.Fatalf("sent %q, want %q", c.Sent(), want)
	}
	if want := []string{"open", "message:ping", "close"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("events %q, want %q", order, want)
	}
}

func TestAPanickingListenerDoesNotStopDelivery(t *testing.T) {
	clock, tr := newFakeClock(), &fakeTransport{}
	var got []string
	s, _ := New("ws://example.test", Options{
		Transport: tr, Clock: clock,
		OnEvent: func(e Event) {
			if m, ok := e.(MessageEvent); ok {
				got = append(got, string(m.Message.Data))
				panic("listener bug")
			}
		},
	})
	c := tr.Last(t)
	c.open()
	c.h.OnMessage(text("a"))
	c.h.OnMessage(text("b"))
	if !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("delivered %q, want both messages", got)
	}
	if err := s.Send(text("still works")); err != nil {
		t.Fatal(err)
	}
}

func TestStateEventsFollowTheLifecycle(t *testing.T) {
	h := newHarness(t, 0, nil)
	h.tr.Last(t).open()
	h.tr.Last(t).drop(1006, "")
	h.clock.Advance(time.Second)
	h.tr.Last(t).open()
	h.s.Close(1000, "")
	h.tr.Last(t).drop(1000, "")
	var got []string
	for _, e := range eventsOf[StateEvent](h.rec) {
		got = append(got, e.From.String()+">"+e.To.String())
	}
	want := []string{"connecting>open", "open>reconnecting", "reconnecting>open", "open>closing", "closing>closed"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("state changes %q, want %q", got, want)
	}
}

func TestCloseInsideACloseListenerCancelsTheAnnouncedRetry(t *testing.T) {
	clock, tr := newFakeClock(), &fakeTransport{}
	var s *Socket
	var got []string
	s, _ = New("ws://example.test", Options{
		Transport: tr, Clock: clock, Rand: func() float64 { return 0.5 },
		Defer: func(f func()) { clock.AfterFunc(0, f) },
		OnEvent: func(e Event) {
			switch e := e.(type) {
			case CloseEvent:
				got = append(got, fmt.Sprint("close:", e.WillReconnect))
				if e.WillReconnect {
					s.Close(1000, "")
				}
			case ReconnectingEvent:
				got = append(got, "reconnecting")
			}
		},
	})
	tr.Last(t).open()
	tr.Last(t).drop(1006, "")
	clock.Advance(time.Hour)
	if want := []string{"close:true", "close:false"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	if n := tr.Dials(); n != 1 {
		t.Fatalf("dials %d, want no retry after close", n)
	}
}

func TestCloseGivesUpOnAPeerThatNeverAnswers(t *testing.T) {
	h := newHarness(t, 0, func(o *Options) { o.ConnectTimeout = 2 * time.Second })
	h.tr.Last(t).open()
	h.s.Close(1000, "")
	h.clock.Advance(2*time.Second - time.Nanosecond)
	if st := h.s.State(); st != Closing {
		t.Fatalf("state %v, want closing while the handshake may still complete", st)
	}
	h.clock.Advance(time.Nanosecond)
	closes := eventsOf[CloseEvent](h.rec)
	if st := h.s.State(); st != Closed || len(closes) != 1 || closes[0].Code != 1006 || closes[0].WasClean {
		t.Fatalf("state %v, close events %+v: want closed with an unclean 1006", st, closes)
	}
	h.tr.Last(t).drop(1000, "")
	if n := len(eventsOf[CloseEvent](h.rec)); n != 1 {
		t.Fatalf("%d close events after the late answer, want still 1", n)
	}
}

func TestSendAcceptedAfterCloseIsKeptForReconnect(t *testing.T) {
	h := newHarness(t, 0, nil)
	c := h.tr.Last(t)
	c.open()
	h.s.Close(1000, "")
	if err := h.s.Send(text("refused")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Close = %v, want ErrClosed", err)
	}
	if err := h.s.SendAccepted(text("late")); err != nil {
		t.Fatalf("SendAccepted after Close = %v, want it queued", err)
	}
	c.drop(1000, "")
	h.s.Reconnect(0, "")
	next := h.tr.Last(t)
	next.open()
	if got := next.Sent(); !reflect.DeepEqual(got, []string{"late"}) {
		t.Fatalf("sent %q after Reconnect, want the message accepted before Close", got)
	}
}
