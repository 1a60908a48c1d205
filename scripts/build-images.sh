#!/usr/bin/env bash
# Builds the hub's application images (images/*/Dockerfile) in dependency order.
#
#   scripts/build-images.sh                  every image
#   scripts/build-images.sh --only terminal  that image (its bases are built only if missing)
#   scripts/build-images.sh --list           the build order, nothing built
#
# Works without a registry: the Debian base comes from debootstrap when no registry
# answers (scripts/build-images-debian-base.sh). Cached: an existing base image is reused
# and docker's layer cache does the rest, so a warm run takes seconds.
#
# Env:
#   HUB_IMAGE_PREFIX   tag prefix, default "hub/"  (images are <prefix><dir>:<tag>)
#   HUB_IMAGE_TAG      tag of the built images, default "latest"
#   HUB_BUILD_VERBOSE  1 = show docker's whole output (default: its step lines only)
#   plus the base image's settings, see scripts/build-images-debian-base.sh
#
# A Dockerfile names the image it builds on as  FROM ${HUB_IMAGE_PREFIX}<dir>:latest
# (after ARG HUB_IMAGE_PREFIX=hub/); that line is how the build order is found.
# An icon.png next to a Dockerfile becomes the eu.simphony-project.docker.icon_128 label.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGES_DIR=$ROOT/images
PREFIX=${HUB_IMAGE_PREFIX:-hub/}
TAG=${HUB_IMAGE_TAG:-latest}
VERBOSE=${HUB_BUILD_VERBOSE:-0}
LABEL_NS=eu.simphony-project.docker

log() { printf '==> %s\n' "$*"; }
die() {
  printf 'build-images: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

only=()
list_only=0
no_cache=()
while (($#)); do
  case $1 in
  --only)
    [[ $# -ge 2 ]] || die "--only needs an image name (a folder of images/)"
    only+=("${2%/}")
    shift 2
    ;;
  --only=*)
    only+=("${1#--only=}")
    shift
    ;;
  --list) list_only=1 && shift ;;
  --no-cache) no_cache=(--no-cache) && shift ;;
  -v | --verbose) VERBOSE=1 && shift ;;
  -h | --help) usage && exit 0 ;;
  *) die "unknown argument: $1 (see --help)" ;;
  esac
done

[[ $PREFIX == "" || $PREFIX == */ ]] || PREFIX=$PREFIX/

# --- the images and their order ----------------------------------------------------

declare -A parent=()
all=()
for dockerfile in "$IMAGES_DIR"/*/Dockerfile; do
  [[ -f $dockerfile ]] || continue
  # An image with its own build script (images/hub: the hub itself) is not an app image.
  [[ -e $(dirname "$dockerfile")/build.sh ]] && continue
  name=$(basename "$(dirname "$dockerfile")")
  all+=("$name")
  parent[$name]=$(sed -n 's/^FROM[[:space:]]\+\${HUB_IMAGE_PREFIX}\([a-z0-9._-]\+\):.*/\1/p' "$dockerfile" | head -n1)
