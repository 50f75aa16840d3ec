"""Turn a checked config into the chart's values: every project choice becomes data, never template text.

`build_values` walks the declarations of `values_spec` in order (their order is values.yaml's): a value
djhelm.yaml sets is copied from it, any other takes its declared default, and the few values computed from
other keys (the pull policy, the probes' Host, Secret references, process types) are the `DERIVED`
functions below, typed against djhelm.yaml's generated model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from djhelm.chart.generated import default_of, default_value, values_schema
from djhelm.chart.values_spec import CRON_JOB_KEYS, VALUES, Value
from djhelm.config import Config
from djhelm.config.checks import SERVER_INTERFACES
from djhelm.errors import InternalError
from djhelm.jsonvalue import JSON, JSONObject

if TYPE_CHECKING:
    import jsonschema

    from djhelm.chart.values_model import ChartValues
    from djhelm.config.model import (
        ConfigData,
        ConfigDataCronJobsEntry,
        ConfigDataDefsSecretRef,
        ConfigDataHttpRoute,
        ConfigDataIngress,
        ConfigDataProcessesEntry,
        ConfigDataWeb,
    )


def as_json(value: object, where: str = "value") -> JSON:
    """``value`` as plain JSON data (a copy), or TypeError: what config data may hold is checked, not cast."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(key): as_json(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item, f"{where}[{index}]") for index, item in enumerate(value)]
    raise TypeError(f"{where}: {type(value).__name__} is not JSON data")


def default_pull_policy(tag: str, digest: str | None) -> str:
    """Kubernetes' own default (Always for `latest`, else IfNotPresent), made explicit in values.yaml.

    An image pinned by digest cannot change under its name, so pulling it again would only cost time.
    """
    return "Always" if tag == "latest" and not digest else "IfNotPresent"


def _secret_ref(ref: ConfigDataDefsSecretRef) -> JSONObject:
    return {"secretName": ref["secretName"], "key": ref["key"], "optional": ref.get("optional", False)}


def probe_host(web: ConfigDataWeb, ingress: ConfigDataIngress, route: ConfigDataHttpRoute) -> str:
    """The Host the probes send: the configured one, else a name the site is served under (Django's
    ALLOWED_HOSTS must list it anyway), else none (the kubelet then sends the pod IP)."""
    hostnames = route.get("hostnames") or [""]
    return web.get("probeHost") or ingress.get("host") or hostnames[0]


def merged(defaults: JSONObject, given: JSONObject) -> JSONObject:
    """``defaults`` with ``given`` laid over it, key by key in nested objects (maps of names replace)."""
    result = dict(defaults)
    for key, value in given.items():
        base = result.get(key)
        if isinstance(base, dict) and isinstance(value, dict) and base and set(value) <= set(base):
            result[key] = merged(base, value)
        else:
            result[key] = value
    return result


def _process(process: ConfigDataProcessesEntry, grace: int, resources: JSON) -> JSONObject:
    """One process type's values: Celery's presets, or a command; one pod for beat and singletons."""
    kind = process["kind"]
    single = kind == "celery-beat" or process.get("singleton", False)
    return {
        "kind": kind,
        "app": process.get("app", ""),
        "command": list(process.get("command", [])),
        "replicas": 1 if single else process["replicas"],
        "singleton": single,
        "concurrency": process.get("concurrency", 2),
        "queues": list(process.get("queues", [])),
        "terminationGracePeriodSeconds": process.get("terminationGracePeriodSeconds", grace),
        "probe": as_json(process.get("probe", {})),
        "env": dict(sorted(process.get("env", {}).items())),
        "resources": as_json(process["resources"]) if "resources" in process else resources,
    }


def _cron_job(job: ConfigDataCronJobsEntry, resources: JSON) -> JSONObject:
    """One cron job's values, keys in declaration order whatever order djhelm.yaml used."""
    given = {str(key): as_json(item) for key, item in job.items()}
    given.setdefault("resources", resources)
    return {key: given[key] for key in CRON_JOB_KEYS if key in given}


def web_interface(web: ConfigDataWeb) -> str:
    """What the application object is: fixed by gunicorn (WSGI) and uvicorn (ASGI); for granian, as given,
    else from Django's naming (`proj.asgi:application` is ASGI)."""
    if web["server"] in SERVER_INTERFACES:
        return SERVER_INTERFACES[web["server"]]
    if "interface" in web:
        return web["interface"]
    module = web.get("application", "").partition(":")[0]
    return "asgi" if module.rpartition(".")[2] == "asgi" else "wsgi"


