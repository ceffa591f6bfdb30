package engine

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/resock/resock/internal/wire"
)

// eventually polls cond, for work the Socket does in a goroutine.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDefaultPolicyEndsOnTerminalCodesAndRetriesTheRest(t *testing.T) {
	terminal := []int{1003, 1007, 1008, 1009, 1010, 4400, 4450, 4499}
	retried := []int{1000, 1001, 1002, 1005, 1006, 1011, 1012, 1013, 1014, 3000, 4000, 4399, 4500, 4999}
	for _, code := range terminal {
		if DefaultShouldReconnect(CloseEvent{Code: code}) {
			t.Errorf("code %d retried, want terminal", code)
		}
	}
	for _, code := range retried {
		if !DefaultShouldReconnect(CloseEvent{Code: code}) {
			t.Errorf("code %d terminal, want retried", code)
		}
	}
	h := newHarness(t, 0, nil)
	h.tr.Last(t).open()
	h.tr.Last(t).drop(1008, "policy violation")
	h.clock.Advance(time.Hour)
	closes := eventsOf[CloseEvent](h.rec)
	if n, st := h.tr.Dials(), h.s.State(); n != 1 || st != Closed || len(closes) != 1 || closes[0].WillReconnect {
		t.Fatalf("after 1008: dials %d, state %v, closes %+v; want no retry and a final close", n, st, closes)
	}
}

func TestShouldReconnectOverridesThePolicy(t *testing.T) {
	var seen []int
	h := newHarness(t, 0, func(o *Options) {
		o.ShouldReconnect = func(e CloseEvent) bool {
			seen = append(seen, e.Code)
			return e.Code == 4401 // retry a code the table calls final, and nothing else
		}
	})
	h.tr.Last(t).open()
	h.tr.Last(t).drop(4401, "token expired")
	eventually(t, "the policy's retry", func() bool { return len(eventsOf[ReconnectingEvent](h.rec)) == 1 })
	h.clock.Advance(time.Second)
	h.tr.Last(t).open()
	h.tr.Last(t).drop(1006, "")
	eventually(t, "the policy's refusal", func() bool { return h.s.State() == Closed })
	if !reflect.DeepEqual(seen, []int{4401, 1006}) {
		t.Fatalf("policy saw %v", seen)
	}
}

func TestRetryAfterHintSpreadsTheReturn(t *testing.T) {
	// The jitter on a hint is up to half of it, and at least up to the
	// first backoff delay: the harness draws 0.5, half of that.
	for _, tc := range []struct {
		name    string
		backoff Backoff
		reason  string
		want    time.Duration
	}{
		{"plain close reason", Backoff{}, "retry-after=30", 30*time.Second + 7500*time.Millisecond},
		{"no backoff delay", Backoff{Delays: []time.Duration{0}}, "retry-after=5", 5*time.Second + 1250*time.Millisecond},
		{"a hint shorter than twice the first delay", Backoff{Initial: 4 * time.Second}, "retry-after=1", 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, 0.5, func(o *Options) { o.Backoff = tc.backoff })
			h.tr.Last(t).open()
			h.tr.Last(t).drop(1013, tc.reason)
			rec := eventsOf[ReconnectingEvent](h.rec)
			if len(rec) != 1 || rec[0].Delay != tc.want {
				t.Fatalf("reconnecting %+v, want a delay of %v (the hint plus jitter)", rec, tc.want)
			}
		})
	}
	t.Run("ignored on other codes", func(t *testing.T) {
		h := newHarness(t, 0.5, nil)
		h.tr.Last(t).open()
		h.tr.Last(t).drop(1011, "retry-after=30")
		if rec := eventsOf[ReconnectingEvent](h.rec); rec[0].Delay != 500*time.Millisecond {
			t.Fatalf("reconnecting %+v, want the normal backoff", rec)
		}
	})
	t.Run("resume frame", func(t *testing.T) {
		h := resumeHarness(t, nil)
		c := h.tr.Last(t)
		c.h.OnOpen(wire.Protocol, "")
		c.welcome(wire.Welcome{Session: sessA})
		c.deliver(wire.AppendValue(nil, wire.TypeRetryAfter, 7000))
		c.drop(1012, "service restart")
		if rec := eventsOf[ReconnectingEvent](h.rec); rec[0].Delay != 7*time.Second {
			t.Fatalf("reconnecting %+v, want 7s", rec)
		}
	})
}

