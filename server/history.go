//go:build !js

package server

// history keeps the most recent messages, up to a fixed count.
type history struct {
	buf  []message
	next int // index the next message goes to
	full bool
}

func newHistory(size int) history {
	return history{buf: make([]message, size)}
}

func (h *history) add(m message) {
	h.buf[h.next] = m
	h.next = (h.next + 1) % len(h.buf)
	if h.next == 0 {
		h.full = true
	}
}

// messages returns the kept messages, oldest first.
func (h *history) messages() []message {
	if !h.full {
		return append([]message(nil), h.buf[:h.next]...)
	}
	out := make([]message, 0, len(h.buf))
	out = append(out, h.buf[h.next:]...)
	return append(out, h.buf[:h.next]...)
}
