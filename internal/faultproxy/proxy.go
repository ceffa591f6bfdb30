// Package faultproxy is a TCP proxy that breaks connections on purpose, for
// tests that prove resock loses nothing when the network misbehaves. Between
// a client and a server on loopback it resets connections, blackholes them
// without closing (the half-open case heartbeats exist for), delays traffic
// and splits writes into small pieces.
package faultproxy

import (
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Options sets how often and how a Proxy misbehaves. Zero values mean
// the defaults in each comment.
type Options struct {
	// MeanFaultInterval is the mean time between faults on one connection
	// (exponentially distributed). Default 1 s. Negative: no random faults.
	MeanFaultInterval time.Duration
	// ResetWeight, BlackholeWeight and SlowWeight weigh the kinds of fault
	// drawn: reset both sides, blackhole both directions while keeping the
	// sockets open, or switch the connection to delayed, split writes.
	// Defaults 4, 1, 3.
	ResetWeight, BlackholeWeight, SlowWeight int
	// MaxDelay bounds the delay of a slow connection's writes. Default 20 ms.
	MaxDelay time.Duration
	// Seed makes the faults repeatable.
	Seed uint64
}

// Stats counts what a Proxy did.
type Stats struct {
	Connections, Resets, Blackholes, Slowdowns int64
}

// Faults is the number of faults injected.
func (s Stats) Faults() int64 { return s.Resets + s.Blackholes + s.Slowdowns }

// Proxy forwards TCP connections from its own address to a target.
type Proxy struct {
	o      Options
	target string
	ln     net.Listener

	conns, resets, blackholes, slowdowns atomic.Int64

	mu     sync.Mutex
	rng    *rand.Rand
	links  map[*link]bool
	closed bool
	wg     sync.WaitGroup
}

// New starts a proxy on a free loopback port that forwards to target.
func New(target string, o Options) (*Proxy, error) {
	if o.MeanFaultInterval == 0 {
		o.MeanFaultInterval = time.Second
	}
	if o.ResetWeight == 0 && o.BlackholeWeight == 0 && o.SlowWeight == 0 {
		o.ResetWeight, o.BlackholeWeight, o.SlowWeight = 4, 1, 3
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 20 * time.Millisecond
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{o: o, target: target, ln: ln, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), links: map[*link]bool{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Stats reports what the proxy did so far.
func (p *Proxy) Stats() Stats {
	return Stats{Connections: p.conns.Load(), Resets: p.resets.Load(), Blackholes: p.blackholes.Load(), Slowdowns: p.slowdowns.Load()}
}

// BlackholeAll blackholes every current connection: bytes stop flowing but
// no side sees a close. It returns how many it blackholed.
func (p *Proxy) BlackholeAll() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for l := range p.links {
		if l.blackhole() {
			p.blackholes.Add(1)
			n++
		}
	}
	return n
}

// StallAll makes every current connection's far end vanish as a machine
// that lost power does: nothing is forwarded and nothing more is read, so
// each side's writes fill the buffers between them and then block, as they
// do when the peer stops acknowledging, and no side sees a close.
// (BlackholeAll keeps reading and discards, so writes never block.) It
// returns how many it stalled.
func (p *Proxy) StallAll() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for l := range p.links {
		if !l.stalled.Swap(true) {
			p.blackholes.Add(1)
			n++
		}
	}
	return n
}

// Close stops accepting and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for l := range p.links {
		l.close(false)
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) draw() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rng.Float64()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.conns.Add(1)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(c)
		}()
	}
}

func (p *Proxy) serve(client net.Conn) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	l := &link{client: client, server: server, done: make(chan struct{}), maxDelay: p.o.MaxDelay}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		l.close(false)
		return
	}
	p.links[l] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.links, l)
		p.mu.Unlock()
	}()

	var pumps sync.WaitGroup
	pumps.Add(2)
	go func() { defer pumps.Done(); l.pump(server, client, p.draw) }()
	go func() { defer pumps.Done(); l.pump(client, server, p.draw) }()
	if p.o.MeanFaultInterval > 0 {
		go p.faults(l)
	}
	pumps.Wait()
	l.close(false)
}

// faults injects random faults into l until it ends.
func (p *Proxy) faults(l *link) {
	total := p.o.ResetWeight + p.o.BlackholeWeight + p.o.SlowWeight
	for {
		wait := time.Duration(-float64(p.o.MeanFaultInterval) * logOf(1-p.draw()))
		select {
		case <-l.done:
			return
		case <-time.After(wait):
		}
		switch k := int(p.draw() * float64(total)); {
		case k < p.o.ResetWeight:
			p.resets.Add(1)
			l.close(true)
			return
		case k < p.o.ResetWeight+p.o.BlackholeWeight:
			if l.blackhole() {
				p.blackholes.Add(1)
			}
			return
		default:
			if l.slowDown() {
				p.slowdowns.Add(1)
			}
		}
	}
}

// link is one proxied connection.
type link struct {
	client, server net.Conn
	maxDelay       time.Duration

	holed   atomic.Bool
	stalled atomic.Bool
	slow    atomic.Bool
	once    sync.Once
	done    chan struct{}
}

// pump copies src to dst, misbehaving as the link's state says.
func (l *link) pump(dst, src net.Conn, draw func() float64) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if l.stalled.Load() {
			// Read nothing more until the link ends.
			<-l.done
			return
		}
		if n > 0 && !l.holed.Load() {
			if werr := l.write(dst, buf[:n], draw); werr != nil {
				l.close(false)
				return
			}
		}
		if err != nil {
			// A blackholed link keeps draining and only ends when an
			// endpoint gives up; otherwise a half-close is passed on.
			if errors.Is(err, io.EOF) && !l.holed.Load() {
				if tc, ok := dst.(*net.TCPConn); ok {
					tc.CloseWrite()
					return
				}
			}
			l.close(false)
			return
		}
	}
}

func (l *link) write(dst net.Conn, b []byte, draw func() float64) error {
	if !l.slow.Load() {
		_, err := dst.Write(b)
		return err
	}
	for len(b) > 0 {
		n := 1 + int(draw()*float64(min(len(b), 512)))
		time.Sleep(time.Duration(draw() * float64(l.maxDelay)))
		if l.holed.Load() {
			return nil
		}
		if _, err := dst.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func (l *link) slowDown() bool { return !l.slow.Swap(true) }

func (l *link) blackhole() bool { return !l.holed.Swap(true) }

// close ends the link; reset makes both sides see a connection reset.
func (l *link) close(reset bool) {
	l.once.Do(func() {
		if reset {
			for _, c := range []net.Conn{l.client, l.server} {
				if tc, ok := c.(*net.TCPConn); ok {
					tc.SetLinger(0)
				}
			}
		}
		l.client.Close()
		l.server.Close()
		close(l.done)
	})
}

func logOf(x float64) float64 {
	if x <= 0 {
		x = 1e-12
	}
	return math.Log(x)
}