func TestOfflineSpendsNoRetriesAndOnlineReconnectsSoon(t *testing.T) {
	h := newHarness(t, 0.25, nil)
	h.tr.Last(t).open()
	h.s.SetOnline(false)
	if st := h.s.State(); st != Open {
		t.Fatalf("state %v: an open connection is kept while offline", st)
	}
	h.tr.Last(t).drop(1006, "")
	h.clock.Advance(time.Hour)
	if n, st, rc := h.tr.Dials(), h.s.State(), h.s.RetryCount(); n != 1 || st != Offline || rc != 0 {
		t.Fatalf("offline for an hour: dials %d, state %v, retries %d; want 1, offline, 0", n, st, rc)
	}
	h.s.SetOnline(true)
	h.clock.Advance(250 * time.Millisecond)
	if n := h.tr.Dials(); n != 2 {
		t.Fatalf("dials %d after coming online, want an attempt within a second", n)
	}
	h.s.SetOnline(false)
	if st := h.s.State(); st != Offline {
		t.Fatalf("state %v, want a pending attempt called off", st)
	}
	if closed, _ := h.tr.Last(t).Closed(); !closed {
		t.Fatal("pending attempt left open")
	}
}

func TestSocketMadeOfflineWaitsForTheNetwork(t *testing.T) {
	h := newHarness(t, 0.25, func(o *Options) { o.Offline = true })
	if err := h.s.Send(text("queued")); err != nil {
		t.Fatalf("failed to queue a message while offline: %v", err)
	}
	h.clock.Advance(time.Hour)
	if n, st, a := h.tr.Dials(), h.s.State(), h.s.Stats().Attempts; n != 0 || st != Offline || a != 0 {
		t.Fatalf("made offline, an hour later: dials %d, state %v, attempts %d; want 0, offline, 0", n, st, a)
	}
	if events := h.rec.All(); len(events) != 0 {
		t.Errorf("events %v before the network came, want none: the Socket started offline", events)
	}
	h.s.SetOnline(true)
	h.clock.Advance(250 * time.Millisecond)
	if n := h.tr.Dials(); n != 1 {
		t.Fatalf("dials %d after coming online, want one after the jitter", n)
	}
	h.tr.Last(t).open()
	if st, a := h.s.State(), h.s.Stats().Attempts; st != Open || a != 1 {
		t.Fatalf("state %v, attempts %d after coming online, want open after 1", st, a)
	}
	if sent := h.tr.Last(t).Sent(); len(sent) != 1 || sent[0] != "queued" {
		t.Errorf("sent %q on the first connection, want the message queued while offline", sent)
	}
}

func TestFirstConnectionMadeAfterTheNetworkCameIsNotARetry(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(*harness)
	}{
		{"made offline", func(h *harness) {}},
		{"offline during the first attempt", func(h *harness) {
			h.s.SetOnline(true)
			h.s.SetOnline(false)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, 0, func(o *Options) {
				o.Offline = true
				o.MaxRetries = new(1)
			})
			tc.start(h)
			h.s.SetOnline(true)
			h.clock.Advance(0)
			if rc, rs := h.s.RetryCount(), eventsOf[ReconnectingEvent](h.rec); rc != 0 || len(rs) != 0 {
				t.Fatalf("first connection: retry count %d, reconnecting events %v; want 0 and none", rc, rs)
			}
			// Its one retry is still there.
			h.tr.Last(t).drop(1006, "")
			h.clock.Advance(time.Second)
			if rs := eventsOf[ReconnectingEvent](h.rec); len(rs) != 1 || rs[0].Attempt != 1 {
				t.Fatalf("reconnecting events after the first attempt failed: %v, want attempt 1", rs)
			}
			if st := h.s.State(); st == Closed {
				t.Fatal("closed after the first attempt: MaxRetries 1 allows one retry")
			}
		})
	}
}

