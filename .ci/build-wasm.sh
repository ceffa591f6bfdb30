#!/usr/bin/env bash
# build-wasm.sh builds jsglue/resock.wasm and its gzip copy, copies
# wasm_exec.js from the very toolchain that built the wasm (the two must match),
# and prints the sizes.
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
GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o jsglue/resock.wasm ./wasm
goroot=$(GOOS=js GOARCH=wasm go env GOROOT)
cp "$goroot/lib/wasm/wasm_exec.js" jsglue/wasm_exec.js
gzip -9 -k -f -n jsglue/resock.wasm

raw=$(wc -c <jsglue/resock.wasm)
gz=$(wc -c <jsglue/resock.wasm.gz)
echo "wasm_exec.js: from $goroot ($(GOOS=js GOARCH=wasm go env GOVERSION))"
echo "resock.wasm: $(human "$raw") raw, $(human "$gz") gzip ($((raw)) / $((gz)) bytes)"
