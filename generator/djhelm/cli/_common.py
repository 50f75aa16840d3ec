"""Shared CLI plumbing: turning djhelm errors into a message on stderr and an exit code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from djhelm.errors import DjhelmError

USAGE_ERROR = 2


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a DjhelmError as plain text with its exit code (2 unless the error says otherwise)."""
    try:
        yield
    except DjhelmError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None