func TestNetworkFlapKeepsAServersRetryAfter(t *testing.T) {
	h := newHarness(t, 0, nil)
	h.tr.Last(t).open()
	h.tr.Last(t).drop(1013, "retry-after=60")
	h.clock.Advance(10 * time.Second)
	h.s.SetOnline(false)
	h.s.SetOnline(true)
	h.clock.Advance(49*time.Second + 999*time.Millisecond)
	if n := h.tr.Dials(); n != 1 {
		t.Fatalf("dials %d before the server's 60 s were up, want 1: a network flap cut the wait short", n)
	}
	h.clock.Advance(time.Millisecond)
	if n := h.tr.Dials(); n != 2 {
		t.Fatalf("dials %d once the 60 s were up, want 2", n)
	}
	if rs := eventsOf[ReconnectingEvent](h.rec); rs[len(rs)-1].Delay != 50*time.Second {
		t.Errorf("reconnecting event after the flap says %v, want the 50 s left of the wait", rs[len(rs)-1].Delay)
	}

	// A drop while offline keeps its hint too.
	h.tr.Last(t).open()
	h.s.SetOnline(false)
	h.tr.Last(t).drop(1012, "retry-after=30")
	h.clock.Advance(5 * time.Second)
	h.s.SetOnline(true)
	h.clock.Advance(25*time.Second - time.Millisecond)
	if n := h.tr.Dials(); n != 2 {
		t.Fatalf("dials %d: coming online 5 s into a 30 s retry-after dialled before it ended", n)
	}
	h.clock.Advance(time.Millisecond)
	if n := h.tr.Dials(); n != 3 {
		t.Fatalf("dials %d once the 30 s were up, want 3", n)
	}
}

func TestSuspendClosesCleanlyAndWakeReconnects(t *testing.T) {
	h, c := openSession(t)
	h.s.Suspend()
	if closed, code := c.Closed(); !closed || code != CloseReconnect {
		t.Fatalf("suspend closed=%v code=%d, want %d so the session waits", closed, code, CloseReconnect)
	}
	h.clock.Advance(time.Hour)
	if n, st := h.tr.Dials(), h.s.State(); n != 1 || st != Offline {
		t.Fatalf("suspended: dials %d, state %v", n, st)
	}
	h.s.Wake()
	if n := h.tr.Dials(); n != 2 {
		t.Fatalf("dials %d after wake, want an immediate attempt", n)
	}
	c2 := h.tr.Last(t)
	c2.h.OnOpen(wire.Protocol, "")
	if hello := c2.hello(t); hello.Session != sessA {
		t.Fatalf("hello after wake %+v, want the session resumed", hello)
	}
}

func TestProbeChecksAnOpenConnectionAtOnce(t *testing.T) {
	h, c := openSession(t)
	h.clock.Advance(time.Second)
	h.s.Probe()
	if pings := countPings(t, c); pings != 1 {
		t.Fatalf("%d pings after Probe, want 1 at once", pings)
	}
	h.clock.Advance(DefaultHeartbeatTimeout)
	if closed, code := c.Closed(); !closed || code != CloseHeartbeatTimeout {
		t.Fatalf("unanswered probe: closed=%v code=%d", closed, code)
	}
	h.s.Probe() // waiting to retry: try now
	if n := h.tr.Dials(); n != 2 {
		t.Fatalf("dials %d after a probe while waiting, want 2", n)
	}
}

func TestHiddenPagesProbeLessOften(t *testing.T) {
	h := resumeHarness(t, func(o *Options) { o.HeartbeatInterval, o.HiddenHeartbeatInterval = time.Second, 10*time.Second })
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	h.s.SetHidden(true)
	c.welcome(wire.Welcome{Session: sessA})
	h.clock.Advance(9 * time.Second)
	for _, f := range c.frames(t) {
		if f.Type == wire.TypePing {
			t.Fatal("pinged within the hidden interval")
		}
	}
}

