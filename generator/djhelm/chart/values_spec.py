"""Every value of a generated chart and every key of djhelm.yaml, declared once.

Each entry holds a path, a one-line doc, the chart's JSON Schema, whether the chart requires it, its one
default, and (``config=``) whether djhelm.yaml sets it under the same path, with a stricter schema where the
config should refuse what a `helm --set` may still do. `djhelm.chart.generated` turns this table into the
chart's values.schema.json, djhelm.yaml's schema, the comments of values.yaml, the README's parameters,
docs/config-reference.md and the defaults init writes; `build_values` fills values.yaml by walking it. A new
knob is one entry here plus the template line that reads it (and a derivation in `build_values` only when
its value is computed from other keys).

A `group` is an object whose keys are the entries below it (no other key is allowed); a `value` is a leaf
whose schema is given whole (maps of names, Secret references, resources).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from djhelm import envnames

__all__ = ["CONFIG_ONLY", "CRON_JOB_KEYS", "SAME", "VALUES", "Setting", "Value", "group", "value"]


_NO_DEFAULT = object()


@dataclass(frozen=True)
class Setting:
    """The djhelm.yaml key of the same path, which sets the value.

    ``schema`` is what djhelm.yaml accepts when it is stricter than the chart (a port above 1023, a name's
    pattern), since `helm --set` may go where a generated config should not; for a group it adds keywords to
    the object (a condition between its keys). ``required``: djhelm.yaml must set it.
    """

    schema: dict[str, Any] | None = None
    required: bool = False


SAME = Setting()


@dataclass(frozen=True)
class Value:
    path: str
    doc: str
    schema: dict[str, Any] | None  # None: a group, built from the entries under it
    required: bool = False
    # The one default: values.yaml's when djhelm.yaml leaves the key out, djhelm.yaml's schema `default`, and
    # what init writes. Without it, a value djhelm.yaml does not set is empty ("", [], {}).
    default: Any = _NO_DEFAULT
    config: Setting | None = None
    # How `build_values` computes the value from other keys (shown as its default in the config reference);
    # each such value has its function in `djhelm.chart.values.DERIVED`.
    computed: str | None = None

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT


def value(
    path: str,
    doc: str,
    schema: dict[str, Any],
    *,
    required: bool = False,
    default: Any = _NO_DEFAULT,
    config: Setting | None = None,
    computed: str | None = None,
) -> Value:
    return Value(path, doc, schema, required, default, config, computed)


def group(path: str, doc: str, *, required: bool = False, config: Setting | None = None) -> Value:
    return Value(path, doc, None, required, config=config)


def _integer(minimum: int, maximum: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum}
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def _string_map(names: str | None = None, values: Any = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    if names is not None:
        schema["propertyNames"] = {"pattern": names}
    schema["additionalProperties"] = values if values is not None else {"type": "string"}
    return schema


_BOOLEAN = {"type": "boolean"}
_STRING = {"type": "string"}
_NON_EMPTY = {"type": "string", "minLength": 1}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_URL_PATH = {"type": "string", "pattern": "^/"}
_PORT = _integer(1, 65535)
_DNS_LABEL_OR_EMPTY = {"type": "string", "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$", "maxLength": 63}
_POSTGRES_DURATION = {"type": "string", "pattern": "^[0-9]+(us|ms|s|min|h|d)?$"}
_ENV_NAME = "^[A-Za-z_][A-Za-z0-9_]*$"
_SECRET_REF_PROPERTIES = {"secretName": _NON_EMPTY, "key": _NON_EMPTY, "optional": _BOOLEAN}


def _secret_ref(**extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {**_SECRET_REF_PROPERTIES, **extra},
        "additionalProperties": False,
        "required": ["secretName", "key"],
    }


_PROMETHEUS_DURATION = {"type": "string", "pattern": "^(0|([0-9]+(ms|s|m|h|d|w|y))+)$"}
_LABEL_NAME = "^[a-zA-Z_][a-zA-Z0-9_]*$"
_K8S_LABELS = _string_map("^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
# A PromQL label-matcher list (`job="postgres-exporter",cluster=~"eu-.*"`): it lands inside alert expressions.
_MATCHER = r'[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"([^"\\]|\\.)*"'
# No lookarounds: Helm checks values.schema.json with Go's RE2.
_PROMQL_MATCHERS = {"type": "string", "pattern": f"^({_MATCHER}(\\s*,\\s*{_MATCHER})*)?$"}


def _alert(doc: str, for_: str, severity: str, **extra: tuple[str, dict[str, Any], Any]) -> Value:
    """One alert's settings: how long it must hold (`for`), its severity label, and its thresholds."""
    properties: dict[str, Any] = {"for": _PROMETHEUS_DURATION, "severity": _NON_EMPTY}
    default: dict[str, Any] = {"for": for_, "severity": severity}
    for name, (text, schema, value_default) in extra.items():
        properties[name] = {"description": text, **schema}
        default[name] = value_default
    return value(
        f"monitoring.alerts.{doc.split(':', 1)[0]}",
        doc.split(":", 1)[1].strip(),
        {"type": "object", "properties": properties, "additionalProperties": False},
        default=default,
        config=SAME,
    )


