#!/usr/bin/env bash
# System packages node-peft needs on Debian/Ubuntu: libtorch (CPU), OpenBLAS (without it Debian's
# libtorch falls back to reference BLAS, ~50x slower), Gloo's headers (libtorch's c10d process
# groups for data-parallel training), and the toolchain for the source build.
set -euo pipefail
packages=(libtorch-dev libgloo-dev libopenblas0-pthread g++ make cmake ninja-build ccache python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "node-peft: system packages already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
