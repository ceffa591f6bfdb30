package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/resock/resock/internal/chromium"
)

type results struct {
	Machine   string      `json:"machine"`
	Config    config      `json:"config"`
	Loads     []load      `json:"loads"`
	CodeCache []codeCache `json:"codeCache"`
}

// phases are the steps from import to first open, in order. Each is the
// time the step added to the critical path: from the end of the step before
// it (or of any earlier step, if that ended later) to its own end. Steps
// overlap (resock.wasm compiles while it downloads), so a step that ended
// before the one before it adds nothing; the phases of a load add up to its
// total.
var phases = []struct {
	name, doc string
}{
	{"module loading", "import() until the glue's JavaScript has run: resock.js and the modules it imports, wasm_exec.js included, fetched and evaluated"},
	{"download", "until the last byte of the .wasm arrived"},
	{"compile + instantiate", "until WebAssembly.instantiateStreaming resolved"},
	{"Go start-up", "go.run: the Go runtime and package init, main until it waits"},
	{"rest of the glue", "until import() resolved"},
	{"first dial", "new …(url) until the first open"},
}

// split returns the phases of l, in ms, in the order of phases.
func split(l load) []float64 {
	m := l.Marks
	ends := make([]float64, len(phases))
	for i := range ends {
		ends[i] = math.NaN()
	}
	switch {
	case m.WasmExec != nil && m.WasmFetch != nil:
		ends[0] = min(*m.WasmExec, *m.WasmFetch)
	case m.WasmExec != nil:
		ends[0] = *m.WasmExec
	case m.WasmFetch != nil:
		ends[0] = *m.WasmFetch
	default:
		ends[0] = m.Imported
	}
	if l.Wasm != nil {
		ends[1] = l.Wasm.End
	}
	if m.Instantiated != nil {
		ends[2] = *m.Instantiated
	}
	if m.GoStarted != nil {
		ends[3] = *m.GoStarted
	}
	ends[4] = m.Imported
	ends[5] = m.Open
	out := make([]float64, len(phases))
	last := 0.0
	for i, end := range ends {
		if math.IsNaN(end) {
			continue
		}
		if end > last {
			out[i] = end - last
			last = end
		}
	}
	return out
}

// facts are figures of a load beside its phases: how much was fetched, and
// how long steps took that overlap others.
var facts = []struct {
	name string
	get  func(load) (float64, bool)
}{
	{"total: import → first open", func(l load) (float64, bool) { return l.Marks.Open, true }},
	{"JavaScript files fetched", func(l load) (float64, bool) { return float64(len(l.Script)), true }},
	{"JavaScript received, KiB", func(l load) (float64, bool) {
		n := 0
		for _, s := range l.Script {
			n += s.Transfer
		}
		return float64(n) / 1024, true
	}},
	{".wasm received, KiB", func(l load) (float64, bool) {
		if l.Wasm == nil {
			return 0, false
		}
		return float64(l.Wasm.Transfer) / 1024, true
	}},
	{".wasm fetch → last byte", func(l load) (float64, bool) {
		if l.Wasm == nil {
			return 0, false
		}
		return l.Wasm.End - l.Wasm.Start, true
	}},
	{"compile + instantiate, from its start", func(l load) (float64, bool) {
		if l.Marks.CompileStart == nil || l.Marks.Instantiated == nil {
			return 0, false
		}
		return *l.Marks.Instantiated - *l.Marks.CompileStart, true
	}},
	{"Go start-up alone", func(l load) (float64, bool) {
		if l.Marks.GoRun == nil || l.Marks.GoStarted == nil {
			return 0, false
		}
		return *l.Marks.GoStarted - *l.Marks.GoRun, true
	}},
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// column is one client, cold or warm.
type column struct {
	client string
	warm   bool
}

func (r *results) columns() []column {
	var cols []column
	for _, c := range clients {
		cols = append(cols, column{c, false}, column{c, true})
	}
	return cols
}

func (r *results) loadsOf(c column) []load {
	var out []load
	for _, l := range r.Loads {
		if l.Client == c.client && (l.Visit > 0) == c.warm {
			out = append(out, l)
		}
	}
	return out
}

func (r *results) markdown(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "%s\n\n", r.Machine)
	fmt.Fprintf(w, "Import → first open in headless Chromium, ms, median of %d runs; each run starts a browser with a fresh profile, loads every client once cold, waits %v, then loads each %d times warm (new tabs of the same browser: HTTP cache and code caches kept). Same-origin server on loopback (demo.Static, server.Echo).\n\n",
		c.Runs, c.Settle, c.Warm)
	cols := r.columns()
	fmt.Fprint(w, "| phase |")
	for _, col := range cols {
		fmt.Fprintf(w, " %s %s |", col.client, map[bool]string{false: "cold", true: "warm"}[col.warm])
	}
	fmt.Fprint(w, "\n|---|")
	for range cols {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for i, p := range phases {
		fmt.Fprintf(w, "| %s |", p.name)
		for _, col := range cols {
			var xs []float64
			for _, l := range r.loadsOf(col) {
				xs = append(xs, split(l)[i])
			}
			fmt.Fprintf(w, " %s |", ms(median(xs)))
		}
		fmt.Fprintln(w)
	}
	for _, f := range facts {
		fmt.Fprintf(w, "| %s |", f.name)
		for _, col := range cols {
			var xs []float64
			for _, l := range r.loadsOf(col) {
				if v, ok := f.get(l); ok {
					xs = append(xs, v)
				}
			}
			fmt.Fprintf(w, " %s |", ms(median(xs)))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	var wasmBytes, other []float64
	written := 0
	for _, cc := range r.CodeCache {
		wasmBytes = append(wasmBytes, float64(cc.WasmBytes))
		if cc.WasmBytes > 0 {
			written++
		}
	}
	for _, l := range r.Loads {
		other = append(other, l.OtherCPU)
	}
	slices.Sort(other)
	fmt.Fprintf(w, "Phases add up to the total of each load; their medians need not. Wasm code cache in the profile before the warm loads: written in %d of %d runs, median %.0f bytes. CPU taken by other processes during a load: median %.0f%%, worst %.0f%%.\n\n",
		written, len(r.CodeCache), median(wasmBytes), 100*median(other), 100*other[len(other)-1])
	for _, p := range phases {
		fmt.Fprintf(w, "- **%s**: %s.\n", p.name, p.doc)
	}
}

func ms(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.1f", v)
}

func (r *results) write(stdout io.Writer, dir string) error {
	var b strings.Builder
	r.markdown(&b)
	fmt.Fprint(stdout, b.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("failed to create %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "startup.md"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("failed to write the results: %w", err)
	}
	j, err := json.MarshalIndent(r, "", "\t")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "startup.json"), j, 0o644); err != nil {
		return fmt.Errorf("failed to write the results: %w", err)
	}
	return nil
}

// machine describes where the figures come from.
func machine(browserPath string) string {
	return fmt.Sprintf("Machine: %d cores; %s; %s; %s.", runtime.NumCPU(), chromium.Version(browserPath), runtime.Version(), time.Now().Format("2006-01-02"))
}
