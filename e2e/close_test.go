//go:build !js

package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/resock/resock/server"
)

func TestCloseStopsReconnectingUntilReconnect(t *testing.T) {
	ctx := testContext(t, 45*time.Second)
	srv := startDemo(t)
	p := openHarness(t, ctx, "page", srv)

	// control has the same schedule and is never closed: its reconnect is
	// the proof that closed would have reconnected too, had close() not
	// stopped it.
	opts := fmt.Sprintf(`{delays: %s}`, js(backoffSchedule))
	p.run(fmt.Sprintf(`h.open("closed", %s, [], %s)`, js(srv.wsURL("/echo")), opts))
	p.run(fmt.Sprintf(`h.open("control", %s, [], %s)`, js(srv.wsURL("/echo")), opts))
	p.waitFor("both sockets to open", `h.count("closed", "open") === 1 && h.count("control", "open") === 1`)
	srv.waitStats("two clients", func(st server.Stats) bool { return st.Clients == 2 })

	p.run(`h.ws("closed").close()`)
	p.waitFor("the final close", `h.count("closed", "close") === 1 && h.ws("closed").readyState === 3`)
	final := evaluate[event](p, `h.last("closed", "close")`)
	// close() without a code sends a close frame without one, which the
	// server echoes: 1005, as WebSocket reports it.
	if !final.CloseEvent || final.WillReconnect || final.Code != 1005 || !final.WasClean {
		t.Errorf("close after close() = %+v, want a clean CloseEvent with code 1005 and willReconnect false", final)
	}
	srv.waitStats("the closed client gone", func(st server.Stats) bool { return st.Clients == 1 })
	eventsAfterClose := evaluate[int](p, `h.rec("closed").events.length`)

	srv.stop()
	p.waitFor("the control to retry", `h.count("control", "reconnecting") >= 1`)
	srv.start()
	p.waitFor("the control to reconnect", `h.count("control", "open") === 2`)
	// Several times the longest delay of the schedule, on the page's clock.
	window := 4 * backoffSchedule[len(backoffSchedule)-1]
	p.run(fmt.Sprintf(`h.startTimer("window", %d)`, window))
	p.waitFor("the window to pass", `h.timers.window === true`)

	if st := srv.stats(); st.Clients != 1 || st.Accepted != 1 {
		t.Errorf("restarted server after the window: clients %d, accepted %d; want 1 and 1 (the control only)", st.Clients, st.Accepted)
	}
	state := evaluate[struct {
		ReadyState int     `json:"readyState"`
		Events     []event `json:"events"`
	}](p, `({readyState: h.ws("closed").readyState, events: h.rec("closed").events})`)
	if state.ReadyState != 3 {
		t.Errorf("readyState after close() and a restart = %d, want 3 (CLOSED)", state.ReadyState)
	}
	if later := state.Events[eventsAfterClose:]; len(later) > 0 {
		t.Errorf("events after the final close: %+v", later)
	}

	p.run(`h.ws("closed").reconnect()`)
	p.waitFor("reconnect() to revive the socket", `h.count("closed", "open") === 2 && h.ws("closed").readyState === 1`)
	if revived := evaluate[event](p, `h.last("closed", "open")`); !revived.Reconnected {
		t.Errorf("open after reconnect(): reconnected = false, want true")
	}
	p.run(`h.ws("closed").send("alive again")`)
	p.waitFor("the echo after reconnect()", `h.texts("closed").includes("alive again")`)
	if got := evaluate[[]string](p, `h.texts("closed")`); !slices.Equal(got, []string{"alive again"}) {
		t.Errorf("messages of the revived socket = %q, want only the echo of what it sent after reconnect()", got)
	}
	srv.waitStats("both clients back", func(st server.Stats) bool { return st.Clients == 2 && st.Accepted == 2 })
}
