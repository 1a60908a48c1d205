#!/usr/bin/env bash
# The tests build images from Debian's static busybox and a static C echo server, and drive
# Debian's Chromium; the LDAP sign-in tests start Debian's slapd; SimPhoNy-Remote's Python client
# (remoteapprest: requests, click) runs with Debian's python3. Installs what is missing (as
# root); otherwise says what to install.
set -euo pipefail
missing=()
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then missing+=(busybox-static); fi
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
ls /usr/lib/*-linux-gnu/libc.a >/dev/null 2>&1 || missing+=(libc6-dev)
[ -x /usr/sbin/slapd ] || missing+=(slapd)
command -v ldapmodify >/dev/null 2>&1 || missing+=(ldap-utils)
command -v /usr/bin/python3 >/dev/null 2>&1 || missing+=(python3)
/usr/bin/python3 -c 'import requests' >/dev/null 2>&1 || missing+=(python3-requests)
/usr/bin/python3 -c 'import click' >/dev/null 2>&1 || missing+=(python3-click)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "ensure-test-tools: missing Debian packages: ${missing[*]} (install them as root)" >&2
  exit 1
fi
echo "ensure-test-tools: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
