#!/usr/bin/env bash
# Builds hub/hub:latest (npm run build:hub-image). See images/hub/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix="${HUB_IMAGE_PREFIX:-hub/}"
tag="${HUB_IMAGE_TAG:-latest}"
base="${prefix}debian-base:bookworm"
if ! docker image inspect "$base" >/dev/null 2>&1; then
  echo "== $base is missing: building it (scripts/build-images.sh)"
  bash scripts/build-images.sh --only app-base
fi
node_bin="$(command -v node)"
major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 20 ]; then
  echo "build:hub-image needs Node >= 20 on the host (found $("$node_bin" -v))" >&2
  exit 1
fi
echo "== building the server and the portal"
npx tsc -p tsconfig.build.json
npx vite build --config frontend/vite.config.ts --logLevel warn
ctx="$(mktemp -d "${TMPDIR:-/tmp}/hub-image.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/app/frontend"
cp "$node_bin" "$ctx/node"
cp images/hub/Dockerfile "$ctx/Dockerfile"
cp -r dist "$ctx/app/dist"
cp -r frontend/dist "$ctx/app/frontend/dist"
cp -r config "$ctx/app/config"
cp package.json package-lock.json "$ctx/app/"
# Production dependencies only: copied from the checkout (the native modules are built for this
# Node) and pruned offline, so the build needs no npm registry either.
cp -a node_modules "$ctx/app/node_modules"
(cd "$ctx/app" && npm prune --omit=dev --no-audit --no-fund --offline >/dev/null)
echo "== docker build ${prefix}hub:${tag}"
docker build -q --build-arg "BASE=$base" -t "${prefix}hub:${tag}" "$ctx"
