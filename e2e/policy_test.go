//go:build !js

package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests check what the page decides when a connection ends: the
// close-code policy and its override, the server's retry-after hint, and
// URLs and subprotocols chosen by functions before every attempt.

// scripted is the URL of /ws on srv with the query q (see lifeServer).
func scripted(srv *lifeServer, q url.Values) string { return srv.wsURL("/ws?" + q.Encode()) }

func TestTerminalCloseCodeEndsTheSocket(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	const retry = 50 // ms
	p.run(fmt.Sprintf(`h.openTracked("s", %s, [], {delays: [%d]})`, js(scripted(srv, url.Values{"close": {"4401"}, "reason": {"unauthorized"}})), retry))
	p.waitFor("the final close", `h.ws("s").readyState === 3`)
	p.run(fmt.Sprintf(`h.startTimer("window", %d)`, 10*retry))
	p.waitFor("ten retry delays to pass", `h.timers.window === true`)

	closes := evaluate[[]lifeEvent](p, `h.full("s", "close")`)
	if len(closes) != 1 || closes[0].Code != 4401 || closes[0].Reason != "unauthorized" || closes[0].WillReconnect {
		t.Errorf("close events %+v, want one: 4401 unauthorized, willReconnect false", closes)
	}
	if n := evaluate[int](p, `h.full("s", "reconnecting").length`); n != 0 {
		t.Errorf("%d reconnecting events after a 4401, want none", n)
	}
	if n := len(srv.attemptsOf("/ws")); n != 1 {
		t.Errorf("the server saw %d handshakes, want 1", n)
	}
}

func TestShouldReconnectOverridesThePolicy(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	// retried: 4401 is final by default; the policy retries it twice.
	p.run(`h.policy = []`)
	p.run(fmt.Sprintf(`h.openTracked("retried", %s, [], {delays: [20], shouldReconnect(e) {
		h.policy.push({closeEvent: e instanceof CloseEvent, code: e.code, reason: e.reason, state: h.ws("retried").state});
		return h.policy.length < 3;
	}})`, js(scripted(srv, url.Values{"close": {"4401"}, "reason": {"expired"}, "key": {"retried"}}))))
	// ended: 1011 is retried by default; an async policy ends it.
	p.run(fmt.Sprintf(`h.openTracked("ended", %s, [], {delays: [20], shouldReconnect: async (e) => {
		await new Promise((resolve) => setTimeout(resolve, 20));
		return e.code !== 1011;
	}})`, js(scripted(srv, url.Values{"close": {"1011"}, "key": {"ended"}}))))
	// thrower: a policy that throws is reported, and the default decides.
	p.run(`h.thrown = [];
		addEventListener("error", (e) => { if (e.error?.message === "policy bug") { e.preventDefault(); h.thrown.push(e.error.message); } });`)
	p.run(fmt.Sprintf(`h.openTracked("thrower", %s, [], {delays: [20], shouldReconnect() { throw new Error("policy bug"); }})`,
		js(scripted(srv, url.Values{"close": {"4403"}, "key": {"thrower"}}))))
	p.waitFor("every socket to end", `["retried", "ended", "thrower"].every((n) => h.ws(n).readyState === 3)`)

	type call struct {
		CloseEvent bool   `json:"closeEvent"`
		Code       int    `json:"code"`
		Reason     string `json:"reason"`
		State      string `json:"state"`
	}
	calls := evaluate[[]call](p, `h.policy`)
	want := call{CloseEvent: true, Code: 4401, Reason: "expired", State: "reconnecting"}
	if len(calls) != 3 || slices.IndexFunc(calls, func(c call) bool { return c != want }) >= 0 {
		t.Errorf("shouldReconnect calls %+v, want 3 of %+v", calls, want)
	}
	keys := map[string]int{}
	for _, a := range srv.attemptsOf("/ws") {
		q, _ := url.ParseQuery(a.Query)
		keys[q.Get("key")]++
	}
	if keys["retried"] != 3 || keys["ended"] != 1 || keys["thrower"] != 1 {
		t.Errorf("handshakes per socket %v, want retried 3, ended 1, thrower 1", keys)
	}
	for _, name := range []string{"retried", "ended", "thrower"} {
		closes := evaluate[[]lifeEvent](p, fmt.Sprintf(`h.full(%s, "close")`, js(name)))
		if last := closes[len(closes)-1]; last.WillReconnect {
			t.Errorf("%s: last close %+v, want final", name, last)
		}
	}
	if thrown := evaluate[[]string](p, `h.thrown`); len(thrown) != 1 {
		t.Errorf("the throwing policy was reported %d times, want once", len(thrown))
	}
}

