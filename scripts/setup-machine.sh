#!/usr/bin/env bash
# The Debian packages this project needs beyond Node 20 and npm. Idempotent; safe to run again.
#   ripgrep       VS Code's search (code-server links its bundled `rg` to Debian's)
#   libkrb5-dev   headers to build code-server's `kerberos` native module
#   pkg-config    used by node-gyp builds of code-server's native modules
#   chromium      the browser the end-to-end tests drive (playwright-core)
#   clang-19 lld-19  rebuild src/engine/wasm/*.wasm (the unit test compares them with the committed bytes)
# With arguments, checks and installs only those packages.
set -euo pipefail
pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then pkgs=(ripgrep libkrb5-dev pkg-config chromium clang-19 lld-19); fi
need=()
for pkg in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "setup-machine: installing Debian packages: ${need[*]}"
if [ "$(id -u)" = 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
  echo "setup-machine: need root to install ${need[*]}; run as root: apt-get install -y ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
