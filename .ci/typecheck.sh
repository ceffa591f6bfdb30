#!/usr/bin/env bash
# typecheck.sh runs tsc --strict --noEmit over jsglue (jsglue/tsconfig.json):
# every module of the glue and the demo page's whiteboard.js, JavaScript
# checked through its JSDoc types (wasm_exec.js, the Go toolchain's,
# excepted; the page sees resock.js through the contract resock.d.ts); example.ts, which uses the
# whole API, against the contract resock.d.ts; and exports.ts, which checks
# that resock.js exports what resock.d.ts declares. Then the end-to-end test
# pages (e2e/testdata: harness.js, conformance.js, gluedecoder.js), through
# jsglue/tsconfig.harness.json: as strict, except that noImplicitAny is off,
# since the pages pass the API arguments of the wrong type on purpose, to
# see what it throws, and so leave their parameters untyped. The TypeScript
# compiler is the one pinned in jsglue/package-lock.json, installed by npm ci
# into jsglue/node_modules (ignored by git). Node.js and npm come from Debian's
# packages when they are missing and we are root.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

section "tsc --strict --noEmit jsglue demo e2e"
if ! command -v npm >/dev/null; then
	if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
		echo "npm is missing; install Node.js and npm, for example: sudo apt-get install -y nodejs npm" >&2
		exit 1
	fi
	echo "npm is missing; installing Debian's nodejs and npm"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
fi

cd jsglue
# The npm cache makes a repeated install work without the network.
npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null
./node_modules/.bin/tsc -p tsconfig.json --strict --noEmit
echo "jsglue and demo: no type errors ($(./node_modules/.bin/tsc --version))"
./node_modules/.bin/tsc -p tsconfig.harness.json --noEmit
echo "e2e test pages: no type errors"
