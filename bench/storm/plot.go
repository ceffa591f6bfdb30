package main

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
)

var (
	white     = color.RGBA{255, 255, 255, 255}
	black     = color.RGBA{30, 30, 30, 255}
	gridColor = color.RGBA{225, 225, 225, 255}
	markColor = color.RGBA{120, 120, 120, 255}
	// One color per scenario, in order.
	lineColors = []color.RGBA{{31, 119, 180, 255}, {230, 110, 20, 255}}
)

const (
	plotWidth  = 1200
	plotHeight = 860
	fontScale  = 2
	lineHeight = 7*fontScale + 6
)

// panel is one chart of the figure: its place and its data ranges.
type panel struct {
	img                    *image.RGBA
	left, top, right, bott int
	xMin, xMax, yMax       float64
}

func (p panel) x(v float64) int {
	return p.left + int(math.Round((v-p.xMin)/(p.xMax-p.xMin)*float64(p.right-p.left)))
}

func (p panel) y(v float64) int {
	return p.bott - int(math.Round(v/p.yMax*float64(p.bott-p.top)))
}

// writePlot draws connected clients over time for every run, and below it
// the rate of new connections, and writes the PNG.
func writePlot(name string, r results) error {
	img := image.NewRGBA(image.Rect(0, 0, plotWidth, plotHeight))
	draw.Draw(img, img.Bounds(), &image.Uniform{white}, image.Point{}, draw.Src)

	xMax := 0.0
	for _, run := range r.Runs {
		for _, s := range run.Samples {
			xMax = max(xMax, s.MS/1000)
		}
	}
	xMin := -0.5
	title := fmt.Sprintf("%d resock clients: server killed at 0 s, started again %.1f s later", r.Config.Clients, r.Config.Downtime.Seconds())
	xLabel := "seconds since the server was killed"
	if ra := r.Config.RetryAfter; ra > 0 {
		title = fmt.Sprintf("%d resock clients: SIGTERM at 0 s, retry-after %v, restart %.1f s after exit", r.Config.Clients, ra, r.Config.Downtime.Seconds())
		xLabel = "seconds since the server was sent SIGTERM"
	}
	drawText(img, (plotWidth-textWidth(title, fontScale))/2, 14, title, fontScale, black)

	top := panel{img: img, left: 110, top: 80, right: plotWidth - 40, bott: 470, xMin: xMin, xMax: xMax, yMax: niceMax(float64(r.Config.Clients))}
	top.frame("connected clients", "")
	for i, run := range r.Runs {
		pts := make([][2]float64, len(run.Samples))
		for j, s := range run.Samples {
			pts[j] = [2]float64{s.MS / 1000, float64(s.Connected)}
		}
		top.polyline(pts, lineColors[i%len(lineColors)])
		top.mark(run.ServerBackMS/1000, lineColors[i%len(lineColors)])
	}

	// The rate panel: new connections per 100 ms, shown per second.
	rates := make([][][2]float64, len(r.Runs))
	peak := 0.0
	for i, run := range r.Runs {
		buckets := int(math.Ceil(xMax*10)) + 1
		counts := make([]float64, buckets)
		for _, o := range run.Opens {
			if b := int(o / 100); b >= 0 && b < buckets {
				counts[b]++
			}
		}
		for b, n := range counts {
			rate := n * 10
			peak = max(peak, rate)
			rates[i] = append(rates[i], [2]float64{float64(b) / 10, rate}, [2]float64{float64(b+1) / 10, rate})
		}
	}
	bottom := panel{img: img, left: 110, top: 560, right: plotWidth - 40, bott: 790, xMin: xMin, xMax: xMax, yMax: niceMax(peak)}
	bottom.frame("new connections per second (in 100 ms buckets)", xLabel)
	for i := range r.Runs {
		bottom.polyline(rates[i], lineColors[i%len(lineColors)])
	}

	// The legend, in a framed box at the top panel's lower right; after a
	// graceful shutdown the clients come back late and slowly, so it goes
	// to the upper left, after the drop.
	var labels []string
	for _, run := range r.Runs {
		labels = append(labels, fmt.Sprintf("%s: all back +%.1f s", run.Name, run.AllBackMS/1000))
	}
	labels = append(labels, "dashed: the server listens again")
	width := 0
	for _, l := range labels {
		width = max(width, textWidth(l, fontScale))
	}
	boxW, boxH := width+52+24, len(labels)*lineHeight+18
	bx, by := top.right-boxW-16, top.bott-boxH-16
	if r.Config.RetryAfter > 0 {
		bx, by = top.x(0)+24, top.top+16
	}
	draw.Draw(img, image.Rect(bx, by, bx+boxW, by+boxH), &image.Uniform{white}, image.Point{}, draw.Src)
	hline(img, bx, bx+boxW, by, markColor)
	hline(img, bx, bx+boxW, by+boxH, markColor)
	vline(img, bx, by, by+boxH, markColor)
	vline(img, bx+boxW, by, by+boxH, markColor)
	for i, l := range labels {
		y := by + 10 + i*lineHeight
		if i < len(r.Runs) {
			c := lineColors[i%len(lineColors)]
			for t := range 3 {
				hline(img, bx+12, bx+52, y+7+t-1, c)
			}
		} else {
			dashedVLine(img, bx+31, y, y+7*fontScale, markColor)
		}
		drawText(img, bx+64, y, l, fontScale, black)
	}

	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("failed to write the plot: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("failed to write the plot: %w", err)
	}
	return f.Close()
}

