//go:build !js

package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// socketStats is what stats() returns.
type socketStats struct {
	Attempts    int      `json:"attempts"`
	Reconnects  int      `json:"reconnects"`
	MessagesIn  int      `json:"messagesIn"`
	MessagesOut int      `json:"messagesOut"`
	BytesIn     int      `json:"bytesIn"`
	BytesOut    int      `json:"bytesOut"`
	Queued      int      `json:"queued"`
	QueuedBytes int      `json:"queuedBytes"`
	RTT         *float64 `json:"rtt"`
	Uptime      float64  `json:"uptime"`
	State       string   `json:"state"`
}

func TestStatsCountTheSocketsLife(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	p.run(fmt.Sprintf(`h.openTracked("s", %s)`, js(srv.wsURL("/echo"))))
	p.waitFor("the socket to open", `h.ws("s").state === "open"`)
	// 3 + 6 + 4 bytes each way: "é" is two bytes of UTF-8.
	p.run(`h.ws("s").send("abc"); h.ws("s").send("héllo"); h.ws("s").send(new Uint8Array([1, 2, 3, 4]))`)
	p.waitFor("the echoes", `h.rec("s").messages.length === 3`)
	st := evaluate[socketStats](p, `h.ws("s").stats()`)
	want := socketStats{Attempts: 1, MessagesIn: 3, MessagesOut: 3, BytesIn: 13, BytesOut: 13, State: "open"}
	uptime := st.Uptime
	st.Uptime = 0
	if st.RTT != nil || st != want {
		t.Errorf("stats %+v, want %+v with rtt null (no heartbeat in plain mode)", st, want)
	}
	if uptime <= 0 {
		t.Errorf("uptime %v ms of an open connection, want more than 0", uptime)
	}

	p.run(`h.ws("s").reconnect()`)
	p.waitFor("the reconnect", `h.full("s", "open").length === 2`)
	st = evaluate[socketStats](p, `h.ws("s").stats()`)
	if st.Attempts != 2 || st.Reconnects != 1 || st.State != "open" {
		t.Errorf("stats after reconnect() %+v, want 2 attempts, 1 reconnect, open", st)
	}
	p.run(`h.ws("s").close()`)
	p.waitFor("the close", `h.ws("s").readyState === 3`)
	if st = evaluate[socketStats](p, `h.ws("s").stats()`); st.State != "closed" || st.Uptime != 0 {
		t.Errorf("stats after close() %+v, want state closed and no uptime", st)
	}
}

func TestDropOldestDropsAndSaysSo(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	srv.down.Store(true)
	opts := `{delays: [60000], maxQueuedMessages: 3, outboxPolicy: "drop-oldest"}`
	p.run(fmt.Sprintf(`h.openTracked("s", %s, [], %s)`, js(srv.wsURL("/ws")), opts))
	p.run(fmt.Sprintf(`h.openTracked("strict", %s, [], {delays: [60000], maxQueuedMessages: 3})`, js(srv.wsURL("/ws"))))
	p.waitFor("both sockets to wait to retry", `h.ws("s").state === "reconnecting" && h.ws("strict").state === "reconnecting"`)

	sent := []string{"m0", "m1", "m2", "m3", "m4"}
	thrown := evaluate[string](p, fmt.Sprintf(`(() => {
		for (const m of %s) h.ws("s").send(m);
		for (const m of ["a", "b", "c"]) h.ws("strict").send(m);
		return h.errorName(() => h.ws("strict").send("d"));
	})()`, js(sent)))
	if thrown != "QuotaExceededError" {
		t.Errorf(`a full outbox with outboxPolicy "throw" threw %q, want QuotaExceededError`, thrown)
	}
	dropped := evaluate[[]lifeEvent](p, `h.full("s", "dropped")`)
	if len(dropped) != 2 {
		t.Fatalf("dropped events %+v, want 2: one for each message past the limit", dropped)
	}
	for _, d := range dropped {
		if d.Messages != 1 || d.Bytes != 2 || d.Reason == "" {
			t.Errorf("dropped %+v, want 1 message of 2 bytes and a reason", d)
		}
	}
	if st := evaluate[socketStats](p, `h.ws("s").stats()`); st.Queued != 3 || st.QueuedBytes != 6 {
		t.Errorf("stats %+v, want 3 messages of 6 bytes queued", st)
	}

	srv.down.Store(false)
	p.run(`h.ws("s").reconnect()`)
	p.waitFor("the queued messages' echoes", `h.texts("s").length === 3`)
	if got := evaluate[[]string](p, `h.texts("s")`); !slices.Equal(got, sent[2:]) {
		t.Errorf("echoes %q, want the newest three, %q", got, sent[2:])
	}
}
