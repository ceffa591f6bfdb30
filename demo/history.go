//go:build !js

package demo

import "github.com/resock/resock/server"

// history keeps the most recent messages: as many as fit both a count and
// a byte bound (payload bytes), dropping the oldest first.
type history struct {
	buf      []*server.PreparedMessage // a ring of len count
	start, n int                       // the oldest message's index, and how many are kept
	bytes    int                       // payload bytes of the kept messages
}

func newHistory(count int) history {
	return history{buf: make([]*server.PreparedMessage, count)}
}

// add records m, dropping the oldest messages until it fits within
// maxBytes. A message larger than maxBytes on its own leaves the history
// empty: it holds the most recent messages that fit, and none do.
func (h *history) add(m *server.PreparedMessage, maxBytes int) {
	size := len(m.Data())
	for h.n > 0 && (h.n == len(h.buf) || h.bytes+size > maxBytes) {
		h.bytes -= len(h.buf[h.start].Data())
		h.buf[h.start] = nil
		h.start = (h.start + 1) % len(h.buf)
		h.n--
	}
	if size > maxBytes {
		return
	}
	h.buf[(h.start+h.n)%len(h.buf)] = m
	h.n++
	h.bytes += size
}

// messages returns the kept messages, oldest first.
func (h *history) messages() []*server.PreparedMessage {
	out := make([]*server.PreparedMessage, 0, h.n)
	for i := range h.n {
		out = append(out, h.buf[(h.start+i)%len(h.buf)])
	}
	return out
}
