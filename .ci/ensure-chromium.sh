#!/usr/bin/env bash
# ensure-chromium.sh makes sure headless Chromium is available for the browser
# tests: it installs Debian's chromium when we are root, otherwise it stops with
# the command to run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

section "chromium"
if [[ -x /usr/bin/chromium ]] || command -v chromium >/dev/null; then
	chromium --version 2>/dev/null || /usr/bin/chromium --version
	exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
	echo "chromium is missing; install it with:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y chromium" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null; then
	echo "chromium is missing and apt-get is not available: install Chromium so that 'chromium' is on PATH" >&2
	exit 1
fi
echo "chromium is missing; installing Debian's chromium"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
chromium --version
