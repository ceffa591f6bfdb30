//go:build !js

package server

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"time"
)

// Stats is a snapshot of a Server's registry, served as JSON by
// StatsHandler.
type Stats struct {
	// Clients is the number of connected clients.
	Clients int `json:"clients"`
	// Uptime is how long the Server has existed, in seconds.
	Uptime float64 `json:"uptime_seconds"`
	// Accepted counts every client accepted since the Server was created.
	Accepted uint64 `json:"accepted_total"`
	// Sessions is the number of live resock.v1 sessions, connected or
	// waiting for their client to come back.
	Sessions int `json:"sessions"`
	// DetachedSessions of them wait for their client, holding
	// DetachedBytes of frames and unread messages, within
	// Options.MaxDetachedBytes.
	DetachedSessions int   `json:"detached_sessions"`
	DetachedBytes    int64 `json:"detached_bytes"`
	// Evicted counts the sessions ended to make room for others
	// (ErrSessionEvicted).
	Evicted uint64 `json:"evicted_total"`
	// Broker is, with Options.Broker set, "ok" or what is wrong with it
	// (a Broker that implements BrokerStatus says); empty without one.
	Broker string `json:"broker,omitempty"`
	// Conns lists the connected clients, longest connected first.
	Conns []ConnStats `json:"conns"`
}

// ConnStats describes one connected client.
type ConnStats struct {
	ID string `json:"id"`
	// RemoteAddr is the client's address; StatsHandler leaves it out for
	// a peer that may not see it (see Options.StatsShowAddrs).
	RemoteAddr string `json:"remote_addr,omitempty"`
	// Connected is how long the client has been connected, in seconds.
	Connected float64 `json:"connected_seconds"`
}

// Stats returns the number of connected clients, the uptime and the list of
// clients.
func (s *Server) Stats() Stats {
	conns, accepted := s.clients.counts()
	now := time.Now()
	st := Stats{
		Clients:  len(conns),
		Uptime:   now.Sub(s.started).Seconds(),
		Accepted: accepted,
		Conns:    make([]ConnStats, 0, len(conns)),
	}
	st.Sessions, st.DetachedSessions = s.sessions.count()
	st.DetachedBytes = s.sessions.detachedBytes.Load()
	st.Evicted = s.sessions.evicted.Load()
	if b := s.opts.Broker; b != nil {
		st.Broker = "ok"
		if bs, ok := b.(BrokerStatus); ok {
			if err := bs.Status(); err != nil {
				st.Broker = err.Error()
			}
		}
	}
	for _, c := range conns {
		st.Conns = append(st.Conns, ConnStats{
			ID:         c.id,
			RemoteAddr: c.remoteAddr,
			Connected:  now.Sub(c.connectedAt).Seconds(),
		})
	}
	return st
}

// StatsHandler returns an http.Handler that serves Stats as JSON. Nothing
// mounts it unless asked: it is for the operator. It refuses a request for
// a host the server does not serve as Handler does, and lists the clients'
// addresses only to a loopback peer unless Options.StatsShowAddrs says
// otherwise. Whoever else may read the counts is for the application to
// decide: mount it behind its access control on a public server.
func (s *Server) StatsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.checkHost(w, r) {
			return
		}
		st := s.Stats()
		if !s.opts.StatsShowAddrs && !fromLoopback(r) {
			for i := range st.Conns {
				st.Conns[i].RemoteAddr = ""
			}
		}
		b, err := json.Marshal(st)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(append(b, '\n'))
	})
}

// fromLoopback reports whether r comes from a peer on this machine and not
// through a proxy: behind a proxy on this machine every peer's address is a
// loopback one.
func fromLoopback(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip"} {
		if _, ok := r.Header[h]; ok {
			return false
		}
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && ap.Addr().Unmap().IsLoopback()
}
