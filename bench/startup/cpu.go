package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cpuSample is the machine's busy and total CPU time and the part of it
// spent by this process and its descendants (Chromium), in clock ticks. On a
// shared two-core machine what other processes take is what makes start-up
// figures noisy, so each load waits for a quiet moment and records it.
type cpuSample struct {
	total, busy, ours uint64
}

func sampleCPU() cpuSample {
	var s cpuSample
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		for i, f := range strings.Fields(line)[1:] {
			n, _ := strconv.ParseUint(f, 10, 64)
			s.total += n
			if i != 3 && i != 4 { // not idle, not iowait
				s.busy += n
			}
		}
	}
	parent := map[int]int{}
	cpu := map[int]uint64{}
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
		parent[pid], _ = strconv.Atoi(f[1])
		utime, _ := strconv.ParseUint(f[11], 10, 64)
		stime, _ := strconv.ParseUint(f[12], 10, 64)
		cpu[pid] = utime + stime
	}
	self := os.Getpid()
	for pid, t := range cpu {
		for cur, depth := pid, 0; depth < 64 && cur > 0; depth++ {
			if cur == self {
				s.ours += t
				break
			}
			cur = parent[cur]
		}
	}
	return s
}

// otherShare is the share of the machine's CPU that other processes took
// between a and b, from 0 to 1.
func otherShare(a, b cpuSample) float64 {
	total := float64(b.total - a.total)
	if total <= 0 {
		return 0
	}
	return max(0, float64(b.busy-a.busy)-float64(b.ours-a.ours)) / total
}

// waitQuiet waits, at most limit, until other processes took under a
// share of 0.15 of the CPU for 300 ms.
func waitQuiet(ctx context.Context, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		a := sampleCPU()
		select {
		case <-time.After(300 * time.Millisecond):
		case <-ctx.Done():
			return
		}
		if otherShare(a, sampleCPU()) < 0.15 {
			return
		}
	}
}