_QUANTITIES = {"type": "object", "additionalProperties": {"type": ["string", "integer", "number"]}}
_RESOURCES = {
    "type": "object",
    "properties": {"requests": _QUANTITIES, "limits": _QUANTITIES},
    "additionalProperties": False,
}
_COMMAND = {"type": "array", "items": _NON_EMPTY, "minItems": 1}
_ENV_MAP = _string_map(_ENV_NAME)
# A liveness check of a process that serves no HTTP: a command in the container, or a TCP port it listens on.
_PROCESS_PROBE = {
    "type": "object",
    "properties": {"exec": _COMMAND, "tcpPort": _PORT},
    "additionalProperties": False,
    "maxProperties": 1,
}
_PROCESS = {
    "type": "object",
    "properties": {
        "kind": {"enum": ["celery-worker", "celery-beat", "command"]},
        "app": _STRING,
        "command": {"type": "array", "items": _NON_EMPTY},
        "replicas": _integer(0),
        "singleton": _BOOLEAN,
        "concurrency": _integer(1),
        "queues": _STRINGS,
        "terminationGracePeriodSeconds": _integer(1),
        "probe": _PROCESS_PROBE,
        "env": _ENV_MAP,
        "resources": _RESOURCES,
    },
    "additionalProperties": False,
    "required": ["kind"],
}

# Kubernetes' CronJob schedule: five fields, or one of the @ macros (no TZ= prefix: use timeZone).
_CRON_SCHEDULE = {
    "type": "string",
    "pattern": "^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)"
    "|[0-9A-Za-z*/,?-]+( [0-9A-Za-z*/,?-]+){4})$",
}


def _described(text: str, schema: dict[str, Any], default: Any = _NO_DEFAULT) -> dict[str, Any]:
    node = {"description": text, **schema}
    if default is not _NO_DEFAULT:
        node["default"] = default
    return node


_CRON_JOB: dict[str, Any] = {
    "type": "object",
    "properties": {
        "schedule": _described(
            "When it runs: five cron fields (`30 3 * * *`) or `@daily`, `@hourly`, ...", _CRON_SCHEDULE
        ),
        "command": _described("The command, exec form: `[python, manage.py, clearsessions]`.", _COMMAND),
        "timeZone": _described(
            "IANA time zone of the schedule (`Europe/Berlin`); empty: the controller's (usually UTC).",
            {"type": "string", "pattern": "^([A-Za-z_]+(/[A-Za-z0-9_+-]+)*)?$"},
            "",
        ),
        "concurrencyPolicy": _described(
            "`Forbid` skips a run while the previous one still runs (two housekeeping runs would race), "
            "`Replace` stops the old one, `Allow` runs both.",
            {"enum": ["Forbid", "Replace", "Allow"]},
            "Forbid",
        ),
        "suspend": _described("Stop scheduling new runs (running ones finish).", _BOOLEAN, False),
        "startingDeadlineSeconds": _described(
            "A run that could not start this long after its time is skipped, not started late.",
            _integer(10),
            300,
        ),
        "activeDeadlineSeconds": _described(
            "A run still going after this long is stopped and failed.", _integer(1), 3600
        ),
        "backoffLimit": _described(
            "Retries of a failed run; 0: wait for the next schedule (a half-done command may not be safe "
            "to repeat at once).",
            _integer(0, 10),
            0,
        ),
        "successfulJobsHistoryLimit": _described(
            "Finished runs kept (with their logs).", _integer(0, 100), 3
        ),
        "failedJobsHistoryLimit": _described("Failed runs kept (with their logs).", _integer(0, 100), 3),
        "env": _described("Env of this job only, over the chart's env.", _ENV_MAP, {}),
        "resources": _described("Container resources; default: web.resources.", _RESOURCES),
    },
    "additionalProperties": False,
    "required": ["schedule", "command"],
}
CRON_JOB_KEYS = tuple(_CRON_JOB["properties"])
# `module:attribute`, optionally called (`proj.app:create_app()`): a WSGI/ASGI application or a Celery app.
_DOTTED = "[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*"
_PYTHON_OBJECT = f"^{_DOTTED}:{_DOTTED}(\\(\\))?$"
_PROCESS_NAME = "^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$"


