// Package jetstream keeps resock's resume sessions in NATS JetStream, so
// that every instance of a service can resume every session: a
// server.Broker for server.Options.Broker.
//
// A session is a key in a key-value bucket (its token, user, client id,
// which instance holds it, and how far its application read), and two
// subjects, one per direction, in two streams: the client's messages not yet
// read by the application, and the server's messages not yet acknowledged
// by the client. A message is stored before it counts: the client's before
// the server tells the client it has it, the server's before Conn.Write
// returns. The instance that holds a session writes it; another instance
// that a client reconnects to asks the holder to let go (over a NATS
// request, which fails at once if the holder is gone), takes the session,
// loads what it holds, and goes on.
//
// What is kept is as safe as the streams: with one replica a message is lost
// if the NATS server loses its disk; with three, JetStream acknowledges a
// message only once a majority stored it. See docs/PROTOCOL.md.
package jetstream

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/resock/resock/server"
)

// Options configures a Broker. Zero values mean the defaults in each
// comment.
type Options struct {
	// Prefix names the streams ("RESOCK_IN", "RESOCK_OUT"), the bucket
	// ("RESOCK_SESSIONS") and the subjects ("resock.…"), so that several
	// services can share one NATS. Default "resock".
	Prefix string
	// Retention is how long a session waits for its client: the server's
	// Options.SessionRetention. What a session keeps lives half as long
	// again before the streams' and the bucket's limits remove it, so that
	// a session whose instance died is still there when its client comes
	// back. Default 2 min.
	Retention time.Duration
	// MaxBytes bounds each stream. A full stream refuses new messages, and
	// the server then refuses what it cannot keep, rather than dropping
	// what it keeps. Default 1 GiB.
	MaxBytes int64
	// Replicas is how many NATS servers keep each stream and the bucket:
	// 1, or 3 or 5 on a cluster. Default 1.
	Replicas int
	// Memory keeps the streams in the NATS servers' memory instead of on
	// disk: faster, and lost when a NATS server restarts.
	Memory bool
	// ClaimTimeout bounds how long a claim waits for the instance that
	// holds a session to let go. Default 5 s.
	ClaimTimeout time.Duration
	// Logger receives the broker's logs; default slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = "resock"
	}
	if o.Retention <= 0 {
		o.Retention = 2 * time.Minute
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 30
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.ClaimTimeout <= 0 {
		o.ClaimTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Broker is a server.Broker on NATS JetStream. Create it with New and give
// it to one server.Server.
type Broker struct {
	o        Options
	nc       *nats.Conn
	js       jetstream.JetStream
	in, out  jetstream.Stream
	kv       jetstream.KeyValue
	instance string
	log      *slog.Logger

	mu      sync.Mutex
	held    map[server.SessionID]*held
	claimed func(server.SessionID)
	sub     *nats.Subscription
	stop    chan struct{}
	done    chan struct{}
}

// held is what the broker tracks of a session this instance holds: where
// its messages sit in the streams, so that it can remove what is no longer
// needed.
type held struct {
	// trimMu keeps one removal of a session's acknowledged messages at a
	// time, so that the count written and what is removed only grow.
	trimMu sync.Mutex
	rev    uint64
	// inSeq and outSeq map a message's number to its stream sequence, for
	// the messages still kept.
	inSeq, outSeq map[uint64]uint64
	// inPurged and outPurged: messages up to these numbers are removed;
	// when they were last removed.
	inPurged, outPurged uint64
	lastPurge           time.Time
	read                uint64
	// readRev and ackedRev are the revisions of the read mark and the
	// acknowledged count this instance last wrote, 0 if none.
	readRev, ackedRev uint64
}

func newHeld(rev uint64) *held {
	return &held{rev: rev, inSeq: map[uint64]uint64{}, outSeq: map[uint64]uint64{}, lastPurge: time.Now()}
}

// record is a session's key in the bucket.
type record struct {
	ID      string `json:"id"`
	Token   string `json:"token"`
	User    string `json:"user"`
	Client  string `json:"client"`
	FirstID uint64 `json:"first_id"`
	// Holder is the instance that holds the session.
	Holder string `json:"holder"`
}

// New connects a Broker to JetStream through nc, creating or updating its
// streams and bucket.
func New(ctx context.Context, nc *nats.Conn, o Options) (*Broker, error) {
	o = o.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	storage := jetstream.FileStorage
	if o.Memory {
		storage = jetstream.MemoryStorage
	}
	keep := o.Retention * 3 / 2
	b := &Broker{
		o: o, nc: nc, js: js,
		instance: nats.NewInbox()[len(nats.InboxPrefix):],
		held:     make(map[server.SessionID]*held),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	b.log = o.Logger.With("broker_instance", b.instance)
	for _, dir := range []string{"in", "out"} {
		cfg := jetstream.StreamConfig{
			Name:       streamName(o.Prefix, dir),
			Subjects:   []string{o.Prefix + "." + dir + ".*"},
			Storage:    storage,
			Replicas:   o.Replicas,
			MaxAge:     keep,
			MaxBytes:   o.MaxBytes,
			Discard:    jetstream.DiscardNew,
			Duplicates: min(keep, 2*time.Minute),
		}
		s, err := js.CreateOrUpdateStream(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("jetstream: stream %s: %w", cfg.Name, err)
		}
		if dir == "in" {
			b.in = s
		} else {
			b.out = s
		}
	}
	kvStorage := jetstream.FileStorage
	if o.Memory {
		kvStorage = jetstream.MemoryStorage
	}
	b.kv, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   streamName(o.Prefix, "sessions"),
		TTL:      keep,
		Storage:  kvStorage,
		Replicas: o.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("jetstream: bucket: %w", err)
	}
	// Say when NATS goes and comes back, unless the application listens.
	if nc.Opts.DisconnectedErrCB == nil {
		nc.SetDisconnectErrHandler(func(_ *nats.Conn, err error) {
			b.log.Warn("NATS connection lost: new sessions are refused until it is back", "err", err)
		})
	}
	if nc.Opts.ReconnectedCB == nil {
		nc.SetReconnectHandler(func(nc *nats.Conn) {
			b.log.Info("NATS connection back", "url", nc.ConnectedUrl())
		})
	}
	b.sub, err = nc.Subscribe(b.releaseSubject(b.instance), b.onRelease)
	if err != nil {
		return nil, err
	}
	go b.refresh(keep / 3)
	return b, nil
}

func streamName(prefix, what string) string {
	name := []byte(prefix + "_" + what)
	for i, c := range name {
		switch {
		case c >= 'a' && c <= 'z':
			name[i] = c - 'a' + 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			name[i] = '_'
		}
	}
	return string(name)
}

// Close stops the broker. The sessions it held stay in JetStream for other
// instances to take over.
func (b *Broker) Close() error {
	b.mu.Lock()
	select {
	case <-b.stop:
		b.mu.Unlock()
		return nil
	default:
	}
	close(b.stop)
	b.mu.Unlock()
	<-b.done
	return b.sub.Unsubscribe()
}

func (b *Broker) releaseSubject(instance string) string {
	return b.o.Prefix + ".release." + instance
}

func (b *Broker) subject(dir string, id server.SessionID) string {
	return b.o.Prefix + "." + dir + "." + hex.EncodeToString(id[:])
}

func sessionKey(id server.SessionID) string { return "s." + hex.EncodeToString(id[:]) }
func readKey(id server.SessionID) string    { return "r." + hex.EncodeToString(id[:]) }
func ackedKey(id server.SessionID) string   { return "a." + hex.EncodeToString(id[:]) }

// Status reports whether the broker's NATS connection is up.
func (b *Broker) Status() error {
	if st := b.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("NATS connection %s", st)
	}
	return nil
}

// OnClaimed registers what to call when another instance claims a session
// this one holds.
func (b *Broker) OnClaimed(f func(server.SessionID)) {
	b.mu.Lock()
	b.claimed = f
	b.mu.Unlock()
}

// onRelease answers another instance's claim of a session held here, once
// the server let go of it.
func (b *Broker) onRelease(m *nats.Msg) {
	var id server.SessionID
	if _, err := hex.Decode(id[:], m.Data); err != nil || len(m.Data) != 2*len(id) {
		_ = m.Respond([]byte("bad request"))
		return
	}
	b.mu.Lock()
	f := b.claimed
	b.mu.Unlock()
	if f != nil {
		f(id)
	}
	b.mu.Lock()
	delete(b.held, id)
	b.mu.Unlock()
	_ = m.Respond([]byte("released"))
}

// CreateSession records a new session held by this instance.
func (b *Broker) CreateSession(ctx context.Context, r server.SessionRecord) error {
	data, err := json.Marshal(encodeRecord(r, b.instance))
	if err != nil {
		return err
	}
	rev, err := b.kv.Create(ctx, sessionKey(r.ID), data)
	if err != nil {
		return fmt.Errorf("jetstream: create session: %w", err)
	}
	b.mu.Lock()
	b.held[r.ID] = newHeld(rev)
	b.mu.Unlock()
	return nil
}

// ClaimSession takes a session over from the instance that holds or held it.
func (b *Broker) ClaimSession(ctx context.Context, id server.SessionID, accept func(server.SessionRecord) error) (*server.StoredSession, error) {
	rec, _, err := b.getRecord(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, server.ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	r, err := rec.decode()
	if err != nil {
		return nil, err
	}
	if err := accept(r); err != nil {
		return nil, err
	}
	rev, err := b.take(ctx, id, rec)
	if err != nil {
		return nil, err
	}

	h := newHeld(rev)
	st := &server.StoredSession{Record: r}
	st.Read, err = b.getCount(ctx, readKey(id))
	if err != nil {
		return nil, err
	}
	acked, err := b.getCount(ctx, ackedKey(id))
	if err != nil {
		return nil, err
	}
	h.read, h.inPurged, h.outPurged = st.Read, st.Read, acked
	st.InCount, st.OutCount = st.Read, acked
	in, err := b.load(ctx, b.in, b.subject("in", id), h.inSeq)
	if err != nil {
		return nil, err
	}
	for _, m := range in {
		st.InCount = max(st.InCount, m.N)
		if m.N > st.Read {
			st.In = append(st.In, m)
		}
	}
	if st.Out, err = b.load(ctx, b.out, b.subject("out", id), h.outSeq); err != nil {
		return nil, err
	}
	for _, m := range st.Out {
		st.OutCount = max(st.OutCount, m.N)
	}
	b.mu.Lock()
	b.held[id] = h
	b.mu.Unlock()
	return st, nil
}

// getRecord reads a session's record and the entry that holds it.
func (b *Broker) getRecord(ctx context.Context, id server.SessionID) (record, jetstream.KeyValueEntry, error) {
	entry, err := b.kv.Get(ctx, sessionKey(id))
	if err != nil {
		return record{}, nil, fmt.Errorf("jetstream: get session: %w", err)
	}
	var rec record
	if err := json.Unmarshal(entry.Value(), &rec); err != nil {
		return record{}, nil, fmt.Errorf("jetstream: session record: %w", err)
	}
	return rec, entry, nil
}

// take makes this instance the holder of the session whose record entry
// holds: it has the holder let go, then writes itself in, if the record
// still names that holder; if another instance claimed the session
// meanwhile, it asks that one in turn.
func (b *Broker) take(ctx context.Context, id server.SessionID, rec record) (uint64, error) {
	for range 3 {
		if rec.Holder != b.instance {
			rctx, cancel := context.WithTimeout(ctx, b.o.ClaimTimeout)
			_, err := b.nc.RequestWithContext(rctx, b.releaseSubject(rec.Holder), []byte(hex.EncodeToString(id[:])))
			cancel()
			if err != nil && !errors.Is(err, nats.ErrNoResponders) {
				return 0, fmt.Errorf("jetstream: the instance holding the session did not let go of it: %w", err)
			}
			// No responders: the holder is gone, and nothing of its can
			// change the session any more.
		}
		asked := rec.Holder
		var entry jetstream.KeyValueEntry
		var err error
		if rec, entry, err = b.getRecord(ctx, id); err != nil {
			return 0, err
		}
		if rec.Holder != asked && rec.Holder != b.instance {
			continue // claimed by another instance meanwhile: ask it
		}
		mine := rec
		mine.Holder = b.instance
		data, _ := json.Marshal(mine)
		rev, err := b.kv.Update(ctx, sessionKey(id), data, entry.Revision())
		if err == nil {
			return rev, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return 0, fmt.Errorf("jetstream: claim session: %w", err)
		}
		// Written meanwhile: ask whoever holds it now.
	}
	return 0, errors.New("jetstream: the session kept moving between instances")
}

// load reads every message kept on subject, in order, noting where each
// sits in the stream: one direct read per message, each for the next
// message of the subject, so that a session holding a few messages (the
// usual case) costs a few requests and no consumer.
func (b *Broker) load(ctx context.Context, s jetstream.Stream, subject string, seqs map[uint64]uint64) ([]server.StoredMessage, error) {
	var msgs []server.StoredMessage
	for seq := uint64(1); ; {
		raw, err := s.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return msgs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("jetstream: read %s: %w", subject, err)
		}
		sm, err := decodeHeaders(raw.Header, raw.Data)
		if err != nil {
			return nil, err
		}
		seqs[sm.N] = raw.Sequence
		msgs = append(msgs, sm)
		seq = raw.Sequence + 1
	}
}

func (b *Broker) getCount(ctx context.Context, key string) (uint64, error) {
	e, err := b.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("jetstream: get %s: %w", key, err)
	}
	return strconv.ParseUint(string(e.Value()), 10, 64)
}

