//go:build !js

package e2e

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/resock/resock/internal/hostile"
	"github.com/resock/resock/internal/wire"
)

// In resume mode the glue decodes the server's frames before Go sees them
// (the DataPath in jsglue/datapath.js): it delivers data frames to the page,
// takes acknowledgements itself and hands everything else to Go. Whatever
// it takes must be what internal/wire takes, or a frame the protocol calls
// malformed reaches the page, or one it calls valid is lost.

// glueFrame is one message of the server: a frame, sent as a text or a
// binary WebSocket message.
type glueFrame struct {
	text bool
	data []byte
}

func (f glueFrame) String() string {
	kind := "binary"
	if f.text {
		kind = "text"
	}
	return fmt.Sprintf("%s %x", kind, f.data)
}

// glueOutcome is what the page saw the receiver do with one message:
// deliver it to the page ("page", with the data's kind and payload, text
// as is and binary in hex), hand it to Go ("go") or take it itself ("glue").
// Delivered counts the message events it caused.
type glueOutcome struct {
	To        string `json:"to"`
	Delivered int    `json:"delivered"`
	Kind      string `json:"kind"`
	Payload   string `json:"payload"`
}

// TestGlueDecoderAgreesWithWire sends a few thousand frames, well-formed,
// broken, mutated and random, to the glue's receiver on one carried
// connection, and checks each outcome against wire.ParseMessage: a data frame
// within maxMessageSize goes to the page with its payload, an acknowledgement
// that fits the ledger is the glue's, and everything else, valid or not, goes
// to Go. The page's socket sends three messages first, so the server may
// acknowledge up to three.
func TestGlueDecoderAgreesWithWire(t *testing.T) {
	ctx := testContext(t, time.Minute)
	const sent, maxMessageSize = 3, 48
	frames, skipped := glueCorpus(maxMessageSize)
	t.Logf("%d frames; %d text messages that are not UTF-8 left out: the browser fails the connection on them before the glue sees them", len(frames), skipped)

	h := startHostile(t, func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		c, _ := hostile.AcceptResume(t, w, r)
		if c == nil {
			return
		}
		defer c.CloseNow()
		hostile.Send(r, c, wire.AppendWelcome(nil, wire.Welcome{Session: hostile.Session, Token: hostile.Session}))
		for n := 0; n < sent; {
			typ, b, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if f, err := wire.ParseMessage(typ == websocket.MessageBinary, b); err == nil && (f.Type == wire.TypeText || f.Type == wire.TypeBinary) {
				n++
			}
		}
		// Acknowledgements and pongs come back while the frames go out.
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			_, _ = hostile.Drain(r.Context(), c)
		}()
		for _, f := range frames {
			typ := websocket.MessageBinary
			if f.text {
				typ = websocket.MessageText
			}
			if err := c.Write(r.Context(), typ, f.data); err != nil {
				break
			}
		}
		<-drained
	})

	srv := startDemo(t)
	p := openPage(t, ctx, "page", srv.url("/e2e/gluedecoder.html"), "window.g?.ready === true", "g.dump()")
	start := time.Now()
	p.run(fmt.Sprintf(`g.open(%s, %d, {maxMessageSize: %d, heartbeatInterval: 60000})`, js(h.URL), sent, maxMessageSize))
	p.waitForWithin("every frame to reach the receiver", fmt.Sprintf("g.state.outcomes.length >= %d", len(frames)), 30*time.Second)
	outcomes := evaluate[[]glueOutcome](p, "g.state.outcomes")
	t.Logf("the receiver took %d frames in %v", len(outcomes), time.Since(start).Round(time.Millisecond))
	if events := evaluate[string](p, "JSON.stringify(g.state.events)"); events != `[{"type":"open"}]` {
		t.Errorf("the socket's events were %s, want one open and nothing else", events)
	}
	if len(outcomes) != len(frames) {
		t.Fatalf("the receiver saw %d messages, the server sent %d", len(outcomes), len(frames))
	}

	acked := uint64(0)
	var wrong []string
	counts := map[string]int{}
	for i, f := range frames {
		want, verdict := expectGlue(f, maxMessageSize, &acked, sent)
		got := outcomes[i]
		counts[got.To]++
		if got != want {
			wrong = append(wrong, fmt.Sprintf("frame %d, %v (wire: %s): the glue did %+v, want %+v", i, f, verdict, got, want))
		}
	}
	t.Logf("outcomes: %v", counts)
	for _, to := range []string{"page", "go", "glue"} {
		if counts[to] == 0 {
			t.Errorf("no frame went to %s: the corpus does not reach every branch", to)
		}
	}
	for i, w := range wrong {
		if i == 40 {
			t.Errorf("and %d more", len(wrong)-i)
			break
		}
		t.Error(w)
	}
}

