// Package embeddednats starts a NATS server with JetStream inside the
// process, for the demo's -nats embedded and for tests: a real nats-server
// (github.com/nats-io/nats-server/v2), listening on loopback, storing in a
// folder of its own.
package embeddednats

import (
	"errors"
	"fmt"
	"os"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// Server is a running NATS server.
type Server struct {
	ns  *natsserver.Server
	dir string
	own bool
}

// Start starts a NATS server with JetStream on a free loopback port (or on
// port, if not 0), storing in dir, or in a new temporary folder that Stop
// removes when dir is "".
func Start(dir string, port int) (*Server, error) {
	own := dir == ""
	if own {
		var err error
		if dir, err = os.MkdirTemp("", "resock-nats-"); err != nil {
			return nil, err
		}
	}
	if port == 0 {
		port = -1
	}
	ns, err := natsserver.NewServer(&natsserver.Options{
		ServerName: "resock-embedded",
		Host:       "127.0.0.1",
		Port:       port,
		JetStream:  true,
		StoreDir:   dir,
		NoSigs:     true,
	})
	if err != nil {
		return nil, err
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("embedded NATS server did not start in 10 s")
	}
	return &Server{ns: ns, dir: dir, own: own}, nil
}

// URL is the address clients connect to.
func (s *Server) URL() string { return s.ns.ClientURL() }

// Dir is where the server stores its streams.
func (s *Server) Dir() string { return s.dir }

// Stop shuts the server down, and removes its folder if Start made it.
func (s *Server) Stop() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
	if s.own {
		_ = os.RemoveAll(s.dir)
	}
}

func (s *Server) String() string { return fmt.Sprintf("NATS %s (store %s)", s.URL(), s.dir) }
