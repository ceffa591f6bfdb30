//go:build !js

package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// event is an event as the harness recorded it; fields not in an event's
// type stay zero.
type event struct {
	Type           string  `json:"type"`
	At             float64 `json:"at"`
	ReadyState     int     `json:"readyState"`
	BufferedAmount int     `json:"bufferedAmount"`
	Reconnected    bool    `json:"reconnected"`
	CloseEvent     bool    `json:"closeEvent"`
	Code           int     `json:"code"`
	Reason         string  `json:"reason"`
	WasClean       bool    `json:"wasClean"`
	WillReconnect  bool    `json:"willReconnect"`
	Attempt        int     `json:"attempt"`
	Delay          float64 `json:"delay"`
	From           string  `json:"from"`
	To             string  `json:"to"`
}

// backoffSchedule is the fixed schedule the restart tests use, in ms: short,
// so that a restart is noticed at once, and growing, so that the schedule is
// visible in the reconnecting events.
var backoffSchedule = []int{100, 200, 400}

func TestQueuedMessagesArriveInOrderAfterServerRestart(t *testing.T) {
	const n = 100
	ctx := testContext(t, 45*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)

	p.run(fmt.Sprintf(`h.open("s", %s, [], {delays: %s})`, js(srv.wsURL("/echo")), js(backoffSchedule)))
	p.waitFor("the socket to open", `h.count("s", "open") === 1`)
	p.run(`h.ws("s").send("before")`)
	p.waitFor("the echo of the first message", `h.texts("s").length === 1`)
	if first := evaluate[event](p, `h.last("s", "open")`); first.Reconnected {
		t.Errorf("first open: reconnected = true, want false")
	}

	srv.stop()
	p.waitFor("the close of the restart", `h.count("s", "close") >= 1 && h.count("s", "reconnecting") >= 1`)
	closed := evaluate[event](p, `h.events("s", "close")[0]`)
	if !closed.CloseEvent || closed.Code != 1012 || !closed.WillReconnect {
		t.Errorf("close on restart = %+v, want a CloseEvent with code 1012 and willReconnect true", closed)
	}
	firstRetry := evaluate[event](p, `h.events("s", "reconnecting")[0]`)
	if firstRetry.Attempt != 1 || firstRetry.Code != 1012 || firstRetry.Delay != float64(backoffSchedule[0]) {
		t.Errorf("first reconnecting event = %+v, want attempt 1, code 1012, delay %d", firstRetry, backoffSchedule[0])
	}

	// Send while nothing is listening: everything is queued.
	var wantQueued int
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("msg-%d", i))
		wantQueued += len(want[i])
	}
	queued := evaluate[struct {
		ReadyState     int `json:"readyState"`
		BufferedAmount int `json:"bufferedAmount"`
		Retries        int `json:"retries"`
	}](p, fmt.Sprintf(`(() => {
		const ws = h.ws("s");
		for (const m of %s) ws.send(m);
		return {readyState: ws.readyState, bufferedAmount: ws.bufferedAmount, retries: h.count("s", "reconnecting")};
	})()`, js(want)))
	if queued.ReadyState != 0 {
		t.Errorf("readyState while the server is down = %d, want 0 (CONNECTING)", queued.ReadyState)
	}
	if queued.BufferedAmount != wantQueued {
		t.Errorf("bufferedAmount with %d messages queued = %d, want %d", n, queued.BufferedAmount, wantQueued)
	}

	// Let attempts fail against the closed port, so the queue has to
	// survive them.
	p.waitFor("two more failed attempts", fmt.Sprintf(`h.count("s", "reconnecting") >= %d`, queued.Retries+2))
	if got := evaluate[int](p, `h.ws("s").bufferedAmount`); got != wantQueued {
		t.Errorf("bufferedAmount after failed attempts = %d, want %d", got, wantQueued)
	}

	srv.start()
	p.waitFor("the same socket to reopen", `h.count("s", "open") === 2`)
	if reopened := evaluate[event](p, `h.last("s", "open")`); !reopened.Reconnected {
		t.Errorf("open after the restart: reconnected = false, want true")
	}
	// A message sent after the reconnect must come after every queued one.
	p.run(`h.ws("s").send("after")`)
	p.waitFor("the echo of the message sent after the reconnect", `h.texts("s").includes("after")`)

	got := evaluate[[]string](p, `h.texts("s")`)
	wantAll := slices.Concat([]string{"before"}, want, []string{"after"})
	if !slices.Equal(got, wantAll) {
		t.Errorf("echoes differ from what was sent (want before, msg-0…msg-%d, after, each once):\n got %s", n-1, strings.Join(got, " "))
	}
	if got := evaluate[int](p, `h.ws("s").bufferedAmount`); got != 0 {
		t.Errorf("bufferedAmount after the flush = %d, want 0", got)
	}
	if st := srv.stats(); st.Clients != 1 || st.Accepted != 1 {
		t.Errorf("restarted server: clients %d, accepted %d; want 1 and 1", st.Clients, st.Accepted)
	}

	retries := evaluate[[]event](p, `h.events("s", "reconnecting")`)
	for i, r := range retries {
		want := backoffSchedule[min(r.Attempt, len(backoffSchedule))-1]
		if r.Attempt != i+1 || r.Delay != float64(want) {
			t.Errorf("reconnecting event %d: attempt %d, delay %v ms; want attempt %d, delay %d ms", i, r.Attempt, r.Delay, i+1, want)
		}
	}
	opens := evaluate[[]event](p, `h.events("s", "open")`)
	t.Logf("server down %.0f ms: %d reconnecting events, %d close events; %d messages (%d bytes) sent while down",
		opens[1].At-closed.At, len(retries), evaluate[int](p, `h.count("s", "close")`), n, wantQueued)
}
