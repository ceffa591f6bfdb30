package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
)

// profile records a Chromium CPU profile of the 64-in-flight echo loop of
// the browser WebSocket and of resock in both modes, at 16 B, 1 KiB and 64 KiB, and
// prints where the time goes. resock runs from the build with function
// names (the hook build), so that Go functions show by name. Each profile is
// also written as a .cpuprofile file, which DevTools' Performance panel
// opens.
func (b *bench) profile(dir string, d time.Duration) error {
	profiled := []client{
		{"websocket", "browser WebSocket", "websocket", "{}", ""},
		{"prof-plain", "resock plain", "resock-hook", "{}", ""},
		{"prof-resume", "resock resume", "resock-hook", "{resume: true}", ""},
	}
	for _, c := range profiled {
		if err := b.eval(time.Minute, fmt.Sprintf("bench.open(%q, %q, %s)", c.name, c.lib, c.opts)); err != nil {
			return err
		}
		if _, err := b.echoRun(c, textCell, 16, 500*time.Millisecond); err != nil {
			return err
		}
	}
	if _, err := chromedp.Call(b.ctx, profiler.Enable, cdp.Empty{}); err != nil {
		return fmt.Errorf("failed to enable the profiler: %w", err)
	}
	if _, err := chromedp.Call(b.ctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 100}); err != nil {
		return fmt.Errorf("failed to set the sampling interval: %w", err)
	}
	for _, size := range []int{16, 1024, 64 << 10} {
		for _, c := range profiled {
			if _, err := chromedp.Call(b.ctx, profiler.Start, cdp.Empty{}); err != nil {
				return fmt.Errorf("failed to start the profiler: %w", err)
			}
			run, err := b.echoRun(c, textCell, size, d)
			if err != nil {
				return err
			}
			stopped, err := chromedp.Call(b.ctx, profiler.Stop, cdp.Empty{})
			if err != nil {
				return fmt.Errorf("failed to stop the profiler: %w", err)
			}
			name := filepath.Join(dir, fmt.Sprintf("profile-%s-%d.cpuprofile", c.name, size))
			raw, err := json.Marshal(stopped.Profile)
			if err != nil {
				return err
			}
			if err := os.WriteFile(name, raw, 0o644); err != nil {
				return fmt.Errorf("failed to write %s: %w", name, err)
			}
			rate := float64(run.Messages) / (run.MS / 1000)
			fmt.Printf("\n## %s, %s: %.0f messages/s; %s\n\n", c.label, sizeName(size), rate, name)
			printProfile(stopped.Profile, run.Messages)
		}
	}
	return nil
}

// printProfile prints the functions with the most self time, and the time
// per echo.
func printProfile(p *profiler.Profile, messages int) {
	nodes := map[int64]*profiler.ProfileNode{}
	parent := map[int64]int64{}
	for _, n := range p.Nodes {
		nodes[n.ID] = n
		for _, c := range n.Children {
			parent[c] = n.ID
		}
	}
	label := func(n *profiler.ProfileNode) string {
		f := n.CallFrame
		name := f.FunctionName
		if name == "" {
			name = "(anonymous)"
		}
		if f.URL == "" {
			return name
		}
		return name + " " + filepath.Base(strings.SplitN(f.URL, "?", 2)[0])
	}
	self := map[string]time.Duration{}
	total := map[string]time.Duration{}
	var busy, all time.Duration
	for i, id := range p.Samples {
		if i+1 >= len(p.TimeDeltas) {
			break
		}
		d := time.Duration(p.TimeDeltas[i+1]) * time.Microsecond
		all += d
		n := nodes[id]
		l := label(n)
		self[l] += d
		if l != "(idle)" && l != "(program)" {
			busy += d
		}
		seen := map[string]bool{}
		for cur, ok := id, true; ok; cur, ok = parent[cur] {
			cl := label(nodes[cur])
			if !seen[cl] {
				seen[cl] = true
				total[cl] += d
			}
		}
	}
	fmt.Printf("sampled %v; busy in JavaScript or wasm %v (%.1f µs per echo); idle %v; program %v\n\n",
		all.Round(time.Millisecond), busy.Round(time.Millisecond), float64(busy.Microseconds())/float64(messages),
		self["(idle)"].Round(time.Millisecond), self["(program)"].Round(time.Millisecond))
	type entry struct {
		name        string
		self, total time.Duration
	}
	var es []entry
	for k, v := range self {
		es = append(es, entry{k, v, total[k]})
	}
	slices.SortFunc(es, func(a, b entry) int { return int(b.self - a.self) })
	fmt.Println("| self | self % | total | function |\n|---:|---:|---:|---|")
	for i, e := range es {
		if i == 30 {
			break
		}
		fmt.Printf("| %v | %.1f%% | %v | %s |\n", e.self.Round(time.Millisecond), 100*float64(e.self)/float64(all),
			e.total.Round(time.Millisecond), e.name)
	}
}
