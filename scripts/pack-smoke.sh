#!/usr/bin/env bash
# Distribution check, run by .ci/run after the tests:
#  1. the prebuild (npm run build:prebuild) and the npm tarball (npm pack), whose contents are checked;
#  2. the tarball installed into an empty folder with no compiler toolchain on PATH: it must use the
#     prebuild (no compilation) and load without LD_LIBRARY_PATH;
#  3. the tarball without prebuilds/ installed with the toolchain: it must build from source;
# each install then runs test/distribution/smoke.js through the installed package.
# prebuilds/ is reused when built from the current sources (FORCE_PREBUILD=1 rebuilds it);
# SKIP_FALLBACK=1 skips step 3; KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d "${TMPDIR:-/tmp}/node-peft-pack.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
t0=$(date +%s)
step() { echo "== pack-smoke [$(( $(date +%s) - t0 ))s] $*"; }
fail() { echo "pack-smoke: FAILED: $*" >&2; exit 1; }
tuple="$(node -p 'process.platform + "-" + process.arch')"

# npm_* variables of an enclosing `npm run` would configure the nested npm installs.
clean_env() { env $(compgen -e | grep -iE '^npm_|^LD_LIBRARY_PATH$|^CXX$|^CC$|^JOBS$' | sed 's/^/-u /') "$@"; }

if [ "${FORCE_PREBUILD:-0}" != 1 ] && node scripts/prebuild.js --check; then
  step "reusing prebuilds/$tuple (built from the current sources)"
else
  step "prebuild"
  npm run build:prebuild
fi

step "npm pack"
npm pack --pack-destination "$WORK" >"$WORK/pack.log" 2>&1 || { cat "$WORK/pack.log"; fail "npm pack"; }
tgz=$(ls "$WORK"/node-peft-*.tgz)
node scripts/check-pack.js "$tgz"

# --- 2. compiler-less install: PATH holds only node, npm and a few coreutils ---
step "install with no toolchain (must use the prebuild)"
bin="$WORK/bin"
mkdir -p "$bin"
for tool in node npm npx sh env cat ls mkdir rm cp mv ln chmod uname; do
  src=$(command -v "$tool") && ln -s "$(readlink -f "$src")" "$bin/$tool"
done
for tool in g++ c++ cc gcc clang make cmake ninja node-gyp python3 python; do
  if PATH="$bin" command -v "$tool" >/dev/null 2>&1; then fail "$tool is reachable on the restricted PATH"; fi
done
app="$WORK/app-prebuilt"
mkdir -p "$app" && echo '{ "name": "smoke-prebuilt", "private": true }' >"$app/package.json"
(cd "$app" && clean_env PATH="$bin" npm install --foreground-scripts --no-audit --no-fund "$tgz") >"$WORK/install-prebuilt.log" 2>&1 \
  || { cat "$WORK/install-prebuilt.log"; fail "npm install without a toolchain"; }
cat "$WORK/install-prebuilt.log"
grep -q "node-peft: using prebuilds/$tuple/.*no compilation needed" "$WORK/install-prebuilt.log" || fail "the install did not report using the prebuild"
[ ! -e "$app/node_modules/node-peft/build" ] || fail "the install created build/: something was compiled"
cp test/distribution/smoke.js "$app/"
(cd "$app" && clean_env PATH="$bin" node smoke.js prebuild) || fail "smoke test through the prebuilt install"

# --- 3. source-build fallback: the same tarball without prebuilds/, toolchain available ---
if [ "${SKIP_FALLBACK:-0}" = 1 ]; then
  step "source-build fallback skipped (SKIP_FALLBACK=1)"
else
  step "install without prebuilds/ (must build from source)"
  mkdir -p "$WORK/src" && tar -xzf "$tgz" -C "$WORK/src" && rm -rf "$WORK/src/package/prebuilds"
  src_tgz="$WORK/node-peft-source.tgz"
  tar -czf "$src_tgz" -C "$WORK/src" package
  node scripts/check-pack.js "$src_tgz" --no-prebuild
  app="$WORK/app-source"
  mkdir -p "$app" && echo '{ "name": "smoke-source", "private": true }' >"$app/package.json"
  (cd "$app" && clean_env npm install --foreground-scripts --no-audit --no-fund "$src_tgz") >"$WORK/install-source.log" 2>&1 \
    || { tail -50 "$WORK/install-source.log"; fail "npm install with a source build"; }
  grep -E "^node-peft: " "$WORK/install-source.log"
  grep -q "node-peft: no prebuilt binary for $tuple" "$WORK/install-source.log" || fail "the install did not report the missing prebuild"
  [ -f "$app/node_modules/node-peft/build/Release/node_peft.node" ] || fail "no build/Release/node_peft.node after the source build"
  cp test/distribution/smoke.js "$app/"
  (cd "$app" && clean_env node smoke.js source) || fail "smoke test through the source-built install"
fi

step "OK: $(basename "$tgz") $(( $(stat -c %s "$tgz") / 1024 )) KiB"
