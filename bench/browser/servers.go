package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/resock/resock/demo"
	"github.com/resock/resock/server"
)

// staticServer serves the benchmark page, resock (the shipped build at "/",
// the build with the heap hook under /hook/) and the JavaScript libraries
// from node_modules. It never restarts, so the page stays loaded while the
// echo server does.
type staticServer struct {
	http *http.Server
	url  string
}

// jsLibrary is a JavaScript alternative as the page imports it: its ES
// module build, served as is from node_modules.
type jsLibrary struct {
	client string // the page's name for it
	route  string
	file   string // relative to node_modules
}

var jsLibraries = []jsLibrary{
	{"partysocket", "/lib/partysocket.js", "partysocket/dist/ws.js"},
	{"rws", "/lib/reconnecting-websocket.js", "reconnecting-websocket/dist/reconnecting-websocket-mjs.js"},
}

func startStatic(pageDir, jsglueDir, hookDir, nodeModules string) (*staticServer, error) {
	mux := http.NewServeMux()
	mux.Handle("/", demo.Static(pageDir, jsglueDir))
	mux.Handle("/hook/", http.StripPrefix("/hook", demo.Static(pageDir, hookDir)))
	for _, lib := range jsLibraries {
		h, err := newCompressedFile(filepath.Join(nodeModules, lib.file))
		if err != nil {
			return nil, err
		}
		mux.Handle("GET "+lib.route, h)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("failed to listen: %w", err)
	}
	s := &staticServer{
		http: &http.Server{Handler: isolated(mux), ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog()},
		url:  "http://" + ln.Addr().String(),
	}
	go s.http.Serve(ln)
	return s, nil
}

func (s *staticServer) close() { _ = s.http.Close() }

// isolated makes the page cross-origin isolated: only then does Chromium
// give performance.now() 5 µs resolution instead of 100 µs, which matters
// for round trips of a few hundred µs.
func isolated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		h.ServeHTTP(w, r)
	})
}

// compressedFile serves a JavaScript file gzip-compressed when the request
// accepts it, as any production server would.
type compressedFile struct {
	raw, gz []byte
}

func newCompressedFile(name string) (*compressedFile, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s (run npm ci in bench/): %w", name, err)
	}
	gz, err := gzipBytes(raw)
	if err != nil {
		return nil, fmt.Errorf("failed to compress %s: %w", name, err)
	}
	return &compressedFile{raw: raw, gz: gz}, nil
}

func (f *compressedFile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Add("Vary", "Accept-Encoding")
	body := f.raw
	if bytes.Contains([]byte(r.Header.Get("Accept-Encoding")), []byte("gzip")) {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	_, _ = w.Write(body)
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// echoServer is the resock server with Echo at /echo, on a port that stays
// the same across stop and start, as a restarted process's would. It counts
// the bytes its connections carry, both ways, for the protocol overhead.
type echoServer struct {
	addr     string
	rx, tx   atomic.Int64
	srv      *server.Server
	http     *http.Server
	served   chan error
	listenAt time.Time
	window   int // resume mode's window; 0 for the default
}

func newEchoServer() *echoServer { return &echoServer{addr: "127.0.0.1:0"} }

// start listens and serves; it returns once the port accepts connections.
func (e *echoServer) start() error {
	ln, err := listen(e.addr)
	if err != nil {
		return fmt.Errorf("failed to listen on %s: %w", e.addr, err)
	}
	e.listenAt = time.Now()
	e.addr = ln.Addr().String()
	e.srv = server.New(server.Options{
		MaxUnackedBytes: e.window,
		OriginPatterns:  []string{"127.0.0.1:*"},
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	mux := http.NewServeMux()
	mux.Handle("GET /echo", e.srv.Handler(server.Echo))
	e.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog()}
	e.served = make(chan error, 1)
	go func(h *http.Server, ln net.Listener, served chan<- error) {
		served <- h.Serve(ln)
	}(e.http, &countingListener{Listener: ln, rx: &e.rx, tx: &e.tx}, e.served)
	return nil
}

// stop closes every client with 1012 (service restart) and releases the
// port, as the demo server does on SIGTERM.
func (e *echoServer) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	httpDone := make(chan error, 1)
	go func() { httpDone <- e.http.Shutdown(ctx) }()
	err := e.srv.Shutdown(ctx)
	if herr := <-httpDone; herr != nil {
		err = errors.Join(err, herr, e.http.Close())
	}
	if serr := <-e.served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("failed to stop the echo server: %w", err)
	}
	return nil
}

func (e *echoServer) url() string { return "ws://" + e.addr + "/echo" }

// wireBytes is what the echo server's connections carried so far.
func (e *echoServer) wireBytes() int64 { return e.rx.Load() + e.tx.Load() }

// listen listens on addr, waiting a little while the previous listener on
// that port is still being torn down.
func listen(addr string) (net.Listener, error) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return ln, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// countingListener counts the bytes of every connection it accepts.
type countingListener struct {
	net.Listener
	rx, tx *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, rx: l.rx, tx: l.tx}, nil
}

type countingConn struct {
	net.Conn
	rx, tx *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.rx.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.tx.Add(int64(n))
	return n, err
}
