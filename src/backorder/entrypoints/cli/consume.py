"""`backorder consume`: apply canonical inbound messages from NATS JetStream until stopped.

SIGINT/SIGTERM finish the batch in hand (it is committed and acked) and hand back the one
fetched ahead, then exit 0. `--idle-exit SECONDS` stops once the stream stays empty that
long (batch jobs, tests). Also runnable as `python -m backorder.entrypoints.cli.consume`.
"""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Annotated

import typer

from backorder.adapters.inbound.consumer import ConsumerStats, InboundConsumer
from backorder.adapters.inbound.stream import InboundStreamConfig
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.logging import configure_logging


async def _consume(consumer: InboundConsumer, idle_exit: float | None) -> ConsumerStats:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return await consumer.run(stop, idle_exit=idle_exit)


def consume(
    nats_url: Annotated[
        str | None, typer.Option(help="NATS server; default BACKORDER_NATS_URL or localhost.")
    ] = None,
    stream: Annotated[str | None, typer.Option(help="Stream name (default ERP_INBOUND).")] = None,
    prefix: Annotated[
        str | None, typer.Option(help="Subject prefix: reads <prefix>.inbound.> (default erp).")
    ] = None,
    durable: Annotated[str | None, typer.Option(help="Durable consumer name.")] = None,
    batch_size: Annotated[
        int | None, typer.Option(min=1, max=5000, help="Messages per fetch and transaction.")
    ] = None,
    max_deliveries: Annotated[
        int | None, typer.Option(min=1, help="Refusals before a message is dead-lettered.")
    ] = None,
    ack_wait: Annotated[
        float | None, typer.Option(min=0.1, help="Seconds before an unacked message returns.")
    ] = None,
    idle_exit: Annotated[
        float | None, typer.Option(min=0.0, help="Exit after this many seconds without messages.")
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print what the run did as JSON at exit.")
    ] = False,
) -> None:
    """Consume ERP/WMS/eCommerce messages from NATS JetStream (see docs/inbound-messages.md)."""
    settings = Settings()
    configure_logging(settings)
    base = InboundStreamConfig.from_settings(settings)
    config = InboundStreamConfig(
        url=nats_url or base.url,
        stream=stream or base.stream,
        prefix=prefix or base.prefix,
        durable=durable or base.durable,
        batch_size=batch_size or base.batch_size,
        max_deliveries=max_deliveries or base.max_deliveries,
        ack_wait_seconds=ack_wait or base.ack_wait_seconds,
    )
    application = bootstrap(settings)
    try:
        stats = asyncio.run(_consume(InboundConsumer(application.context, config), idle_exit))
    finally:
        application.close()
    if json_output:
        typer.echo(json.dumps(stats.as_dict()))


if __name__ == "__main__":
    typer.run(consume)