VALUES: tuple[Value, ...] = (
    value("nameOverride", "Replaces the chart name in object names.", _DNS_LABEL_OR_EMPTY),
    value(
        "fullnameOverride", "Replaces the full `<release>-<chart>` object name prefix.", _DNS_LABEL_OR_EMPTY
    ),
    group(
        "image",
        "The Django image; every process (web, workers, migrations, tests) runs it.",
        required=True,
        config=Setting(required=True),
    ),
    value(
        "image.repository",
        "Image repository.",
        _NON_EMPTY,
        required=True,
        config=Setting(
            {
                "type": "string",
                "pattern": "^[a-z0-9]+([._-]+[a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$",
                "maxLength": 255,
            },
            required=True,
        ),
    ),
    value(
        "image.tag",
        "Image tag (also the chart's appVersion).",
        {"type": ["string", "number"]},
        required=True,
        config=Setting({"type": "string", "pattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"}, required=True),
    ),
    value(
        "image.digest",
        "Image digest (`sha256:...`); when set, containers run `repository:tag@digest`.",
        {"type": "string", "pattern": "^(sha256:[a-f0-9]{64})?$"},
        config=Setting({"type": "string", "pattern": "^sha256:[a-f0-9]{64}$"}),
    ),
    value(
        "image.pullPolicy",
        "Image pull policy.",
        {"enum": ["Always", "IfNotPresent", "Never"]},
        config=SAME,
        computed=(
            "as given, else Kubernetes' default written out: Always for a `latest` tag without a digest, "
            "else IfNotPresent"
        ),
    ),
    value(
        "image.pullSecrets",
        "Names of existing image pull Secrets.",
        _STRINGS,
        config=Setting(
            {
                "type": "array",
                "items": {
                    "type": "string",
                    "description": "Name of an image pull Secret.",
                    "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
                },
                "uniqueItems": True,
            }
        ),
    ),
    group("django", "Django settings.", required=True, config=Setting(required=True)),
    value(
        "django.settingsModule",
        "DJANGO_SETTINGS_MODULE for every container.",
        _NON_EMPTY,
        required=True,
        config=Setting(
            {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$"},
            required=True,
        ),
    ),
    value(
        "django.workingDir",
        "Folder with manage.py inside the image; empty keeps the image's WORKDIR.",
        _STRING,
        config=Setting({"type": "string", "pattern": "^(/[-._A-Za-z0-9]+)*/?$"}),
    ),
    group(
        "web",
        "The web Deployment (container `web`, port `http`).",
        required=True,
        config=Setting(
            {
                "allOf": [
                    {
                        "if": {"properties": {"server": {"const": "command"}}, "required": ["server"]},
                        "then": {"required": ["command"]},
                        "else": {"required": ["application"]},
                    }
                ]
            },
            required=True,
        ),
    ),
    value(
        "web.server",
        "`gunicorn` (WSGI), `uvicorn` (ASGI), `granian` (either, by `web.interface`) or `command` (yours, "
        "`web.command`).",
        {"enum": ["gunicorn", "uvicorn", "granian", "command"]},
        required=True,
        default="gunicorn",
        config=SAME,
    ),
    value(
        "web.application",
        "WSGI/ASGI application as `module:attribute`; empty only with `web.server: command`.",
        _STRING,
        required=True,
        config=Setting(
            {
                "type": "string",
                "pattern": _PYTHON_OBJECT,
            }
        ),
    ),
    value(
        "web.command",
        "With `web.server: command`: the server's command, exec form. It must listen on `web.port` and "
        "finish in-flight requests within `web.gracefulTimeoutSeconds` after SIGTERM.",
        _STRINGS,
        config=Setting({"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}),
    ),
    value(
        "web.extraArgs",
        "Arguments appended to the server's command (`--max-requests`, ...).",
        _STRINGS,
        config=SAME,
    ),
    value(
        "web.interface",
        "`wsgi` or `asgi`: what `web.application` is (granian's `--interface`; gunicorn serves WSGI, "
        "uvicorn ASGI).",
        {"enum": ["wsgi", "asgi"]},
        required=True,
        config=SAME,
        computed=(
            "fixed by gunicorn (wsgi) and uvicorn (asgi); for granian, asgi when the application's module is "
            "named asgi, else wsgi"
        ),
    ),
    value(
        "web.port",
        "Port the server listens on inside the pod.",
        _PORT,
        required=True,
        default=8000,
        config=Setting({"type": "integer", "minimum": 1024, "maximum": 65535}),
    ),
    value(
        "web.replicas",
        "Web pods when autoscaling is off; more than 1 also creates a PodDisruptionBudget.",
        _integer(0),
        required=True,
        default=2,
        config=Setting({"type": "integer", "minimum": 1, "maximum": 1000}),
    ),
    value(
        "web.workers",
        "Server worker processes per pod.",
        _integer(1),
        default=2,
        config=Setting({"type": "integer", "minimum": 1, "maximum": 64}),
    ),
    value(
        "web.gracefulTimeoutSeconds",
        "Drain time after SIGTERM; passed to gunicorn `--graceful-timeout`, uvicorn "
        "`--timeout-graceful-shutdown` or granian `--workers-kill-timeout`.",
        _integer(1),
        required=True,
        default=25,
        config=Setting({"type": "integer", "minimum": 1, "maximum": 600}),
    ),
    value(
        "web.preStopSeconds",
        "Sleep before SIGTERM while endpoints and load balancers drop the pod.",
        _integer(1),
        required=True,
        default=10,
        config=Setting({"type": "integer", "minimum": 1, "maximum": 120}),
    ),
    value(
        "web.terminationGraceMarginSeconds",
        "Added to preStop + graceful timeout to form terminationGracePeriodSeconds.",
        _integer(0),
        default=5,
    ),
    value(
        "web.minReadySeconds",
        "A new pod must stay ready this long before the rollout continues.",
        _integer(0),
        default=5,
        config=Setting({"type": "integer", "minimum": 0, "maximum": 300}),
    ),
    value(
        "web.progressDeadlineSeconds",
        "A rollout making no progress this long is reported as failed.",
        _integer(1),
        default=600,
    ),
    value(
        "web.readinessPath",
        "Readiness endpoint; may check the database.",
        _URL_PATH,
        required=True,
        default="/healthz/ready",
        config=Setting({"type": "string", "pattern": "^/[!-~]*$"}),
    ),
    value(
        "web.livenessPath",
        "Liveness endpoint; must not touch the database.",
        _URL_PATH,
        required=True,
        default="/healthz/live",
        config=Setting({"type": "string", "pattern": "^/[!-~]*$"}),
    ),
    value(
        "web.startupPath",
        "Startup probe endpoint; empty uses livenessPath.",
        {"type": "string", "pattern": "^(/.*)?$"},
        config=Setting({"type": "string", "pattern": "^/[!-~]*$"}),
    ),
    value(
        "web.probeHost",
        "Host header of the HTTP probes and the helm test (a name in ALLOWED_HOSTS); empty: the kubelet's "
        "default, the pod IP, which Django refuses unless the project answers probes before its host check.",
        {"type": "string", "pattern": "^([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]{1,5})?)?$"},
        config=Setting(
            {
                "type": "string",
                "pattern": "^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]{1,5})?$",
                "maxLength": 253,
            }
        ),
        computed="ingress.host, else the first httpRoute.hostnames entry, else empty",
    ),
    value(
        "web.startupFailureThreshold",
        "Startup probe attempts (every 2 s) before the pod is restarted.",
        _integer(1),
        default=60,
    ),
    value(
        "web.resources",
        "Container resources of web pods (also of their wait-for-migrations init containers).",
        _RESOURCES,
        config=Setting({"$ref": "#/$defs/resources"}),
    ),
    group("web.autoscaling", "HorizontalPodAutoscaler (autoscaling/v2) on CPU.", config=SAME),
    value(
        "web.autoscaling.enabled",
        "Create the HPA (the Deployment then leaves replicas to it).",
        _BOOLEAN,
        required=True,
        default=False,
        config=SAME,
    ),
    value(
        "web.autoscaling.minReplicas",
        "HPA minimum replicas.",
        _integer(1),
        default=2,
        config=Setting({"type": "integer", "minimum": 1, "maximum": 1000}),
    ),
    value(
        "web.autoscaling.maxReplicas",
        "HPA maximum replicas.",
        _integer(1),
        default=6,
        config=Setting({"type": "integer", "minimum": 1, "maximum": 1000}),
    ),
    value(
        "web.autoscaling.targetCPUUtilizationPercentage",
        "HPA CPU utilisation target.",
        _integer(1, 100),
        default=70,
        config=SAME,
    ),
    value("web.podAnnotations", "Extra annotations on web pods.", _string_map()),
    group("service", "The web Service.", required=True),
    value(
        "service.type",
        "Service type.",
        {"enum": ["ClusterIP", "NodePort", "LoadBalancer"]},
        required=True,
        default="ClusterIP",
    ),
    value(
        "service.port",
        "Service port (targets the container port named `http`).",
        _PORT,
        required=True,
        default=80,
    ),
    group("ingress", "Optional Ingress (networking.k8s.io/v1).", config=SAME),
    value("ingress.enabled", "Create the Ingress.", _BOOLEAN, required=True, default=False, config=SAME),
    value(
        "ingress.className",
        "IngressClass name.",
        _STRING,
        config=Setting(
            {
                "type": "string",
                "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
            }
        ),
    ),
    value(
        "ingress.host",
        "Host name served.",
        _STRING,
        config=Setting(
            {
                "type": "string",
                "pattern": "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
                "maxLength": 253,
            }
        ),
    ),
    value(
        "ingress.path",
        "Path prefix routed to the web Service.",
        _URL_PATH,
        default="/",
        config=Setting({"type": "string", "pattern": "^/[!-~]*$"}),
    ),
    value(
        "ingress.tlsSecretName",
        "Existing TLS Secret; empty serves plain HTTP.",
        _STRING,
        config=Setting(
            {
                "type": "string",
                "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
            }
        ),
    ),
    value(
        "ingress.annotations",
        "Annotations for the ingress controller.",
        _string_map(),
        config=Setting(
            {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "propertyNames": {
                    "pattern": "^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
                },
            }
        ),
    ),
    group(
        "networkPolicy",
        "Optional NetworkPolicy (networking.k8s.io/v1) over every pod of the release.",
        config=SAME,
    ),
    value(
        "networkPolicy.enabled",
        "Create the NetworkPolicy.",
        _BOOLEAN,
        required=True,
        default=False,
        config=SAME,
    ),
    value(
        "networkPolicy.ingressNamespaces",
        "Namespaces (kubernetes.io/metadata.name) whose pods may reach the web port; the release's own pods "
        "always reach each other.",
        _STRINGS,
        config=Setting(
            {
                "type": "array",
                "items": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63},
            }
        ),
    ),
    value(
        "networkPolicy.restrictEgress",
        "Limit outgoing traffic to DNS (kube-dns in kube-system), the release's pods and egressTo.",
        _BOOLEAN,
        default=False,
        config=SAME,
    ),
    value(
        "networkPolicy.egressTo",
        "Allowed destinations when egress is restricted, by name: `{cidr, ports}` (TCP; no ports = all).",
        _string_map(
            "^[a-z][a-z0-9-]*$",
            {
                "type": "object",
                "properties": {"cidr": _NON_EMPTY, "ports": {"type": "array", "items": _PORT}},
                "additionalProperties": False,
                "required": ["cidr", "ports"],
            },
        ),
        config=Setting(
            {
                "type": "object",
                "propertyNames": {"pattern": "^[a-z][a-z0-9-]*$"},
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["cidr"],
                    "properties": {
                        "cidr": {
                            "type": "string",
                            "description": "IPv4 or IPv6 CIDR block, e.g. 10.0.12.0/24.",
                            "pattern": "^([0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}|[0-9A-Fa-f:]+/[0-9]{1,3})$",
                        },
                        "ports": {
                            "type": "array",
                            "description": "TCP ports; empty allows every port.",
                            "items": {"type": "integer", "minimum": 1, "maximum": 65535},
                        },
                    },
                },
            }
        ),
        computed="as given, sorted by name, `ports` filled in",
    ),
    group("httpRoute", "Optional Gateway API HTTPRoute (gateway.networking.k8s.io/v1).", config=SAME),
    value("httpRoute.enabled", "Create the HTTPRoute.", _BOOLEAN, required=True, default=False, config=SAME),
    value(
        "httpRoute.gatewayName",
        "Parent Gateway name.",
        _STRING,
        config=Setting(
            {
                "type": "string",
                "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
            }
        ),
    ),
    value(
        "httpRoute.gatewayNamespace",
        "Parent Gateway namespace; empty = the release namespace.",
        _STRING,
        config=Setting({"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"}),
    ),
    value(
        "httpRoute.sectionName",
        "Listener on the Gateway; empty = all listeners.",
        _STRING,
        config=Setting(
            {
                "type": "string",
                "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
            }
        ),
    ),
    value(
        "httpRoute.hostnames",
        "Host names routed to the web Service.",
        _STRINGS,
        config=Setting(
            {
                "type": "array",
                "items": {
                    "type": "string",
                    "description": "Host name.",
                    "pattern": "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
                    "maxLength": 253,
                },
                "uniqueItems": True,
            }
        ),
    ),
    value(
        "httpRoute.path",
        "Path prefix routed to the web Service.",
        _URL_PATH,
        default="/",
        config=Setting({"type": "string", "pattern": "^/[!-~]*$"}),
    ),
    value(
        "env",
        "Non-secret environment variables (stored in a ConfigMap).",
        _string_map(_ENV_NAME, {"type": ["string", "number", "boolean"]}),
        config=Setting(
            {
                "type": "object",
                "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                "additionalProperties": {"type": "string"},
            }
        ),
    ),
    value(
        "secretEnv",
        "Environment variables read from existing Secrets: `NAME: {secretName, key}`. Never values.",
        _string_map(_ENV_NAME, _secret_ref()),
        config=Setting(
            {
                "type": "object",
                "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                "additionalProperties": {"$ref": "#/$defs/secretRef"},
            }
        ),
        computed="as given, sorted, `optional: false` filled in",
    ),
    value(
        "extraEnvFrom",
        "Existing ConfigMaps and Secrets whose keys become environment variables of every app container: "
        "`{configMapRef: {name}}` or `{secretRef: {name}}` (optional: true when it may be missing); the "
        "chart's own variables win.",
        {
            "type": "array",
            "items": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "properties": {
                    kind: {
                        "type": "object",
                        "properties": {"name": _NON_EMPTY, "optional": _BOOLEAN},
                        "required": ["name"],
                        "additionalProperties": False,
                    }
                    for kind in ("configMapRef", "secretRef")
                },
                "additionalProperties": False,
            },
        },
    ),
    value(
        "fieldEnv",
        "Pod facts as environment variables (Downward API), `NAME: fieldPath`, e.g. `POD_IP: status.podIP`.",
        _string_map(
            _ENV_NAME,
            {
                "type": "string",
                "pattern": r"^(metadata\.(name|namespace|uid)|spec\.(nodeName|serviceAccountName)|"
                r"status\.(hostIP|hostIPs|podIP|podIPs)|metadata\.(labels|annotations)\['[^']+'\])$",
            },
        ),
    ),
    group(
        "database",
        "Database connections, all by Secret reference.",
        required=True,
        config=Setting(required=True),
    ),
    value(
        "database.url",
        "Secret key with the primary's URL: DATABASE_URL in every Django container.",
        _secret_ref(),
        required=True,
        config=Setting({"$ref": "#/$defs/secretRef"}, required=True),
        computed="as given, `optional: false` filled in",
    ),
    value(
        "database.migrationUrl",
        "Secret key with a direct-to-primary URL for migrations (DATABASE_URL and DATABASE_MIGRATION_URL in "
        "migration containers); empty uses database.url.",
        {"oneOf": [{"type": "object", "maxProperties": 0}, _secret_ref()]},
        config=Setting({"$ref": "#/$defs/secretRef"}),
        computed="as given, else empty (migrations use database.url)",
    ),
    value(
        "database.replicas",
        "Read replicas, `name: {secretName, key, weight}`: web and worker pods get "
        "DATABASE_REPLICA_URL_<NAME>, DATABASE_REPLICA_URLS and DATABASE_REPLICA_WEIGHTS.",
        _string_map("^[a-z][a-z0-9_]*$", _secret_ref(weight=_integer(0))),
        config=Setting(
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "name": {
                            "type": "string",
                            "description": "Replica alias (lowercase letters, digits, underscores).",
                            "pattern": "^[a-z][a-z0-9_]{0,30}$",
                        },
                        "secretName": {
                            "type": "string",
                            "description": "Existing Secret holding the replica URL.",
                            "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
                            "maxLength": 253,
                        },
                        "key": {
                            "type": "string",
                            "description": "Key inside that Secret.",
                            "pattern": "^[-._a-zA-Z0-9]+$",
                            "maxLength": 253,
                        },
                        "weight": {
                            "type": "integer",
                            "description": "Share of reads.",
                            "minimum": 0,
                            "maximum": 1000,
                            "default": 1,
                        },
                    },
                    "required": ["name", "secretName", "key"],
                },
            }
        ),
        computed="djhelm.yaml's list, as a map by name",
    ),
    group("migrations", "How and when `manage.py migrate` runs.", required=True, config=SAME),
    value(
        "migrations.strategy",
        "`hook` (Helm hooks), `job` (plain Job with a content-hash name), `argocd` (PreSync/PostSync hooks) "
        "or `none` (you migrate; pods wait).",
        {"enum": ["hook", "job", "argocd", "none"]},
        required=True,
        default="hook",
        config=SAME,
    ),
    value(
        "migrations.phases",
        "Expand/contract: `migrate_phase pre` before the rollout, `migrate_phase post` after it.",
        _BOOLEAN,
        required=True,
        default=False,
        config=SAME,
    ),
    value(
        "migrations.rollbackGuard",
        "With phases and the hook or job strategy: a pre-rollback Job in which the target release's code "
        "runs `migrate_phase rollback-check` and stops the rollback when a contract migration it does not "
        "know was applied.",
        _BOOLEAN,
        required=True,
        default=True,
        config=SAME,
    ),
    value(
        "migrations.lockTimeout",
        "PostgreSQL lock_timeout for migrations (PGOPTIONS, DJHELM_LOCK_TIMEOUT).",
        _POSTGRES_DURATION,
        required=True,
        default=envnames.default_of(envnames.LOCK_TIMEOUT),
        config=SAME,
    ),
    value(
        "migrations.statementTimeout",
        "PostgreSQL statement_timeout for migrations (PGOPTIONS, DJHELM_STATEMENT_TIMEOUT).",
        _POSTGRES_DURATION,
        required=True,
        default=envnames.default_of(envnames.STATEMENT_TIMEOUT),
        config=SAME,
    ),
    value(
        "migrations.activeDeadlineSeconds",
        "Hard limit for one migration Job; keep below `helm --timeout`.",
        _integer(1),
        required=True,
        default=540,
        config=Setting({"type": "integer", "minimum": 30, "maximum": 3600}),
    ),
    value(
        "migrations.backoffLimit",
        "Retries of a failed migration pod.",
        _integer(0),
        required=True,
        default=1,
        config=Setting({"type": "integer", "minimum": 0, "maximum": 10}),
    ),
    value(
        "migrations.waitTimeoutSeconds",
        "How long `wait-for-migrations` init containers wait (job and none strategies).",
        _integer(1),
        required=True,
        default=600,
        config=Setting({"type": "integer", "minimum": 10, "maximum": 7200}),
    ),
    value(
        "migrations.databaseWaitSeconds",
        "How long a migration Job waits for the database to accept connections.",
        _integer(0),
        required=True,
        default=120,
        config=Setting({"type": "integer", "minimum": 0, "maximum": 3600}),
    ),
    value(
        "migrations.resources",
        "Container resources of the migration Jobs (a data migration may need more memory than a web "
        "worker); djhelm.yaml's default is web.resources.",
        _RESOURCES,
        config=Setting({"$ref": "#/$defs/resources"}),
        computed="web.resources",
    ),
    value(
        "processes",
        "Extra process types: Celery workers (rolling), beat (one pod, Recreate), or any command (a queue "
        "worker, a management-command loop; `singleton` for one that must never run twice).",
        _string_map(_PROCESS_NAME, _PROCESS),
        config=Setting(
            {
                "type": "object",
                "propertyNames": {
                    "pattern": "^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$",
                    "not": {"enum": ["web", "migrations", "test"]},
                },
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "kind": {
                            "enum": ["celery-worker", "celery-beat", "command"],
                            "description": (
                                "celery-worker and celery-beat run `celery --app <app> worker|beat`; command "
                                "runs `command` as given."
                            ),
                        },
                        "app": {
                            "type": "string",
                            "description": "Celery app, module:attribute (celery kinds only).",
                            "pattern": _PYTHON_OBJECT,
                        },
                        "command": {
                            "type": "array",
                            "items": {"type": "string", "minLength": 1},
                            "minItems": 1,
                            "description": (
                                "kind: command only: the process's command in exec form (no shell), e.g. "
                                "[python, manage.py, rqworker, default]. It gets SIGTERM and "
                                "terminationGracePeriodSeconds to finish its work."
                            ),
                        },
                        "replicas": {
                            "type": "integer",
                            "description": "Worker replicas (beat is always 1).",
                            "minimum": 1,
                            "maximum": 1000,
                            "default": 1,
                        },
                        "singleton": {
                            "type": "boolean",
                            "description": (
                                "kind: command only: exactly one pod, the old one stopped before the new one "
                                "starts (Recreate), for a scheduler or a mailbox poller that must never run "
                                "twice."
                            ),
                        },
                        "concurrency": {
                            "type": "integer",
                            "description": "Celery worker concurrency.",
                            "minimum": 1,
                            "maximum": 256,
                        },
                        "queues": {
                            "type": "array",
                            "items": {
                                "type": "string",
                                "description": "Queue name.",
                                "pattern": "^[A-Za-z0-9_.-]+$",
                            },
                            "uniqueItems": True,
                        },
                        "resources": {"$ref": "#/$defs/resources"},
                        "terminationGracePeriodSeconds": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 3600,
                            "description": (
                                "Seconds between SIGTERM and SIGKILL; default: the web pods' grace period."
                            ),
                        },
                        "probe": {
                            "type": "object",
                            "additionalProperties": False,
                            "maxProperties": 1,
                            "description": (
                                "kind: command only: a liveness check, {exec: [command...]} or {tcpPort: N}; "
                                "none by default (a process that hangs is not restarted)."
                            ),
                            "properties": {
                                "exec": {
                                    "type": "array",
                                    "items": {"type": "string", "minLength": 1},
                                    "minItems": 1,
                                },
                                "tcpPort": {"type": "integer", "minimum": 1, "maximum": 65535},
                            },
                        },
                        "env": {
                            "type": "object",
                            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                            "additionalProperties": {"type": "string"},
                            "description": (
                                "Env of this process only, over the top-level env (non-secret values; "
                                "secrets go in secretEnv)."
                            ),
                        },
                    },
                    "required": ["kind"],
                    "allOf": [
                        {
                            "if": {"properties": {"kind": {"const": "command"}}},
                            "then": {"required": ["command"]},
                            "else": {"required": ["app"]},
                        }
                    ],
                },
            }
        ),
        computed=(
            "as given; resources default to web.resources, terminationGracePeriodSeconds to the web pods' "
            "grace; celery-beat and singletons run one pod"
        ),
    ),
    value(
        "cronJobs",
        "Scheduled jobs (housekeeping management commands), each a CronJob running the app image.",
        {
            "type": "object",
            "propertyNames": {"pattern": _PROCESS_NAME, "not": {"enum": ["web", "migrations", "test"]}},
            "additionalProperties": _CRON_JOB,
        },
        default={},
        config=SAME,
        computed="as given; resources default to web.resources",
    ),
    group("media", "A volume for user uploads (MEDIA_ROOT) in web, process and cron pods.", config=SAME),
    value("media.enabled", "Mount the media volume.", _BOOLEAN, required=True, default=False, config=SAME),
    value(
        "media.mountPath",
        "Where it is mounted: your MEDIA_ROOT.",
        _URL_PATH,
        required=True,
        default="/app/media",
        config=SAME,
    ),
    value(
        "media.existingClaim",
        "An existing PersistentVolumeClaim to mount; empty: the chart creates one (kept on uninstall).",
        {"type": "string", "pattern": "^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$"},
        default="",
        config=SAME,
    ),
    value(
        "media.size",
        "Size of the claim the chart creates.",
        {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?([EPTGMK]i?)?$"},
        default="10Gi",
        config=SAME,
    ),
    value(
        "media.storageClassName",
        "StorageClass of the claim the chart creates; empty: the cluster's default.",
        {"type": "string", "pattern": "^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$"},
        default="",
        config=SAME,
    ),
    value(
        "media.accessModes",
        "Access modes of the claim the chart creates. `ReadWriteMany` lets pods on different nodes (a "
        "rolling update's surge pod, workers) mount it at once; with `ReadWriteOnce` a new pod on another "
        "node cannot start and the rollout stalls.",
        {
            "type": "array",
            "items": {"enum": ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]},
            "minItems": 1,
            "uniqueItems": True,
        },
        default=["ReadWriteMany"],
        config=SAME,
    ),
    group("serviceAccount", "The ServiceAccount of app pods (no API token is mounted)."),
    value("serviceAccount.annotations", "Annotations, e.g. for cloud workload identity.", _string_map()),
    value(
        "podSecurityContext",
        "Pod security context of every pod.",
        {"type": "object"},
        default={
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10001,
            "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    ),
    value(
        "securityContext",
        "Container security context of every container.",
        {"type": "object"},
        default={
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    ),
    group("topologySpread", "Spread pods over zones and nodes (ScheduleAnyway: never blocks scheduling)."),
    value("topologySpread.enabled", "Add topologySpreadConstraints.", _BOOLEAN, required=True, default=True),
    value("topologySpread.maxSkew", "Allowed imbalance between zones/nodes.", _integer(1), default=1),
    value("nodeSelector", "Node selector for every pod.", _string_map()),
    value("tolerations", "Tolerations for every pod.", {"type": "array", "items": {"type": "object"}}),
    value(
        "extraInitContainers",
        "Init containers run first in every app pod and migration Job; a database proxy belongs here as a "
        "native sidecar (`restartPolicy: Always`, Kubernetes >= 1.29), so it runs before the database waits "
        "and does not keep a Job from finishing.",
        {"type": "array", "items": {"type": "object", "required": ["name", "image"]}},
    ),
    value(
        "extraContainers",
        "Sidecar containers of web and worker pods (not of migration Jobs, which they would never let end).",
        {"type": "array", "items": {"type": "object", "required": ["name", "image"]}},
    ),
    value(
        "extraVolumes",
        "Volumes of every app pod (media on an existing PersistentVolumeClaim, files from a ConfigMap or "
        "Secret, an emptyDir); the root filesystem stays read-only. `tmp`, `metrics` and `media` are the "
        "chart's.",
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {
                        "type": "string",
                        "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
                        "not": {"enum": ["tmp", "metrics", "media"]},
                    }
                },
                "required": ["name"],
            },
        },
    ),
    value(
        "extraVolumeMounts",
        "Where every container that runs the app's code mounts extraVolumes: `{name, mountPath, readOnly, "
        "subPath}`.",
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": _NON_EMPTY,
                    "mountPath": {"type": "string", "pattern": "^/"},
                    "readOnly": _BOOLEAN,
                    "subPath": _STRING,
                },
                "required": ["name", "mountPath"],
                "additionalProperties": False,
            },
        },
    ),
    value("affinity", "Affinity (node, pod, anti-affinity) of every pod.", {"type": "object"}),
    value(
        "priorityClassName",
        "PriorityClass of every pod; empty: the cluster's default.",
        {"type": "string", "pattern": "^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$", "maxLength": 253},
    ),
    value(
        "podLabels",
        "Extra labels on every pod (cost centre, mesh injection); the chart's own labels cannot be replaced.",
        {
            "type": "object",
            "propertyNames": {
                "pattern": _K8S_LABELS["propertyNames"]["pattern"],
                "not": {
                    "enum": [
                        "app.kubernetes.io/name",
                        "app.kubernetes.io/instance",
                        "app.kubernetes.io/component",
                    ]
                },
            },
            "additionalProperties": {"type": "string", "maxLength": 63},
        },
    ),
    group(
        "monitoring",
        "Prometheus monitoring (prometheus-operator CRDs): a metrics container in web pods, a PodMonitor, "
        "alert rules and an optional Grafana dashboard.",
        config=SAME,
    ),
    value(
        "monitoring.enabled",
        "Add the metrics container (`manage.py djhelm_metrics`, needs djhelm[metrics] or django-prometheus "
        "in the image), the PodMonitor and the PrometheusRule.",
        _BOOLEAN,
        required=True,
        default=False,
        config=SAME,
    ),
    value(
        "monitoring.port",
        "Metrics port of web pods (named `metrics`; no Service publishes it).",
        _PORT,
        default=9808,
        config=SAME,
    ),
    value(
        "monitoring.scrapeInterval",
        "How often Prometheus scrapes each web pod.",
        _PROMETHEUS_DURATION,
        default="30s",
        config=SAME,
    ),
    value(
        "monitoring.labels",
        "Labels on the PodMonitor and PrometheusRule, for the Prometheus that selects them (kube-prometheus-"
        "stack: `release: <its release name>`).",
        _K8S_LABELS,
        default={},
        config=SAME,
    ),
    value(
        "monitoring.alertLabels",
        "Labels added to every alert, for routing (team, service); each alert sets its own `severity`.",
        {
            "type": "object",
            "propertyNames": {"pattern": _LABEL_NAME, "not": {"const": "severity"}},
            "additionalProperties": _STRING,
        },
        default={},
        config=SAME,
    ),
    value(
        "monitoring.resources",
        "Resources of the metrics container.",
        _RESOURCES,
        default={"requests": {"cpu": "10m", "memory": "96Mi"}, "limits": {"memory": "192Mi"}},
        config=SAME,
    ),
    group(
        "monitoring.alerts",
        "Alert settings: `for` (how long the condition must hold), `severity`, thresholds.",
        config=SAME,
    ),
    _alert("migrationJobFailed: A migration Job (or the rollback check) failed.", "1m", "critical"),
    _alert(
        "migrationJobDeadlineExceeded: A migration Job was stopped at activeDeadlineSeconds.",
        "0m",
        "critical",
    ),
    _alert("rolloutStuck: A Deployment's rollout passed progressDeadlineSeconds.", "5m", "critical"),
    _alert(
        "replicasMismatch: Fewer (or more) pods available than desired, with no rollout progress.",
        "15m",
        "warning",
    ),
    _alert("contractPending: Contract (post) migrations still pending (phases only).", "1h", "warning"),
    _alert("oldCodeRunning: More than one code version has live processes.", "30m", "warning"),
    _alert(
        "errorsAfterDeploy: The 5xx ratio is above `ratio` while the newest code is younger than "
        "`windowSeconds`.",
        "5m",
        "critical",
        ratio=(
            "Share of responses that are 5xx.",
            {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            0.05,
        ),
        windowSeconds=("How long after a deploy the alert watches.", _integer(60), 3600),
    ),
    _alert(
        "unappliedMigrations: Running pods' code needs migrations that are not applied.", "10m", "critical"
    ),
    _alert(
        "lockWaits: Sessions waiting on locks while a migration Job runs (postgres_exporter).",
        "1m",
        "warning",
        sessions=("More waiting sessions than this fire the alert.", _integer(0), 5),
    ),
    _alert(
        "replicaLag: A replica lags behind the primary (postgres_exporter).",
        "2m",
        "warning",
        seconds=("Lag in seconds that fires the alert.", _integer(1), 30),
    ),
    group(
        "monitoring.postgresExporter", "Alerts on postgres_exporter's metrics, when you run it.", config=SAME
    ),
    value(
        "monitoring.postgresExporter.enabled",
        "Add the lock-wait and replica-lag alerts.",
        _BOOLEAN,
        required=True,
        default=False,
        config=SAME,
    ),
    value(
        "monitoring.postgresExporter.selector",
        "PromQL label matchers for this database's postgres_exporter series, e.g. "
        '`job="postgres-exporter"`.',
        _PROMQL_MATCHERS,
        default="",
        config=SAME,
    ),
    group(
        "monitoring.grafanaDashboard",
        "A Grafana dashboard in a ConfigMap, for Grafana's dashboard sidecar.",
        config=SAME,
    ),
    value(
        "monitoring.grafanaDashboard.enabled",
        "Create the dashboard ConfigMap.",
        _BOOLEAN,
        required=True,
        default=False,
        config=SAME,
    ),
    value(
        "monitoring.grafanaDashboard.labels",
        'Labels the sidecar looks for (kube-prometheus-stack\'s default: `grafana_dashboard: "1"`).',
        _K8S_LABELS,
        default={"grafana_dashboard": "1"},
        config=SAME,
    ),
    group("tests", "`helm test` pod that requests the readiness endpoint through the Service."),
    value("tests.enabled", "Render the test pod.", _BOOLEAN, required=True, default=True),
)

# djhelm.yaml keys that are not chart values: read by djhelm itself (the chart's name and version, where
# manage.py is).
CONFIG_ONLY: tuple[Value, ...] = (
    value(
        "name",
        "Chart name: a DNS-1123 label.",
        {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 53},
        config=Setting(required=True),
    ),
    value(
        "description",
        "One-line chart description.",
        {"type": "string", "maxLength": 500, "pattern": "^[^\\r\\n]*$"},
        config=SAME,
    ),
    value(
        "chartVersion",
        "Chart version (SemVer 2).",
        {
            "type": "string",
            "pattern": "^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$",
        },
        default="0.1.0",
        config=SAME,
    ),
    value(
        "django.projectDir",
        "Folder with manage.py, relative to djhelm.yaml (read by djhelm, not by the chart).",
        {"type": "string", "minLength": 1},
        config=SAME,
    ),
)
