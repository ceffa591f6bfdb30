package wasmbuild

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// MaxGap is the longest run of zeros PackData writes out to join two data
// segments. Go's linker starts a new segment after every run of zeros
// longer than a segment's few bytes of header, which is the smallest file
// uncompressed; but resock.wasm is served compressed, and there the headers
// cost far more than zeros: tens of thousands of them, each with an offset
// gzip cannot predict. Joining segments across gaps of up to a page leaves
// a handful of segments and makes the gzip file about 11 % smaller, for
// about 17 % more raw bytes.
const MaxGap = 4096

const (
	sectionImport    = 2
	sectionData      = 11
	sectionDataCount = 12
	opI32Const       = 0x41
	opEnd            = 0x0b
)

// segment is an active data segment of memory 0.
type segment struct {
	offset int
	data   []byte
}

// PackData returns module with its data segments joined wherever no more
// than maxGap bytes lie between the end of one and the start of the next.
// The gaps are filled with zeros, which is what memory holds there anyway
// before the segments are written, so the memory the module starts with is
// the same byte for byte. It supports what Go's linker writes: active
// segments of memory 0 at constant offsets that do not overlap, in a
// module that defines its memory rather than importing it (an imported
// memory need not hold zeros).
func PackData(module []byte, maxGap int) ([]byte, error) {
	secs, err := sections(module)
	if err != nil {
		return nil, err
	}
	var data []byte
	count := 0
	for _, sec := range secs {
		switch sec.id {
		case sectionImport:
			imported, err := importsMemory(sec.body)
			if err != nil {
				return nil, fmt.Errorf("import section: %w", err)
			}
			if imported {
				return nil, errors.New("the module imports its memory, which may not start as zeros")
			}
		case sectionData:
			segs, err := readSegments(sec.body)
			if err != nil {
				return nil, fmt.Errorf("data section: %w", err)
			}
			if segs, err = join(segs, maxGap); err != nil {
				return nil, fmt.Errorf("data section: %w", err)
			}
			count = len(segs)
			data = appendSegments(nil, segs)
		}
	}
	out := append([]byte(nil), module[:8]...)
	for _, sec := range secs {
		switch sec.id {
		case sectionData:
			out = appendSection(out, sectionData, data)
		case sectionDataCount:
			// It comes before the data section and must agree with it.
			out = appendSection(out, sectionDataCount, binary.AppendUvarint(nil, uint64(count)))
		default:
			out = append(out, sec.raw...)
		}
	}
	return out, nil
}

// section is one section of a module: its id, its body, and all its bytes.
type section struct {
	id        byte
	body, raw []byte
}

// sections splits a module into its sections.
func sections(module []byte) ([]section, error) {
	if len(module) < 8 || !bytes.Equal(module[:8], []byte("\x00asm\x01\x00\x00\x00")) {
		return nil, errors.New("not a WebAssembly module of version 1")
	}
	var secs []section
	r := reader{b: module, i: 8}
	for r.i < len(module) {
		start := r.i
		id := r.byte()
		size := r.uvarint()
		if r.err == nil && size > uint64(len(module)-r.i) {
			r.err = errors.New("section runs past the end")
		}
		if r.err != nil {
			return nil, fmt.Errorf("section at byte %d: %w", start, r.err)
		}
		end := r.i + int(size)
		secs = append(secs, section{id: id, body: module[r.i:end], raw: module[start:end]})
		r.i = end
	}
	return secs, nil
}

// importsMemory reports whether an import section imports a memory.
func importsMemory(body []byte) (bool, error) {
	r := reader{b: body}
	n := r.uvarint()
	for k := uint64(0); k < n && r.err == nil; k++ {
		r.skipName() // module
		r.skipName() // field
		switch kind := r.byte(); kind {
		case 0: // function: a type index
			r.uvarint()
		case 1: // table: a reference type and limits
			r.byte()
			r.skipLimits()
		case 2: // memory
			return true, r.err
		case 3: // global: a value type and mutability
			r.byte()
			r.byte()
		case 4: // tag: an attribute and a type index
			r.byte()
			r.uvarint()
		default:
			if r.err == nil {
				r.err = fmt.Errorf("import %d: unknown kind %d", k, kind)
			}
		}
	}
	return false, r.err
}

