package engine

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestDefaultPolicyEndsOnAHandshakeRefusedAsUnauthorizedForbiddenOrNotFound(t *testing.T) {
	for _, tc := range []struct {
		status int
		retry  bool
	}{
		{0, true}, {400, true}, {401, false}, {403, false}, {404, false}, {408, true},
		{429, true}, {500, true}, {502, true}, {503, true},
	} {
		if got := DefaultShouldReconnect(CloseEvent{Code: 1006, HTTPStatus: tc.status}); got != tc.retry {
			t.Errorf("1006 with HTTP status %d: retry %v, want %v", tc.status, got, tc.retry)
		}
	}
}

// A transport reports a refused handshake as OnClose's error; the status
// reaches the error and close events however the error is wrapped, and
// the default policy ends the Socket on 403.
func TestTheHTTPStatusOfARefusedHandshakeReachesTheEvents(t *testing.T) {
	h := newHarness(t, 0, nil)
	refusal := fmt.Errorf("failed to dial: %w", &HandshakeError{StatusCode: 403})
	h.tr.Last(t).h.OnClose(1006, "", false, refusal)
	h.clock.Advance(time.Hour)
	errs := eventsOf[ErrorEvent](h.rec)
	if len(errs) != 1 || errs[0].HTTPStatus != 403 || !errors.Is(errs[0].Err, refusal) {
		t.Fatalf("error events %+v, want one with HTTPStatus 403", errs)
	}
	closes := eventsOf[CloseEvent](h.rec)
	if len(closes) != 1 || closes[0] != (CloseEvent{Code: 1006, HTTPStatus: 403}) {
		t.Fatalf("close events %+v, want one final 1006 with HTTPStatus 403", closes)
	}
	if n, st := h.tr.Dials(), h.s.State(); n != 1 || st != Closed {
		t.Fatalf("dials %d, state %v; want no retry after 403", n, st)
	}
}

func TestAnErrorWithoutAnHTTPStatusLeavesItZero(t *testing.T) {
	h := newHarness(t, 0, nil)
	h.tr.Last(t).h.OnClose(1006, "", false, errors.New("connection refused"))
	errs, closes := eventsOf[ErrorEvent](h.rec), eventsOf[CloseEvent](h.rec)
	if len(errs) != 1 || errs[0].HTTPStatus != 0 || len(closes) != 1 || closes[0].HTTPStatus != 0 || !closes[0].WillReconnect {
		t.Fatalf("error events %+v, close events %+v; want status 0 and a retry", errs, closes)
	}
}