// frame draws the grid, the axes, the ticks with their labels, the title
// above the panel and the x label below it.
func (p panel) frame(title, xLabel string) {
	drawText(p.img, p.left, p.top-lineHeight-10, title, fontScale, black)
	step := niceStep(p.yMax)
	for v := 0.0; v <= p.yMax+step/2; v += step {
		y := p.y(v)
		hline(p.img, p.left, p.right, y, gridColor)
		label := fmt.Sprintf("%.0f", v)
		drawText(p.img, p.left-12-textWidth(label, fontScale), y-7*fontScale/2, label, fontScale, black)
	}
	xStep := niceStep(p.xMax - p.xMin)
	for v := math.Ceil(p.xMin/xStep) * xStep; v <= p.xMax; v += xStep {
		x := p.x(v)
		vline(p.img, x, p.top, p.bott, gridColor)
		vline(p.img, x, p.bott, p.bott+6, black)
		rounded := math.Round(v*10) / 10
		if rounded == 0 {
			rounded = 0 // not -0
		}
		label := fmt.Sprintf("%g", rounded)
		drawText(p.img, x-textWidth(label, fontScale)/2, p.bott+12, label, fontScale, black)
	}
	hline(p.img, p.left, p.right, p.bott, black)
	vline(p.img, p.left, p.top, p.bott, black)
	if xLabel != "" {
		drawText(p.img, (p.left+p.right-textWidth(xLabel, fontScale))/2, p.bott+12+lineHeight+6, xLabel, fontScale, black)
	}
}

// polyline draws the points joined by lines three pixels wide.
func (p panel) polyline(pts [][2]float64, c color.Color) {
	for i := 1; i < len(pts); i++ {
		x0, y0 := p.x(pts[i-1][0]), p.y(pts[i-1][1])
		x1, y1 := p.x(pts[i][0]), p.y(pts[i][1])
		for d := -1; d <= 1; d++ {
			line(p.img, x0, y0+d, x1, y1+d, c)
			line(p.img, x0+d, y0, x1+d, y1, c)
		}
	}
}

// mark draws a dashed vertical line at x, in the panel.
func (p panel) mark(x float64, c color.Color) {
	dashedVLine(p.img, p.x(x), p.top, p.bott, c)
}

func dashedVLine(img *image.RGBA, x, y0, y1 int, c color.Color) {
	for y := y0; y < y1; y++ {
		if (y-y0)%10 < 6 {
			img.Set(x, y, c)
			img.Set(x+1, y, c)
		}
	}
}

func hline(img *image.RGBA, x0, x1, y int, c color.Color) {
	for x := x0; x <= x1; x++ {
		img.Set(x, y, c)
	}
}

func vline(img *image.RGBA, x, y0, y1 int, c color.Color) {
	for y := y0; y <= y1; y++ {
		img.Set(x, y, c)
	}
}

// line draws a one-pixel line with Bresenham's algorithm.
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.Color) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		img.Set(x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// niceStep is a round tick step (1, 2, 2.5 or 5 times a power of ten) that
// cuts span into about five.
func niceStep(span float64) float64 {
	if span <= 0 {
		return 1
	}
	raw := span / 5
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*pow >= raw {
			return m * pow
		}
	}
	return 10 * pow
}

// niceMax rounds v up to a whole number of ticks.
func niceMax(v float64) float64 {
	step := niceStep(v)
	return math.Ceil(v/step) * step
}
