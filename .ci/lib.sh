# lib.sh is sourced by the scripts in .ci: strict mode, the repository root as
# the working directory, and section headers so long runs show progress.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() {
	printf '\n==> %s  [%s]\n' "$*" "$(date +%T)"
}

# web_files are the files build-wasm.sh writes into web/, which package web
# compiles into Go programs: committed, and checked by test.sh to be what a
# fresh build makes.
web_files=(
	web/resock.js web/resock.js.br web/resock.js.gz
	web/wasm_exec.js web/wasm_exec.js.br web/wasm_exec.js.gz
	web/resock.d.ts web/resock.d.ts.br web/resock.d.ts.gz
	web/resock.wasm.br web/resock.wasm.gz
	web/shared.js web/shared.js.br web/shared.js.gz
	web/sharedhost.js web/sharedhost.js.br web/sharedhost.js.gz
	web/sharedworker.js web/sharedworker.js.br web/sharedworker.js.gz
)
