//go:build !js

package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// fuzzOptions end a session as soon as its client is gone, so that every
// input leaves the server idle again at once.
func fuzzOptions() Options {
	return Options{
		Logger:           quietLogger(),
		SessionRetention: time.Nanosecond,
		HelloTimeout:     time.Second,
		OriginPatterns:   []string{"*.allowed.test"},
		AllowedHosts:     []string{"server.test"},
	}
}

// FuzzFirstFrame sends one arbitrary message as the first of a resock.v1
// connection. The server must answer a valid hello with a welcome for a
// fresh session and close anything else with 1002, and be left with no
// client and no session once the client is gone.
func FuzzFirstFrame(f *testing.F) {
	id := wire.ID{7, 7, 7}
	for _, b := range [][]byte{
		wire.AppendHello(nil, wire.Hello{Version: wire.Version}),
		wire.AppendHello(nil, wire.Hello{Version: 9, Session: id, Token: id, Received: 3, Client: id, FirstID: 1 << 62}),
		wire.AppendHello(nil, wire.Hello{}),
		wire.AppendHello(nil, wire.Hello{Version: 1})[:20],
		append(wire.AppendHello(nil, wire.Hello{Version: 1}), 0),
		wire.AppendValue(nil, wire.TypePing, 1),
		wire.AppendData(nil, false, []byte("hi")),
		wire.AppendWelcome(nil, wire.Welcome{}),
		{},
		{0xff},
	} {
		f.Add(b, false)
	}
	f.Add([]byte("hello"), true)
	ms := startMemServer(f, fuzzOptions(), Echo)
	f.Fuzz(func(t *testing.T, data []byte, text bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := ms.dial(ctx, wire.Protocol)
		if err != nil {
			t.Fatalf("failed to dial: %v", err)
		}
		defer c.CloseNow()
		typ := websocket.MessageBinary
		if text {
			typ = websocket.MessageText
		}
		if err := c.Write(ctx, typ, data); err != nil {
			t.Fatalf("failed to write: %v", err)
		}
		fr, perr := wire.Parse(data)
		valid := !text && perr == nil && fr.Type == wire.TypeHello && fr.Hello.Version >= 1

		_, b, err := c.Read(ctx)
		switch {
		case valid && err != nil:
			t.Fatalf("a valid hello %x got %v, want a welcome", data, err)
		case valid:
			w, err := wire.Parse(b)
			if err != nil || w.Type != wire.TypeWelcome || w.Welcome.Resumed || w.Welcome.Session.IsZero() || w.Welcome.Token.IsZero() {
				t.Fatalf("a valid hello %x got %x (%v), want the welcome of a fresh session", data, b, err)
			}
			if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
				t.Fatalf("failed to close: %v", err)
			}
		case err == nil:
			t.Fatalf("%x (text %v) got the answer %x, want a close with 1002", data, text, b)
		case websocket.CloseStatus(err) != websocket.StatusProtocolError:
			t.Fatalf("%x (text %v) ended the connection with %v, want close code 1002", data, text, err)
		}
		ms.waitIdle(t, 5*time.Second)
	})
}

