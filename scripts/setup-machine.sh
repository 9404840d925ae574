#!/usr/bin/env bash
# What this project needs on a machine beyond Node 20 and npm. Idempotent; safe to run again.
set -euo pipefail
need=()
# (Debian packages for the real-editor tests are added by scripts/code-server/setup.mjs's needs.)
for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}"; else sudo apt-get update -qq && sudo apt-get install -y -qq "${need[@]}"; fi
fi
