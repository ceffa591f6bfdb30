package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// sampleFrames are binary messages; text data travels in text messages.
func sampleFrames() [][]byte {
	id := func(b byte) ID { var x ID; x[0], x[15] = b, b; return x }
	return [][]byte{
		AppendHello(nil, Hello{Version: Version}),
		AppendHello(nil, Hello{Version: Version, Session: id(1), Token: id(2), Received: 1 << 40, Client: id(3), FirstID: 77}),
		AppendWelcome(nil, Welcome{Resumed: true, Session: id(4), Token: id(5), Received: 300, HeartbeatMillis: 10000, RetentionMillis: 120000}),
		AppendWelcome(nil, Welcome{}),
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
		"empty":           {},
		"unknown type":    {0x7f, 1, 2},
		"truncated hello": hello[:20],
		"trailing bytes":  append(AppendValue(nil, TypeAck, 1), 0),
		"bad varint":      {byte(TypeAck), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"missing varint":  {byte(TypePing)},
		"text data":       {byte(TypeText), 'h', 'i'},
		"welcome flags":   append([]byte{byte(TypeWelcome), 0x80}, make([]byte, 35)...),
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
