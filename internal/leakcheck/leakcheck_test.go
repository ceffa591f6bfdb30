package leakcheck

import (
	"strings"
	"testing"
	"time"
)

func TestLeakedNamesAGoroutineThatDidNotEnd(t *testing.T) {
	stop := make(chan struct{})
	started := make(chan struct{})
	go func() {
		close(started)
		<-stop
	}()
	<-started
	got := Leaked(50 * time.Millisecond)
	close(stop)
	if !strings.Contains(got, "TestLeakedNamesAGoroutineThatDidNotEnd") {
		t.Fatalf("Leaked = %q, want the stack of the goroutine left running", got)
	}
	if got := Leaked(5 * time.Second); got != "" {
		t.Fatalf("Leaked = %q once the goroutine ended, want none", got)
	}
}
