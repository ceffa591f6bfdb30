//go:build js && wasm

package main

import (
	"encoding/hex"
	"fmt"

	"github.com/hack-pad/safejs"

	"github.com/resock/resock/internal/engine"
	"github.com/resock/resock/internal/wire"
)

// parsePersist reads options.persist, the name of the IndexedDB store that
// keeps a resume-mode socket's session and unacknowledged messages (the
// glue's persist.js). "" when it is not set.
func parsePersist(v safejs.Value, resume bool) (string, error) {
	switch typeOf(v) {
	case safejs.TypeObject, safejs.TypeFunction:
	default:
		return "", nil
	}
	m, err := v.Get("persist")
	if err != nil {
		return "", typeError("Cannot read options.persist: %s", jsMessage(err))
	}
	if m.IsUndefined() {
		return "", nil
	}
	name, err := toString(m)
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", typeError("options.persist must name a store, got \"\".")
	}
	if !resume {
		return "", typeError("options.persist needs options.resume: only a resume session can be restored.")
	}
	return name, nil
}

// progress is the session's progress for the store: its ids in hex and its
// counters, or null in plain mode.
func (k *socket) progress([]safejs.Value) (any, error) {
	p, ok := k.s.Progress()
	if !ok {
		return safejs.Null(), nil
	}
	return map[string]any{
		"session":  hex.EncodeToString(p.Session[:]),
		"token":    hex.EncodeToString(p.Token[:]),
		"client":   hex.EncodeToString(p.Client[:]),
		"firstID":  float64(p.FirstID),
		"sent":     float64(p.Sent),
		"acked":    float64(p.Acked),
		"received": float64(p.Received),
		"foreign":  float64(p.Foreign),
	}, nil
}

// releaseHold ends the hold of a persistent socket: with a stored state
// ({session, token, client, firstID, received, sent, acked, unacked,
// queued}, the messages as strings or binary data) it restores it; with
// null it starts afresh.
func (k *socket) releaseHold(args []safejs.Value) (any, error) {
	v := arg(args, 0)
	if v.IsUndefined() || v.IsNull() {
		return nil, k.s.Release(nil)
	}
	st, err := sessionStateOf(v)
	if err != nil {
		return nil, err
	}
	return nil, k.s.Release(&st)
}

// sessionStateOf converts the glue's stored state.
func sessionStateOf(v safejs.Value) (engine.SessionState, error) {
	var st engine.SessionState
	for _, f := range []struct {
		name string
		id   *wire.ID
	}{{"session", &st.Session}, {"token", &st.Token}, {"client", &st.Client}} {
		s, err := stringProp(v, f.name)
		if err != nil {
			return st, err
		}
		if b, err := hex.DecodeString(s); err != nil || len(b) != len(f.id) {
			return st, fmt.Errorf("%w: %s is not an id: %q", engine.ErrBadSessionState, f.name, s)
		} else {
			copy(f.id[:], b)
		}
	}
	for _, f := range []struct {
		name string
		n    *uint64
	}{{"firstID", &st.FirstID}, {"received", &st.Received}, {"sent", &st.Sent}, {"acked", &st.Acked}} {
		x, err := floatProp(v, f.name)
		if err != nil || x < 0 || x > maxSafeInteger || x != float64(uint64(x)) {
			return st, fmt.Errorf("%w: %s is not a count", engine.ErrBadSessionState, f.name)
		}
		*f.n = uint64(x)
	}
	var err error
	if st.Unacked, err = messagesProp(v, "unacked"); err != nil {
		return st, err
	}
	st.Queued, err = messagesProp(v, "queued")
	return st, err
}

// messagesProp converts an array of messages: a string is text, an
// ArrayBuffer or a view binary.
func messagesProp(v safejs.Value, name string) ([]engine.Message, error) {
	list, err := v.Get(name)
	if err != nil {
		return nil, err
	}
	n, err := intProp(list, "length")
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not a list", engine.ErrBadSessionState, name)
	}
	out := make([]engine.Message, 0, n)
	for i := range n {
		m, err := list.Index(i)
		if err != nil {
			return nil, err
		}
		switch {
		case typeOf(m) == safejs.TypeString:
			s, err := m.String()
			if err != nil {
				return nil, err
			}
			out = append(out, engine.Message{Data: []byte(s)})
		case isInstance(m, js.arrayBuffer):
			b, err := bufferBytes(m, -1, -1)
			if err != nil {
				return nil, err
			}
			out = append(out, engine.Message{Binary: true, Data: b})
		case isInstance(m, js.uint8Array):
			b, err := viewBytes(m)
			if err != nil {
				return nil, err
			}
			out = append(out, engine.Message{Binary: true, Data: b})
		default:
			return nil, fmt.Errorf("%w: %s[%d] is neither text nor binary data", engine.ErrBadSessionState, name, i)
		}
	}
	return out, nil
}
