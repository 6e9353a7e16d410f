"""Command line interface: `backorder ...` (Typer + Rich)."""

from backorder.entrypoints.cli.app import app, main

__all__ = ["app", "main"]
