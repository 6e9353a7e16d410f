"""Errors of the risk package, kept free of heavy imports so callers can catch them cheaply."""

from __future__ import annotations


class TrainingDataError(ValueError):
    """The rows cannot train a model (no label, or too few of one class)."""


class ModelMismatchError(ValueError):
    """A stored model needs features this code does not know."""
