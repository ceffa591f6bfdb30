package faultproxy

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

func echoServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func TestSlowLinksStillDeliverEveryByteInOrder(t *testing.T) {
	p, err := New(echoServer(t), Options{MeanFaultInterval: time.Millisecond, SlowWeight: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); p.Stats().Slowdowns == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no slowdown injected")
		}
		time.Sleep(time.Millisecond)
	}
	want := bytes.Repeat([]byte("0123456789abcdef"), 1024)
	go c.Write(want)
	got := make([]byte, len(want))
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bytes changed on the way")
	}
	if s := p.Stats(); s.Slowdowns != 1 || s.Resets != 0 {
		t.Fatalf("stats %+v, want one slowdown and nothing else", s)
	}
}

func TestResetsEndConnections(t *testing.T) {
	p, err := New(echoServer(t), Options{MeanFaultInterval: time.Millisecond, ResetWeight: 1, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, c); err == nil {
		// A reset surfaces as an error; a clean EOF means no reset.
		t.Fatal("connection ended cleanly, want a reset")
	}
	if s := p.Stats(); s.Resets != 1 {
		t.Fatalf("stats %+v, want one reset", s)
	}
}

func TestBlackholeKeepsTheConnectionOpenButSilent(t *testing.T) {
	p, err := New(echoServer(t), Options{MeanFaultInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("ping"))
	buf := make([]byte, 4)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	if n := p.BlackholeAll(); n != 1 {
		t.Fatalf("blackholed %d connections, want 1", n)
	}
	c.Write([]byte("lost"))
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	n, err := c.Read(buf)
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("read %d bytes, err %v: want a timeout on a blackholed connection", n, err)
	}
}

// A stalled connection forwards nothing and reads nothing, so a writer
// into it blocks once the buffers between are full.
func TestStallBlocksTheWriter(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	p, err := New(ln.Addr().String(), Options{MeanFaultInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv := <-accepted
	defer srv.Close()
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(srv, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	if n := p.StallAll(); n != 1 {
		t.Fatalf("stalled %d connections, want 1", n)
	}
	// Far more than any socket buffers hold: the write must time out.
	srv.SetWriteDeadline(time.Now().Add(time.Second))
	chunk := make([]byte, 1<<20)
	written := 0
	for written < 256<<20 {
		n, err := srv.Write(chunk)
		written += n
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Logf("the writer blocked after %d bytes", written)
			return
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("wrote %d bytes into a stalled connection without blocking", written)
}