// readSegments reads the segments of a data section.
func readSegments(body []byte) ([]segment, error) {
	r := reader{b: body}
	n := r.uvarint()
	if r.err == nil && n > uint64(len(body)) {
		r.err = errors.New("impossible segment count")
	}
	segs := make([]segment, 0, n)
	for k := uint64(0); k < n && r.err == nil; k++ {
		if kind := r.uvarint(); r.err == nil && kind != 0 {
			return nil, fmt.Errorf("segment %d: kind %d, not an active segment of memory 0", k, kind)
		}
		if op := r.byte(); r.err == nil && op != opI32Const {
			return nil, fmt.Errorf("segment %d: offset is not an i32.const", k)
		}
		offset := r.varint32()
		if op := r.byte(); r.err == nil && op != opEnd {
			return nil, fmt.Errorf("segment %d: offset expression is not a single constant", k)
		}
		size := r.uvarint()
		if r.err == nil && size > uint64(len(body)-r.i) {
			r.err = errors.New("runs past the end of the section")
		}
		if r.err != nil {
			return nil, fmt.Errorf("segment %d: %w", k, r.err)
		}
		if offset < 0 {
			return nil, fmt.Errorf("segment %d: negative offset %d", k, offset)
		}
		segs = append(segs, segment{offset: int(offset), data: body[r.i : r.i+int(size)]})
		r.i += int(size)
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.i != len(body) {
		return nil, fmt.Errorf("%d bytes after the last segment", len(body)-r.i)
	}
	return segs, nil
}

// join sorts segs by offset and joins neighbours at most maxGap apart.
// Overlapping segments are refused: the order they are written in would
// matter, and Go's linker writes none.
func join(segs []segment, maxGap int) ([]segment, error) {
	segs = slices.Clone(segs)
	slices.SortStableFunc(segs, func(a, b segment) int { return a.offset - b.offset })
	var out []segment
	// owned[i] says out[i].data is a copy join may append to.
	var owned []bool
	for _, s := range segs {
		if len(out) > 0 {
			last := &out[len(out)-1]
			end := last.offset + len(last.data)
			gap := s.offset - end
			if gap < 0 {
				return nil, fmt.Errorf("segments at %d and %d overlap", last.offset, s.offset)
			}
			if gap <= maxGap {
				if !owned[len(out)-1] {
					// The first join copies: data is still the module's.
					last.data = slices.Clip(slices.Clone(last.data))
					owned[len(out)-1] = true
				}
				last.data = append(last.data, make([]byte, gap)...)
				last.data = append(last.data, s.data...)
				continue
			}
		}
		out = append(out, s)
		owned = append(owned, false)
	}
	return out, nil
}

func appendSegments(b []byte, segs []segment) []byte {
	b = binary.AppendUvarint(b, uint64(len(segs)))
	for _, s := range segs {
		b = append(b, 0, opI32Const)
		b = appendVarint(b, int64(s.offset))
		b = append(b, opEnd)
		b = binary.AppendUvarint(b, uint64(len(s.data)))
		b = append(b, s.data...)
	}
	return b
}

func appendSection(b []byte, id byte, body []byte) []byte {
	b = append(b, id)
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...)
}

// appendVarint appends v as signed LEB128, as WebAssembly writes an
// i32.const.
func appendVarint(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// reader reads LEB128 numbers and bytes, keeping the first error.
type reader struct {
	b   []byte
	i   int
	err error
}

var errShort = errors.New("unexpected end")

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.i >= len(r.b) {
		r.err = errShort
		return 0
	}
	r.i++
	return r.b[r.i-1]
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.i:])
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.i += n
	return v
}

// skipName skips a name: a length and that many bytes.
func (r *reader) skipName() {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)-r.i) {
		r.err = errShort
		return
	}
	r.i += int(n)
}

// skipLimits skips a table's or memory's limits: flags, a minimum and,
// with flag bit 0, a maximum.
func (r *reader) skipLimits() {
	flags := r.byte()
	r.uvarint()
	if flags&1 != 0 {
		r.uvarint()
	}
}

// varint32 reads a signed LEB128 number of at most 5 bytes.
func (r *reader) varint32() int64 {
	var v int64
	var shift uint
	for k := 0; k < 5; k++ {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if c&0x40 != 0 {
				v -= 1 << shift
			}
			return int64(int32(v))
		}
	}
	r.err = errors.New("i32 longer than 5 bytes")
	return 0
}
