//go:build !js

package e2e

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The conformance suite holds resock to the WebSocket interface of the
// WHATWG WebSockets standard, one behaviour per case: the constructor and
// its URL and subprotocols, readyState, send() and bufferedAmount, close()
// and the closing handshake from either side, a connection that fails, the
// events and their fields, binaryType and the on* attributes. Each case
// (testdata/conformance.js) runs in one page on the browser's own WebSocket
// and on ReconnectingWebSocket made with {maxRetries: 0}, which is to behave
// as WebSocket does, and writes a transcript of what it saw on each; the
// two must be the same, line for line, except where resock differs on
// purpose, as deliberate lists.

// deliberate lists every case where resock differs from WebSocket on
// purpose, and how: the edits turn the browser's transcript into the one
// resock must write. An edit whose browser lines are missing fails the
// case too, so that the list follows the browser as well as resock.
// README.md ("Where it differs from WebSocket") says the same for readers.
var deliberate = []difference{
	{
		name:   "send/while CONNECTING",
		reason: "resock queues what is sent before the connection opens, counts it in bufferedAmount and sends it once open, in order; WebSocket throws InvalidStateError",
		edits: []edit{
			{
				browser: []string{`send("early"): threw DOMException InvalidStateError`, `bufferedAmount=0`},
				resock:  []string{`send("early"): ok`, `bufferedAmount=5`},
			},
			{
				browser: []string{`message: "open"`},
				resock:  []string{`message: "early"`, `message: "open"`},
			},
		},
	},
	{
		name:   "send/after close()",
		reason: "resock refuses to send after close() with InvalidStateError, so that nothing is dropped silently; WebSocket discards the data and only grows bufferedAmount",
		edits: []edit{
			{
				browser: []string{`send("late"): ok`, `bufferedAmount=4`, `send(Uint8Array(3)): ok`, `bufferedAmount=7`},
				resock:  []string{`send("late"): threw DOMException InvalidStateError`, `bufferedAmount=0`, `send(Uint8Array(3)): threw DOMException InvalidStateError`, `bufferedAmount=0`},
			},
			{
				browser: []string{`send("closed"): ok`, `bufferedAmount=13`},
				resock:  []string{`send("closed"): threw DOMException InvalidStateError`, `bufferedAmount=0`},
			},
		},
	},
	{
		name:   "events/isTrusted",
		reason: "only the browser's own events are trusted; resock dispatches its events from script, which no page can make trusted",
		edits: []edit{
			{
				browser: []string{`open: isTrusted=true`, `message: isTrusted=true`, `close: isTrusted=true`},
				resock:  []string{`open: isTrusted=false`, `message: isTrusted=false`, `close: isTrusted=false`},
			},
			{
				browser: []string{`error: isTrusted=true`, `close: isTrusted=true`},
				resock:  []string{`error: isTrusted=false`, `close: isTrusted=false`},
			},
		},
	},
}

// difference is a deliberate difference: the case, why, and how.
type difference struct {
	name, reason string
	edits        []edit
}

// edit replaces lines of a transcript: browser, found once and in a row,
// by resock.
type edit struct {
	browser, resock []string
}

// confParallel is how many cases run at once in the page: each has two
// sockets, and a few handshakes pending at once are as many as Chromium
// lets through without delaying the next.
const confParallel = 4

// caseEnded starts the line of a case that ended early (conformance.js).
const caseEnded = "case ended:"

// confResult is a case's two transcripts.
type confResult struct {
	Name    string   `json:"name"`
	Browser []string `json:"browser"`
	Resock  []string `json:"resock"`
	// MS is how long the case took, in ms.
	MS float64 `json:"ms"`
}

