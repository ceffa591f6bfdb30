//go:build !js

package server

import (
	"crypto/subtle"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resock/resock/internal/wire"
)

// sessions is the one owner of the set of live resock.v1 sessions, and of
// the bounds that keep them from exhausting the server: the table's size,
// the sessions one address may hold, the rate of hellos for sessions it
// does not know, and the bytes held by sessions without a connection.
//
// Lock order: a session's mu before sessions.mu. Nothing that holds
// sessions.mu takes a session's lock; evictions are chosen under it and
// carried out after.
type sessions struct {
	mu      sync.Mutex
	byID    map[wire.ID]*session
	closing bool
	// perAddr counts the sessions of each address (addrKey).
	perAddr map[string]int
	// detached holds the sessions without a connection, with when they
	// lost it and whether their client ever proved it is one.
	detached map[*session]detachment
	// detachedBytes is what detached sessions hold: their frames not yet
	// acknowledged and their messages not yet read, as each session last
	// counted them (session.recountLocked).
	detachedBytes atomic.Int64
	// evicted counts the sessions ended with ErrSessionEvicted.
	evicted atomic.Uint64
	hellos  helloLimiter

	max, maxPerAddr int
	maxDetached     int64
	// apps tracks the app goroutines, which run once per session; add
	// counts one for each session it accepts.
	apps sync.WaitGroup
}

// detachment is when a session lost its connection, and whether its
// client had proved by then that it is a working client: it acknowledged a
// frame or sent one. A session whose client never did (a first connection
// cut before its welcome arrived, whose client starts another session; or
// an attacker's) goes first when room must be made, before one whose client
// is merely between connections.
type detachment struct {
	at     time.Time
	proven bool
}

// before orders detachments by which to end first.
func (d detachment) before(e detachment) bool {
	if d.proven != e.proven {
		return !d.proven
	}
	return d.at.Before(e.at)
}

func newSessions(o Options) *sessions {
	return &sessions{
		byID:        make(map[wire.ID]*session),
		perAddr:     make(map[string]int),
		detached:    make(map[*session]detachment),
		max:         o.MaxSessions,
		maxPerAddr:  o.MaxSessionsPerAddress,
		maxDetached: int64(o.MaxDetachedBytes),
		hellos:      helloLimiter{rate: o.UnknownHelloRate, buckets: make(map[string]*bucket)},
	}
}

// find returns the session a hello may resume: its id is known, its token
// matches (compared in constant time) and its count is possible. Otherwise
// it says why not.
func (r *sessions) find(h wire.Hello) (*session, string) {
	if h.Session.IsZero() {
		return nil, ""
	}
	r.mu.Lock()
	s := r.byID[h.Session]
	r.mu.Unlock()
	if s == nil {
		// An expired session and a forged id look the same from here.
		return nil, noSuchSession
	}
	if subtle.ConstantTimeCompare(s.token[:], h.Token[:]) != 1 {
		return nil, "wrong token"
	}
	s.mu.Lock()
	ok := s.canResumeLocked(h.Received)
	s.mu.Unlock()
	if !ok {
		return nil, "impossible count"
	}
	return s, ""
}

// noSuchSession is why find finds no session for an id it does not know.
const noSuchSession = "no such session: expired or forged"

// Why add refuses a session.
var (
	errTooManySessions = errors.New("too many sessions")
	errAddressQuota    = errors.New("too many sessions from this address")
	errSessionExists   = errors.New("session already here")
)

// ErrSessionEvicted ends a session that had no connection when the server
// needed its room: the detached sessions held more than
// Options.MaxDetachedBytes, the table was full, or its address held
// Options.MaxSessionsPerAddress. Its client gets a fresh session and sends
// again what the server had not acknowledged, with the same message ids, as
// after a restart.
var ErrSessionEvicted = errors.New("session evicted: it had no connection and the server needed its room")

// add registers s unless the server is closing. A full table, or an address
// at its quota, makes room by evicting the oldest detached session (of that
// address, for the quota); with none to evict, s is refused.
func (r *sessions) add(s *session) error {
	var victims []*session
	defer func() { evict(victims, "session table full or address quota reached") }()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return ErrServerClosed
	}
	if _, dup := r.byID[s.id]; dup {
		// Two connections of one client took the session over from
		// another instance at once: the first has it.
		return errSessionExists
	}
	if r.perAddr[s.addr] >= r.maxPerAddr {
		v := r.oldestDetachedLocked(func(d *session) bool { return d.addr == s.addr })
		if v == nil {
			return errAddressQuota
		}
		victims = append(victims, v)
	}
	if len(r.byID)-len(victims) >= r.max {
		v := r.oldestDetachedLocked(func(d *session) bool { return !slices.Contains(victims, d) })
		if v == nil {
			victims = nil
			return errTooManySessions
		}
		victims = append(victims, v)
	}
	for _, v := range victims {
		// Forgotten now, so that the room is there for s; ended once the
		// lock is released.
		r.forgetLocked(v)
	}
	r.byID[s.id] = s
	r.perAddr[s.addr]++
	// Counted here, under the lock shutdown takes, so that no app starts
	// once Shutdown waits for them.
	r.apps.Add(1)
	return nil
}

