#!/usr/bin/env bash
# Everything a GPU machine should check, in one go, in under 8 minutes: build node-peft against the
# machine's Python PyTorch, run the parity tests on CUDA, and benchmark node-peft against
# transformers + PEFT (bench/gpu/). Results and logs go to $OUT (default ./gpu-out).
#
# The GPU machine has python3 with torch/transformers/peft but no Node.js and no network, so the
# Node binary, node_modules and dist/ travel in a kit made here by scripts/gpu-kit.sh
# (.cache/gpu-kit: node.xz + kit.tar.xz, about 40 MiB). Node is taken from $NODE, tools/node/bin/node,
# PATH, or the kit, in that order.
#
# Without CUDA (torch.cuda.is_available() false or no nvidia-smi) everything runs on the CPU with
# tiny shapes and says so; without Node only the Python side runs. Exit status: 0 when every step
# that could run passed. FORCE_BUILD=1 rebuilds even when build/Release already fits this torch;
# GPU_CHECK_BUILD=plain skips the CMake attempt; GPU_CHECK_BUDGET_S (default 470) is the time limit.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${OUT:-$ROOT/gpu-out}
KIT=${KIT:-$ROOT/.cache/gpu-kit}
BUDGET=${GPU_CHECK_BUDGET_S:-470}     # 8 minutes minus a margin for collecting $OUT
mkdir -p "$OUT/bench"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/node-peft-gpu.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
exec > >(tee -a "$OUT/gpu-check.log") 2>&1
: >"$OUT/status.txt"

say() { echo "== gpu-check [${SECONDS}s] $*"; }
status() { echo "$1: $2" | tee -a "$OUT/status.txt"; }
left() { local l=$(( BUDGET - SECONDS )); [ "$l" -gt 10 ] && echo "$l" || echo 10; }
cap() { local want=$1 l; l=$(left); [ "$want" -lt "$l" ] && echo "$want" || echo "$l"; }
PY=${PYTHON:-python3}

# ---- 1. the machine ----
say "machine"
{
  uname -a; nproc
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  "$PY" -c 'import sys, torch; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'
  "$PY" -c 'import transformers, peft; print("transformers", transformers.__version__, "peft", peft.__version__)'
} >"$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"
DEVICE=cpu
if command -v nvidia-smi >/dev/null 2>&1 && "$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  DEVICE=cuda
  status device "cuda ($(nvidia-smi --query-gpu=name --format=csv,noheader | head -1))"
else
  status device "cpu: NO GPU (no nvidia-smi or torch.cuda.is_available() is false) -> CPU dry run with tiny shapes"
fi

# ---- 2. Node.js and node_modules ----
say "node"
find_node() {
  local c
  for c in "${NODE:-}" "$ROOT/tools/node/bin/node" "$(command -v node 2>/dev/null)"; do
    [ -n "$c" ] && [ -x "$c" ] && "$c" -e '' 2>/dev/null && { echo "$c"; return; }
  done
  if [ -f "$KIT/node.xz" ]; then   # python's lzma: no xz binary needed
    mkdir -p "$WORK/node/bin"
    "$PY" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$KIT/node.xz" "$WORK/node/bin/node" \
      && chmod +x "$WORK/node/bin/node" && "$WORK/node/bin/node" -e '' && echo "$WORK/node/bin/node"
  fi
}
NODE_BIN=$(find_node)
if [ -n "$NODE_BIN" ]; then
  export PATH="$(dirname "$NODE_BIN"):$PATH"     # CMakeLists.txt and the tests call `node`
  status node "$NODE_BIN ($("$NODE_BIN" --version))"
  if [ ! -d node_modules/node-addon-api ] || [ ! -d node_modules/vitest ] || [ ! -f dist/index.js ]; then
    if [ -f "$KIT/kit.tar.xz" ]; then
      "$PY" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$KIT/kit.tar.xz" "$ROOT" \
        && status node_modules "unpacked from $KIT/kit.tar.xz" || status node_modules "FAILED to unpack $KIT/kit.tar.xz"
    else
      status node_modules "MISSING: no node_modules/ and no $KIT/kit.tar.xz (make it with scripts/gpu-kit.sh)"
    fi
  fi
else
  status node "MISSING: no \$NODE, tools/node/bin/node, node on PATH or $KIT/node.xz -> only the Python side runs"
fi

