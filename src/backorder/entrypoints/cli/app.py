"""The root `backorder` command and its sub-commands."""

import typer

from backorder.entrypoints.cli.bench import bench_app
from backorder.entrypoints.cli.consume import consume
from backorder.entrypoints.cli.demo import demo
from backorder.entrypoints.cli.imports import import_app
from backorder.entrypoints.cli.relay import relay
from backorder.entrypoints.cli.risk import risk_app
from backorder.entrypoints.cli.service import allocate, explain, keys_app, serve
from backorder.entrypoints.cli.supplier_messages import extract
from backorder.entrypoints.cli.visibility import export_app, report
from backorder.entrypoints.cli.worker import worker

app = typer.Typer(
    name="backorder",
    help="Backorder orchestration for distributors.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command("serve")(serve)
app.command("worker")(worker)
app.command("relay")(relay)
app.command("consume")(consume)
app.command("report")(report)
app.command("demo")(demo)
app.command("allocate")(allocate)
app.command("explain")(explain)
app.add_typer(keys_app, name="keys")
app.add_typer(import_app, name="import")
app.add_typer(bench_app, name="bench")
risk_app.command("extract")(extract)
app.add_typer(risk_app, name="risk")
app.add_typer(export_app, name="export")


def main() -> None:
    """Run the CLI."""
    app()
