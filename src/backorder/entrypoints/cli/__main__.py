"""`python -m backorder.entrypoints.cli` runs the CLI (used by benchmarks)."""

from backorder.entrypoints.cli.app import main

main()
