"""The djhelm command line. The only place in djhelm that prints and chooses exit codes."""

from __future__ import annotations

import typer

from djhelm.cli import chart, init, migrations, validate

app = typer.Typer(
    name="djhelm",
    help="Helm charts for Django projects whose upgrades never take the site down.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
chart.register(app)
init.register(app)
validate.register(app)
app.add_typer(migrations.app, name="migrations")


def main() -> None:
    app()
