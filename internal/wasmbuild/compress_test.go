package wasmbuild

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// samples are contents of the kinds the build compresses, and the edges:
// nothing, one byte, text, bytes that do not compress, and long runs of
// zeros between data as in a packed module.
func samples() map[string][]byte {
	rng := rand.New(rand.NewPCG(3, 4))
	noise := make([]byte, 16_000)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	module := []byte("\x00asm\x01\x00\x00\x00")
	for range 30 {
		at := rng.IntN(len(noise) - 300)
		module = append(module, noise[at:at+1+rng.IntN(300)]...)
		module = append(module, make([]byte, rng.IntN(5000))...)
	}
	return map[string][]byte{
		"empty.js":    nil,
		"one.js":      []byte("x"),
		"resock.js":   []byte(strings.Repeat("export class ReconnectingWebSocket extends EventTarget {}\n", 300)),
		"noise.wasm":  noise,
		"module.wasm": module,
	}
}

// writeFiles writes files into dir and returns their paths.
func writeFiles(t *testing.T, dir string, files map[string][]byte) []string {
	t.Helper()
	var paths []string
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func decode(t *testing.T, c Coding, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch c.Name {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("not gzip: %v", err)
		}
		if zr.Name != "" || zr.Comment != "" || !zr.ModTime.IsZero() {
			t.Errorf("gzip header holds name %q, comment %q, time %v", zr.Name, zr.Comment, zr.ModTime)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	default:
		t.Fatalf("unknown coding %q", c.Name)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("bad %s: %v", c.Name, err)
	}
	return out
}

func TestCompressWritesCopiesThatDecodeToTheFile(t *testing.T) {
	dir := t.TempDir()
	files := samples()
	if err := Compress(writeFiles(t, dir, files), Brotli, Gzip); err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		for _, c := range []Coding{Brotli, Gzip} {
			b, err := os.ReadFile(filepath.Join(dir, name+c.Ext))
			if err != nil {
				t.Fatal(err)
			}
			if got := decode(t, c, b); !bytes.Equal(got, want) {
				t.Errorf("%s%s decodes to %d bytes that are not the %d of %s", name, c.Ext, len(got), len(want), name)
			}
		}
	}
	for name := range map[string]bool{"resock.js": true, "module.wasm": true} {
		br, _ := os.ReadFile(filepath.Join(dir, name+".br"))
		gz, _ := os.ReadFile(filepath.Join(dir, name+".gz"))
		if len(br) >= len(files[name]) || len(gz) >= len(files[name]) {
			t.Errorf("%s: %d bytes, brotli %d, gzip %d", name, len(files[name]), len(br), len(gz))
		}
	}
	// Nothing else is left in the directory: no temporary files.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3*len(files) {
		t.Errorf("%d files in the directory, want %d", len(entries), 3*len(files))
	}
}

// The copies depend on the content alone: not on the file's name, its
// time, or what was there before.
func TestCompressIsDeterministic(t *testing.T) {
	files := samples()
	a, b := t.TempDir(), t.TempDir()
	pathsA := writeFiles(t, a, files)
	pathsB := writeFiles(t, b, files)
	long := time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC)
	for _, p := range pathsB {
		if err := os.Chtimes(p, long, long); err != nil {
			t.Fatal(err)
		}
	}
	if err := Compress(pathsA, Brotli, Gzip); err != nil {
		t.Fatal(err)
	}
	if err := Compress(pathsB, Gzip, Brotli); err != nil {
		t.Fatal(err)
	}
	for name := range files {
		for _, ext := range []string{".br", ".gz"} {
			x, _ := os.ReadFile(filepath.Join(a, name+ext))
			y, _ := os.ReadFile(filepath.Join(b, name+ext))
			if !bytes.Equal(x, y) {
				t.Errorf("%s%s differs between two runs", name, ext)
			}
		}
	}
}

