"""CLI commands: djhelm migrations ... (placeholder until implemented)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Judge Django migrations for zero-downtime deploys.", no_args_is_help=True)
