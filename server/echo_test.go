//go:build !js

package server

import (
	"bytes"
	"testing"

	"github.com/coder/websocket"
)

func TestEchoSendsTextAsTextAndBinaryAsBinary(t *testing.T) {
	ts := newTestServer(t, Options{}, Echo)
	ctx := testCtx(t)
	c := dial(t, ts.wsURL("/"), nil)

	write(t, ctx, c, websocket.MessageText, "hello")
	if got := readText(t, ctx, c); got != "hello" {
		t.Fatalf("echo of text = %q, want %q", got, "hello")
	}

	bin := []byte{0, 1, 2, 0xff, 'h'}
	if err := c.Write(ctx, websocket.MessageBinary, bin); err != nil {
		t.Fatal(err)
	}
	typ, got, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if typ != websocket.MessageBinary || !bytes.Equal(got, bin) {
		t.Fatalf("echo of binary = %v %v, want %v %v", typ, got, websocket.MessageBinary, bin)
	}

	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	ts.logs.waitForLine(t, "client disconnected", "close_code=1000")
}
