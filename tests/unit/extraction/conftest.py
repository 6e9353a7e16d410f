"""Shared fixtures for the extraction tests."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "data" / "supplier_messages"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The labelled supplier messages."""
    return CORPUS
