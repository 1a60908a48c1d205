#!/usr/bin/env bash
# The README's start command (npm start): engine, build, example images, then the hub.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-docker.sh
echo "== building the hub and the portal"
npx tsc -p tsconfig.build.json
npx vite build --config frontend/vite.config.ts --logLevel warn
if [ "${HUB_SKIP_IMAGES:-}" != 1 ] && [ -x scripts/build-images.sh ]; then
  echo "== example application images (first start builds them; later starts use the cache)"
  bash scripts/build-images.sh
fi
# A 2 MB young generation instead of V8's default (up to 16 MB per semi-space) keeps about
# 20 MB less resident; measured with `npm run bench scale` (README, "Memory").
exec node --max-semi-space-size=2 dist/server/main.js
