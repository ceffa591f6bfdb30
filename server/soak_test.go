//go:build !js

package server

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/resock/resock/internal/wire"
)

// soakCycles is how many connect/disconnect cycles each soak runs: 10 000 in
// all, plain and resume, where a resume cycle is two connections.
const soakCycles = 5000

// soak runs cycle soakCycles times from a few clients at once, after a
// warm-up with as many clients (pools and maps reach their working size),
// and checks that the server's goroutines and heap come back to where they
// were.
func soak(t *testing.T, ms *memServer, cycle func(ctx context.Context, i int) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := runCycles(ctx, soakCycles/10, cycle); err != nil {
		t.Fatalf("warm-up: %v", err)
	}
	ms.waitIdle(t, 5*time.Second)
	goroutines := settledGoroutines(0)
	heap := liveHeap()

	start := time.Now()
	if err := runCycles(ctx, soakCycles, cycle); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	ms.waitIdle(t, 10*time.Second)
	after := settledGoroutines(goroutines)
	heapAfter := liveHeap()
	t.Logf("%d cycles in %v (%.0f/s); goroutines %d before, %d after; heap %s before, %s after (%s)",
		soakCycles, took.Round(time.Millisecond), soakCycles/took.Seconds(), goroutines, after, mib(heap), mib(heapAfter), signedMiB(int64(heapAfter)-int64(heap)))
	if after > goroutines {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the soak, %d before:\n%s", after, goroutines, buf[:runtime.Stack(buf, true)])
	}
	if grew := int64(heapAfter) - int64(heap); grew > 512<<10 {
		t.Errorf("the heap grew by %s over %d cycles", signedMiB(grew), soakCycles)
	}
}

// runCycles runs cycle n times from 8 clients at once.
func runCycles(ctx context.Context, n int, cycle func(ctx context.Context, i int) error) error {
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := cycle(ctx, i); err != nil {
					errs <- fmt.Errorf("cycle %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// settledGoroutines waits up to 10 s for the goroutine count to come down
// to want, and returns it; want 0 waits only for it to stop falling.
func settledGoroutines(want int) int {
	deadline := time.Now().Add(10 * time.Second)
	n := runtime.NumGoroutine()
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if want > 0 && m <= want || want == 0 && m == n {
			return m
		}
		n = m
	}
	return n
}

func TestSoakPlainConnectDisconnectLeavesNothingBehind(t *testing.T) {
	ms := startMemServer(t, Options{Logger: quietLogger()}, Echo)
	soak(t, ms, func(ctx context.Context, i int) error {
		c, err := ms.dial(ctx)
		if err != nil {
			return err
		}
		defer c.CloseNow()
		msg := []byte(fmt.Sprint(i))
		if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
			return err
		}
		if _, got, err := c.Read(ctx); err != nil || string(got) != string(msg) {
			return fmt.Errorf("echo %q, %v; want %q", got, err, msg)
		}
		// Half the clients close cleanly, half just vanish.
		if i%2 == 0 {
			return c.Close(websocket.StatusNormalClosure, "")
		}
		return nil
	})
}

func TestSoakResumeConnectDropResumeCloseLeavesNothingBehind(t *testing.T) {
	ms := startMemServer(t, Options{Logger: quietLogger()}, Echo)
	soak(t, ms, func(ctx context.Context, i int) error {
		// First connection: a fresh session and one echo, then a drop.
		c, err := ms.dial(ctx, wire.Protocol)
		if err != nil {
			return err
		}
		w, err := soakHello(ctx, c, wire.Hello{Version: 1})
		if err != nil {
			c.CloseNow()
			return err
		}
		if err := soakEcho(ctx, c, fmt.Sprint("a", i)); err != nil {
			c.CloseNow()
			return err
		}
		c.CloseNow()
		// Second connection: resume the session, one more echo, and end it.
		c, err = ms.dial(ctx, wire.Protocol)
		if err != nil {
			return err
		}
		defer c.CloseNow()
		again, err := soakHello(ctx, c, wire.Hello{Version: 1, Session: w.Session, Token: w.Token, Received: 1})
		if err != nil {
			return err
		}
		if !again.Resumed {
			return fmt.Errorf("welcome %+v, want the session resumed", again)
		}
		if err := soakEcho(ctx, c, fmt.Sprint("b", i)); err != nil {
			return err
		}
		return c.Close(websocket.StatusNormalClosure, "")
	})
}

func soakHello(ctx context.Context, c *websocket.Conn, h wire.Hello) (wire.Welcome, error) {
	if err := c.Write(ctx, websocket.MessageBinary, wire.AppendHello(nil, h)); err != nil {
		return wire.Welcome{}, err
	}
	_, b, err := c.Read(ctx)
	if err != nil {
		return wire.Welcome{}, err
	}
	f, err := wire.Parse(b)
	if err != nil || f.Type != wire.TypeWelcome {
		return wire.Welcome{}, fmt.Errorf("answer %x, %v: want a welcome", b, err)
	}
	return f.Welcome, nil
}

// soakEcho sends one data frame and waits for its echo, skipping the
// server's acks.
func soakEcho(ctx context.Context, c *websocket.Conn, msg string) error {
	if err := c.Write(ctx, websocket.MessageText, wire.AppendData(nil, false, []byte(msg))); err != nil {
		return err
	}
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			return err
		}
		f, err := wire.ParseMessage(typ == websocket.MessageBinary, b)
		if err != nil {
			return err
		}
		if f.Type == wire.TypeText {
			if string(f.Payload) != msg {
				return fmt.Errorf("echo %q, want %q", f.Payload, msg)
			}
			return nil
		}
	}
}
