#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a GPU machine that has no Node.js and no network:
#   $KIT/node.xz      this machine's node binary, xz-compressed (~25 MiB; glibc x86-64 Linux);
#   $KIT/kit.tar.xz   dist/ (compiled here) and the node_modules closure of node-gyp-build,
#                     node-addon-api, node-api-headers (headers for the build) and vitest (the tests).
# Default KIT=.cache/gpu-kit (git-ignored). Carry it with the repository, e.g. with the device
# tool: carry [".cache/gpu-kit"]; then run `OUT=$OUT bash scripts/gpu-check.sh` there.
set -euo pipefail
cd "$(dirname "$0")/.."
KIT=${KIT:-.cache/gpu-kit}
LIMIT_MIB=${LIMIT_MIB:-60}
mkdir -p "$KIT"

npm run build:ts >/dev/null
node_bin=$(readlink -f "$(command -v node)")
echo "gpu-kit: node $(node --version) from $node_bin"
xz -T0 -6 -c "$node_bin" >"$KIT/node.xz.tmp" && mv "$KIT/node.xz.tmp" "$KIT/node.xz"

# The packages and everything they depend on, as installed here (hoisted or nested).
mapfile -t dirs < <(node - <<'EOF'
const fs = require('fs');
const path = require('path');
const roots = ['node-gyp-build', 'node-addon-api', 'node-api-headers', 'vitest'];
const seen = new Set();
function find(name, from) {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const cand = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(cand, 'package.json'))) return cand;
    if (dir === path.dirname(dir)) return null;
  }
}
function visit(dir) {
  if (!dir || seen.has(dir)) return;
  seen.add(dir);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const deps = { ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies };
  for (const name of Object.keys(deps)) visit(find(name, dir));   // absent optional/peer deps are skipped
}
for (const r of roots) {
  const dir = find(r, process.cwd());
  if (!dir) throw new Error(`gpu-kit: ${r} is not installed (npm ci first)`);
  visit(dir);
}
for (const d of [...seen].sort()) console.log(path.relative(process.cwd(), d));
EOF
)
tar -cJf "$KIT/kit.tar.xz.tmp" dist "${dirs[@]}" && mv "$KIT/kit.tar.xz.tmp" "$KIT/kit.tar.xz"

total=$(du -cm "$KIT/node.xz" "$KIT/kit.tar.xz" | tail -1 | cut -f1)
echo "gpu-kit: ${#dirs[@]} packages; $(du -h "$KIT/node.xz" | cut -f1) node.xz + $(du -h "$KIT/kit.tar.xz" | cut -f1) kit.tar.xz = ${total} MiB in $KIT"
[ "$total" -lt "$LIMIT_MIB" ] || { echo "gpu-kit: over ${LIMIT_MIB} MiB" >&2; exit 1; }
