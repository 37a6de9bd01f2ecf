#!/usr/bin/env bash
# Base images for machines without a container registry (CI here): a Debian bookworm minbase rootfs made
# with debootstrap from the mirror apt already uses, imported into podman, and built on it a Python base
# (Debian's python3, 3.11) and a Postgres image (Debian's postgresql-15). Where the official images can be
# pulled, they are used instead and only the Postgres image is built, on debian:bookworm-slim.
#
# Expects the podman environment of docker/podman/setup.sh. Prints the Python base to build Sluice on, as
#   SLUICE_BASE_IMAGE=<image>
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SLUICE_PODMAN_DIR:?run docker/podman/setup.sh first}/base
official_python=docker.io/library/python:3.11-slim
official_debian=docker.io/library/debian:bookworm-slim
local_debian=localhost/sluice-debian:bookworm
local_python=localhost/sluice-python:3.11
postgres=localhost/sluice-postgres:15

pullable() {
    podman image exists "$1" || podman pull -q "$1" >/dev/null 2>&1
}

# The first bookworm URI of apt's sources (deb822 .sources files and one-line .list files).
apt_mirror() {
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '
            /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i + 1) == "bookworm") { print $i; exit } break } }
            /^URIs:/ { uri = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm" && uri != "") { print uri; exit } }
            /^$/ { uri = "" }'
}

debian_rootfs() {
    if podman image exists "$local_debian"; then return; fi
    local tarball=$cache/bookworm-minbase.tar
    if [[ ! -s $tarball ]]; then
        local mirror=${SLUICE_DEBIAN_MIRROR:-$(apt_mirror)}
        mirror=${mirror:-http://deb.debian.org/debian}
        echo "base: debootstrap bookworm minbase from $mirror" >&2
        local rootfs=$cache/rootfs
        rm -rf "$rootfs" && mkdir -p "$rootfs"
        debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >&2
        rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
        tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" .
        mv "$tarball.tmp" "$tarball"
        rm -rf "$rootfs"
    fi
    podman import --change 'CMD ["/bin/bash"]' \
        --change 'LABEL org.opencontainers.image.title="Debian bookworm minbase (debootstrap)"' \
        "$tarball" "$local_debian" >&2
}

build() {  # build <image> <Containerfile> <debian base>
    podman build --network host --build-arg "DEBIAN=$3" -f "$here/$2" -t "$1" "$here" >&2
}

if [[ -n ${SLUICE_BASE_IMAGE:-} ]]; then
    python=$SLUICE_BASE_IMAGE
    debian=${SLUICE_DEBIAN_IMAGE:-$official_debian}
elif pullable "$official_python" && pullable "$official_debian"; then
    python=$official_python
    debian=$official_debian
else
    echo "base: no registry answers; using local base images" >&2
    mkdir -p "$cache"
    debian_rootfs
    debian=$local_debian
    python=$local_python
    build "$python" python.Containerfile "$debian"
fi
build "$postgres" postgres.Containerfile "$debian"
echo "SLUICE_BASE_IMAGE=$python"