# ---- 3. build against this machine's torch ----
BUILT=0
addon_fits() {   # build/Release/node_peft.node loads, was built for this torch, and has CUDA when needed
  [ -f build/Release/node_peft.node ] || return 1
  "$NODE_BIN" -e '
    const want = JSON.parse(process.argv[1]);
    const a = require("./build/Release/node_peft.node");
    const ok = a.versions().libtorch === want.version && (process.argv[2] !== "cuda" || a.cudaIsAvailable());
    process.exit(ok ? 0 : 1);' "$("$NODE_BIN" scripts/find-libtorch.js --json)" "$DEVICE" 2>/dev/null
}
build_cmake() {
  command -v cmake >/dev/null || { echo "no cmake"; return 1; }
  local gen="Unix Makefiles"; command -v ninja >/dev/null && gen=Ninja
  cmake -S . -B "$WORK/cmake" -G "$gen" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_JS_INC="$ROOT/node_modules/node-api-headers/include" && cmake --build "$WORK/cmake" -j "$(nproc)"
}
build_plain() {   # what binding.gyp does, with g++ directly (no node-gyp, no CUDA toolkit needed)
  local cxx=${CXX:-g++} abi inc libdir libs src obj
  command -v "$cxx" >/dev/null || { echo "no C++ compiler ($cxx)"; return 1; }
  abi=$("$PY" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null || echo 1)
  inc="-I$ROOT/node_modules/node-api-headers/include -I$ROOT/node_modules/node-addon-api $(node scripts/find-libtorch.js --include | sed 's/\([^ ]*\)/-I\1/g')"
  libdir=$(node scripts/find-libtorch.js --libdir) && libs=$(node scripts/find-libtorch.js --libs) || return 1
  mkdir -p "$WORK/obj" build/Release
  export CXXFLAGS_PEFT="-std=c++17 -O2 -fPIC -fexceptions -Wno-unused-parameter -D_GLIBCXX_USE_CXX11_ABI=$abi -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DBUILDING_NODE_EXTENSION -DNODE_PEFT_VERSION=\"$(node -p 'require("./package.json").version')\" $(node scripts/find-libtorch.js --defines | sed 's/\([^ ]*\)/-D\1/g') $inc"
  node scripts/find-libtorch.js --sources | tr ' ' '\n' | xargs -P "$(nproc)" -I{} sh -c \
    'o="$0/$(echo "$1" | tr / _).o"; echo "  CXX $1"; '"$cxx"' $CXXFLAGS_PEFT -c "$1" -o "$o"' "$WORK/obj" {} || return 1
  # --no-as-needed: nothing references libtorch_cuda directly, but loading it registers CUDA.
  "$cxx" -shared -o build/Release/node_peft.node "$WORK"/obj/*.o -L"$libdir" -Wl,--no-as-needed $libs -Wl,--as-needed -Wl,-rpath,"$libdir"
}
if [ -n "$NODE_BIN" ] && [ -d node_modules/node-addon-api ]; then
  say "build"
  node scripts/find-libtorch.js | tee "$OUT/libtorch.txt"
  if [ "${FORCE_BUILD:-0}" != 1 ] && addon_fits; then
    BUILT=1; status build "reused build/Release/node_peft.node (built for this libtorch)"
  elif [ "${GPU_CHECK_BUILD:-auto}" != plain ] \
      && timeout "$(cap 300)" bash -c "$(declare -f build_cmake); ROOT='$ROOT' WORK='$WORK'; build_cmake" >"$OUT/build-cmake.log" 2>&1 && addon_fits; then
    BUILT=1; status build "cmake OK (log: build-cmake.log)"
  else
    [ "${GPU_CHECK_BUILD:-auto}" = plain ] && echo "GPU_CHECK_BUILD=plain: plain g++ build" \
      || echo "cmake build unavailable or failed (see build-cmake.log; CUDA torch needs the CUDA toolkit for TorchConfig.cmake): plain g++ build"
    if timeout "$(cap 300)" bash -c "$(declare -f build_plain); ROOT='$ROOT' WORK='$WORK' PY='$PY'; build_plain" >"$OUT/build-plain.log" 2>&1 && addon_fits; then
      BUILT=1; status build "plain g++ OK (log: build-plain.log)"
    else
      status build "FAILED (logs: build-cmake.log, build-plain.log)"; tail -20 "$OUT/build-plain.log"
    fi
  fi
  [ "$BUILT" = 1 ] && node -e 'const a = require("./build/Release/node_peft.node"); console.log(JSON.stringify({ libtorch: a.versions().libtorch, cuda: a.cudaIsAvailable(), gpus: a.cudaDeviceCount() }))' | tee "$OUT/addon.json"
fi

# ---- 4. parity tests (NODE_PEFT_DEVICE tells the tests which device to use) ----
if [ "$BUILT" = 1 ] && [ -f node_modules/vitest/vitest.mjs ]; then
  say "tests on $DEVICE"
  if NODE_PEFT_DEVICE=$DEVICE NO_COLOR=1 timeout "$(cap 180)" node node_modules/vitest/vitest.mjs run ${GPU_CHECK_TESTS:-parity test/distribution} \
      --reporter=default --reporter=junit --outputFile.junit="$OUT/vitest-junit.xml" >"$OUT/tests.log" 2>&1; then
    status tests "passed on $DEVICE ($(sed 's/\x1b\[[0-9;]*m//g' "$OUT/tests.log" | grep -E '^ +(Test Files|Tests) ' | xargs))"
  else
    status tests "FAILED or timed out on $DEVICE (tests.log, vitest-junit.xml)"; tail -30 "$OUT/tests.log"
  fi
else
  status tests "skipped (no addon or no vitest)"
fi

# ---- 5. benchmark: each model in its own process, so the sampled peak is that model's ----
say "benchmark on $DEVICE"
models=$("$PY" -c 'import json, sys; print(" ".join(m["name"] for m in json.load(open("bench/gpu/shapes.json"))[sys.argv[1]]["models"]))' "$([ "$DEVICE" = cuda ] && echo gpu || echo cpu)")
echo '{}' >"$OUT/bench/memory.json"
GPU_INDEX=${CUDA_VISIBLE_DEVICES:-0}; GPU_INDEX=${GPU_INDEX%%,*}
sample() {   # sample <impl> <model> <command...>: runs it while nvidia-smi samples the GPU's used memory
  # Device-wide memory.used minus the level before the run (per-process figures are often
  # unavailable inside containers); the GPU is assumed to be otherwise idle.
  local impl=$1 model=$2; shift 2
  local smi="$OUT/bench/smi-$impl-$model.csv" spid="" base=""
  if [ "$DEVICE" = cuda ]; then
    base=$(nvidia-smi -i "$GPU_INDEX" --query-gpu=memory.used --format=csv,noheader,nounits | head -1)
    nvidia-smi -i "$GPU_INDEX" --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 >"$smi" 2>/dev/null & spid=$!
  fi
  timeout "$(cap 150)" "$@"; local rc=$?
  if [ -n "$spid" ]; then
    kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
    "$PY" - "$OUT/bench/memory.json" "$impl" "$model" "$smi" "$base" <<'EOF'
import json, sys
path, impl, model, smi, base = sys.argv[1:]
mib = [float(l) for l in open(smi) if l.strip().replace(".", "").isdigit()]
base = float(base) if base.strip().replace(".", "").isdigit() else 0.0
data = json.load(open(path))
data.setdefault(impl, {})[model] = int((max(mib) - base) * 2**20) if mib else None
json.dump(data, open(path, "w"), indent=2)
EOF
  fi
  return $rc
}
bench_ok=1
for model in $models; do
  sample transformers+peft "$model" "$PY" bench/gpu/bench.py --device "$DEVICE" --only "$model" --out "$OUT/bench/bench-python-$model.json" || bench_ok=0
  if [ "$BUILT" = 1 ] && [ -f dist/index.js ]; then
    sample node-peft "$model" node bench/gpu/bench.js --device "$DEVICE" --only "$model" --out "$OUT/bench/bench-node-$model.json" || bench_ok=0
  fi
done
"$PY" bench/gpu/compare.py "$OUT/bench" | tee "$OUT/bench/summary.txt"
status bench "$([ "$bench_ok" = 1 ] && echo done || echo 'had failures (see gpu-check.log)') on $DEVICE$([ "$DEVICE" = cpu ] && echo ' (CPU DRY RUN, tiny shapes)')"

say "done; results in $OUT"
cat "$OUT/status.txt"
! grep -qE 'FAILED|MISSING|failures' "$OUT/status.txt"
