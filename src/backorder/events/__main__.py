"""`python -m backorder.events [--write]`: drafts for event classes not registered yet.

Prints the `register(...)` line for each domain event class the codec knows but the
catalog does not, and with `--write` puts a draft schema file beside the others (edit its
descriptions and bounds before committing).
"""

from __future__ import annotations

import json
import sys
from importlib import resources

from backorder.domain import event_codec
from backorder.events.catalog import REGISTRY
from backorder.events.registry import draft_schema


def main(argv: list[str]) -> int:
    """Print registrations (and write schema drafts with --write) for unregistered events."""
    write = "--write" in argv
    folder = resources.files("backorder.events").joinpath("schemas")
    missing = [
        (cls, spec) for cls, spec in event_codec._TYPES.items() if not REGISTRY.for_class(cls)
    ]
    for cls, (event_type, subject_field) in missing:
        aggregate = subject_field.removesuffix("_id").replace("_", " ")
        print(f'register("{event_type}", events.{cls.__name__}, "{aggregate}")')
        if write:
            path = folder.joinpath(f"{event_type}.json")
            with resources.as_file(path) as target:
                if not target.exists():
                    target.write_text(json.dumps(draft_schema(event_type, cls), indent=2) + "\n")
                    print(f"  wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
