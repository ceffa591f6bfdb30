package engine

// Events: queued under the lock, delivered in order without it.

func (s *Socket) setState(to State) {
	if s.state == to {
		return
	}
	from := s.state
	s.state = to
	s.emit(StateEvent{From: from, To: to})
}

// queued is an event waiting for delivery. A ReconnectingEvent announces an
// attempt; if a listener of an earlier event in the same batch changed
// course (called Close or Reconnect), the announcement is dropped.
type queued struct {
	e      Event
	course uint64
}

func (s *Socket) emit(e Event) { s.pending = append(s.pending, queued{e, s.course}) }

// stale reports whether q announces an attempt that was called off.
func (s *Socket) stale(q queued) bool {
	if _, ok := q.e.(ReconnectingEvent); !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.course != q.course
}

// unlockAndEmit releases mu and delivers queued events, unless another
// caller is already delivering: that caller will deliver them, in order.
// Every change of state ends here, so it is also where OnDirect hears
// whether the direct path is open, before any listener can send.
func (s *Socket) unlockAndEmit() {
	s.tellDirect()
	if s.emitting || len(s.pending) == 0 || s.o.OnEvent == nil {
		if s.o.OnEvent == nil {
			s.pending = nil
		}
		s.mu.Unlock()
		return
	}
	s.emitting = true
	defer func() {
		s.emitting = false
		s.mu.Unlock()
	}()
	for len(s.pending) > 0 {
		events := s.pending
		s.pending = nil
		s.mu.Unlock()
		for _, q := range events {
			if !s.stale(q) {
				s.deliver(q.e)
			}
		}
		s.mu.Lock()
	}
}

// tellDirect tells OnDirect whether messages may bypass the engine now, if
// that changed. Called with mu held.
func (s *Socket) tellDirect() {
	direct := s.state == Open && s.link.open && !s.link.checking && s.outbox.len() == 0 &&
		(s.sess == nil || s.sess.carrier != nil)
	if direct == s.direct || s.o.OnDirect == nil {
		return
	}
	s.direct = direct
	s.o.OnDirect(direct)
}

// deliver calls OnEvent, containing a panic so that one bad listener cannot
// stop delivery or leave the Socket locked.
func (s *Socket) deliver(e Event) {
	defer func() { _ = recover() }()
	s.o.OnEvent(e)
}
