import numpy as np

from backorder.risk.explain import LOWERS, RAISES, top_reasons

NAMES = ("weeks_of_cover", "perf_6_month_avg", "lead_time", "deck_risk")
VALUES = np.array(
    [
        [0.2, 0.61, 8.0, 1.0],
        [40.0, 0.99, 2.0, 0.0],
        [3.0, np.nan, 4.0, 0.0],
    ]
)


def test_risky_row_is_explained_by_what_raises_its_risk_most() -> None:
    contrib = np.array([[1.5, 0.7, -0.2, 0.3, -4.0]])  # last column: the expectation
    reasons = top_reasons(contrib, VALUES[:1], NAMES)
    assert reasons.tolist() == [
        [
            "on hand covers 0.2 weeks of forecast" + RAISES,
            "supplier on-time rate 61% (6 months)" + RAISES,
            "deck risk flagged" + RAISES,
        ]
    ]


def test_safe_row_is_explained_by_what_lowers_its_risk_most() -> None:
    contrib = np.array([[-2.0, -0.5, 0.1, -0.1, -4.0]])
    reasons = top_reasons(contrib, VALUES[1:2], NAMES)
    assert reasons[0, 0] == "on hand covers 40.0 weeks of forecast" + LOWERS
    assert reasons[0, 1] == "supplier on-time rate 99% (6 months)" + LOWERS
    assert reasons[0, 2] == "no deck risk" + LOWERS


def test_fewer_than_three_pushing_features_leave_empty_reasons() -> None:
    contrib = np.array([[0.0, 0.9, -0.1, 0.0, -4.0]])
    reasons = top_reasons(contrib, VALUES[2:3], NAMES)
    assert reasons.tolist() == [["supplier on-time rate unknown" + RAISES, "", ""]]


def test_many_rows_share_phrases_without_mixing_them_up() -> None:
    rng = np.random.default_rng(5)
    values = np.repeat(VALUES, 1000, axis=0)
    contrib = rng.normal(0, 1, (values.shape[0], 5))
    reasons = top_reasons(contrib, values, NAMES)
    assert reasons.shape == (3000, 3)
    for row in rng.integers(0, 3000, 50):
        feature_part = contrib[row, :4]
        direction = 1.0 if feature_part.sum() >= 0 else -1.0
        best = int(np.argmax(feature_part * direction))
        if feature_part[best] * direction > 0:
            assert reasons[row, 0].startswith(_phrase_start(NAMES[best], values[row, best]))


def _phrase_start(name: str, value: float) -> str:
    from backorder.risk.features import FEATURES_BY_NAME

    return FEATURES_BY_NAME[name].describe(float(value))
