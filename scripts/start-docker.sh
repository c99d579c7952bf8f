#!/usr/bin/env bash
# Start dockerd in the background unless an engine already answers; wait until it does.
set -euo pipefail
if docker info >/dev/null 2>&1; then
  exit 0
fi
echo "start-docker: starting dockerd (log: /var/log/dockerd.log)"
nohup dockerd >/var/log/dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "start-docker: engine is up"
    exit 0
  fi
  sleep 0.5
done
echo "start-docker: dockerd did not come up in 30 s; see /var/log/dockerd.log" >&2
tail -20 /var/log/dockerd.log >&2 || true
exit 1
