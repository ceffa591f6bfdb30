//go:build !js

package server

import "context"

// Echo is an app for Server.Handler that sends every message back as it came:
// text as text, binary as binary.
//
// For a resume client it sends each message back once, even across the
// death of an instance (Options.Broker): the session's n-th message gets
// its n-th reply, so a message the next instance gives again, whose reply
// the session already holds (Conn.Written), is not answered twice.
func Echo(ctx context.Context, c *Conn) {
	for {
		m, err := c.ReadMessage(ctx)
		if err != nil {
			return
		}
		if c.sess != nil && m.ID.N-c.sess.firstID+1 <= c.Written() {
			continue
		}
		if err := c.Write(ctx, m.Type, m.Data); err != nil {
			return
		}
	}
}
