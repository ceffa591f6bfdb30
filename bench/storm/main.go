// Command storm measures a reconnect storm: thousands of native resock
// clients (the engine over coder/websocket) connected to one resock server,
// which is killed and started again (or, with -retry-after, shut down
// gracefully, telling every client when to come back). It reports how long the clients take to
// come back, the peak rate of new connections the server sees, and the
// server's memory per connection; first with resock's default backoff
// (exponential, full jitter), then with clients that retry at the classic
// fixed 1 s interval. It writes the figures as JSON and a plot of connected
// clients over time as a PNG.
//
// Run it from the repository root (make bench-server does, with a raised
// open-file limit):
//
//	go run ./bench/storm
//
// With -retry-after the server is not killed but sent SIGTERM, as in a
// deploy: it stops listening and closes every client with 1012 (service
// restart) and Options.ShutdownRetryAfter set to that hint; it is started
// again -downtime after it exited. Its figures go to files of their own:
//
//	go run ./bench/storm -retry-after 3s
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/resock/resock/internal/engine"
)

// scenario is one kind of client.
type scenario struct {
	Name    string
	Backoff engine.Backoff
}

var scenarios = []scenario{
	{"jittered backoff (resock default)", engine.Backoff{}},
	{"fixed 1 s interval (classic recipe)", engine.Backoff{Delays: []time.Duration{time.Second}}},
}

type config struct {
	Clients  int           `json:"clients"`
	Downtime time.Duration `json:"downtimeNs"`
	DialRate int           `json:"dialRate"`
	// RetryAfter, if not 0, shuts the server down gracefully with this
	// Options.ShutdownRetryAfter instead of killing it.
	RetryAfter time.Duration `json:"retryAfterNs,omitempty"`
}

// stop names how the server is stopped: "kill" or "SIGTERM".
func (c config) stop() string {
	if c.RetryAfter > 0 {
		return "SIGTERM"
	}
	return "kill"
}

func main() {
	log.SetFlags(0)
	if len(os.Args) == 4 && os.Args[1] == "-child-server" {
		retryAfter, err := time.ParseDuration(os.Args[3])
		if err != nil {
			log.Fatalf("storm server: %v", err)
		}
		if err := serveChild(os.Args[2], retryAfter); err != nil {
			log.Fatalf("storm server: %v", err)
		}
		return
	}
	if err := run(); err != nil {
		log.Fatalf("storm: %v", err)
	}
}

func run() error {
	var c config
	flag.IntVar(&c.Clients, "clients", 10000, "clients connected to the server")
	flag.DurationVar(&c.Downtime, "downtime", 2*time.Second, "how long the server stays dead before it starts again")
	flag.IntVar(&c.DialRate, "dial-rate", 2000, "clients started per second before the storm")
	flag.DurationVar(&c.RetryAfter, "retry-after", 0, "if set, shut the server down gracefully (SIGTERM) with this ShutdownRetryAfter instead of killing it")
	out := flag.String("out", "bench/results", "directory for the results")
	name := flag.String("name", "", "base name of the result files in -out (default storm, or storm-graceful-retry-after-DURATION with -retry-after)")
	plot := flag.String("plot", "", "the PNG plot to write (default docs/reconnect-storm.png, or docs/reconnect-storm-graceful.png with -retry-after)")
	flag.Parse()
	if c.RetryAfter < 0 {
		return fmt.Errorf("-retry-after %v: want 0 (kill) or a positive hint", c.RetryAfter)
	}
	if *name == "" {
		*name = "storm"
		if c.RetryAfter > 0 {
			*name = "storm-graceful-retry-after-" + c.RetryAfter.String()
		}
	}
	if *plot == "" {
		*plot = "docs/reconnect-storm.png"
		if c.RetryAfter > 0 {
			*plot = "docs/reconnect-storm-graceful.png"
		}
	}

	if err := checkFileLimit(c.Clients); err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	res := results{Config: c, Machine: describeMachine()}
	for _, s := range scenarios {
		progress("%s: %d clients", s.Name, c.Clients)
		r, err := storm(addr, s, c)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		res.Runs = append(res.Runs, r)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*plot), 0o755); err != nil {
		return err
	}
	if err := writePlot(*plot, res); err != nil {
		return err
	}
	md := res.markdown()
	fmt.Print(md)
	mdName, jsonName := filepath.Join(*out, *name+".md"), filepath.Join(*out, *name+".json")
	if err := os.WriteFile(mdName, []byte(md), 0o644); err != nil {
		return err
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(jsonName, append(b, '\n'), 0o644); err != nil {
		return err
	}
	progress("wrote %s, %s and %s", *plot, mdName, jsonName)
	return nil
}

// checkFileLimit makes sure this process may open a socket per client. The
// Go runtime already raised the soft limit to the hard one.
func checkFileLimit(clients int) error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return fmt.Errorf("failed to read the open-file limit: %w", err)
	}
	if need := uint64(clients) + 256; l.Cur < need {
		return fmt.Errorf("the open-file limit is %d, %d clients need about %d: raise it (ulimit -n) or pass fewer -clients", l.Cur, clients, need)
	}
	return nil
}

