package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/resock/resock/internal/cpushare"
)

// clients are what the page can load, in the order of the table.
var clients = []string{"resock", "resock-versioned", "go-floor", "partysocket", "websocket"}

// load is one import to first open, as the page reported it.
type load struct {
	Client string `json:"client"`
	Run    int    `json:"run"`
	// Visit is 0 for the cold load, 1 and on for the warm ones.
	Visit int `json:"visit"`
	// OtherCPU is the share of the CPU other processes took during the
	// load.
	OtherCPU float64    `json:"otherCPU"`
	Marks    marks      `json:"marks"`
	Wasm     *resource  `json:"wasm,omitempty"`
	Script   []resource `json:"scripts"`
}

// marks are the milestones the page took, in ms from the start of the
// import; a milestone the client does not have is absent.
type marks struct {
	WasmExec     *float64 `json:"wasmExec,omitempty"`
	WasmFetch    *float64 `json:"wasmFetch,omitempty"`
	CompileStart *float64 `json:"compileStart,omitempty"`
	Instantiated *float64 `json:"instantiated,omitempty"`
	GoRun        *float64 `json:"goRun,omitempty"`
	GoStarted    *float64 `json:"goStarted,omitempty"`
	Imported     float64  `json:"imported"`
	Open         float64  `json:"open"`
}

// resource is a file's Resource Timing entry, times in ms from the start of
// the import.
type resource struct {
	Path          string  `json:"path"`
	Start         float64 `json:"start"`
	ResponseStart float64 `json:"responseStart"`
	End           float64 `json:"end"`
	Transfer      int     `json:"transfer"`
	Encoded       int     `json:"encoded"`
	Decoded       int     `json:"decoded"`
}

// codeCache is what the profile's code caches held before the warm loads.
type codeCache struct {
	Run       int   `json:"run"`
	WasmBytes int64 `json:"wasmBytes"`
	JSBytes   int64 `json:"jsBytes"`
}

// runBrowser starts Chromium with a fresh profile in profileDir, loads every
// client cold, waits c.Settle, and loads each c.Warm times more. The order
// of the clients rotates with run.
func runBrowser(ctx context.Context, path, profileDir, base, versioned string, run int, c config) ([]load, codeCache, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profileDir),
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	browserCtx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	if err := chromedp.Do(browserCtx); err != nil {
		return nil, codeCache{}, fmt.Errorf("failed to start %s: %w", path, err)
	}

	order := make([]string, len(clients))
	for i := range clients {
		order[i] = clients[(i+run)%len(clients)]
	}
	// The cold pages stay open while Chromium settles: V8 writes a module's
	// code cache only a while after its code tiered up, never for a page
	// that is gone by then. They close before the warm loads, which so find
	// no compiled module still alive in a renderer they might share.
	var loads []load
	var closers []func()
	closeAll := func() {
		for _, f := range closers {
			f()
		}
		closers = nil
	}
	defer closeAll()
	for _, client := range order {
		l, closeTab, err := loadOnce(browserCtx, base, versioned, client, c.Quiet)
		if err != nil {
			return nil, codeCache{}, err
		}
		closers = append(closers, closeTab)
		l.Run = run
		loads = append(loads, l)
	}
	select {
	case <-time.After(c.Settle):
	case <-ctx.Done():
		return nil, codeCache{}, ctx.Err()
	}
	closeAll()
	cache := codeCache{
		Run:       run,
		WasmBytes: dirSize(filepath.Join(profileDir, "Default", "Code Cache", "wasm")),
		JSBytes:   dirSize(filepath.Join(profileDir, "Default", "Code Cache", "js")),
	}
	for visit := 1; visit <= c.Warm; visit++ {
		for _, client := range order {
			l, closeTab, err := loadOnce(browserCtx, base, versioned, client, c.Quiet)
			if err != nil {
				return nil, codeCache{}, err
			}
			closeTab()
			l.Run, l.Visit = run, visit
			loads = append(loads, l)
		}
	}
	return loads, cache, nil
}

// loadOnce opens the page for client in a new tab (versioned is the URL of
// resock.js, naming every file by its version) and waits for its result.
// It returns a func that closes the tab.
func loadOnce(browserCtx context.Context, base, versioned, client string, quiet time.Duration) (load, func(), error) {
	cpushare.WaitQuiet(browserCtx, quiet, 0.15)
	cpu := cpushare.Take()
	tab, closeTab := chromedp.NewContext(browserCtx)
	ctx, cancel := context.WithTimeout(tab, time.Minute)
	defer cancel()
	echo := "ws" + base[len("http"):] + "/echo"
	u := fmt.Sprintf("%s/?client=%s&echo=%s&module=%s", base, client, url.QueryEscape(echo), url.QueryEscape(versioned))
	var out struct {
		Result *struct {
			Marks   marks      `json:"marks"`
			Wasm    *resource  `json:"wasm"`
			Scripts []resource `json:"scripts"`
		} `json:"result"`
		Error string `json:"error"`
	}
	fail := func(format string, args ...any) (load, func(), error) {
		closeTab()
		return load{}, nil, fmt.Errorf(format, args...)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(u),
		chromedp.Poll[chromedp.Void]("window.startup !== undefined", chromedp.WithPollingInterval(10*time.Millisecond)),
	)
	other := cpushare.Others(cpu, cpushare.Take())
	if err != nil {
		return fail("failed to load %s: %w", client, err)
	}
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string]("JSON.stringify(window.startup)"))
	if err != nil {
		return fail("failed to read the result of %s: %w", client, err)
	}
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return fail("failed to read the result of %s: %w", client, err)
	}
	if out.Error != "" || out.Result == nil {
		return fail("failed to load %s: %s", client, out.Error)
	}
	return load{Client: client, OtherCPU: other, Marks: out.Result.Marks, Wasm: out.Result.Wasm, Script: out.Result.Scripts}, closeTab, nil
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