// FuzzSessionFrames opens a session, then sends arbitrary frames. Each
// frame of the input is a kind byte, a length byte and that many bytes. Bit 0
// of the kind sends the frame as a text message, which must hold a text
// frame; bit 1 sends an acknowledgement at once even when it may overtake
// the echoes it counts, which the server may then take or refuse. The
// server may close the connection only with a code that names a client
// error, and while every frame is valid it must echo every data frame once
// and in order. Once the client is gone the server has no client and no
// session left.
//
// Nothing waits on a clock: a ping sent after the script is the barrier. The
// server judges frames in order, so its pong says it took every frame before
// it, and an invalid frame must end the connection before the pong.
func FuzzSessionFrames(f *testing.F) {
	frame := func(text bool, b []byte) []byte {
		k := byte(0)
		if text {
			k = 1
		}
		return append([]byte{k, byte(len(b))}, b...)
	}
	hasty := func(b []byte) []byte { b[0] |= 2; return b }
	f.Add(slices.Concat(
		frame(true, wire.AppendData(nil, false, []byte("a"))),
		frame(false, wire.AppendData(nil, true, []byte{0, 1})),
		frame(false, wire.AppendValue(nil, wire.TypePing, 9)),
		frame(false, wire.AppendValue(nil, wire.TypePong, 9)),
		frame(false, wire.AppendValue(nil, wire.TypeAck, 0)),
	))
	f.Add(slices.Concat(
		frame(true, wire.AppendData(nil, false, []byte("a"))),
		frame(false, wire.AppendData(nil, true, []byte{0, 1})),
		frame(false, wire.AppendValue(nil, wire.TypeAck, 2)),
		frame(false, wire.AppendValue(nil, wire.TypeAck, 1)),
	))
	f.Add(slices.Concat(
		frame(true, wire.AppendData(nil, false, []byte("a"))),
		hasty(frame(false, wire.AppendValue(nil, wire.TypeAck, 1))),
	))
	f.Add(frame(false, wire.AppendValue(nil, wire.TypeAck, 5)))
	f.Add(frame(true, wire.AppendData(nil, false, []byte("text data"))))
	f.Add(frame(true, []byte("text without its type byte")))
	f.Add(frame(true, nil))
	f.Add(frame(true, wire.AppendData(nil, false, []byte{'a', 0xff})))
	f.Add(frame(false, wire.AppendData(nil, false, []byte("text frame in a binary message"))))
	f.Add(frame(false, wire.AppendHello(nil, wire.Hello{Version: 1})))
	f.Add(frame(false, wire.AppendValue(nil, wire.TypeRetryAfter, 1)))
	f.Add(frame(false, []byte{byte(wire.TypeAck), 0x80}))
	f.Add(frame(false, wire.AppendValue(nil, wire.TypePing, barrierStamp)))
	f.Add(bytesRepeat(frame(false, wire.AppendValue(nil, wire.TypePing, 1)), 40))
	ms := startMemServer(f, fuzzOptions(), Echo)
	f.Fuzz(func(t *testing.T, script []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := ms.dial(ctx, wire.Protocol)
		if err != nil {
			t.Fatalf("failed to dial: %v", err)
		}
		defer c.CloseNow()
		if err := c.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, wire.Hello{Version: 1})); err != nil {
			t.Fatalf("failed to send hello: %v", err)
		}
		if _, b, err := c.Read(ctx); err != nil || len(b) == 0 || wire.Type(b[0]) != wire.TypeWelcome {
			t.Fatalf("welcome: %x, %v", b, err)
		}
		r := readSession(ctx, c)

		// The verdict on the script is decided at its first frame that is
		// not certainly valid. An ack is certainly valid when it is at most
		// the echoes already here, and certainly invalid when it is more
		// than the data frames sent or less than an earlier ack; one in
		// between waits for its echoes, unless the kind says to hurry.
		var sent [][]byte
		verdict, acked, barriers := valid, uint64(0), 0
		for len(script) >= 2 {
			kind, n := script[0], int(script[1])
			script = script[2:]
			n = min(n, len(script))
			b := script[:n]
			script = script[n:]
			typ := websocket.MessageBinary
			if kind&1 == 1 {
				typ = websocket.MessageText
			}
			fr, err := wire.ParseMessage(typ == websocket.MessageBinary, b)
			if err == nil && fr.Type == wire.TypePing && fr.Value == barrierStamp {
				barriers++
			}
			if verdict == valid {
				switch {
				case err != nil:
					verdict = invalid
				case fr.Type == wire.TypeText || fr.Type == wire.TypeBinary:
					sent = append(sent, append([]byte{byte(typ)}, b...))
				case fr.Type == wire.TypePing || fr.Type == wire.TypePong:
				case fr.Type == wire.TypeAck && (fr.Value < acked || fr.Value > uint64(len(sent))):
					verdict = invalid
				case fr.Type == wire.TypeAck && kind&2 == 0:
					if !r.await(5*time.Second, func() bool { return uint64(len(r.echoes)) >= fr.Value }) && !r.ended() {
						t.Fatalf("sent %d data frames; %d echoes came within 5s, want %d", len(sent), r.echoCount(), fr.Value)
					}
					acked = fr.Value
				case fr.Type == wire.TypeAck && fr.Value <= uint64(r.echoCount()):
					acked = fr.Value
				case fr.Type == wire.TypeAck:
					verdict = uncertain
				default:
					verdict = invalid
				}
			}
			if err := c.Write(ctx, typ, b); err != nil {
				break
			}
		}

		_ = c.Write(ctx, websocket.MessageBinary, wire.AppendValue(nil, wire.TypePing, barrierStamp))
		answered := func() bool { return r.pongs[barrierStamp] > barriers }
		switch verdict {
		case valid:
			r.await(5*time.Second, func() bool { return answered() && len(r.echoes) >= len(sent) })
		case uncertain:
			r.await(5*time.Second, answered)
		case invalid:
			r.await(5*time.Second, answered)
			if !r.ended() {
				t.Fatalf("the server answered a ping sent after an invalid frame, or did not close within 5s")
			}
		}
		ended := r.ended()
		if !ended {
			if verdict != invalid && !r.holds(answered) {
				t.Fatalf("a script judged %v got neither the answer to a ping nor a close within 5s", verdict)
			}
			_ = c.Close(websocket.StatusNormalClosure, "")
			<-r.done
		}
		// When the client closes, its own reader may see the end first; a
		// close the server started must carry a code naming the error.
		code := websocket.CloseStatus(r.err)
		switch {
		case !ended:
		case code == websocket.StatusPolicyViolation:
		case verdict != valid && (code == websocket.StatusProtocolError || code == websocket.StatusInvalidFramePayloadData):
		default:
			t.Fatalf("a script judged %v was ended by the server with %v", verdict, r.err)
		}
		ms.waitIdle(t, 5*time.Second)
		if verdict == valid && !ended {
			if !slices.EqualFunc(r.echoes, sent, func(a, b []byte) bool { return string(a) == string(b) }) {
				t.Fatalf("sent %d data frames %x, got %d echoes %x", len(sent), sent, len(r.echoes), r.echoes)
			}
		}
	})
}

