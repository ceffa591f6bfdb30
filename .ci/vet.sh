#!/usr/bin/env bash
# vet.sh checks the Go code without running it: gofmt, go vet and
# staticcheck (pinned in go.mod as a tool), natively and for the browser
# build.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

section "gofmt -l"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [[ -n $unformatted ]]; then
	echo "not gofmt'ed (run gofmt -w on them):"
	echo "$unformatted"
	exit 1
fi

section "go vet ./..."
go vet ./...

# Everything compiled into resock.wasm: the bridge, the engine and the frames.
section "GOOS=js GOARCH=wasm go vet ./wasm/... ./internal/wire/..."
GOOS=js GOARCH=wasm go vet ./wasm/... ./internal/wire/...

# Built for this machine, then run on either build's code.
go build -o .bin/staticcheck honnef.co/go/tools/cmd/staticcheck
section "staticcheck ./..."
.bin/staticcheck ./...
section "GOOS=js GOARCH=wasm staticcheck ./wasm/... ./internal/wire/..."
GOOS=js GOARCH=wasm .bin/staticcheck ./wasm/... ./internal/wire/...
