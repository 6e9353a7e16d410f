"""The root `backorder` command and its sub-commands."""

import typer

app = typer.Typer(
    name="backorder",
    help="Backorder orchestration for distributors.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def main() -> None:
    """Run the CLI."""
    app()
