package main

import (
	"fmt"
	"math"
	"os"
	"strings"
)

// writePlot draws, for both modes, the browser's memory after each tab
// (left) and each tab's time to first open (right), as an SVG.
func writePlot(name string, r results) error {
	const w, h, pad, gap = 900, 380, 56, 70
	panelW := (w - 2*pad - gap) / 2
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	colors := map[string]string{"local": "#e66e14", "shared": "#1f77b4"}
	labels := map[string]string{"local": "a socket per tab (resock.js)", "shared": "one shared socket (shared.js)"}
	panels := []struct {
		title, unit string
		value       func(tabStats) float64
	}{
		{"Memory of the whole browser after each tab", "MiB", func(s tabStats) float64 { return s.BrowserMB }},
		{"Time from navigation to the tab's first open", "ms", func(s tabStats) float64 { return s.OpenMs }},
	}
	for i, p := range panels {
		left := pad + i*(panelW+gap)
		top, bottom := 50, h-70
		yMax := 0.0
		for _, m := range []string{"local", "shared"} {
			for _, s := range r.Summary[m] {
				yMax = max(yMax, p.value(s))
			}
		}
		step := math.Pow(10, math.Floor(math.Log10(yMax)))
		if yMax/step < 4 {
			step /= 2
		}
		yMax = math.Ceil(yMax/step) * step
		x := func(tab int) float64 {
			return float64(left) + float64(tab-1)/float64(max(1, r.Tabs-1))*float64(panelW)
		}
		y := func(v float64) float64 { return float64(bottom) - v/yMax*float64(bottom-top) }
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", left, top-20, p.title)
		for v := 0.0; v <= yMax+step/2; v += step {
			fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#e1e1e1"/>`, left, left+panelW, y(v), y(v))
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#555">%g</text>`+"\n", left-6, y(v)+4, v)
		}
		for t := 1; t <= r.Tabs; t++ {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%d</text>`, x(t), bottom+18, t)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#555">tabs open (%s, median of %d runs)</text>`+"\n", left+panelW/2, bottom+38, p.unit, r.Runs)
		for _, m := range []string{"local", "shared"} {
			var pts []string
			for _, s := range r.Summary[m] {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(s.Tab), y(p.value(s))))
			}
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5"/>`+"\n", strings.Join(pts, " "), colors[m])
		}
	}
	for i, m := range []string{"local", "shared"} {
		lx := pad + i*300
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="3"/><text x="%d" y="%d">%s</text>`+"\n", lx, lx+24, h-14, h-14, colors[m], lx+30, h-10, labels[m])
	}
	b.WriteString("</svg>\n")
	return os.WriteFile(name, []byte(b.String()), 0o644)
}
