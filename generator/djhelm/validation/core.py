"""The pure core: manifests in, Report out. No files, no processes, no printing."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from djhelm.errors import InputError, InternalError, Problem
from djhelm.validation.loader import LoadResult, parse_manifests
from djhelm.validation.model import Finding, Location, ObjectResult, Report
from djhelm.validation.rules import Rule, RuleContext, all_rules
from djhelm.validation.schema_check import check_schema
from djhelm.validation.schemas import normalize_version, schema_set, supported_versions


@dataclass(frozen=True)
class Source:
    """One YAML stream: its text, the name findings use for it, and whether it is `helm template` output."""

    text: str
    name: str
    helm_output: bool = False


def resolve_versions(requested: Sequence[str]) -> tuple[str, ...]:
    """Normalise '1.30', 'v1.30.2'... to minor versions, sorted, deduplicated; InputError when unsupported."""
    supported = supported_versions()
    result: set[str] = set()
    problems = []
    for text in requested:
        version = normalize_version(text)
        if version is None or version not in supported:
            problems.append(
                Problem(
                    "--kube-version",
                    f"unsupported Kubernetes version {text!r}",
                    fix=f"use one of {supported[0]} .. {supported[-1]}",
                )
            )
        else:
            result.add(version)
    if problems:
        raise InputError(problems)
    return tuple(sorted(result, key=lambda v: tuple(int(x) for x in v.split("."))))


def validate_documents(
    sources: Sequence[Source],
    kube_versions: Sequence[str],
    *,
    strict_kinds: bool = False,
    rules: bool = True,
    label: str = "",
    precheck: bool = True,
) -> Report:
    """Validate the same manifests on every version in ``kube_versions``."""
    versions = resolve_versions(kube_versions)
    return validate_per_version(
        {v: sources for v in versions}, strict_kinds=strict_kinds, rules=rules, label=label, precheck=precheck
    )


def validate_per_version(
    sources_by_version: Mapping[str, Sequence[Source]],
    *,
    strict_kinds: bool = False,
    rules: bool = True,
    label: str = "",
    precheck: bool = True,
) -> Report:
    """Validate possibly different manifests per version (a chart renders per --kube-version).

    ``precheck=False`` validates every object with jsonschema alone (the reference; for measuring).
    Raises InputError when a stream is not YAML or a version is unsupported.
    """
    with _gc_paused():
        return _validate(sources_by_version, strict_kinds, rules, label, precheck)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while validating.

    Validation builds and keeps every object's data (dicts and lists by the hundred thousand), so every
    collection would walk all of them again; measured on 12,000 objects, leaving it on costs about 18 %
    (it was six times slower parsing when node trees were kept too). Reference counting still frees
    everything acyclic, and the collector runs as usual once validation ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _validate(
    sources_by_version: Mapping[str, Sequence[Source]],
    strict_kinds: bool,
    rules: bool,
    label: str,
    precheck: bool,
) -> Report:
    versions = resolve_versions(list(sources_by_version))
    report = Report(source=label, kube_versions=versions)
    parsed: dict[tuple[str, str, bool], LoadResult] = {}
    seen_load_findings: set[Finding] = set()
    for version in versions:
        loads = []
        for source in sources_by_version[version]:
            key = (source.name, source.text, source.helm_output)
            if key not in parsed:
                parsed[key] = parse_manifests(source.text, source.name, helm_sources=source.helm_output)
            loads.append(parsed[key])
        objects = [obj for load in loads for obj in load.objects]
        for load in loads:
            for finding in load.findings:
                if finding not in seen_load_findings:
                    seen_load_findings.add(finding)
                    report.findings.append(finding)
        schemas = schema_set(version)
        for obj in objects:
            status, findings = check_schema(obj, schemas, strict_kinds, precheck)
            report.findings.extend(findings)
            report.objects.append(
                ObjectResult(
                    version, obj.api_version, obj.kind, obj.name, obj.namespace, obj.location, status
                )
            )
        if rules:
            context = RuleContext([o for o in objects if o.kind], version)
            for rule in all_rules():
                report.findings.extend(_own_findings(rule, context))
    if not report.objects:
        # An empty stream is often a broken pipeline (helm failed, wrong folder): say so, without failing.
        report.findings.append(
            Finding(
                rule="K8S006",
                severity="warning",
                message="no Kubernetes objects in the input",
                fix="check the path, or that the command piping into djhelm validate succeeded",
                location=Location(label or "-"),
            )
        )
    report.sort()
    return report


def _own_findings(rule: Rule, context: RuleContext) -> Iterator[Finding]:
    """A rule's findings, each under its own id: the id is what `--skip`, the docs table and SARIF name."""
    for finding in rule.check(context):
        if finding.rule != rule.id:
            raise InternalError(f"validate rule {rule.id} reported a finding as {finding.rule!r}")
        yield finding
