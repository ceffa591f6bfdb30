//go:build js && wasm

package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hack-pad/safejs"
)

// These tests talk to the servers browser_test.go starts.

func TestEchoDeliversEventsWithTheirFields(t *testing.T) {
	url := echoURL(t)
	c := create(t, url, "chat")
	open := c.rec.waitN(t, "open", 1)[0]
	if boolOf(t, open, "reconnected") || floatOf(t, open, "downtime") != 0 {
		t.Errorf("first open: reconnected %v, downtime %v, want false, 0", boolOf(t, open, "reconnected"), floatOf(t, open, "downtime"))
	}
	if got := c.string("protocol"); got != "chat" {
		t.Errorf("protocol = %q, want chat", got)
	}
	if got := c.int("readyState"); got != 1 {
		t.Errorf("readyState = %d, want 1 (OPEN)", got)
	}
	states := c.rec.all("statechange")
	if len(states) != 1 || stringOf(t, states[0], "from") != "connecting" || stringOf(t, states[0], "to") != "open" {
		t.Errorf("statechange events %s, want one from connecting to open", c.rec.summary())
	}

	c.mustCall("send", "héllo")
	c.mustCall("send", newJS(t, "Uint8Array", []any{1, 2, 3}))
	c.rec.waitN(t, "message", 2)
	// binaryType applies to messages dispatched from now on.
	c.mustCall("setBinaryType", "arraybuffer")
	c.mustCall("send", newJS(t, "Uint8Array", []any{4, 5}))
	c.mustCall("send", 123)
	msgs := c.rec.waitN(t, "message", 4)
	want := []struct {
		kind string
		data []byte
	}{
		{"string", []byte("héllo")},
		{"Blob", []byte{1, 2, 3}},
		{"ArrayBuffer", []byte{4, 5}},
		{"string", []byte("123")},
	}
	origin := "ws://" + strings.SplitN(strings.TrimPrefix(url, "ws://"), "/", 2)[0]
	for i, m := range msgs {
		if !isInstance(m, js.messageEvent) {
			t.Errorf("message %d is not a MessageEvent", i)
		}
		if got := stringOf(t, m, "origin"); got != origin {
			t.Errorf("message %d origin = %q, want %q", i, got, origin)
		}
		kind, data := messageData(t, m)
		if i >= len(want) {
			t.Errorf("unexpected message %d: %s %q", i, kind, data)
			continue
		}
		if kind != want[i].kind || !bytes.Equal(data, want[i].data) {
			t.Errorf("message %d = %s %v, want %s %v", i, kind, data, want[i].kind, want[i].data)
		}
	}
}

