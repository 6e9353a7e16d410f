"""Benchmark: parse an 856 ship notice with 1,000 item lines (target: under 1 s).

Prints one JSON object: item count, file size, seconds of the best of a few runs (the first
run, which imports the grammar, is reported separately) and items per second.
"""

from __future__ import annotations

import json
import logging
import time

from backorder.adapters.edi import ShipNotice, parse_inbound

ITEMS = 1_000
RUNS = 5


def generate_856(items: int) -> str:
    """An 856 (S-O-I) with one order and `items` item levels, counts correct."""
    body = [
        "ST*856*0001",
        "BSN*00*BENCH-SHIPMENT*20240401*0800*0001",
        "DTM*011*20240401",
        "HL*1**S",
        "TD5*B*2*UPSN*M*UPS GROUND",
        "REF*BM*BOL-1",
        "HL*2*1*O",
        "PRF*PO-BENCH-1***20240315",
    ]
    for n in range(1, items + 1):
        body += [
            f"HL*{n + 2}*2*I",
            f"LIN*{n}*BP*ITEM-{n:05d}*VP*V-{n:05d}",
            f"SN1**{n % 40 + 1}*EA",
        ]
    body.append(f"CTT*{items + 2}")
    body.append(f"SE*{len(body) + 1}*0001")
    segments = [
        "ISA*00*          *00*          *ZZ*BENCHSUPPLIER  *ZZ*BACKORDERCO    "
        "*240401*0800*U*00401*000000001*0*P*>",
        "GS*SH*BENCHSUPPLIER*BACKORDERCO*20240401*0800*1*X*004010",
        *body,
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return "~\n".join(segments) + "~\n"


def main() -> None:
    """Generate, parse, check and time; print one JSON line."""
    logging.getLogger("edi_parser").setLevel(logging.CRITICAL)
    text = generate_856(ITEMS)
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        batch = parse_inbound(text)
        timings.append(time.perf_counter() - start)
        (notice,) = batch.of_type(ShipNotice)
        if batch.errors or len(notice.items) != ITEMS:
            raise SystemExit(f"unexpected result: {batch.errors[:3]}, {len(notice.items)} items")
    best = min(timings[1:])
    print(
        json.dumps(
            {
                "benchmark": "edi_856_parse",
                "items": ITEMS,
                "bytes": len(text),
                "first_run_seconds": round(timings[0], 4),
                "seconds": round(best, 4),
                "items_per_second": round(ITEMS / best),
                "target_seconds": 1.0,
                "within_target": timings[0] < 1.0,
            }
        )
    )


if __name__ == "__main__":
    main()
