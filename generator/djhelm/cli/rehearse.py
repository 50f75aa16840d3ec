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
from djhelm.errors import ExitCode, InputError, Problem


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
    from djhelm.rehearse.kubeenv import read_env_file
    from djhelm.rehearse.play import Options
    from djhelm.rehearse.play import rehearse as play
    from djhelm.rehearse.record import Recorder
    from djhelm.rehearse.report import build_report, render_json, render_text
    from djhelm.rehearse.timeline import render_html
    from djhelm.validation.helm import find_helm

    with user_errors():
        for flag, value in (("--from", from_ref), ("--to", to_ref)):
            if not value:
                raise InputError(
                    Problem(
                        "command line",
                        "missing: name the release",
                        flag,
                        fix=f"{flag} v1.4.0 (a git ref) or {flag} path/to/release",
                    )
                )
        if database_url and not yes:
            raise InputError(
                Problem(
                    "command line",
                    "the to release's migrations would be applied to this database",
                    "--database-url",
                    fix="add --yes if that is what you want (a staging copy), or leave "
                    "--database-url out for a throwaway PostgreSQL",
                )
            )
        if database_url:
            typer.echo(f"warning: applying {to_ref}'s migrations to the database at --database-url", err=True)
        paths: tuple[str, ...] = ()
        if load_paths is not None:
            try:
                lines = load_paths.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise InputError(
                    Problem(str(load_paths), f"cannot read: {error.strerror}", "--load-paths")
                ) from None
            paths = tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
            bad = [p for p in paths if not p.startswith("/")]
            if bad:
                raise InputError(
                    Problem(
                        str(load_paths),
                        f"not a URL path: {bad[0]}",
                        "--load-paths",
                        fix="one path per line, each starting with /",
                    )
                )
        held: tuple[str, float] | None = None
        if long_transaction:
            table, _, seconds = long_transaction.partition(":")
            try:
                held = (table, float(seconds or 15))
            except ValueError:
                raise InputError(
                    Problem(
                        "command line",
                        f"not a number of seconds: {seconds}",
                        "--long-transaction",
                        fix="TABLE or TABLE:SECONDS, e.g. catalog_product:20",
                    )
                ) from None
        options = Options(
            project_dir=project_dir,
            from_ref=from_ref,
            to_ref=to_ref,
            config=config,
            helm=find_helm(helm_binary),
            database_url=database_url,
            python_from=python_from,
            python_to=python_to,
            load_paths=paths,
            secrets=read_env_file(secrets_file) if secrets_file else {},
            duration_scale=duration_scale,
            endpoint_delay=endpoint_delay,
            rows=rows,
            rate=rate,
            hook_timing=hook_timing.value,
            long_transaction=held,
            logs=logs,
            data=data,
        )
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
