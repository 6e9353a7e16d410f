"""The root `backorder` command and its sub-commands."""

import typer

from backorder.entrypoints.cli.bench import bench_app
from backorder.entrypoints.cli.demo import demo

app = typer.Typer(
    name="backorder",
    help="Backorder orchestration for distributors.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(bench_app, name="bench")
app.command("demo")(demo)


def main() -> None:
    """Run the CLI."""
    app()
