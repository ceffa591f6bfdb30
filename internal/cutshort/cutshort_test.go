package cutshort

import (
	"errors"
	"io"
	"net"
	"testing"
)

func TestTheEndOfTheStreamIsUnexpected(t *testing.T) {
	a, b := net.Pipe()
	c := Conn{Conn: a}
	go func() {
		b.Write([]byte("hi"))
		b.Close()
	}()
	buf := make([]byte, 8)
	n, err := c.Read(buf)
	if n != 2 || err != nil {
		t.Fatalf("Read = %d, %v; want 2 bytes", n, err)
	}
	if _, err := c.Read(buf); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Read at the end = %v, want io.ErrUnexpectedEOF", err)
	}
}
