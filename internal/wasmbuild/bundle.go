package wasmbuild

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Bundle writes the glue's ES modules, starting from entry (jsglue/src/resock.js),
// into the one module out that a page imports. The sources stay split by
// concern; the page gets one file, because every further module is another
// request the browser makes, one level of imports after another, before the
// program can start. The output is not minified: it is sent compressed, and
// a developer reading it in the browser's tools sees the source's names.
//
// esbuild is used as a library, so a fresh machine needs no Node.js to build.
func Bundle(entry, out string) error {
	// esbuild takes relative paths from AbsWorkingDir, not from ours.
	absEntry, err := filepath.Abs(entry)
	if err != nil {
		return fmt.Errorf("failed to bundle %s: %w", entry, err)
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("failed to bundle %s: %w", entry, err)
	}
	result := api.Build(api.BuildOptions{
		EntryPoints: []string{absEntry},
		Outfile:     absOut,
		// The bundle names each module it holds in a comment, by its path
		// from the working directory: from the module root, the bundle is
		// the same wherever the build runs.
		AbsWorkingDir: moduleRoot(absEntry),
		Bundle:        true,
		Write:         true,
		Format:        api.FormatESModule,
		// Top-level await and private class members are in every browser
		// that runs Go's wasm; the source is bundled as it is written.
		Target:        api.ES2022,
		Platform:      api.PlatformBrowser,
		Charset:       api.CharsetUTF8,
		LegalComments: api.LegalCommentsNone,
		LogLevel:      api.LogLevelSilent,
		Banner: map[string]string{"js": "// resock.js: a reconnecting WebSocket for web pages. Built by make build\n" +
			"// from jsglue/src, where each part has its own module; resock.d.ts is the API."},
	})
	if len(result.Errors) > 0 {
		var msgs []string
		for _, m := range api.FormatMessages(result.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage}) {
			msgs = append(msgs, strings.TrimSpace(m))
		}
		return fmt.Errorf("failed to bundle %s: %w", entry, errors.New(strings.Join(msgs, "\n")))
	}
	return nil
}

// moduleRoot returns the directory of the go.mod above file, an absolute
// path, or file's own directory when there is none.
func moduleRoot(file string) string {
	for dir := filepath.Dir(file); ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if dir == filepath.Dir(dir) {
			return filepath.Dir(file)
		}
	}
}
