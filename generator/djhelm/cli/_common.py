"""Shared CLI plumbing: turning djhelm errors into a message on stderr and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from typing import TextIO

import typer

from djhelm.errors import DjhelmError, ExitCode


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a DjhelmError as plain text with its exit code (2 unless the error says otherwise), and any
    other exception (a djhelm bug) as one line with exit 3: never a traceback."""
    try:
        yield
    except DjhelmError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
    except (typer.Exit, KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:
        typer.echo(f"internal error: {type(error).__name__}: {error} (please report it with the input that "
                   "triggers it)", err=True)
        raise typer.Exit(ExitCode.INTERNAL) from None


class _Unclosable:
    """A text stream that passes writes on and ignores close(), so project code cannot close ours."""

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def write(self, text: str) -> int:
        return self._target.write(text)

    def flush(self) -> None:
        self._target.flush()

    def close(self) -> None:
        pass

    def __getattr__(self, name: str) -> object:
        return getattr(self._target, name)


@contextmanager
def project_code_output() -> Iterator[None]:
    """While a user's project code runs (settings, migration modules): its prints go to stderr.

    A settings module that prints would otherwise corrupt `--format json|sarif|github` on stdout, and one
    that closes sys.stdout would leave the report nowhere to go.
    """
    stderr = sys.stderr
    with redirect_stdout(_Unclosable(stderr)), redirect_stderr(_Unclosable(stderr)):  # type: ignore[type-var]
        yield
