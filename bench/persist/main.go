// Command persist measures what options.persist costs per message: echo
// throughput and round-trip latency against the demo server's resume echo,
// side by side for the browser's WebSocket, resock in resume mode in
// memory, and resock in resume mode with persist, at 16 B and 1 KiB, text
// and binary; and, with persist, the time from send() to whenDurable()'s
// answer. Cells are interleaved over rounds in one page of one headless
// Chromium; each figure is the median over the rounds.
//
// Run it from the repository root after make build (make bench-persist
// does both); it writes bench/results/persist.md and persist.json:
//
//	go run ./bench/persist
package main

import (
	"context"
	"embed"
	"encoding/json"
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
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/resock/resock/demo"
	"github.com/resock/resock/internal/chromium"
	"github.com/resock/resock/server"
)

//go:embed page
var page embed.FS

var (
	clients = []string{"websocket", "resume", "persist"}
	kinds   = []string{"text", "binary"}
	sizes   = []int{16, 1024}
)

// cellResult is what one run of a cell measured.
type cellResult struct {
	Rate    float64   `json:"rate"`
	RTT     []float64 `json:"rtt"`
	Durable []float64 `json:"durable"`
}

// summary is a cell's figures: medians over the rounds of its throughput,
// and of each round's median and 99th percentile latency.
type summary struct {
	Client    string  `json:"client"`
	Kind      string  `json:"kind"`
	Size      int     `json:"size"`
	Rate      float64 `json:"msgsPerSec"`
	RTTMedian float64 `json:"rttMedianMs"`
	RTTP99    float64 `json:"rttP99Ms"`
	DurMedian float64 `json:"durableMedianMs,omitempty"`
	DurP99    float64 `json:"durableP99Ms,omitempty"`
}

type results struct {
	Rounds   int       `json:"rounds"`
	Ms       int       `json:"throughputMs"`
	InFlight int       `json:"inFlight"`
	Count    int       `json:"latencyCount"`
	Machine  string    `json:"machine"`
	Cells    []summary `json:"cells"`
}

func main() {
	log.SetFlags(0)
	if err := run(); err != nil {
		log.Fatalf("persist: %v", err)
	}
}

func run() error {
	rounds := flag.Int("rounds", 5, "interleaved rounds of every cell")
	ms := flag.Int("duration", 1000, "length of one throughput run, in ms")
	inflight := flag.Int("inflight", 64, "echoes in flight during a throughput run")
	count := flag.Int("latency-count", 200, "round trips per cell and round for the latencies")
	jsglue := flag.String("jsglue", "jsglue", "directory of the built glue and resock.wasm")
	out := flag.String("out", "bench/results", "directory for persist.md and persist.json")
	flag.Parse()

	if _, err := os.Stat(filepath.Join(*jsglue, "resock.wasm")); err != nil {
		return fmt.Errorf("no resock.wasm in %s: run make build first", *jsglue)
	}
	browserPath, err := chromium.Find()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "resock-persist-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	pageDir := filepath.Join(tmp, "page")
	sub, _ := fs.Sub(page, "page")
	if err := os.CopyFS(pageDir, sub); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	d, _ := demo.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, demo.Options{Dir: pageDir, JSGlueDir: *jsglue})
	go d.Serve(ln)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.Shutdown(ctx)
	}()

	ctx, stop, err := chromium.Start(browserPath, chromedp.UserDataDir(filepath.Join(tmp, "profile")))
	if err != nil {
		return err
	}
	defer stop()
	if err := chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("http://%s/persist.html", ln.Addr()))); err != nil {
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = chromedp.Run(waitCtx, chromedp.Poll[bool](`globalThis.ready === true`, chromedp.WithPollingInterval(10*time.Millisecond)))
	cancel()
	if err != nil {
		return fmt.Errorf("the page did not load: %w", err)
	}
	// chromedp enables the Network domain, which copies every WebSocket
	// frame to DevTools; nothing here reads them.
	if _, err := chromedp.Call(ctx, network.Disable, cdp.Empty{}); err != nil {
		return err
	}

	type key struct {
		client, kind string
		size         int
	}
	got := map[key][]cellResult{}
	total := *rounds * len(clients) * len(kinds) * len(sizes)
	done := 0
	for r := range *rounds {
		for _, size := range sizes {
			for _, kind := range kinds {
				// The clients' order turns with the round, so that none
				// always runs first.
				for i := range clients {
					client := clients[(i+r)%len(clients)]
					done++
					progress("%d/%d: round %d, %s, %s, %d B", done, total, r+1, client, kind, size)
					args, _ := json.Marshal(map[string]any{"client": client, "kind": kind, "size": size, "ms": *ms, "inflight": *inflight, "count": *count})
					res, err := chromedp.Run(ctx, chromedp.Evaluate[cellResult](fmt.Sprintf("bench.run(%s)", args), chromedp.EvalAwaitPromise))
					if err != nil {
						return fmt.Errorf("%s %s %d B: %w", client, kind, size, err)
					}
					k := key{client, kind, size}
					got[k] = append(got[k], res)
				}
			}
		}
	}

	res := results{Rounds: *rounds, Ms: *ms, InFlight: *inflight, Count: *count, Machine: machine(browserPath)}
	for _, size := range sizes {
		for _, kind := range kinds {
			for _, client := range clients {
				var rate, rttMed, rttP99, durMed, durP99 []float64
				for _, c := range got[key{client, kind, size}] {
					rate = append(rate, c.Rate)
					rttMed, rttP99 = append(rttMed, quantile(c.RTT, 0.5)), append(rttP99, quantile(c.RTT, 0.99))
					if len(c.Durable) > 0 {
						durMed, durP99 = append(durMed, quantile(c.Durable, 0.5)), append(durP99, quantile(c.Durable, 0.99))
					}
				}
				res.Cells = append(res.Cells, summary{
					Client: client, Kind: kind, Size: size,
					Rate: quantile(rate, 0.5), RTTMedian: quantile(rttMed, 0.5), RTTP99: quantile(rttP99, 0.5),
					DurMedian: quantile(durMed, 0.5), DurP99: quantile(durP99, 0.5),
				})
			}
		}
	}
	return res.write(os.Stdout, *out)
}

