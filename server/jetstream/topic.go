package jetstream

import (
	"context"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/resock/resock/server"
)

// Topic carries the messages of one broadcast group (a room) between every
// instance that serves it, in one order, and keeps its most recent
// messages: the history a client that joins is sent first. Every instance
// that subscribes gets every message, its own included, in the order the
// stream stored them.
type Topic struct {
	b       *Broker
	subject string

	mu   sync.Mutex
	cons jetstream.ConsumeContext
}

// Origin header: who published a message, so that the instance serving its
// sender does not send it back to it.
const headerOrigin = "Resock-Origin"

// Topic returns the topic name, whose stream keeps its last keep messages:
// what a subscriber that starts replays, and how far a subscriber may fall
// behind before it misses messages the stream removed. Keep several times
// the history a room replays. All topics of a Broker share one stream,
// "<PREFIX>_TOPICS", which keeps that many per topic: the first call's keep
// sets it.
func (b *Broker) Topic(ctx context.Context, name string, keep int) (*Topic, error) {
	storage := jetstream.FileStorage
	if b.o.Memory {
		storage = jetstream.MemoryStorage
	}
	cfg := jetstream.StreamConfig{
		Name:              streamName(b.o.Prefix, "topics"),
		Subjects:          []string{b.o.Prefix + ".topic.*"},
		Storage:           storage,
		Replicas:          b.o.Replicas,
		MaxMsgsPerSubject: int64(keep),
		MaxBytes:          b.o.MaxBytes,
		Discard:           jetstream.DiscardOld,
	}
	if _, err := b.js.Stream(ctx, cfg.Name); err != nil {
		if _, err := b.js.CreateStream(ctx, cfg); err != nil {
			if _, err2 := b.js.Stream(ctx, cfg.Name); err2 != nil {
				return nil, fmt.Errorf("jetstream: topics stream: %w", err)
			}
		}
	}
	return &Topic{b: b, subject: b.o.Prefix + ".topic." + name}, nil
}

// Publish stores a message of the topic, sent by origin (any string that
// names the sender among every instance's), and returns once it is stored.
func (t *Topic) Publish(ctx context.Context, typ server.MessageType, data []byte, origin string) error {
	msg := nats.NewMsg(t.subject)
	msg.Data = data
	if typ == server.MessageBinary {
		msg.Header.Set(headerType, "binary")
	}
	msg.Header.Set(headerOrigin, origin)
	if _, err := t.b.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("jetstream: publish to topic: %w", err)
	}
	return nil
}

// Subscribe calls f with every message the topic keeps, oldest first, and
// then with every message published, in order, from one goroutine, until
// Stop.
func (t *Topic) Subscribe(ctx context.Context, f func(typ server.MessageType, data []byte, origin string)) error {
	s, err := t.b.js.Stream(ctx, streamName(t.b.o.Prefix, "topics"))
	if err != nil {
		return fmt.Errorf("jetstream: topics stream: %w", err)
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{t.subject}})
	if err != nil {
		return fmt.Errorf("jetstream: topic consumer: %w", err)
	}
	cc, err := c.Consume(func(m jetstream.Msg) {
		typ := server.MessageText
		if m.Headers().Get(headerType) == "binary" {
			typ = server.MessageBinary
		}
		f(typ, m.Data(), m.Headers().Get(headerOrigin))
	})
	if err != nil {
		return fmt.Errorf("jetstream: topic consumer: %w", err)
	}
	t.mu.Lock()
	t.cons = cc
	t.mu.Unlock()
	return nil
}

// Stop ends the subscription.
func (t *Topic) Stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cons != nil {
		t.cons.Stop()
		t.cons = nil
	}
}
