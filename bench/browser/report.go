package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// results is everything one run measured: every round as measured, and the
// summaries the table shows.
type results struct {
	Machine    machine         `json:"machine"`
	Config     config          `json:"config"`
	Throughput []throughputRun `json:"throughput"`
	Latency    []latency       `json:"latency"`
	ColdOpen   []coldOpen      `json:"coldOpen"`
	Reconnect  []reconnectRun  `json:"reconnect"`
	Heap       []heap          `json:"heap"`
	Sizes      []fileSize      `json:"sizes"`
	// Failures are the throughput runs that failed; each client and size
	// that failed once is not run again.
	Failures []failure `json:"failures,omitempty"`
	Summary  summary   `json:"summary"`
	// OtherCPU is the share of the machine's CPU that processes other than
	// the benchmark and its Chromium used during each step.
	OtherCPU []otherCPU `json:"otherCpu"`

	resources []resource
}

type failure struct {
	Client  string `json:"client"`
	Send    string `json:"send"`
	Receive string `json:"receive"`
	Size    int    `json:"size"`
	Err     string `json:"error"`
}

type otherCPU struct {
	Step  string  `json:"step"`
	Share float64 `json:"share"`
}

type throughputRun struct {
	Client string `json:"client"`
	// Send and Receive are the run's cell: what it sent, and the
	// binaryType it received with ("string" for text).
	Send      string  `json:"send"`
	Receive   string  `json:"receive"`
	Size      int     `json:"size"`
	Round     int     `json:"round"`
	Messages  int     `json:"messages"`
	MS        float64 `json:"ms"`
	PerSecond float64 `json:"perSecond"`
	// WireBytes is what the server's TCP connections carried during the
	// run, both ways, WebSocket framing included.
	WireBytes int64 `json:"wireBytes"`
	// OtherCPU is the share of the CPU other processes took while the
	// clients ran this cell and size in this round.
	OtherCPU float64 `json:"otherCpu"`
}

type latency struct {
	Client  string  `json:"client"`
	Samples int     `json:"samples"`
	P50     float64 `json:"p50ms"`
	P99     float64 `json:"p99ms"`
	Mean    float64 `json:"meanMs"`
}

type coldOpen struct {
	Client string  `json:"client"`
	Round  int     `json:"round"`
	MS     float64 `json:"ms"`
}

type reconnectRun struct {
	Client  string  `json:"client"`
	Restart int     `json:"restart"`
	MS      float64 `json:"ms"`
}

type heapSnapshot struct {
	JSUsed  float64  `json:"jsUsed"`
	Backing float64  `json:"arrayBufferBacking"`
	Go      *goStats `json:"go,omitempty"`
}

type heap struct {
	Client     string       `json:"client"`
	Reconnects int          `json:"reconnects"`
	MS         float64      `json:"ms"`
	Before     heapSnapshot `json:"before"`
	After      heapSnapshot `json:"after"`
}

type resource struct {
	Name            string `json:"name"`
	TransferSize    int    `json:"transferSize"`
	EncodedBodySize int    `json:"encodedBodySize"`
	DecodedBodySize int    `json:"decodedBodySize"`
}

