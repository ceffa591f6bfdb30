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
go run ./internal/wasmbuild/build -o jsglue/resock.wasm
goroot=$(GOOS=js GOARCH=wasm go env GOROOT)
cp "$goroot/lib/wasm/wasm_exec.js" jsglue/wasm_exec.js
# zopfli writes gzip about 5 % smaller than gzip -9; brotli another fifth
# smaller, for browsers that accept it. Both are optional (Debian packages
# zopfli and brotli); without them the server still gets gzip -9.
if command -v zopfli >/dev/null; then
	zopfli -c jsglue/resock.wasm >jsglue/resock.wasm.gz
else
	echo "(zopfli not installed: gzip -9 instead; apt-get install zopfli makes it smaller)"
	gzip -9 -k -f -n jsglue/resock.wasm
fi
rm -f jsglue/resock.wasm.br
if command -v brotli >/dev/null; then
	# -n: brotli would copy resock.wasm's time, truncated to the second,
	# which makes the server take the file for stale.
	brotli -q 11 -f -n -o jsglue/resock.wasm.br jsglue/resock.wasm
fi

raw=$(wc -c <jsglue/resock.wasm)
gz=$(wc -c <jsglue/resock.wasm.gz)
echo "wasm_exec.js: from $goroot ($(GOOS=js GOARCH=wasm go env GOVERSION))"
line="resock.wasm: $(human "$raw") raw, $(human "$gz") gzip"
if [[ -f jsglue/resock.wasm.br ]]; then
	br=$(wc -c <jsglue/resock.wasm.br)
	line="$line, $(human "$br") brotli"
fi
echo "$line ($raw raw / $gz gzip${br:+ / $br brotli} bytes)"
