"""backorder: backorder orchestration for distributors."""

__version__ = "0.1.0"
