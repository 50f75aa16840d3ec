"""Turn a checked config into the chart's values: every project choice becomes data, never template text.

`build_values` walks the declarations of `values_spec` in order (their order is values.yaml's): a value
djhelm.yaml sets is copied from it, any other takes its declared default, and the few values computed from
other keys (the pull policy, the probes' Host, Secret references, process types) are the `DERIVED`
functions below.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from djhelm.chart.generated import default_of
from djhelm.chart.values_spec import CRON_JOB_KEYS, VALUES, Value
from djhelm.config import Config
from djhelm.config.checks import SERVER_INTERFACES


def default_pull_policy(tag: str, digest: str | None) -> str:
    """Kubernetes' own default (Always for `latest`, else IfNotPresent), made explicit in values.yaml.

    An image pinned by digest cannot change under its name, so pulling it again would only cost time.
    """
    return "Always" if tag == "latest" and not digest else "IfNotPresent"


def _secret_ref(ref: dict[str, Any]) -> dict[str, Any]:
    return {"secretName": ref["secretName"], "key": ref["key"], "optional": bool(ref.get("optional", False))}


def probe_host(web: dict[str, Any], ingress: dict[str, Any], route: dict[str, Any]) -> str:
    """The Host the probes send: the configured one, else a name the site is served under (Django's
    ALLOWED_HOSTS must list it anyway), else none (the kubelet then sends the pod IP)."""
    hostnames = route.get("hostnames") or [""]
    return str(web.get("probeHost") or ingress.get("host") or hostnames[0])


def merged(defaults: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """``defaults`` with ``given`` laid over it, key by key in nested objects (maps of names replace)."""
    result = dict(defaults)
    for key, value in given.items():
        base = result.get(key)
        if isinstance(base, dict) and isinstance(value, dict) and base and set(value) <= set(base):
            result[key] = merged(base, value)
        else:
            result[key] = value
    return result


def _process(process: dict[str, Any], grace: int, resources: dict[str, Any]) -> dict[str, Any]:
    """One process type's values: Celery's presets, or a command; one pod for beat and singletons."""
    kind = process["kind"]
    single = kind == "celery-beat" or bool(process.get("singleton"))
    return {
        "kind": kind,
        "app": process.get("app", ""),
        "command": list(process.get("command", [])),
        "replicas": 1 if single else process["replicas"],
        "singleton": single,
        "concurrency": process.get("concurrency", 2),
        "queues": list(process.get("queues", [])),
        "terminationGracePeriodSeconds": process.get("terminationGracePeriodSeconds", grace),
        "probe": dict(process.get("probe", {})),
        "env": dict(sorted(process.get("env", {}).items())),
        "resources": process.get("resources", resources),
    }


def _cron_job(job: dict[str, Any], resources: dict[str, Any]) -> dict[str, Any]:
    """One cron job's values, keys in declaration order whatever order djhelm.yaml used."""
    given = {**job, "resources": job.get("resources", resources)}
    return {key: given[key] for key in CRON_JOB_KEYS if key in given}


def web_interface(web: dict[str, Any]) -> str:
    """What the application object is: fixed by gunicorn (WSGI) and uvicorn (ASGI); for granian, as given,
    else from Django's naming (`proj.asgi:application` is ASGI)."""
    if web["server"] in SERVER_INTERFACES:
        return SERVER_INTERFACES[web["server"]]
    if "interface" in web:
        return str(web["interface"])
    module = str(web.get("application", "")).partition(":")[0]
    return "asgi" if module.rpartition(".")[2] == "asgi" else "wsgi"


def _grace(data: dict[str, Any]) -> int:
    """terminationGracePeriodSeconds of web pods: preStop + drain + a margin, so the kubelet's SIGKILL never
    lands on a draining server; process types default to it."""
    web = data["web"]
    margin = default_of("web.terminationGraceMarginSeconds")
    assert isinstance(margin, int)
    return int(web["preStopSeconds"]) + int(web["gracefulTimeoutSeconds"]) + margin


def _web_resources(data: dict[str, Any]) -> dict[str, Any]:
    return dict(data["web"].get("resources", {}))


DERIVED: dict[str, Callable[[dict[str, Any]], Any]] = {
    "image.pullPolicy": lambda data: data["image"].get("pullPolicy")
    or default_pull_policy(data["image"]["tag"], data["image"].get("digest")),
    "web.interface": lambda data: web_interface(data["web"]),
    "web.probeHost": lambda data: probe_host(data["web"], data.get("ingress", {}), data.get("httpRoute", {})),
    "networkPolicy.egressTo": lambda data: {
        name: {"cidr": rule["cidr"], "ports": list(rule.get("ports", []))}
        for name, rule in sorted(data.get("networkPolicy", {}).get("egressTo", {}).items())
    },
    "secretEnv": lambda data: {
        name: _secret_ref(ref) for name, ref in sorted(data.get("secretEnv", {}).items())
    },
    "database.url": lambda data: _secret_ref(data["database"]["url"]),
    "database.migrationUrl": lambda data: (
        _secret_ref(data["database"]["migrationUrl"]) if "migrationUrl" in data["database"] else {}
    ),
    "database.replicas": lambda data: {
        replica["name"]: {
            "secretName": replica["secretName"],
            "key": replica["key"],
            "optional": False,
            "weight": replica["weight"],
        }
        for replica in sorted(data["database"].get("replicas", []), key=lambda r: str(r["name"]))
    },
    "migrations.resources": lambda data: data["migrations"].get("resources", _web_resources(data)),
    "processes": lambda data: {
        name: _process(process, _grace(data), _web_resources(data))
        for name, process in sorted(data.get("processes", {}).items())
    },
    "cronJobs": lambda data: {
        name: _cron_job(job, _web_resources(data)) for name, job in sorted(data.get("cronJobs", {}).items())
    },
}

_ABSENT = object()


def _given(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def _is_name_map(schema: dict[str, Any]) -> bool:
    return isinstance(schema.get("additionalProperties"), dict) and "properties" not in schema


def _value_of(entry: Value, data: dict[str, Any]) -> Any:
    derive = DERIVED.get(entry.path)
    if derive is not None:
        return derive(data)
    assert entry.schema is not None
    default = default_of(entry.path)
    given = _given(data, entry.path) if entry.config is not None else _ABSENT
    if given is _ABSENT:
        return default
    if isinstance(default, dict) and default and isinstance(given, dict):
        return merged(default, given)
    if _is_name_map(entry.schema) and isinstance(given, dict):
        # Maps of names are written sorted, whatever order djhelm.yaml used: same input, same bytes.
        return dict(sorted(given.items()))
    return copy.deepcopy(given)


def build_values(config: Config) -> dict[str, Any]:
    """values.yaml content, in the order it is written (dict order is the file's key order)."""
    root: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {"": root}
    for entry in VALUES:
        parent_path, _, name = entry.path.rpartition(".")
        if entry.schema is None:
            groups[entry.path] = groups[parent_path][name] = {}
        else:
            groups[parent_path][name] = _value_of(entry, config.data)
    return root
