package wire

import "time"

// GlueConstants returns what resock's JavaScript glue needs of resock.v1,
// by the names the glue uses, for the wasm bridge to hand to the glue when
// it starts, so that the glue keeps no copy of its own:
//
//   - protocol: Protocol, the subprotocol name;
//   - textFrame, binaryFrame, ackFrame: the type bytes TypeText, TypeBinary
//     and TypeAck;
//   - ackEvery, ackBytes: AckEvery frames and AckBytes bytes;
//   - ackQuietMillis, ackMaxMillis: AckQuiet and AckMax in milliseconds.
//
// The values are strings and ints only, which syscall/js's ValueOf converts
// as they are.
func GlueConstants() map[string]any {
	return map[string]any{
		"protocol":       Protocol,
		"textFrame":      int(TypeText),
		"binaryFrame":    int(TypeBinary),
		"ackFrame":       int(TypeAck),
		"ackEvery":       AckEvery,
		"ackBytes":       AckBytes,
		"ackQuietMillis": int(AckQuiet / time.Millisecond),
		"ackMaxMillis":   int(AckMax / time.Millisecond),
	}
}
