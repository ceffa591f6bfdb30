#!/usr/bin/env bash
# build-wasm.sh builds jsglue/resock.wasm, copies wasm_exec.js from the very
# toolchain that built the wasm (the two must match), bundles the glue's
# modules into jsglue/resock.js, writes gzip and brotli copies of them and of
# the JavaScript beside them, copies what package web compiles into Go
# programs to web/, and prints the sizes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# human prints a byte count the way the README quotes it: KiB below 1 MiB.
human() {
	awk -v b="$1" 'BEGIN {
		if (b < 1024) printf "%d B", b
		else if (b < 1048576) printf "%.0f KiB", b / 1024
		else printf "%.2f MiB", b / 1048576
	}'
}

section "build jsglue/resock.wasm"
go run ./internal/wasmbuild/build -o jsglue/resock.wasm
goroot=$(GOOS=js GOARCH=wasm go env GOROOT)
cp "$goroot/lib/wasm/wasm_exec.js" jsglue/wasm_exec.js
# The glue's modules in jsglue/src become the modules a page imports:
# resock.js, one file for the socket, and the React hook ("resock/react")
# and the shared socket ("resock/shared", with its SharedWorker and their
# host), modules of their own so that a page loads only what it uses
# (wasmbuild.GlueModules).
go run ./internal/wasmbuild/bundle -glue jsglue/src jsglue
# Everything Static serves from jsglue/ gets a gzip and a brotli copy
# beside it, made in Go: a fresh machine needs no compression tools.
go run ./internal/wasmbuild/compress jsglue/resock.wasm jsglue/*.js jsglue/*.d.ts

# Package web holds the files as they are, resock.wasm only compressed
# (web/web.go says why); they are committed, and test.sh checks that they
# are what this build made.
for f in "${web_files[@]}"; do
	cp "jsglue/${f#web/}" "$f"
done

raw=$(wc -c <jsglue/resock.wasm)
gz=$(wc -c <jsglue/resock.wasm.gz)
br=$(wc -c <jsglue/resock.wasm.br)
echo "wasm_exec.js: from $goroot ($(GOOS=js GOARCH=wasm go env GOVERSION))"
echo "resock.wasm: $(human "$raw") raw, $(human "$gz") gzip, $(human "$br") brotli ($raw raw / $gz gzip / $br brotli bytes)"
