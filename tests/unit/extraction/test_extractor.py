"""Extraction behaviour: what counts as a commitment, and how sure we are."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backorder.risk.extraction import (
    DEFAULT_CONFIDENCE_THRESHOLD,
    CommitmentKind,
    DeliveryCommitment,
    UnsureReason,
    extract_text,
    is_confident,
)

WEDNESDAY = dt.datetime(2024, 11, 20, 9, 0)


def commitments(text: str, subject: str = "") -> list[tuple[str, int | None, int | None, str]]:
    result = extract_text(text, WEDNESDAY, subject)
    return [
        (c.po_number, c.po_line, c.quantity, c.commitment_date.isoformat())
        for c in result.commitments
    ]


def test_the_canonical_partial_shipment() -> None:
    result = extract_text(
        "PO 4500012345 line 20: we can ship 300 pcs by end of next week, "
        "the balance of 200 early January",
        WEDNESDAY,
    )
    first, balance = result.commitments
    assert (first.quantity, first.commitment_date, first.is_partial) == (
        300,
        dt.date(2024, 11, 29),
        True,
    )
    assert (balance.quantity, balance.unit, balance.commitment_date) == (
        200,
        "pcs",
        dt.date(2025, 1, 10),
    )
    assert balance.is_balance
    assert balance.kind is CommitmentKind.SHIP
    assert first.date_text == "end of next week"
    assert first.evidence.startswith("PO 4500012345 line 20")


@pytest.mark.parametrize(
    "text",
    [
        "Thank you for PO 4500000001, we will send the confirmation shortly.",
        "We are checking with the factory and will revert by Friday.",
        "Unfortunately we cannot confirm a date for PO 4500000001 yet.",
        "We received your PO 4500000001 on Monday.",
        "Could you check the price on PO 4500000001? Our quote of Oct 3 was higher.",
        "The goods delivered on November 18 under PO 4500000001 are invoiced.",
    ],
)
def test_messages_without_a_promise_yield_nothing(text: str) -> None:
    assert commitments(text) == []


def test_negation_is_not_a_commitment_but_flags_the_date() -> None:
    result = extract_text("We cannot ship PO 4500000001 by Friday.", WEDNESDAY)
    assert result.commitments == ()
    (doubt,) = result.unsure
    assert doubt.reason is UnsureReason.NEGATED
    assert doubt.suggestion.po_candidates == ("4500000001",)
    assert doubt.suggestion.commitment_date == dt.date(2024, 11, 22)


def test_a_refused_date_followed_by_a_new_one_keeps_only_the_new_one() -> None:
    result = extract_text(
        "PO 4500000001: we cannot ship by Friday, but we can ship on Monday.", WEDNESDAY
    )
    assert [c.commitment_date for c in result.commitments] == [dt.date(2024, 11, 25)]
    assert result.unsure == ()


def test_questions_and_conditions_are_unsure_not_commitments() -> None:
    question = extract_text("Can you accept delivery of PO 4500000001 on Monday?", WEDNESDAY)
    assert question.commitments == ()
    assert question.unsure[0].reason is UnsureReason.PROPOSAL
    condition = extract_text("If you accept a partial, PO 4500000001 ships Monday.", WEDNESDAY)
    assert condition.unsure[0].reason is UnsureReason.CONDITIONAL


def test_vague_dates_and_missing_pos_become_unsure() -> None:
    vague = extract_text("PO 4500000001 will ship soon.", WEDNESDAY)
    assert vague.commitments == ()
    assert vague.unsure[0].reason is UnsureReason.VAGUE_DATE
    no_po = extract_text("Your goods will ship on Friday.", WEDNESDAY)
    assert no_po.unsure[0].reason is UnsureReason.NO_PO
    assert no_po.unsure[0].suggestion.commitment_date == dt.date(2024, 11, 22)


def test_several_pos_in_context_and_one_date_is_ambiguous() -> None:
    result = extract_text("We will ship next week.", WEDNESDAY, "POs 4500000001, 4500000002")
    assert result.commitments == ()
    assert result.unsure[0].reason is UnsureReason.AMBIGUOUS_PO
    assert result.unsure[0].suggestion.po_candidates == ("4500000001", "4500000002")


def test_one_date_for_several_named_pos_is_not_confident() -> None:
    result = extract_text("POs 4500000001 and 4500000002 will arrive on Dec 5.", WEDNESDAY)
    assert len(result.commitments) == 2
    assert not any(is_confident(c) for c in result.commitments)


def test_confidence_reflects_vagueness_and_hedging() -> None:
    firm = extract_text("PO 4500000001 ships on Dec 5.", WEDNESDAY).commitments[0]
    month = extract_text("PO 4500000001 ships in January.", WEDNESDAY).commitments[0]
    hedged = extract_text("We hope to ship PO 4500000001 on Dec 5.", WEDNESDAY).commitments[0]
    assert firm.confidence > 0.9
    assert is_confident(firm)
    assert month.confidence < DEFAULT_CONFIDENCE_THRESHOLD
    assert hedged.confidence < 0.6
    assert any("hedged" in reason for reason in hedged.reasons)


def test_po_from_the_subject_is_used_with_a_small_penalty() -> None:
    result = extract_text("Ships Friday.", WEDNESDAY, "RE: PO 4500000001")
    (commitment,) = result.commitments
    assert commitment.po_number == "4500000001"
    assert "PO named only in the subject" in commitment.reasons


def test_reschedules_keep_only_the_new_date() -> None:
    assert commitments("PO 4500000001 moved from Dec 5 to Dec 12.") == [
        ("4500000001", None, None, "2024-12-12")
    ]


def test_follow_up_promise_is_reported() -> None:
    result = extract_text("PO 4500000001: we will confirm the date by Friday.", WEDNESDAY)
    assert result.commitments == ()
    assert result.reply_expected_by == dt.date(2024, 11, 22)


def test_typos_in_key_words_are_tolerated_and_quoted_as_written() -> None:
    result = extract_text("PO 4500000001 will be dispached tomorow.", WEDNESDAY)
    (commitment,) = result.commitments
    assert commitment.commitment_date == dt.date(2024, 11, 21)
    assert commitment.date_text == "tomorow"


def test_is_confident_checks_its_threshold() -> None:
    commitment = extract_text("PO 4500000001 ships on Dec 5.", WEDNESDAY).commitments[0]
    low = dataclasses.replace(commitment, confidence=0.5)
    assert is_confident(commitment)
    assert not is_confident(low)
    assert is_confident(low, threshold=0.5)
    with pytest.raises(ValueError, match="threshold"):
        is_confident(commitment, threshold=1.5)


def test_commitments_are_frozen_and_serialisable() -> None:
    result = extract_text("PO 4500000001 ships on Dec 5.", WEDNESDAY)
    commitment: DeliveryCommitment = result.commitments[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        commitment.quantity = 3  # type: ignore[misc]
    data = result.to_dict()
    assert data["commitments"][0]["commitment_date"] == "2024-12-05"
    assert result.needs_review() is False


PHRASES = (
    "PO 4500000001",
    "ship",
    "shipped",
    "will deliver",
    "ETA",
    "ready for pickup",
    "the balance of",
    "rest",
    "300 pcs",
    "1,200 ea",
    "Friday",
    "next week",
    "end of next week",
    "EOM",
    "KW 48",
    "Dec 5",
    "12/05",
    "05.12.2024",
    "in 10 days",
    "early January",
    "soon",
    "TBC",
    "not",
    "cannot",
    "if",
    "line 10",
    "item AB-12",
    ",",
    ".",
    ";",
    "?",
    "and",
    "but",
    "on",
    "by",
)
WORDS = st.sampled_from(PHRASES)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, max_size=40).map(" ".join))
def test_any_text_extracts_without_error_and_with_verbatim_evidence(text: str) -> None:
    result = extract_text(text, WEDNESDAY)
    for commitment in result.commitments:
        assert commitment.evidence in text
        assert 0.0 <= commitment.confidence <= 1.0
        assert commitment.earliest_date <= commitment.commitment_date
    for fragment in result.unsure:
        assert fragment.text in text
