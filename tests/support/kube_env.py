"""The environment the kubelet builds for a rendered container, so tests can run the chart's commands locally.

Order as in Kubernetes: `envFrom` ConfigMaps first, then `env` in list order; `$(NAME)` in a value expands
to a variable defined earlier (an undefined name stays as written) and `$$` is a literal `$`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from djhelm.rehearse.kubeenv import expand  # the rehearsal's own: one reading of $(VAR) for both

SecretValue = Callable[[str, str], str]  # (secret name, key) -> value


def container_env(
    container: Mapping[str, Any],
    config_maps: Mapping[str, Mapping[str, str]],
    secret_value: SecretValue,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """``base`` (e.g. PATH) first; every ConfigMap the container names must be in ``config_maps``."""
    env = dict(base or {})
    for source in container.get("envFrom", []):
        name = source["configMapRef"]["name"]
        assert name in config_maps, f"the test has no ConfigMap {name!r}; it has {sorted(config_maps)}"
        env.update(config_maps[name])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = expand(str(item["value"]), env)
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = secret_value(ref["name"], ref["key"])
    return env


def config_maps_of(docs: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {doc["metadata"]["name"]: doc.get("data", {}) for doc in docs if doc["kind"] == "ConfigMap"}
