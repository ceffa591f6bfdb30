package jetstream_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/resock/resock/client"
	"github.com/resock/resock/internal/embeddednats"
	"github.com/resock/resock/internal/roundrobin"
	"github.com/resock/resock/server"
	"github.com/resock/resock/server/jetstream"
)

// connectBroker connects to NATS at url and starts a Broker on it; both are
// closed when the test ends.
func connectBroker(t *testing.T, url string, opts ...nats.Option) *jetstream.Broker {
	t.Helper()
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	b, err := jetstream.New(context.Background(), nc, jetstream.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// ledger stands for the application's database, which outlives every
// instance: the client messages each client's sessions were given, and
// mistakes.
type ledger struct {
	mu    sync.Mutex
	read  map[server.ClientID]uint64
	total atomic.Int64
	errs  []string
}

func (l *ledger) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) < 20 {
		l.errs = append(l.errs, fmt.Sprintf(format, args...))
	}
}

func (l *ledger) applied(_ context.Context, client server.ClientID) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.read[client], nil
}

// instance is one server of the service, as one process would run it.
type instance struct {
	addr string
	nc   *nats.Conn
	b    *jetstream.Broker
	s    *server.Server
	hs   *http.Server
	// dead stops its app, as a process that died would stop.
	dead atomic.Bool
}

type cluster struct {
	t       *testing.T
	nats    *embeddednats.Server
	db      *ledger
	perDir  int
	mu      sync.Mutex
	insts   []*instance
	started atomic.Int64
}

func newCluster(t *testing.T, n, perDir int) (*cluster, *roundrobin.Proxy) {
	ns, err := embeddednats.Start("", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Stop)
	c := &cluster{t: t, nats: ns, db: &ledger{read: map[server.ClientID]uint64{}}, perDir: perDir}
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, ln.Addr().String())
		c.insts = append(c.insts, c.start(ln))
	}
	p, err := roundrobin.Listen("127.0.0.1:0", addrs, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, in := range c.insts {
			c.stop(in)
		}
	})
	return c, p
}

// start runs an instance on ln, with a broker of its own.
func (c *cluster) start(ln net.Listener) *instance { return c.startWith(ln, 30*time.Second) }

// startWith is start with the sessions' retention.
func (c *cluster) startWith(ln net.Listener, retention time.Duration) *instance {
	nc, err := nats.Connect(c.nats.URL())
	if err != nil {
		c.t.Fatal(err)
	}
	b, err := jetstream.New(context.Background(), nc, jetstream.Options{Retention: retention, Logger: quiet()})
	if err != nil {
		c.t.Fatal(err)
	}
	in := &instance{addr: ln.Addr().String(), nc: nc, b: b}
	in.s = server.New(server.Options{
		Broker: b, SessionRetention: retention, Logger: quiet(),
		ClientKey: []byte("a key every instance shares...."),
		// The app's own record of what it read, for the messages a dead
		// instance's app was given and had not yet said it was done with.
		Applied: c.db.applied,
	})
	in.hs = &http.Server{Handler: in.s.Handler(func(ctx context.Context, conn *server.Conn) { c.app(in, ctx, conn) })}
	go in.hs.Serve(ln)
	return in
}

// app writes the numbers 0 … perDir-1 to its client, from where the
// session's earlier apps stopped, and takes the client's numbers in, each
// once and in order.
func (c *cluster) app(in *instance, ctx context.Context, conn *server.Conn) {
	c.started.Add(1)
	go func() {
		for i := conn.Written(); i < uint64(c.perDir) && !in.dead.Load(); i++ {
			if err := conn.Write(ctx, server.MessageText, []byte(strconv.FormatUint(i, 10))); err != nil {
				return
			}
		}
	}()
	for !in.dead.Load() {
		m, err := conn.ReadMessage(ctx)
		if err != nil {
			return
		}
		db := c.db
		db.mu.Lock()
		last := db.read[m.ID.Client]
		db.read[m.ID.Client] = max(last, m.ID.N)
		db.mu.Unlock()
		switch {
		case m.ID.N <= last:
			db.fail("client %x: message %d read again after %d", m.ID.Client[:4], m.ID.N, last)
		case m.ID.N != last+1:
			db.fail("client %x: message %d after %d", m.ID.Client[:4], m.ID.N, last)
		case string(m.Data) != strconv.FormatUint(m.ID.N-1, 10):
			db.fail("client %x: message %d holds %q", m.ID.Client[:4], m.ID.N, m.Data)
		}
		db.total.Add(1)
	}
}