// freeAddr picks a loopback port for the server to keep across restarts.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("failed to find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// run is one storm: the measured figures and the connected count over time.
type stormRun struct {
	Name string `json:"name"`
	// ServerBackMS is when the new server listened, after the kill (or
	// after the SIGTERM, with a graceful shutdown).
	ServerBackMS float64 `json:"serverBackMs"`
	// ShutdownMS is how long a graceful shutdown took, from the SIGTERM
	// until the server process exited.
	ShutdownMS float64 `json:"shutdownMs,omitempty"`
	// AllBackMS is from the server listening again to the last client
	// connected; FirstBackMS to the first.
	AllBackMS   float64 `json:"allBackMs"`
	FirstBackMS float64 `json:"firstBackMs"`
	// Peak100ms is the most connections opened in any 100 ms, times ten;
	// Peak1s the most opened in any one-second window.
	Peak100ms float64 `json:"peakPerSecondIn100ms"`
	Peak1s    int     `json:"peakIn1s"`
	// FailedAttempts counts the attempts that failed while the server was
	// down or overwhelmed.
	FailedAttempts int64 `json:"failedAttempts"`
	// Memory of the server process before the clients came and with all of
	// them connected.
	ServerIdle   serverStats `json:"serverIdle"`
	ServerLoaded serverStats `json:"serverLoaded"`
	// Samples is the connected count every 10 ms, from before the kill (or
	// SIGTERM).
	Samples []sample `json:"samples"`
	// OpensPer10ms counts the connections opened in each 10 ms after the
	// kill (or SIGTERM).
	OpensPer10ms []int `json:"opensPer10ms"`
	// Opens are the connection times after the kill (or SIGTERM), in ms
	// since it.
	Opens []float64 `json:"-"`
}

func storm(addr string, s scenario, c config) (stormRun, error) {
	r := stormRun{Name: s.Name}
	srv, err := startChild(addr, c.RetryAfter)
	if err != nil {
		return r, err
	}
	killed := false
	defer func() {
		if !killed {
			srv.kill()
		}
	}()
	if r.ServerIdle, err = srv.stats(); err != nil {
		return r, err
	}
	url := "ws://" + addr + "/echo"
	start := time.Now()
	f, err := connect(url, c.Clients, c.DialRate, s.Backoff, time.Minute)
	if err != nil {
		return r, err
	}
	defer f.close()
	progress("  %d connected in %.1f s", c.Clients, time.Since(start).Seconds())
	// Every client must have stayed up for MinUptime, so that its backoff
	// starts from the first attempt, as after a long-lived connection.
	time.Sleep(engine.DefaultMinUptime + 500*time.Millisecond)
	if r.ServerLoaded, err = srv.stats(); err != nil {
		return r, err
	}
	if r.ServerLoaded.Clients != c.Clients {
		return r, fmt.Errorf("the server counts %d clients, want %d", r.ServerLoaded.Clients, c.Clients)
	}

	const before = 500 * time.Millisecond
	killAt := time.Now().Add(before)
	rec := record(f, killAt, 10*time.Millisecond)
	time.Sleep(before)
	failedBefore := f.failed.Load()
	if c.RetryAfter > 0 {
		// The clients hear of the shutdown from the SIGTERM on; the
		// downtime counts from the process's exit, as after a kill.
		killAt = time.Now()
		err := srv.shutdown()
		killed = true
		if err != nil {
			rec.finish()
			return r, err
		}
		r.ShutdownMS = ms(time.Since(killAt))
		progress("  server shut down in %.0f ms; restarting in %v", r.ShutdownMS, c.Downtime)
	} else {
		srv.kill()
		killAt = time.Now()
		killed = true
		progress("  server killed; restarting in %v", c.Downtime)
	}
	time.Sleep(c.Downtime)
	srv, err = startChild(addr, c.RetryAfter)
	if err != nil {
		rec.finish()
		return r, err
	}
	killed = false
	backAt := srv.listenAt
	r.ServerBackMS = ms(backAt.Sub(killAt))
	progress("  server back %.0f ms after the %s", r.ServerBackMS, c.stop())

	if err := f.waitConnected(c.Clients, time.Minute+engine.DefaultBackoff.Max); err != nil {
		rec.finish()
		return r, err
	}
	time.Sleep(time.Second)
	r.Samples = rec.finish()
	r.FailedAttempts = f.failed.Load() - failedBefore

	opens := f.opensSince(killAt)
	if len(opens) < c.Clients {
		return r, fmt.Errorf("%d connections after the %s, want %d", len(opens), c.stop(), c.Clients)
	}
	for _, o := range opens {
		r.Opens = append(r.Opens, ms(o.Sub(killAt)))
	}
	r.FirstBackMS = ms(opens[0].Sub(backAt))
	r.AllBackMS = ms(opens[c.Clients-1].Sub(backAt))
	r.Peak100ms, r.Peak1s = peaks(r.Opens)
	for _, o := range r.Opens {
		i := int(o / 10)
		for len(r.OpensPer10ms) <= i {
			r.OpensPer10ms = append(r.OpensPer10ms, 0)
		}
		r.OpensPer10ms[i]++
	}
	progress("  all %d back %.2f s after the server; peak %.0f connections/s (100 ms buckets), %d in the busiest second; %d failed attempts",
		c.Clients, r.AllBackMS/1000, r.Peak100ms, r.Peak1s, r.FailedAttempts)

	// The server closes first, so the clients' ports do not linger in
	// TIME_WAIT for the next run.
	srv.kill()
	killed = true
	return r, nil
}

// peaks returns the most connections in any 100 ms bucket (as a rate per
// second) and in any sliding one-second window, of sorted times in ms.
func peaks(opens []float64) (per100ms float64, in1s int) {
	buckets := map[int]int{}
	for _, o := range opens {
		buckets[int(o/100)]++
	}
	for _, n := range buckets {
		per100ms = max(per100ms, float64(n)*10)
	}
	j := 0
	for i := range opens {
		for opens[i]-opens[j] >= 1000 {
			j++
		}
		in1s = max(in1s, i-j+1)
	}
	return per100ms, in1s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// machine describes where the run happened.
type machine struct {
	CPU   string `json:"cpu"`
	Cores int    `json:"cores"`
	Go    string `json:"go"`
	Date  string `json:"date"`
}

func describeMachine() machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Date: time.Now().UTC().Format(time.RFC3339)}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}
