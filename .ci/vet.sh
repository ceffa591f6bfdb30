#!/usr/bin/env bash
# vet.sh runs go vet twice: natively and for the browser build.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

section "go vet ./..."
go vet ./...

# Everything compiled into resock.wasm: the bridge, the engine and the frames.
section "GOOS=js GOARCH=wasm go vet ./wasm/... ./internal/wire/..."
GOOS=js GOARCH=wasm go vet ./wasm/... ./internal/wire/...
