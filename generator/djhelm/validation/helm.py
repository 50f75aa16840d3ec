"""Render a chart with the real `helm template`, once per Kubernetes version (Capabilities differ)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from djhelm.errors import InputError, Problem, ToolMissingError
from djhelm.validation.core import Source

# Rendering takes well under a second; far longer means helm waits on something (a plugin, the network).
HELM_TIMEOUT_SECONDS: float = 300


def find_helm(binary: str) -> str:
    found = shutil.which(binary)
    if found is None:
        raise ToolMissingError(
            f"{binary} is not on PATH: djhelm validate renders chart directories with `helm template`. "
            "Install Helm 3 or 4 (https://helm.sh/docs/intro/install/), pass --helm-binary with its path, "
            "or validate rendered manifests (`helm template ... | djhelm validate -`)."
        )
    return found


def render_chart(
    helm: str,
    chart: Path,
    kube_version: str,
    values: Sequence[Path] = (),
    release: str = "release",
    namespace: str | None = None,
    set_values: Sequence[str] = (),
) -> Source:
    command = [helm, "template", release, str(chart), "--kube-version", f"v{kube_version}.0"]
    for file in values:
        command += ["--values", str(file)]
    for assignment in set_values:
        command += ["--set", assignment]
    if namespace:
        command += ["--namespace", namespace]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=HELM_TIMEOUT_SECONDS, check=False
        )
    except OSError as error:
        raise ToolMissingError(f"cannot run {helm}: {error.strerror}") from None
    except subprocess.TimeoutExpired:
        raise InputError(
            Problem(
                str(chart),
                f"helm template did not finish in {HELM_TIMEOUT_SECONDS} s",
                fix=f"check that `{helm} template` works on its own, or pipe its output to djhelm validate -",
            )
        ) from None
    if done.returncode != 0:
        raise InputError(
            Problem(
                str(chart),
                f"helm template failed for Kubernetes {kube_version}: {done.stderr.strip()}",
                fix="fix the chart or its values so `helm template` succeeds",
            )
        )
    return Source(done.stdout, f"{chart.name}/", helm_output=True)