// Headers of a stored message.
const (
	headerN    = "Resock-N"
	headerType = "Resock-Type"
)

func (b *Broker) publish(ctx context.Context, dir string, id server.SessionID, m server.StoredMessage) (uint64, error) {
	msg := nats.NewMsg(b.subject(dir, id))
	msg.Data = m.Data
	n := strconv.FormatUint(m.N, 10)
	msg.Header.Set(headerN, n)
	if m.Type == server.MessageBinary {
		msg.Header.Set(headerType, "binary")
	}
	// The same message stored twice (a client sending it again to an
	// instance that had stored it before dying) is stored once.
	ack, err := b.js.PublishMsg(ctx, msg, jetstream.WithMsgID(dir+"."+hex.EncodeToString(id[:])+"."+n))
	if err != nil {
		return 0, fmt.Errorf("jetstream: store: %w", err)
	}
	return ack.Sequence, nil
}

func decodeHeaders(h nats.Header, data []byte) (server.StoredMessage, error) {
	n, err := strconv.ParseUint(h.Get(headerN), 10, 64)
	if err != nil {
		return server.StoredMessage{}, fmt.Errorf("jetstream: message without %s: %w", headerN, err)
	}
	t := server.MessageText
	if h.Get(headerType) == "binary" {
		t = server.MessageBinary
	}
	return server.StoredMessage{N: n, Type: t, Data: data}, nil
}

