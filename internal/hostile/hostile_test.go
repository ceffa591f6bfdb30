//go:build !js

package hostile

import (
	"slices"
	"testing"
)

func TestLedgerAppliesEachMessageOnceAndReportsAGap(t *testing.T) {
	var l Ledger
	for _, m := range []struct {
		n    uint64
		data string
	}{{1, "a"}, {2, "b"}, {1, "a"}, {2, "b"}, {4, "d"}, {3, "c"}} {
		l.Apply(m.n, []byte(m.data))
	}
	applied, errs := l.Applied()
	if want := []string{"a", "b", "c"}; !slices.Equal(applied, want) {
		t.Errorf("applied %q, want %q: each once, in order", applied, want)
	}
	if want := []string{"message id 4 after 2"}; !slices.Equal(errs, want) {
		t.Errorf("errors %q, want %q", errs, want)
	}
}
