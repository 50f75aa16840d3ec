"""Turn a checked config into the chart's values: every project choice becomes data, never template text."""

from __future__ import annotations

from typing import Any

from djhelm.chart.values_spec import CRON_JOB_KEYS, section_defaults
from djhelm.config import Config
from djhelm.config.checks import SERVER_INTERFACES

# Seconds added to preStop + graceful timeout so the kubelet's SIGKILL never lands on a draining server.
TERMINATION_MARGIN_SECONDS = 5
# The image of the examples runs as this user; any non-root numeric uid works.
DEFAULT_UID = 10001


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


def build_values(config: Config) -> dict[str, Any]:
    """values.yaml content, in the order it is written (dict order is the file's key order)."""
    data = config.data
    web = data["web"]
    image = data["image"]
    ingress = data.get("ingress", {})
    route = data.get("httpRoute", {})
    policy = data.get("networkPolicy", {})
    database = data["database"]
    migrations = data["migrations"]
    grace = web["preStopSeconds"] + web["gracefulTimeoutSeconds"] + TERMINATION_MARGIN_SECONDS
    return {
        "nameOverride": "",
        "fullnameOverride": "",
        "image": {
            "repository": image["repository"],
            "tag": image["tag"],
            "digest": image.get("digest", ""),
            "pullPolicy": image.get("pullPolicy") or default_pull_policy(image["tag"], image.get("digest")),
            "pullSecrets": list(image.get("pullSecrets", [])),
        },
        "django": {
            "settingsModule": data["django"]["settingsModule"],
            "workingDir": data["django"].get("workingDir", ""),
        },
        "web": {
            "server": web["server"],
            "application": web.get("application", ""),
            "command": list(web.get("command", [])),
            "extraArgs": list(web.get("extraArgs", [])),
            "interface": web_interface(web),
            "port": web["port"],
            "replicas": web["replicas"],
            "workers": web["workers"],
            "gracefulTimeoutSeconds": web["gracefulTimeoutSeconds"],
            "preStopSeconds": web["preStopSeconds"],
            "terminationGraceMarginSeconds": TERMINATION_MARGIN_SECONDS,
            "minReadySeconds": web["minReadySeconds"],
            "progressDeadlineSeconds": 600,
            "readinessPath": web["readinessPath"],
            "livenessPath": web["livenessPath"],
            "startupPath": web.get("startupPath", ""),
            "probeHost": probe_host(web, ingress, route),
            "startupFailureThreshold": 60,
            "resources": web.get("resources", {}),
            "autoscaling": dict(web["autoscaling"]),
            "podAnnotations": {},
        },
        "service": {"type": "ClusterIP", "port": 80},
        "ingress": {
            "enabled": ingress.get("enabled", False),
            "className": ingress.get("className", ""),
            "host": ingress.get("host", ""),
            "path": ingress.get("path", "/"),
            "tlsSecretName": ingress.get("tlsSecretName", ""),
            "annotations": dict(sorted(ingress.get("annotations", {}).items())),
        },
        "networkPolicy": {
            "enabled": policy.get("enabled", False),
            "ingressNamespaces": list(policy.get("ingressNamespaces", [])),
            "restrictEgress": policy.get("restrictEgress", False),
            "egressTo": {
                name: {"cidr": rule["cidr"], "ports": list(rule.get("ports", []))}
                for name, rule in sorted(policy.get("egressTo", {}).items())
            },
        },
        "httpRoute": {
            "enabled": route.get("enabled", False),
            "gatewayName": route.get("gatewayName", ""),
            "gatewayNamespace": route.get("gatewayNamespace", ""),
            "sectionName": route.get("sectionName", ""),
            "hostnames": list(route.get("hostnames", [])),
            "path": route.get("path", "/"),
        },
        "env": dict(sorted(data.get("env", {}).items())),
        "secretEnv": {name: _secret_ref(ref) for name, ref in sorted(data.get("secretEnv", {}).items())},
        "extraEnvFrom": [],
        "fieldEnv": {},
        "database": {
            "url": _secret_ref(database["url"]),
            "migrationUrl": _secret_ref(database["migrationUrl"]) if "migrationUrl" in database else {},
            "replicas": {
                replica["name"]: {
                    "secretName": replica["secretName"],
                    "key": replica["key"],
                    "optional": False,
                    "weight": replica["weight"],
                }
                for replica in sorted(database.get("replicas", []), key=lambda r: str(r["name"]))
            },
        },
        "migrations": {
            "strategy": migrations["strategy"],
            "phases": migrations["phases"],
            "rollbackGuard": migrations["rollbackGuard"],
            "lockTimeout": migrations["lockTimeout"],
            "statementTimeout": migrations["statementTimeout"],
            "activeDeadlineSeconds": migrations["activeDeadlineSeconds"],
            "backoffLimit": migrations["backoffLimit"],
            "waitTimeoutSeconds": migrations["waitTimeoutSeconds"],
            "databaseWaitSeconds": migrations["databaseWaitSeconds"],
            "resources": migrations.get("resources", web.get("resources", {})),
        },
        "processes": {
            name: _process(process, grace, web.get("resources", {}))
            for name, process in sorted(data.get("processes", {}).items())
        },
        "cronJobs": {
            name: _cron_job(job, web.get("resources", {}))
            for name, job in sorted(data.get("cronJobs", {}).items())
        },
        "media": merged(section_defaults("media"), data.get("media", {})),
        "serviceAccount": {"annotations": {}},
        "podSecurityContext": {
            "runAsNonRoot": True,
            "runAsUser": DEFAULT_UID,
            "runAsGroup": DEFAULT_UID,
            "fsGroup": DEFAULT_UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "topologySpread": {"enabled": True, "maxSkew": 1},
        "nodeSelector": {},
        "tolerations": [],
        "extraInitContainers": [],
        "extraContainers": [],
        "extraVolumes": [],
        "extraVolumeMounts": [],
        "affinity": {},
        "priorityClassName": "",
        "podLabels": {},
        "monitoring": merged(section_defaults("monitoring"), data.get("monitoring", {})),
        "tests": {"enabled": True},
    }