// AppendIn stores the client's message n.
func (b *Broker) AppendIn(ctx context.Context, id server.SessionID, n uint64, m server.StoredMessage) error {
	return b.append(ctx, "in", id, n, m)
}

// AppendOut stores the server's message n.
func (b *Broker) AppendOut(ctx context.Context, id server.SessionID, n uint64, m server.StoredMessage) error {
	return b.append(ctx, "out", id, n, m)
}

// append stores message n of a session in the direction dir, and notes
// where it sits in the stream, for the removal that follows its
// acknowledgement.
func (b *Broker) append(ctx context.Context, dir string, id server.SessionID, n uint64, m server.StoredMessage) error {
	m.N = n
	seq, err := b.publish(ctx, dir, id, m)
	if err != nil {
		return err
	}
	b.mu.Lock()
	if h := b.held[id]; h != nil {
		if dir == "in" {
			h.inSeq[n] = seq
		} else {
			h.outSeq[n] = seq
		}
	}
	b.mu.Unlock()
	return nil
}

// MarkRead records how far the application read.
func (b *Broker) MarkRead(ctx context.Context, id server.SessionID, n uint64) error {
	rev, err := b.kv.Put(ctx, readKey(id), []byte(strconv.FormatUint(n, 10)))
	if err != nil {
		return fmt.Errorf("jetstream: read mark: %w", err)
	}
	b.mu.Lock()
	if h := b.held[id]; h != nil {
		h.read, h.readRev = n, rev
	}
	b.mu.Unlock()
	b.trim(ctx, id, false)
	return nil
}

