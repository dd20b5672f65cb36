#!/usr/bin/env bash
# Installs the Debian packages every lab lists in labs/<lab>/packages.txt (root). No package starts its service:
# a policy-rc.d that refuses, so labs start their daemons themselves inside their namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
pkgs=$(cat labs/*/packages.txt 2>/dev/null | sed 's/#.*//' | tr -s ' \n' ' ')
# The linters of the shell and Python the labs and guests run (npm run lint:scripts, scripts/lint-scripts.sh).
pkgs="$pkgs shellcheck pyflakes3"
[ -n "${pkgs// /}" ] || { echo "no lab packages"; exit 0; }
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d
apt-get -o DPkg::Lock::Timeout=600 update -qq
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $pkgs
