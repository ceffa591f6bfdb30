package engine

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/resock/resock/internal/wire"
)

// Each of these the browser's WebSocket constructor refuses with a
// SyntaxError (those without a scheme when there is no base URL to resolve
// them against, as outside a page).
var badURLs = []struct{ name, url, why string }{
	{"empty", "", "empty"},
	{"only spaces", " \t\n", "empty"},
	{"host and port without a scheme", "127.0.0.1:8090/chat", "no scheme"},
	{"a path", "/chat", "no scheme"},
	{"relative", "chat", "no scheme"},
	{"scheme-relative", "//example.com/chat", "no scheme"},
	{"host name taken for a scheme", "localhost:8090/chat", `not "localhost"`},
	{"ftp", "ftp://example.com/", `not "ftp"`},
	{"file", "file:///tmp/sock", `not "file"`},
	{"javascript", "javascript:alert(1)", `not "javascript"`},
	{"scheme with a space", "w s://example.com/", "no scheme"},
	{"fragment", "ws://example.com/chat#top", "fragment (#top)"},
	{"empty fragment", "ws://example.com/chat#", "fragment (#)"},
	{"fragment of an http URL", "http://example.com/#x", "fragment"},
	{"no host", "ws://", "no host"},
	{"no host before the path", "ws:///chat", "no host"},
	{"no slashes", "ws:example.com", "no host"},
	{"only a port", "ws://:8080/", "no host"},
	{"only userinfo", "ws://user@/", "no host"},
}

func TestValidateURLRefusesWhatWebSocketRefuses(t *testing.T) {
	checkRefused(t, badURLs)
}

// checkRefused checks that ValidateURL and New refuse each URL and say why.
func checkRefused(t *testing.T, urls []struct{ name, url, why string }) {
	for _, tc := range urls {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ValidateURL(tc.url)
			if !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("ValidateURL(%q) = %q, %v; want ErrInvalidURL", tc.url, u, err)
			}
			if !strings.Contains(err.Error(), tc.why) {
				t.Errorf("error %q does not say %q", err, tc.why)
			}
			if !strings.Contains(err.Error(), strconv.Quote(tc.url)) {
				t.Errorf("error %q does not name the URL", err)
			}
			tr := &fakeTransport{}
			s, err := New(tc.url, Options{Transport: tr})
			if !errors.Is(err, ErrInvalidURL) || s != nil {
				t.Fatalf("New(%q) = %v, %v; want nil and ErrInvalidURL", tc.url, s, err)
			}
			if n := tr.Dials(); n != 0 {
				t.Fatalf("%d dials for a URL New refused", n)
			}
		})
	}
}

func TestValidateURLConvertsHTTPToWebSocketAsTheBrowserDoes(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ws://example.com/chat", "ws://example.com/chat"},
		{"wss://example.com:8443/chat?room=1", "wss://example.com:8443/chat?room=1"},
		{"http://127.0.0.1:8090/chat", "ws://127.0.0.1:8090/chat"},
		{"https://example.com/", "wss://example.com/"},
		{"HTTPS://Example.com/", "wss://Example.com/"},
		{"WS://example.com", "ws://example.com"},
		{"  ws://example.com/\n", "ws://example.com/"},
		{"ws://exam\tple.com/ch\nat", "ws://example.com/chat"},
		{"ws://user:pass@example.com/", "ws://user:pass@example.com/"},
		{"ws://[::1]:8080/", "ws://[::1]:8080/"},
		{"ws://[::ffff:127.0.0.1]/", "ws://[::ffff:127.0.0.1]/"},
		{"ws://example.com:/", "ws://example.com:/"},
		{"ws://example.com:65535/", "ws://example.com:65535/"},
		{"ws://example.com?q", "ws://example.com?q"},
		{"ws://bücher.example/", "ws://bücher.example/"},
	} {
		got, err := ValidateURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ValidateURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNewDialsAnHTTPURLAsWebSocket(t *testing.T) {
	tr := &fakeTransport{}
	s, err := New("https://example.com/chat", Options{Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Last(t).url; got != "wss://example.com/chat" {
		t.Fatalf("dialled %q, want wss://example.com/chat", got)
	}
	if got := s.URL(); got != "wss://example.com/chat" {
		t.Fatalf("URL() = %q, want the wss URL, as WebSocket.url", got)
	}
}

var badProtocols = []struct {
	name      string
	protocols []string
	why       string
}{
	{"empty", []string{""}, "token"},
	{"space", []string{"a b"}, "token"},
	{"separator", []string{"chat", "bad,"}, "token"},
	{"slash", []string{"chat/1"}, "token"},
	{"not ASCII", []string{"é"}, "token"},
	{"control character", []string{"chat\x01"}, "token"},
	{"duplicate", []string{"chat", "json", "chat"}, "offered twice"},
}

func TestValidateProtocolsRefusesWhatWebSocketRefuses(t *testing.T) {
	for _, tc := range badProtocols {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateProtocols(tc.protocols)
			if !errors.Is(err, ErrInvalidProtocol) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("ValidateProtocols(%q) = %v, want ErrInvalidProtocol saying %q", tc.protocols, err, tc.why)
			}
			tr := &fakeTransport{}
			if s, err := New("ws://example.test/", Options{Transport: tr, Protocols: tc.protocols}); !errors.Is(err, ErrInvalidProtocol) || s != nil {
				t.Fatalf("New with %q = %v, %v; want ErrInvalidProtocol", tc.protocols, s, err)
			}
			if n := tr.Dials(); n != 0 {
				t.Fatalf("%d dials with subprotocols New refused", n)
			}
		})
	}
	if err := ValidateProtocols([]string{"chat", "Chat", "v1.json", "a~!#$%&'*+-.^_`|"}); err != nil {
		t.Fatalf("valid subprotocols refused: %v", err)
	}
}

