package client_test

import (
	"log"
	"net/http"

	"github.com/resock/resock/client"
)

func ExampleNew() {
	s, err := client.New("wss://example.com/chat", client.Options{
		Protocols: []string{"chat.v2"},
		// Every message is delivered once and in order across reconnects,
		// by a resock server.
		Resume: true,
		// Give up after five failed attempts in a row; nil never gives up,
		// and new(0) never reconnects, as maxRetries in JavaScript.
		MaxRetries: new(5),
		// Every attempt presents the current token.
		Resolve: func() (string, []string, error) {
			return "wss://example.com/chat?token=" + token(), []string{"chat.v2"}, nil
		},
		// The default gives up on a handshake refused with 401; this
		// retries it once the token is fresh.
		ShouldReconnect: func(e client.CloseEvent) bool {
			if e.HTTPStatus == http.StatusUnauthorized {
				return refreshToken() == nil
			}
			return client.DefaultShouldReconnect(e)
		},
		OnEvent: func(e client.Event) {
			switch e := e.(type) {
			case client.OpenEvent:
				if e.Reconnected && !e.Resumed {
					log.Print("the server lost the session: fetch the state again")
				}
			case client.MessageEvent:
				log.Printf("message: %s", e.Message.Data)
			case client.CloseEvent:
				log.Printf("closed: %d %q (HTTP status %d), retry: %v", e.Code, e.Reason, e.HTTPStatus, e.WillReconnect)
			}
		},
	})
	if err != nil {
		// ErrInvalidURL or ErrInvalidProtocol: a mistake no retry mends.
		log.Fatal(err)
	}
	defer s.Close(client.StatusNormalClosure, "")
	if err := s.SendText("hello"); err != nil {
		log.Print(err)
	}
}

func token() string { return "t" }

func refreshToken() error { return nil }
