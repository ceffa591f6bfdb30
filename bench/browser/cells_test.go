package main

import (
	"slices"
	"testing"
)

func TestMatrixGivesTextOneCellAndEachBinaryKindOnePerBinaryType(t *testing.T) {
	got, err := matrix("Blob,string,uint8array", "blob,arraybuffer")
	if err != nil {
		t.Fatal(err)
	}
	want := []cell{textCell, {"Uint8Array", "arraybuffer"}, {"Uint8Array", "blob"}, {"Blob", "arraybuffer"}, {"Blob", "blob"}}
	if !slices.Equal(got, want) {
		t.Errorf("matrix = %v, want %v", got, want)
	}
}

func TestMatrixRefusesUnknownKindsAndEmptyMatrices(t *testing.T) {
	for _, c := range []struct{ send, receive string }{
		{"string,DataView", "arraybuffer"},
		{"ArrayBuffer", "text"},
		{"ArrayBuffer", ""},
	} {
		if got, err := matrix(c.send, c.receive); err == nil {
			t.Errorf("matrix(%q, %q) = %v, want an error", c.send, c.receive, got)
		}
	}
}

func TestSummaryRatioIsMedianOfSameRoundRatios(t *testing.T) {
	k := cell{"Blob", "arraybuffer"}
	r := results{Config: config{Rounds: 3, Sizes: []int{16}, Cells: []cell{k}}}
	// The browser WebSocket is fast in round 0 and slow in rounds 1 and 2;
	// resock plain runs at 0.95, 0.9 and 0.5 of its rate: the median ratio
	// is 0.9, where the ratio of the median rates would be 0.5.
	for round, rates := range [][2]float64{{1000, 950}, {100, 90}, {200, 100}} {
		r.Throughput = append(r.Throughput,
			throughputRun{Client: "websocket", Send: k.Send, Receive: k.Receive, Size: 16, Round: round, Messages: 1, PerSecond: rates[0]},
			throughputRun{Client: "resock-plain", Send: k.Send, Receive: k.Receive, Size: 16, Round: round, Messages: 1, PerSecond: rates[1]})
	}
	r.summarize()
	var plain throughputSummary
	for _, s := range r.Summary.Throughput {
		if s.Client == "resock-plain" {
			plain = s
		}
	}
	if plain.Ratio != 0.9 || plain.PerSecond != 100 || plain.Rounds != 3 {
		t.Errorf("resock plain: ratio %v, %v/s over %d rounds; want 0.9, 100/s over 3", plain.Ratio, plain.PerSecond, plain.Rounds)
	}
	var missed []targetCheck
	for _, c := range r.Summary.Targets {
		if !c.Met {
			missed = append(missed, c)
		}
	}
	if len(missed) != 1 || missed[0].Client != "resock-plain" || missed[0].Target != 0.95 {
		t.Errorf("targets missed: %+v, want resock plain's 0.95×", missed)
	}
}
