//go:build !js

package server

import "context"

// Echo is an app for Server.Handler that sends every message back as it came:
// text as text, binary as binary.
func Echo(ctx context.Context, c *Conn) {
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		err = c.Write(ctx, typ, data)
		if err != nil {
			return
		}
	}
}
