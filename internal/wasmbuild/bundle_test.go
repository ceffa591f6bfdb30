package wasmbuild

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestBundleMakesOneModuleOfTheGlue bundles the real glue and checks that the
// result imports nothing but wasm_exec.js, whose URL is only known when it
// runs, and exports what the entry module exports.
func TestBundleMakesOneModuleOfTheGlue(t *testing.T) {
	out := filepath.Join(t.TempDir(), "resock.js")
	if err := Bundle(filepath.Join("..", "..", "jsglue", "src", "resock.js"), out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	if m := regexp.MustCompile(`(?m)^\s*import\s.*from\s`).FindString(src); m != "" {
		t.Errorf("the bundle still imports a module: %q", m)
	}
	// A string literal in import() would be a module the bundle left out;
	// JSDoc types name their modules that way too, so only code counts.
	if n := len(regexp.MustCompile(`await import\(`).FindAllString(src, -1)); n != 1 {
		t.Errorf("the bundle has %d dynamic imports, want 1 (wasm_exec.js)", n)
	}
	if m := regexp.MustCompile("await import\\(\\s*[\"'`]").FindString(src); m != "" {
		t.Errorf("the bundle imports a module by name: %q", m)
	}
	exports := regexp.MustCompile(`(?s)export\s*\{([^}]*)\}`).FindStringSubmatch(src)
	if exports == nil {
		t.Fatal("the bundle exports nothing")
	}
	for _, name := range []string{"ReconnectingWebSocket", "CONNECTING", "OPEN", "CLOSING", "CLOSED", "ready", "__resockDebug", "default"} {
		if !regexp.MustCompile(`\b` + name + `\b`).MatchString(exports[1]) {
			t.Errorf("the bundle does not export %s: export {%s}", name, exports[1])
		}
	}
}

func TestBundleReportsWhatFailed(t *testing.T) {
	dir := t.TempDir()
	entry := filepath.Join(dir, "entry.js")
	if err := os.WriteFile(entry, []byte(`import { x } from "./missing.js";\nexport const y = x;\n`), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Bundle(entry, filepath.Join(dir, "out.js"))
	if err == nil || !strings.Contains(err.Error(), "missing.js") {
		t.Errorf("Bundle = %v, want an error naming missing.js", err)
	}
}

// The bundle is committed in package web, so it must not depend on the
// directory the build runs from: its comments name the modules from the
// module root.
func TestBundleIsTheSameFromAnyWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	fromHere := filepath.Join(dir, "here.js")
	if err := Bundle(filepath.Join("..", "..", "jsglue", "src", "resock.js"), fromHere); err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	fromRoot := filepath.Join(dir, "root.js")
	if err := Bundle(filepath.Join("jsglue", "src", "resock.js"), fromRoot); err != nil {
		t.Fatal(err)
	}
	a, err := os.ReadFile(fromHere)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fromRoot)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the bundle made from internal/wasmbuild differs from the one made from the module root")
	}
	if !bytes.Contains(a, []byte("\n// jsglue/src/socket.js\n")) {
		t.Error("the bundle does not name socket.js by its path from the module root")
	}
}

// TestBundleGlueKeepsEachModulesImports bundles every module of the glue
// and checks that each imports, by the same name, only what GlueModules
// says it keeps: the files beside it, and React.
func TestBundleGlueKeepsEachModulesImports(t *testing.T) {
	dir := t.TempDir()
	if err := BundleGlue(filepath.Join("..", "..", "jsglue", "src"), dir); err != nil {
		t.Fatal(err)
	}
	imports := regexp.MustCompile(`(?m)(?:^\s*import\s[^;]*?from\s*|import\(\s*)"([^"]+)"`)
	for _, m := range GlueModules {
		b, err := os.ReadFile(filepath.Join(dir, m.Name))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, sub := range imports.FindAllStringSubmatch(string(b), -1) {
			// JSDoc comments name the declarations of types that way too.
			if !strings.HasSuffix(sub[1], ".d.ts") && !slices.Contains(got, sub[1]) {
				got = append(got, sub[1])
			}
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(m.External))
		if !slices.Equal(got, want) {
			t.Errorf("%s imports %q, want %q", m.Name, got, want)
		}
	}
}
