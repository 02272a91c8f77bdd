#!/usr/bin/env bash
# Runs the README's test command (`npm test`) in a copy of this repository placed alone in an
# empty temporary folder: nothing beside it (no ../shared), so a test that reads outside the
# repository fails here. The copy holds the files git tracks or would track (the working tree as
# it is), plus this checkout's installed node_modules/, the built addon and dist/.
# Usage: bash scripts/lone-test.sh [vitest args...]; KEEP=1 keeps the copy.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=$(mktemp -d "${TMPDIR:-/tmp}/node-peft-lone.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
LONE="$WORK/node-peft"
mkdir -p "$LONE"
# Files deleted in the working tree but still tracked are skipped (--ignore-failed-read).
git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$LONE"
cp -a node_modules dist "$LONE/"
mkdir -p "$LONE/build/Release" && cp -a build/Release/node_peft.node "$LONE/build/Release/"
echo "lone-test: running npm test in $LONE (nothing beside it)"
cd "$LONE" && npm test -- "$@"