// demo.Static serves a copy only if it is not older than its file.
func TestCompressGivesTheCopiesTheTimeOfTheirFile(t *testing.T) {
	dir := t.TempDir()
	paths := writeFiles(t, dir, map[string][]byte{"past.js": []byte("past"), "future.js": []byte("future")})
	times := map[string]time.Time{
		"past.js":   time.Now().Add(-72 * time.Hour).Round(time.Second).Add(123456789),
		"future.js": time.Now().Add(time.Hour),
	}
	for name, mt := range times {
		if err := os.Chtimes(filepath.Join(dir, name), mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	// Twice: the second run keeps the copies, and still gives them the
	// time of their file.
	for run := range 2 {
		if run == 1 {
			for name := range times {
				times[name] = times[name].Add(time.Minute)
				if err := os.Chtimes(filepath.Join(dir, name), times[name], times[name]); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := Compress(paths, Brotli, Gzip); err != nil {
			t.Fatal(err)
		}
		for name := range times {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			for _, ext := range []string{".br", ".gz"} {
				ci, err := os.Stat(filepath.Join(dir, name+ext))
				if err != nil {
					t.Fatal(err)
				}
				if !ci.ModTime().Equal(fi.ModTime()) {
					t.Errorf("run %d: %s%s modified %v, %s %v", run, name, ext, ci.ModTime(), name, fi.ModTime())
				}
				if ci.Mode().Perm() != 0o644 {
					t.Errorf("run %d: %s%s has mode %v, want 0644", run, name, ext, ci.Mode().Perm())
				}
			}
		}
	}
}

// A copy that decodes to the file is kept as it is (brotli at quality 11
// is slow); any other is replaced.
func TestCompressKeepsOnlyCopiesOfTheFileAsItIs(t *testing.T) {
	dir := t.TempDir()
	content := []byte(strings.Repeat("resock ", 1000))
	path := writeFiles(t, dir, map[string][]byte{"resock.js": content})[0]

	fast := func(b []byte) []byte {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	for _, tt := range []struct {
		name string
		gz   []byte
		kept bool
	}{
		{"the file, made otherwise", fast(content), true},
		{"an older version", fast(content[:len(content)-1]), false},
		{"the file and more", fast(append(bytes.Clone(content), '!')), false},
		{"not gzip", []byte("not gzip"), false},
		{"cut short", fast(content)[:40], false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(path+".gz", tt.gz, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := Compress([]string{path}, Gzip); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path + ".gz")
			if err != nil {
				t.Fatal(err)
			}
			if kept := bytes.Equal(got, tt.gz); kept != tt.kept {
				t.Errorf("kept %v, want %v", kept, tt.kept)
			}
			if !bytes.Equal(decode(t, Gzip, got), content) {
				t.Error("resock.js.gz does not decode to resock.js")
			}
		})
	}
}

func TestCompressReportsAMissingFile(t *testing.T) {
	dir := t.TempDir()
	err := Compress([]string{filepath.Join(dir, "missing.js")}, Gzip)
	if err == nil || !strings.Contains(err.Error(), "failed to compress") {
		t.Fatalf("Compress of a missing file: %v", err)
	}
}

// windowBits reads the window size (WBITS, RFC 7932 section 9.1) from the
// start of a brotli stream; large is set for large-window brotli, which
// browsers refuse.
func windowBits(t *testing.T, b []byte) (bits int, large bool) {
	t.Helper()
	if len(b) == 0 {
		t.Fatal("empty brotli stream")
	}
	// The header is read least significant bit first.
	v := uint(b[0])
	if len(b) > 1 {
		v |= uint(b[1]) << 8
	}
	if v&1 == 0 {
		return 16, false
	}
	if n := v >> 1 & 7; n != 0 {
		return 17 + int(n), false
	}
	switch m := v >> 4 & 7; m {
	case 0:
		return 17, false
	case 1:
		return 0, true
	default:
		return 8 + int(m), false
	}
}

func TestBrotliWindowHoldsTheFileWithinStandardBrotli(t *testing.T) {
	for _, tt := range []struct{ size, want int }{
		{0, 10}, {1008, 10}, {1009, 11}, {65520, 16}, {65521, 17},
		{4_040_840, 22}, {1<<22 - 16, 22}, {1<<22 - 15, 23}, {1<<24 - 16, 24}, {100 << 20, 24},
	} {
		if got := brotliWindow(tt.size); got != tt.want {
			t.Errorf("brotliWindow(%d) = %d, want %d", tt.size, got, tt.want)
		}
	}
	// The window chosen is the one the stream declares.
	for _, size := range []int{100, 5000, 70_000} {
		var buf bytes.Buffer
		if err := encodeBrotli(&buf, bytes.Repeat([]byte("resock."), size/7+1)[:size]); err != nil {
			t.Fatal(err)
		}
		bits, large := windowBits(t, buf.Bytes())
		if large || bits != brotliWindow(size) {
			t.Errorf("%d bytes: stream declares window %d (large %v), want %d", size, bits, large, brotliWindow(size))
		}
	}
}
