package wasmbuild

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

// module is a WebAssembly module of the given sections, each an id and a
// body.
func module(sections ...any) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	for i := 0; i < len(sections); i += 2 {
		b = appendSection(b, sections[i].(byte), sections[i+1].([]byte))
	}
	return b
}

// image is the memory the segments of module's data section write, and the
// module's other sections in order.
func image(t *testing.T, module []byte) (mem []byte, segments int, others [][]byte) {
	t.Helper()
	secs, err := sections(module)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range secs {
		if sec.id != sectionData {
			others = append(others, sec.raw)
			continue
		}
		segs, err := readSegments(sec.body)
		if err != nil {
			t.Fatal(err)
		}
		segments = len(segs)
		for _, s := range segs {
			if end := s.offset + len(s.data); end > len(mem) {
				mem = append(mem, make([]byte, end-len(mem))...)
			}
			copy(mem[s.offset:], s.data)
		}
	}
	return mem, segments, others
}

func TestPackDataKeepsTheMemoryAndOtherSections(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		// Segments at random gaps (from 0, which Go's linker does not
		// write, to past any maxGap), in shuffled order.
		var segs []segment
		offset := rng.IntN(70000)
		for range 1 + rng.IntN(40) {
			data := make([]byte, 1+rng.IntN(30))
			for i := range data {
				data[i] = byte(1 + rng.IntN(255))
			}
			segs = append(segs, segment{offset: offset, data: data})
			offset += len(data) + []int{0, 1, 7, 18, 100, 5000}[rng.IntN(6)]
		}
		rng.Shuffle(len(segs), func(i, j int) { segs[i], segs[j] = segs[j], segs[i] })
		custom := append(binary.AppendUvarint(nil, 4), "name\x01\x02"...)
		in := module(byte(0), custom, byte(sectionDataCount), binary.AppendUvarint(nil, uint64(len(segs))),
			byte(sectionData), appendSegments(nil, segs), byte(0), custom)
		maxGap := []int{0, 18, MaxGap}[round%3]

		original := bytes.Clone(in)
		out, err := PackData(in, maxGap)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(in, original) {
			t.Fatalf("round %d: PackData changed its input", round)
		}
		memIn, _, othersIn := image(t, in)
		memOut, n, othersOut := image(t, out)
		if !bytes.Equal(memIn, memOut) {
			t.Fatalf("round %d: packed segments write other memory", round)
		}
		// Every gap left is longer than maxGap, and every shorter one was
		// joined: the count is the number of long gaps plus one.
		want := 1
		sorted, _ := join(segs, -1)
		for i := 1; i < len(sorted); i++ {
			if sorted[i].offset-(sorted[i-1].offset+len(sorted[i-1].data)) > maxGap {
				want++
			}
		}
		if n != want {
			t.Errorf("round %d, maxGap %d: %d segments, want %d", round, maxGap, n, want)
		}
		if len(othersIn) != len(othersOut) || !bytes.Equal(othersIn[0], othersOut[0]) || !bytes.Equal(othersIn[2], othersOut[2]) {
			t.Fatalf("round %d: custom sections changed", round)
		}
		if count := othersOut[1][2:]; !bytes.Equal(count, binary.AppendUvarint(nil, uint64(n))) {
			t.Errorf("round %d: data count section says %v, want %d", round, count, n)
		}
	}
}

func TestPackDataRefusesWhatItCannotKeep(t *testing.T) {
	seg := func(offset int, data string) []byte {
		return appendSegments(nil, []segment{{offset: offset, data: []byte(data)}})[1:]
	}
	section := func(segs ...[]byte) []byte {
		return append(binary.AppendUvarint(nil, uint64(len(segs))), bytes.Join(segs, nil)...)
	}
	tests := []struct {
		name   string
		module []byte
		want   string
	}{
		{"not wasm", []byte("\x7fELF\x02\x01\x01\x00"), "not a WebAssembly module"},
		{"another version", []byte("\x00asm\x0d\x00\x01\x00"), "not a WebAssembly module"},
		// An import of function 0 from "go"."f", then memory "go"."mem".
		{"imported memory", module(byte(sectionImport), []byte("\x02\x02go\x01f\x00\x00\x02go\x03mem\x02\x00\x01"),
			byte(sectionData), section(seg(8, "x"), seg(12, "y"))), "imports its memory"},
		{"overlapping segments", module(byte(sectionData), section(seg(100, "abcd"), seg(102, "xy"))), "overlap"},
		{"passive segment", module(byte(sectionData), section([]byte{1, 2, 'h', 'i'})), "kind 1"},
		{"offset past 2 GiB", module(byte(sectionData), section([]byte{0, opI32Const, 0x7f, opEnd, 1, 'x'})), "negative offset"},
		{"offset from a global", module(byte(sectionData), section([]byte{0, 0x23, 0, opEnd, 1, 'x'})), "not an i32.const"},
		{"segment past the section", module(byte(sectionData), section([]byte{0, opI32Const, 8, opEnd, 9, 'x'})), "past the end"},
		{"section past the module", append(module(), sectionData, 50, 1), "past the end"},
		{"bytes after the last segment", module(byte(sectionData), append(section(seg(8, "x")), 0)), "after the last segment"},
	}
	// What Go imports, functions, and a table and a global besides, are no
	// reason to refuse.
	imports := module(byte(sectionImport), []byte("\x03\x02go\x01f\x00\x00\x02go\x01t\x01\x70\x01\x01\x02\x02go\x01g\x03\x7f\x00"),
		byte(sectionData), section(seg(8, "x"), seg(12, "y")))
	if _, err := PackData(imports, MaxGap); err != nil {
		t.Errorf("PackData of a module that imports no memory: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PackData(tt.module, MaxGap)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("PackData: %v, want an error that says %q", err, tt.want)
			}
		})
	}
}

// TestPackDataWritesOffsetsAsWebAssemblyDoes packs segments written out by
// hand, so that the offsets are read and written as the WebAssembly binary
// format encodes an i32.const (signed LEB128), not merely as PackData's own
// reader and writer agree: 64 takes two bytes, its seventh bit being the
// sign, and 8191 and 8192 two and three.
func TestPackDataWritesOffsetsAsWebAssemblyDoes(t *testing.T) {
	in := module(byte(sectionData), []byte{
		3,
		0, opI32Const, 0xc0, 0x00, opEnd, 1, 'a', // 64
		0, opI32Const, 0xff, 0x3f, opEnd, 1, 'b', // 8191
		0, opI32Const, 0x80, 0xc0, 0x00, opEnd, 1, 'c', // 8192
	})
	out, err := PackData(in, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := module(byte(sectionData), []byte{
		2,
		0, opI32Const, 0xc0, 0x00, opEnd, 1, 'a',
		0, opI32Const, 0xff, 0x3f, opEnd, 2, 'b', 'c',
	})
	if !bytes.Equal(out, want) {
		t.Errorf("PackData wrote\n%x\nwant\n%x", out, want)
	}
}
