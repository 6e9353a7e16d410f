"""Typed values from text cells: the conventions every file kind shares.

Empty means "not given". Whole numbers are digits only, decimals use a dot, booleans are
yes/no, dates are ISO 8601 (`2026-11-27`), instants ISO 8601 with an optional offset
(UTC when there is none). Each converter raises `ValueError` with the reason; `RowFields`
turns that into a `RowError` naming the row and the column.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from backorder.adapters.csv_import.reader import RowError, SourceRow

MAX_INT = 2**31 - 1  # database INTEGER columns are 32-bit on PostgreSQL
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")


def length_of(column: Any) -> int:
    """The declared length of a string column of the schema (the limit a value must fit)."""
    length: int = column.type.length
    return length


def to_int(text: str, minimum: int | None = None) -> int:
    """A whole number within `minimum`..MAX_INT."""
    if not _INTEGER.fullmatch(text):
        if _DECIMAL.fullmatch(text) or "," in text:
            raise ValueError("must be a whole number")
        raise ValueError("not a number")
    value = int(text)
    if minimum is not None and value < minimum:
        raise ValueError(f"must be at least {minimum}")
    if value > MAX_INT:
        raise ValueError(f"must be at most {MAX_INT}")
    return value


def to_decimal(text: str, minimum: float | None = 0.0, *, positive: bool = False) -> float:
    """A decimal number with a dot; `positive` excludes zero."""
    if not _DECIMAL.fullmatch(text):
        if re.fullmatch(r"[+-]?\d+,\d+", text):
            raise ValueError("use a dot as the decimal separator")
        raise ValueError("not a number")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a number")
    if positive and value <= 0:
        raise ValueError("must be greater than 0")
    if minimum is not None and value < minimum:
        raise ValueError(f"must be at least {minimum:g}")
    return value


def to_bool(text: str) -> bool:
    """yes/no (any case)."""
    answer = text.lower()
    if answer == "yes":
        return True
    if answer == "no":
        return False
    raise ValueError("must be yes or no")


def to_choice(text: str, choices: type[E]) -> E:
    """A member of `choices` by its value (any case)."""
    for member in choices:
        if str(member.value) == text.lower():
            return member
    raise ValueError("must be one of " + ", ".join(str(m.value) for m in choices))


def to_date(text: str) -> date:
    """An ISO 8601 calendar date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("not an ISO date (YYYY-MM-DD)") from None


def to_datetime(text: str) -> datetime:
    """An ISO 8601 instant; without an offset it is taken as UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not an ISO date-time (YYYY-MM-DDTHH:MM[:SS][+HH:MM])") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class RowFields:
    """Typed access to one row's cells; every problem is collected as a `RowError`."""

    def __init__(self, row: SourceRow) -> None:
        self.row = row
        self.errors: list[RowError] = []

    @property
    def ok(self) -> bool:
        """True while no cell of the row was wrong."""
        return not self.errors

    def raw(self, name: str) -> str:
        """The cell as written (stripped); "" when empty or the column is absent."""
        return self.row.values.get(name, "")

    def error(self, name: str, reason: str) -> None:
        """Record that column `name` of this row is wrong."""
        self.errors.append(RowError(self.row.number, name, self.raw(name), reason))

    def _given(self, name: str, required: bool) -> str | None:
        text = self.raw(name)
        if text:
            return text
        if required:
            self.error(name, "is required")
        return None

    def text(self, name: str, *, max_length: int, required: bool = False) -> str | None:
        """Free text up to `max_length` characters."""
        text = self._given(name, required)
        if text is not None and len(text) > max_length:
            self.error(name, f"longer than {max_length} characters")
            return None
        return text

    def integer(self, name: str, *, minimum: int = 0, required: bool = False) -> int | None:
        """A whole number of at least `minimum`."""
        return self._convert(name, lambda text: to_int(text, minimum), required)

    def decimal(self, name: str, *, required: bool = False, positive: bool = False) -> float | None:
        """A non-negative decimal (greater than 0 when `positive`)."""
        return self._convert(name, lambda text: to_decimal(text, positive=positive), required)

    def boolean(self, name: str) -> bool | None:
        """yes or no."""
        return self._convert(name, to_bool)

    def day(self, name: str, *, required: bool = False) -> date | None:
        """An ISO date."""
        return self._convert(name, to_date, required)

    def instant(self, name: str) -> datetime | None:
        """An ISO date-time (UTC when it has no offset)."""
        return self._convert(name, to_datetime)

    def choice(self, name: str, choices: type[E]) -> E | None:
        """One of an enumeration's values."""
        return self._convert(name, lambda text: to_choice(text, choices))

    def email(self, name: str, *, max_length: int) -> str | None:
        """An e-mail address."""
        text = self.text(name, max_length=max_length)
        if text is not None and not _EMAIL.fullmatch(text):
            self.error(name, "not an e-mail address")
            return None
        return text

    def _convert(self, name: str, convert: Callable[[str], T], required: bool = False) -> T | None:
        text = self._given(name, required)
        if text is None:
            return None
        try:
            return convert(text)
        except ValueError as error:
            self.error(name, str(error))
            return None
