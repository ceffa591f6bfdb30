// Package precompressed serves a file in the content coding a request
// accepts, from copies compressed ahead of time: brotli when the client
// accepts it, then gzip, then the file as it is. demo.Static (resock's
// files on disk, which a build replaces) and package web (the same files
// compiled into a program) both serve through it, so that they answer
// alike: one table of content types, one ETag per coding made from a digest
// of the content, and versioned URLs answered as immutable.
package precompressed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// The codings a File is served in, in the order Serve prefers them.
const (
	Brotli   = "br"
	Gzip     = "gzip"
	Identity = ""
)

// preferred is the order Serve tries the codings in: brotli packs Go's
// wasm about a fifth smaller than gzip.
var preferred = []string{Brotli, Gzip, Identity}

// A File is a file as Serve sends it.
type File struct {
	// Name is the file's name; its extension gives the Content-Type.
	Name string
	// Version is a digest of the file's content (see Version). Each
	// coding's ETag is made from it, and a request whose query has v set
	// to it is answered as immutable.
	Version string
	// ModTime is sent as Last-Modified unless it is zero.
	ModTime time.Time
	// Open returns the content in coding: Brotli, Gzip or Identity. An
	// error that is fs.ErrNotExist says there is no copy in that coding,
	// and the next one is tried; Identity must be there.
	Open func(coding string) (io.ReadSeekCloser, error)
}

// Immutable is the Cache-Control of a file named by its version: kept for
// a year without asking again. A new build has a new version, so a page
// that names its files by version never gets an old resock.wasm beside a
// new resock.js.
const Immutable = "public, max-age=31536000, immutable"

// Serve sends f in the coding preferred among those the request accepts
// and f has, with its Content-Type and Vary: Accept-Encoding. It is sent
// with an ETag for the coding, as each is a different body, and with
// Cache-Control: no-cache, so that the browser revalidates its copy
// exactly and keeps it, and the code it compiled from it, when nothing
// changed; or as Immutable when the query's v is f's version.
func Serve(w http.ResponseWriter, r *http.Request, f File) {
	h := w.Header()
	SetContentType(h, f.Name)
	h.Add("Vary", "Accept-Encoding")
	if v := r.URL.Query().Get("v"); v != "" && v == f.Version {
		h.Set("Cache-Control", Immutable)
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	ae := r.Header.Get("Accept-Encoding")
	for _, coding := range preferred {
		if coding != Identity && !Accepts(ae, coding) {
			continue
		}
		body, err := f.Open(coding)
		if errors.Is(err, fs.ErrNotExist) && coding != Identity {
			continue
		}
		if err != nil {
			h.Del("Cache-Control")
			if errors.Is(err, fs.ErrNotExist) {
				http.NotFound(w, r)
			} else {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
			return
		}
		defer body.Close()
		if coding == Identity {
			h.Set("ETag", `"`+f.Version+`"`)
		} else {
			h.Set("Content-Encoding", coding)
			h.Set("ETag", `"`+f.Version+"-"+coding+`"`)
		}
		http.ServeContent(w, r, "", f.ModTime, body)
		return
	}
}

// Version returns the version of a file whose content is b: the first 64
// bits of its SHA-256, in hex.
func Version(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// ReadVersion returns the Version of the content r reads, without holding
// it all.
func ReadVersion(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// Bytes returns b as a body for File.Open.
func Bytes(b []byte) io.ReadSeekCloser {
	return nopCloser{bytes.NewReader(b)}
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// contentTypes overrides the system MIME table, which may map .ts to
// video/mp2t or lack .wasm and .mjs.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".ts":   "text/plain; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".wasm": "application/wasm",
}

// SetContentType sets the Content-Type of the file name in h, when the
// table above knows its extension.
func SetContentType(h http.Header, name string) {
	if ct, ok := contentTypes[path.Ext(name)]; ok {
		h.Set("Content-Type", ct)
	}
}

// Accepts reports whether an Accept-Encoding header allows coding: named
// (or, for gzip, matched by "*") with a non-zero quality.
func Accepts(header, coding string) bool {
	codingQ, starQ := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				} else {
					q = 0
				}
			}
		}
		switch c := strings.ToLower(strings.TrimSpace(name)); {
		case c == coding || (coding == Gzip && c == "x-gzip"):
			codingQ = q
		case c == "*":
			starQ = q
		}
	}
	if codingQ >= 0 {
		return codingQ > 0
	}
	// "*" stands for gzip; brotli only when named, to be safe with old
	// clients.
	return coding == Gzip && starQ > 0
}
