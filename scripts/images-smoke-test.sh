#!/usr/bin/env bash
# Starts the example images the way the hub does (same env, port 8888, container IP)
# and checks what a user would see: the noVNC page and its WebSocket (RFB greeting and
# desktop size, X11_* honoured), the web app under the prefix, a mounted /workspace
# writable by $USER, STARTUPDATA handed to the app. Removes its containers at the end.
#
# Usage: scripts/images-smoke-test.sh        (after scripts/build-images.sh)
# Env: HUB_IMAGE_PREFIX (default hub/), SMOKE_SAVE_DIR (where to keep screenshots)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${HUB_IMAGE_PREFIX:-hub/}
LABEL=hub-images-smoke-test
PROBE=$ROOT/scripts/images-rfb-probe.py
SAVE_DIR=${SMOKE_SAVE_DIR:-}
failures=0
WORK=$(mktemp -d /tmp/hub-images-smoke.XXXXXX)

cleanup() {
  local ids
  ids=$(docker ps -aq --filter "label=$LABEL")
  [[ -z $ids ]] || docker rm -f $ids >/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

pass() { printf '  ok    %s\n' "$*"; }
fail() {
  printf '  FAIL  %s\n' "$*"
  failures=$((failures + 1))
}
check() { # description, command...
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}

# run NAME IMAGE [docker run args...] -> prints the container's IP once HTTP answers
start() {
  local name=$1 image=$2 url_id=$3
  shift 3
  docker run -d --label "$LABEL=1" --name "smoke-$name-$$" \
    -e JPY_USER=alice -e JPY_BASE_USER_URL=/user/alice -e URL_ID="$url_id" -e USER=alice \
    "$@" "$image" >/dev/null
  local ip t0=$SECONDS
  ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "smoke-$name-$$")
  until curl -fs -o /dev/null "http://$ip:8888/user/alice/containers/$url_id/"; do
    if ((SECONDS - t0 > 30)) || [[ $(docker inspect -f '{{.State.Running}}' "smoke-$name-$$") != true ]]; then
      docker logs "smoke-$name-$$" >&2 || true
      echo "container smoke-$name-$$ did not answer within 30 s" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "$ip"
}

in_container() { docker exec -u alice "smoke-$1-$$" "${@:2}"; }

echo "== ${PREFIX}terminal (vncapp), defaults"
t0=$(date +%s%3N)
ip=$(start term "${PREFIX}terminal" abc)
echo "  ..    answered HTTP $(($(date +%s%3N) - t0)) ms after docker run"
base=http://$ip:8888/user/alice/containers/abc
check "GET /user/alice/containers/abc/ -> 200 noVNC page" \
  bash -c "curl -fs '$base/' | grep -q '<title>noVNC</title>'"
check "the page loads hub-vnc-defaults.js before noVNC" \
  bash -c "curl -fs '$base/' | grep -q 'script src=\"hub-vnc-defaults.js\"'"
check "noVNC's module ui.js is served under the prefix" curl -fs -o /dev/null "$base/app/ui.js"
check "prefix without slash -> 301" \
  bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' '$base') == 301 ]]"
check "paths outside the prefix -> 404" \
  bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' 'http://$ip:8888/') == 404 ]]"
timeout 3 curl -s -i -N -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
  -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$base/websockify" >"$WORK/upgrade" || true
check "WebSocket upgrade at <prefix>websockify -> 101" grep -aq '^HTTP/1.1 101 ' "$WORK/upgrade"
check "... and the RFB greeting 'RFB 003.00x' comes through" grep -aq 'RFB 003.00' "$WORK/upgrade"
out=$(python3 "$PROBE" ${SAVE_DIR:+--png "$SAVE_DIR/terminal-default.png"} "ws://$ip:8888/user/alice/containers/abc/websockify" 2>&1) || true
echo "$out" | sed 's/^/        /'
check "RFB handshake: desktop 1024x768 depth 24" grep -q 'desktop: 1024x768 depth 24' <<<"$out"
colours=$(sed -n 's/.* \([0-9]*\) distinct colours.*/\1/p' <<<"$out")
check "the desktop is not blank (${colours:-0} colours)" test "${colours:-0}" -gt 10
check "session processes run as alice, not root" \
  bash -c "[[ \$(docker exec smoke-term-$$ stat -c %U /proc/\$(docker exec smoke-term-$$ pgrep -x Xvnc)) == alice ]]"
