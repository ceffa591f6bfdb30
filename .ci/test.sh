#!/usr/bin/env bash
# test.sh runs every test: that web/ holds the files just built, vet, the
# type check of the TypeScript contract, the native tests with -race
# (engine, server, end-to-end in headless Chromium) and the wasm tests in
# headless Chromium.
# A failing step does not stop the next ones, so one run shows every failure;
# the script fails if any step failed. It expects jsglue/resock.wasm to be
# built (make test does that first).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start=$SECONDS
failed=()
# A hung test fails its package after this long instead of Go's default 10 min;
# the end-to-end package alone takes about 5 min on a 2-core machine.
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

# web_committed fails when the files of web/ that make test's build just
# wrote differ from those committed: Go programs get them from the module,
# so they must be what the source builds. In a fresh clone (CI) it compares
# the committed files with a build of the same commit.
web_committed() {
	section "web/ holds what make build made"
	if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		echo "not a git checkout: web/ cannot be compared with what is committed; skipped"
		return 0
	fi
	local changed
	changed=$(git status --porcelain --untracked-files=all -- "${web_files[@]}")
	if [[ -z $changed ]]; then
		echo "web/: the committed files are those this build made"
		return 0
	fi
	local gover
	gover=$(GOOS=js GOARCH=wasm go env GOVERSION)
	cat >&2 <<-EOF
		web/: these files are not what is committed:
		$changed
		make build has just written them from this source, with $gover. Commit
		them with the source they come from:  git add web && git commit
		They depend on the Go release as well: CI builds them with its own.
		Should CI make a .br or .gz file that make build here keeps as it is,
		an encoder changed since jsglue/ got its copy: make clean build writes them all anew.
		A .br file may also come out otherwise on another CPU architecture: brotli
		weighs its choices in floating point, which Go may compute with fused
		multiply-adds on some.
	EOF
	return 1
}

.ci/ensure-wasmbrowsertest.sh
step web_committed
step .ci/vet.sh
step .ci/typecheck.sh

# The end-to-end package runs on its own, after the others: its cluster test
# runs three server processes, a NATS server and 100 clients, and beside it
# the other packages' tests that measure how a bystander fares under abuse
# would measure that load instead.
section "go test -race (every package but e2e)"
step go test -race -timeout="$timeout" $(go list ./... | grep -v '/e2e$')

section "go test -race ./e2e"
step go test -race -timeout="$timeout" ./e2e

section "GOOS=js GOARCH=wasm go test -exec .bin/wasmbrowsertest ./wasm/..."
step wasm_tests

if ((${#failed[@]})); then
	section "FAILED after $((SECONDS - start)) s"
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
section "all tests passed in $((SECONDS - start)) s"
