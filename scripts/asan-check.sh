#!/usr/bin/env bash
# The concurrency tests under AddressSanitizer (issue #12): builds the addon with
# -fsanitize=address into build-asan/ (the default build/Release is left alone), loads it into
# node with libasan preloaded (NODE_PEFT_ADDON points lib/binding.ts at it), runs the tests and a
# short stress run, and prints every ASan report. Exit status 0 only when tests pass and ASan
# reported nothing.
#
#   bash scripts/asan-check.sh [test files...]       default: test/models/concurrency.test.ts
#   STRESS_SECONDS=20 (0 skips the stress run); needs `npm run build:ts` for the stress run (dist/).
set -uo pipefail
cd "$(dirname "$0")/.."
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=(test/models/concurrency.test.ts)
stress=${STRESS_SECONDS:-20}
reports=$(mktemp -d /tmp/node-peft-asan.XXXXXX)

echo "== building the ASan addon (build-asan/)"
CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} npx cmake-js compile -G Ninja -O build-asan --CDNODE_PEFT_ASAN=ON >"$reports/build.log" 2>&1 \
  || { tail -30 "$reports/build.log"; echo "asan-check: the ASan build failed (log: $reports/build.log)"; exit 2; }

libasan=$(gcc -print-file-name=libasan.so)
[ -e "$libasan" ] || { echo "asan-check: gcc has no libasan.so ($libasan): install libasan (apt-get install libasan8)"; exit 2; }
export NODE_PEFT_ADDON=$PWD/build-asan/Release/node_peft.node
export LD_PRELOAD=$libasan
# Leaks: node and V8 keep allocations to exit on purpose. Reports go to files, one per process,
# so that vitest's workers cannot swallow them.
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:log_path=$reports/asan

status=0
echo "== vitest on the ASan addon: ${tests[*]}"
npx vitest run "${tests[@]}" || status=1
if [ "$stress" != 0 ]; then
  echo "== stress for ${stress}s on the ASan addon"
  node scripts/stress-concurrency.js "$stress" || status=1
fi

unset LD_PRELOAD
found=$(ls "$reports"/asan.* 2>/dev/null | wc -l)
if [ "$found" -gt 0 ]; then
  echo "== AddressSanitizer reports ($found):"
  for f in "$reports"/asan.*; do echo "--- $f"; cat "$f"; done
  status=1
else
  echo "== AddressSanitizer: no reports"
fi
exit $status
