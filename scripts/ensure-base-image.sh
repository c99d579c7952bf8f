#!/usr/bin/env bash
# Make sure the base images the exercises build FROM exist in the local Docker engine.
#
#   bash scripts/ensure-base-image.sh            # the default tags below
#   bash scripts/ensure-base-image.sh python:3.11-slim-bookworm
#
# For each missing tag it first tries a real `docker pull` (short timeout). Only the
# tags whose pull fails get an offline stand-in, bootstrapped once with debootstrap
# (Debian bookworm + python3, pip, venv; no curl, like the real slim image) and
# `docker import`ed under every missing tag. Idempotent: exits in well under a
# second when every tag is present.
#
# Environment:
#   PULL_TIMEOUT    seconds per pull attempt (default 60; an unreachable registry fails at once)
#   DEBIAN_MIRROR   mirror for debootstrap (default: the first Debian URI in apt's sources)
#   HOST_CA_BUNDLE  CA bundle copied into the stand-in for pip (default /etc/ssl/certs/ca-certificates.crt)
set -euo pipefail

TAGS=("$@")
if [ "${#TAGS[@]}" -eq 0 ]; then
  TAGS=(python:3.11-slim python:3.11-slim-bookworm)
fi
PULL_TIMEOUT="${PULL_TIMEOUT:-60}"
HOST_CA_BUNDLE="${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
STANDIN_LABEL="org.mlops-course.base-image=debootstrap-standin"

log() { echo "ensure-base-image: $*"; }

if ! docker info >/dev/null 2>&1; then
  log "no Docker engine answers; start one first (bash scripts/start-docker.sh)" >&2
  exit 1
fi

missing=()
for tag in "${TAGS[@]}"; do
  if ! docker image inspect "$tag" >/dev/null 2>&1; then
    missing+=("$tag")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  log "present: ${TAGS[*]}"
  exit 0
fi

need_standin=()
for tag in "${missing[@]}"; do
  log "pulling $tag (timeout ${PULL_TIMEOUT}s)"
  if timeout "$PULL_TIMEOUT" docker pull -q "$tag" >/dev/null 2>&1; then
    log "pulled $tag"
  else
    need_standin+=("$tag")
  fi
done
if [ "${#need_standin[@]}" -eq 0 ]; then
  exit 0
fi

debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then
    echo "$DEBIAN_MIRROR"
    return
  fi
  local uri
  uri="$(grep -hE '^URIs:.*/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')"
  if [ -z "$uri" ]; then
    uri="$(grep -hE '^deb .*/debian/? ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | grep -v security | head -1 | awk '{print $2}')"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

if ! command -v debootstrap >/dev/null 2>&1; then
  log "cannot pull ${need_standin[*]} and debootstrap is missing (apt-get install debootstrap)" >&2
  exit 1
fi
if [ ! -f "$HOST_CA_BUNDLE" ]; then
  log "host CA bundle $HOST_CA_BUNDLE not found (set HOST_CA_BUNDLE)" >&2
  exit 1
fi

mirror="$(debian_mirror)"
root="$(mktemp -d /tmp/ensure-base-image.XXXXXX)"
trap 'rm -rf "$root"' EXIT
log "pull failed; bootstrapping an offline stand-in for ${need_standin[*]} from $mirror (about a minute)"
if ! debootstrap --variant=minbase --include=python3,python3-pip,python3-venv \
    bookworm "$root" "$mirror" >"$root.log" 2>&1; then
  log "debootstrap failed; last lines of $root.log:" >&2
  tail -20 "$root.log" >&2
  exit 1
fi
rm -f "$root.log"

# Make it behave like the official image where the exercises care.
ln -sf /usr/bin/python3 "$root/usr/local/bin/python"
ln -sf /usr/bin/python3 "$root/usr/local/bin/python3"
ln -sf /usr/bin/pip3 "$root/usr/local/bin/pip"
ln -sf /usr/bin/pip3 "$root/usr/local/bin/pip3"
rm -f "$root"/usr/lib/python3.*/EXTERNALLY-MANAGED
# Package downloads go through an intercepting proxy whose CA only the host trusts.
install -D -m 0644 "$HOST_CA_BUNDLE" "$root/etc/ssl/certs/ca-certificates.crt"
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$root/etc/pip.conf"
# Slim it: no package caches, docs or man pages (the real slim image has none either).
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
  "$root"/var/log/*.log "$root"/var/cache/debconf/*-old

first="${need_standin[0]}"
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change "LABEL $STANDIN_LABEL" \
  --change 'CMD ["python3"]' \
  - "$first" >/dev/null
for tag in "${need_standin[@]:1}"; do
  docker tag "$first" "$tag"
done
size="$(docker image inspect -f '{{.Size}}' "$first")"
log "stand-in ready: ${need_standin[*]} ($((size / 1000000)) MB, label $STANDIN_LABEL)"