func TestSendCopiesOnlyTheViewedBytes(t *testing.T) {
	c := create(t, echoURL(t), safejs.Undefined(), parseJSON(t, `{"binaryType": "arraybuffer"}`))
	buf := newJS(t, "Uint8Array", []any{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	buffer := prop(t, buf, "buffer")
	sub, err := buf.Call("subarray", 6, 9)
	if err != nil {
		t.Fatal(err)
	}
	sends := []struct {
		name string
		data safejs.Value
		want []byte
	}{
		{"Uint8Array(buffer, 2, 3)", newJS(t, "Uint8Array", buffer, 2, 3), []byte{2, 3, 4}},
		{"DataView(buffer, 1, 2)", newJS(t, "DataView", buffer, 1, 2), []byte{1, 2}},
		{"Uint16Array(buffer, 4, 2)", newJS(t, "Uint16Array", buffer, 4, 2), []byte{4, 5, 6, 7}},
		{"subarray(6, 9)", sub, []byte{6, 7, 8}},
		{"empty view", newJS(t, "Uint8Array", buffer, 10, 0), []byte{}},
		{"whole ArrayBuffer", buffer, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
	}
	// Queued before the open and sent directly after it: both paths copy.
	for i, s := range sends {
		if i == len(sends)/2 {
			c.rec.waitN(t, "open", 1)
		}
		c.mustCall("send", s.data)
	}
	msgs := c.rec.waitN(t, "message", len(sends))
	for i, m := range msgs {
		kind, data := messageData(t, m)
		if kind != "ArrayBuffer" || !bytes.Equal(data, sends[i].want) {
			t.Errorf("%s echoed as %s %v, want ArrayBuffer %v", sends[i].name, kind, data, sends[i].want)
		}
	}
}

func TestBlobKeepsItsPlaceAmongLaterSends(t *testing.T) {
	c := create(t, echoURL(t), safejs.Undefined(), parseJSON(t, `{"binaryType": "arraybuffer"}`))
	c.rec.waitN(t, "open", 1)
	big := strings.Repeat("b", 256<<10)
	c.mustCall("send", "first")
	c.mustCall("send", newJS(t, "Blob", []any{big}))
	c.mustCall("send", "after the blob")
	c.mustCall("send", newJS(t, "Blob", []any{"small"}))
	c.mustCall("send", "last")
	want := []string{"first", big, "after the blob", "small", "last"}
	msgs := c.rec.waitN(t, "message", len(want))
	for i, m := range msgs {
		_, data := messageData(t, m)
		if string(data) != want[i] {
			t.Errorf("message %d = %.20q (%d bytes), want %.20q", i, data, len(data), want[i])
		}
	}
}

func TestServerCloseIsReportedAndRetried(t *testing.T) {
	c := create(t, serverURL(t, "/close"), safejs.Undefined(), parseJSON(t, `{"delays": [5, 10], "maxRetries": 2}`))
	closes := c.rec.waitN(t, "close", 3)
	for i, e := range closes {
		if !isInstance(e, js.closeEvent) {
			t.Errorf("close %d is not a CloseEvent", i)
		}
		code, reason, clean, will := intOf(t, e, "code"), stringOf(t, e, "reason"), boolOf(t, e, "wasClean"), boolOf(t, e, "willReconnect")
		if code != 4001 || reason != "bye" || !clean || will != (i < 2) {
			t.Errorf("close %d = {code %d, reason %q, wasClean %v, willReconnect %v}, want {4001, bye, true, %v}", i, code, reason, clean, will, i < 2)
		}
	}
	rs := c.rec.all("reconnecting")
	if len(rs) != 2 {
		t.Fatalf("%d reconnecting events, want 2: %s", len(rs), c.rec.summary())
	}
	for i, e := range rs {
		attempt, delay, code, reason := intOf(t, e, "attempt"), floatOf(t, e, "delay"), intOf(t, e, "code"), stringOf(t, e, "reason")
		wantDelay := []float64{5, 10}[i]
		if attempt != i+1 || delay != wantDelay || code != 4001 || reason != "bye" {
			t.Errorf("reconnecting %d = {attempt %d, delay %v, code %d, reason %q}, want {%d, %v, 4001, bye}", i, attempt, delay, code, reason, i+1, wantDelay)
		}
	}
	opens := c.rec.all("open")
	if len(opens) != 3 || !boolOf(t, opens[1], "reconnected") || floatOf(t, opens[1], "downtime") <= 0 {
		t.Errorf("want 3 opens, the later ones reconnected after some downtime: %s", c.rec.summary())
	}
	if got := c.int("readyState"); got != 3 {
		t.Errorf("readyState after giving up = %d, want 3 (CLOSED)", got)
	}
}

func TestReconnectRevivesAClosedSocket(t *testing.T) {
	c := create(t, echoURL(t))
	c.rec.waitN(t, "open", 1)
	c.mustCall("close", 4000, "done")
	e := c.rec.finalClose(t)
	if code, reason := intOf(t, e, "code"), stringOf(t, e, "reason"); code != 4000 || reason != "done" {
		t.Errorf("close = %d %q, want 4000 done: the server echoes the client's close", code, reason)
	}
	if got := c.int("readyState"); got != 3 {
		t.Errorf("readyState = %d, want 3", got)
	}
	wantError(t, "send after close", c.call("send", "x"), "InvalidStateError")

	c.mustCall("reconnect")
	open := c.rec.waitN(t, "open", 2)[1]
	if !boolOf(t, open, "reconnected") {
		t.Error("the open after reconnect() is not marked reconnected")
	}
	c.mustCall("send", "alive again")
	m := c.rec.waitN(t, "message", 1)[0]
	if _, data := messageData(t, m); string(data) != "alive again" {
		t.Errorf("echo = %q", data)
	}
	if c.k.transport.live != 1 {
		t.Errorf("%d browser sockets hold handlers, want only the open one", c.k.transport.live)
	}
}

func TestDropWithReconnectDeliversQueuedMessagesInOrder(t *testing.T) {
	c := create(t, echoURL(t), safejs.Undefined(), parseJSON(t, `{"delays": [20]}`))
	c.rec.waitN(t, "open", 1)
	c.mustCall("reconnect", 4000, "drop")
	var want []string
	for i := range 20 {
		s := fmt.Sprint("queued ", i)
		want = append(want, s)
		c.mustCall("send", s)
	}
	if n := c.int("queuedMessages"); n != 20 {
		t.Errorf("queuedMessages while reconnecting = %d, want 20", n)
	}
	msgs := c.rec.waitN(t, "message", len(want))
	for i, m := range msgs {
		if _, data := messageData(t, m); string(data) != want[i] {
			t.Errorf("message %d = %q, want %q", i, data, want[i])
		}
	}
	until(t, "the outbox to drain", func() bool { return c.int("bufferedAmount") == 0 })
}

func TestConnectTimeoutClosesTheBrowserSocket(t *testing.T) {
	url := os.Getenv("RESOCK_HANG_URL")
	if url == "" {
		t.Skip("RESOCK_HANG_URL is not set: run `go test ./wasm` natively")
	}
	c := create(t, url, safejs.Undefined(), parseJSON(t, `{"connectTimeout": 100, "maxRetries": 0}`))
	e := c.rec.finalClose(t)
	if code := intOf(t, e, "code"); code != 1006 {
		t.Errorf("close code = %d, want 1006", code)
	}
	errEv := c.rec.waitN(t, "error", 1)[0]
	if msg := stringOf(t, errEv, "message"); !strings.Contains(msg, "no answer within 100ms") {
		t.Errorf("error message = %q, want it to say the attempt timed out", msg)
	}
	// The browser reports the abandoned socket closed only if it really
	// closed it; that releases the socket's handlers.
	until(t, "the browser to close the abandoned socket", func() bool { return c.k.transport.live == 0 })
}
