// Command browser is resock's side-by-side benchmark in headless Chromium:
// in one page and one run, the browser's WebSocket, resock in plain and in
// resume mode, partysocket and reconnecting-websocket echo through the same
// resock server, text and binary messages of every kind a page sends and
// both binaryTypes. It prints markdown tables and writes the figures as
// JSON.
//
// Run it from the repository root after make build and npm ci in bench/
// (make bench does both):
//
//	go run ./bench/browser
//
// With -profile it instead records Chromium CPU profiles of the echo loops
// and prints where the time goes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/resock/resock/internal/chromium"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

// config is what a run measured with; it is written with the results.
type config struct {
	Rounds   int           `json:"rounds"`
	Duration time.Duration `json:"durationNs"`
	// Warmup is the length of the run of each client, cell and size
	// before the rounds.
	Warmup   time.Duration `json:"warmupNs"`
	InFlight int           `json:"inFlight"`
	Sizes    []int         `json:"sizes"`
	// Cells are the kinds of message the throughput runs send and receive.
	Cells        []cell        `json:"cells"`
	LatencyCount int           `json:"latencyCountPerRound"`
	ColdRounds   int           `json:"coldRounds"`
	Restarts     int           `json:"restarts"`
	Downtime     time.Duration `json:"downtimeNs"`
	Reconnects   int           `json:"reconnects"`
	// Window is resume mode's window in bytes, on both sides; 0 for the
	// default of 1 MiB.
	Window int `json:"window,omitempty"`
	// Args are the command-line arguments of the run, which reproduce it.
	Args []string `json:"args"`
}

func main() {
	log.SetFlags(0)
	if err := run(); err != nil {
		log.Fatalf("bench: %v", err)
	}
}

func run() error {
	began := time.Now()
	var c config
	flag.IntVar(&c.Rounds, "rounds", 8, "interleaved rounds of the throughput and latency runs")
	flag.DurationVar(&c.Duration, "duration", 400*time.Millisecond, "length of one throughput run")
	flag.DurationVar(&c.Warmup, "warmup", 150*time.Millisecond, "length of the throughput run of each client, cell and size before the rounds")
	sizeList := flag.String("sizes", "16,1024,65536", "message sizes of the throughput runs, in bytes")
	sends := flag.String("send", strings.Join(sendKinds, ","), "what the throughput runs send")
	receives := flag.String("binarytype", strings.Join(binaryTypes, ","), "the binaryTypes binary messages are received with")
	flag.IntVar(&c.InFlight, "inflight", 64, "echoes in flight during a throughput run")
	flag.IntVar(&c.LatencyCount, "latency-count", 250, "round trips per client and round for the latency")
	flag.IntVar(&c.ColdRounds, "cold", 3, "rounds of import to first open")
	flag.IntVar(&c.Restarts, "restarts", 20, "server restarts for the reconnect time")
	flag.DurationVar(&c.Downtime, "downtime", 500*time.Millisecond, "how long the server stays down at each restart")
	flag.IntVar(&c.Reconnects, "reconnects", 1000, "forced reconnects for the heap figures")
	flag.IntVar(&c.Window, "window", 0, "resume mode's window in bytes, client and server (0: the default, 1 MiB)")
	out := flag.String("out", "bench/results", "directory for the results")
	jsglue := flag.String("jsglue", "jsglue", "directory of the built resock.js, resock.wasm and wasm_exec.js")
	profile := flag.Bool("profile", false, "record CPU profiles of the echo loops instead of the benchmark")
	profileDuration := flag.Duration("profile-duration", 3*time.Second, "length of each profiled run")
	report := flag.String("report", "", "instead of measuring, summarize the results of an earlier run from this JSON file")
	flag.Parse()
	c.Args = os.Args[1:]
	if *report != "" {
		return rewrite(*report, os.Stdout, *out)
	}
	var err error
	if c.Sizes, err = parseSizes(*sizeList); err != nil {
		return err
	}
	if c.Cells, err = matrix(*sends, *receives); err != nil {
		return err
	}

	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return errors.New("run it from the repository root")
	}
	builtDir := filepath.Join(root, *jsglue)
	if _, err := os.Stat(filepath.Join(builtDir, "resock.wasm")); err != nil {
		return fmt.Errorf("no resock.wasm in %s: run make build first", builtDir)
	}
	nodeModules := filepath.Join(root, "bench", "node_modules")
	browserPath, err := chromium.Find()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("failed to create %s: %w", *out, err)
	}

	tmp, err := os.MkdirTemp("", "resock-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// A copy, so that a rebuild during the run changes nothing measured.
	jsglueDir, hookDir := filepath.Join(tmp, "jsglue"), filepath.Join(tmp, "hook")
	if err := copyBuild(builtDir, jsglueDir); err != nil {
		return err
	}
	if err := os.Mkdir(hookDir, 0o755); err != nil {
		return err
	}
	progress("build resock.wasm with the heap hook")
	if err := buildHook(root, jsglueDir, hookDir); err != nil {
		return err
	}

	static, err := startStatic(filepath.Join(root, "bench", "browser", "page"), jsglueDir, hookDir, nodeModules)
	if err != nil {
		return err
	}
	defer static.close()
	echo := newEchoServer()
	if c.Window > 0 {
		echo.window = c.Window
		for i := range clients {
			if clients[i].name == "resock-resume" {
				clients[i].opts = fmt.Sprintf("{resume: true, maxUnackedBytes: %d}", c.Window)
			}
		}
	}
	if err := echo.start(); err != nil {
		return err
	}
	defer func() { _ = echo.stop() }()

	progress("start %s", browserPath)
	ctx, stop, err := chromium.Start(browserPath)
	if err != nil {
		return err
	}
	defer stop()
	ctx, cancel := signal.NotifyContext(ctx, os.Interrupt)
	defer cancel()

	b := &bench{ctx: ctx, c: c, echo: echo}
	if err := b.load(static.url); err != nil {
		return err
	}
	if *profile {
		return b.profile(*out, *profileDuration)
	}

	res, err := b.measure()
	if err != nil {
		return err
	}
	res.Sizes, err = sizes(jsglueDir, nodeModules, res.resources)
	if err != nil {
		return err
	}
	res.Machine = describeMachine(browserVersion(ctx))
	res.Config = c
	if err := res.write(os.Stdout, *out); err != nil {
		return err
	}
	progress("the benchmark took %s", time.Since(began).Round(time.Second))
	return nil
}

// progress prints a step of a long run, with the time.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// bench drives the page.
type bench struct {
	ctx     context.Context
	c       config
	echo    *echoServer
	pageURL string
}