func TestResolveChoosesTheURLOfEveryAttempt(t *testing.T) {
	tokens := make(chan string, 4)
	tokens <- "a"
	h := newHarness(t, 0, func(o *Options) {
		o.Resolve = func(done func(string, []string, error)) {
			tok, ok := <-tokens
			if !ok || tok == "" {
				done("", nil, errors.New("no token"))
				return
			}
			done("ws://example.test/?token="+tok, []string{"v" + tok}, nil)
		}
	})
	eventually(t, "the first attempt", func() bool { return h.tr.Dials() == 1 })
	if c := h.tr.Last(t); c.url != "ws://example.test/?token=a" || !reflect.DeepEqual(c.protocols, []string{"va"}) {
		t.Fatalf("attempt to %q with %q", c.url, c.protocols)
	}
	h.tr.Last(t).open()
	tokens <- ""
	h.tr.Last(t).drop(1006, "")
	h.clock.Advance(time.Second)
	eventually(t, "the resolver's error", func() bool { return len(eventsOf[ErrorEvent](h.rec)) == 1 })
	if errs := eventsOf[ErrorEvent](h.rec); !strings.Contains(errs[0].Err.Error(), "no token") {
		t.Fatalf("error %v", errs[0].Err)
	}
	tokens <- "b"
	eventually(t, "the retry after the error", func() bool {
		h.clock.Advance(time.Second)
		return h.tr.Dials() == 2
	})
	if got := h.s.URL(); got != "ws://example.test/?token=b" {
		t.Fatalf("URL %q", got)
	}
}

func TestDropOldestMakesRoomAndSaysSo(t *testing.T) {
	h := newHarness(t, 0, func(o *Options) { o.MaxQueuedMessages, o.DropOldest = 2, true })
	for _, m := range []string{"a", "b", "c"} {
		if err := h.s.Send(text(m)); err != nil {
			t.Fatal(err)
		}
	}
	drops := eventsOf[DroppedEvent](h.rec)
	if len(drops) != 1 || drops[0].Messages != 1 || drops[0].Bytes != 1 {
		t.Fatalf("dropped events %+v", drops)
	}
	h.tr.Last(t).open()
	if got := h.tr.Last(t).Sent(); !reflect.DeepEqual(got, []string{"b", "c"}) {
		t.Fatalf("sent %q", got)
	}
}

func TestStatsCountTheSocketsLife(t *testing.T) {
	h := newHarness(t, 0, nil)
	h.s.Send(text("abc"))
	c := h.tr.Last(t)
	c.open()
	c.h.OnMessage(text("hello"))
	h.clock.Advance(2 * time.Second)
	st := h.s.Stats()
	want := Stats{Attempts: 1, MessagesOut: 1, BytesOut: 3, MessagesIn: 1, BytesIn: 5, Uptime: 2 * time.Second, State: Open}
	if st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	c.drop(1006, "")
	h.clock.Advance(time.Second)
	h.tr.Last(t).open()
	if st := h.s.Stats(); st.Attempts != 2 || st.Reconnects != 1 {
		t.Fatalf("stats %+v, want 2 attempts and 1 reconnect", st)
	}
}

func TestAMessageOverMaxMessageSizeClosesWith1009(t *testing.T) {
	h := newHarness(t, 0, func(o *Options) { o.MaxMessageSize = 4 })
	c := h.tr.Last(t)
	c.open()
	c.h.OnMessage(text("1234"))
	c.h.OnMessage(text("12345"))
	if closed, code := c.Closed(); !closed || code != 1009 {
		t.Fatalf("closed=%v code=%d, want 1009", closed, code)
	}
	errs := eventsOf[ErrorEvent](h.rec)
	if len(errs) != 1 || !strings.Contains(errs[0].Err.Error(), "exceeds the limit of 4") {
		t.Fatalf("errors %v", errs)
	}
	if msgs := eventsOf[MessageEvent](h.rec); len(msgs) != 1 {
		t.Fatalf("%d messages delivered, want only the one within the limit", len(msgs))
	}
}

func TestAServerRefusingTheResumeHandshakeIsProbed(t *testing.T) {
	h := resumeHarness(t, func(o *Options) { o.Protocols = []string{"chat"} })
	h.tr.Last(t).drop(1006, "") // the browser failed the handshake
	probe := h.tr.Last(t)
	if h.tr.Dials() != 2 || !reflect.DeepEqual(probe.protocols, []string{"chat"}) {
		t.Fatalf("probe offered %q after %d dials, want a plain attempt", probe.protocols, h.tr.Dials())
	}
	probe.open()
	if closed, _ := probe.Closed(); !closed {
		t.Fatal("probe connection left open")
	}
	// One refusal may be a passing network fault: the verdict waits for
	// the third in a row, with a probe opening after each.
	for range 2 {
		if errs := eventsOf[ErrorEvent](h.rec); len(errs) != 0 {
			t.Fatalf("errors %v before the third refusal", errs)
		}
		h.clock.Advance(time.Second)
		h.tr.Last(t).drop(1006, "")
		if n := h.tr.Dials(); n%2 == 0 {
			h.tr.Last(t).open()
		}
	}
	errs := eventsOf[ErrorEvent](h.rec)
	if len(errs) != 1 || !errors.Is(errs[0].Err, ErrNoResume) {
		t.Fatalf("errors %v, want ErrNoResume", errs)
	}
	h.clock.Advance(time.Hour)
	if st := h.s.State(); st != Closed || h.tr.Dials() != 5 {
		t.Fatalf("state %v after %d dials, want closed for good after three attempts and two probes", st, h.tr.Dials())
	}
}

