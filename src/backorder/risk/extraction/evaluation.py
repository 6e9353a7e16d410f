"""Score the extractor against labelled messages (a message file + an expected-result JSON).

A commitment is right when PO, quantity and date all match an expected one. Accuracy is
right / (expected + extracted that match nothing), so invented commitments count against
it as much as missed ones. Field agreement (line, kind, partial, balance) is reported on the
right commitments.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backorder.risk.extraction.extractor import extract_file
from backorder.risk.extraction.model import DeliveryCommitment, ExtractionResult

MESSAGE_SUFFIXES = (".eml", ".txt")


@dataclass(frozen=True)
class Case:
    """One labelled message."""

    path: Path
    expected: dict[str, Any]

    @property
    def message_date(self) -> dt.datetime | None:
        """The date a plain-text portal message was written (from its label)."""
        raw = self.expected.get("message_date")
        return dt.datetime.fromisoformat(raw) if raw else None

    @property
    def no_commitment(self) -> bool:
        """True for messages labelled as carrying no commitment at all."""
        return bool(self.expected.get("category") == "no_commitment")


@dataclass
class CaseScore:
    """How one message scored."""

    case: Case
    result: ExtractionResult
    right: int
    expected: int
    false_positives: list[DeliveryCommitment]
    missed: list[dict[str, Any]]
    field_mismatches: list[str] = field(default_factory=list)
    missing_unsure: list[str] = field(default_factory=list)


@dataclass
class Report:
    """Scores over a set of messages."""

    cases: list[CaseScore]

    @property
    def right(self) -> int:
        """Commitments with PO, quantity and date all correct."""
        return sum(c.right for c in self.cases)

    @property
    def expected(self) -> int:
        """Commitments in the labels."""
        return sum(c.expected for c in self.cases)

    @property
    def false_positives(self) -> int:
        """Extracted commitments that match no label."""
        return sum(len(c.false_positives) for c in self.cases)

    @property
    def accuracy(self) -> float:
        """right / (expected + false positives)."""
        denominator = self.expected + self.false_positives
        return self.right / denominator if denominator else 1.0

    @property
    def no_commitment_violations(self) -> int:
        """Commitments extracted from messages labelled as having none."""
        return sum(len(c.result.commitments) for c in self.cases if c.case.no_commitment)

    def to_dict(self) -> dict[str, Any]:
        """Summary as plain JSON."""
        return {
            "messages": len(self.cases),
            "expected_commitments": self.expected,
            "right": self.right,
            "false_positives": self.false_positives,
            "accuracy": round(self.accuracy, 4),
            "no_commitment_messages": sum(1 for c in self.cases if c.case.no_commitment),
            "commitments_on_no_commitment_messages": self.no_commitment_violations,
            "field_mismatches": sum(len(c.field_mismatches) for c in self.cases),
        }


def load_cases(directory: Path) -> list[Case]:
    """Every message in `directory` that has an expected-result JSON next to it."""
    cases = []
    for path in sorted(directory.iterdir()):
        label = path.with_suffix(".json")
        if path.suffix in MESSAGE_SUFFIXES and label.exists():
            cases.append(Case(path, json.loads(label.read_text(encoding="utf-8"))))
    return cases


def _same(commitment: DeliveryCommitment, label: dict[str, Any]) -> bool:
    wanted = (label["po_number"], label["quantity"], label["commitment_date"])
    return (
        commitment.po_number,
        commitment.quantity,
        commitment.commitment_date.isoformat(),
    ) == wanted


def score(case: Case) -> CaseScore:
    """Run the extractor on one labelled message and compare."""
    result = extract_file(case.path, case.message_date)
    remaining = list(result.commitments)
    missed: list[dict[str, Any]] = []
    mismatches: list[str] = []
    right = 0
    for label in case.expected.get("commitments", []):
        found = next((c for c in remaining if _same(c, label)), None)
        if found is None:
            missed.append(label)
            continue
        remaining.remove(found)
        right += 1
        for name in ("po_line", "kind", "is_partial", "is_balance"):
            if name in label and getattr(found, name) != label[name]:
                actual = getattr(found, name)
                mismatches.append(f"{label['po_number']} {name}: {actual!r} != {label[name]!r}")
        ceiling = label.get("max_confidence")
        if ceiling is not None and found.confidence > ceiling:
            mismatches.append(f"{label['po_number']} confidence {found.confidence} > {ceiling}")
    reasons = {u.reason.value for u in result.unsure}
    missing_unsure = [r for r in case.expected.get("unsure_reasons", []) if r not in reasons]
    return CaseScore(
        case,
        result,
        right,
        len(case.expected.get("commitments", [])),
        remaining,
        missed,
        mismatches,
        missing_unsure,
    )


def evaluate(directory: Path) -> Report:
    """Score every labelled message in `directory`."""
    return Report([score(case) for case in load_cases(directory)])
