package main

import (
	"fmt"
	"strconv"
	"strings"
)

// cell is one kind of message of the throughput matrix: what the page
// sends, and the binaryType it receives the echoes with. Text arrives as a
// string whatever the binaryType, so it has one cell; every binary kind
// has one per binaryType.
type cell struct {
	// Send is "string", "ArrayBuffer", "Uint8Array" or "Blob".
	Send string `json:"send"`
	// Receive is "string" for text, else the binaryType: "arraybuffer" or
	// "blob".
	Receive string `json:"receive"`
}

// textCell is the cell of text messages, the only one before the matrix.
var textCell = cell{"string", "string"}

var (
	sendKinds   = []string{"string", "ArrayBuffer", "Uint8Array", "Blob"}
	binaryTypes = []string{"arraybuffer", "blob"}
)

func (c cell) String() string {
	if c.Send == "string" {
		return "string"
	}
	return c.Send + "/" + c.Receive
}

// matrix is every cell of the kinds in sends and the binaryTypes in
// receives, in the order of sendKinds and binaryTypes.
func matrix(sends, receives string) ([]cell, error) {
	send, err := choose("-send", sends, sendKinds)
	if err != nil {
		return nil, err
	}
	receive, err := choose("-binarytype", receives, binaryTypes)
	if err != nil {
		return nil, err
	}
	var cells []cell
	for _, s := range send {
		if s == "string" {
			cells = append(cells, textCell)
			continue
		}
		for _, r := range receive {
			cells = append(cells, cell{s, r})
		}
	}
	if len(cells) == 0 {
		return nil, fmt.Errorf("-send %s with -binarytype %s makes no cell", sends, receives)
	}
	return cells, nil
}

// choose returns the items of the comma-separated list that are among
// known, in known's order.
func choose(flag, list string, known []string) ([]string, error) {
	want := map[string]bool{}
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		ok := false
		for _, k := range known {
			if strings.EqualFold(s, k) {
				want[k], ok = true, true
			}
		}
		if !ok {
			return nil, fmt.Errorf("%s: unknown %q (known: %s)", flag, s, strings.Join(known, ", "))
		}
	}
	var out []string
	for _, k := range known {
		if want[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// parseSizes reads a comma-separated list of message sizes in bytes.
func parseSizes(list string) ([]int, error) {
	var sizes []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-sizes: %q is not a size in bytes", s)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}
