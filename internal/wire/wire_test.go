package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

// sampleFrames are binary messages; text data travels in text messages.
func sampleFrames() [][]byte {
	id := func(b byte) ID { var x ID; x[0], x[15] = b, b; return x }
	return [][]byte{
		AppendHello(nil, Hello{Version: Version}),
		AppendHello(nil, Hello{Version: Version, Session: id(1), Token: id(2), Received: 1 << 40, Client: id(3), FirstID: 77}),
		AppendWelcome(nil, Welcome{Resumed: true, Session: id(4), Token: id(5), Received: 300, HeartbeatMillis: 10000, RetentionMillis: 120000}),
		AppendWelcome(nil, Welcome{}),
		AppendWelcome(nil, Welcome{Session: id(6), Token: id(7), Client: id(8)}),
		AppendWelcome(nil, Welcome{Session: id(9), Token: id(10), Client: id(11), FirstID: 1 << 33}),
		AppendWelcome(nil, Welcome{Session: id(12), Token: id(13), FirstID: 2}),
		AppendData(nil, true, []byte{0, 1, 2, 255}),
		AppendData(nil, true, nil),
		AppendValue(nil, TypeAck, 64),
		AppendValue(nil, TypePing, 1<<63),
		AppendValue(nil, TypePong, 0),
		AppendValue(nil, TypeRetryAfter, 5000),
	}
}

func TestFramesRoundTrip(t *testing.T) {
	for _, b := range sampleFrames() {
		f, err := Parse(b)
		if err != nil {
			t.Fatalf("Parse(%x): %v", b, err)
		}
		if got := encode(f); !bytes.Equal(got, b) {
			t.Fatalf("re-encoding %+v gave %x, want %x", f, got, b)
		}
	}
}

func TestParseRejectsBrokenFrames(t *testing.T) {
	hello := AppendHello(nil, Hello{Version: Version, Received: 300})
	cases := map[string][]byte{
		"empty":                         {},
		"unknown type":                  {0x7f, 1, 2},
		"truncated hello":               hello[:20],
		"trailing bytes":                append(AppendValue(nil, TypeAck, 1), 0),
		"bad varint":                    {byte(TypeAck), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"missing varint":                {byte(TypePing)},
		"text data":                     {byte(TypeText), 'h', 'i'},
		"welcome flags":                 append([]byte{byte(TypeWelcome), 0x80}, make([]byte, 35)...),
		"welcome without its client id": append([]byte{byte(TypeWelcome), 0x02}, make([]byte, 35)...),
	}
	for name, b := range cases {
		if _, err := Parse(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Parse(%x) = %v, want ErrMalformed", name, b, err)
		}
	}
}

func TestTextDataIsATextMessage(t *testing.T) {
	msg := AppendData(nil, false, []byte("héllo"))
	if string(msg) != "\x03héllo" {
		t.Fatalf("text data message %q, want the type byte and the payload", msg)
	}
	f, err := ParseMessage(false, msg)
	if err != nil || f.Type != TypeText || string(f.Payload) != "héllo" {
		t.Fatalf("ParseMessage(text %q) = %+v, %v", msg, f, err)
	}
	if _, err := ParseMessage(false, []byte{byte(TypeText), 'a', 0xff}); !errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("ParseMessage(invalid UTF-8 text) = %v, want ErrInvalidUTF8", err)
	}
	// An empty text message is what a connection cut after a frame's
	// header looks like; text without the type byte is not a frame either.
	for _, b := range []string{"", "hello", "\x04hi"} {
		if _, err := ParseMessage(false, []byte(b)); !errors.Is(err, ErrMalformed) {
			t.Fatalf("ParseMessage(text %q) = %v, want ErrMalformed", b, err)
		}
	}
	f, err = ParseMessage(true, AppendData(nil, true, []byte{1, 2}))
	if err != nil || f.Type != TypeBinary || !bytes.Equal(f.Payload, []byte{1, 2}) {
		t.Fatalf("ParseMessage(binary data) = %+v, %v", f, err)
	}
}

func encode(f Frame) []byte {
	switch f.Type {
	case TypeHello:
		return AppendHello(nil, f.Hello)
	case TypeWelcome:
		return AppendWelcome(nil, f.Welcome)
	case TypeBinary:
		return AppendData(nil, true, f.Payload)
	}
	return AppendValue(nil, f.Type, f.Value)
}

// FuzzParse checks that Parse never panics and that whatever it accepts
// encodes back to the same bytes.
func FuzzParse(f *testing.F) {
	for _, b := range sampleFrames() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := Parse(b)
		if err != nil {
			return
		}
		got := encode(fr)
		again, err := Parse(got)
		if err != nil || !reflect.DeepEqual(normalize(again), normalize(fr)) {
			t.Fatalf("Parse(%x) = %+v, which re-encodes to %x and parses to %+v, %v", b, fr, got, again, err)
		}
	})
}

