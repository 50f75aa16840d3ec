"""Rules JSON Schema cannot express: secrets stay references, names the chart owns, cross-field limits."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from djhelm import envnames
from djhelm.config.yamlsource import SourceMap
from djhelm.credentials import credential_in, is_secret_name
from djhelm.errors import Problem
from djhelm.fieldpath import dotted

if TYPE_CHECKING:
    from djhelm.config.model import ConfigData

# Variables the chart itself sets; a user value would be silently shadowed or would shadow ours.
_RESERVED = envnames.chart_owned()


def is_chart_owned(name: str) -> bool:
    return bool(_RESERVED.match(name))


# The interface a server serves when it serves only one (granian serves both: web.interface says which).
SERVER_INTERFACES = {"gunicorn": "wsgi", "uvicorn": "asgi"}


def semantic_problems(data: ConfigData, source: SourceMap, filename: str) -> list[Problem]:
    """Problems in schema-valid ``data`` (defaults already filled in)."""
    problems: list[Problem] = []

    def add(path: tuple[str | int, ...], message: str, fix: str) -> None:
        problems.append(Problem(filename, message, dotted(path), source.line_of(path), fix))

    web = data.get("web", {})
    fixed = SERVER_INTERFACES.get(web.get("server", ""))
    if fixed is not None and web.get("interface", fixed) != fixed:
        add(
            ("web", "interface"),
            f"{web['server']} serves {fixed.upper()} applications only",
            "use server: granian (it serves both), or the server of the other kind, or remove interface",
        )
    _check_env(data.get("env", {}), ("env",), add)
    for name, process in sorted(data.get("processes", {}).items()):
        _check_env(process.get("env", {}), ("processes", name, "env"), add)
    for name, job in sorted(data["cronJobs"].items()):
        _check_env(job.get("env", {}), ("cronJobs", name, "env"), add)
    for name in sorted(data.get("secretEnv", {})):
        if _RESERVED.match(name):
            add(
                ("secretEnv", name),
                f"{name} is set by the chart",
                "database URLs go under database.url / database.migrationUrl / database.replicas",
            )
        if name in data.get("env", {}):
            add(("secretEnv", name), f"{name} is also defined in env", "keep it in one place (secretEnv)")

    seen: dict[str, int] = {}
    for index, replica in enumerate(data["database"].get("replicas", [])):
        env_name = replica["name"].upper()
        if env_name in seen:
            add(
                ("database", "replicas", index, "name"),
                f"replica name '{replica['name']}' is used twice",
                "give every replica its own name",
            )
        seen[env_name] = index

    for where, text in _strings(data, ()):
        if "\x85" in text:
            add(
                where,
                "contains U+0085 (NEL), which Helm writes unescaped and every YAML reader turns into a space",
                "remove it or use a plain space",
            )
        elif where[0] != "env" and (credential := credential_in(text)) is not None:
            # Every config string ends up in values.yaml (annotations, description...); env is checked above.
            add(
                where,
                f"this value carries {credential}; values.yaml is not a place for credentials",
                "keep credentials in a Secret and reference it (secretEnv, database.*)",
            )

    description = data.get("description")
    if isinstance(description, str) and not description.isprintable():
        bad = next(c for c in description if not c.isprintable())
        # Helm rewrites Chart.yaml metadata when it loads a chart (sanitizeString in pkg/chart/metadata.go):
        # whitespace becomes a space and other unprintable characters vanish, so the chart would not say
        # what the config says.
        add(
            ("description",),
            f"contains U+{ord(bad):04X}, which Helm removes from Chart.yaml when it loads the chart",
            "use printable characters and plain spaces only",
        )

    web = data["web"]
    if web["livenessPath"] == web["readinessPath"]:
        # Liveness must not touch the database, readiness may: one endpoint cannot be both (validate's ZD002).
        add(
            ("web", "livenessPath"),
            "livenessPath is the same endpoint as readinessPath",
            "point livenessPath at a view that never touches the database, e.g. /healthz/live",
        )
    scaling = web["autoscaling"]
    if scaling["enabled"] and scaling["minReplicas"] > scaling["maxReplicas"]:
        add(("web", "autoscaling", "minReplicas"), "minReplicas is above maxReplicas", "lower minReplicas")
    ingress = data.get("ingress", {})
    if ingress.get("enabled") and not ingress.get("host"):
        add(("ingress",), "ingress is enabled but has no host", "add `host: www.example.com`")
    route = data.get("httpRoute", {})
    if route.get("enabled"):
        if not route.get("gatewayName"):
            add(("httpRoute",), "httpRoute is enabled but has no gatewayName", "add `gatewayName: <Gateway>`")
        if not route.get("hostnames"):
            add(
                ("httpRoute",),
                "httpRoute is enabled but has no hostnames",
                "add `hostnames: [www.example.com]`",
            )
    policy = data.get("networkPolicy", {})
    if policy.get("enabled"):
        sections = (("ingress", ingress["enabled"]), ("httpRoute", route["enabled"]))
        routed = [name for name, enabled in sections if enabled]
        if routed and not policy.get("ingressNamespaces"):
            # the policy admits only the release's own pods: the controller's proxies would be cut off
            add(
                ("networkPolicy",),
                f"{' and '.join(routed)} enabled, but no namespace may reach the web pods",
                "add `ingressNamespaces: [<namespace of your ingress controller or Gateway>]`",
            )
        if policy.get("egressTo") and not policy.get("restrictEgress"):
            add(
                ("networkPolicy", "egressTo"),
                "egressTo has no effect while restrictEgress is off (all egress is allowed)",
                "set `restrictEgress: true`, or remove egressTo",
            )
        if policy.get("restrictEgress") and not policy.get("egressTo"):
            add(
                ("networkPolicy", "restrictEgress"),
                "restricted egress with no egressTo: the pods could not reach the database",
                "name the database (and broker) in egressTo: `database: {cidr: 10.0.12.0/24, ports: [5432]}`",
            )
    for name, rule in sorted(policy.get("egressTo", {}).items()):
        try:
            ipaddress.ip_network(rule["cidr"], strict=True)
        except ValueError as error:
            where = ("networkPolicy", "egressTo", name, "cidr")
            add(where, f"not a CIDR block: {error}", "e.g. 10.0.12.0/24")

    if web.get("command") and web["server"] != "command":
        add(("web", "command"), f"command is used only with server: command (this is {web['server']})",
            "set `server: command`, or remove command")
    _check_processes(data, add)
    return problems


def _check_env(env: Mapping[str, str], where: tuple[str | int, ...],
               add: Callable[[tuple[str | int, ...], str, str], None]) -> None:
    """Plain env values land in a ConfigMap or a pod spec: no chart-owned name, nothing secret."""
    for name, value in sorted(env.items()):
        path = (*where, name)
        if _RESERVED.match(name):
            add(path, f"{name} is set by the chart", "remove it; docs/chart.md says where the chart sets it")
        elif is_secret_name(name):
            add(
                path,
                f"{name} looks like a secret; env values are stored in plain text",
                f"move it to secretEnv as `{name}: {{secretName: <existing Secret>, key: <key>}}`",
            )
        elif (credential := credential_in(value)) is not None:
            add(
                path,
                f"this value carries {credential}",
                f"move it to secretEnv as `{name}: {{secretName: <existing Secret>, key: <key>}}`",
            )


def _check_processes(data: ConfigData, add: Callable[[tuple[str | int, ...], str, str], None]) -> None:
    """Keys that mean something for one kind of process only, and names a process and a cron job share."""
    celery_only = ("app", "concurrency", "queues")
    command_only = ("command", "singleton", "probe")
    for name, process in sorted(data.get("processes", {}).items()):
        kind = process["kind"]
        for key in celery_only if kind == "command" else command_only:
            if key in process:
                add(("processes", name, key), f"{key} does not apply to kind: {kind}", "remove it")
        if kind == "celery-beat" and process.get("replicas", 1) != 1:
            add(
                ("processes", name, "replicas"),
                "celery beat must run exactly once",
                "remove replicas (beat always runs one pod; two would send every task twice)",
            )
        if kind == "celery-beat" and "concurrency" in process:
            add(("processes", name, "concurrency"), "concurrency applies to celery workers only", "remove it")
        if process.get("singleton") and process.get("replicas", 1) != 1:
            add(("processes", name, "replicas"), "a singleton runs exactly one pod", "remove replicas")
        if name in data.get("cronJobs", {}):
            # Both would label their pods app.kubernetes.io/component: <name>; the Deployment's selector and
            # any PodDisruptionBudget would count the cron job's pods as its own.
            add(("cronJobs", name), f"'{name}' is also a process name", "give the cron job another name")


def _strings(value: object, path: tuple[str | int, ...]) -> list[tuple[tuple[str | int, ...], str]]:
    """Every string in ``value``, keys included, with its path (a key is reported at its own path)."""
    if isinstance(value, dict):
        found = [((*path, key), key) for key in value if isinstance(key, str)]
        for key, item in value.items():
            found.extend(_strings(item, (*path, key)))
        return found
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _strings(item, (*path, index))]
    return [(path, value)] if isinstance(value, str) else []
