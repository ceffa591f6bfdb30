#!/usr/bin/env bash
# fuzz.sh runs every fuzz target of the module for FUZZTIME (default 60s)
# each, one after the other, and fails if any of them finds a failing input
# (it is then saved under the package's testdata/fuzz, where go test replays
# it). The seed corpora already run in make test.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fuzztime=${FUZZTIME:-60s}
failed=()

for dir in $(go list -f '{{.Dir}}' ./...); do
	pkg=./${dir#"$(pwd)"/}
	targets=$(grep -hoE '^func Fuzz[A-Za-z0-9_]+' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' || true)
	for target in $targets; do
		section "$target in $pkg for $fuzztime"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"; then
			failed+=("$pkg $target")
		fi
	done
done

if ((${#failed[@]})); then
	section "fuzzing found failures"
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
section "every fuzz target ran $fuzztime without a failure"