func TestAServerThatIsDownIsNotMistakenForOneWithoutResume(t *testing.T) {
	h := resumeHarness(t, nil)
	h.tr.Last(t).drop(1006, "")
	h.tr.Last(t).drop(1006, "") // the probe fails too
	h.clock.Advance(time.Second)
	if st := h.s.State(); st != Reconnecting || len(eventsOf[ErrorEvent](h.rec)) != 0 {
		t.Fatalf("state %v, errors %v: want a plain retry", st, eventsOf[ErrorEvent](h.rec))
	}
}

func TestRetryAfterHintParsing(t *testing.T) {
	for _, tc := range []struct {
		code   int
		reason string
		want   time.Duration
	}{
		{1012, "retry-after=30", 30 * time.Second},
		{1013, "  retry-after= 7 ", 7 * time.Second},
		{1013, "retry-after=99999999999999999999", maxRetryAfter},
		{1013, "retry-after=3600", maxRetryAfter},
		{1013, "retry-after=0", 0},
		{1013, "retry-after=", 0},
		{1013, "retry-after=-5", 0},
		{1013, "retry-after=1.5", 0},
		{1013, "retry-after=5s", 0},
		{1013, "retry-after=٣", 0},
		{1013, "busy", 0},
		{1011, "retry-after=30", 0},
	} {
		if got := retryAfterHint(tc.code, tc.reason); got != tc.want {
			t.Errorf("retryAfterHint(%d, %q) = %v, want %v", tc.code, tc.reason, got, tc.want)
		}
	}
}

func TestAPendingProbeIsClosedWhenTheSocketStopsTrying(t *testing.T) {
	for _, tc := range []struct {
		name string
		stop func(s *Socket)
	}{
		{"Close", func(s *Socket) { s.Close(1000, "") }},
		{"Suspend", func(s *Socket) { s.Suspend() }},
		{"offline", func(s *Socket) { s.SetOnline(false) }},
		{"Reconnect", func(s *Socket) { s.Reconnect(0, "") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := resumeHarness(t, nil)
			h.tr.Last(t).drop(1006, "") // the handshake failed: a probe goes out
			probe := h.tr.Last(t)
			if h.tr.Dials() != 2 {
				t.Fatalf("%d dials, want the probe", h.tr.Dials())
			}
			tc.stop(h.s)
			if closed, _ := probe.Closed(); !closed {
				t.Fatal("the probe connection stays open after the socket stopped trying")
			}
		})
	}
}

// failRetries lets each pending retry dial and fails it, n times, and
// returns the reconnecting events the failures announced.
func failRetries(t *testing.T, h *harness, n int) []ReconnectingEvent {
	t.Helper()
	before := len(eventsOf[ReconnectingEvent](h.rec))
	for range n {
		dials := h.tr.Dials()
		// Small steps, so that the attempt is failed before its connect
		// timeout fails it.
		for waited := time.Duration(0); h.tr.Dials() == dials; waited += 100 * time.Millisecond {
			if waited > time.Minute {
				t.Fatalf("no retry within a minute: %d dials, state %v", h.tr.Dials(), h.s.State())
			}
			h.clock.Advance(100 * time.Millisecond)
		}
		h.tr.Last(t).drop(1006, "")
	}
	return eventsOf[ReconnectingEvent](h.rec)[before:]
}

