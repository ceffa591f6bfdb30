#!/usr/bin/env bash
# bench-startup.sh measures import to first open, phase by phase, cold and
# warm, in headless Chromium (bench/startup). It installs partysocket from
# bench/package-lock.json and expects jsglue/resock.wasm to be built (make
# bench-startup does that first). Arguments go to the benchmark, e.g.
# -runs 9; -h lists them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

section "npm ci (bench/package-lock.json)"
npm ci --prefix bench --no-audit --no-fund

section "go run ./bench/startup $*"
go run ./bench/startup "$@"
