//go:build !js

package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"

	"github.com/resock/resock/internal/wire"
)

// clientIDs issues the client ids of resume sessions (MessageID.Client):
// 8 random bytes and 8 bytes of an HMAC-SHA256, under the server's key, of
// those and the user the id was issued to. A client presents its id in the
// hello of every new session; an id this key issued to this user is kept,
// anything else — a client's own random id, an id issued under another key
// or to another user — is replaced by a new one. So an id is the server's,
// names one client object of one user, and cannot be chosen by a client to
// pass for another's.
type clientIDs struct{ key []byte }

func newClientIDs(key []byte) clientIDs {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return clientIDs{key: append([]byte(nil), key...)}
}

// issue returns the id for a new session of user whose hello presented
// presented, and whether it is presented, issued before.
func (c clientIDs) issue(presented wire.ID, user string) (wire.ID, bool) {
	if mac := c.mac(presented, user); subtle.ConstantTimeCompare(mac[:], presented[8:]) == 1 {
		return presented, true
	}
	var id wire.ID
	_, _ = rand.Read(id[:8])
	mac := c.mac(id, user)
	copy(id[8:], mac[:])
	return id, false
}

func (c clientIDs) mac(id wire.ID, user string) [8]byte {
	h := hmac.New(sha256.New, c.key)
	h.Write(id[:8])
	h.Write([]byte(user))
	var sum [8]byte
	copy(sum[:], h.Sum(nil))
	return sum
}
