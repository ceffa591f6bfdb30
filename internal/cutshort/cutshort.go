// Package cutshort makes github.com/coder/websocket (v1.8.15) see a
// connection that ends in the middle of a message as the error it is.
//
// coder's message reader takes the io.EOF that io.ReadFull returns when no
// byte of a frame's payload is left to read for a clean end of the message:
// a connection that ends between a frame's header and its payload, or at a
// boundary between two reads of it, yields a message cut short, reported as
// complete. Reading through Conn, the end of the stream is
// io.ErrUnexpectedEOF, which coder reports as a failed read.
package cutshort

import (
	"io"
	"net"
)

// Conn is a net.Conn whose end of stream reads as io.ErrUnexpectedEOF.
type Conn struct {
	net.Conn
}

func (c Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
