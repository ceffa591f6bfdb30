// Package roundrobin is a TCP proxy that spreads connections over several
// backends in turn, skipping one that does not answer: what a load balancer
// in front of several instances of a service does, for make run-cluster and
// for tests.
package roundrobin

import (
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards each connection it accepts to the next backend.
type Proxy struct {
	ln       net.Listener
	backends []string
	next     atomic.Uint64
	log      *slog.Logger

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Listen starts a proxy on addr ("127.0.0.1:0" for a free port) in front of
// backends. log may be nil.
func Listen(addr string, backends []string, log *slog.Logger) (*Proxy, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Proxy{ln: ln, backends: backends, log: log, conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is the address clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Close stops accepting and closes every connection.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.forward(c)
		}()
	}
}

// forward connects c to the next backend that answers, trying each once.
func (p *Proxy) forward(c net.Conn) {
	var b net.Conn
	for range p.backends {
		addr := p.backends[(p.next.Add(1)-1)%uint64(len(p.backends))]
		var err error
		if b, err = net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
			p.log.Debug("forwarding", "client", c.RemoteAddr(), "backend", addr)
			break
		}
		p.log.Info("backend down, trying the next", "backend", addr, "err", err)
	}
	if b == nil {
		c.Close()
		return
	}
	if !p.track(c, b) {
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(b, c)
	go pipe(c, b)
	<-done
	<-done
	p.untrack(c, b)
}

func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		c.Close()
		delete(p.conns, c)
	}
}