// barrierStamp is the value of the ping that ends every script of
// FuzzSessionFrames.
const barrierStamp = 0xba77

type scriptVerdict int

const (
	valid scriptVerdict = iota
	invalid
	uncertain
)

func (v scriptVerdict) String() string { return [...]string{"valid", "invalid", "uncertain"}[v] }

// sessionReader reads a resock.v1 connection in the background and keeps
// the data frames (each behind its message type) and pongs that came, and
// the error that ended it.
type sessionReader struct {
	mu     sync.Mutex
	echoes [][]byte
	pongs  map[uint64]int
	err    error
	// changed gets a token after every frame; done closes at the end.
	changed chan struct{}
	done    chan struct{}
}

func readSession(ctx context.Context, c *websocket.Conn) *sessionReader {
	r := &sessionReader{pongs: map[uint64]int{}, changed: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for {
			typ, b, err := c.Read(ctx)
			r.mu.Lock()
			if err != nil {
				r.err = err
				r.mu.Unlock()
				return
			}
			fr, perr := wire.ParseMessage(typ == websocket.MessageBinary, b)
			switch {
			case perr != nil:
			case fr.Type == wire.TypeText || fr.Type == wire.TypeBinary:
				r.echoes = append(r.echoes, append([]byte{byte(typ)}, b...))
			case fr.Type == wire.TypePong:
				r.pongs[fr.Value]++
			}
			r.mu.Unlock()
			select {
			case r.changed <- struct{}{}:
			default:
			}
		}
	}()
	return r
}

// await waits at most d for cond, which runs with r locked, and reports
// whether it holds; it gives up when the connection ends.
func (r *sessionReader) await(d time.Duration, cond func() bool) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		if r.holds(cond) {
			return true
		}
		select {
		case <-r.changed:
		case <-r.done:
			return r.holds(cond)
		case <-timer.C:
			return false
		}
	}
}

func (r *sessionReader) holds(cond func() bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return cond()
}

func (r *sessionReader) echoCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.echoes)
}

func (r *sessionReader) ended() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

func bytesRepeat(b []byte, n int) []byte {
	var out []byte
	for range n {
		out = append(out, b...)
	}
	return out
}

