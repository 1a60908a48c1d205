#!/usr/bin/env bash
# Makes the Debian base image every application image starts from, as
# "${HUB_IMAGE_PREFIX}debian-base:bookworm".
#
# Order of preference:
#   1. the image already exists                   -> nothing to do (the cache)
#   2. a registry answers within a few seconds    -> pull debian:bookworm-slim and tag it
#   3. otherwise                                   -> debootstrap --variant=minbase from the
#      Debian mirror the host's apt already uses, then `docker import`
#
# Sourced by scripts/build-images.sh (uses its log/die helpers); can also run on its own.
# Env: HUB_IMAGE_PREFIX (default hub/), HUB_DEBIAN_MIRROR, HUB_DEBIAN_SECURITY_MIRROR,
#      HUB_BASE_PULL=0 to skip the registry probe, HUB_PULL_TIMEOUT (seconds, default 8).
set -euo pipefail

if ! declare -F log >/dev/null; then
  log() { printf '==> %s\n' "$*"; }
  die() { printf 'build-images: error: %s\n' "$*" >&2; exit 1; }
fi

DEBIAN_SUITE=bookworm

# Prints the first URI the host's apt uses for the given archive ("debian" or
# "debian-security"), reading both one-line and deb822 source files.
host_apt_mirror() {
  local want=$1 files=() f uri
  [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] && files+=("$f")
  done
  ((${#files[@]})) || return 0
  # one-line format: "deb [opts] URI suite comps"; deb822: "URIs: URI ..."
  uri=$(
    sed -n -e 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' \
      -e 's/^[[:space:]]*URIs:[[:space:]]*//p' "${files[@]}" |
      tr ' ' '\n' | sed 's:/*$::' | grep -E "^https?://[^ ]*/${want}\$" | head -n1 || true
  )
  printf '%s' "$uri"
}

# Unmounts anything debootstrap may have left mounted below $1, then removes it
# without ever crossing into another file system (e.g. a still-mounted /proc).
remove_rootfs() {
  local dir=$1 m
  [[ -n $dir && -d $dir ]] || return 0
  for m in $(awk -v d="$dir" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$dir"
}

bootstrap_debian_base() {
  local tag=$1 mirror security rootfs logf started
  [[ $(id -u) -eq 0 ]] ||
    die "no registry answered and making ${tag} with debootstrap needs root.
  Run this script as root once (later builds reuse the image), or import a Debian bookworm
  root file system yourself:  tar -C ROOTFS -c . | docker import - ${tag}"
  if ! command -v debootstrap >/dev/null; then
    if command -v apt-get >/dev/null; then
      log "debootstrap is missing: installing it with apt-get"
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >/dev/null ||
        die "could not install debootstrap; run: apt-get update && apt-get install -y debootstrap"
    else
      die "debootstrap is not installed and apt-get is not available to install it"
    fi
  fi
  mirror=${HUB_DEBIAN_MIRROR:-$(host_apt_mirror debian)}
  mirror=${mirror:-http://deb.debian.org/debian}
  security=${HUB_DEBIAN_SECURITY_MIRROR:-$(host_apt_mirror debian-security)}
  security=${security:-${mirror%/debian}/debian-security}

  rootfs=$(mktemp -d /var/tmp/hub-debian-rootfs.XXXXXX)
  logf=${BUILD_LOG_DIR:-/tmp}/debootstrap.log
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "remove_rootfs '$rootfs'" EXIT
  log "bootstrapping Debian ${DEBIAN_SUITE} (minbase) from ${mirror} into ${rootfs}"
  log "  (takes a few minutes; log: ${logf})"
  started=$SECONDS
  if ! debootstrap --variant=minbase --include=ca-certificates "$DEBIAN_SUITE" "$rootfs" "$mirror" >"$logf" 2>&1; then
    tail -n 20 "$logf" >&2
    die "debootstrap failed (full log: ${logf}); check that ${mirror} is reachable or set HUB_DEBIAN_MIRROR"
  fi
  log "  debootstrap done in $((SECONDS - started)) s; trimming the root file system"

  # What the official slim images do: no docs/man/locales, no recommends, caches
  # cleaned after every apt run, services never started during builds.
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${mirror}
Suites: ${DEBIAN_SUITE} ${DEBIAN_SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${security}
Suites: ${DEBIAN_SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  cat >"$rootfs/etc/apt/apt.conf.d/docker-slim" <<'EOF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log \
    "$rootfs"/var/cache/debconf/*-old "$rootfs"/tmp/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  : >"$rootfs/etc/resolv.conf"
  printf '%s\n' localhost >"$rootfs/etc/hostname"

  log "importing the root file system as ${tag}"
  tar -C "$rootfs" --numeric-owner -c . |
    docker import \
      -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'ENV LANG=C.UTF-8' \
      -c 'CMD ["bash"]' \
      -m "debootstrap --variant=minbase ${DEBIAN_SUITE} ${mirror}" \
      - "$tag" >/dev/null ||
    die "docker import of the bootstrapped root file system failed"
  remove_rootfs "$rootfs"
  trap - EXIT
}

# Makes sure the base image exists; argument: the full tag.
ensure_debian_base() {
  local tag=$1 timeout=${HUB_PULL_TIMEOUT:-8}
  if docker image inspect "$tag" >/dev/null 2>&1; then
    log "base ${tag}: present, skipping bootstrap"
    return 0
  fi
  if [[ ${HUB_BASE_PULL:-1} != 0 ]]; then
    log "base ${tag}: missing; trying the registry (debian:${DEBIAN_SUITE}-slim, ${timeout} s at most)"
    if timeout "$timeout" docker pull -q "debian:${DEBIAN_SUITE}-slim" >/dev/null 2>&1; then
      docker tag "debian:${DEBIAN_SUITE}-slim" "$tag"
      log "base ${tag}: pulled debian:${DEBIAN_SUITE}-slim"
      return 0
    fi
    log "base ${tag}: no registry answered; bootstrapping from Debian packages instead"
  fi
  bootstrap_debian_base "$tag"
  log "base ${tag}: ready"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  ensure_debian_base "${HUB_IMAGE_PREFIX:-hub/}debian-base:${DEBIAN_SUITE}"
fi