def _grace(data: ConfigData) -> int:
    """terminationGracePeriodSeconds of web pods: preStop + drain + a margin, so the kubelet's SIGKILL never
    lands on a draining server; process types default to it."""
    margin = default_of("web.terminationGraceMarginSeconds")
    assert isinstance(margin, int)
    return data["web"]["preStopSeconds"] + data["web"]["gracefulTimeoutSeconds"] + margin


def _web_resources(data: ConfigData) -> JSON:
    return as_json(data["web"].get("resources", {}))


def _pull_policy(data: ConfigData) -> JSON:
    image = data["image"]
    return image.get("pullPolicy") or default_pull_policy(image["tag"], image.get("digest"))


def _egress_to(data: ConfigData) -> JSON:
    rules = data["networkPolicy"].get("egressTo", {})
    return {
        name: {"cidr": rule["cidr"], "ports": list(rule.get("ports", []))}
        for name, rule in sorted(rules.items())
    }


def _replicas(data: ConfigData) -> JSON:
    replicas = sorted(data["database"].get("replicas", []), key=lambda replica: replica["name"])
    return {
        replica["name"]: {
            "secretName": replica["secretName"],
            "key": replica["key"],
            "optional": False,
            "weight": replica["weight"],
        }
        for replica in replicas
    }


def _migration_url(data: ConfigData) -> JSON:
    database = data["database"]
    return _secret_ref(database["migrationUrl"]) if "migrationUrl" in database else {}


def _migration_resources(data: ConfigData) -> JSON:
    resources = data["migrations"].get("resources")
    return as_json(resources) if resources is not None else _web_resources(data)


DERIVED: dict[str, Callable[[ConfigData], JSON]] = {
    "image.pullPolicy": _pull_policy,
    "web.interface": lambda data: web_interface(data["web"]),
    "web.probeHost": lambda data: probe_host(data["web"], data["ingress"], data["httpRoute"]),
    "networkPolicy.egressTo": _egress_to,
    "secretEnv": lambda data: {
        name: _secret_ref(ref) for name, ref in sorted(data.get("secretEnv", {}).items())
    },
    "database.url": lambda data: _secret_ref(data["database"]["url"]),
    "database.migrationUrl": _migration_url,
    "database.replicas": _replicas,
    "migrations.resources": _migration_resources,
    "processes": lambda data: {
        name: _process(process, _grace(data), _web_resources(data))
        for name, process in sorted(data.get("processes", {}).items())
    },
    "cronJobs": lambda data: {
        name: _cron_job(job, _web_resources(data)) for name, job in sorted(data["cronJobs"].items())
    },
}

_ABSENT = object()


def _given(data: Mapping[str, object], path: str) -> object:
    node: object = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def _is_name_map(schema: Mapping[str, Any]) -> bool:
    return isinstance(schema.get("additionalProperties"), dict) and "properties" not in schema


def _value_of(entry: Value, data: ConfigData) -> JSON:
    derive = DERIVED.get(entry.path)
    if derive is not None:
        return derive(data)
    assert entry.schema is not None
    default = default_value(entry)
    given = _given(data, entry.path) if entry.config is not None else _ABSENT
    if given is _ABSENT:
        return default
    value = as_json(given, entry.path)
    if isinstance(default, dict) and default and isinstance(value, dict):
        return merged(default, value)
    if _is_name_map(entry.schema) and isinstance(value, dict):
        # Maps of names are written sorted, whatever order djhelm.yaml used: same input, same bytes.
        return dict(sorted(value.items()))
    return value


@cache
def _values_validator() -> jsonschema.protocols.Validator:
    import jsonschema

    schema = values_schema()
    validator: jsonschema.protocols.Validator = jsonschema.validators.validator_for(schema)(schema)
    return validator


def build_values(config: Config) -> ChartValues:
    """values.yaml content, in the order it is written (dict order is the file's key order).

    The result is checked against the chart's own values schema, from which `ChartValues` is generated; a
    value the schema refuses is a djhelm bug, reported as one.
    """
    root: JSONObject = {}
    groups: dict[str, JSONObject] = {"": root}
    for entry in VALUES:
        parent_path, _, name = entry.path.rpartition(".")
        if entry.schema is None:
            groups[entry.path] = groups[parent_path][name] = {}
        else:
            groups[parent_path][name] = _value_of(entry, config.data)
    error = next(iter(_values_validator().iter_errors(root)), None)
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path)
        raise InternalError(f"built values break the chart's values schema at {where}: {error.message}")
    return cast("ChartValues", root)
