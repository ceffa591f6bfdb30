#!/usr/bin/env bash
# test.sh runs every test: vet, the type check of the TypeScript contract,
# the native tests with -race (engine, server, end-to-end in headless
# Chromium) and the wasm tests in headless Chromium.
# A failing step does not stop the next ones, so one run shows every failure;
# the script fails if any step failed. It expects jsglue/resock.wasm to be
# built (make test does that first).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start=$SECONDS
failed=()
# A hung test fails its package after this long instead of Go's default 10 min;
# the end-to-end package alone takes about 4 min on a 2-core machine.
timeout=8m

# step runs a command and records it when it fails.
step() {
	if ! "$@"; then
		failed+=("$*")
	fi
}

wasm_tests() {
	# wasmbrowsertest's older cdproto cannot decode an event of current Chromium
	# and logs it once per page load; the line says nothing about our tests.
	GOOS=js GOARCH=wasm go test -timeout="$timeout" -exec "$(pwd)/.bin/wasmbrowsertest" ./wasm/... 2>&1 |
		{ grep -v 'could not unmarshal event: unknown IPAddressSpace value' || true; }
}

.ci/ensure-wasmbrowsertest.sh
step .ci/vet.sh
step .ci/typecheck.sh

section "go test -race ./..."
step go test -race -timeout="$timeout" ./...

section "GOOS=js GOARCH=wasm go test -exec .bin/wasmbrowsertest ./wasm/..."
step wasm_tests

if ((${#failed[@]})); then
	section "FAILED after $((SECONDS - start)) s"
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
section "all tests passed in $((SECONDS - start)) s"
