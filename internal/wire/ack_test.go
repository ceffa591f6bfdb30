package wire

import (
	"math/rand/v2"
	"testing"
	"time"
)

const ms = time.Millisecond

// TestAckerAcksOnceEnoughFramesOrBytesWait delivers frames at one instant,
// so that only the counts can make an acknowledgement due.
func TestAckerAcksOnceEnoughFramesOrBytesWait(t *testing.T) {
	repeat := func(n, size int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = size
		}
		return s
	}
	cases := []struct {
		name  string
		sizes []int
		// ackAt is the 1-based frame whose delivery makes the ack due; 0
		// for none.
		ackAt int
	}{
		{"AckEvery empty frames", repeat(AckEvery, 0), AckEvery},
		{"one frame short of AckEvery", repeat(AckEvery-1, 100), 0},
		{"AckBytes in one frame", []int{AckBytes}, 1},
		{"one byte short of AckBytes", []int{AckBytes - 1}, 0},
		{"the byte that reaches AckBytes", []int{AckBytes - 1, 1}, 2},
		{"AckBytes over three frames", repeat(3, AckBytes/3+1), 3},
		{"more than AckBytes after small frames", []int{1, 2, 3, 2 * AckBytes}, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var a Acker
			now := 5 * time.Second
			got := 0
			for i, n := range c.sizes {
				ack, wait := a.Deliver(n, now)
				if ack {
					got = i + 1
					break
				}
				if wait != AckQuiet {
					t.Fatalf("frame %d: wait %v, want AckQuiet", i+1, wait)
				}
			}
			if got != c.ackAt {
				t.Fatalf("ack due at frame %d, want %d", got, c.ackAt)
			}
			if n, ok := a.Ack(); got != 0 && (!ok || n != uint64(got)) {
				t.Fatalf("Ack() = %d, %v, want %d, true", n, ok, got)
			}
		})
	}
}

// TestAckerDueArithmetic checks when Due acknowledges and how long it asks
// to wait otherwise, from the state frames leave.
func TestAckerDueArithmetic(t *testing.T) {
	cases := []struct {
		name string
		// at are the times frames of one byte arrive.
		at       []time.Duration
		now      time.Duration
		ack      bool
		wait     time.Duration
		received uint64
	}{
		{"nothing received", nil, time.Hour, false, 0, 0},
		{"a frame just in", []time.Duration{0}, 0, false, AckQuiet, 1},
		{"a nanosecond before quiet", []time.Duration{0}, AckQuiet - 1, false, 1, 1},
		{"quiet", []time.Duration{0}, AckQuiet, true, 0, 1},
		{"long quiet", []time.Duration{0}, time.Hour, true, 0, 1},
		{"quiet counts from the last frame", []time.Duration{0, 4 * ms}, AckQuiet, false, 4 * ms, 2},
		{"quiet after the last of a burst", []time.Duration{0, 4 * ms, 8 * ms}, 8*ms + AckQuiet, true, 0, 3},
		{"a clock far from its origin", []time.Duration{1000 * time.Hour}, 1000*time.Hour + 3*ms, false, AckQuiet - 3*ms, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var a Acker
			for _, at := range c.at {
				a.Deliver(1, at)
			}
			ack, wait := a.Due(c.now)
			if ack != c.ack || wait != c.wait {
				t.Fatalf("Due(%v) = %v, %v, want %v, %v", c.now, ack, wait, c.ack, c.wait)
			}
			if a.Received() != c.received || a.AckSent() != 0 {
				t.Fatalf("counts %d, %d, want %d, 0", a.Received(), a.AckSent(), c.received)
			}
		})
	}
}

// TestAckerWaitsAtMostAckMax checks the bound on the oldest frame's wait.
// With today's constants frames less than AckQuiet apart reach AckEvery
// long before AckMax, so the state is set here rather than built by
// deliveries.
func TestAckerWaitsAtMostAckMax(t *testing.T) {
	cases := []struct {
		name         string
		oldest, last time.Duration
		now          time.Duration
		ack          bool
		wait         time.Duration
	}{
		{"AckMax is nearer than quiet", 0, AckMax - 3*ms, AckMax - 2*ms, false, 2 * ms},
		{"quiet is nearer than AckMax", 0, AckMax / 2, AckMax / 2, false, AckQuiet},
		{"AckMax reached while busy", 0, AckMax - 1*ms, AckMax, true, 0},
		{"AckMax passed", 0, AckMax, AckMax + 1, true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := Acker{received: 5, ackSent: 2, bytes: 5, oldest: c.oldest, last: c.last}
			ack, wait := a.Due(c.now)
			if ack != c.ack || wait != c.wait {
				t.Fatalf("Due(%v) = %v, %v, want %v, %v", c.now, ack, wait, c.ack, c.wait)
			}
		})
	}
}

func TestAckerAckResetsTheCounts(t *testing.T) {
	var a Acker
	if n, ok := a.Ack(); ok {
		t.Fatalf("Ack() of nothing = %d, true", n)
	}
	a.Deliver(AckBytes-1, 0)
	a.Deliver(0, 1*ms)
	if n, ok := a.Ack(); !ok || n != 2 || a.AckSent() != 2 {
		t.Fatalf("Ack() = %d, %v with AckSent %d, want 2, true, 2", n, ok, a.AckSent())
	}
	if ack, wait := a.Due(time.Hour); ack || wait != 0 {
		t.Fatalf("Due after Ack = %v, %v, want nothing waiting", ack, wait)
	}
	if n, ok := a.Ack(); ok {
		t.Fatalf("second Ack() = %d, true", n)
	}
	// The bytes of acknowledged frames no longer count, and the next frame
	// is the oldest.
	if ack, wait := a.Deliver(AckBytes-1, 2*ms); ack || wait != AckQuiet {
		t.Fatalf("Deliver after Ack = %v, %v, want not yet, AckQuiet", ack, wait)
	}
	if ack, _ := a.Due(2*ms + AckQuiet); !ack {
		t.Fatal("no ack due a quiet period after the frame")
	}
	if n, ok := a.Ack(); !ok || n != 3 {
		t.Fatalf("Ack() = %d, %v, want 3, true", n, ok)
	}
}

