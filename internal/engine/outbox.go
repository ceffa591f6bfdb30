package engine

import "fmt"

// outbox holds messages sent while no connection is open, in order. An entry
// may be a placeholder whose bytes arrive later (a Blob being read in the
// browser); flushing stops at a placeholder so order is kept.
type outbox struct {
	entries  []*outboxEntry
	bytes    int
	maxCount int
	maxBytes int
}

type outboxEntry struct {
	msg   Message
	size  int
	ready bool
}

func (q *outbox) len() int { return len(q.entries) }

// reserve makes room for a message of size bytes at the tail.
func (q *outbox) reserve(size int) (*outboxEntry, error) {
	if len(q.entries) >= q.maxCount {
		return nil, fmt.Errorf("%w: %d messages queued (limit %d)", ErrOutboxFull, len(q.entries), q.maxCount)
	}
	if q.bytes+size > q.maxBytes {
		return nil, fmt.Errorf("%w: %d bytes queued, %d more would pass the limit of %d", ErrOutboxFull, q.bytes, size, q.maxBytes)
	}
	e := &outboxEntry{size: size}
	q.entries = append(q.entries, e)
	q.bytes += size
	return e, nil
}

func (q *outbox) push(m Message) error {
	e, err := q.reserve(len(m.Data))
	if err != nil {
		return err
	}
	e.msg, e.ready = m, true
	return nil
}

// fill gives a placeholder its message; the size may differ from the one
// reserved.
func (q *outbox) fill(e *outboxEntry, m Message) {
	q.bytes += len(m.Data) - e.size
	e.msg, e.size, e.ready = m, len(m.Data), true
}

// remove drops a placeholder whose message will never come.
func (q *outbox) remove(e *outboxEntry) {
	for i, x := range q.entries {
		if x == e {
			q.entries = append(q.entries[:i], q.entries[i+1:]...)
			q.bytes -= e.size
			return
		}
	}
}

// head returns the first message if it is ready.
func (q *outbox) head() (*outboxEntry, bool) {
	if len(q.entries) == 0 || !q.entries[0].ready {
		return nil, false
	}
	return q.entries[0], true
}

func (q *outbox) pop() {
	e := q.entries[0]
	q.entries[0] = nil
	q.entries = q.entries[1:]
	q.bytes -= e.size
	if len(q.entries) == 0 {
		q.entries = nil
	}
}
