package cpushare

import (
	"runtime"
	"testing"
)

func TestOurOwnWorkIsNotCountedAsOthers(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	a := Take()
	// Busy work of this process only.
	x := 0
	for i := 0; i < 300_000_000; i++ {
		x += i
	}
	_ = x
	b := Take()
	if b.ours <= a.ours {
		t.Fatalf("our CPU time did not grow over a busy loop: %d → %d", a.ours, b.ours)
	}
	if share := Others(a, b); share < 0 || share > 1 {
		t.Errorf("Others = %v, want a share between 0 and 1", share)
	}
}

func TestOthersOfNoTimeIsZero(t *testing.T) {
	s := Sample{total: 100, idle: 50, ours: 10}
	if got := Others(s, s); got != 0 {
		t.Errorf("Others of one sample with itself = %v, want 0", got)
	}
	if got := Others(Sample{total: 0}, Sample{total: 100, idle: 20, ours: 30}); got != 0.5 {
		t.Errorf("Others = %v, want 0.5 (80 busy, 30 ours, of 100)", got)
	}
}
