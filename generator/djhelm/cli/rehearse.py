"""CLI command: djhelm rehearse [PROJECT_DIR] --from REF --to REF.

Exit codes: 0 nothing failed, 1 a request, an ORM operation or a migration Job failed, 2 bad input or a
rehearsal that could not be set up.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from djhelm.cli._common import user_errors
from djhelm.errors import ExitCode


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class HookTiming(StrEnum):
    helm3 = "helm3"
    helm4 = "helm4"
    argocd = "argocd"


def rehearse(
    project_dir: Annotated[
        Path, typer.Argument(help="Folder with manage.py (default: here).", metavar="PROJECT_DIR")
    ] = Path("."),
    from_ref: Annotated[
        str, typer.Option("--from", help="The release running now: a git ref or a folder.", metavar="REF")
    ] = "",
    to_ref: Annotated[
        str, typer.Option("--to", help="The release to deploy: a git ref or a folder.", metavar="REF")
    ] = "",
    config: Annotated[
        Path, typer.Option("--config", help="djhelm.yaml, relative to the project folder.", metavar="FILE")
    ] = Path("djhelm.yaml"),
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="Rehearse on this database (migrations WILL be applied to it); "
            "default: a throwaway PostgreSQL.",
            metavar="URL",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm migrating the --database-url database.")
    ] = False,
    python_from: Annotated[
        Path | None,
        typer.Option("--python-from", help="Python of the from release (default: this one).", metavar="PATH"),
    ] = None,
    python_to: Annotated[
        Path | None,
        typer.Option("--python-to", help="Python of the to release (default: this one).", metavar="PATH"),
    ] = None,
    load_paths: Annotated[
        Path | None,
        typer.Option(
            "--load-paths",
            help="URL paths to request, one per line (default: the URLconf's routes without parameters).",
            metavar="FILE",
        ),
    ] = None,
    secrets_file: Annotated[
        Path | None,
        typer.Option(
            "--secrets",
            help="NAME=value lines for Secret-backed variables (default: "
            "database URLs point at the rehearsal database, others get stand-ins).",
            metavar="FILE",
        ),
    ] = None,
    duration_scale: Annotated[
        float,
        typer.Option(
            "--duration-scale",
            help="Multiplies every timer played: preStop, probe periods, "
            "minReadySeconds, endpoint delay, steady windows.",
            metavar="F",
            min=0.01,
            max=10,
        ),
    ] = 1.0,
    endpoint_delay: Annotated[
        float,
        typer.Option(
            "--endpoint-delay",
            help="Seconds load balancers keep sending to a pod after it leaves the endpoints.",
            metavar="SECONDS",
            min=0,
            max=120,
        ),
    ] = 2.0,
    hook_timing: Annotated[
        HookTiming,
        typer.Option(
            "--hook-timing",
            help="When the post hook starts: helm3 (new pods ready) or "
            "helm4 or argocd (new pods available, old ones deleted).",
            metavar="WHEN",
        ),
    ] = HookTiming.helm3,
    rows: Annotated[
        int, typer.Option("--rows", help="Rows per model before the play.", min=0, max=1_000_000)
    ] = 200,
    rate: Annotated[float, typer.Option("--rate", help="HTTP requests per second.", min=1, max=500)] = 20.0,
    long_transaction: Annotated[
        str | None,
        typer.Option(
            "--long-transaction",
            help="From the start of the pre phase, a session keeps a transaction that read TABLE open for "
            "SECONDS (default 15): what an ALTER meets behind a long report query.",
            metavar="TABLE[:SECONDS]",
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="A Django fixture (manage.py loaddata) loaded into the from release's "
            "schema before the --rows are made.",
            metavar="FILE",
        ),
    ] = None,
    logs: Annotated[
        Path | None,
        typer.Option(
            "--logs", help="Keep every pod's and migration Job's log in this folder.", metavar="DIR"
        ),
    ] = None,
    helm_binary: Annotated[
        str, typer.Option("--helm-binary", help="Helm that renders the charts.", metavar="PATH")
    ] = "helm",
    output_format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="text, json or markdown.", metavar="FORMAT")
    ] = ReportFormat.text,
    html: Annotated[
        Path | None,
        typer.Option("--report", help="Also write an HTML report with a timeline.", metavar="FILE"),
    ] = None,
) -> None:
    """Play a release's rollout here, with both releases' code and a real PostgreSQL, and report every
    failed request."""
    from djhelm.rehearse.arguments import Arguments, options_from
    from djhelm.rehearse.play import rehearse as play
    from djhelm.rehearse.record import Recorder
    from djhelm.rehearse.report import build_report, render_json, render_text
    from djhelm.rehearse.timeline import render_html
    from djhelm.validation.helm import find_helm

    with user_errors():
        options = options_from(Arguments(
            project_dir, from_ref, to_ref, config, find_helm(helm_binary), database_url, yes,
            python_from, python_to, load_paths, secrets_file, duration_scale, endpoint_delay,
            hook_timing.value, rows, rate, long_transaction, data, logs,
        ))
        if database_url:
            typer.echo(f"warning: applying {to_ref}'s migrations to the database at --database-url", err=True)
        recorder = Recorder()
        notes = play(options, recorder)
        report = build_report(recorder, from_ref, to_ref, hook_timing.value, notes)
        if output_format is ReportFormat.json:
            typer.echo(render_json(report), nl=False)
        else:
            typer.echo(render_text(report, markdown=output_format is ReportFormat.markdown), nl=False)
        if html is not None:
            html.write_text(render_html(report), encoding="utf-8")
            typer.echo(f"wrote {html}", err=True)
        if not report.passed:
            raise typer.Exit(ExitCode.FINDINGS)


def register(app: typer.Typer) -> None:
    app.command("rehearse")(rehearse)