// FuzzUpgradeRequest sends an HTTP upgrade request built from arbitrary
// header values. The server must answer every request, switch protocols only
// for an allowed origin and a well-formed handshake, select resock.v1
// whenever it is offered and never select a subprotocol that was not.
func FuzzUpgradeRequest(f *testing.F) {
	const host = "server.test"
	f.Add("", "resock.v1", "dGhlIHNhbXBsZSBub25jZQ==", "13")
	f.Add("http://server.test", "chat, resock.v1", "dGhlIHNhbXBsZSBub25jZQ==", "13")
	f.Add("https://app.allowed.test", "resock.v2", "dGhlIHNhbXBsZSBub25jZQ==", "13")
	f.Add("http://evil.test", "resock.v1", "dGhlIHNhbXBsZSBub25jZQ==", "13")
	f.Add("null", "", "dGhlIHNhbXBsZSBub25jZQ==", "13")
	f.Add("http://server.test", "resock.v1", "short", "8")
	f.Add("http://SERVER.test:80", ",,resock.v1,,", "", "13")
	ms := startMemServer(f, fuzzOptions(), func(ctx context.Context, c *Conn) {})
	f.Fuzz(func(t *testing.T, origin, protocols, key, version string) {
		for _, s := range []string{origin, protocols, key, version} {
			if strings.ContainsAny(s, "\r\n\x00") {
				return
			}
		}
		conn := ms.rawConn(t, 10*time.Second)
		req := "GET / HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: " + version + "\r\n" +
			"Origin: " + origin + "\r\nSec-WebSocket-Protocol: " + protocols + "\r\n\r\n"
		go func() { _, _ = conn.Write([]byte(req)) }()
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer to the upgrade request %q: %v", req, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSwitchingProtocols {
			return
		}
		// net/http hands the handler every header value without its leading
		// and trailing spaces and tabs (RFC 9110 section 5.5), so an Origin
		// of blanks is no Origin at all.
		if !originAllowed(strings.Trim(origin, " \t"), host, fuzzOptions().OriginPatterns) {
			t.Fatalf("switched protocols for origin %q", origin)
		}
		offered := offeredProtocols(protocols)
		selected := resp.Header.Get("Sec-WebSocket-Protocol")
		if selected != "" && !slices.Contains(offered, selected) {
			t.Fatalf("selected %q, which %q does not offer", selected, protocols)
		}
		if slices.Contains(offered, wire.Protocol) && selected != wire.Protocol {
			t.Fatalf("offered %q, selected %q, want %s", protocols, selected, wire.Protocol)
		}
	})
}

