#!/usr/bin/env bash
# `make images`: podman ready (installed when missing), base images (local ones when no registry answers),
# the Sluice images built, then smoke-tested by tests/containers/test_images.py.
#
#   docker/images.sh [all|build]      all (default) builds and smoke-tests; build only builds
#
# Images: localhost/sluice:local (the server: manager, indexer, migrations), localhost/sluice-connector-
# <name>:local for each reference connector in CONNECTORS, localhost/sluice-postgres:15 (docker/base).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
action=${1:-all}
read -ra connectors <<<"${CONNECTORS:-filesystem rss web declarative}"
python=${SLUICE_VENV_PYTHON:-$root/.venv/bin/python}

while IFS='=' read -r key value; do export "$key=$value"; done < <("$root/docker/podman/setup.sh")
while IFS='=' read -r key value; do export "$key=$value"; done < <("$root/docker/base/build.sh")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One snapshot of the sources for every image of this run: other work in the tree between two builds
# cannot give two images different code, or make each build miss the layer cache of the one before.
sources=(sdk sql runtime descriptor manager indexer connectors cli)
mkdir "$work/context"
tar -C "$root" -c --exclude=__pycache__ --exclude='*.egg-info' --exclude=build --exclude='.*_cache' \
    "${sources[@]}" | tar -C "$work/context" -x

# What pip on this host needs to reach its index: the index URL and the CA bundle, handed to the build
# as secrets. Local file indexes and find-links of the host mean nothing inside a build and are left out.
pip_setting() { "$python" -m pip config get "global.$1" 2>/dev/null || true; }
index=${PIP_INDEX_URL:-$(pip_setting index-url)}
ca=${PIP_CERT:-$(pip_setting cert)}
ca=${ca:-${REQUESTS_CA_BUNDLE:-${SSL_CERT_FILE:-}}}
{
    echo "[global]"
    [[ -n $index ]] && echo "index-url = $index"
    [[ -n $ca && -f $ca ]] && echo "cert = /run/secrets/pip-ca.pem"
    true
} >"$work/pip.conf"
build_args=(
    --network host
    --file "$root/docker/Dockerfile"
    --ignorefile "$root/docker/Dockerfile.dockerignore"
    --secret "id=pip.conf,src=$work/pip.conf"
    --build-arg "BASE=$SLUICE_BASE_IMAGE"
    --build-arg "VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/cli/pyproject.toml")"
    --build-arg "REVISION=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
    --build-arg "CREATED=$(git -C "$root" log -1 --format=%cI 2>/dev/null || true)"
)
[[ -n $ca && -f $ca ]] && build_args+=(--secret "id=pip-ca.pem,src=$ca")

podman build "${build_args[@]}" --target server --tag localhost/sluice:local "$work/context"
for name in "${connectors[@]}"; do
    podman build "${build_args[@]}" --target connector --build-arg "CONNECTOR=$name" \
        --tag "localhost/sluice-connector-$name:local" "$work/context"
done
# Every rebuild leaves untagged images behind. Those of the stages still cached are untagged too, so
# only what is days old goes: storage stays bounded at the cost of a rare rebuild of an old stage.
podman image prune --force --filter until=72h >/dev/null

if [[ $action == all ]]; then
    SLUICE_IMAGES_BUILT=1 SLUICE_REQUIRE_PODMAN=1 "$python" -m pytest -p no:cacheprovider -q \
        "$root/tests/containers/test_images.py"
fi
