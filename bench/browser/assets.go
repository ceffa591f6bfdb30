package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/resock/resock/internal/gluefiles"
	"github.com/resock/resock/internal/wasmbuild"
)

// buildHook builds resock.wasm with bench/browser/hook/memstats_js.go added
// to its main package (go build -overlay, so wasm/ itself is untouched) into
// dir, beside copies of the glue's modules and wasm_exec.js. It keeps the function
// names, so that profiles of it name Go functions.
func buildHook(root, jsglueDir, dir string) error {
	overlay := map[string]map[string]string{"Replace": {
		filepath.Join(root, "wasm", "memstats_js.go"): filepath.Join(root, "bench", "browser", "hook", "memstats_js.go"),
	}}
	b, err := json.Marshal(overlay)
	if err != nil {
		return err
	}
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, b, 0o644); err != nil {
		return fmt.Errorf("failed to write the overlay: %w", err)
	}
	// The symbol table stays: "-ldflags=" replaces wasmbuild's.
	if err := wasmbuild.Build(context.Background(), root, filepath.Join(dir, "resock.wasm"),
		"-tags=resockbench", "-overlay="+overlayFile, "-ldflags="); err != nil {
		return fmt.Errorf("with the heap hook: %w", err)
	}
	modules, err := gluefiles.Modules(jsglueDir)
	if err != nil {
		return err
	}
	for _, name := range append(modules, "wasm_exec.js") {
		b, err := os.ReadFile(filepath.Join(jsglueDir, name))
		if err != nil {
			return fmt.Errorf("failed to copy %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("failed to copy %s: %w", name, err)
		}
	}
	return nil
}

// copyBuild copies the glue's modules, resock.wasm, its compressed copies and
// wasm_exec.js from the build directory to dir; the compressed copies last,
// so that the server still finds them at least as new as resock.wasm.
func copyBuild(from, dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	modules, err := gluefiles.Modules(from)
	if err != nil {
		return err
	}
	files := append(modules, "wasm_exec.js", "resock.wasm")
	// The compressed copies go last, so that the server finds them at least
	// as new as the files they were made from.
	for _, name := range files[:len(files):len(files)] {
		files = append(files, name+".gz", name+".br")
	}
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(from, name))
		if errors.Is(err, fs.ErrNotExist) && (strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".br")) {
			continue // the server does without
		}
		if err != nil {
			return fmt.Errorf("failed to copy %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("failed to copy %s: %w", name, err)
		}
	}
	return nil
}

// fileSize is one file a client's page downloads.
type fileSize struct {
	Client string `json:"client"`
	File   string `json:"file"`
	Raw    int    `json:"raw"`
	Gzip   int    `json:"gzip"`
	// Brotli is the size of the brotli copy the build made, if any.
	Brotli int `json:"brotli,omitempty"`
	// Served is the body size the page received (Resource Timing's
	// encodedBodySize): gzip where the server compresses it.
	Served int `json:"served"`
	// Encoding is the Content-Encoding it was served with.
	Encoding string `json:"encoding"`
}

// sizes measures what each client costs a page: raw and gzip -9 sizes of its
// files, and what the page was actually sent, from Resource Timing.
func sizes(jsglueDir, nodeModules string, served []resource) ([]fileSize, error) {
	files := []struct{ client, path, route string }{
		{"resock", filepath.Join(jsglueDir, "resock.wasm"), "/resock.wasm"},
		{"resock", filepath.Join(jsglueDir, "resock.js"), "/resock.js"},
		{"resock", filepath.Join(jsglueDir, "wasm_exec.js"), "/wasm_exec.js"},
	}
	for _, lib := range jsLibraries {
		files = append(files, struct{ client, path, route string }{lib.client, filepath.Join(nodeModules, lib.file), lib.route})
	}
	var out []fileSize
	for _, f := range files {
		raw, err := os.ReadFile(f.path)
		if err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", f.path, err)
		}
		gz, err := gzipBytes(raw)
		if err != nil {
			return nil, fmt.Errorf("failed to compress %s: %w", f.path, err)
		}
		s := fileSize{Client: f.client, File: filepath.Base(f.path), Raw: len(raw), Gzip: len(gz)}
		// The build's own compressed copies, where it made them, are what
		// the server sends.
		if fi, err := os.Stat(f.path + ".gz"); err == nil {
			s.Gzip = int(fi.Size())
		}
		if fi, err := os.Stat(f.path + ".br"); err == nil {
			s.Brotli = int(fi.Size())
		}
		for _, r := range served {
			// The first load of each file, without the cache-busting query.
			if strings.HasSuffix(r.Name, f.route) {
				s.Served = r.EncodedBodySize
				switch {
				case r.EncodedBodySize == r.DecodedBodySize:
					s.Encoding = "identity"
				case s.Brotli > 0 && r.EncodedBodySize == s.Brotli:
					s.Encoding = "br"
				default:
					s.Encoding = "gzip"
				}
				break
			}
		}
		out = append(out, s)
	}
	return out, nil
}
