#!/usr/bin/env bash
# bench-server.sh runs the reconnect storm: 10 000 native resock clients on
# one server that is killed and started again, with jittered backoff and with
# a fixed 1 s interval. The clients and the server each hold a socket per
# client, so the open-file limit is raised as far as allowed first.
# Arguments go to the benchmark, e.g. -clients 5000; -h lists them.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

section "open-file limit"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "ulimit -n: $(ulimit -n)"

section "go run ./bench/storm $*"
go run ./bench/storm "$@"