// AckOut lets the broker remove the server's messages the client has.
func (b *Broker) AckOut(ctx context.Context, id server.SessionID, n uint64) error {
	b.mu.Lock()
	h := b.held[id]
	if h == nil || n <= h.outPurged {
		b.mu.Unlock()
		return nil
	}
	b.mu.Unlock()
	return b.trimOut(ctx, id, n)
}

// purgeEvery is how many messages, or how long, a session's streams keep
// what is no longer needed before the broker removes it: one removal per
// batch rather than per message.
const (
	purgeEvery     = 256
	purgeEveryTime = time.Second
)

// trim removes the client's messages the application read, in batches.
func (b *Broker) trim(ctx context.Context, id server.SessionID, force bool) {
	b.mu.Lock()
	h := b.held[id]
	if h == nil || h.read <= h.inPurged || (!force && h.read-h.inPurged < purgeEvery && time.Since(h.lastPurge) < purgeEveryTime) {
		b.mu.Unlock()
		return
	}
	n := h.read
	seq, ok := h.inSeq[n]
	b.mu.Unlock()
	if ok {
		if err := b.in.Purge(ctx, jetstream.WithPurgeSubject(b.subject("in", id)), jetstream.WithPurgeSequence(seq+1)); err != nil {
			b.log.Warn("could not remove read messages", "session", id.String(), "err", err)
			return
		}
	}
	b.mu.Lock()
	if h := b.held[id]; h != nil {
		for k := range h.inSeq {
			if k <= n {
				delete(h.inSeq, k)
			}
		}
		h.inPurged = max(h.inPurged, n)
		h.lastPurge = time.Now()
	}
	b.mu.Unlock()
}

