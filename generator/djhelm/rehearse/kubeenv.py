"""A container's environment as the kubelet builds it: envFrom sources first, then env in order, `$(VAR)`
expanded against what is already defined (https://kubernetes.io/docs/tasks/inject-data-application/
define-interdependent-environment-variables/). Secrets come from the rehearsal: database URLs point at the
rehearsal database, others from the user's env file, else a generated stand-in."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from djhelm.errors import InputError, Problem

_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand(value: str, defined: Mapping[str, str]) -> str:
    return _REFERENCE.sub(lambda m: "$" if m.group(0) == "$$" else defined.get(m.group(1), m.group(0)), value)


def read_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines (blank lines and # comments skipped; one pair of surrounding quotes removed)."""
    values: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(
            Problem(str(path), f"cannot read: {error.strerror}", "--secrets", fix="pass a NAME=value file")
        ) from None
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, sep, value = text.removeprefix("export ").partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name.strip()):
            raise InputError(Problem(str(path), "not a NAME=value line", line=number, fix="write NAME=value"))
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


@dataclass
class SecretSource:
    """Values for Secret references, by the variable they land in."""

    database_url: str
    given: dict[str, str] = field(default_factory=dict)
    stand_ins: dict[str, str] = field(default_factory=dict)

    def value(self, variable: str, secret: str, key: str) -> str:
        if variable in self.given:
            return self.given[variable]
        if variable.startswith("DATABASE_") and ("URL" in variable):
            return self.database_url
        # one stand-in per Secret key, shared by every container that references it, as a real Secret is
        return self.stand_ins.setdefault(f"{secret}/{key}", secrets.token_urlsafe(40))


def container_env(
    container_env_list: list[dict[str, Any]],
    env_from: list[dict[str, Any]],
    config_maps: Mapping[str, Mapping[str, str]],
    source: SecretSource,
    pod: Mapping[str, str],
    base: Mapping[str, str],
) -> dict[str, str]:
    """``pod``: the Downward API's fields (status.podIP, metadata.name, ...)."""
    env = dict(base)
    for entry in env_from:
        if "configMapRef" in entry:
            env.update(config_maps.get(entry["configMapRef"]["name"], {}))
        # an envFrom Secret of the user's: its keys are unknown here; --secrets supplies them by name
    for item in container_env_list:
        name = str(item["name"])
        if "value" in item:
            env[name] = expand(str(item["value"]), env)
            continue
        source_of: dict[str, Any] = item.get("valueFrom", {})
        if "secretKeyRef" in source_of:
            ref = source_of["secretKeyRef"]
            env[name] = source.value(name, str(ref["name"]), str(ref["key"]))
        elif "configMapKeyRef" in source_of:
            ref = source_of["configMapKeyRef"]
            env[name] = config_maps.get(str(ref["name"]), {}).get(str(ref["key"]), "")
        elif "fieldRef" in source_of:
            env[name] = pod.get(str(source_of["fieldRef"]["fieldPath"]), "")
    for name, value in source.given.items():
        env.setdefault(name, value)  # an envFrom Secret's keys, when the user named them
    return env


def host_env(release_bin: Path) -> dict[str, str]:
    """What the image would provide: a PATH reaching the release's console scripts, unbuffered output."""
    return {
        "PATH": f"{release_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": os.environ.get("HOME", "/"),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
    }