// expectGlue is what the glue must do with f by internal/wire, and wire's
// verdict: deliver a data frame within maxMessageSize, take an
// acknowledgement that fits the ledger (at least acked, at most sent; it
// then moves acked) and hand everything else to Go.
func expectGlue(f glueFrame, maxMessageSize int, acked *uint64, sent uint64) (glueOutcome, string) {
	fr, err := wire.ParseMessage(!f.text, f.data)
	if err != nil {
		return glueOutcome{To: "go"}, err.Error()
	}
	verdict := fr.Type.String()
	switch fr.Type {
	case wire.TypeText, wire.TypeBinary:
		verdict = fmt.Sprintf("%s data of %d bytes", fr.Type, len(fr.Payload))
		if len(fr.Payload) > maxMessageSize {
			break
		}
		if fr.Type == wire.TypeText {
			return glueOutcome{To: "page", Delivered: 1, Kind: "text", Payload: string(fr.Payload)}, verdict
		}
		return glueOutcome{To: "page", Delivered: 1, Kind: "binary", Payload: hex.EncodeToString(fr.Payload)}, verdict
	case wire.TypeAck, wire.TypePing, wire.TypePong, wire.TypeRetryAfter:
		verdict = fmt.Sprintf("%s %d", fr.Type, fr.Value)
		if fr.Type == wire.TypeAck && fr.Value >= *acked && fr.Value <= sent {
			*acked = fr.Value
			return glueOutcome{To: "glue"}, verdict
		}
	}
	return glueOutcome{To: "go"}, verdict
}

// glueCorpus returns the frames of the test: the seed frames of FuzzParse,
// FuzzParseMessage and FuzzServerFrames, acknowledgements of every count
// the ledger allows spelled in 1 to 14 bytes, data frames around the size
// limit, then pseudo-random frames and mutations of all those, from a fixed
// seed. Text messages that are not valid UTF-8 are left out and counted.
func glueCorpus(maxMessageSize int) (frames []glueFrame, skipped int) {
	id := func(b byte) wire.ID { var x wire.ID; x[0], x[15] = b, b; return x }
	bin := func(b []byte) glueFrame { return glueFrame{data: b} }
	text := func(s string) glueFrame { return glueFrame{text: true, data: []byte(s)} }
	// textData is a text data frame of s, valid UTF-8 or not; binaryData
	// the binary one.
	textData := func(s string) string { return string(wire.AppendData(nil, false, []byte(s))) }
	binaryData := func(s string) string { return string(wire.AppendData(nil, true, []byte(s))) }
	seeds := []glueFrame{
		bin(wire.AppendHello(nil, wire.Hello{Version: wire.Version})),
		bin(wire.AppendHello(nil, wire.Hello{Version: wire.Version, Session: id(1), Token: id(2), Received: 1 << 40, Client: id(3), FirstID: 77})),
		bin(wire.AppendHello(nil, wire.Hello{Version: 1})[:20]),
		bin(wire.AppendWelcome(nil, wire.Welcome{Resumed: true, Session: id(4), Token: id(5), Received: 300, HeartbeatMillis: 10000, RetentionMillis: 120000})),
		bin(wire.AppendWelcome(nil, wire.Welcome{})),
		bin(wire.AppendWelcome(nil, wire.Welcome{})[:10]),
		bin(wire.AppendData(nil, true, []byte{0, 1, 2, 255})),
		bin(wire.AppendData(nil, true, nil)),
		bin(wire.AppendData(nil, false, []byte("text frame in a binary message"))),
		bin(wire.AppendValue(nil, wire.TypeAck, 64)),
		bin(wire.AppendValue(nil, wire.TypeAck, 9)),
		bin(wire.AppendValue(nil, wire.TypePing, 1<<63)),
		bin(wire.AppendValue(nil, wire.TypePong, 0)),
		bin(wire.AppendValue(nil, wire.TypeRetryAfter, 5000)),
		bin(wire.AppendValue(nil, wire.TypeRetryAfter, 1<<40)),
		bin([]byte{byte(wire.TypeAck)}),
		bin([]byte{byte(wire.TypeAck), 0x80}),
		bin([]byte{byte(wire.TypeAck), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}),
		bin([]byte{0xff, 1, 2}),
		bin([]byte{0x7f, 1, 2}),
		bin(nil),
		text(textData("hi")),
		text(textData("")),
		text(textData("héllo")),
		text(textData("😀 \u2028 \ufeff")),
		text("hello"),
		text(binaryData("hi")),
		text(""),
		text("\ufeff" + textData("hi")),
		text(textData(strings.Repeat("é", maxMessageSize/2))),
		text(textData(strings.Repeat("é", maxMessageSize/2) + "a")),
		text(textData("a\xff")),
		text(textData("\xed\xa0\x80")),
	}
	for _, n := range []int{maxMessageSize - 1, maxMessageSize, maxMessageSize + 1} {
		seeds = append(seeds, bin(wire.AppendData(nil, true, bytes.Repeat([]byte{0xa5}, n))),
			text(textData(strings.Repeat("x", n))))
	}
	// Acknowledgements of 0 to 3 in ascending order, each count first
	// spelled out in more bytes than it needs, then in as few.
	for v := range uint64(4) {
		for extra := 13; extra >= 0; extra-- {
			seeds = append(seeds, bin(paddedUvarint(wire.AppendValue(nil, wire.TypeAck, v), extra)))
		}
	}
	frames = append(frames, seeds...)

	rng := rand.New(rand.NewPCG(1, 2))
	for range 1500 {
		frames = append(frames, randomFrame(rng, maxMessageSize))
	}
	for range 2000 {
		frames = append(frames, mutate(rng, frames[rng.IntN(len(seeds))]))
	}
	for range 500 {
		frames = append(frames, mutate(rng, frames[rng.IntN(len(frames))]))
	}

	kept := frames[:0]
	for _, f := range frames {
		if f.text && !utf8.Valid(f.data) {
			skipped++
			continue
		}
		kept = append(kept, f)
	}
	return kept, skipped
}

