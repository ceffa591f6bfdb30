// Command tabs measures what each further tab of an app costs with one
// socket per tab (resock.js: a Go program and a connection in every tab)
// and with a shared socket (shared.js: the origin's one SharedWorker holds
// the Go program and the connection): the time from navigation to the
// socket's first open, and the memory the browser holds, as the
// proportional set size (PSS) of all its processes, after each tab opens.
//
// Each run starts a Chromium with a fresh profile and opens ten tabs, one
// after another, in each mode. Run it from the repository root after make
// build (make bench-tabs does both); it writes bench/results/tabs.md and
// tabs.json, and the plot docs/tabs.svg:
//
//	go run ./bench/tabs
package main

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/resock/resock/demo"
	"github.com/resock/resock/internal/chromium"
	"github.com/resock/resock/server"
)

//go:embed page
var page embed.FS

// tab is what one tab cost: the ms from its navigation to its socket's
// first open, and the browser's memory in bytes once it was open.
type tab struct {
	OpenMs float64 `json:"openMs"`
	PSS    int64   `json:"pssBytes"`
}

type results struct {
	Runs    int                   `json:"runs"`
	Tabs    int                   `json:"tabs"`
	Modes   map[string][][]tab    `json:"modes"` // mode → run → tab
	Clients map[string][]int      `json:"serverClients"`
	Machine string                `json:"machine"`
	Summary map[string][]tabStats `json:"summary"`
}

// tabStats is the median over the runs of the nth tab.
type tabStats struct {
	Tab       int     `json:"tab"`
	OpenMs    float64 `json:"openMs"`
	AddedMiB  float64 `json:"addedMiB"`
	BrowserMB float64 `json:"browserMiB"`
}

func main() {
	log.SetFlags(0)
	if err := run(); err != nil {
		log.Fatalf("tabs: %v", err)
	}
}

func run() error {
	runs := flag.Int("runs", 3, "browsers started per mode, each with a fresh profile")
	tabs := flag.Int("tabs", 10, "tabs opened per browser")
	jsglue := flag.String("jsglue", "jsglue", "directory of the built glue and resock.wasm")
	out := flag.String("out", "bench/results", "directory for tabs.md and tabs.json")
	plot := flag.String("plot", "docs/tabs.svg", "the SVG plot to write")
	replot := flag.Bool("replot", false, "only draw the plot again from the results in -out")
	flag.Parse()
	if *replot {
		b, err := os.ReadFile(filepath.Join(*out, "tabs.json"))
		if err != nil {
			return err
		}
		var r results
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		return writePlot(*plot, r)
	}

	if _, err := os.Stat(filepath.Join(*jsglue, "shared.js")); err != nil {
		return fmt.Errorf("no shared.js in %s: run make build first", *jsglue)
	}
	browserPath, err := chromium.Find()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "resock-tabs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	pageDir := filepath.Join(tmp, "page")
	sub, _ := fs.Sub(page, "page")
	if err := os.CopyFS(pageDir, sub); err != nil {
		return err
	}

	res := results{Runs: *runs, Tabs: *tabs, Modes: map[string][][]tab{}, Clients: map[string][]int{}, Summary: map[string][]tabStats{}}
	for r := range *runs {
		for _, mode := range []string{"local", "shared"} {
			progress("run %d of %d: %d tabs, %s sockets", r+1, *runs, *tabs, mode)
			ts, clients, err := runBrowser(browserPath, filepath.Join(tmp, fmt.Sprintf("profile-%s-%d", mode, r)), pageDir, *jsglue, mode, *tabs)
			if err != nil {
				return err
			}
			res.Modes[mode] = append(res.Modes[mode], ts)
			res.Clients[mode] = append(res.Clients[mode], clients)
		}
	}
	for mode, rs := range res.Modes {
		for i := range *tabs {
			var open, added, total []float64
			for _, ts := range rs {
				open = append(open, ts[i].OpenMs)
				total = append(total, float64(ts[i].PSS)/(1<<20))
				if i > 0 {
					added = append(added, float64(ts[i].PSS-ts[i-1].PSS)/(1<<20))
				}
			}
			res.Summary[mode] = append(res.Summary[mode], tabStats{Tab: i + 1, OpenMs: median(open), AddedMiB: median(added), BrowserMB: median(total)})
		}
	}
	res.Machine = machine(browserPath)
	if err := res.write(os.Stdout, *out); err != nil {
		return err
	}
	return writePlot(*plot, res)
}

