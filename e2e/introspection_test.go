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

// TestStatsCountTextInUTF8 checks the glue's byte counts of text, which
// take a different path by length and content, against the browser's own
// encoder, both ways and in both modes.
func TestStatsCountTextInUTF8(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	texts := `[
		"", "ascii", "héllo", "a".repeat(100), "é".repeat(100), "a".repeat(2048), "a".repeat(2049),
		"é".repeat(3000), "a".repeat(70000), "😀".repeat(40000), "\ud800 lone", "x\udc00", "a".repeat(3000) + "\ud83d",
	]`
	for _, mode := range []string{"plain", "resume"} {
		p.run(fmt.Sprintf(`h.openTracked(%s, %s, [], {resume: %t})`, js(mode), js(srv.wsURL("/echo")), mode == "resume"))
		p.waitFor("the socket to open", fmt.Sprintf(`h.ws(%s).state === "open"`, js(mode)))
		got := evaluate[[]string](p, fmt.Sprintf(`(async () => {
			const ws = h.ws(%s), texts = %s, out = [];
			for (const s of texts) {
				const want = new TextEncoder().encode(s).length;
				const before = ws.stats();
				ws.send(s);
				// Read from the listener: the message is counted by then.
				const after = await new Promise((resolve) => ws.addEventListener("message", () => resolve(ws.stats()), {once: true}));
				const sent = after.bytesOut - before.bytesOut, received = after.bytesIn - before.bytesIn;
				if (sent !== want || received !== want) {
					out.push(s.length + " code units: sent " + sent + ", received " + received + ", want " + want);
				}
			}
			// All at once, with stats read only after the last: none of
			// them is left out.
			const total = texts.reduce((n, s) => n + new TextEncoder().encode(s).length, 0);
			const before = ws.stats();
			let echoed = 0;
			const all = new Promise((resolve) => {
				const count = () => {
					if (++echoed === texts.length) {
						ws.removeEventListener("message", count);
						resolve();
					}
				};
				ws.addEventListener("message", count);
			});
			for (const s of texts) {
				ws.send(s);
			}
			await all;
			const after = ws.stats();
			if (after.bytesOut - before.bytesOut !== total || after.bytesIn - before.bytesIn !== total) {
				out.push("all at once: sent " + (after.bytesOut - before.bytesOut) + ", received " + (after.bytesIn - before.bytesIn) + ", want " + total);
			}
			return out;
		})()`, js(mode), texts))
		for _, g := range got {
			t.Errorf("%s: %s", mode, g)
		}
	}
}
