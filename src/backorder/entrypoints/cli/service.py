"""`backorder serve | allocate | explain | keys create | keys revoke`: run and operate it."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.domain.errors import DomainError
from backorder.logging import configure_logging
from backorder.service_layer import queries
from backorder.service_layer.access import create_api_key, revoke_api_key
from backorder.service_layer.handlers.allocation import SOLVERS, run_allocation

keys_app = typer.Typer(help="API keys (shown once, stored as hashes).", no_args_is_help=True)
console = Console()


def _fail(error: DomainError) -> typer.Exit:
    console.print(f"[red]error:[/red] {error}")
    return typer.Exit(2)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Run the API (and the dashboard) with uvicorn on the configured database."""
    import uvicorn

    settings = Settings()
    configure_logging(settings)
    bootstrap(settings).close()  # migrate once before the workers start
    console.print(
        f"backorder on http://{host}:{port} (API docs at /docs), database "
        f"{settings.effective_database_url}"
    )
    uvicorn.run(
        "backorder.entrypoints.api.main:create_default_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level.lower(),
    )


def allocate(
    solver: Annotated[str, typer.Option(help=f"One of {', '.join(SOLVERS)}.")] = "priority",
    items: Annotated[
        str | None, typer.Option(help="Comma-separated SKUs; default: every item.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Allocate open order lines by the policy and store allocations and decisions."""
    application = bootstrap()
    skus = [s.strip() for s in items.split(",") if s.strip()] if items else None
    try:
        with console.status("allocating ..."):
            done = run_allocation(application.context, skus=skus, solver=solver, actor="cli")
    except DomainError as error:
        raise _fail(error) from None
    finally:
        application.close()
    if json_output:
        typer.echo(json.dumps({"run_id": done.run_id, **done.summary}, default=str))
        return
    table = Table(title=f"Allocation run {done.run_id} ({done.solver}, {done.policy})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in done.summary.items():
        table.add_row(
            key.replace("_", " "), f"{value:,.3f}" if isinstance(value, float) else str(value)
        )
    console.print(table)


def explain(line_id: Annotated[int, typer.Argument(help="Order line id.")]) -> None:
    """Why an order line holds what it holds, in plain words."""
    application = bootstrap()
    try:
        found = queries.explain_line(application.context, line_id)
    except DomainError as error:
        raise _fail(error) from None
    finally:
        application.close()
    console.print(found.text)


@keys_app.command("create")
def create_key(
    role: Annotated[
        str,
        typer.Option(help="admin, planner, buyer, csr, warehouse, finance, viewer or integration."),
    ],
    name: Annotated[str, typer.Option(help="Who or what uses the key.")],
) -> None:
    """Create an API key and print it once."""
    application = bootstrap()
    try:
        key = create_api_key(application.context, role, name, actor="cli")
    except DomainError as error:
        raise _fail(error) from None
    finally:
        application.close()
    console.print(f"API key for {name} ({role}) — store it now, it is not shown again:")
    typer.echo(key)


@keys_app.command("revoke")
def revoke_key(
    key_id: Annotated[
        str, typer.Argument(help="The key's id: the part between `bo_` and the next `_`.")
    ],
) -> None:
    """Revoke an API key: calls with it are refused (401), dashboard sessions end."""
    application = bootstrap()
    try:
        revoke_api_key(application.context, key_id, actor="cli")
    except DomainError as error:
        raise _fail(error) from None
    finally:
        application.close()
    console.print(f"API key {key_id} revoked.")
