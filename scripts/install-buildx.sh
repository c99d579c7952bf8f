#!/usr/bin/env bash
# Install the `docker buildx` client (BuildKit, what the grader builds with) as a Docker CLI
# plugin. Debian 12 has no docker-buildx package; Debian 13's is a static Go binary, so it
# is fetched from trixie with a private apt list (the system's sources stay as they are)
# and unpacked into /usr/local/lib/docker/cli-plugins. Idempotent.
set -euo pipefail
if docker buildx version >/dev/null 2>&1; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
  >"$work/sources.list"
opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "APT::Sandbox::User=root")
echo "install-buildx: fetching docker-buildx from Debian 13"
apt-get "${opts[@]}" update -qq
(cd "$work" && apt-get "${opts[@]}" download -qq docker-buildx)
dpkg-deb -x "$work"/docker-buildx_*.deb "$work/root"
mkdir -p /usr/local/lib/docker/cli-plugins
install -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-buildx" \
  /usr/local/lib/docker/cli-plugins/docker-buildx
docker buildx version
