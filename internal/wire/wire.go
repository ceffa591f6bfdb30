// Package wire encodes and decodes the frames of resock.v1, the resume
// protocol that resock's client and server speak when the client asks for
// it. docs/PROTOCOL.md describes the protocol; this package is its only
// implementation, shared by both sides: the frames, the acknowledgement
// policy (Acker), and the constants resock's JavaScript glue takes from Go
// (GlueConstants).
//
// Every frame is one WebSocket message whose first byte is its type: text
// data (TypeText) travels as a text message, so that text stays text on the
// wire, every other frame as a binary message.
//
// Sequence numbers of data frames are implicit: within a session each side
// numbers its data frames 1, 2, 3 … in the order it sends them, and a
// connection delivers them in order, so the receiver counts instead of
// reading a number. Handshakes and acknowledgements carry the counts.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Protocol is the WebSocket subprotocol name of resock.v1.
const Protocol = "resock.v1"

// Version is the protocol version carried in Hello. A client of version 2
// or later understands a welcome's first message id (Welcome.FirstID).
const Version = 2

// When a receiver acknowledges: once AckEvery data frames or AckBytes bytes
// of payload are unacknowledged, when the stream has been quiet for
// AckQuiet, and at the latest AckMax after the oldest unacknowledged frame
// arrived.
const (
	AckEvery = 64
	AckBytes = 64 << 10
	AckQuiet = 10 * time.Millisecond
	AckMax   = time.Second
)

// Type is the first byte of a frame.
type Type byte

// Frame types.
const (
	TypeHello      Type = 0x01 // client → server, first frame of a connection
	TypeWelcome    Type = 0x02 // server → client, answer to Hello
	TypeText       Type = 0x03 // application text message; a text WebSocket message
	TypeBinary     Type = 0x04 // application binary message
	TypeAck        Type = 0x05 // cumulative acknowledgement
	TypePing       Type = 0x06 // liveness probe
	TypePong       Type = 0x07 // answer to Ping
	TypeRetryAfter Type = 0x08 // server → client before a close: wait this long
)

func (t Type) String() string {
	switch t {
	case TypeHello:
		return "hello"
	case TypeWelcome:
		return "welcome"
	case TypeText:
		return "text"
	case TypeBinary:
		return "binary"
	case TypeAck:
		return "ack"
	case TypePing:
		return "ping"
	case TypePong:
		return "pong"
	case TypeRetryAfter:
		return "retry-after"
	}
	return fmt.Sprintf("type(0x%02x)", byte(t))
}

// ID is a 128-bit random identifier: a session id, a resume token or a
// client id.
type ID [16]byte

// IsZero reports whether id is all zeros, which means "none".
func (id ID) IsZero() bool { return id == ID{} }

// Hello opens every connection. A client without a session sends a zero
// Session and Token.
type Hello struct {
	Version byte
	Session ID
	Token   ID
	// Received is how many of the server's data frames the client has.
	Received uint64
	// Client identifies the client object for its whole life, across
	// sessions; with FirstID it lets a server recognise a message resent on
	// a new session.
	Client ID
	// FirstID is the message id of the client's data frame 1 in this
	// session, if the session is new; the ids that follow are consecutive.
	FirstID uint64
}

// Welcome answers Hello.
type Welcome struct {
	// Resumed is true when the server still had the session.
	Resumed bool
	Session ID
	Token   ID
	// Received is how many of the client's data frames the server has.
	Received uint64
	// HeartbeatMillis is the interval at which the server expects to hear
	// from the client; 0 means the server does not say.
	HeartbeatMillis uint64
	// RetentionMillis is how long the server keeps the session after a drop.
	RetentionMillis uint64
	// Client, when not zero, is the client id the server issued: the
	// client presents it in every later hello, in place of the one it
	// chose, and the server names the client's messages with it.
	Client ID
	// FirstID, when not zero, is the id of the client's data frame 1 in a
	// fresh session, where it is above the hello's: the server's
	// application has applied the client's messages before it, so the
	// client sends none of them and numbers its next message FirstID. Only
	// a client of Version 2 or later is sent it.
	FirstID uint64
}

// Frame is one decoded frame. Only the fields of its Type are set.
type Frame struct {
	Type    Type
	Hello   Hello
	Welcome Welcome
	// Payload of a Text or Binary frame; it aliases the decoded buffer.
	Payload []byte
	// Value of an Ack (frames received), Ping and Pong (an opaque stamp
	// the pong echoes) or RetryAfter (milliseconds).
	Value uint64
}

// ErrMalformed wraps every decoding error.
var ErrMalformed = errors.New("malformed resock.v1 frame")

// ErrInvalidUTF8 is the decoding error of a text frame that is not valid
// UTF-8; it wraps ErrMalformed.
var ErrInvalidUTF8 = fmt.Errorf("%w: text payload is not valid UTF-8", ErrMalformed)

const (
	welcomeResumed = 1 << iota
	welcomeClient
	welcomeFirstID
)