func TestResumeOffersItsProtocolOnceWhenTheApplicationNamesItToo(t *testing.T) {
	h := newHarness(t, 0, func(o *Options) {
		o.Resume = true
		o.Protocols = []string{wire.Protocol, "chat"}
	})
	if got, want := h.tr.Last(t).protocols, []string{"chat", wire.Protocol}; !slices.Equal(got, want) {
		t.Fatalf("offered %q, want %q", got, want)
	}
}

func TestNewTakesNoURLWhenResolveChoosesIt(t *testing.T) {
	s, err := New("", Options{Transport: &fakeTransport{}, Offline: true, Resolve: func(done func(string, []string, error)) {}})
	if err != nil || s.URL() != "" {
		t.Fatalf("New with Resolve and no URL = %v, URL %q; want a Socket", err, s.URL())
	}
	if _, err := New("ftp://example.test/", Options{Transport: &fakeTransport{}, Resolve: func(done func(string, []string, error)) {}}); !errors.Is(err, ErrInvalidURL) {
		t.Fatalf("New with Resolve and a bad URL = %v, want ErrInvalidURL", err)
	}
}

func TestAResolvedURLThatWebSocketRefusesFailsTheAttempt(t *testing.T) {
	results := []struct {
		url       string
		protocols []string
		want      error
	}{
		{"ftp://example.test/", nil, ErrInvalidURL},
		{"ws://example.test/", []string{"a", "a"}, ErrInvalidProtocol},
		{"http://example.test/ok", []string{"chat"}, nil},
	}
	resolved := make(chan int, len(results))
	next := 0
	h := newHarness(t, 0, func(o *Options) {
		o.Resolve = func(done func(string, []string, error)) {
			r := results[next]
			next++
			done(r.url, r.protocols, nil)
			resolved <- next
		}
	})
	for i, r := range results {
		select {
		case <-resolved:
		case <-time.After(10 * time.Second):
			t.Fatalf("Resolve not called for result %d", i)
		}
		if r.want == nil {
			break
		}
		errs := eventsOf[ErrorEvent](h.rec)
		if len(errs) != i+1 || !errors.Is(errs[i].Err, r.want) {
			t.Fatalf("after result %d, error events %v, want one more wrapping %v", i, errs, r.want)
		}
		closes := eventsOf[CloseEvent](h.rec)
		if len(closes) != i+1 || closes[i].Code != 1006 || !closes[i].WillReconnect {
			t.Fatalf("after result %d, close events %+v, want one more 1006 that is retried", i, closes)
		}
		// The jitter draws 0: the retry is due at once. Advancing no
		// further keeps the connect timeout of the next attempt, whose
		// Resolve runs in a goroutine of its own, from firing.
		h.clock.Advance(0)
	}
	if n := h.tr.Dials(); n != 1 {
		t.Fatalf("%d dials, want 1: only the valid result is dialled", n)
	}
	if c := h.tr.Last(t); c.url != "ws://example.test/ok" || !slices.Equal(c.protocols, []string{"chat"}) {
		t.Fatalf("dialled %q with %q", c.url, c.protocols)
	}
}
