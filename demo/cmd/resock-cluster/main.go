//go:build !js

// Command resock-cluster runs the demo as a service of several instances
// on one machine: a NATS server with JetStream (in this process), three
// resock-demo processes that keep their sessions and the whiteboard in it,
// and a round-robin TCP proxy in front of them on one port.
//
//	resock-cluster [-addr 127.0.0.1:8080] [-binary .bin/resock-demo] [-instances 3] [-restart 2s]
//
// Open two pages on the proxy's address: each connection goes to the next
// instance, so they land on different ones. Kill an instance (its process
// id is printed; kill -9 is a crash) and keep drawing: its clients resume
// their sessions on the others, and it is started again after -restart.
// make run-cluster builds resock-demo and runs this.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/resock/resock/internal/cluster"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address of the proxy clients connect to")
	binary := flag.String("binary", ".bin/resock-demo", "the resock-demo executable")
	n := flag.Int("instances", 3, "how many instances to run")
	restart := flag.Duration("restart", 2*time.Second, "how long after an instance exits it is started again (0: never)")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	c, err := cluster.Start(cluster.Options{
		Binary: *binary, Instances: *n, Addr: *addr,
		Args: []string{"-stats"},
		// Every instance must sign client ids alike.
		Env:    []string{"RESOCK_CLIENT_KEY=" + clientKey()},
		Logger: log,
	})
	if err != nil {
		log.Error("resock-cluster failed", "err", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "\nresock demo on %d instances: http://%s/ (NATS at %s)\n", *n, c.Addr(), c.NATS())
	for i := range *n {
		fmt.Fprintf(os.Stderr, "  instance %d: http://%s/stats  pid %d\n", i, c.InstanceAddr(i), c.PID(i))
	}
	fmt.Fprintf(os.Stderr, "kill -9 one of these pids to see its clients move; Ctrl-C stops everything\n\n")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *restart > 0 {
		for i := range *n {
			go func() {
				for {
					select {
					case <-ctx.Done():
						return
					case <-c.Wait(i):
					}
					select {
					case <-ctx.Done():
						return
					case <-time.After(*restart):
					}
					if err := c.Restart(i); err != nil {
						log.Error("could not start the instance again", "instance", i, "err", err)
						return
					}
					fmt.Fprintf(os.Stderr, "  instance %d is back: pid %d\n", i, c.PID(i))
				}
			}()
		}
	}
	<-ctx.Done()
	stop()
	log.Info("stopping")
	c.Stop()
}

// clientKey is the key the instances share, from RESOCK_CLIENT_KEY or made
// up for this run.
func clientKey() string {
	if k := os.Getenv("RESOCK_CLIENT_KEY"); k != "" {
		return k
	}
	return fmt.Sprintf("resock-cluster-%d", time.Now().UnixNano())
}
