"""CLI command: djhelm validate PATH — strict offline schema validation plus zero-downtime rules.

Exit codes: 0 valid, 1 invalid (schema errors or error-severity rule findings), 2 usage or input error.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from djhelm.cli._common import user_errors
from djhelm.errors import ExitCode, InputError, Problem

if TYPE_CHECKING:
    from djhelm.validation import Report, Source



class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def validate(
    path: Annotated[
        str,
        typer.Argument(
            help="Chart directory (rendered with helm template), manifest file, folder of manifests, "
            "or - for stdin.",
            show_default=False,
            metavar="PATH",
        ),
    ],
    kube_version: Annotated[
        list[str] | None,
        typer.Option(
            "--kube-version",
            "-k",
            metavar="VERSION",
            help="Kubernetes version to validate against; repeat or comma-separate. "
            "Default: 1.29 and the newest bundled.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format: text or json.", metavar="FORMAT")
    ] = OutputFormat.text,
    helm_binary: Annotated[
        str, typer.Option("--helm-binary", help="Helm used to render chart directories.", metavar="PATH")
    ] = "helm",
    values: Annotated[
        list[Path] | None,
        typer.Option(
            "--values",
            metavar="FILE",
            help="Values file for chart directories (repeatable).",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    set_values: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="KEY=VALUE passed to helm template for chart directories (repeatable).",
            show_default=False,
        ),
    ] = None,
    release_name: Annotated[
        str, typer.Option("--release-name", help="Release name for helm template.", metavar="NAME")
    ] = "release",
    namespace: Annotated[
        str | None,
        typer.Option("--namespace", help="Namespace for helm template.", show_default=False, metavar="NAME"),
    ] = None,
    strict_kinds: Annotated[
        bool, typer.Option("--strict-kinds", help="A kind without a schema is an error, not a warning.")
    ] = False,
    schema_only: Annotated[bool, typer.Option("--schema-only", help="Skip the zero-downtime rules.")] = False,
    kubeconform: Annotated[
        str,
        typer.Option(
            "--kubeconform-binary",
            metavar="PATH",
            help="Also run this kubeconform -strict when it is on PATH; 'none' to skip.",
        ),
    ] = "kubeconform",
) -> None:
    """Validate manifests or a chart offline: strict schemas per version, then zero-downtime rules."""
    # imported here: the schemas and jsonschema load only when something is validated (not for --help)
    from djhelm.validation import default_versions, resolve_versions, validate_per_version
    from djhelm.validation.helm import find_helm, render_chart
    from djhelm.validation.inputs import is_chart, read_manifests
    from djhelm.validation.kubeconform import find_kubeconform, run_kubeconform
    from djhelm.validation.output import to_json, to_text

    with user_errors():
        requested = [v for item in (kube_version or []) for v in item.split(",") if v.strip()]
        versions = resolve_versions(requested or list(default_versions()))
        target = Path(path)
        sources: dict[str, list[Source]]
        if path != "-" and is_chart(target):
            helm = find_helm(helm_binary)
            sources = {
                v: [render_chart(helm, target, v, values or [], release_name, namespace, set_values or [])]
                for v in versions
            }
        else:
            if values or set_values:
                raise InputError(
                    Problem(
                        path,
                        "--values and --set apply to chart directories only (this is not one)",
                        fix="pass a chart directory (with Chart.yaml), or drop --values/--set",
                    )
                )
            manifests = read_manifests(path, sys.stdin)
            sources = {v: manifests for v in versions}
        report: Report = validate_per_version(
            sources, strict_kinds=strict_kinds, rules=not schema_only, label=path
        )
        if not report.objects and all(f.rule == "K8S006" for f in report.findings):
            # Nothing to validate is a broken pipeline (helm failed, wrong folder), not a pass.
            raise InputError(Problem(
                "<stdin>" if path == "-" else path, "no Kubernetes objects in the input",
                fix="check the path, or that the command piping into djhelm validate succeeded",
            ))
        binary = None if kubeconform == "none" else find_kubeconform(kubeconform)
        if binary is not None:
            for version in versions:
                report.findings.extend(run_kubeconform(binary, sources[version], version))
            report.sort()
        typer.echo(to_json(report) if output_format is OutputFormat.json else to_text(report), nl=False)
        if not report.valid:
            raise typer.Exit(ExitCode.FINDINGS)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("validate")(validate)
