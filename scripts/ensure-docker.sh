#!/usr/bin/env bash
# Makes sure a Docker engine answers. Starts one when it can (root with docker.io installed,
# installing it from Debian's packages when missing); otherwise says exactly what is missing.
set -euo pipefail

if docker info >/dev/null 2>&1; then exit 0; fi

if [ -n "${DOCKER_HOST:-}" ]; then
  echo "ensure-docker: DOCKER_HOST=$DOCKER_HOST is set but no engine answers there." >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-docker: no Docker engine answers and this is not root, so none can be started." >&2
  echo "  Start dockerd (or set DOCKER_HOST), then run this again." >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing docker.io from Debian's packages..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
echo "ensure-docker: starting dockerd (log: /tmp/dockerd.log)"
nohup dockerd >/tmp/dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "ensure-docker: engine ready"
    exit 0
  fi
  sleep 1
done
echo "ensure-docker: dockerd did not answer within 60 s; see /tmp/dockerd.log:" >&2
tail -n 20 /tmp/dockerd.log >&2
exit 1