func TestConformance(t *testing.T) {
	ctx := testContext(t, 90*time.Second)
	srv := startConfServer(t)
	p := openPage(t, ctx, "page", srv.url("/e2e/conformance.html"), "window.conf?.ready === true", "")

	hosts := srv.addHosts(evaluate[int](p, `conf.names().length`))
	start := time.Now()
	results := evaluate[[]confResult](p, fmt.Sprintf(`conf.runAll(%s)`, js(map[string]any{"closedURL": srv.closedURL, "hosts": hosts, "parallel": confParallel})))
	t.Logf("%d cases on both sockets in %v", len(results), time.Since(start).Round(time.Millisecond))

	slowest := slices.SortedFunc(slices.Values(results), func(a, b confResult) int { return cmp.Compare(b.MS, a.MS) })
	for _, r := range slowest[:min(5, len(slowest))] {
		t.Logf("slow: %s took %.0f ms", r.Name, r.MS)
	}

	names := map[string]bool{}
	for _, r := range results {
		names[r.Name] = true
	}
	for _, d := range deliberate {
		if !names[d.name] {
			t.Errorf("deliberate difference %q: no such case", d.name)
		}
	}
	for _, r := range results {
		t.Run(r.Name, func(t *testing.T) {
			if len(r.Browser) == 0 {
				t.Fatal("the case wrote nothing")
			}
			// A case must run to its end on WebSocket, or it proves nothing.
			if slices.ContainsFunc(r.Browser, func(l string) bool { return strings.HasPrefix(l, caseEnded) }) {
				t.Errorf("the case did not run to its end on WebSocket:\n%s", indent(r.Browser))
			}
			want, reason, err := expectedOfResock(r)
			if err != nil {
				t.Fatalf("%v\nWebSocket's transcript:\n%s", err, indent(r.Browser))
			}
			if slices.Equal(r.Resock, want) {
				return
			}
			what := "WebSocket's"
			if reason != "" {
				what = "WebSocket's, with the deliberate difference applied (" + reason + ")"
			}
			t.Errorf("ReconnectingWebSocket's transcript differs from %s:\n%s", what, lineDiff(want, r.Resock))
		})
	}
}

// expectedOfResock returns the transcript resock must write in case r:
// the browser's, with the edits of a deliberate difference applied.
func expectedOfResock(r confResult) ([]string, string, error) {
	i := slices.IndexFunc(deliberate, func(d difference) bool { return d.name == r.Name })
	if i < 0 {
		return r.Browser, "", nil
	}
	d := deliberate[i]
	out := slices.Clone(r.Browser)
	for _, e := range d.edits {
		at := -1
		for j := 0; j+len(e.browser) <= len(out); j++ {
			if slices.Equal(out[j:j+len(e.browser)], e.browser) {
				if at >= 0 {
					return nil, "", fmt.Errorf("deliberate difference: the lines %q occur more than once in WebSocket's transcript", e.browser)
				}
				at = j
			}
		}
		if at < 0 {
			return nil, "", fmt.Errorf("deliberate difference: WebSocket's transcript no longer has the lines %q", e.browser)
		}
		out = slices.Replace(out, at, at+len(e.browser), e.resock...)
	}
	return out, d.reason, nil
}

// lineDiff shows how got differs from want, line by line: "-" marks a line
// only in want, "+" one only in got.
func lineDiff(want, got []string) string {
	// lcs[i][j] is the length of the longest common subsequence of want[i:]
	// and got[j:].
	lcs := make([][]int, len(want)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(got)+1)
	}
	for i := len(want) - 1; i >= 0; i-- {
		for j := len(got) - 1; j >= 0; j-- {
			if want[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case i < len(want) && j < len(got) && want[i] == got[j]:
			fmt.Fprintf(&b, "      %s\n", want[i])
			i++
			j++
		case j < len(got) && (i == len(want) || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&b, "    + %s\n", got[j])
			j++
		default:
			fmt.Fprintf(&b, "    - %s\n", want[i])
			i++
		}
	}
	return "    (- WebSocket, + ReconnectingWebSocket)\n" + b.String()
}

func indent(lines []string) string {
	return "    " + strings.Join(lines, "\n    ")
}
