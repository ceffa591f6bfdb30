//go:build !js

package e2e

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resock/resock/demo"
	"github.com/resock/resock/server"
)

// confServer is the server of the conformance suite: the harness pages and
// resock's files, the resock server's Echo at /e2e/conf/echo, and at
// /e2e/conf/raw a WebSocket server written frame by frame (rawWS) for what a
// WebSocket library will not do on purpose. The endpoints sit beside the
// page, so that a relative URL such as "conf/echo" reaches one.
//
// The same is served on more ports, one per case (addHosts): a browser
// lets only one WebSocket per host and port be in CONNECTING at a time
// (RFC 6455, 4.1), so cases sharing one port would wait for each other's
// handshakes, a server that never answers would hold every other case
// back, and resock's connectTimeout would end attempts that merely waited.
type confServer struct {
	handler http.Handler
	http    *httptest.Server
	more    []*httptest.Server
	echo    *server.Server
	raw     *rawWS
	// closedURL is a ws: URL of a port nobody listens on.
	closedURL string
}

// startConfServer starts a confServer on 127.0.0.1; it stops when the test
// ends.
func startConfServer(t *testing.T) *confServer {
	t.Helper()
	s := &confServer{
		// The page is served from one port and the cases connect to others.
		echo: server.New(server.Options{
			Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
			OriginPatterns: []string{"127.0.0.1:*"},
		}),
		raw: &rawWS{conns: map[net.Conn]struct{}{}},
	}
	mux := http.NewServeMux()
	mux.Handle("/e2e/conf/echo", s.echo.Handler(server.Echo))
	mux.Handle("/e2e/conf/raw", s.raw)
	mux.Handle("/", demo.Static(demoDir, assetsDir))
	s.handler = mux
	s.http = httptest.NewServer(mux)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("failed to find a closed port: %v", err)
	}
	s.closedURL = "ws://" + ln.Addr().String() + "/"
	ln.Close()

	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.echo.Shutdown(ctx); err != nil && !errors.Is(err, server.ErrServerClosed) {
			t.Errorf("failed to shut the echo server down: %v", err)
		}
		s.raw.closeAll()
		for _, h := range append(s.more, s.http) {
			h.CloseClientConnections()
			h.Close()
		}
	})
	return s
}

func (s *confServer) url(path string) string { return s.http.URL + path }

// addHosts serves on n more ports and returns their host:port.
func (s *confServer) addHosts(n int) []string {
	hosts := make([]string, n)
	for i := range hosts {
		h := httptest.NewServer(s.handler)
		s.more = append(s.more, h)
		hosts[i] = h.Listener.Addr().String()
	}
	return hosts
}

// rawWS is a WebSocket server written by hand. Its handshake is scripted
// by the query of the request:
//
//	protocol=P    answer with the subprotocol P, offered or not; "first"
//	              selects the first one the client offered;
//	extensions=E  answer with the extensions E (no frame is compressed:
//	              for cases that only open and close);
//	hold          never answer the handshake.
//
// Once open it echoes every frame as it came, answers a ping with a pong,
// and answers a close frame with a close frame of exactly the same payload
// (so a close without a status code gets one without a status code back),
// then closes the TCP connection. A text message that starts with "!" is a
// command instead:
//
//	!close CODE REASON  start the closing handshake with CODE and REASON;
//	                    CODE "none" sends a close frame without a payload;
//	!drop               close the TCP connection without a close frame;
//	!frame HEX          write HEX, the bytes of a frame of one's choosing
//	                    (an invalid one, say).
type rawWS struct {
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// acceptGUID is the GUID of RFC 6455's handshake.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

func (s *rawWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	s.conns[conn] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		conn.Close()
		s.mu.Lock()
		delete(s.conns, conn)
		s.mu.Unlock()
		s.wg.Done()
	}()
	// No case needs a connection for long: this bounds a forgotten one.
	conn.SetDeadline(time.Now().Add(30 * time.Second))

	q := r.URL.Query()
	if q.Has("hold") {
		// Until the client gives up.
		_, _ = io.Copy(io.Discard, brw)
		return
	}
	sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + acceptGUID))
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n"
	if e := q.Get("extensions"); e != "" {
		resp += "Sec-WebSocket-Extensions: " + e + "\r\n"
	}
	if p := q.Get("protocol"); p != "" {
		if p == "first" {
			p, _, _ = strings.Cut(r.Header.Get("Sec-WebSocket-Protocol"), ",")
		}
		resp += "Sec-WebSocket-Protocol: " + strings.TrimSpace(p) + "\r\n"
	}
	if _, err := brw.WriteString(resp + "\r\n"); err != nil || brw.Flush() != nil {
		return
	}
	s.serve(brw)
}

// serve runs an open connection until it ends.
func (s *rawWS) serve(brw *bufio.ReadWriter) {
	closing := false
	for {
		f, err := readFrame(brw.Reader)
		if err != nil {
			return
		}
		var out []byte
		switch f.opcode {
		case 0x8:
			if closing {
				// The client answered the server's close: the handshake is
				// done, and the server closes the TCP connection first.
				return
			}
			writeFrame(brw, true, 0x8, f.payload)
			return
		case 0x9:
			out = frame(true, 0xA, f.payload)
		case 0xA:
			continue
		case 0x1:
			if cmd, ok := strings.CutPrefix(string(f.payload), "!"); ok && f.fin {
				name, arg, _ := strings.Cut(cmd, " ")
				switch name {
				case "close":
					code, reason, _ := strings.Cut(arg, " ")
					var p []byte
					if code != "none" {
						n, _ := strconv.Atoi(code)
						p = binary.BigEndian.AppendUint16(nil, uint16(n))
						p = append(p, reason...)
					}
					out = frame(true, 0x8, p)
					closing = true
				case "drop":
					return
				case "frame":
					out = make([]byte, len(arg)/2)
					for i := range out {
						b, _ := strconv.ParseUint(arg[2*i:2*i+2], 16, 8)
						out[i] = byte(b)
					}
				}
				break
			}
			out = frame(f.fin, f.opcode, f.payload)
		default:
			out = frame(f.fin, f.opcode, f.payload)
		}
		if _, err := brw.Write(out); err != nil || brw.Flush() != nil {
			return
		}
	}
}

// closeAll ends every connection and waits for their handlers.
func (s *rawWS) closeAll() {
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// rawFrame is a frame the client sent, unmasked.
type rawFrame struct {
	fin     bool
	opcode  byte
	payload []byte
}

func readFrame(r *bufio.Reader) (rawFrame, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return rawFrame{}, err
	}
	f := rawFrame{fin: h[0]&0x80 != 0, opcode: h[0] & 0x0F}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return rawFrame{}, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return rawFrame{}, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > 1<<20 {
		return rawFrame{}, fmt.Errorf("frame of %d bytes", n)
	}
	var mask [4]byte
	masked := h[1]&0x80 != 0
	if masked {
		if _, err := io.ReadFull(r, mask[:]); err != nil {
			return rawFrame{}, err
		}
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return rawFrame{}, err
	}
	if masked {
		for i := range f.payload {
			f.payload[i] ^= mask[i%4]
		}
	}
	return f, nil
}

// frame encodes a server frame: never masked.
func frame(fin bool, opcode byte, payload []byte) []byte {
	b := []byte{opcode}
	if fin {
		b[0] |= 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n <= 0xFFFF:
		b = append(b, 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

func writeFrame(brw *bufio.ReadWriter, fin bool, opcode byte, payload []byte) {
	if _, err := brw.Write(frame(fin, opcode, payload)); err == nil {
		_ = brw.Flush()
	}
}
