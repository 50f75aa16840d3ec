"""CLI command: djhelm validate PATH — strict offline schema validation plus zero-downtime rules.

Exit codes: 0 valid, 1 invalid (schema errors or error-severity rule findings), 2 usage or input error.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from djhelm.cli._common import user_errors
from djhelm.errors import ExitCode


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
    from djhelm.validation.output import to_json, to_text
    from djhelm.validation.service import ValidateRequest, validate_path

    with user_errors():
        report = validate_path(ValidateRequest(
            path=path,
            kube_versions=[v for item in (kube_version or []) for v in item.split(",") if v.strip()],
            strict_kinds=strict_kinds, schema_only=schema_only, helm_binary=helm_binary,
            values=values or [], set_values=set_values or [], release_name=release_name, namespace=namespace,
            kubeconform=kubeconform,
        ))
        typer.echo(to_json(report) if output_format is OutputFormat.json else to_text(report), nl=False)
        if not report.valid:
            raise typer.Exit(ExitCode.FINDINGS)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("validate")(validate)
