"""Which ConfigMaps, Secrets and ServiceAccount a pod reads, with the field path of each reference."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from djhelm.validation.rules.base import Path, PodTemplate, dig


def references(template: PodTemplate) -> Iterator[tuple[str, str, Path]]:
    """Yield (kind, name, path) for every object the pod needs to exist before it can start."""
    account = template.spec.get("serviceAccountName")
    if isinstance(account, str) and account:
        yield "ServiceAccount", account, (*template.path, "serviceAccountName")
    for init in (True, False):
        for index, container in template.containers(init=init):
            base = template.container_path(index, init=init)
            for position, source in enumerate(_items(container.get("envFrom"))):
                for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                    name = dig(source, key, "name")
                    if isinstance(name, str):
                        yield kind, name, (*base, "envFrom", position, key)
            for position, variable in enumerate(_items(container.get("env"))):
                for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                    name = dig(variable, "valueFrom", key, "name")
                    if isinstance(name, str):
                        yield kind, name, (*base, "env", position, "valueFrom", key)
    for position, volume in enumerate(_items(template.spec.get("volumes"))):
        path = (*template.path, "volumes", position)
        name = dig(volume, "configMap", "name")
        if isinstance(name, str):
            yield "ConfigMap", name, path
        name = dig(volume, "secret", "secretName")
        if isinstance(name, str):
            yield "Secret", name, path
        for source in _items(dig(volume, "projected", "sources")):
            for key, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                name = dig(source, key, "name")
                if isinstance(name, str):
                    yield kind, name, path


def _items(value: Any) -> list[Any]:
    # Objects reach the rules even when the schema check failed; a scalar where a list belongs lists nothing.
    return value if isinstance(value, list) else []
