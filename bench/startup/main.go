// Command startup measures how long a page waits from importing a client to
// its first open, and where that time goes, in headless Chromium: resock
// (import → module loading → download of resock.wasm → compile → Go start-up
// → first dial), partysocket 1.3.0, the browser WebSocket, and go-floor, a Go
// program that only starts and registers one function, loaded as resock
// loads its own.
//
// Each run starts a Chromium with a fresh profile. Every client is loaded
// once cold (empty HTTP cache, no compiled code), then, after -settle, again
// -warm times, each in a new tab of the same browser: a second visit, which
// finds the HTTP cache and whatever compiled code Chromium kept.
//
// Run it from the repository root after make build and npm ci in bench/:
//
//	go run ./bench/startup
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/resock/resock/demo"
	"github.com/resock/resock/internal/chromium"
	"github.com/resock/resock/internal/wasmbuild"
	"github.com/resock/resock/server"
)

//go:embed page
var page embed.FS

// config is what a run measured with; it is written with the results.
type config struct {
	Runs   int           `json:"runs"`
	Warm   int           `json:"warmLoadsPerRun"`
	Settle time.Duration `json:"settleNs"`
	// Quiet is how long each load waits at most for other processes to
	// calm down.
	Quiet time.Duration `json:"quietNs"`
}

func main() {
	log.SetFlags(0)
	if err := run(); err != nil {
		log.Fatalf("startup: %v", err)
	}
}

func run() error {
	var c config
	flag.IntVar(&c.Runs, "runs", 7, "browsers started, each with a fresh profile: cold loads per client")
	flag.IntVar(&c.Warm, "warm", 2, "warm loads per client and run")
	flag.DurationVar(&c.Settle, "settle", 5*time.Second, "wait between the cold and the warm loads, in which Chromium may write its code caches")
	flag.DurationVar(&c.Quiet, "quiet", 10*time.Second, "longest wait before each load until other processes take under 15% of the CPU")
	jsglue := flag.String("jsglue", "jsglue", "directory of the built resock.js, resock.wasm and wasm_exec.js")
	out := flag.String("out", "bench/results", "directory for startup.md and startup.json")
	flag.Parse()

	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return errors.New("run it from the repository root")
	}
	builtDir := *jsglue
	if !filepath.IsAbs(builtDir) {
		builtDir = filepath.Join(root, builtDir)
	}
	if _, err := os.Stat(filepath.Join(builtDir, "resock.wasm")); err != nil {
		return fmt.Errorf("no resock.wasm in %s: run make build first", builtDir)
	}
	browserPath, err := chromium.Find()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "resock-startup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	// Copies, so that a rebuild during the run changes nothing measured.
	jsglueDir, pageDir := filepath.Join(tmp, "jsglue"), filepath.Join(tmp, "page")
	if err := copyDir(builtDir, jsglueDir); err != nil {
		return err
	}
	if err := preparePage(root, jsglueDir, pageDir); err != nil {
		return err
	}
	base, stopServer, err := serve(pageDir, jsglueDir)
	if err != nil {
		return err
	}
	defer stopServer()

	versioned, err := versionedURL(jsglueDir)
	if err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	var res results
	res.Config = c
	for r := range c.Runs {
		progress("run %d of %d", r+1, c.Runs)
		loads, cache, err := runBrowser(ctx, browserPath, filepath.Join(tmp, fmt.Sprintf("profile-%d", r)), base, versioned, r, c)
		if err != nil {
			return err
		}
		res.Loads = append(res.Loads, loads...)
		res.CodeCache = append(res.CodeCache, cache)
	}
	res.Machine = machine(browserPath)
	return res.write(os.Stdout, *out)
}

// preparePage fills dir with the page, partysocket's ES module build, and
// go-floor: floor.wasm beside its own copy of wasm_exec.js, so that loading
// it shares nothing cached with resock.
func preparePage(root, jsglueDir, dir string) error {
	sub, err := fs.Sub(page, "page")
	if err != nil {
		return err
	}
	if err := os.CopyFS(dir, sub); err != nil {
		return fmt.Errorf("failed to write the page: %w", err)
	}
	party := filepath.Join(root, "bench", "node_modules", "partysocket", "dist", "ws.js")
	if err := copyFile(party, filepath.Join(dir, "partysocket.js")); err != nil {
		return fmt.Errorf("%w (run npm ci in bench/)", err)
	}
	if err := copyFile(filepath.Join(jsglueDir, "wasm_exec.js"), filepath.Join(dir, "floor_exec.js")); err != nil {
		return err
	}
	progress("build floor.wasm")
	args := append([]string{"build"}, wasmbuild.Flags...)
	args = append(args, "-o", filepath.Join(dir, "floor.wasm"), "./bench/startup/floor")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("failed to build floor.wasm: %w\n%s", err, output)
	}
	return nil
}

// versionedURL is the URL of resock.js that names it, resock.wasm and
// wasm_exec.js by their demo.GlueVersion.
func versionedURL(jsglueDir string) (string, error) {
	v := map[string]string{}
	for _, name := range []string{"resock.js", "resock.wasm", "wasm_exec.js"} {
		ver, err := demo.GlueVersion(jsglueDir, name)
		if err != nil {
			return "", err
		}
		v[name] = ver
	}
	return fmt.Sprintf("/resock.js?v=%s&wasm=%s&wasm_exec=%s", v["resock.js"],
		url.QueryEscape("/resock.wasm?v="+v["resock.wasm"]), url.QueryEscape("/wasm_exec.js?v="+v["wasm_exec.js"])), nil
}

// serve serves the page and resock with demo.Static, as the demo does,
// and server.Echo at /echo.
func serve(pageDir, jsglueDir string) (string, func(), error) {
	srv := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	mux := http.NewServeMux()
	mux.Handle("GET /echo", srv.Handler(server.Echo))
	mux.Handle("/", demo.Static(pageDir, jsglueDir))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("failed to listen: %w", err)
	}
	h := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go h.Serve(ln)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = h.Close()
	}
	return "http://" + ln.Addr().String(), stop, nil
}

func copyDir(from, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	// The compressed copies last, so that the server still finds them at
	// least as new as the file they were made from.
	var later []string
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		switch filepath.Ext(e.Name()) {
		case ".gz", ".br":
			later = append(later, e.Name())
			continue
		}
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	for _, name := range later {
		if err := copyFile(filepath.Join(from, name), filepath.Join(to, name)); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("failed to copy %s: %w", from, err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		return fmt.Errorf("failed to copy %s: %w", from, err)
	}
	return nil
}

// progress prints a step of a long run, with the time.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