// crash kills instance i as SIGKILL would: its NATS connection and every
// client connection cut at once, its app stopped; a new instance starts on
// its address.
func (c *cluster) crash(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.insts[i]
	old.dead.Store(true)
	old.nc.Close()
	old.hs.Close()
	ln, err := net.Listen("tcp", old.addr)
	if err != nil {
		c.t.Fatal(err)
	}
	c.insts[i] = c.start(ln)
	go c.stop(old)
}

func (c *cluster) stop(in *instance) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	in.hs.Close()
	in.s.Shutdown(ctx)
	in.b.Close()
	in.nc.Close()
}

// peer is a native resume client checking the server's numbers.
type peer struct {
	s              *client.Socket
	next           atomic.Int64
	opens, resumed atomic.Int64
	errs           chan string
}

func newPeer(t *testing.T, url string) *peer {
	p := &peer{errs: make(chan string, 8)}
	s, err := client.New(url, client.Options{
		Resume:            true,
		Backoff:           client.Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond},
		HeartbeatInterval: 500 * time.Millisecond,
		HeartbeatTimeout:  500 * time.Millisecond,
		OnEvent: func(e client.Event) {
			switch e := e.(type) {
			case client.OpenEvent:
				p.opens.Add(1)
				if e.Resumed {
					p.resumed.Add(1)
				}
			case client.MessageEvent:
				want := p.next.Add(1) - 1
				if got := string(e.Message.Data); got != strconv.FormatInt(want, 10) {
					select {
					case p.errs <- fmt.Sprintf("got %q, want %d", got, want):
					default:
					}
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(client.StatusNormalClosure, "") })
	p.s = s
	return p
}

func (c *cluster) describe(peers []*peer) string {
	s := fmt.Sprintf("app read %d;", c.db.total.Load())
	for _, p := range peers {
		st := p.s.Stats()
		s += fmt.Sprintf(" [got %d, opens %d, state %v, queued %d]", p.next.Load(), p.opens.Load(), st.State, st.Queued)
	}
	c.db.mu.Lock()
	defer c.db.mu.Unlock()
	return fmt.Sprintf("%s; errors %q", s, c.db.errs)
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool, describe ...func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			if len(describe) > 0 {
				t.Fatalf("no %s within %v: %s", what, d, describe[0]())
			}
			t.Fatalf("no %s within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A session follows its client from instance to instance, and survives the
// death of the instance that held it: every message, each way, arrives once
// and in order.
func TestSessionsMoveBetweenInstancesAndSurviveACrash(t *testing.T) {
	const clients, perDir = 10, 1000
	c, proxy := newCluster(t, 3, perDir)
	peers := make([]*peer, clients)
	for i := range peers {
		peers[i] = newPeer(t, "ws://"+proxy.Addr()+"/")
	}
	send := func(from, to int) {
		for _, p := range peers {
			for n := from; n < to; n++ {
				if err := p.s.SendText(strconv.Itoa(n)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	send(0, perDir/3)
	describe := func() string { return c.describe(peers) }
	waitUntil(t, 60*time.Second, "messages before the moves", func() bool { return c.db.total.Load() > clients*perDir/6 }, describe)
	// Every client reconnects through the proxy, to the next instance.
	for _, p := range peers {
		if err := p.s.Reconnect(client.StatusReconnect, ""); err != nil {
			t.Fatal(err)
		}
	}
	send(perDir/3, 2*perDir/3)
	waitUntil(t, 60*time.Second, "messages after the moves", func() bool { return c.db.total.Load() > clients*perDir/2 }, describe)
	c.crash(0)
	c.crash(1)
	send(2*perDir/3, perDir)
	waitUntil(t, 120*time.Second, "every message each way", func() bool {
		if c.db.total.Load() != clients*perDir {
			return false
		}
		for _, p := range peers {
			if p.next.Load() != perDir {
				return false
			}
		}
		return true
	}, describe)
	for _, e := range c.db.errs {
		t.Error(e)
	}
	var opens, resumed int64
	for _, p := range peers {
		select {
		case e := <-p.errs:
			t.Error(e)
		default:
		}
		opens += p.opens.Load()
		resumed += p.resumed.Load()
	}
	t.Logf("%d clients, %d messages each way: %d opens, %d resumed, apps started %d times", clients, perDir, opens, resumed, c.started.Load())
	if resumed != opens-clients {
		t.Errorf("%d of %d reconnections resumed their session, want all", resumed, opens-clients)
	}
}

// While NATS is away an instance says so, refuses new sessions with 1013
// rather than keep what it cannot store, and drops a connection whose
// message it cannot store; once NATS is back, everything goes on and no
// message is lost or given twice.
func TestNATSAwayRefusesAndRecovers(t *testing.T) {
	dir := t.TempDir()
	ns, err := embeddednats.Start(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	url := ns.URL()
	_, portText, _ := net.SplitHostPort(url[len("nats://"):])
	port, _ := strconv.Atoi(portText)
	defer func() { ns.Stop() }()

	b := connectBroker(t, url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	c := &cluster{t: t, db: &ledger{read: map[server.ClientID]uint64{}}}
	in := &instance{}
	s := server.New(server.Options{Broker: b, Logger: quiet()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: s.Handler(func(ctx context.Context, conn *server.Conn) { c.app(in, ctx, conn) })}
	go hs.Serve(ln)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Close()
		s.Shutdown(ctx)
	}()
	wsURL := "ws://" + ln.Addr().String() + "/"

	a := newPeer(t, wsURL)
	for n := range 10 {
		if err := a.s.SendText(strconv.Itoa(n)); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, 10*time.Second, "the first messages", func() bool { return c.db.total.Load() == 10 })

	ns.Stop()
	waitUntil(t, 10*time.Second, "the broker's status", func() bool { return s.Stats().Broker != "ok" })
	t.Logf("broker status while NATS is away: %q", s.Stats().Broker)

	refused := make(chan client.CloseEvent, 16)
	late, err := client.New(wsURL, client.Options{
		Resume:  true,
		Backoff: client.Backoff{Delays: []time.Duration{100 * time.Millisecond}},
		OnEvent: func(e client.Event) {
			if e, ok := e.(client.CloseEvent); ok {
				select {
				case refused <- e:
				default:
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close(client.StatusNormalClosure, "")
	select {
	case e := <-refused:
		if e.Code != client.StatusTryAgainLater || !e.WillReconnect {
			t.Errorf("a new session while NATS is away: %+v, want 1013 and a retry", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a new session while NATS is away was not refused")
	}
	for n := 10; n < 20; n++ {
		if err := a.s.SendText(strconv.Itoa(n)); err != nil {
			t.Fatal(err)
		}
	}

	if ns, err = embeddednats.Start(dir, port); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "every message once NATS is back", func() bool { return c.db.total.Load() == 20 })
	waitUntil(t, 30*time.Second, "the late client's session", func() bool { return late.State() == client.Open })
	if st := s.Stats().Broker; st != "ok" {
		t.Errorf("broker status after NATS came back: %q", st)
	}
	for _, e := range c.db.errs {
		t.Error(e)
	}
}

// Every subscriber of a topic, on any instance, gets its kept messages and
// then every message published, in one order; a subscriber that comes
// later gets the kept messages first.
func TestTopicDeliversOneOrderToEveryInstance(t *testing.T) {
	ns, err := embeddednats.Start("", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Stop()
	type got struct {
		mu   sync.Mutex
		msgs []string
	}
	subscribe := func(topic *jetstream.Topic) *got {
		g := &got{}
		if err := topic.Subscribe(context.Background(), func(typ server.MessageType, data []byte, origin string) {
			g.mu.Lock()
			g.msgs = append(g.msgs, origin+":"+string(data))
			g.mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(topic.Stop)
		return g
	}
	var topics []*jetstream.Topic
	var brokers []*jetstream.Broker
	for range 2 {
		b := connectBroker(t, ns.URL())
		topic, err := b.Topic(context.Background(), "board", 100)
		if err != nil {
			t.Fatal(err)
		}
		topics = append(topics, topic)
		brokers = append(brokers, b)
	}
	a, b := subscribe(topics[0]), subscribe(topics[1])
	var wg sync.WaitGroup
	for i, topic := range topics {
		wg.Go(func() {
			for n := range 20 {
				if err := topic.Publish(context.Background(), server.MessageText, []byte(strconv.Itoa(n)), strconv.Itoa(i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	snapshot := func(g *got) []string {
		g.mu.Lock()
		defer g.mu.Unlock()
		return append([]string(nil), g.msgs...)
	}
	waitUntil(t, 60*time.Second, "every message on both instances", func() bool { return len(snapshot(a)) == 40 && len(snapshot(b)) == 40 }, func() string {
		return fmt.Sprintf("%d and %d messages", len(snapshot(a)), len(snapshot(b)))
	})
	if x, y := fmt.Sprint(snapshot(a)), fmt.Sprint(snapshot(b)); x != y {
		t.Fatalf("the instances saw different orders:\n%s\n%s", x, y)
	}
	again, err := brokers[0].Topic(context.Background(), "board", 100)
	if err != nil {
		t.Fatal(err)
	}
	late := subscribe(again)
	waitUntil(t, 60*time.Second, "the history", func() bool { return len(snapshot(late)) == 40 })
	if got, want := fmt.Sprint(snapshot(late)), fmt.Sprint(snapshot(a)); got != want {
		t.Errorf("a late subscriber's history is %s, want what the others saw: %s", got, want)
	}
}

// A session whose client stayed away longer than the retention is gone on
// every instance: the client gets a fresh session (resumed false) and sends
// again what was never acknowledged, with the same message ids, which
// Options.Applied recognises.
func TestExpiredSessionIsFreshEverywhereAndKeepsMessageIDs(t *testing.T) {
	c, proxy := newCluster(t, 2, 0)
	for _, in := range c.insts {
		// Shorter retention, as every instance of a service would have.
		c.stop(in)
	}
	c.insts = nil
	var addrs []string
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, ln.Addr().String())
		c.insts = append(c.insts, c.startWith(ln, time.Second))
	}
	proxy.Close()
	rr, err := roundrobin.Listen("127.0.0.1:0", addrs, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()

	p := newPeer(t, "ws://"+rr.Addr()+"/")
	for n := range 100 {
		if err := p.s.SendText(strconv.Itoa(n)); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, 10*time.Second, "the first messages", func() bool { return c.db.total.Load() == 100 })
	// Away for longer than the retention: both instances are cut off from
	// the client, the one holding its session expires it.
	rr.Close()
	waitUntil(t, 10*time.Second, "the session to expire", func() bool {
		for _, in := range c.insts {
			if in.s.Stats().Sessions != 0 {
				return false
			}
		}
		return true
	})
	back, err := roundrobin.Listen(rr.Addr(), addrs, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	for n := 100; n < 200; n++ {
		if err := p.s.SendText(strconv.Itoa(n)); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, 20*time.Second, "every message after the expiry", func() bool { return c.db.total.Load() == 200 })
	if p.opens.Load() < 2 || p.resumed.Load() != 0 {
		t.Errorf("%d opens, %d resumed: want a fresh session after the expiry", p.opens.Load(), p.resumed.Load())
	}
	for _, e := range c.db.errs {
		t.Error(e)
	}
}
