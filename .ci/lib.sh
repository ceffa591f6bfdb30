# lib.sh is sourced by the scripts in .ci: strict mode, the repository root as
# the working directory, and section headers so long runs show progress.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() {
	printf '\n==> %s  [%s]\n' "$*" "$(date +%T)"
}
