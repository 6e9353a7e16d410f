"""Throughput and accuracy of supplier-message extraction over the labelled corpus.

Prints one JSON object. `cold` is the first pass over the corpus (date-phrase caches empty,
libraries already imported); `warm` repeats the corpus with caches filled, which is what a
long-running consumer sees for recurring phrasing. Both include RFC 822 parsing.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import statistics
import sys
import time
from pathlib import Path

from backorder.risk.extraction import extract, extract_text, message_from_text, parse_eml
from backorder.risk.extraction.evaluation import evaluate, load_cases
from backorder.risk.extraction.message import SupplierMessage

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "supplier_messages"


def _load(raw: bytes, suffix: str, when: dt.datetime | None) -> SupplierMessage:
    if suffix == ".eml":
        return parse_eml(raw)
    assert when is not None, "portal messages need a date in their label"
    return message_from_text(raw.decode("utf-8"), when)


def _one_pass(inputs: list[tuple[bytes, str, dt.datetime | None]]) -> float:
    started = time.perf_counter()
    for raw, suffix, when in inputs:
        extract(_load(raw, suffix, when))
    return time.perf_counter() - started


def main(repeats: int = 20) -> None:
    """Measure and print JSON."""
    cases = load_cases(CORPUS)
    inputs = [(c.path.read_bytes(), c.path.suffix, c.message_date) for c in cases]
    # Import and initialise dateparser on text that is not in the corpus.
    extract_text("PO 1234567 ships on 3 March.", dt.datetime(2030, 1, 1))
    cold = _one_pass(inputs)
    warm = [_one_pass(inputs) for _ in range(repeats)]
    report = evaluate(CORPUS)
    result = {
        "bench": "extraction_messages",
        "messages": len(inputs),
        "cold_messages_per_s": round(len(inputs) / cold, 1),
        "warm_messages_per_s": round(len(inputs) / statistics.median(warm), 1),
        "warm_repeats": repeats,
        **{k: v for k, v in report.to_dict().items() if k != "messages"},
        "python": platform.python_version(),
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