func TestRetryAfterHintDelaysTheReconnect(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	// The first connection is closed with 1013 and a hint of 1 s; the
	// schedule alone would retry after 50 ms.
	q := url.Values{"close": {"1013"}, "reason": {"retry-after=1"}, "closes": {"1"}, "key": {"hint"}}
	p.run(fmt.Sprintf(`h.openTracked("s", %s, [], {delays: [50]})`, js(scripted(srv, q))))
	p.waitFor("the reconnect", `h.full("s", "open").length === 2`)

	retry := evaluate[lifeEvent](p, `h.full("s", "reconnecting")[0]`)
	if retry.Code != 1013 || retry.Reason != "retry-after=1" || retry.Delay < 1000 || retry.Delay >= 1500 {
		t.Errorf("reconnecting %+v, want code 1013 and a delay of 1000 ms plus less than 500 ms of jitter (half the hint)", retry)
	}
	attempts := srv.attemptsOf("/ws")
	if len(attempts) != 2 {
		t.Fatalf("%d handshakes, want 2", len(attempts))
	}
	if gap := attempts[1].At.Sub(attempts[0].At); gap < time.Second {
		t.Errorf("second handshake %v after the first, want at least the hinted 1 s", gap)
	}
}

func TestURLAndProtocolsFunctionsAreCalledBeforeEveryAttempt(t *testing.T) {
	ctx := testContext(t, 30*time.Second)
	srv := startLifeServer(t)
	p := openLifeHarness(t, ctx, "page", srv)

	// Two attempts are closed by the server with 4000; each has a fresh
	// token and subprotocol.
	base := scripted(srv, url.Values{"close": {"4000"}, "closes": {"2"}, "key": {"tokens"}})
	// The function is first called right after the constructor returns.
	first := evaluate[string](p, fmt.Sprintf(`h.n = 0;
		h.openTracked("s", () => %s + "&token=" + (++h.n), () => ["v" + h.n], {delays: [20]});
		h.ws("s").url`, js(base)))
	if first != "" {
		t.Errorf("url before the function was called = %q, want \"\"", first)
	}
	// Each connection opens before the server closes it.
	p.waitFor("the third connection", `h.full("s", "open").length === 3 && h.ws("s").state === "open"`)
	var tokens, protocols []string
	for _, a := range srv.attemptsOf("/ws") {
		q, _ := url.ParseQuery(a.Query)
		tokens = append(tokens, q.Get("token"))
		protocols = append(protocols, strings.Join(a.Protocols, ","))
	}
	if !slices.Equal(tokens, []string{"1", "2", "3"}) || !slices.Equal(protocols, []string{"v1", "v2", "v3"}) {
		t.Errorf("attempts with tokens %q and subprotocols %q, want 1 2 3 and v1 v2 v3", tokens, protocols)
	}
	now := evaluate[struct {
		URL      string `json:"url"`
		Protocol string `json:"protocol"`
	}](p, `({url: h.ws("s").url, protocol: h.ws("s").protocol})`)
	if !strings.HasSuffix(now.URL, "&token=3") || now.Protocol != "v3" {
		t.Errorf("url %q and protocol %q, want those of the third attempt", now.URL, now.Protocol)
	}
	p.run(`h.ws("s").send("hi")`)
	p.waitFor("the echo", `h.texts("s").includes("hi")`)

	// An async function that rejects once: an error event, the usual retry,
	// then the connection.
	p.run(fmt.Sprintf(`h.failed = false;
		h.openTracked("async", async () => {
			await new Promise((resolve) => setTimeout(resolve, 10));
			if (!h.failed) {
				h.failed = true;
				throw new Error("token service down");
			}
			return %s;
		}, undefined, {delays: [20]})`, js(srv.wsURL("/ws?key=async"))))
	p.waitFor("the async socket to open", `h.ws("async").state === "open"`)
	events := evaluate[[]lifeEvent](p, `h.full("async").filter((e) => e.type !== "statechange")`)
	var types []string
	for _, e := range events {
		types = append(types, e.Type)
	}
	if !slices.Equal(types, []string{"error", "close", "reconnecting", "open"}) {
		t.Errorf("events %q, want error, close, reconnecting, open", types)
	} else {
		if !strings.Contains(events[0].Message, "token service down") {
			t.Errorf("error message %q does not say why the URL function failed", events[0].Message)
		}
		if events[1].Code != 1006 || !events[1].WillReconnect {
			t.Errorf("close after the failure %+v, want 1006 and willReconnect", events[1])
		}
	}
	n := 0
	for _, a := range srv.attemptsOf("/ws") {
		if strings.Contains(a.Query, "key=async") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the async socket made %d handshakes, want 1: the failed attempt never reached the server", n)
	}
}
