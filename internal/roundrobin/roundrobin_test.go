package roundrobin

import (
	"bufio"
	"net"
	"testing"
)

// echoName accepts connections and answers each with name.
func echoName(t *testing.T, name string) string {
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
			c.Write([]byte(name + "\n"))
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func ask(t *testing.T, addr string) string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return line[:len(line)-1]
}

// Connections go to each backend in turn, and past one that is down.
func TestTurnsAndSkipsADeadBackend(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	p, err := Listen("127.0.0.1:0", []string{echoName(t, "a"), deadAddr, echoName(t, "b")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var got []string
	for range 4 {
		got = append(got, ask(t, p.Addr()))
	}
	// a; the dead one, then b; a; the dead one, then b.
	if want := []string{"a", "b", "a", "b"}; len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("backends in turn: %q, want %q", got, want)
	}
}
