package wire

import (
	"testing"
	"time"
)

// TestGlueConstantsSayWhatWireDoes checks every constant the glue receives
// against the package's own, and that each is a type syscall/js converts.
func TestGlueConstantsSayWhatWireDoes(t *testing.T) {
	want := map[string]any{
		"protocol":       Protocol,
		"textFrame":      int(AppendData(nil, false, nil)[0]),
		"binaryFrame":    int(AppendData(nil, true, nil)[0]),
		"ackFrame":       int(AppendValue(nil, TypeAck, 0)[0]),
		"ackEvery":       AckEvery,
		"ackBytes":       AckBytes,
		"ackQuietMillis": int(AckQuiet.Milliseconds()),
		"ackMaxMillis":   int(AckMax.Milliseconds()),
	}
	got := GlueConstants()
	if len(got) != len(want) {
		t.Errorf("%d constants, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	for k, v := range got {
		switch v.(type) {
		case string, int:
		default:
			t.Errorf("%s is a %T, which syscall/js does not convert", k, v)
		}
	}
	// Whole milliseconds, so that nothing is lost on the way to the glue.
	for _, d := range []time.Duration{AckQuiet, AckMax} {
		if d%time.Millisecond != 0 {
			t.Errorf("%v is not a whole number of milliseconds", d)
		}
	}
}
