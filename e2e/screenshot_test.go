//go:build !js

package e2e

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// screenshotPath is where TestScreenshot writes the README's picture of the
// demo.
var screenshotPath = filepath.Join("..", "docs", "demo.png")

// TestScreenshot writes docs/demo.png: the whiteboard as one page sees it
// after two pages drew on it. It runs only with RESOCK_SCREENSHOT=1.
func TestScreenshot(t *testing.T) {
	if os.Getenv("RESOCK_SCREENSHOT") != "1" {
		t.Skip("set RESOCK_SCREENSHOT=1 to write " + screenshotPath)
	}
	const width, height = 1000, 640
	ctx := testContext(t, 45*time.Second)
	srv := startDemo(t)
	shown := openBoard(t, ctx, "shown", srv)
	if err := chromedp.Do(shown.ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("failed to size the page: %v", err)
	}
	other := openBoard(t, ctx, "other", srv)

	pen(other, "#2563eb", "0.012")
	draw(other, wave(0.35, 0.16, 1.5)...)
	pen(shown, "#e11d48", "0.006")
	draw(shown, wave(0.55, 0.12, 2.5)...)
	pen(other, "#16a34a", "0.006")
	draw(other, line(point{0.15, 0.85}, point{0.85, 0.15}, 24)...)
	pen(shown, "#f59e0b", "0.012")
	draw(shown, line(point{0.15, 0.15}, point{0.85, 0.85}, 24)...)

	want := evaluate[int](other, `board.sent()`)
	shown.waitFor("the other page's strokes", fmt.Sprintf(`board.received() >= %d && %s`, want, badgeIs("open")))
	shown.waitFor("the counters to show every stroke", `document.getElementById("received").textContent === String(board.received())`)
	// The next frame paints what the DOM now holds.
	shown.run(`new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))`)

	shot, err := chromedp.Run(shown.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("failed to take the screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("failed to decode the screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), width, height)
	}
	if err := os.WriteFile(screenshotPath, shot, 0o644); err != nil {
		t.Fatalf("failed to write the screenshot: %v", err)
	}
	t.Logf("wrote %s (%d bytes)", screenshotPath, len(shot))
}
