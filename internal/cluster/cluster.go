// Package cluster runs several instances of the demo as separate processes
// behind a round-robin proxy, sharing one NATS server: what make
// run-cluster starts, and what the tests that kill instances use.
package cluster

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/resock/resock/internal/embeddednats"
	"github.com/resock/resock/internal/roundrobin"
)

// Options says how to run the cluster.
type Options struct {
	// Binary is the resock-demo executable.
	Binary string
	// Instances is how many to run; default 3.
	Instances int
	// Addr is where the proxy listens; default a free loopback port.
	Addr string
	// Args are more flags for every instance (-demo, -jsglue, -stats …).
	Args []string
	// Env is added to every instance's environment.
	Env []string
	// NATS is the NATS server's URL; empty starts one in this process,
	// or, with NATSProcess, in a process of its own (Binary with -nats
	// embedded, never killed), which keeps a busy or instrumented test
	// process from slowing NATS down.
	NATS        string
	NATSProcess bool
	// Output receives the instances' logs; default os.Stderr.
	Output io.Writer
	Logger *slog.Logger
}

// Cluster is a running cluster.
type Cluster struct {
	o     Options
	nats  *embeddednats.Server
	url   string
	proxy *roundrobin.Proxy
	addrs []string

	mu    sync.Mutex
	procs []*exec.Cmd
	done  []chan struct{}

	natsProc *exec.Cmd
	natsDone chan struct{}
}

// Start starts the NATS server (unless Options.NATS names one), the
// instances, each on a free loopback port, and the proxy, and waits until
// every instance answers.
func Start(o Options) (*Cluster, error) {
	if o.Instances <= 0 {
		o.Instances = 3
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Output == nil {
		o.Output = os.Stderr
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Cluster{o: o, url: o.NATS}
	switch {
	case c.url != "":
	case o.NATSProcess:
		if err := c.startNATS(); err != nil {
			return nil, err
		}
	default:
		ns, err := embeddednats.Start("", 0)
		if err != nil {
			return nil, err
		}
		c.nats, c.url = ns, ns.URL()
	}
	for range o.Instances {
		addr, err := freeAddr()
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.addrs = append(c.addrs, addr)
		c.procs = append(c.procs, nil)
		c.done = append(c.done, nil)
	}
	for i := range c.addrs {
		if err := c.Restart(i); err != nil {
			c.Stop()
			return nil, err
		}
	}
	p, err := roundrobin.Listen(o.Addr, c.addrs, o.Logger)
	if err != nil {
		c.Stop()
		return nil, err
	}
	c.proxy = p
	return c, nil
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startNATS runs a NATS server in a process of its own: the demo binary
// with -nats embedded, which also serves a demo nobody uses.
func (c *Cluster) startNATS() error {
	natsAddr, err := freeAddr()
	if err != nil {
		return err
	}
	demoAddr, err := freeAddr()
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(natsAddr)
	cmd := exec.Command(c.o.Binary, append([]string{"-addr", demoAddr, "-nats", "embedded", "-nats-port", port}, c.o.Args...)...)
	cmd.Stdout, cmd.Stderr = c.o.Output, c.o.Output
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("NATS process: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	c.natsProc, c.natsDone = cmd, done
	c.url = "nats://" + natsAddr
	// The demo listens once NATS is up.
	return waitListening(demoAddr, done, 60*time.Second)
}

// waitListening waits until addr accepts connections, or done is closed,
// or d has passed.
func waitListening(addr string, done <-chan struct{}, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("the process for %s exited while starting", addr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listened on %s within %v", addr, d)
		}
	}
}

// Addr is the proxy's address, where clients connect.
func (c *Cluster) Addr() string { return c.proxy.Addr() }

// NATS is the NATS server's URL.
func (c *Cluster) NATS() string { return c.url }

// InstanceAddr is instance i's own address.
func (c *Cluster) InstanceAddr(i int) string { return c.addrs[i] }

// PID is instance i's process id, or 0 if it is not running.
func (c *Cluster) PID(i int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.procs[i]; p != nil && p.Process != nil {
		return p.Process.Pid
	}
	return 0
}

// Restart starts instance i, after it stopped, and waits until it answers.
func (c *Cluster) Restart(i int) error {
	args := append([]string{"-addr", c.addrs[i], "-nats", c.url}, c.o.Args...)
	cmd := exec.Command(c.o.Binary, args...)
	cmd.Env = append(os.Environ(), c.o.Env...)
	cmd.Stdout, cmd.Stderr = c.o.Output, c.o.Output
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("instance %d: %w", i, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	c.mu.Lock()
	c.procs[i], c.done[i] = cmd, done
	c.mu.Unlock()
	if err := waitListening(c.addrs[i], done, 60*time.Second); err != nil {
		return fmt.Errorf("instance %d: %w", i, err)
	}
	c.o.Logger.Info("instance up", "instance", i, "addr", c.addrs[i], "pid", cmd.Process.Pid)
	return nil
}

// Kill kills instance i with SIGKILL, as a crash would, and waits until it
// is gone.
func (c *Cluster) Kill(i int) error {
	c.mu.Lock()
	cmd, done := c.procs[i], c.done[i]
	c.mu.Unlock()
	if cmd == nil {
		return errors.New("instance " + strconv.Itoa(i) + " is not running")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	<-done
	c.o.Logger.Info("instance killed", "instance", i, "pid", cmd.Process.Pid)
	return nil
}

// Wait returns a channel closed when instance i exits.
func (c *Cluster) Wait(i int) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done[i]
}

// Stop stops the proxy, the instances (SIGTERM, then SIGKILL after 5 s) and
// the NATS server if it started one.
func (c *Cluster) Stop() {
	if c.proxy != nil {
		c.proxy.Close()
	}
	c.mu.Lock()
	procs, dones := append([]*exec.Cmd(nil), c.procs...), append([]chan struct{}(nil), c.done...)
	c.mu.Unlock()
	for i, p := range procs {
		if p == nil {
			continue
		}
		_ = p.Process.Signal(syscall.SIGTERM)
		select {
		case <-dones[i]:
		case <-time.After(5 * time.Second):
			_ = p.Process.Kill()
			<-dones[i]
		}
	}
	if c.nats != nil {
		c.nats.Stop()
	}
	if c.natsProc != nil {
		_ = c.natsProc.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.natsDone:
		case <-time.After(5 * time.Second):
			_ = c.natsProc.Process.Kill()
			<-c.natsDone
		}
	}
}
