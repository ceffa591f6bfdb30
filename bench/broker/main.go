// Command broker measures what keeping resume sessions in NATS JetStream
// costs against keeping them in memory: echo throughput per instance and
// round-trip latency, with native resume clients, at 16 B and 1 KiB.
//
//	go run ./bench/broker [-clients 8] [-messages 4000] [-rounds 1000]
//
// It starts an embedded nats-server (github.com/nats-io/nats-server/v2, a
// file store in a temporary folder) and, for each store, one resock server
// running server.Echo. It prints a markdown table and writes
// bench/results/broker.md and broker.json.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/resock/resock/client"
	"github.com/resock/resock/internal/embeddednats"
	"github.com/resock/resock/server"
	"github.com/resock/resock/server/jetstream"
)

type result struct {
	Store      string  `json:"store"`
	Size       int     `json:"size_bytes"`
	MsgsPerSec float64 `json:"echoes_per_second"`
	P50        float64 `json:"latency_p50_us"`
	P99        float64 `json:"latency_p99_us"`
}

func main() {
	clients := flag.Int("clients", 8, "clients sending at once for throughput")
	messages := flag.Int("messages", 4000, "messages each client sends for throughput")
	inflight := flag.Int("inflight", 64, "messages each client keeps in flight")
	rounds := flag.Int("rounds", 1000, "round trips for latency, one at a time")
	out := flag.String("out", "bench/results", "folder for broker.md and broker.json")
	flag.Parse()

	ns, err := embeddednats.Start("", 0)
	if err != nil {
		log.Fatal(err)
	}
	defer ns.Stop()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	var results []result
	for _, store := range []string{"memory", "jetstream", "jetstream-memory"} {
		for _, size := range []int{16, 1024} {
			opts := server.Options{Logger: quiet}
			var nc *nats.Conn
			var b *jetstream.Broker
			if store != "memory" {
				if nc, err = nats.Connect(ns.URL()); err != nil {
					log.Fatal(err)
				}
				jo := jetstream.Options{Logger: quiet, Prefix: fmt.Sprintf("bench%s%d", strings.ReplaceAll(store, "-", ""), size), Memory: store == "jetstream-memory"}
				if b, err = jetstream.New(context.Background(), nc, jo); err != nil {
					log.Fatal(err)
				}
				opts.Broker = b
			}
			s := server.New(opts)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				log.Fatal(err)
			}
			hs := &http.Server{Handler: s.Handler(server.Echo)}
			go hs.Serve(ln)
			url := "ws://" + ln.Addr().String() + "/"

			r := result{Store: store, Size: size}
			fmt.Fprintf(os.Stderr, "%s, %d B: throughput … ", store, size)
			r.MsgsPerSec = throughput(url, size, *clients, *messages, *inflight)
			fmt.Fprintf(os.Stderr, "%.0f echoes/s; latency … ", r.MsgsPerSec)
			r.P50, r.P99 = latency(url, size, *rounds)
			fmt.Fprintf(os.Stderr, "p50 %.0f µs, p99 %.0f µs\n", r.P50, r.P99)
			results = append(results, r)

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			hs.Close()
			s.Shutdown(ctx)
			cancel()
			if b != nil {
				b.Close()
				nc.Close()
			}
		}
	}
	md := table(results, *clients, *messages, *inflight, *rounds)
	fmt.Print(md)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "broker.md"), []byte(md), 0o644); err != nil {
		log.Fatal(err)
	}
	j, _ := json.MarshalIndent(results, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "broker.json"), append(j, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

// echoer is one resume client that sends and counts echoes.
type echoer struct {
	s      *client.Socket
	got    atomic.Int64
	signal chan struct{}
	open   chan struct{}
}

func dial(url string) *echoer {
	e := &echoer{signal: make(chan struct{}, 1), open: make(chan struct{})}
	var once sync.Once
	s, err := client.New(url, client.Options{
		Resume:            true,
		MaxQueuedMessages: 1 << 20,
		MaxQueuedBytes:    1 << 30,
		OnEvent: func(ev client.Event) {
			switch ev.(type) {
			case client.OpenEvent:
				once.Do(func() { close(e.open) })
			case client.MessageEvent:
				e.got.Add(1)
				select {
				case e.signal <- struct{}{}:
				default:
				}
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	e.s = s
	<-e.open
	return e
}

// throughput is echoes per second with n clients sending m messages each,
// inflight at a time.
func throughput(url string, size, n, m, inflight int) float64 {
	payload := make([]byte, size)
	es := make([]*echoer, n)
	for i := range es {
		es[i] = dial(url)
	}
	var wg sync.WaitGroup
	start := time.Now()
	for _, e := range es {
		wg.Go(func() {
			sent := 0
			for int(e.got.Load()) < m {
				for sent < m && sent-int(e.got.Load()) < inflight {
					if err := e.s.Send(client.MessageBinary, payload); err != nil {
						log.Fatal(err)
					}
					sent++
				}
				<-e.signal
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	for _, e := range es {
		e.s.Close(client.StatusNormalClosure, "")
	}
	return float64(n*m) / d.Seconds()
}

// latency is the p50 and p99 of rounds round trips, one at a time, in µs.
func latency(url string, size, rounds int) (p50, p99 float64) {
	e := dial(url)
	defer e.s.Close(client.StatusNormalClosure, "")
	payload := make([]byte, size)
	ds := make([]time.Duration, 0, rounds)
	for i := range rounds {
		start := time.Now()
		if err := e.s.Send(client.MessageBinary, payload); err != nil {
			log.Fatal(err)
		}
		for int(e.got.Load()) <= i {
			<-e.signal
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	us := func(q float64) float64 { return float64(ds[int(q*float64(len(ds)-1))]) / float64(time.Microsecond) }
	return us(0.50), us(0.99)
}

func table(rs []result, clients, messages, inflight, rounds int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Resume sessions in NATS JetStream against memory\n\n")
	fmt.Fprintf(&b, "`go run ./bench/broker`: one resock server running `server.Echo`, native resume clients (package client) on loopback, an embedded nats-server; `jetstream` keeps the streams in files, `jetstream-memory` in the NATS server's memory (jetstream.Options.Memory). Throughput: %d clients × %d binary messages, %d in flight each. Latency: %d round trips, one at a time.\n\n", clients, messages, inflight, rounds)
	fmt.Fprintf(&b, "| size | store | echoes/s | vs memory | p50 µs | p99 µs | p50 vs memory |\n|---:|---|---:|---:|---:|---:|---:|\n")
	mem := map[int]result{}
	for _, r := range rs {
		if r.Store == "memory" {
			mem[r.Size] = r
		}
	}
	for _, size := range []int{16, 1024} {
		for _, r := range rs {
			if r.Size != size {
				continue
			}
			m := mem[size]
			fmt.Fprintf(&b, "| %d B | %s | %.0f | %.2f× | %.0f | %.0f | %.2f× |\n", size, r.Store, r.MsgsPerSec, r.MsgsPerSec/m.MsgsPerSec, r.P50, r.P99, r.P50/m.P50)
		}
	}
	return b.String()
}
