#!/usr/bin/env bash
# Install and start what the tests need on a fresh Debian machine (run as root).
# Idempotent: a second run only checks that everything is there and running.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# The test host VM (scripts/testhost/run) boots under qemu.
command -v qemu-system-x86_64 >/dev/null 2>&1 || need_apt+=(qemu-system-x86)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "provision: installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# axe-core for the accessibility tests, pinned by package-lock.json (again when it changes).
if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "provision: installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
fi

bash scripts/install-buildx.sh
bash scripts/start-docker.sh
bash scripts/ensure-base-image.sh
