#!/bin/sh
# Debian packages the tests need: PostgreSQL (a real server for the suite), Chromium and CJK fonts
# (the console tests), Slurm and munge (the Slurm engine's tests). Idempotent: installs only what is
# missing. Needs root (or sudo) and apt.
set -eu

missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$missing fonts-noto-cjk"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
# Slurm and munge (the Slurm engine's tests start a private cluster from these binaries)
for pkg in slurmctld slurmd slurm-client munge; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
done

if [ -z "$missing" ]; then
    exit 0
fi
echo "installing Debian packages:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
    $SUDO apt-get update -qq
    $SUDO apt-get install -y --no-install-recommends $missing
}