// FuzzRawUpgradeRequest sends arbitrary bytes to the server, where an
// upgrade request belongs: any method, path, version, Host, Connection and
// Upgrade headers, headers repeated or unknown, garbage, several requests at
// once. The connection's sending side closes after the bytes, so the server
// never waits for more. The server must not panic, must answer a complete
// request, must switch protocols exactly for a valid WebSocket handshake
// (RFC 6455 4.2.1) from an allowed origin, with the right accept key, and
// must answer anything else with a 4xx status (net/http itself also answers
// 501 or 505 for a transfer encoding or an HTTP version it does not speak,
// and 200 to OPTIONS *). Once the client is gone, no client is left.
func FuzzRawUpgradeRequest(f *testing.F) {
	const key = "dGhlIHNhbXBsZSBub25jZQ=="
	upgrade := "GET /ws?x=1 HTTP/1.1\r\nHost: server.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
	for _, req := range []string{
		upgrade + "Sec-WebSocket-Protocol: resock.v1\r\n\r\n",
		upgrade + "Origin: https://a.allowed.test\r\nSec-WebSocket-Protocol: chat, RESOCK.V1\r\n\r\n",
		upgrade + "Origin: http://evil.test\r\n\r\n",
		upgrade + "Sec-WebSocket-Key: " + key + "\r\n\r\n",
		upgrade + "Content-Length: 5\r\n\r\nhello",
		upgrade + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		upgrade + "\r\n\x81\x85garbage",
		upgrade + "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
		strings.Replace(upgrade, "GET", "POST", 1) + "\r\n",
		strings.Replace(upgrade, "HTTP/1.1", "HTTP/1.0", 1) + "\r\n",
		strings.Replace(upgrade, "HTTP/1.1", "HTTP/2.0", 1) + "\r\n",
		strings.Replace(upgrade, "Connection: Upgrade", "Connection: keep-alive, upgrade", 1) + "\r\n",
		strings.Replace(upgrade, "Host: server.test\r\n", "", 1) + "\r\n",
		strings.Replace(upgrade, "Host: server.test", "Host: ", 1) + "\r\n",
		strings.Replace(upgrade, "Host: server.test", "Host: attacker.test:8080", 1) + "Origin: http://attacker.test:8080\r\n\r\n",
		strings.Replace(upgrade, "Host: server.test", "Host: SERVER.test.:8080", 1) + "Origin: http://server.test\r\n\r\n",
		strings.Replace(upgrade, "Host: server.test", "Host: localhost:9", 1) + "Origin: http://localhost:9\r\n\r\n",
		strings.Replace(upgrade, "Host: server.test", "Host: app.localhost", 1) + "\r\n",
		strings.Replace(upgrade, "Host: server.test", "Host: [::1]:80", 1) + "\r\n",
		strings.Replace(upgrade, "Host: server.test", "Host: 127.0.0.9", 1) + "\r\n",
		strings.Replace(upgrade, "Host: server.test", "Host: 10.0.0.1", 1) + "\r\n",
		strings.Replace(upgrade, "Host: server.test", "Host: server.test.evil", 1) + "\r\n",
		strings.Replace(upgrade, "Upgrade: websocket", "Upgrade: h2c", 1) + "\r\n",
		strings.Replace(upgrade, key, "c2hvcnQ=", 1) + "\r\n",
		upgrade,
		"GET / HTTP/1.1\r\nHost: server.test\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: server.test\r\n\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"GET / HTTP/1.1\nTransfer-Encoding: 0\n\n",
		"",
	} {
		f.Add([]byte(req))
	}
	o := fuzzOptions()
	ms := startMemServer(f, o, func(ctx context.Context, c *Conn) {})
	f.Fuzz(func(t *testing.T, raw []byte) {
		conn := ms.rawConn(t, 5*time.Second)
		if _, err := conn.Write(raw); err != nil {
			t.Fatalf("failed to send the request: %v", err)
		}
		conn.(*pipeEnd).w.close(false)

		// What the server reads is the first request in the bytes, as
		// net/http parses it; nil if they do not hold a whole one.
		req, _ := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		resp, err := http.ReadResponse(bufio.NewReader(conn), req)
		switch {
		case err != nil && req != nil:
			t.Fatalf("no answer to the request %q: %v", raw, err)
		case err != nil:
			// An incomplete request may end without an answer.
		case resp.StatusCode == http.StatusSwitchingProtocols:
			if req == nil {
				t.Fatalf("switched protocols for %q, which is no whole request", raw)
			}
			if why := refuseUpgrade(req, o); why != "" {
				t.Fatalf("switched protocols for %q, whose %s", raw, why)
			}
			checkUpgradeResponse(t, req, resp)
		case req == nil && (resp.StatusCode == http.StatusNotImplemented || resp.StatusCode == http.StatusHTTPVersionNotSupported):
			// net/http refuses a transfer encoding or version it does
			// not know before any handler runs.
		case resp.StatusCode == http.StatusHTTPVersionNotSupported && req.ProtoMajor != 1:
		case resp.StatusCode == http.StatusOK && req != nil && req.Method == http.MethodOptions && req.RequestURI == "*":
			// net/http answers OPTIONS * itself.
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			if req != nil && refuseUpgrade(req, o) == "" && plainRequest(req) {
				t.Fatalf("refused the valid handshake %q with %s", raw, resp.Status)
			}
		default:
			t.Fatalf("answered %q with %s, want 101 or a 4xx", raw, resp.Status)
		}
		conn.Close()
		ms.waitIdle(t, 5*time.Second)
		if p := ms.panics.String(); p != "" {
			t.Fatalf("the server panicked on %q:\n%s", raw, p)
		}
	})
}

