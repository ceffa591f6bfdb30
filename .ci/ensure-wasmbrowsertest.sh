#!/usr/bin/env bash
# ensure-wasmbrowsertest.sh installs the wasm test runner into .bin. It is
# installed with "go install pkg@version" so that it stays outside our module's
# requirements: its chromedp is older than ours and the two do not build together.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

section "wasmbrowsertest"
env -u GOOS -u GOARCH GOBIN="$(pwd)/.bin" go install github.com/agnivade/wasmbrowsertest@v0.11.0
echo ".bin/wasmbrowsertest (v0.11.0)"
