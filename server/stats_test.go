//go:build !js

package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// statsFrom serves /stats to a request from remoteAddr with the extra
// header h and returns what it said.
func statsFrom(t *testing.T, s *Server, host, remoteAddr string, h http.Header) (int, Stats, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/stats", nil)
	req.Host = host
	req.RemoteAddr = remoteAddr
	for k, v := range h {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	s.StatsHandler().ServeHTTP(w, req)
	var st Stats
	if w.Code == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil {
			t.Fatalf("failed to decode /stats %q: %v", w.Body, err)
		}
	}
	return w.Code, st, w.Body.String()
}

func TestStatsListAddressesOnlyToLoopbackPeers(t *testing.T) {
	for _, show := range []bool{false, true} {
		ts := newTestServer(t, Options{StatsShowAddrs: show}, Echo)
		dial(t, ts.wsURL("/"), nil)
		dial(t, ts.wsURL("/"), nil)
		waitUntil(t, 5*time.Second, func() bool { return ts.Stats().Clients == 2 }, "two clients")

		for _, peer := range []struct {
			remoteAddr string
			header     http.Header
			local      bool
		}{
			{"127.0.0.1:50000", nil, true},
			{"[::1]:50000", nil, true},
			{"[::ffff:127.0.0.1]:50000", nil, true},
			{"192.0.2.9:50000", nil, false},
			{"[2001:db8::9]:50000", nil, false},
			{"not an address", nil, false},
			// A proxy on this machine: every peer comes from loopback.
			{"127.0.0.1:50000", http.Header{"X-Forwarded-For": {"192.0.2.9"}}, false},
			{"127.0.0.1:50000", http.Header{"Forwarded": {"for=192.0.2.9"}}, false},
			{"127.0.0.1:50000", http.Header{"X-Real-Ip": {"192.0.2.9"}}, false},
		} {
			code, st, body := statsFrom(t, ts.Server, "localhost", peer.remoteAddr, peer.header)
			if code != http.StatusOK || st.Clients != 2 || len(st.Conns) != 2 {
				t.Fatalf("StatsShowAddrs %v, peer %s %v: %d %s, want 200 and two clients", show, peer.remoteAddr, peer.header, code, body)
			}
			wantAddrs := show || peer.local
			for _, c := range st.Conns {
				if got := c.RemoteAddr != ""; got != wantAddrs {
					t.Errorf("StatsShowAddrs %v, peer %s %v: addresses listed %v, want %v: %s", show, peer.remoteAddr, peer.header, got, wantAddrs, body)
					break
				}
			}
			if !wantAddrs && strings.Contains(body, "127.0.0.1") {
				t.Errorf("StatsShowAddrs %v, peer %s: an address in %s", show, peer.remoteAddr, body)
			}
		}
	}
}

// A rebinding page in a browser on the server's own machine is a loopback
// peer: only the Host tells it apart.
func TestStatsRefuseAHostTheServerDoesNotServe(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	dial(t, ts.wsURL("/"), nil)
	code, _, body := statsFrom(t, ts.Server, "attacker.example:8080", "127.0.0.1:50000", nil)
	if code != http.StatusForbidden || strings.Contains(body, "127.0.0.1") {
		t.Fatalf("/stats for Host attacker.example:8080: %d %q, want 403 and no addresses", code, body)
	}
	ts.logs.waitForLine(t, "refused request for a host", "remote_addr=127.0.0.1:50000", "host=attacker.example:8080", "path=/stats")
}