// AppendHello appends the encoding of h to b.
func AppendHello(b []byte, h Hello) []byte {
	b = append(b, byte(TypeHello), h.Version)
	b = append(b, h.Session[:]...)
	b = append(b, h.Token[:]...)
	b = binary.AppendUvarint(b, h.Received)
	b = append(b, h.Client[:]...)
	return binary.AppendUvarint(b, h.FirstID)
}

// AppendWelcome appends the encoding of w to b.
func AppendWelcome(b []byte, w Welcome) []byte {
	var flags byte
	if w.Resumed {
		flags |= welcomeResumed
	}
	if !w.Client.IsZero() {
		flags |= welcomeClient
	}
	if w.FirstID != 0 {
		flags |= welcomeFirstID
	}
	b = append(b, byte(TypeWelcome), flags)
	b = append(b, w.Session[:]...)
	b = append(b, w.Token[:]...)
	b = binary.AppendUvarint(b, w.Received)
	b = binary.AppendUvarint(b, w.HeartbeatMillis)
	b = binary.AppendUvarint(b, w.RetentionMillis)
	if !w.Client.IsZero() {
		b = append(b, w.Client[:]...)
	}
	if w.FirstID != 0 {
		b = binary.AppendUvarint(b, w.FirstID)
	}
	return b
}

// AppendData appends a Text or Binary frame carrying payload. A Text frame
// is sent as a text message, a Binary frame as a binary message.
func AppendData(b []byte, binaryPayload bool, payload []byte) []byte {
	t := TypeText
	if binaryPayload {
		t = TypeBinary
	}
	b = append(b, byte(t))
	return append(b, payload...)
}

// ParseMessage decodes the frame of one WebSocket message: a text message
// must hold a Text frame, a binary message any other frame.
//
// The type byte of a text message is what tells a frame from a message cut
// short: github.com/coder/websocket (v1.8.15) reports a connection that ends
// between a frame's header and its payload as a complete, empty message.
func ParseMessage(binaryMessage bool, b []byte) (Frame, error) {
	if binaryMessage {
		return Parse(b)
	}
	if len(b) == 0 || Type(b[0]) != TypeText {
		return Frame{}, fmt.Errorf("%w: a text message must hold a text frame", ErrMalformed)
	}
	if !utf8.Valid(b[1:]) {
		return Frame{}, ErrInvalidUTF8
	}
	return Frame{Type: TypeText, Payload: b[1:]}, nil
}

// AppendValue appends an Ack, Ping, Pong or RetryAfter frame.
func AppendValue(b []byte, t Type, v uint64) []byte {
	return binary.AppendUvarint(append(b, byte(t)), v)
}

// Parse decodes the frame of one binary message. Payloads alias b. A Text
// frame comes only in a text message: here it is an error.
func Parse(b []byte) (Frame, error) {
	if len(b) == 0 {
		return Frame{}, fmt.Errorf("%w: empty", ErrMalformed)
	}
	f := Frame{Type: Type(b[0])}
	r := reader{b: b[1:]}
	switch f.Type {
	case TypeText:
		return Frame{}, fmt.Errorf("%w: a text frame in a binary message", ErrMalformed)
	case TypeBinary:
		f.Payload = r.b
		return f, nil
	case TypeHello:
		h := &f.Hello
		h.Version = r.byte()
		h.Session = r.id()
		h.Token = r.id()
		h.Received = r.uvarint()
		h.Client = r.id()
		h.FirstID = r.uvarint()
	case TypeWelcome:
		w := &f.Welcome
		flags := r.byte()
		if flags&^(welcomeResumed|welcomeClient|welcomeFirstID) != 0 {
			r.fail("unknown welcome flags")
		}
		w.Resumed = flags&welcomeResumed != 0
		w.Session = r.id()
		w.Token = r.id()
		w.Received = r.uvarint()
		w.HeartbeatMillis = r.uvarint()
		w.RetentionMillis = r.uvarint()
		if flags&welcomeClient != 0 {
			w.Client = r.id()
		}
		if flags&welcomeFirstID != 0 {
			if w.FirstID = r.uvarint(); w.FirstID == 0 {
				r.fail("welcome's first message id is 0")
			}
		}
	case TypeAck, TypePing, TypePong, TypeRetryAfter:
		f.Value = r.uvarint()
	default:
		return Frame{}, fmt.Errorf("%w: unknown type 0x%02x", ErrMalformed, b[0])
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("trailing bytes")
	}
	if r.err != nil {
		return Frame{}, fmt.Errorf("%w: %s: %s", ErrMalformed, f.Type, r.err)
	}
	return f, nil
}

// reader consumes b and remembers the first problem.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(msg string) {
	if r.err == nil {
		r.err = errors.New(msg)
	}
}

func (r *reader) byte() byte {
	if len(r.b) < 1 {
		r.fail("truncated")
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) id() ID {
	var id ID
	if len(r.b) < len(id) {
		r.fail("truncated")
		r.b = nil
		return id
	}
	copy(id[:], r.b)
	r.b = r.b[len(id):]
	return id
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}
