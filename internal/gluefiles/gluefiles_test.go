package gluefiles

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestModulesListsEveryModuleButTheToolchainsLoader(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"socket.js", "resock.js", "wasm_exec.js", "resock.d.ts", "resock.wasm", "datapath.js"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Modules(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"datapath.js", "resock.js", "socket.js"}; !slices.Equal(got, want) {
		t.Errorf("Modules = %q, want %q", got, want)
	}
}

func TestModulesRefusesADirectoryWithoutResockJS(t *testing.T) {
	if _, err := Modules(t.TempDir()); err == nil {
		t.Error("Modules of an empty directory succeeded")
	}
}