func normalize(f Frame) Frame {
	if len(f.Payload) == 0 {
		f.Payload = nil
	}
	return f
}

// FuzzParseMessage decodes one WebSocket message of either kind, as both
// ends of a connection do. It checks what ParseMessage promises: a text
// message is a text frame with valid UTF-8 or an error, a binary message is
// whatever Parse makes of it; a frame encodes back to the same message, or
// to a shorter one where a number was spelled with more bytes than it
// needs; a payload aliases the message; and decoding allocates nothing for
// a frame and a bounded error for anything else, however long the input.
func FuzzParseMessage(f *testing.F) {
	for _, b := range sampleFrames() {
		f.Add(true, b)
	}
	for _, s := range []string{"\x03", "\x03héllo", "\x03a\xff", "hello", "\x04hi", "", "\x03\xed\xa0\x80"} {
		f.Add(false, []byte(s))
	}
	f.Add(true, []byte{byte(TypeAck), 0x80, 0x00})
	f.Add(true, append([]byte{byte(TypeAck)}, bytes.Repeat([]byte{0x80}, 10)...))
	f.Fuzz(func(t *testing.T, binaryMessage bool, b []byte) {
		fr, err := ParseMessage(binaryMessage, b)
		if err != nil {
			checkParseError(t, binaryMessage, b, err)
			return
		}
		if !binaryMessage {
			if fr.Type != TypeText || !utf8.Valid(fr.Payload) {
				t.Fatalf("text message %q gave %+v", b, fr)
			}
		} else if pfr, perr := Parse(b); perr != nil || !reflect.DeepEqual(pfr, fr) {
			t.Fatalf("binary message %x: ParseMessage gave %+v, Parse %+v, %v", b, fr, pfr, perr)
		}
		if cap(fr.Payload) > 0 && (len(b) == 0 || &fr.Payload[:cap(fr.Payload)][cap(fr.Payload)-1] != &b[:cap(b)][cap(b)-1]) {
			t.Fatalf("the payload of %x is not the end of the message", b)
		}

		got := encodeMessage(fr)
		switch {
		case bytes.Equal(got, b):
		case fr.Type == TypeText || fr.Type == TypeBinary:
			t.Fatalf("data frame %x re-encodes to %x", b, got)
		case len(got) >= len(b):
			t.Fatalf("%x re-encodes to %x, which is not shorter", b, got)
		case fr.Type != TypeHello && fr.Type != TypeWelcome && (len(b) == 2 || b[len(b)-1] != 0):
			t.Fatalf("%x holds a number in as few bytes as it needs, but re-encodes to %x", b, got)
		}
		again, err := ParseMessage(binaryMessage, got)
		if err != nil || !reflect.DeepEqual(normalize(again), normalize(fr)) {
			t.Fatalf("%x parses to %+v, which re-encodes to %x and parses to %+v, %v", b, fr, got, again, err)
		}

		if allocs := testing.AllocsPerRun(3, func() { _, _ = ParseMessage(binaryMessage, b) }); allocs != 0 {
			t.Fatalf("decoding the frame %x allocated %v times", b, allocs)
		}
	})
}

// checkParseError checks the error of a message ParseMessage refused: it
// is ErrMalformed, ErrInvalidUTF8 exactly for a text frame that is not
// UTF-8, its text is short and does not quote the input, and making it
// takes a few allocations.
func checkParseError(t *testing.T, binaryMessage bool, b []byte, err error) {
	t.Helper()
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("ParseMessage(binary %v, %x) = %v, want ErrMalformed", binaryMessage, b, err)
	}
	badText := !binaryMessage && len(b) > 0 && Type(b[0]) == TypeText && !utf8.Valid(b[1:])
	if badText != errors.Is(err, ErrInvalidUTF8) {
		t.Fatalf("ParseMessage(binary %v, %x) = %v; ErrInvalidUTF8 is for a text frame that is not UTF-8", binaryMessage, b, err)
	}
	if binaryMessage {
		if _, perr := Parse(b); perr == nil {
			t.Fatalf("binary message %x: ParseMessage refused it with %v, Parse took it", b, err)
		}
	} else if len(b) > 0 && Type(b[0]) == TypeText && !badText {
		t.Fatalf("text message %q refused: %v", b, err)
	}
	if n := len(err.Error()); n > 120 {
		t.Fatalf("the error for %d bytes is %d bytes long: %v", len(b), n, err)
	}
	if allocs := testing.AllocsPerRun(3, func() { _, _ = ParseMessage(binaryMessage, b) }); allocs > 8 {
		t.Fatalf("refusing %x allocated %v times", b, allocs)
	}
}

// encodeMessage is encode for frames of either kind of message.
func encodeMessage(f Frame) []byte {
	if f.Type == TypeText {
		return AppendData(nil, false, f.Payload)
	}
	return encode(f)
}
