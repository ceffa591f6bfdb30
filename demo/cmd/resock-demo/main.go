//go:build !js

// Command resock-demo serves the resock demo: the whiteboard page, the resock
// JavaScript and WebAssembly files, an echo endpoint, the whiteboard room
// and, with -stats, the server's stats.
//
//	resock-demo [-addr 127.0.0.1:8080] [-allowed-hosts host,...] [-origin host,...] [-stats] [-demo demo] [-jsglue jsglue] [-retry-after 3s] [-nats URL|embedded]
//
// With -nats, resume sessions and the whiteboard live in NATS JetStream
// (package server/jetstream), so that several instances serve one demo: a
// client resumes its session on whichever instance it reaches, and a
// stroke drawn on one instance's page reaches every instance's pages. -nats
// nats://host:4222 uses a NATS server (with JetStream enabled) already
// running; -nats embedded starts one inside this process, storing in
// -nats-dir (a temporary folder by default), for a try on one machine.
// Instances must share RESOCK_CLIENT_KEY (at least 16 bytes) so that the
// client ids one issues hold on the others.
//
// WebSocket handshakes and /stats are answered only for the hosts the demo
// serves: localhost, loopback addresses, the address a request arrives on,
// the host name of -addr, and those of -allowed-hosts (host or host:port,
// "*.example.com" for every name below example.com). Any other Host, as a
// DNS-rebinding page sends, is refused with 403. /stats lists the clients'
// addresses only to a peer on a loopback address.
//
// On SIGINT or SIGTERM it closes every client with 1012 (service restart),
// telling each to wait between -retry-after and twice it before it comes
// back, so reconnecting clients return spread out once it is started again;
// it exits within 5 s.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/resock/resock/demo"
	"github.com/resock/resock/internal/embeddednats"
	"github.com/resock/resock/server"
	"github.com/resock/resock/server/jetstream"
)

// shutdownTimeout leaves room within the promised 5 s for the process to exit.
const shutdownTimeout = 4 * time.Second

// defaultRetryAfter is about as long as the demo takes to be stopped and
// started again by hand or by a supervisor: clients that came back sooner
// would only find the port closed and back off further.
const defaultRetryAfter = 3 * time.Second

func main() {
	err := run()
	if err != nil {
		slog.Error("resock-demo failed", "err", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	hosts := flag.String("allowed-hosts", "", "comma-separated extra hosts (host or host:port) clients may reach the server by (localhost, loopback addresses, the address a request arrives on and the host of -addr always are)")
	origins := flag.String("origin", "", "comma-separated extra origin patterns allowed to open WebSockets (the same origin always is)")
	stats := flag.Bool("stats", false, "serve the server's stats at /stats (client addresses only to loopback peers)")
	demoDir := flag.String("demo", "demo", "directory of the demo page")
	jsglueDir := flag.String("jsglue", "jsglue", "directory of resock.js, resock.wasm and wasm_exec.js")
	retryAfter := flag.Duration("retry-after", defaultRetryAfter, "least wait clients are told to observe after a shutdown before they come back (0: no hint)")
	natsURL := flag.String("nats", "", `keep sessions and the whiteboard in NATS JetStream: a NATS URL, or "embedded" to start a NATS server in this process`)
	natsDir := flag.String("nats-dir", "", "with -nats embedded, where the NATS server stores its streams (default: a temporary folder)")
	natsPort := flag.Int("nats-port", 0, "with -nats embedded, the port the NATS server listens on (default: a free one)")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", flag.Args())
	}
	if *retryAfter < 0 {
		return fmt.Errorf("-retry-after must not be negative, got %v", *retryAfter)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	slog.SetDefault(logger)

	so := server.Options{
		AllowedHosts:       allowedHosts(*hosts, *addr),
		OriginPatterns:     splitList(*origins),
		Logger:             logger,
		ShutdownRetryAfter: *retryAfter,
		ClientKey:          []byte(os.Getenv("RESOCK_CLIENT_KEY")),
	}
	do := demo.Options{Dir: *demoDir, JSGlueDir: *jsglueDir, Stats: *stats}
	if *natsURL != "" {
		closeNATS, err := useNATS(*natsURL, *natsDir, *natsPort, logger, &so, &do)
		if err != nil {
			return err
		}
		defer closeNATS()
	}
	d, _ := demo.New(so, do)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("failed to listen: %w", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	serveErr := make(chan error, 1)
	go func() { serveErr <- d.Serve(ln) }()

	select {
	case err := <-serveErr:
		return fmt.Errorf("failed to serve: %w", err)
	case <-ctx.Done():
	}
	// A second signal kills the process at once.
	stop()
	logger.Info("signal received, shutting down")

	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = d.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// Clients that did not answer the close in time were dropped: that
		// is the deadline doing its job, not a failure.
		logger.Warn("some clients did not close in time", "err", err)
		err = nil
	}
	if serr := <-serveErr; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("failed to serve: %w", serr))
	}
	if err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// useNATS connects to NATS, or starts one in the process, and keeps the
// demo's sessions and room there.
func useNATS(url, dir string, port int, logger *slog.Logger, so *server.Options, do *demo.Options) (func(), error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if url == "embedded" {
		ns, err := embeddednats.Start(dir, port)
		if err != nil {
			return nil, fmt.Errorf("failed to start NATS: %w", err)
		}
		logger.Info("started an embedded NATS server", "url", ns.URL(), "store", ns.Dir())
		closers = append(closers, ns.Stop)
		url = ns.URL()
	}
	nc, err := nats.Connect(url, nats.Name("resock-demo"), nats.MaxReconnects(-1))
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("failed to connect to NATS at %s: %w", url, err)
	}
	closers = append(closers, nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := jetstream.New(ctx, nc, jetstream.Options{Logger: logger})
	if err != nil {
		closeAll()
		return nil, err
	}
	closers = append(closers, func() { _ = b.Close() })
	// Four times the history: an instance may fall that far behind before
	// it misses strokes.
	topic, err := b.Topic(ctx, "board", 4*demo.DefaultHistory)
	if err != nil {
		closeAll()
		return nil, err
	}
	room, err := demo.NewRelayedRoom(ctx, demo.DefaultHistory, topic)
	if err != nil {
		closeAll()
		return nil, err
	}
	closers = append(closers, room.Close)
	so.Broker = b
	do.Room = room
	logger.Info("sessions and the whiteboard live in NATS JetStream", "nats", url)
	return closeAll, nil
}

// allowedHosts returns the hosts of -allowed-hosts and the host name of
// -addr, which the operator means clients to use too; an address there is
// one the server already answers to.
func allowedHosts(list, addr string) []string {
	hosts := splitList(list)
	if host, _, err := net.SplitHostPort(addr); err == nil && host != "" && net.ParseIP(host) == nil {
		hosts = append(hosts, host)
	}
	return hosts
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
