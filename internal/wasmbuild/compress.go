package wasmbuild

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

// A Coding is a content coding a file is served with. Compress writes the
// file so coded beside it, under its name plus Ext, where demo.Static
// looks for it.
type Coding struct {
	// Name is the Content-Encoding token.
	Name string
	// Ext is appended to the name of the file.
	Ext string

	encode func(w io.Writer, b []byte) error
	decode func(r io.Reader) (io.Reader, error)
}

var (
	// Gzip is gzip at compress/gzip's BestCompression: of the gzip encoders
	// written in Go it makes the smallest resock.wasm (see the README). Its
	// header holds neither a name nor a time, so the same bytes always give
	// the same file.
	Gzip = Coding{Name: "gzip", Ext: ".gz", encode: encodeGzip, decode: decodeGzip}

	// Brotli is brotli at its highest quality, 11, with the smallest window
	// that holds the whole file (see brotliWindow).
	Brotli = Coding{Name: "br", Ext: ".br", encode: encodeBrotli, decode: decodeBrotli}
)

// Compress writes each file in each coding beside it, and gives the copies
// the modification time of the file they were made from: demo.Static
// takes a copy older than its file for stale. The copies are written in
// parallel, the largest files first; each appears whole, by rename.
//
// A copy already there that decodes to the file as it is now is kept as
// it is: resock.wasm comes out of a build byte for byte the same when its
// code did not change, and brotli at quality 11 takes about 17 s of CPU
// for it. make clean removes the copies.
func Compress(files []string, codings ...Coding) error {
	type job struct {
		file    string
		raw     []byte
		modTime time.Time
		coding  Coding
	}
	var jobs []job
	for _, file := range files {
		// The time is taken first: a file changed while it is read then
		// leaves a copy that is older, and so not served.
		fi, err := os.Stat(file)
		if err != nil {
			return fmt.Errorf("failed to compress %s: %w", file, err)
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("failed to compress %s: %w", file, err)
		}
		for _, c := range codings {
			jobs = append(jobs, job{file, raw, fi.ModTime(), c})
		}
	}
	slices.SortStableFunc(jobs, func(a, b job) int { return cmp.Compare(len(b.raw), len(a.raw)) })

	errs := make([]error, len(jobs))
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			if err := j.coding.write(j.file, j.raw, j.modTime); err != nil {
				errs[i] = fmt.Errorf("failed to write %s%s: %w", j.file, j.coding.Ext, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// write writes raw, the content of file, in c beside file with modTime,
// unless a copy that decodes to raw is there already.
func (c Coding) write(file string, raw []byte, modTime time.Time) error {
	name := file + c.Ext
	if c.holds(name, raw) {
		return os.Chtimes(name, time.Time{}, modTime)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	err = c.encode(tmp, raw)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// Read by the server, which may run as another user.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Chtimes(tmp.Name(), time.Time{}, modTime); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// holds reports whether the file name decodes in c to exactly raw.
func (c Coding) holds(name string, raw []byte) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	r, err := c.decode(f)
	if err != nil {
		return false
	}
	// One byte more than raw tells a longer content from raw.
	got, err := io.ReadAll(io.LimitReader(r, int64(len(raw))+1))
	return err == nil && bytes.Equal(got, raw)
}

func encodeGzip(w io.Writer, b []byte) error {
	// The header's name stays empty and its time zero.
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(b); err != nil {
		return err
	}
	return zw.Close()
}

func decodeGzip(r io.Reader) (io.Reader, error) {
	return gzip.NewReader(r)
}

func encodeBrotli(w io.Writer, b []byte) error {
	bw := brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: brotliWindow(len(b))})
	if _, err := bw.Write(b); err != nil {
		return err
	}
	return bw.Close()
}

func decodeBrotli(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }

// brotliWindow returns the base 2 logarithm of the brotli window for a file
// of size bytes: the smallest that holds the whole file, so that no match
// is out of reach and a browser's decoder sets aside no more memory than
// the file needs; at least 10 and at most 24, the bounds of standard
// brotli (browsers do not decode large-window brotli). A window of 2^n
// bytes reaches back 2^n - 16.
func brotliWindow(size int) int {
	n := 10
	for n < 24 && size > 1<<n-16 {
		n++
	}
	return n
}
