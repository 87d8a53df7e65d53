#!/usr/bin/env bash
# Installs what lastword needs to build and test, with apt-get, when it is
# missing. Idempotent: when everything is present it only checks and exits.
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache
  clang-14 libclang-rt-14-dev       # libFuzzer, sanitizers
  llvm-14 gnuplot-nox chromium      # nightly: coverage (llvm-profdata, llvm-cov), plots, report test
  libboost-json1.81-dev             # nightly reports, finding records
  libboost1.81-dev                  # Asio and Beast (header-only)
  librapidcheck-dev                 # property tests
  libgtest-dev libbenchmark-dev     # unit tests, benchmarks
  python3-yaml unzip                # CI files check, ClusterFuzzLite build test
  spin                              # the model's cross-check by SPIN (model/promela)
  zlib1g-dev libboost-json1.81-dev  # permessage-deflate; adapter lines, reports, explore --merge
  libgoogle-perftools-dev           # tcmalloc, the lastword command's allocator
  python3-websockets python3-aiohttp chromium   # black-box implementations under test
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The black-box adapters (node ws, Chromium through puppeteer-core) need
# Node.js and npm; a machine whose Node.js bundles npm needs no package.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

# The node adapters' dependencies, pinned by clients/package-lock.json.
install_clients() {
  local here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if [ ! -d "$here/clients/node_modules/ws1" ] || [ "$here/clients/package-lock.json" -nt "$here/clients/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in clients/" >&2
    (cd "$here/clients" && npm ci --no-audit --no-fund >/dev/null)
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  install_clients
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_clients
echo "setup: done" >&2