// oldestDetachedLocked is the detached session to end first among those
// keep accepts (detachment.before), or nil.
func (r *sessions) oldestDetachedLocked(keep func(*session) bool) *session {
	var oldest *session
	var first detachment
	for s, d := range r.detached {
		if keep(s) && (oldest == nil || d.before(first)) {
			oldest, first = s, d
		}
	}
	return oldest
}

func (r *sessions) remove(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forgetLocked(s)
}

func (r *sessions) forgetLocked(s *session) {
	if r.byID[s.id] != s {
		return
	}
	delete(r.byID, s.id)
	delete(r.detached, s)
	if r.perAddr[s.addr]--; r.perAddr[s.addr] <= 0 {
		delete(r.perAddr, s.addr)
	}
}

// setDetached records whether s has a connection. Called with s.mu held.
func (r *sessions) setDetached(s *session, detached bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID[s.id] != s {
		return
	}
	if detached {
		r.detached[s] = detachment{at: time.Now(), proven: s.acked > 0 || s.received > 0}
	} else {
		delete(r.detached, s)
	}
}

// enforceBudget ends detached sessions, in the order detachment.before
// gives, until the bytes detached sessions hold are within
// Options.MaxDetachedBytes. Called without any session's lock.
func (r *sessions) enforceBudget() {
	if r.detachedBytes.Load() <= r.maxDetached {
		return
	}
	r.mu.Lock()
	byAge := make([]*session, 0, len(r.detached))
	for s := range r.detached {
		byAge = append(byAge, s)
	}
	slices.SortFunc(byAge, func(a, b *session) int {
		if r.detached[a].before(r.detached[b]) {
			return -1
		}
		return 1
	})
	r.mu.Unlock()
	var victims []*session
	over := r.detachedBytes.Load() - r.maxDetached
	for _, s := range byAge {
		if over <= 0 {
			break
		}
		s.mu.Lock()
		over -= int64(s.counted)
		s.mu.Unlock()
		victims = append(victims, s)
	}
	evict(victims, "detached sessions over MaxDetachedBytes")
}

// evict ends sessions that still have no connection, for why.
func evict(victims []*session, why string) {
	for _, s := range victims {
		s.mu.Lock()
		ok := !s.ended && s.link == nil
		var held int
		if ok {
			held = s.counted
			s.endLocked(ErrSessionEvicted)
		}
		s.mu.Unlock()
		if ok {
			s.cfg.ended(s)
			s.cfg.table.evicted.Add(1)
			s.log.Warn("session evicted", "reason", why, "held_bytes", held)
		}
	}
}

// count is the number of sessions, and of those without a connection.
func (r *sessions) count() (all, detached int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byID), len(r.detached)
}

// shutdown refuses new sessions and returns the live ones.
func (r *sessions) shutdown() []*session {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closing = true
	out := make([]*session, 0, len(r.byID))
	for _, s := range r.byID {
		out = append(out, s)
	}
	return out
}

// addrKey is the part of a remote address that names one peer: the IP for
// IPv4, the /64 prefix for IPv6, where one host commonly has a whole /64.
func addrKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

// helloLimiter bounds, per address, the hellos for sessions the server does
// not know: a token bucket of rate per second holding up to burst.
type helloLimiter struct {
	mu      sync.Mutex
	rate    float64
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// helloBurst is how many seconds' worth of hellos a bucket holds: enough
// for every client behind one address to come back at once after a restart
// of a few seconds, spread by their backoff.
const helloBurst = 10

// maxBuckets bounds the limiter's memory: past it, full buckets, which
// carry no information, are dropped.
const maxBuckets = 10000

// allow takes a token for key, or reports false if it has none.
func (l *helloLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	burst := l.rate * helloBurst
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			for k, other := range l.buckets {
				if other.tokens+now.Sub(other.last).Seconds()*l.rate >= burst {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{tokens: burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
