#!/usr/bin/env bash
# fuzz.sh runs every fuzz target of the module for FUZZTIME (default 60s)
# each, one after the other, and fails if any of them finds a failing input
# (it is then saved under the package's testdata/fuzz, where go test replays
# it). The seed corpora already run in make test.
#
# The targets are every func Fuzz* in the module's Go files; one that go test
# does not see (in a file that is not a _test.go, or behind a build tag that
# excludes it here) fails the run instead of being skipped in silence.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fuzztime=${FUZZTIME:-60s}
failed=()
ran=0

# Lines "dir/file.go:FuzzName", sorted; testdata holds inputs, not targets.
targets=$(grep -rnoE --include='*.go' --exclude-dir=testdata --exclude-dir=.bin \
	'^func Fuzz[A-Za-z0-9_]*' . | sed -E 's|^\./||; s|:[0-9]+:func |:|' | sort)
if [[ -z $targets ]]; then
	echo "fuzz.sh: no fuzz targets found" >&2
	exit 1
fi

for entry in $targets; do
	file=${entry%%:*}
	target=${entry##*:}
	pkg=./$(dirname "$file")
	section "$target in $pkg for $fuzztime"
	if [[ $file != *_test.go ]]; then
		echo "$file: $target is not in a _test.go file, so go test cannot fuzz it" >&2
		failed+=("$pkg $target (not in a _test.go file)")
		continue
	fi
	out=$(mktemp)
	if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$out"; then
		# Go's fuzz coordinator can report the end of -fuzztime itself as
		# a failure, with no input (go.dev/issue/75804, fixed in Go 1.27).
		# A real failure always saves its input.
		if ! grep -q 'Failing input written' "$out" &&
			[[ $(grep -cvE '^(fuzz: elapsed|--- FAIL: |    context deadline exceeded$|FAIL|exit status 1$|$)' "$out") == 0 ]]; then
			echo "fuzz.sh: $target: the run ended with Go's fuzztime race, not a failing input; counted as passed" >&2
			ran=$((ran + 1))
		else
			failed+=("$pkg $target")
		fi
	elif grep -q 'no fuzz tests to fuzz' "$out"; then
		failed+=("$pkg $target (go test did not find it)")
	else
		ran=$((ran + 1))
	fi
	rm -f "$out"
done

if ((${#failed[@]})); then
	section "fuzzing found failures"
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
section "all $ran fuzz targets ran $fuzztime each without a failure"