type machine struct {
	CPU      string `json:"cpu"`
	Cores    int    `json:"cores"`
	MemoryGB int    `json:"memoryGiB"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
	Browser  string `json:"browser"`
	Date     string `json:"date"`
}

func describeMachine(browser string) machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Browser: browser, Date: time.Now().UTC().Format(time.RFC3339)}
	m.CPU = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		var n int
		fmt.Sscanf(kb, "%d", &n)
		m.MemoryGB = int(math.Round(float64(n) / (1 << 20)))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	return m
}

// procField returns the value of the first "key: value" line of a /proc file.
func procField(name, key string) string {
	f, err := os.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// summary holds the medians and ratios the tables show.
type summary struct {
	Throughput []throughputSummary   `json:"throughput"`
	Overhead   []overheadSummary     `json:"resumeOverhead"`
	Targets    []targetCheck         `json:"targets"`
	ColdOpen   map[string]float64    `json:"coldOpenMedianMs"`
	Reconnect  map[string][2]float64 `json:"reconnectP50P99Ms"`
}

type throughputSummary struct {
	Client  string `json:"client"`
	Send    string `json:"send"`
	Receive string `json:"receive"`
	Size    int    `json:"size"`
	// Rounds is how many rounds count: those during which other processes
	// took at most quietShare of the CPU, when there are at least
	// minQuietRounds of them; else all.
	Rounds int `json:"rounds"`
	// PerSecond is the median over the rounds.
	PerSecond float64 `json:"perSecond"`
	// Ratio is the median over the rounds of this client's messages/s
	// divided by the browser WebSocket's in the same round.
	Ratio float64 `json:"ratioToWebSocket"`
	// WireBytesPerMessage is the median of the bytes each message took on
	// the wire, WebSocket framing and protocol included.
	WireBytesPerMessage float64 `json:"wireBytesPerMessage"`
}

type overheadSummary struct {
	Send    string `json:"send"`
	Receive string `json:"receive"`
	Size    int    `json:"size"`
	// ResumeToPlain is the median over the rounds of resume mode's
	// messages/s divided by plain mode's.
	ResumeToPlain float64 `json:"resumeToPlain"`
	// Bytes is resume mode's wire bytes per message minus plain mode's.
	Bytes float64 `json:"bytesPerMessage"`
}

// targetCheck is one of resock's cells against the ratio to the browser
// WebSocket it aims for.
type targetCheck struct {
	Client  string  `json:"client"`
	Send    string  `json:"send"`
	Receive string  `json:"receive"`
	Size    int     `json:"size"`
	Ratio   float64 `json:"ratioToWebSocket"`
	Target  float64 `json:"target"`
	Met     bool    `json:"met"`
}

// target is the ratio to the browser WebSocket resock aims for: plain mode
// as fast in every cell, within the noise; resume mode, which frames and
// keeps every message until it is acknowledged, 0.90× below 64 KiB and
// 0.80× from there on, where its window holds it.
func target(client string, size int) float64 {
	switch {
	case client == "resock-plain":
		return 0.95
	case size < 64<<10:
		return 0.90
	default:
		return 0.80
	}
}

// quietShare is the most CPU other processes may take during a round for
// the round to count, when at least minQuietRounds rounds of a size qualify.
const (
	quietShare     = 0.20
	minQuietRounds = 3
)

// rewrite reads the results of an earlier run from name and writes its
// table and JSON again, summarized as this version of the program does.
func rewrite(name string, w io.Writer, dir string) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	var r results
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("failed to read %s: %w", name, err)
	}
	// Runs from before the matrix sent text only.
	if len(r.Config.Cells) == 0 {
		r.Config.Cells = []cell{textCell}
	}
	for i := range r.Throughput {
		if r.Throughput[i].Send == "" {
			r.Throughput[i].Send, r.Throughput[i].Receive = textCell.Send, textCell.Receive
		}
	}
	for i := range r.Failures {
		if r.Failures[i].Send == "" {
			r.Failures[i].Send, r.Failures[i].Receive = textCell.Send, textCell.Receive
		}
	}
	r.Summary = summary{}
	return r.write(w, dir)
}

func (r *results) summarize() {
	type group struct {
		k    cell
		size int
	}
	quiet := map[group]int{}
	for _, t := range r.Throughput {
		if t.Client == "websocket" && t.OtherCPU <= quietShare {
			quiet[group{cell{t.Send, t.Receive}, t.Size}]++
		}
	}
	type runID struct {
		client string
		g      group
		round  int
	}
	byRound := map[runID]throughputRun{}
	for _, t := range r.Throughput {
		g := group{cell{t.Send, t.Receive}, t.Size}
		if quiet[g] >= minQuietRounds && t.OtherCPU > quietShare {
			continue
		}
		byRound[runID{t.Client, g, t.Round}] = t
	}
	ratio := func(a, b string, g group) float64 {
		var rs []float64
		for round := range r.Config.Rounds {
			x, ok1 := byRound[runID{a, g, round}]
			y, ok2 := byRound[runID{b, g, round}]
			if ok1 && ok2 && y.PerSecond > 0 {
				rs = append(rs, x.PerSecond/y.PerSecond)
			}
		}
		return median(rs)
	}
	wire := map[string]float64{}
	for _, size := range r.Config.Sizes {
		for _, k := range r.Config.Cells {
			g := group{k, size}
			for _, c := range clients {
				var rates, bytes []float64
				for round := range r.Config.Rounds {
					if t, ok := byRound[runID{c.name, g, round}]; ok {
						rates = append(rates, t.PerSecond)
						bytes = append(bytes, float64(t.WireBytes)/float64(2*t.Messages))
					}
				}
				s := throughputSummary{Client: c.name, Send: k.Send, Receive: k.Receive, Size: size, Rounds: len(rates),
					PerSecond: median(rates), Ratio: ratio(c.name, "websocket", g), WireBytesPerMessage: median(bytes)}
				wire[c.name] = s.WireBytesPerMessage
				r.Summary.Throughput = append(r.Summary.Throughput, s)
				if strings.HasPrefix(c.name, "resock-") && s.PerSecond > 0 {
					t := target(c.name, size)
					r.Summary.Targets = append(r.Summary.Targets, targetCheck{Client: c.name, Send: k.Send, Receive: k.Receive,
						Size: size, Ratio: s.Ratio, Target: t, Met: s.Ratio >= t})
				}
			}
			o := overheadSummary{Send: k.Send, Receive: k.Receive, Size: size}
			if plain, resume := wire["resock-plain"], wire["resock-resume"]; plain > 0 && resume > 0 {
				o.ResumeToPlain = ratio("resock-resume", "resock-plain", g)
				o.Bytes = resume - plain
			}
			r.Summary.Overhead = append(r.Summary.Overhead, o)
		}
	}
	r.Summary.ColdOpen = map[string]float64{}
	cold := map[string][]float64{}
	for _, c := range r.ColdOpen {
		cold[c.Client] = append(cold[c.Client], c.MS)
	}
	for k, v := range cold {
		r.Summary.ColdOpen[k] = median(v)
	}
	r.Summary.Reconnect = map[string][2]float64{}
	rec := map[string][]float64{}
	for _, c := range r.Reconnect {
		rec[c.Client] = append(rec[c.Client], c.MS)
	}
	for k, v := range rec {
		r.Summary.Reconnect[k] = [2]float64{percentile(v, 50), percentile(v, 99)}
	}
}

// write prints the table to w and writes browser.json and browser.md to dir.
func (r *results) write(w io.Writer, dir string) error {
	r.summarize()
	var md strings.Builder
	r.markdown(&md)
	fmt.Fprint(w, md.String())
	if err := os.WriteFile(filepath.Join(dir, "browser.md"), []byte(md.String()), 0o644); err != nil {
		return fmt.Errorf("failed to write the table: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("failed to encode the results: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "browser.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("failed to write the results: %w", err)
	}
	progress("wrote %s and %s", filepath.Join(dir, "browser.md"), filepath.Join(dir, "browser.json"))
	return nil
}

func (r *results) markdown(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "Machine: %s, %d cores, %d GiB; %s; %s; %s; %s.", m.CPU, m.Cores, m.MemoryGB, m.Kernel, m.Browser, m.Go, m.Date[:10])
	fmt.Fprint(w, " CPU taken by other processes during the steps:")
	for i, o := range r.OtherCPU {
		if i > 0 {
			fmt.Fprint(w, ",")
		}
		fmt.Fprintf(w, " %s %.0f%%", o.Step, 100*o.Share)
	}
	fmt.Fprint(w, ".\n\n")
	if r.Config.Args != nil {
		cmd := "make bench"
		if len(r.Config.Args) > 0 {
			cmd += fmt.Sprintf(" BENCH_FLAGS=%q", strings.Join(r.Config.Args, " "))
		}
		fmt.Fprintf(w, "Command: `%s`.\n\n", cmd)
	}

	r.throughputTables(w)
	fmt.Fprintf(w, "\nLatency of a 16 B echo with one in flight (%d round trips per client), import to first open (median of %d cold imports), and reconnect time after %d server restarts (%v down; from the server listening again to open; library default delays, minUptime 1 s):\n\n",
		r.Config.LatencyCount*r.Config.Rounds, r.Config.ColdRounds, r.Config.Restarts, r.Config.Downtime)
	fmt.Fprint(w, "| client | latency p50 | latency p99 | import → first open | reconnect p50 | reconnect p99 |\n|---|---:|---:|---:|---:|---:|\n")
	for _, c := range clients {
		var l latency
		for _, x := range r.Latency {
			if x.Client == c.name {
				l = x
			}
		}
		rec := "no reconnect | —"
		if p, ok := r.Summary.Reconnect[c.name]; ok {
			rec = fmt.Sprintf("%.0f ms | %.0f ms", p[0], p[1])
		}
		fmt.Fprintf(w, "| %s | %.3f ms | %.3f ms | %.0f ms | %s |\n", c.label, l.P50, l.P99, r.Summary.ColdOpen[c.lib], rec)
	}

	fmt.Fprint(w, "\nBytes a page downloads: raw; gzip and brotli as make build writes them for resock.wasm, gzip level 9 otherwise; as served is what Chromium received (Resource Timing): resock's files from resock's own server, the JavaScript libraries gzipped by the bench server:\n\n")
	fmt.Fprint(w, "| client | file | raw | gzip | brotli | as served |\n|---|---|---:|---:|---:|---:|\n")
	for _, s := range r.Sizes {
		br := "—"
		if s.Brotli > 0 {
			br = kib(float64(s.Brotli))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s (%s) |\n", s.Client, s.File, kib(float64(s.Raw)), kib(float64(s.Gzip)), br, kib(float64(s.Served)), s.Encoding)
	}

	fmt.Fprintf(w, "\nHeaps before and after %d forced reconnects, after garbage collection (resock from a build that adds a heap hook, see bench/browser/hook):\n\n", r.Config.Reconnects)
	fmt.Fprint(w, "| client | per reconnect | JS heap before → after | Go heap before → after | goroutines | live Go funcs |\n|---|---:|---:|---:|---:|---:|\n")
	for _, c := range clients {
		for _, h := range r.Heap {
			if h.Client != c.name {
				continue
			}
			goHeap, goroutines, funcs := "—", "—", "—"
			if h.Before.Go != nil && h.After.Go != nil {
				goHeap = fmt.Sprintf("%s → %s (%s)", kib(h.Before.Go.HeapAlloc), kib(h.After.Go.HeapAlloc), signedKiB(h.After.Go.HeapAlloc-h.Before.Go.HeapAlloc))
				goroutines = fmt.Sprintf("%d → %d", h.Before.Go.Goroutines, h.After.Go.Goroutines)
				funcs = fmt.Sprintf("%d → %d", h.Before.Go.LiveFuncs, h.After.Go.LiveFuncs)
			}
			fmt.Fprintf(w, "| %s | %.2f ms | %s → %s (%s) | %s | %s | %s |\n", c.label, h.MS/float64(h.Reconnects),
				kib(h.Before.JSUsed), kib(h.After.JSUsed), signedKiB(h.After.JSUsed-h.Before.JSUsed), goHeap, goroutines, funcs)
		}
	}
}

// throughputTables writes the throughput matrix, one table per kind of
// payload sent, resock against its targets, the failed runs and resume
// mode's cost.
func (r *results) throughputTables(w io.Writer) {
	fmt.Fprintf(w, "Echo throughput with %d in flight, %d interleaved rounds of %v; in every round each size runs every cell (what is sent, and the binaryType it is received with) on every client, one after the other. The browser WebSocket's row is its median messages/s; every other row is the median of the client's messages/s divided by the browser WebSocket's in the same round.",
		r.Config.InFlight, r.Config.Rounds, r.Config.Duration)
	if r.Config.Window > 0 {
		fmt.Fprintf(w, " Resume mode's window: %d bytes on both sides (-window).", r.Config.Window)
	}
	lo, hi := r.Config.Rounds, 0
	for _, s := range r.Summary.Throughput {
		if s.Client == "websocket" && s.Rounds > 0 {
			lo, hi = min(lo, s.Rounds), max(hi, s.Rounds)
		}
	}
	if hi > 0 {
		counted := fmt.Sprintf("%d", lo)
		if hi > lo {
			counted = fmt.Sprintf("%d to %d", lo, hi)
		}
		fmt.Fprintf(w, " Rounds during which other processes took more than %.0f%% of the CPU are left out of a cell and size where at least %d others remain; rounds counted: %s of %d.",
			100*quietShare, minQuietRounds, counted, r.Config.Rounds)
	}
	fmt.Fprint(w, "\n")

	summaryOf := func(client string, k cell, size int) (throughputSummary, bool) {
		for _, s := range r.Summary.Throughput {
			if s.Client == client && s.Send == k.Send && s.Receive == k.Receive && s.Size == size {
				return s, true
			}
		}
		return throughputSummary{}, false
	}
	for _, send := range sendKinds {
		var cells []cell
		for _, k := range r.Config.Cells {
			if k.Send == send {
				cells = append(cells, k)
			}
		}
		if len(cells) == 0 {
			continue
		}
		if send == "string" {
			fmt.Fprint(w, "\nSent as a string (text, which arrives as a string whatever the binaryType):\n\n| client |")
		} else {
			fmt.Fprintf(w, "\nSent as %s, received with binaryType:\n\n| client |", send)
		}
		for _, size := range r.Config.Sizes {
			for _, k := range cells {
				if send == "string" {
					fmt.Fprintf(w, " %s |", sizeName(size))
				} else {
					fmt.Fprintf(w, " %s, %s |", sizeName(size), k.Receive)
				}
			}
		}
		fmt.Fprint(w, "\n|---|")
		for range len(r.Config.Sizes) * len(cells) {
			fmt.Fprint(w, "---:|")
		}
		fmt.Fprintln(w)
		for _, c := range clients {
			label := c.label
			if c.name == "websocket" {
				label += ", messages/s"
			}
			fmt.Fprintf(w, "| %s |", label)
			for _, size := range r.Config.Sizes {
				for _, k := range cells {
					s, ok := summaryOf(c.name, k, size)
					switch {
					case !ok || s.PerSecond == 0:
						fmt.Fprint(w, " failed |")
					case c.name == "websocket":
						fmt.Fprintf(w, " %s |", thousands(s.PerSecond))
					default:
						fmt.Fprintf(w, " %.2f× |", s.Ratio)
					}
				}
			}
			fmt.Fprintln(w)
		}
	}

	fmt.Fprint(w, "\nresock against its targets (plain mode ≥ 0.95× in every cell; resume mode ≥ 0.90× under 64 KiB and ≥ 0.80× from 64 KiB on):")
	for _, name := range []string{"resock-plain", "resock-resume"} {
		var met, all int
		var below []string
		for _, t := range r.Summary.Targets {
			if t.Client != name {
				continue
			}
			all++
			if t.Met {
				met++
				continue
			}
			below = append(below, fmt.Sprintf("%s %s %.2f×", cell{t.Send, t.Receive}, sizeName(t.Size), t.Ratio))
		}
		fmt.Fprintf(w, "\n- %s: %d of %d cells", strings.TrimPrefix(name, "resock-"), met, all)
		if len(below) > 0 {
			fmt.Fprintf(w, "; short of it: %s", strings.Join(below, ", "))
		}
	}
	fmt.Fprintln(w)

	for _, f := range r.Failures {
		fmt.Fprintf(w, "\nFailed: %s, %s at %s: %s\n", f.Client, cell{f.Send, f.Receive}, sizeName(f.Size), f.Err)
	}

	fmt.Fprintf(w, "\nResume mode against plain mode (resock.v1's cost), from the same rounds; bytes on the wire per message, both directions averaged, WebSocket framing included:\n\n")
	fmt.Fprint(w, "| sent as | size | resume ÷ plain, messages/s | plain, wire bytes per message | resume, wire bytes per message | protocol overhead per message |\n|---|---|---:|---:|---:|---:|\n")
	for _, o := range r.Summary.Overhead {
		k := cell{o.Send, o.Receive}
		plain, _ := summaryOf("resock-plain", k, o.Size)
		resume, _ := summaryOf("resock-resume", k, o.Size)
		if plain.WireBytesPerMessage == 0 || resume.WireBytesPerMessage == 0 {
			fmt.Fprintf(w, "| %s | %s | failed | | | |\n", k, sizeName(o.Size))
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %.2f× | %.1f B | %.1f B | %.2f B |\n", k, sizeName(o.Size), o.ResumeToPlain,
			plain.WireBytesPerMessage, resume.WireBytesPerMessage, o.Bytes)
	}
}

func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ' ')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func kib(b float64) string {
	if b >= 1<<20 {
		return fmt.Sprintf("%.2f MiB", b/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", b/1024)
}

func signedKiB(b float64) string { return fmt.Sprintf("%+.0f KiB", b/1024) }
