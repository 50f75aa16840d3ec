"""The djhelm command line. The only place in djhelm that prints and chooses exit codes."""

from __future__ import annotations

from typing import Annotated

import typer

from djhelm.cli import chart, init, migrations, rehearse, validate

app = typer.Typer(
    name="djhelm",
    help="Helm charts for Django projects whose upgrades never take the site down.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain help: it reads the same in a pipe, and flags show no "<bool>" placeholder
    rich_markup_mode=None,
)


def _print_version(asked: bool) -> None:
    if asked:
        from djhelm import __version__

        typer.echo(f"djhelm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Show the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """Helm charts for Django projects whose upgrades never take the site down."""
# every command module adds itself the same way
for command_module in (chart, init, validate, rehearse, migrations):
    command_module.register(app)


def main() -> None:
    app()
