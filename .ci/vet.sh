#!/usr/bin/env bash
# vet.sh runs go vet twice: natively and for the browser build.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

section "go vet ./..."
go vet ./...

section "GOOS=js GOARCH=wasm go vet ./wasm/..."
GOOS=js GOARCH=wasm go vet ./wasm/...
