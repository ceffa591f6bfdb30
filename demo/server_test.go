//go:build !js

package demo

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/resock/resock/server"
)

// startDemo serves a demo Server on addr and returns it with the address it
// got.
func startDemo(t *testing.T, addr string, do Options) (*Server, string, <-chan error) {
	t.Helper()
	logs := &logBuffer{}
	d, _ := New(server.Options{Logger: newLogger(logs)}, do)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- d.Serve(ln) }()
	return d, ln.Addr().String(), served
}

func stopDemo(t *testing.T, d *Server, served <-chan error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve returned %v, want http.ErrServerClosed", err)
	}
}

func TestDemoServesAllRoutesAndRestartsOnTheSameAddress(t *testing.T) {
	demoDir, jsglueDir, _ := staticDirs(t)
	ctx := testCtx(t)

	do := Options{Dir: demoDir, JSGlueDir: jsglueDir, Stats: true}
	d, addr, served := startDemo(t, "127.0.0.1:0", do)
	echo := dial(t, "ws://"+addr+"/echo", nil)
	write(t, ctx, echo, websocket.MessageText, "ping")
	if got := readText(t, ctx, echo); got != "ping" {
		t.Fatalf("/echo answered %q", got)
	}
	board := dial(t, "ws://"+addr+"/ws", nil)
	write(t, ctx, board, websocket.MessageText, "stroke")
	waitUntil(t, 5*time.Second, func() bool { return d.Room().Clients() == 1 }, "the whiteboard client")

	resp, err := http.Get("http://" + addr + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	var st server.Stats
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || st.Clients != 2 {
		t.Fatalf("/stats = %+v (%v), want 2 clients", st, err)
	}
	if _, body := get(t, "http://"+addr+"/", ""); string(body) != "<!doctype html><title>whiteboard</title>" {
		t.Fatalf("/ served %q", body)
	}

	// Both clients read, so they answer the server's close frame.
	ended := make(chan error, 2)
	for _, c := range []*websocket.Conn{echo, board} {
		go func() {
			_, _, err := c.Read(ctx)
			ended <- err
		}()
	}
	stopDemo(t, d, served)
	for range 2 {
		if err := <-ended; websocket.CloseStatus(err) != websocket.StatusServiceRestart {
			t.Fatalf("client ended with %v, want close code 1012", err)
		}
	}
	if _, _, err := websocket.Dial(ctx, "ws://"+addr+"/echo", nil); err == nil {
		t.Fatal("dialled the demo after Shutdown")
	}

	d2, addr2, served2 := startDemo(t, addr, do)
	if addr2 != addr {
		t.Fatalf("restarted on %s, want %s", addr2, addr)
	}
	again := dial(t, "ws://"+addr+"/echo", nil)
	write(t, ctx, again, websocket.MessageText, "back")
	if got := readText(t, ctx, again); got != "back" {
		t.Fatalf("/echo after the restart answered %q", got)
	}
	go func() {
		_, _, err := again.Read(ctx)
		ended <- err
	}()
	stopDemo(t, d2, served2)
	if err := <-ended; websocket.CloseStatus(err) != websocket.StatusServiceRestart {
		t.Fatalf("client ended with %v, want close code 1012", err)
	}
}

func TestDemoServesStatsOnlyWhenAsked(t *testing.T) {
	demoDir, jsglueDir, _ := staticDirs(t)
	for _, stats := range []bool{false, true} {
		d, addr, served := startDemo(t, "127.0.0.1:0", Options{Dir: demoDir, JSGlueDir: jsglueDir, Stats: stats})
		resp, body := getWith(t, "http://"+addr+"/stats", nil)
		stopDemo(t, d, served)
		isStats := resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") == "application/json"
		if isStats != stats {
			t.Errorf("Options.Stats %v: /stats answered %s %q", stats, resp.Status, body)
		}
		if !stats && resp.StatusCode != http.StatusNotFound {
			t.Errorf("/stats of a demo without Stats: %s, want 404", resp.Status)
		}
	}
}
