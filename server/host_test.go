//go:build !js

package server

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// dialHost opens a WebSocket to url with the Host header host and the
// Origin origin (none if empty), and returns the connection or the refusal.
func dialHost(t *testing.T, url, host, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	o := &websocket.DialOptions{Host: host}
	if origin != "" {
		o.HTTPHeader = http.Header{"Origin": {origin}}
	}
	c, resp, err := websocket.Dial(testCtx(t), url, o)
	if c != nil {
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, resp, err
}

func TestHandshakeForAHostTheServerDoesNotServeIsRefusedWith403(t *testing.T) {
	ts := newTestServer(t, Options{AllowedHosts: []string{"app.example", "*.tenants.example", "tls.example:443", "fixed.example:8443"}}, Echo)
	ctx := testCtx(t)
	addr := strings.TrimPrefix(ts.http.URL, "http://")
	_, port, _ := net.SplitHostPort(addr)

	for _, host := range []string{
		addr, // the address the server listens on
		"localhost:" + port,
		"LOCALHOST.",
		"board.localhost:" + port,
		"[::1]:" + port,
		"127.0.0.2:" + port,
		"app.example",
		"App.Example:" + port,
		"a.tenants.example",
		"fixed.example:8443",
		"tls.example:443",
		"tls.example", // browsers leave 443 out
	} {
		c, resp, err := dialHost(t, ts.wsURL("/"), host, "")
		if err != nil {
			t.Errorf("Host %q: %v (response %v), want it accepted", host, err, resp)
			continue
		}
		write(t, ctx, c, websocket.MessageText, host)
		if got := readText(t, ctx, c); got != host {
			t.Errorf("Host %q: echo %q", host, got)
		}
	}
	accepted := ts.Stats().Accepted

	for _, host := range []string{
		"attacker.example:" + port,
		"app.example.attacker.example",
		"tenants.example", // the wildcard stands for the names below it only
		"fixed.example:8444",
		"fixed.example", // port 80 or 443
		"192.0.2.77:" + port,
		"localhost.attacker.example",
		"localhost:http",
	} {
		_, resp, err := dialHost(t, ts.wsURL("/"), host, "")
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("Host %q: err %v, response %v; want 403", host, err, resp)
			continue
		}
		ts.logs.waitForLine(t, "refused request for a host this server does not serve", "remote_addr=127.0.0.1:", "host="+host)
	}
	if got := ts.Stats().Accepted; got != accepted {
		t.Errorf("%d clients accepted with foreign hosts", got-accepted)
	}
}

// A DNS-rebinding page is same-origin with itself: Host and Origin both
// name the attacker's site, whose name resolves to this server. The origin
// check alone lets it in; the host check must not.
func TestDNSRebindingHandshakeIsRefused(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(ts.http.URL, "http://"))
	host := "attacker.example:" + port

	_, resp, err := dialHost(t, ts.wsURL("/"), host, "http://"+host)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("Host and Origin both %s: err %v, response %v; want 403", host, err, resp)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), host) {
		t.Errorf("the refusal says %q, want it to name the host", body)
	}
	ts.logs.waitForLine(t, "refused request for a host this server does not serve", "host="+host, "origin=http://"+host)
	if n := ts.Stats().Accepted; n != 0 {
		t.Fatalf("Accepted = %d after a rebinding handshake, want 0", n)
	}
}

// A server that listens on a public address answers to that address, and
// to no other.
func TestHandshakeForTheAddressTheServerListensOnIsAccepted(t *testing.T) {
	ip := nonLoopbackIPv4(t)
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	s := New(Options{Logger: quietLogger()})
	hs := httptest.NewUnstartedServer(s.Handler(Echo))
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		hs.Close()
	})
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)

	if _, resp, err := dialHost(t, "ws://"+addr+"/", addr, "http://"+addr); err != nil {
		t.Fatalf("Host and Origin %s, the server's own address: %v (response %v)", addr, err, resp)
	}
	for _, host := range []string{"192.0.2.250:" + port, "attacker.example:" + port} {
		_, resp, err := dialHost(t, "ws://"+addr+"/", host, "http://"+host)
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("Host %q on a server at %s: err %v, response %v; want 403", host, addr, err, resp)
		}
	}
}

// nonLoopbackIPv4 returns an IPv4 address of this machine that is not a
// loopback one, or skips the test.
func nonLoopbackIPv4(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skipf("cannot list the interfaces: %v", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Skip("no IPv4 address besides loopback")
	return ""
}

// net/http lets an empty Host through: a request may name no host. With
// nothing to compare the Origin to, the server refuses it.
func TestHandshakeWithAnEmptyHostIsRefused(t *testing.T) {
	ts := newTestServer(t, Options{AllowedHosts: []string{"*.example"}}, Echo)
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.http.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := "GET / HTTP/1.1\r\nHost: \r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a handshake with an empty Host got %s, want 403", resp.Status)
	}
	ts.logs.waitForLine(t, "refused request for a host", `host=""`)
}

func TestAllowedHostsStarTurnsTheHostCheckOff(t *testing.T) {
	ts := newTestServer(t, Options{AllowedHosts: []string{"*"}}, Echo)
	if _, resp, err := dialHost(t, ts.wsURL("/"), "anything.example", ""); err != nil {
		t.Fatalf("AllowedHosts * refused a Host: %v (response %v)", err, resp)
	}
}

func TestAllowedHostsEntriesThatAreNoHostsAreLoggedAndIgnored(t *testing.T) {
	logs := &logBuffer{}
	s := New(Options{Logger: newLogger(logs), AllowedHosts: []string{
		"https://app.example", "app.example:port", "app.example:70000", "*.1.2.3.4", "a..example", "", "good.example",
	}})
	for _, entry := range []string{"https://app.example", "app.example:port", "app.example:70000", "*.1.2.3.4", "a..example"} {
		logs.waitForLine(t, "level=ERROR", "ignoring an entry of Options.AllowedHosts", "entry="+entry)
	}
	if got := len(s.hosts.rules); got != 1 {
		t.Errorf("%d rules kept, want only good.example's", got)
	}
}
