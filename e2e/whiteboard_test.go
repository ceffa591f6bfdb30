//go:build !js

package e2e

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/resock/resock/server"
)

// boardDump is what a failing whiteboard test prints about a page.
const boardDump = `JSON.stringify({
	badge: document.getElementById("status").dataset.state,
	text: document.getElementById("status").textContent,
	sent: board.sent(), received: board.received(), reconnects: board.reconnects(),
	queued: document.getElementById("queued").textContent,
	log: [...document.querySelectorAll("#log li")].map((li) => li.textContent),
})`

// openBoard opens the whiteboard demo and waits until it is connected and its
// canvas has a size.
func openBoard(t *testing.T, ctx context.Context, name string, s *demoServer) *page {
	t.Helper()
	return openPage(t, ctx, name, s.url("/"),
		`window.board && document.getElementById("board").width > 0 && document.getElementById("status").dataset.state === "open"`,
		boardDump)
}

// pen chooses the colour and width the page draws with by checking the
// swatches' radio buttons.
func pen(p *page, color, width string) {
	p.t.Helper()
	for _, sel := range []string{
		fmt.Sprintf(`input[name="color"][value="%s"]`, color),
		fmt.Sprintf(`input[name="width"][value="%s"]`, width),
	} {
		p.run(fmt.Sprintf(`document.querySelector(%s).checked = true`, js(sel)))
	}
}

// point is a place on the board, as fractions of its width and height.
type point struct{ x, y float64 }

// draw drags the mouse over the board through pts, with real input events:
// press at the first point, move through the others, release at the last.
func draw(p *page, pts ...point) {
	p.t.Helper()
	box := evaluate[struct{ X, Y, W, H float64 }](p, `(() => {
		const r = document.getElementById("board").getBoundingClientRect();
		return {X: r.left, Y: r.top, W: r.width, H: r.height};
	})()`)
	at := func(q point) (float64, float64) { return box.X + q.x*box.W, box.Y + q.y*box.H }
	down := func(pr *input.DispatchMouseEventParams) {
		pr.Button, pr.Buttons, pr.ClickCount = input.MouseButtonLeft, 1, 1
	}
	held := func(pr *input.DispatchMouseEventParams) { pr.Button, pr.Buttons = input.MouseButtonLeft, 1 }
	up := func(pr *input.DispatchMouseEventParams) {
		pr.Button, pr.Buttons, pr.ClickCount = input.MouseButtonLeft, 0, 1
	}

	x, y := at(pts[0])
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x, y, down)}
	for _, q := range pts[1:] {
		x, y = at(q)
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x, y, held))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x, y, up))
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: failed to draw: %v", p.name, err)
	}
}

// line returns n+1 points evenly spaced from a to b.
func line(a, b point, n int) []point {
	pts := make([]point, 0, n+1)
	for i := range n + 1 {
		f := float64(i) / float64(n)
		pts = append(pts, point{a.x + f*(b.x-a.x), a.y + f*(b.y-a.y)})
	}
	return pts
}

// wave returns a sine wave across the board around y.
func wave(y, amplitude, periods float64) []point {
	var pts []point
	for i := range 61 {
		f := float64(i) / 60
		pts = append(pts, point{0.08 + 0.84*f, y + amplitude*math.Sin(f*periods*2*math.Pi)})
	}
	return pts
}

// colorAt is the JavaScript expression of the colour the page shows at q,
// null where the board is blank.
func colorAt(q point) string { return fmt.Sprintf(`board.colorAt(%g, %g)`, q.x, q.y) }

// badgeIs is the JavaScript condition that the status badge shows state.
func badgeIs(state string) string {
	return fmt.Sprintf(`document.getElementById("status").dataset.state === %s`, js(state))
}

func TestWhiteboardPagesSeeEachOthersStrokes(t *testing.T) {
	const red = "#e11d48"
	ctx := testContext(t, 60*time.Second)
	srv := startDemo(t)
	a := openBoard(t, ctx, "A", srv)
	b := openBoard(t, ctx, "B", srv)
	srv.waitStats("both pages connected", func(st server.Stats) bool { return st.Clients == 2 })
	pen(a, red, "0.012")

	first := point{0.5, 0.3}
	if c := evaluate[*string](b, colorAt(first)); c != nil {
		t.Fatalf("B shows %s at %v before anything was drawn", *c, first)
	}
	received := evaluate[int](b, `Number(document.getElementById("received").textContent)`)
	draw(a, line(point{0.2, 0.3}, point{0.8, 0.3}, 12)...)
	b.waitFor("A's stroke on B", fmt.Sprintf(`Number(document.getElementById("received").textContent) > %d && %s === %s`,
		received, colorAt(first), js(red)))
	if sent := evaluate[int](a, `Number(document.getElementById("sent").textContent)`); sent == 0 {
		t.Errorf("A's sent counter is 0 after drawing")
	}
	if text := evaluate[string](a, `document.getElementById("status").textContent`); text != "open" {
		t.Errorf("A's badge reads %q, want %q", text, "open")
	}

	// And the other way: B's stroke, in another colour, on A.
	const blue = "#2563eb"
	pen(b, blue, "0.012")
	across := point{0.5, 0.5}
	if c := evaluate[*string](a, colorAt(across)); c != nil {
		t.Fatalf("A shows %s at %v before B drew there", *c, across)
	}
	draw(b, line(point{0.2, 0.5}, point{0.8, 0.5}, 12)...)
	a.waitFor("B's stroke on A", fmt.Sprintf(`%s === %s`, colorAt(across), js(blue)))

	// The drop button: the badge goes through reconnecting back to open.
	a.run(`window.badgeStates = [];
		new MutationObserver(() => badgeStates.push(document.getElementById("status").dataset.state))
			.observe(document.getElementById("status"), {attributeFilter: ["data-state"]})`)
	if err := chromedp.Do(a.ctx, chromedp.Click(chromedp.ID("drop"))); err != nil {
		t.Fatalf("failed to press drop: %v", err)
	}
	a.waitFor("the badge to go through reconnecting back to open",
		`badgeStates.includes("reconnecting") && `+badgeIs("open")+` && document.getElementById("reconnects").textContent === "1"`)
	srv.waitStats("A back", func(st server.Stats) bool { return st.Clients == 2 && st.Accepted == 3 })

	// A stroke drawn while the server is down reaches B after the restart.
	srv.stop()
	a.waitFor("A to notice the restart", badgeIs("reconnecting"))
	b.waitFor("B to notice the restart", badgeIs("reconnecting"))
	second := point{0.5, 0.7}
	draw(a, line(point{0.2, 0.7}, point{0.8, 0.7}, 12)...)
	a.waitFor("the stroke to be queued", `Number(document.getElementById("queued").textContent) > 0`)
	if c := evaluate[*string](b, colorAt(second)); c != nil {
		t.Fatalf("B shows %s at %v while the server is down", *c, second)
	}
	srv.start()
	// Both pages wait out the default jittered backoff (attempt 2 or 3 after
	// the drop: at most 2 s or 4 s).
	b.waitForWithin("the queued stroke on B", fmt.Sprintf(`%s === %s`, colorAt(second), js(red)), 20*time.Second)
	a.waitFor("A open with nothing queued", badgeIs("open")+` && document.getElementById("queued").textContent === "0"`)
	b.waitFor("B open again", badgeIs("open"))
}
