//go:build !js

package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resock/resock/client"
	"github.com/resock/resock/internal/cluster"
	"github.com/resock/resock/internal/logbuf"
)

// buildDemo builds cmd/resock-demo into dir.
func buildDemo(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "resock-demo")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/resock/resock/demo/cmd/resock-demo")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build resock-demo: %v\n%s", err, out)
	}
	return bin
}

// echoPeer is a native resume client that sends numbered messages to
// /echo and checks that each echo comes back once and in order.
type echoPeer struct {
	s         *client.Socket
	next      atomic.Int64
	opens     atomic.Int64
	fresh     atomic.Int64
	mu        sync.Mutex
	errs      []string
	openedNow chan struct{}
}

func newEchoPeer(t *testing.T, url string) *echoPeer {
	p := &echoPeer{openedNow: make(chan struct{}, 1)}
	s, err := client.New(url, client.Options{
		Resume:            true,
		Backoff:           client.Backoff{Initial: 50 * time.Millisecond, Max: 500 * time.Millisecond},
		HeartbeatInterval: time.Second,
		HeartbeatTimeout:  time.Second,
		MaxQueuedMessages: 1 << 20,
		OnEvent: func(e client.Event) {
			switch e := e.(type) {
			case client.OpenEvent:
				p.opens.Add(1)
				if !e.Resumed {
					p.fresh.Add(1)
				}
				select {
				case p.openedNow <- struct{}{}:
				default:
				}
			case client.MessageEvent:
				want := p.next.Add(1) - 1
				if got := string(e.Message.Data); got != strconv.FormatInt(want, 10) {
					p.mu.Lock()
					if len(p.errs) < 5 {
						p.errs = append(p.errs, fmt.Sprintf("echo %d holds %q", want, got))
					}
					p.mu.Unlock()
				}
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	p.s = s
	return p
}

// Three instances of the demo, separate processes sharing NATS JetStream,
// behind a round-robin proxy; 100 native clients and a page exchange
// 50 000 messages each way through /echo while an instance is killed with
// SIGKILL every few seconds and started again: every message and every
// echo arrives once and in order, counted per client. A stroke drawn on a
// page of one instance reaches the pages of the other two.
func TestClusterSurvivesKilledInstances(t *testing.T) {
	const clients, perClient, pageMessages = 100, 500, 2000
	// Built before the clock starts: the first build compiles nats-server.
	bin := buildDemo(t, t.TempDir())
	ctx := testContext(t, 4*time.Minute)
	logs := &logbuf.Buffer{}
	c, err := cluster.Start(cluster.Options{
		Binary: bin,
		Args:   []string{"-demo", demoDir, "-jsglue", assetsDir, "-retry-after", "0", "-stats"},
		Env:    []string{"RESOCK_CLIENT_KEY=the key every instance shares"},
		Output: logs,
		// This test process is busy with 100 clients, under -race in CI.
		NATSProcess: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			t.Logf("instances' log:\n%s", logs)
		}
	})

	// The whiteboard: one page on each instance, straight to it.
	var pages []*page
	for i := range 3 {
		base := "http://" + c.InstanceAddr(i)
		p := openPage(t, ctx, fmt.Sprintf("board%d", i), base+"/e2e/harness.html", "window.h?.ready === true", "JSON.stringify(h.texts('board'))")
		p.run(fmt.Sprintf(`h.open("board", %s, undefined, {resume: true})`, js("ws://"+c.InstanceAddr(i)+"/ws")))
		p.waitFor("the board open", `h.count("board", "open") === 1`)
		pages = append(pages, p)
	}
	pages[0].run(`h.ws("board").send("stroke from instance 0")`)
	for i, p := range pages[1:] {
		p.waitForWithin(fmt.Sprintf("the stroke on instance %d", i+1), `h.texts("board").includes("stroke from instance 0")`, 30*time.Second)
	}

	url := "ws://" + c.Addr() + "/echo"
	peers := make([]*echoPeer, clients)
	for i := range peers {
		peers[i] = newEchoPeer(t, url)
	}
	for _, p := range peers {
		<-p.openedNow
	}
	exchange := openPage(t, ctx, "exchange", "http://"+c.Addr()+"/e2e/harness.html", "window.h?.ready === true", "JSON.stringify(h.exchanges?.map(({ws, ...st}) => st))")
	exchange.run(fmt.Sprintf(`h.exchange(%s, %d, {initialDelay: 50, maxDelay: 500, heartbeatInterval: 1000, heartbeatTimeout: 1000, maxQueuedMessages: 100000})`, js(url), pageMessages))

	// Kill an instance every few seconds while the clients send, in
	// bursts, so that messages are in flight at every kill.
	var kills atomic.Int64
	stopKilling := make(chan struct{})
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		for i := 0; ; i++ {
			select {
			case <-stopKilling:
				return
			case <-time.After(2 * time.Second):
			}
			n := i % 3
			if err := c.Kill(n); err != nil {
				t.Errorf("kill instance %d: %v", n, err)
				return
			}
			kills.Add(1)
			if err := c.Restart(n); err != nil {
				t.Errorf("restart instance %d: %v", n, err)
				return
			}
		}
	}()
	for burst := range 10 {
		for _, p := range peers {
			for n := burst * perClient / 10; n < (burst+1)*perClient/10; n++ {
				if err := p.s.SendText(strconv.Itoa(n)); err != nil {
					t.Fatal(err)
				}
			}
		}
		time.Sleep(500 * time.Millisecond) // spreads the bursts over the kills
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		done := 0
		for _, p := range peers {
			if p.next.Load() == perClient {
				done++
			}
		}
		pageDone := evaluate[bool](exchange, fmt.Sprintf(`h.exchanges[0].echoes === %d`, pageMessages))
		if (done == clients && pageDone) || time.Now().After(deadline) {
			if done != clients || !pageDone {
				t.Errorf("after 3 minutes %d of %d clients had every echo; page done: %v", done, clients, pageDone)
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stopKilling)
	<-killed

	var opens, fresh int64
	for i, p := range peers {
		p.mu.Lock()
		for _, e := range p.errs {
			t.Errorf("client %d: %s", i, e)
		}
		p.mu.Unlock()
		if got := p.next.Load(); got != perClient {
			t.Errorf("client %d got %d echoes, want %d", i, got, perClient)
		}
		opens += p.opens.Load()
		fresh += p.fresh.Load()
		p.s.Close(client.StatusNormalClosure, "")
	}
	st := evaluate[exchangeState](exchange, `(({ws, ...st}) => st)(h.exchanges[0])`)
	for _, e := range st.Errors {
		t.Errorf("page: %s", e)
	}
	t.Logf("%d instance kills; %d clients × %d messages each way and a page × %d, each once and in order; %d reconnections of the clients (%d fresh sessions beyond the first), %d of the page",
		kills.Load(), clients, perClient, pageMessages, opens-clients, fresh-clients, st.Opens-1)
	if kills.Load() < 3 {
		t.Errorf("only %d kills: the run proved little", kills.Load())
	}
	if fresh != clients || st.Fresh != 1 {
		t.Errorf("%d fresh sessions of the clients and %d of the page, want only their first: every reconnection should resume", fresh, st.Fresh)
	}
}