func TestNetworkFlapsWhileARetryWaitsSpendNoRetries(t *testing.T) {
	h := newHarness(t, 0.5, func(o *Options) { o.MaxRetries = new(3) })
	h.tr.Last(t).open()
	h.tr.Last(t).drop(1006, "") // retry 1 waits
	for range 3 {
		h.s.SetOnline(false)
		h.s.SetOnline(true)
	}
	if n, rc := h.tr.Dials(), h.s.RetryCount(); n != 1 || rc != 1 {
		t.Fatalf("after three flaps: dials %d, retry count %d; want 1 and still retry 1", n, rc)
	}
	failRetries(t, h, 3)
	h.clock.Advance(time.Hour)
	if n, st := h.tr.Dials(), h.s.State(); n != 4 || st != Closed {
		t.Fatalf("dials %d, state %v; want the first and all 3 retries, then closed", n, st)
	}
}

func TestNetworkFlapsDoNotGrowTheBackoff(t *testing.T) {
	h := newHarness(t, 0.5, nil)
	h.tr.Last(t).open()
	h.tr.Last(t).drop(1006, "")
	for range 5 {
		h.s.SetOnline(false)
		h.s.SetOnline(true)
	}
	rec := failRetries(t, h, 1)
	// Attempt 2 waits half its bound of 2 s, as if the network never flapped.
	if len(rec) != 1 || rec[0].Attempt != 2 || rec[0].Delay != time.Second {
		t.Fatalf("after the first retry failed: %+v, want attempt 2 after 1s", rec)
	}
}

func TestSuspendAndWakeSpendNoRetries(t *testing.T) {
	h := newHarness(t, 0.5, func(o *Options) { o.MaxRetries = new(2) })
	h.tr.Last(t).open()
	h.tr.Last(t).drop(1006, "") // retry 1 waits
	h.s.Suspend()               // ... and is called off
	h.s.Wake()                  // retry 1 dials at once
	h.s.Suspend()               // ... and is called off while connecting
	h.s.Wake()                  // retry 1 again
	if n, rc := h.tr.Dials(), h.s.RetryCount(); n != 3 || rc != 1 {
		t.Fatalf("after two suspends: dials %d, retry count %d; want 3 and still retry 1", n, rc)
	}
	h.tr.Last(t).drop(1006, "")
	rec := eventsOf[ReconnectingEvent](h.rec)
	if last := rec[len(rec)-1]; last.Attempt != 2 || last.Delay != time.Second {
		t.Fatalf("after retry 1 failed: %+v, want attempt 2 after 1s", last)
	}
	failRetries(t, h, 1)
	h.clock.Advance(time.Hour)
	if n, st := h.tr.Dials(), h.s.State(); n != 4 || st != Closed {
		t.Fatalf("dials %d, state %v; want both retries made, then closed", n, st)
	}
}

func TestThePolicysAnswerHoldsWhenThePagePausesMeanwhile(t *testing.T) {
	for _, tc := range []struct {
		name          string
		pause, resume func(s *Socket)
		// resumeFirst resumes before the policy answers.
		resumeFirst bool
		answer      bool
		wantDials   int
		wantState   State
		wantFinal   bool
	}{
		{"refused, online again before the answer", offline, online, true, false, 1, Closed, true},
		{"refused while offline", offline, online, false, false, 1, Closed, true},
		{"refused, woken before the answer", suspend, wake, true, false, 1, Closed, true},
		{"refused while suspended", suspend, wake, false, false, 1, Closed, true},
		{"retried, online again before the answer", offline, online, true, true, 2, Reconnecting, false},
		{"retried while offline", offline, online, false, true, 2, Reconnecting, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			answer := make(chan bool)
			h := newHarness(t, 0.5, func(o *Options) {
				o.ShouldReconnect = func(CloseEvent) bool { return <-answer }
			})
			h.tr.Last(t).open()
			h.tr.Last(t).drop(4001, "")
			tc.pause(h.s)
			if tc.resumeFirst {
				tc.resume(h.s)
			}
			answer <- tc.answer
			eventually(t, "the close event the policy's answer decides", func() bool { return len(eventsOf[CloseEvent](h.rec)) == 1 })
			if !tc.resumeFirst {
				if st := h.s.State(); st != Offline && st != Closed {
					t.Fatalf("state %v while paused", st)
				}
				tc.resume(h.s)
			}
			h.clock.Advance(2 * time.Second)
			closes := eventsOf[CloseEvent](h.rec)
			if n, st := h.tr.Dials(), h.s.State(); n != tc.wantDials || st != tc.wantState || len(closes) != 1 || closes[0].WillReconnect == tc.wantFinal {
				t.Fatalf("dials %d, state %v, closes %+v; want %d dials, %v and one close (final %v)", n, st, closes, tc.wantDials, tc.wantState, tc.wantFinal)
			}
		})
	}
}

