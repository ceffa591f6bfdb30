package reconnect

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
	t.Run("plain close reason", func(t *testing.T) {
		h := newHarness(t, 0.5, nil)
		h.tr.Last(t).open()
		h.tr.Last(t).drop(1013, "retry-after=30")
		rec := eventsOf[ReconnectingEvent](h.rec)
		if want := 30*time.Second + 500*time.Millisecond; len(rec) != 1 || rec[0].Delay != want {
			t.Fatalf("reconnecting %+v, want a delay of %v (the hint plus jitter)", rec, want)
		}
	})
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

func TestSuspendClosesCleanlyAndWakeReconnects(t *testing.T) {
	h := resumeHarness(t, nil)
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	c.welcome(wire.Welcome{Session: sessA})
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
	h := resumeHarness(t, nil)
	c := h.tr.Last(t)
	c.h.OnOpen(wire.Protocol, "")
	c.welcome(wire.Welcome{Session: sessA})
	h.clock.Advance(time.Second)
	h.s.Probe()
	var pings int
	for _, f := range c.frames(t) {
		if f.Type == wire.TypePing {
			pings++
		}
	}
	if pings != 1 {
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
