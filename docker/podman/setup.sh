#!/usr/bin/env bash
# Make podman usable on a CI-like machine (root, no systemd, no registry): install it when missing, render
# containers.conf and storage.conf into a cache folder outside the clone, and print the environment that
# points podman at them as KEY=VALUE lines (read by docker/images.sh and tests/containers/support.py).
#
#   SLUICE_PODMAN_DIR  where configuration and image storage live
#                      (default ${XDG_CACHE_HOME:-~/.cache}/sluice/podman)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${SLUICE_PODMAN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice/podman}
# podman 4.3 from Debian; runc because crun refuses hybrid cgroups; debootstrap for the local base.
packages=(podman runc fuse-overlayfs debootstrap)

missing=()
for package in "${packages[@]}"; do
    command -v "$package" >/dev/null || missing+=("$package")
done
if ((${#missing[@]})); then
    if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
        echo "setup.sh: missing ${missing[*]}, and no root apt-get to install them" >&2
        exit 1
    fi
    echo "setup.sh: installing ${missing[*]}" >&2
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi

# Default ulimits must stay within the hard limits, or every `podman run` fails on setrlimit.
nofile=$(ulimit -Hn)
[[ $nofile == unlimited ]] && nofile=1048576
nproc=$(ulimit -Hu)
pid_max=$(cat /proc/sys/kernel/pid_max)
if [[ $nproc == unlimited ]] || ((nproc > pid_max)); then nproc=$pid_max; fi

mkdir -p "$dir/storage" "$dir/run"
render() {
    sed -e "s|@DIR@|$dir|g" -e "s|@NOFILE@|$nofile|g" -e "s|@NPROC@|$nproc|g" "$here/$1.in" >"$dir/$1.tmp"
    mv "$dir/$1.tmp" "$dir/$1"
}
render containers.conf
render storage.conf

echo "CONTAINERS_CONF=$dir/containers.conf"
echo "CONTAINERS_STORAGE_CONF=$dir/storage.conf"
echo "SLUICE_PODMAN_DIR=$dir"