// paddedUvarint spells the uvarint that ends frame in extra more bytes,
// which Go's encoding/binary reads as the same number up to 10 bytes in all.
func paddedUvarint(frame []byte, extra int) []byte {
	if extra == 0 {
		return frame
	}
	out := slices.Clone(frame)
	out[len(out)-1] |= 0x80
	for range extra - 1 {
		out = append(out, 0x80)
	}
	return append(out, 0x00)
}

// randomFrame makes a frame of a type near resock.v1's, mostly, with a
// payload of random bytes, a random uvarint or random text.
func randomFrame(rng *rand.Rand, maxMessageSize int) glueFrame {
	typ := byte(rng.IntN(10))
	if rng.IntN(8) == 0 {
		typ = byte(rng.IntN(256))
	}
	f := glueFrame{text: rng.IntN(3) == 0}
	f.data = []byte{typ}
	switch rng.IntN(4) {
	case 0:
		f.data = binary.AppendUvarint(f.data, rng.Uint64()>>rng.IntN(64))
	case 1:
		f.data = append(f.data, randomText(rng, rng.IntN(maxMessageSize+8))...)
	default:
		for range rng.IntN(maxMessageSize + 8) {
			f.data = append(f.data, byte(rng.IntN(256)))
		}
	}
	return f
}

// randomText is n runes of text, ASCII, control characters and multibyte
// characters alike.
func randomText(rng *rand.Rand, n int) []byte {
	runes := []rune{0, rune(wire.TypeText), rune(wire.TypeBinary), rune(wire.TypeAck), '\n', 'a', 'z', 0x7f, 0x80, 'é', 0x7ff, 0x800, '€', 0xfeff, 0xfffd, 0xffff, 0x10000, '😀', 0x10ffff}
	var b []byte
	for range n {
		r := runes[rng.IntN(len(runes))]
		if rng.IntN(3) == 0 {
			r = rune(rng.IntN(0x80))
		}
		b = utf8.AppendRune(b, r)
	}
	return b
}

// mutate changes f in one to three places: a byte set, flipped, inserted or
// removed, the frame cut short or extended, its type or its kind of message
// changed.
func mutate(rng *rand.Rand, f glueFrame) glueFrame {
	b := slices.Clone(f.data)
	for range 1 + rng.IntN(3) {
		switch op := rng.IntN(8); {
		case op == 0 && len(b) > 0:
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		case op == 1 && len(b) > 0:
			b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
		case op == 2:
			i := rng.IntN(len(b) + 1)
			b = slices.Insert(b, i, []byte{0x00, 0x80, 0xff, byte(wire.TypeText), byte(wire.TypeBinary), byte(wire.TypeAck)}[rng.IntN(6)])
		case op == 3 && len(b) > 0:
			i := rng.IntN(len(b))
			b = slices.Delete(b, i, i+1)
		case op == 4 && len(b) > 0:
			b = b[:rng.IntN(len(b))]
		case op == 5:
			b = append(b, randomText(rng, 1+rng.IntN(4))...)
		case op == 6 && len(b) > 0:
			b[0] = byte(rng.IntN(10))
		case op == 7:
			f.text = !f.text
		}
	}
	f.data = b
	return f
}