check "xrandr inside reports 1024 x 768" \
  bash -c "docker exec -u alice -e DISPLAY=:1 smoke-term-$$ xrandr | grep -q 'current 1024 x 768'"

echo "== ${PREFIX}terminal, X11_WIDTH=800 X11_HEIGHT=600 X11_DEPTH=16, root-owned /workspace, STARTUPDATA"
mkdir -p "$WORK/ws/project"
echo "notes" >"$WORK/ws/project/readme.txt"
ip=$(start term2 "${PREFIX}terminal" def -e X11_WIDTH=800 -e X11_HEIGHT=600 -e X11_DEPTH=16 \
  -e STARTUPDATA=/workspace/project -v "$WORK/ws:/workspace")
out=$(python3 "$PROBE" ${SAVE_DIR:+--png "$SAVE_DIR/terminal-800x600.png"} "ws://$ip:8888/user/alice/containers/def/websockify" 2>&1) || true
echo "$out" | sed 's/^/        /'
check "RFB handshake: desktop 800x600 depth 16" grep -q 'desktop: 800x600 depth 16' <<<"$out"
check "xrandr inside reports 800 x 600" \
  bash -c "docker exec -u alice -e DISPLAY=:1 smoke-term2-$$ xrandr | grep -q 'current 800 x 600'"
check "noVNC told to scale (resolution fixed by X11_*)" \
  bash -c "curl -fs http://$ip:8888/user/alice/containers/def/hub-vnc-defaults.js | grep -q 'resize: \"scale\"'"
check "/workspace writable by alice" in_container term2 touch /workspace/written-by-alice
check "STARTUPDATA reached the app (xterm's shell runs in /workspace/project)" \
  bash -c "for pid in \$(docker exec smoke-term2-$$ pgrep -x bash); do docker exec -u alice smoke-term2-$$ readlink /proc/\$pid/cwd; done | grep -qx /workspace/project"

echo "== ${PREFIX}filebrowser (webapp)"
mkdir -p "$WORK/ws2/docs"
echo "hello" >"$WORK/ws2/hello.txt"
chown -R 4321:4321 "$WORK/ws2"
ip=$(start files "${PREFIX}filebrowser" 0123abcd -v "$WORK/ws2:/workspace")
base=http://$ip:8888/user/alice/containers/0123abcd
check "GET prefix -> 200 listing with hello.txt" bash -c "curl -fs '$base/' | grep -q 'hello.txt'"
check "download hello.txt" bash -c "[[ \$(curl -fs '$base/hello.txt') == hello ]]"
check "upload without the write header -> 403" \
  bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' -T /etc/hostname '$base/docs/x') == 403 ]]"
check "upload with it -> 201, file owned by the workspace owner (4321)" \
  bash -c "curl -fs -H 'X-Hub-Filebrowser: 1' -T /etc/hostname '$base/docs/up.txt' && [[ \$(stat -c %u '$WORK/ws2/docs/up.txt') == 4321 ]]"
check "no escape through ..: /etc/passwd -> 400, refused by name" \
  bash -c "[[ \$(curl -s --path-as-is -o /dev/null -w '%{http_code}' '$base/../../../../etc/passwd') == 400 ]]"
check "paths outside the prefix -> 404" \
  bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' 'http://$ip:8888/') == 404 ]]"

echo "== labels"
for app in terminal filebrowser; do
  labels=$(docker image inspect -f '{{json .Config.Labels}}' "${PREFIX}$app")
  check "$app: ui_name, description, type, icon_128 (a 128x128 PNG)" python3 -c '
import base64, json, struct, sys
labels = json.loads(sys.argv[1]); ns = "eu.simphony-project.docker."
assert all(labels.get(ns + k) for k in ("ui_name", "description", "type")), "missing label"
assert labels[ns + "type"] in ("vncapp", "webapp")
png = base64.b64decode(labels[ns + "icon_128"])
assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (128, 128)
' "$labels"
done
for base in app-base vnc-base web-base; do
  check "$base carries no eu.simphony-project.docker.* label (not an app)" \
    bash -c "! docker image inspect -f '{{json .Config.Labels}}' '${PREFIX}$base' | grep -q eu.simphony-project.docker"
done

echo
if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