// runBrowser starts a browser and a server, opens n tabs in turn and
// returns what each cost, and how many clients the server had at the end.
func runBrowser(browserPath, profile, pageDir, jsglueDir, mode string, n int) ([]tab, int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, err
	}
	d, _ := demo.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, demo.Options{Dir: pageDir, JSGlueDir: jsglueDir})
	go d.Serve(ln)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.Shutdown(ctx)
	}()

	ctx, stop, err := chromium.Start(browserPath, chromedp.UserDataDir(profile))
	if err != nil {
		return nil, 0, err
	}
	defer stop()
	var out []tab
	for i := range n {
		tabCtx, cancel := chromedp.NewContext(ctx)
		defer cancel()
		url := fmt.Sprintf("http://%s/tab.html?mode=%s", ln.Addr(), mode)
		if err := chromedp.Do(tabCtx, chromedp.Navigate(url)); err != nil {
			return nil, 0, fmt.Errorf("tab %d: %w", i+1, err)
		}
		waitCtx, cancelWait := context.WithTimeout(tabCtx, 30*time.Second)
		open, err := chromedp.Run(waitCtx, chromedp.Poll[float64](`globalThis.result?.open`, chromedp.WithPollingInterval(5*time.Millisecond)))
		cancelWait()
		if err != nil {
			return nil, 0, fmt.Errorf("tab %d: no open: %w", i+1, err)
		}
		// Memory once the tab has settled: the wasm compiled, the Go heap
		// grown, the connection up.
		time.Sleep(time.Second)
		pss, err := browserPSS(profile)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, tab{OpenMs: open, PSS: pss})
	}
	return out, d.Stats().Clients, nil
}

// browserPSS sums the proportional set size of every process of the
// browser whose profile is profile: the browser, its GPU and network
// services, its renderers and the shared worker's.
func browserPSS(profile string) (int64, error) {
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	var sum int64
	mark := []byte("--user-data-dir=" + profile)
	for _, p := range procs {
		if _, err := strconv.Atoi(p.Name()); err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmd, mark) {
			continue
		}
		f, err := os.Open(filepath.Join("/proc", p.Name(), "smaps_rollup"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				sum += kb << 10
			}
		}
		f.Close()
	}
	if sum == 0 {
		return 0, errors.New("found no process of the browser to measure")
	}
	return sum, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// machine describes where the figures were taken.
func machine(browserPath string) string {
	return fmt.Sprintf("%d cores; %s; %s; %s", runtime.NumCPU(), chromium.Version(browserPath), runtime.Version(), time.Now().Format("2006-01-02"))
}

func (r results) write(stdout io.Writer, dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Each further tab: one socket per tab against one shared socket\n\n")
	fmt.Fprintf(&b, "`go run ./bench/tabs` (after `make build`): %d runs per mode, each a fresh Chromium profile opening %d tabs in turn, each tab one socket to the demo server's echo. ", r.Runs, r.Tabs)
	fmt.Fprintf(&b, "*local*: `resock.js`, a Go program and a connection per tab; *shared*: `shared.js`, the origin's SharedWorker holds the one Go program and connection. ")
	fmt.Fprintf(&b, "Open: ms from the tab's navigation to its socket's first `open`. Memory: the proportional set size of all the browser's processes one second after that open; *added* is what this tab added. Medians over the runs.\n\n")
	fmt.Fprintf(&b, "Server clients at the end of each run: local %v, shared %v.\n\n", r.Clients["local"], r.Clients["shared"])
	fmt.Fprintf(&b, "| tab | open, local (ms) | open, shared (ms) | added, local (MiB) | added, shared (MiB) | browser, local (MiB) | browser, shared (MiB) |\n")
	fmt.Fprintf(&b, "|---:|---:|---:|---:|---:|---:|---:|\n")
	for i := range r.Tabs {
		l, s := r.Summary["local"][i], r.Summary["shared"][i]
		added := func(v float64) string {
			if i == 0 {
				return "–"
			}
			return fmt.Sprintf("%.1f", v)
		}
		fmt.Fprintf(&b, "| %d | %.0f | %.0f | %s | %s | %.0f | %.0f |\n", i+1, l.OpenMs, s.OpenMs, added(l.AddedMiB), added(s.AddedMiB), l.BrowserMB, s.BrowserMB)
	}
	var lo, so, la, sa []float64
	for i := 1; i < r.Tabs; i++ {
		lo, so = append(lo, r.Summary["local"][i].OpenMs), append(so, r.Summary["shared"][i].OpenMs)
		la, sa = append(la, r.Summary["local"][i].AddedMiB), append(sa, r.Summary["shared"][i].AddedMiB)
	}
	fmt.Fprintf(&b, "\nTabs 2 to %d, median: open %.0f ms local, %.0f ms shared; each added %.1f MiB local, %.1f MiB shared.\n\n", r.Tabs, median(lo), median(so), median(la), median(sa))
	fmt.Fprintf(&b, "Machine: %s.\n", r.Machine)
	fmt.Fprint(stdout, b.String())
	if err := os.WriteFile(filepath.Join(dir, "tabs.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "tabs.json"), append(j, '\n'), 0o644)
}

// progress prints a step of a long run, with the time.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
