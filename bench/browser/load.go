package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cpuSample is a reading of the machine's CPU time and of the part of it
// spent by this process and its descendants (Chromium), in clock ticks.
// Two of them tell how much of the machine other processes took during a
// measurement: on a shared two-core machine, that is what makes figures
// noisy.
type cpuSample struct {
	total, idle, ours uint64
}

func sampleCPU() cpuSample {
	var s cpuSample
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
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
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
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
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

// foreignShare is the share of the machine's CPU that processes other than
// ours used between a and b, from 0 to 1.
func foreignShare(a, b cpuSample) float64 {
	total := float64(b.total - a.total)
	if total <= 0 {
		return 0
	}
	busy := total - float64(b.idle-a.idle)
	return max(0, busy-float64(b.ours-a.ours)) / total
}
