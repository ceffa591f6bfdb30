//go:build !js

package web_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/resock/resock/server"
	"github.com/resock/resock/web"
)

// A Go program serves resock's browser files under /resock/, a resock
// server at /echo, and a page that imports the module from /resock/.
func ExampleHandler() {
	http.Handle("/resock/", http.StripPrefix("/resock", web.Handler()))

	s := server.New(server.Options{})
	http.Handle("/echo", s.Handler(server.Echo))

	http.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<!doctype html>
<script type="module">
	import { ReconnectingWebSocket } from "/resock/resock.js";
	const ws = new ReconnectingWebSocket(location.origin.replace("http", "ws") + "/echo");
	ws.onmessage = (e) => console.log(e.data);
	ws.send("hello"); // queued until open
</script>`)
	})

	hs := &http.Server{Addr: "127.0.0.1:8080", ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(hs.ListenAndServe())
}

// A browser that accepts brotli gets resock.wasm with brotli, as
// application/wasm, which it compiles while it downloads.
func ExampleHandler_brotli() {
	mux := http.NewServeMux()
	mux.Handle("/resock/", http.StripPrefix("/resock", web.Handler()))
	hs := httptest.NewServer(mux)
	defer hs.Close()

	req, err := http.NewRequest(http.MethodGet, hs.URL+"/resock/resock.wasm", nil)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	// The transport itself, which leaves the body as it was sent.
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"))
	// Output: 200 OK application/wasm br
}

// ImportURL names the files by version, so that the browser keeps them
// until the program serves another version of the package.
func ExampleImportURL() {
	http.Handle("/resock/", http.StripPrefix("/resock", web.Handler()))
	http.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html>
<script type="module">
	import { ReconnectingWebSocket } from %q;
</script>`, web.ImportURL("/resock/"))
	})
}
