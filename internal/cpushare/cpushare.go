// Package cpushare tells how much of the machine's CPU other processes took
// while a benchmark measured: on a shared two-core machine, that is what
// makes figures noisy, so the benchmarks wait for quiet moments and report
// it beside their figures. It reads Linux's /proc; elsewhere every share
// reads as 0.
package cpushare

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Sample is a reading of the machine's CPU time and of the part of it spent
// by this process and its descendants (a browser it started), in clock
// ticks.
type Sample struct {
	total, idle, ours uint64
}

// Take reads the CPU times now.
func Take() Sample {
	var s Sample
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		for i, f := range strings.Fields(line)[1:] {
			n, _ := strconv.ParseUint(f, 10, 64)
			s.total += n
			if i == 3 || i == 4 { // idle, iowait
				s.idle += n
			}
		}
	}
	type proc struct {
		ppid int
		cpu  uint64
	}
	procs := map[int]proc{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// The command name may hold spaces; the fields after it do not.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		ppid, _ := strconv.Atoi(f[1])
		utime, _ := strconv.ParseUint(f[11], 10, 64)
		stime, _ := strconv.ParseUint(f[12], 10, 64)
		procs[pid] = proc{ppid, utime + stime}
	}
	self := os.Getpid()
	for pid, p := range procs {
		for cur, depth := pid, 0; depth < 64; depth++ {
			if cur == self {
				s.ours += p.cpu
				break
			}
			parent, ok := procs[cur]
			if !ok || parent.ppid == 0 {
				break
			}
			cur = parent.ppid
		}
	}
	return s
}

// Others is the share of the machine's CPU, from 0 to 1, that processes
// other than ours used between a and b.
func Others(a, b Sample) float64 {
	total := float64(b.total - a.total)
	if total <= 0 {
		return 0
	}
	busy := total - float64(b.idle-a.idle)
	return max(0, busy-float64(b.ours-a.ours)) / total
}

// WaitQuiet waits, at most limit, until other processes took under share
// of the CPU for 300 ms; it reports whether they did.
func WaitQuiet(ctx context.Context, limit time.Duration, share float64) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		a := Take()
		select {
		case <-time.After(300 * time.Millisecond):
		case <-ctx.Done():
			return false
		}
		if Others(a, Take()) < share {
			return true
		}
	}
	return false
}