// quantile is the q-quantile of v, nearest rank; 0 for none.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// machine describes where the figures were taken.
func machine(browserPath string) string {
	return fmt.Sprintf("%d cores; %s; %s; %s", runtime.NumCPU(), chromium.Version(browserPath), runtime.Version(), time.Now().Format("2006-01-02"))
}

var labels = map[string]string{
	"websocket": "browser WebSocket",
	"resume":    "resock, resume",
	"persist":   "resock, resume + persist",
}

func (r results) write(stdout io.Writer, dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# What `persist` costs per message\n\n")
	fmt.Fprintf(&b, "`go run ./bench/persist` (after `make build`; `make bench-persist` does both): one headless Chromium page (DevTools' Network domain off) against the demo server's resume echo on loopback, %d rounds with the cells interleaved, medians over the rounds. ", r.Rounds)
	fmt.Fprintf(&b, "Throughput: echoes per second with %d in flight for %d ms. Round trip: %d echoes one after another (median and 99th percentile of each round). ", r.InFlight, r.Ms, r.Count)
	fmt.Fprintf(&b, "Durable: %d sends one after another, each timed from `send()` to `whenDurable()` resolving, that is until the IndexedDB transaction holding it completed. Binary messages are `Uint8Array`s; messages arrive as ArrayBuffer.\n\n", r.Count)
	fmt.Fprintf(&b, "| size | kind | client | echoes/s | vs resume | round trip, median (ms) | p99 (ms) | durable, median (ms) | p99 (ms) |\n")
	fmt.Fprintf(&b, "|---:|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range r.Cells {
		base := 0.0
		for _, o := range r.Cells {
			if o.Client == "resume" && o.Kind == c.Kind && o.Size == c.Size {
				base = o.Rate
			}
		}
		dur, durP := "–", "–"
		if c.Client == "persist" {
			dur, durP = fmt.Sprintf("%.2f", c.DurMedian), fmt.Sprintf("%.2f", c.DurP99)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.0f | %.2f× | %.2f | %.2f | %s | %s |\n", sizeLabel(c.Size), c.Kind, labels[c.Client], c.Rate, c.Rate/base, c.RTTMedian, c.RTTP99, dur, durP)
	}
	fmt.Fprintf(&b, "\nMachine: %s.\n", r.Machine)
	fmt.Fprint(stdout, b.String())
	if err := os.WriteFile(filepath.Join(dir, "persist.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "persist.json"), append(j, '\n'), 0o644)
}

func sizeLabel(n int) string {
	if n >= 1024 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d B", n)
}

// progress prints a step of a long run, with the time.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
