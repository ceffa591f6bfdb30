package wasmbuild

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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
// The modules named in external (as the entry imports them: "react",
// "./resock.js") stay imports of the bundle, for modules that are files of
// their own beside it or packages of the page's.
//
// esbuild is used as a library, so a fresh machine needs no Node.js to build.
func Bundle(entry, out string, external ...string) error {
	// esbuild takes relative paths from AbsWorkingDir, not from ours.
	absEntry, err := filepath.Abs(entry)
	if err != nil {
		return fmt.Errorf("failed to bundle %s: %w", entry, err)
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("failed to bundle %s: %w", entry, err)
	}
	// A plugin, not esbuild's External, which would rewrite a relative
	// import to the path from the bundle to the source file it names.
	var plugins []api.Plugin
	if len(external) > 0 {
		quoted := make([]string, len(external))
		for i, e := range external {
			quoted[i] = regexp.QuoteMeta(e)
		}
		filter := "^(" + strings.Join(quoted, "|") + ")$"
		plugins = append(plugins, api.Plugin{
			Name: "external",
			Setup: func(b api.PluginBuild) {
				b.OnResolve(api.OnResolveOptions{Filter: filter}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
					return api.OnResolveResult{Path: a.Path, External: true}, nil
				})
			},
		})
	}
	banner := "// resock.js: a reconnecting WebSocket for web pages. Built by make build\n" +
		"// from jsglue/src, where each part has its own module; resock.d.ts is the API."
	if name := filepath.Base(entry); name != "resock.js" {
		banner = "// " + name + ": part of resock, a reconnecting WebSocket for web pages.\n" +
			"// Built by make build from jsglue/src/" + name + "."
	}
	result := api.Build(api.BuildOptions{
		EntryPoints: []string{absEntry},
		Plugins:     plugins,
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
		Banner:        map[string]string{"js": banner},
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

// GlueModules are the modules of the glue a page may import, each bundled
// from its source in jsglue/src with the imports it keeps: resock.js,
// whose import loads resock.wasm; the React hook, "resock/react"; and the
// shared socket, "resock/shared", with the SharedWorker and the host they
// share, which runs in the worker or, without one, in the page.
var GlueModules = []struct {
	Name     string
	External []string
}{
	{"resock.js", nil},
	{"react.js", []string{"react", "./resock.js"}},
	{"shared.js", []string{"./sharedhost.js"}},
	{"sharedhost.js", []string{"./resock.js"}},
	{"sharedworker.js", []string{"./sharedhost.js"}},
}

// BundleGlue writes every module of GlueModules from srcDir into outDir.
func BundleGlue(srcDir, outDir string) error {
	for _, m := range GlueModules {
		if err := Bundle(filepath.Join(srcDir, m.Name), filepath.Join(outDir, m.Name), m.External...); err != nil {
			return err
		}
	}
	return nil
}