done
((${#all[@]})) || die "no images/*/Dockerfile found under $IMAGES_DIR"

# Depth-first: every image after the image it is built on.
order=()
declare -A placed=() visiting=()
place() {
  local name=$1 up=${parent[$1]:-}
  [[ -n ${placed[$name]:-} ]] && return
  [[ -z ${visiting[$name]:-} ]] || die "images/$name: its FROM chain loops back to itself"
  visiting[$name]=1
  if [[ -n $up && $up != debian-base ]]; then
    [[ -f $IMAGES_DIR/$up/Dockerfile ]] || die "images/$name builds FROM ${up}, but images/$up/Dockerfile does not exist"
    place "$up"
  fi
  placed[$name]=1
  order+=("$name")
}
for name in "${all[@]}"; do place "$name"; done

image_ref() { printf '%s%s:%s' "$PREFIX" "$1" "$TAG"; }
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# With --only: those images, plus whichever of their bases are missing.
targets=()
if ((${#only[@]})); then
  declare -A wanted=()
  for name in "${only[@]}"; do
    [[ -f $IMAGES_DIR/$name/Dockerfile ]] || die "--only $name: there is no images/$name/Dockerfile (images: ${order[*]})"
    wanted[$name]=1
  done
  for name in "${order[@]}"; do
    if [[ -n ${wanted[$name]:-} ]]; then
      up=${parent[$name]:-}
      while [[ -n $up && $up != debian-base ]]; do
        [[ -n ${wanted[$up]:-} ]] || image_exists "$(image_ref "$up")" || wanted[$up]=1
        up=${parent[$up]:-}
      done
    fi
  done
  for name in "${order[@]}"; do [[ -z ${wanted[$name]:-} ]] || targets+=("$name"); done
else
  targets=("${order[@]}")
fi

if ((list_only)); then
  for name in "${targets[@]}"; do
    printf '%s\t%s\tFROM %s\n' "$name" "$(image_ref "$name")" "${parent[$name]:-?}"
  done
  exit 0
fi

# --- preconditions -----------------------------------------------------------------

command -v docker >/dev/null || die "the docker command is not installed"
docker info >/dev/null 2>&1 ||
  die "the Docker engine does not answer (DOCKER_HOST=${DOCKER_HOST:-unset}); start it (e.g. 'dockerd &') or set DOCKER_HOST"

BUILD_LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hub-build-images.XXXXXX")
export BUILD_LOG_DIR

# shellcheck source=build-images-debian-base.sh
source "$ROOT/scripts/build-images-debian-base.sh"

started=$SECONDS
log "building ${#targets[@]} image(s) with prefix '${PREFIX}': ${targets[*]}  (logs: ${BUILD_LOG_DIR})"
ensure_debian_base "${PREFIX}debian-base:${DEBIAN_SUITE}"

# Runs docker build; prints the step lines (or everything when verbose) and keeps the
# whole output in a log, whose tail is shown when the build fails.
build_one() {
  local name=$1 index=$2 total=$3 ref dir logf args t0 status
  ref=$(image_ref "$name")
  dir=$IMAGES_DIR/$name
  logf=$BUILD_LOG_DIR/$name.log
  args=(build "${no_cache[@]}" --build-arg "HUB_IMAGE_PREFIX=$PREFIX" -t "$ref")
  if [[ -f $dir/icon.png ]]; then
    args+=(--label "$LABEL_NS.icon_128=$(base64 -w0 "$dir/icon.png")")
  fi
  log "[$index/$total] ${ref}  (images/${name}, FROM ${parent[$name]:-?})"
  t0=$SECONDS
  set +e
  if [[ $VERBOSE == 1 ]]; then
    docker "${args[@]}" "$dir" 2>&1 | tee "$logf"
  else
    docker "${args[@]}" "$dir" 2>&1 | tee "$logf" | sed -n 's/^\(Step [0-9]*\/[0-9]*\) : \(.\{0,100\}\).*/    \1  \2/p'
  fi
  status=${PIPESTATUS[0]}
  set -e
  if ((status != 0)); then
    printf '\n--- last lines of %s ---\n' "$logf" >&2
    grep -v -e '^DEPRECATED: The legacy builder' -e 'Install the buildx' -e 'docs.docker.com/go/buildx' "$logf" | tail -n 25 >&2
    die "building ${ref} failed (full log: ${logf})"
  fi
  if grep -q -- '---> Running in' "$logf"; then
    log "    built ${ref} in $((SECONDS - t0)) s"
  else
    log "    ${ref} up to date (all steps cached)"
  fi
}

i=0
for name in "${targets[@]}"; do
  i=$((i + 1))
  build_one "$name" "$i" "${#targets[@]}"
done

log "done in $((SECONDS - started)) s:"
for name in "${targets[@]}"; do
  docker image inspect -f '{{.Size}}' "$(image_ref "$name")" |
    awk -v ref="$(image_ref "$name")" '{ printf "    %-32s %4d MB\n", ref, $1 / 1000000 }'
done
rm -rf "$BUILD_LOG_DIR"
