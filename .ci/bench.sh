#!/usr/bin/env bash
# bench.sh runs the side-by-side benchmark in headless Chromium: the browser
# WebSocket, resock (plain and resume), partysocket and reconnecting-websocket
# in one page, echoing text and every kind of binary payload with both
# binaryTypes. It installs the JavaScript alternatives from
# bench/package-lock.json and expects jsglue/resock.wasm to be built (make
# bench does that first). Arguments go to the benchmark, e.g. -rounds 15 or
# -send string,Blob; -h lists them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

section "npm"
if ! command -v npm >/dev/null; then
	if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
		echo "npm is missing; install Node.js and npm (sudo apt-get install -y npm)" >&2
		exit 1
	fi
	echo "npm is missing; installing Debian's npm"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y npm
fi
npm --version

section "npm ci (bench/package-lock.json)"
npm ci --prefix bench --no-audit --no-fund

section "go run ./bench/browser $*"
go run ./bench/browser "$@"