// trimOut removes the server's messages up to n, which the client has, in
// batches; the count is kept first, so that a claim after the removal still
// knows how many were sent.
func (b *Broker) trimOut(ctx context.Context, id server.SessionID, n uint64) error {
	b.mu.Lock()
	h := b.held[id]
	b.mu.Unlock()
	if h == nil {
		return nil
	}
	// Acknowledgements may come here out of order: an older one must not
	// write a smaller count after a newer one.
	h.trimMu.Lock()
	defer h.trimMu.Unlock()
	b.mu.Lock()
	if b.held[id] != h || n <= h.outPurged || (n-h.outPurged < purgeEvery && time.Since(h.lastPurge) < purgeEveryTime) {
		b.mu.Unlock()
		return nil
	}
	seq, ok := h.outSeq[n]
	b.mu.Unlock()
	ackedRev, err := b.kv.Put(ctx, ackedKey(id), []byte(strconv.FormatUint(n, 10)))
	if err != nil {
		return fmt.Errorf("jetstream: acknowledged count: %w", err)
	}
	if ok {
		if err := b.out.Purge(ctx, jetstream.WithPurgeSubject(b.subject("out", id)), jetstream.WithPurgeSequence(seq+1)); err != nil {
			return fmt.Errorf("jetstream: remove acknowledged messages: %w", err)
		}
	}
	b.mu.Lock()
	if h := b.held[id]; h != nil {
		for k := range h.outSeq {
			if k <= n {
				delete(h.outSeq, k)
			}
		}
		h.outPurged = max(h.outPurged, n)
		h.ackedRev = ackedRev
		h.lastPurge = time.Now()
	}
	b.mu.Unlock()
	return nil
}

