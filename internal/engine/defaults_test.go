package engine

import (
	"errors"
	"testing"
	"time"
)

// The defaults are part of the contract (README, resock.d.ts): these tests
// check what a socket with no options does, not the constants.

func TestDefaultOutboxHoldsTenThousandMessages(t *testing.T) {
	h := newHarness(t, 0, nil)
	for i := range 10000 {
		if err := h.s.Send(text("m")); err != nil {
			t.Fatalf("message %d of 10 000 refused: %v", i+1, err)
		}
	}
	if err := h.s.Send(text("m")); !errors.Is(err, ErrOutboxFull) {
		t.Fatalf("message 10 001 = %v, want ErrOutboxFull", err)
	}
}

func TestDefaultOutboxHoldsEightMiB(t *testing.T) {
	h := newHarness(t, 0, nil)
	chunk := make([]byte, 1<<20)
	for i := range 8 {
		if err := h.s.Send(Message{Data: chunk, Binary: true}); err != nil {
			t.Fatalf("MiB %d of 8 refused: %v", i+1, err)
		}
	}
	if err := h.s.Send(Message{Data: []byte{0}, Binary: true}); !errors.Is(err, ErrOutboxFull) {
		t.Fatalf("one byte past 8 MiB = %v, want ErrOutboxFull", err)
	}
}

func TestDefaultConnectTimeoutIsFiveSeconds(t *testing.T) {
	h := newHarness(t, 0, nil)
	wantAbandonedAt(t, h, h.tr.Last(t), 5*time.Second)
}

func TestDefaultMinUptimeIsFiveSeconds(t *testing.T) {
	// With the jitter drawing its maximum, each delay shows the attempt
	// counter: 1 s for the first retry, doubling after each failure.
	h := newHarness(t, 1, nil)
	lastDelay := func() time.Duration {
		t.Helper()
		rs := eventsOf[ReconnectingEvent](h.rec)
		if len(rs) == 0 {
			t.Fatal("no reconnecting event after a drop")
		}
		return rs[len(rs)-1].Delay
	}
	// Two attempts fail, so the counter stands at 2.
	for _, want := range []time.Duration{time.Second, 2 * time.Second} {
		h.tr.Last(t).drop(1006, "")
		if d := lastDelay(); d != want {
			t.Fatalf("delay = %v, want %v", d, want)
		}
		h.clock.Advance(want)
	}
	for _, tc := range []struct {
		up, want time.Duration
	}{
		{5*time.Second - time.Millisecond, 4 * time.Second}, // too short: the counter goes on
		{5 * time.Second, time.Second},                      // long enough: it starts again
	} {
		c := h.tr.Last(t)
		c.open()
		h.clock.Advance(tc.up)
		c.drop(1006, "")
		if d := lastDelay(); d != tc.want {
			t.Fatalf("delay after %v up = %v, want %v", tc.up, d, tc.want)
		}
		h.clock.Advance(tc.want)
	}
}

// The zero Options never give up, as maxRetries defaults to Infinity in
// JavaScript.
func TestDefaultMaxRetriesNeverGivesUp(t *testing.T) {
	h := newHarness(t, 0, nil)
	const attempts = 200
	for range attempts {
		h.tr.Last(t).drop(1006, "")
		// The jitter draws 0: the retry is due at once.
		h.clock.Advance(0)
	}
	if n, st := h.tr.Dials(), h.s.State(); n != attempts+1 || st == Closed {
		t.Fatalf("dials %d, state %v after %d failed attempts; want %d and still trying", n, st, attempts, attempts+1)
	}
	for _, c := range eventsOf[CloseEvent](h.rec) {
		if !c.WillReconnect {
			t.Fatalf("close %+v, want every one retried", c)
		}
	}
}
