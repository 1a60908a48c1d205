#!/usr/bin/env bash
# The README's test command (npm test): static checks, then unit, integration and browser tests
# against a real Docker engine, which it starts when it can.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== format, lint, types"
npx prettier --check . >/dev/null || { npx prettier --check . | tail -n 30; echo "formatting differs: run npm run format"; exit 1; }
npx eslint .
npx tsc -p tsconfig.json --noEmit
npx tsc -p frontend/tsconfig.json --noEmit
echo "== engine and tools"
bash scripts/ensure-docker.sh
bash scripts/ensure-test-tools.sh
# The Swarm spawner's tests need a manager: a one-node swarm is made only when the node is in
# none, and left again only when this run made it (a swarm someone else runs is never touched).
swarm_inited=0
if [ "$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null)" = inactive ]; then
  if docker swarm init --advertise-addr 127.0.0.1 >/dev/null; then
    swarm_inited=1
  else
    echo "could not init a swarm: the Swarm tests will skip and say so" >&2
  fi
fi
leave_swarm() { if [ "$swarm_inited" = 1 ]; then docker swarm leave --force >/dev/null || true; fi; }
trap leave_swarm EXIT
echo "== the hub image"
npm run --silent build:hub-image
echo "== build the portal"
npx vite build --config frontend/vite.config.ts --logLevel warn
echo "== tests"
results=$(mktemp)
status=0
npx jest --ci --runInBand --json --outputFile="$results" "$@" || status=$?
# One plain closing line that any CI reader understands.
node -e 'const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);' "$results" || true
rm -f "$results"
exit "$status"