// EndSession forgets a session and everything it kept, if this instance
// holds it: an instance that lost a session without knowing (cut off from
// NATS while another instance claimed it) must not end it for the other.
func (b *Broker) EndSession(ctx context.Context, id server.SessionID) error {
	b.mu.Lock()
	h := b.held[id]
	delete(b.held, id)
	b.mu.Unlock()
	if h == nil {
		return nil
	}
	if err := b.kv.Purge(ctx, sessionKey(id), jetstream.LastRevision(h.rev)); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return nil // claimed by another instance meanwhile
		}
		return fmt.Errorf("jetstream: end session: %w", err)
	}
	var errs []error
	for _, k := range []string{readKey(id), ackedKey(id)} {
		if err := b.kv.Purge(ctx, k); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			errs = append(errs, err)
		}
	}
	if err := b.in.Purge(ctx, jetstream.WithPurgeSubject(b.subject("in", id))); err != nil {
		errs = append(errs, err)
	}
	if err := b.out.Purge(ctx, jetstream.WithPurgeSubject(b.subject("out", id))); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("jetstream: end session: %w", err)
	}
	return nil
}

// refresh keeps the keys of the sessions held here from expiring while
// they live: the bucket forgets a key not written for 1.5 × Retention,
// which is how a session whose instance died ends.
func (b *Broker) refresh(every time.Duration) {
	defer close(b.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		}
		b.mu.Lock()
		ids := make(map[server.SessionID]keys, len(b.held))
		for id, h := range b.held {
			ids[id] = keys{rev: h.rev, read: h.read, readRev: h.readRev, acked: h.outPurged, ackedRev: h.ackedRev}
		}
		b.mu.Unlock()
		for id, h := range ids {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			b.touch(ctx, id, h)
			cancel()
		}
	}
}

// touch writes a held session's keys again, each only if this instance
// wrote it last: once another instance claimed the session, its keys are
// that instance's.
// keys is what touch needs of a held session: the values and revisions of
// its keys as this instance last wrote them.
type keys struct {
	rev, read, readRev, acked, ackedRev uint64
}

func (b *Broker) touch(ctx context.Context, id server.SessionID, h keys) {
	e, err := b.kv.Get(ctx, sessionKey(id))
	if err != nil {
		return
	}
	rev, err := b.kv.Update(ctx, sessionKey(id), e.Value(), h.rev)
	if err != nil {
		return
	}
	var readRev, ackedRev uint64
	if h.readRev != 0 {
		readRev, _ = b.kv.Update(ctx, readKey(id), []byte(strconv.FormatUint(h.read, 10)), h.readRev)
	}
	if h.ackedRev != 0 {
		ackedRev, _ = b.kv.Update(ctx, ackedKey(id), []byte(strconv.FormatUint(h.acked, 10)), h.ackedRev)
	}
	b.mu.Lock()
	if cur := b.held[id]; cur != nil {
		cur.rev = rev
		if readRev != 0 && cur.readRev == h.readRev {
			cur.readRev = readRev
		}
		if ackedRev != 0 && cur.ackedRev == h.ackedRev {
			cur.ackedRev = ackedRev
		}
	}
	b.mu.Unlock()
}

func encodeRecord(r server.SessionRecord, holder string) record {
	return record{
		ID:      hex.EncodeToString(r.ID[:]),
		Token:   hex.EncodeToString(r.Token[:]),
		User:    r.User,
		Client:  hex.EncodeToString(r.Client[:]),
		FirstID: r.FirstID,
		Holder:  holder,
	}
}

func (rec record) decode() (server.SessionRecord, error) {
	r := server.SessionRecord{User: rec.User, FirstID: rec.FirstID}
	for _, f := range []struct {
		dst []byte
		src string
	}{{r.ID[:], rec.ID}, {r.Token[:], rec.Token}, {r.Client[:], rec.Client}} {
		if n, err := hex.Decode(f.dst, []byte(f.src)); err != nil || n != len(f.dst) {
			return server.SessionRecord{}, fmt.Errorf("jetstream: malformed session record")
		}
	}
	return r, nil
}

var _ server.Broker = (*Broker)(nil)