func offline(s *Socket) { s.SetOnline(false) }
func online(s *Socket)  { s.SetOnline(true) }
func suspend(s *Socket) { s.Suspend() }
func wake(s *Socket)    { s.Wake() }

// openResumed opens the last attempt of a resume-mode harness.
func openResumed(t *testing.T, h *harness) *fakeConn {
	t.Helper()
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	c.welcome(wire.Welcome{Session: sessA})
	if st := h.s.State(); st != Open {
		t.Fatalf("state %v, want open", st)
	}
	return c
}

// lastRetryIsOrdinary fails unless the last reconnecting event waited the
// ordinary backoff of its attempt, with the harness's draw of 0.5.
func lastRetryIsOrdinary(t *testing.T, h *harness) {
	t.Helper()
	rec := eventsOf[ReconnectingEvent](h.rec)
	if len(rec) == 0 {
		t.Fatal("no reconnecting event")
	}
	if last := rec[len(rec)-1]; last.Delay != DefaultBackoff.Delay(last.Attempt, 0.5) {
		t.Fatalf("reconnecting %+v, want the ordinary backoff of %v", last, DefaultBackoff.Delay(last.Attempt, 0.5))
	}
}

func TestAResumeRetryAfterHoldsOnlyForTheCloseThatFollowsIt(t *testing.T) {
	retryAfter := wire.AppendValue(nil, wire.TypeRetryAfter, 7000)
	resume := func(o *Options) { o.Resume = true }
	t.Run("a close other than 1012 or 1013", func(t *testing.T) {
		h := newHarness(t, 0.5, resume)
		c := openResumed(t, h)
		c.deliver(retryAfter)
		c.drop(1011, "internal error")
		lastRetryIsOrdinary(t, h)
	})
	t.Run("a final close, then reconnect()", func(t *testing.T) {
		h := newHarness(t, 0.5, resume)
		c := openResumed(t, h)
		c.deliver(retryAfter)
		c.drop(1008, "policy violation")
		if st := h.s.State(); st != Closed {
			t.Fatalf("state %v, want closed", st)
		}
		h.s.Reconnect(0, "")
		openResumed(t, h).drop(1012, "service restart")
		lastRetryIsOrdinary(t, h)
	})
	t.Run("a suspend, then a refusal without one", func(t *testing.T) {
		h := newHarness(t, 0.5, resume)
		c := openResumed(t, h)
		c.deliver(retryAfter)
		h.s.Suspend()
		h.s.Wake()
		openResumed(t, h).drop(1013, "try again later")
		lastRetryIsOrdinary(t, h)
	})
}

func TestProbeDoesNotCutARetryAfterShort(t *testing.T) {
	for _, tc := range []struct {
		name   string
		resume bool
		close  func(c *fakeConn)
	}{
		{"plain close reason", false, func(c *fakeConn) { c.drop(1013, "retry-after=30") }},
		{"resume frame", true, func(c *fakeConn) {
			c.deliver(wire.AppendValue(nil, wire.TypeRetryAfter, 30000))
			c.drop(1012, "service restart")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, 0.5, func(o *Options) { o.Resume = tc.resume })
			open := func() {
				if tc.resume {
					openResumed(t, h)
				} else {
					h.tr.Last(t).open()
				}
			}
			open()
			tc.close(h.tr.Last(t)) // the retry waits 30 s plus 7.5 s of jitter
			h.clock.Advance(29 * time.Second)
			h.s.Probe()
			if n := h.tr.Dials(); n != 1 {
				t.Fatalf("dials %d after a probe 29 s into a 30 s retry-after, want the wait kept", n)
			}
			// Past the server's wait only the jitter remains, which a probe
			// skips as it skips any backoff.
			h.clock.Advance(2 * time.Second)
			h.s.Probe()
			if n := h.tr.Dials(); n != 2 {
				t.Fatalf("dials %d after a probe past the retry-after, want the retry made now", n)
			}
			open()
			h.clock.Advance(10 * time.Second) // past the retry's own time
			if n, st := h.tr.Dials(), h.s.State(); n != 2 || st != Open {
				t.Fatalf("dials %d, state %v: want the retry the probe made, and no other", n, st)
			}
		})
	}
}
