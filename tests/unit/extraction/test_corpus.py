"""Accuracy over the labelled supplier-message corpus (tests/data/supplier_messages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backorder.risk.extraction import load_message
from backorder.risk.extraction.evaluation import Report, evaluate, load_cases


@pytest.fixture(scope="module")
def report(corpus_dir: Path) -> Report:
    return evaluate(corpus_dir)


def test_corpus_is_big_and_varied(corpus_dir: Path) -> None:
    cases = load_cases(corpus_dir)
    assert len(cases) >= 30
    assert sum(1 for c in cases if c.no_commitment) >= 6
    assert sum(1 for c in cases if c.path.suffix == ".txt") >= 3
    assert len({c.expected["category"] for c in cases}) >= 10


def test_accuracy_is_at_least_90_percent(report: Report) -> None:
    wrong = {
        c.case.path.name: ([m["commitment_date"] for m in c.missed], c.false_positives)
        for c in report.cases
        if c.missed or c.false_positives
    }
    assert report.accuracy >= 0.9, wrong


def test_no_commitment_is_invented_for_messages_without_one(report: Report) -> None:
    invented = {
        c.case.path.name: c.result.commitments for c in report.cases if c.case.no_commitment
    }
    assert report.no_commitment_violations == 0, {k: v for k, v in invented.items() if v}


def test_line_kind_and_partial_flags_agree_with_the_labels(report: Report) -> None:
    mismatches = [m for c in report.cases for m in c.field_mismatches]
    assert report.right > 0
    assert len(mismatches) / report.right <= 0.1, mismatches


def test_unsure_fragments_are_raised_where_expected(report: Report) -> None:
    missing = {c.case.path.name: c.missing_unsure for c in report.cases if c.missing_unsure}
    assert not missing


def test_follow_up_promises_are_read(report: Report) -> None:
    for score in report.cases:
        expected = score.case.expected.get("reply_expected_by")
        if expected:
            assert score.result.reply_expected_by is not None, score.case.path.name
            assert score.result.reply_expected_by.isoformat() == expected


def test_evidence_is_verbatim_source_text(report: Report) -> None:
    for score in report.cases:
        message = load_message(score.case.path, score.case.message_date)
        for commitment in score.result.commitments:
            assert any(commitment.evidence in block.text for block in message.blocks)