// refuseUpgrade says why req is not a WebSocket handshake the server with
// the options o may accept (RFC 6455 section 4.2.1, a host it serves and an
// allowed origin), or "" if it is.
func refuseUpgrade(req *http.Request, o Options) string {
	keys := req.Header.Values("Sec-WebSocket-Key")
	switch {
	case req.Method != http.MethodGet:
		return "method is " + req.Method
	case !req.ProtoAtLeast(1, 1):
		return "version is " + req.Proto
	case !hasToken(req.Header, "Connection", "upgrade"):
		return "Connection header does not say upgrade"
	case !hasToken(req.Header, "Upgrade", "websocket"):
		return "Upgrade header does not say websocket"
	case req.Header.Get("Sec-WebSocket-Version") != "13":
		return "WebSocket version is not 13"
	case len(keys) != 1:
		return fmt.Sprintf("request has %d keys", len(keys))
	}
	if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(keys[0])); err != nil || len(k) != 16 {
		return "key is not 16 bytes in base64"
	}
	if !hostServed(req.Host, o.AllowedHosts) {
		return "host is not one the server serves"
	}
	if origin := req.Header.Get("Origin"); !originAllowed(origin, req.Host, o.OriginPatterns) {
		return "origin is not allowed"
	}
	return ""
}

// hostServed is the rule the server promises for the Host of a request
// that did not arrive on an address of the server (the in-memory pipes
// have none): localhost or a name below it, a loopback address, or one of
// allowed, which here are names without ports; names compare without case
// and without a final dot, and any port is fine.
func hostServed(host string, allowed []string) bool {
	u, err := url.Parse("http://" + host + "/")
	if host == "" || err != nil || u.Host != host || u.Hostname() == "" {
		return false
	}
	name := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if ip, err := netip.ParseAddr(name); err == nil {
		return ip.Unmap().IsLoopback()
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	return slices.Contains(allowed, name)
}

// checkUpgradeResponse checks the 101 answer to req: the accept key proves
// the server read the request's key, and the subprotocol is one offered,
// resock.v1 whenever it is.
func checkUpgradeResponse(t *testing.T, req *http.Request, resp *http.Response) {
	t.Helper()
	sum := sha1.Sum([]byte(strings.TrimSpace(req.Header.Get("Sec-WebSocket-Key")) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), base64.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Fatalf("Sec-WebSocket-Accept %q, want %q", got, want)
	}
	if !hasToken(resp.Header, "Upgrade", "websocket") || !hasToken(resp.Header, "Connection", "upgrade") {
		t.Fatalf("101 without Upgrade: websocket and Connection: Upgrade: %v", resp.Header)
	}
	var offered []string
	for _, v := range req.Header.Values("Sec-WebSocket-Protocol") {
		offered = append(offered, offeredProtocols(v)...)
	}
	selected := resp.Header.Get("Sec-WebSocket-Protocol")
	if selected != "" && !slices.Contains(offered, selected) {
		t.Fatalf("selected %q, which %q does not offer", selected, offered)
	}
	if slices.ContainsFunc(offered, func(p string) bool { return strings.EqualFold(p, wire.Protocol) }) && !strings.EqualFold(selected, wire.Protocol) {
		t.Fatalf("offered %q, selected %q, want %s", offered, selected, wire.Protocol)
	}
}

// plainRequest reports whether net/http hands req to the handler as it is:
// a single Host header that is a plain host name or address, header names
// and values that RFC 9110 allows, and no body or expectation that the
// server itself may refuse first.
func plainRequest(req *http.Request) bool {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	if len(req.Header.Values("Host")) > 1 || req.Host == "" || strings.Trim(req.Host, alnum+".-:[]") != "" {
		return false
	}
	for name, values := range req.Header {
		if name == "" || strings.Trim(name, alnum+"!#$%&'*+-.^_`|~") != "" {
			return false
		}
		for _, v := range values {
			if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
				return false
			}
		}
	}
	for _, h := range []string{"Transfer-Encoding", "Content-Length", "Expect"} {
		if _, ok := req.Header[h]; ok {
			return false
		}
	}
	return len(req.TransferEncoding) == 0 && req.ContentLength <= 0
}

// hasToken reports whether a comma-separated header holds token, in any case.
func hasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// originAllowed is the rule the server promises: no Origin, the same host, or
// a host matching one of the patterns.
func originAllowed(origin, host string, patterns []string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, host) {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(u.Host)); ok {
			return true
		}
	}
	return false
}

func offeredProtocols(h string) []string {
	var out []string
	for p := range strings.SplitSeq(h, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
