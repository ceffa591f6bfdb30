package main

import (
	"fmt"
	"strings"
)

// results is one run of both scenarios.
type results struct {
	Machine machine    `json:"machine"`
	Config  config     `json:"config"`
	Runs    []stormRun `json:"runs"`
}

func (r results) markdown() string {
	var b strings.Builder
	m := r.Machine
	if ra := r.Config.RetryAfter; ra > 0 {
		fmt.Fprintf(&b, "Machine: %s, %d cores; %s; %s. %d native resock clients (plain mode, the engine over coder/websocket) on one server process, which is shut down gracefully (SIGTERM: Shutdown with ShutdownRetryAfter %v, so each client is told to wait between %v and %v, in whole seconds rounded up, before it comes back) and started again %v after it exited:\n\n",
			m.CPU, m.Cores, m.Go, m.Date[:10], r.Config.Clients, ra, ra, 2*ra, r.Config.Downtime)
		b.WriteString("| clients | shutdown took | server back after SIGTERM | first client back | all clients back | peak new connections/s (100 ms) | most in one second | failed attempts |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, x := range r.Runs {
			fmt.Fprintf(&b, "| %s | %.0f ms | %.0f ms | +%.0f ms | +%.2f s | %.0f | %d | %d |\n",
				x.Name, x.ShutdownMS, x.ServerBackMS, x.FirstBackMS, x.AllBackMS/1000, x.Peak100ms, x.Peak1s, x.FailedAttempts)
		}
	} else {
		fmt.Fprintf(&b, "Machine: %s, %d cores; %s; %s. %d native resock clients (plain mode, the engine over coder/websocket) on one server process, which is killed (SIGKILL) and started again after %v:\n\n",
			m.CPU, m.Cores, m.Go, m.Date[:10], r.Config.Clients, r.Config.Downtime)
		b.WriteString("| clients | server back after kill | first client back | all clients back | peak new connections/s (100 ms) | most in one second | failed attempts |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|---:|\n")
		for _, x := range r.Runs {
			fmt.Fprintf(&b, "| %s | %.0f ms | +%.0f ms | +%.2f s | %.0f | %d | %d |\n",
				x.Name, x.ServerBackMS, x.FirstBackMS, x.AllBackMS/1000, x.Peak100ms, x.Peak1s, x.FailedAttempts)
		}
	}
	if len(r.Runs) == 2 && r.Runs[1].Peak100ms > 0 {
		fmt.Fprintf(&b, "\nPeak rate, jittered ÷ fixed: %.2f (100 ms buckets), %.2f (busiest second).\n",
			r.Runs[0].Peak100ms/r.Runs[1].Peak100ms, float64(r.Runs[0].Peak1s)/float64(r.Runs[1].Peak1s))
	}
	b.WriteString("\nServer memory per connection (after garbage collection, all clients connected, minus the idle server):\n\n")
	b.WriteString("| run | heap in use | goroutine stacks | resident set | goroutines per connection |\n|---|---:|---:|---:|---:|\n")
	for _, x := range r.Runs {
		n := float64(x.ServerLoaded.Clients)
		per := func(a, b uint64) string { return fmt.Sprintf("%.1f KiB", (float64(a)-float64(b))/n/1024) }
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.1f |\n", x.Name,
			per(x.ServerLoaded.HeapInuse, x.ServerIdle.HeapInuse),
			per(x.ServerLoaded.StackInuse, x.ServerIdle.StackInuse),
			per(x.ServerLoaded.RSS, x.ServerIdle.RSS),
			float64(x.ServerLoaded.Goroutines-x.ServerIdle.Goroutines)/n)
	}
	return b.String()
}
