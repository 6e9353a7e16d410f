"""No input may crash the parser, and every transaction set found is accounted for."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backorder.adapters.edi import EdiIssue, parse_inbound
from tests.unit.edi.conftest import sample_text

SAMPLES = [
    "acme_855_4010.edi",
    "acme_856_4010.edi",
    "globex_846_4010.edi",
    "initech_810_5010.edi",
    "initech_856_5010.edi",
    "umbrella_855_sloppy.edi",
]
_NOISE = st.text(alphabet="*~>|:^\r\n AZaz019.-", max_size=6)


@st.composite
def mangled(draw: st.DrawFn) -> str:
    """A sample file with a few random cuts, insertions and duplications."""
    text = sample_text(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        size = draw(st.integers(min_value=0, max_value=12))
        action = draw(st.sampled_from(["cut", "insert", "repeat"]))
        if action == "cut":
            text = text[:at] + text[at + size :]
        elif action == "insert":
            text = text[:at] + draw(_NOISE) + text[at:]
        else:
            text = text[:at] + text[at : at + size] + text[at:]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled())
def test_mangled_files_never_crash_the_parser(text: str) -> None:
    batch = parse_inbound(text)
    assert all(isinstance(issue, EdiIssue) for issue in (*batch.errors, *batch.warnings))
    accepted = sum(ack.accepted for ack in batch.acknowledgements)
    assert accepted == len(batch.documents)
    for ack in batch.acknowledgements:
        assert ack.received == len(ack.responses)
    for issue in batch.errors:
        assert issue.reason
        if issue.segment_position_in_set is not None:
            assert issue.segment_position_in_set >= 1
