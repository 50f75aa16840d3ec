"""The command line's words turned into a rehearsal's Options, every mistake a Problem naming the option
and the fix (exit 2 before anything starts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from djhelm.errors import InputError, Problem
from djhelm.rehearse.kubeenv import read_env_file
from djhelm.rehearse.play import Options

_COMMAND_LINE = "command line"


@dataclass(frozen=True)
class Arguments:
    """What `djhelm rehearse` was given, as typed."""

    project_dir: Path
    from_ref: str
    to_ref: str
    config: Path
    helm: str
    database_url: str | None
    yes: bool
    python_from: Path | None
    python_to: Path | None
    load_paths: Path | None
    secrets: Path | None
    duration_scale: float
    endpoint_delay: float
    hook_timing: str
    rows: int
    rate: float
    long_transaction: str | None
    data: Path | None
    logs: Path | None


def _load_paths(file: Path) -> tuple[str, ...]:
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(Problem(str(file), f"cannot read: {error.strerror}", "--load-paths")) from None
    paths = tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    bad = [path for path in paths if not path.startswith("/")]
    if bad:
        raise InputError(
            Problem(
                str(file),
                f"not a URL path: {bad[0]}",
                "--load-paths",
                fix="one path per line, each starting with /",
            )
        )
    return paths


def _long_transaction(text: str) -> tuple[str, float]:
    table, _, seconds = text.partition(":")
    try:
        return table, float(seconds or 15)
    except ValueError:
        raise InputError(
            Problem(
                _COMMAND_LINE,
                f"not a number of seconds: {seconds}",
                "--long-transaction",
                fix="TABLE or TABLE:SECONDS, e.g. catalog_product:20",
            )
        ) from None


def options_from(arguments: Arguments) -> Options:
    for flag, value in (("--from", arguments.from_ref), ("--to", arguments.to_ref)):
        if not value:
            raise InputError(
                Problem(
                    _COMMAND_LINE,
                    "missing: name the release",
                    flag,
                    fix=f"{flag} v1.4.0 (a git ref) or {flag} path/to/release",
                )
            )
    if arguments.database_url and not arguments.yes:
        raise InputError(
            Problem(
                _COMMAND_LINE,
                "the to release's migrations would be applied to this database",
                "--database-url",
                fix="add --yes if that is what you want (a staging copy), or leave --database-url out for a "
                "throwaway PostgreSQL",
            )
        )
    return Options(
        project_dir=arguments.project_dir,
        from_ref=arguments.from_ref,
        to_ref=arguments.to_ref,
        config=arguments.config,
        helm=arguments.helm,
        database_url=arguments.database_url,
        python_from=arguments.python_from,
        python_to=arguments.python_to,
        load_paths=_load_paths(arguments.load_paths) if arguments.load_paths else (),
        secrets=read_env_file(arguments.secrets) if arguments.secrets else {},
        duration_scale=arguments.duration_scale,
        endpoint_delay=arguments.endpoint_delay,
        rows=arguments.rows,
        rate=arguments.rate,
        hook_timing=arguments.hook_timing,
        long_transaction=_long_transaction(arguments.long_transaction)
        if arguments.long_transaction
        else None,
        logs=arguments.logs,
        data=arguments.data,
    )
