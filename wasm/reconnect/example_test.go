package reconnect_test

import (
	"log"
	"net/http"

	"github.com/resock/resock/wasm/reconnect"
)

func ExampleNew() {
	s, err := reconnect.New("wss://example.com/chat", reconnect.Options{
		Protocols: []string{"chat.v2"},
		// Give up after five failed attempts in a row; nil never gives up,
		// and new(0) never reconnects, as maxRetries in JavaScript.
		MaxRetries: new(5),
		// Every attempt presents the current token.
		Resolve: func(done func(url string, protocols []string, err error)) {
			done("wss://example.com/chat?token="+token(), []string{"chat.v2"}, nil)
		},
		// The default gives up on a handshake refused with 401; this
		// retries it once the token is fresh.
		ShouldReconnect: func(e reconnect.CloseEvent) bool {
			if e.HTTPStatus == http.StatusUnauthorized {
				return refreshToken() == nil
			}
			return reconnect.DefaultShouldReconnect(e)
		},
		OnEvent: func(e reconnect.Event) {
			switch e := e.(type) {
			case reconnect.MessageEvent:
				log.Printf("message: %s", e.Message.Data)
			case reconnect.CloseEvent:
				log.Printf("closed: %d %q (HTTP status %d), retry: %v", e.Code, e.Reason, e.HTTPStatus, e.WillReconnect)
			}
		},
	})
	if err != nil {
		// ErrInvalidURL or ErrInvalidProtocol: a mistake no retry mends.
		log.Fatal(err)
	}
	defer s.Close(1000, "")
	if err := s.Send(reconnect.Message{Data: []byte("hello")}); err != nil {
		log.Print(err)
	}
}

func token() string { return "t" }

func refreshToken() error { return nil }