func TestAckerRestore(t *testing.T) {
	t0 := 7 * time.Second
	cases := []struct {
		name              string
		received, ackSent uint64
		// frames are delivered at t0, one byte each, after Restore.
		frames int
		// dueNow and dueQuiet are Due at t0 and a quiet period later.
		dueNow, dueQuiet bool
		waitNow          time.Duration
		ack              uint64 // what Ack returns then; 0 for nothing
	}{
		{"new session", 0, 0, 0, false, false, 0, 0},
		{"new session, a frame", 0, 0, 1, false, true, AckQuiet, 1},
		{"resumed: the hello told the sender", 40, 40, 0, false, false, 0, 0},
		{"resumed, a frame", 40, 40, 1, false, true, AckQuiet, 41},
		{"resumed, AckEvery frames", 40, 40, AckEvery, true, true, 0, 40 + AckEvery},
		{"welcome reported unread frames", 3, 10, 7, false, false, 0, 0},
		{"welcome reported unread frames, one more", 3, 10, 8, false, true, AckQuiet, 11},
		{"taken over with frames unacknowledged", 10, 4, 0, false, true, AckQuiet, 10},
		{"taken over, a frame", 10, 4, 1, false, true, AckQuiet, 11},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var a Acker
			// What came before Restore must not count after it.
			a.Deliver(AckBytes-1, 0)
			a.Restore(c.received, c.ackSent)
			if a.Received() != c.received || a.AckSent() != c.ackSent {
				t.Fatalf("counts %d, %d, want %d, %d", a.Received(), a.AckSent(), c.received, c.ackSent)
			}
			for range c.frames {
				a.Deliver(1, t0)
			}
			if ack, wait := a.Due(t0); ack != c.dueNow || wait != c.waitNow {
				t.Fatalf("Due(t0) = %v, %v, want %v, %v", ack, wait, c.dueNow, c.waitNow)
			}
			if ack, _ := a.Due(t0 + AckQuiet); ack != c.dueQuiet {
				t.Fatalf("Due a quiet period later = %v, want %v", ack, c.dueQuiet)
			}
			n, ok := a.Ack()
			if ok != (c.ack != 0) || n != c.ack {
				t.Fatalf("Ack() = %d, %v, want %d", n, ok, c.ack)
			}
		})
	}
}

// TestAckerOnePendingCheckIsEnough drives an Acker as both sides do, with
// one timer that is armed only when none is pending, through random
// traffic on a fake clock, and checks that every acknowledgement goes out
// exactly when the policy makes it due: the frame that reaches a count, a
// quiet period after the last frame, AckMax after the oldest.
func TestAckerOnePendingCheckIsEnough(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var a Acker
		var (
			now, timer   time.Duration
			armed        bool
			pending      int
			bytes        int
			oldest, last time.Duration
			acks         int
		)
		// deadline is when the policy, written out plainly, wants the
		// pending frames acknowledged.
		deadline := func() time.Duration {
			if pending >= AckEvery || bytes >= AckBytes {
				return last
			}
			return min(last+AckQuiet, oldest+AckMax)
		}
		sendAck := func(at time.Duration) {
			if pending == 0 {
				t.Fatalf("round %d: ack at %v with nothing pending", round, at)
			}
			if want := deadline(); at != want {
				t.Fatalf("round %d: ack at %v, due at %v", round, at, want)
			}
			if n, ok := a.Ack(); !ok || n != a.Received() {
				t.Fatalf("round %d: Ack() = %d, %v", round, n, ok)
			}
			pending, bytes = 0, 0
			acks++
		}
		// Gaps mostly under AckQuiet, so that bursts build up, sometimes
		// longer; sizes mostly small, sometimes large.
		for range 2000 {
			gap := time.Duration(rng.Int64N(int64(AckQuiet) * 3 / 2))
			size := rng.IntN(64)
			if rng.IntN(50) == 0 {
				size = rng.IntN(AckBytes)
			}
			next := now + gap
			for armed && timer <= next {
				armed = false
				if pending > 0 && timer > deadline() {
					t.Fatalf("round %d: check at %v, after the ack was due at %v", round, timer, deadline())
				}
				ack, wait := a.Due(timer)
				if ack {
					sendAck(timer)
				} else if wait > 0 {
					timer, armed = timer+wait, true
				}
			}
			if pending > 0 && next > deadline() {
				t.Fatalf("round %d: frame at %v, and no ack went out at %v", round, next, deadline())
			}
			now = next
			if pending == 0 {
				oldest = now
			}
			pending++
			bytes += size
			last = now
			ack, wait := a.Deliver(size, now)
			if ack {
				sendAck(now)
			} else if !armed && wait > 0 {
				timer, armed = now+wait, true
			}
		}
		if acks == 0 {
			t.Fatalf("round %d: no acks", round)
		}
	}
}
