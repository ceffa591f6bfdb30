package server

import (
	"testing"

	"github.com/resock/resock/internal/engine"
)

// BenchmarkEcho measures the server and the native client together: 64
// messages in flight, as the browser benchmark keeps them.
func BenchmarkEcho(b *testing.B) {
	for _, mode := range []struct {
		name   string
		resume bool
	}{{"plain", false}, {"resume", true}} {
		for _, size := range []int{16, 64 << 10} {
			b.Run(mode.name+"/"+sizeLabel(size), func(b *testing.B) {
				ts := newTestServer(&testing.T{}, Options{}, Echo)
				defer ts.http.Close()
				got := make(chan struct{}, 1024)
				s, err := engine.New(ts.wsURL("/"), engine.Options{
					Resume: mode.resume,
					OnEvent: func(e engine.Event) {
						if _, ok := e.(engine.MessageEvent); ok {
							got <- struct{}{}
						}
					},
				})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close(1000, "")
				payload := make([]byte, size)
				b.SetBytes(int64(size))
				b.ResetTimer()
				inflight := 0
				for i := 0; i < b.N; i++ {
					for inflight >= 64 {
						<-got
						inflight--
					}
					if err := s.Send(engine.Message{Data: payload}); err != nil {
						b.Fatal(err)
					}
					inflight++
				}
				for ; inflight > 0; inflight-- {
					<-got
				}
			})
		}
	}
}

func sizeLabel(n int) string {
	if n >= 1024 {
		return "64KiB"
	}
	return "16B"
}
