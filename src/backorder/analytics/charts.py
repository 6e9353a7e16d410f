"""Small SVG charts drawn on the server: the report needs no script and prints as it shows.

Each function returns an `<svg>` element (labels escaped) with a title and a text
description for screen readers, sized by a viewBox so it scales with the page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

BLUE, RED, GREEN, GREY, INK = "#0969da", "#cf222e", "#1a7f37", "#d0d7de", "#1f2328"
Format = Callable[[float], str]


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" '
        f'style="max-width:{width}px;font:12px system-ui,sans-serif">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def bars(
    items: Sequence[tuple[str, float]],
    *,
    label: str,
    fmt: Format = lambda v: f"{v:,.0f}",
    color: str = BLUE,
    width: int = 640,
) -> Markup:
    """Horizontal bars, one per (name, value)."""
    row, right = 26, 110
    # Room for the longest label (about 7 px a character at 12 px), within reason.
    left = min(260, max(80, 16 + 7 * max((len(name) for name, _ in items), default=0)))
    biggest = max((abs(v) for _, v in items), default=0.0) or 1.0
    span = width - left - right
    body = []
    for index, (name, value) in enumerate(items):
        y = index * row + 4
        length = span * abs(value) / biggest
        body.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" fill="{INK}">'
            f"{escape(name)}</text>"
            f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="16" fill="{color}"/>'
            f'<text x="{left + length + 6:.1f}" y="{y + 15}" fill="{INK}">'
            f"{escape(fmt(value))}</text>"
        )
    return _svg(width, max(len(items), 1) * row + 8, label, body)


def line(
    points: Sequence[tuple[str, float | None]],
    *,
    label: str,
    low: float = 0.0,
    high: float = 1.0,
    fmt: Format = lambda v: f"{100 * v:.0f}%",
    width: int = 640,
    height: int = 220,
) -> Markup:
    """A line over named points (None leaves a gap), on a fixed vertical scale."""
    left, bottom, top, right = 48, 36, 12, 16
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)

    def y_of(value: float) -> float:
        share = (value - low) / ((high - low) or 1.0)
        return top + plot_h * (1 - min(max(share, 0.0), 1.0))

    body = []
    for tick in range(5):
        level = low + (high - low) * tick / 4
        y = y_of(level)
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GREY}"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="{INK}">{escape(fmt(level))}</text>'
        )
    path: list[str] = []
    for index, (name, value) in enumerate(points):
        x = left + index * step
        body.append(
            f'<text x="{x:.1f}" y="{height - 14}" text-anchor="middle" fill="{INK}">'
            f"{escape(name)}</text>"
        )
        if value is None:
            path.append("")
            continue
        y = y_of(value)
        path.append(f"{x:.1f},{y:.1f}")
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BLUE}">'
            f"<title>{escape(name)}: {escape(fmt(value))}</title></circle>"
        )
    for segment in " ".join(path).split("  "):
        if segment.strip():
            body.insert(
                0,
                f'<polyline fill="none" stroke="{BLUE}" stroke-width="2" '
                f'points="{segment.strip()}"/>',
            )
    return _svg(width, height, label, body)


def diverging(
    items: Sequence[tuple[str, float]],
    *,
    label: str,
    fmt: Format = lambda v: f"{v:+,.0f}",
    width: int = 640,
) -> Markup:
    """Bars left (red, negative) or right (green, positive) of a middle line."""
    row, left = 26, 110
    middle = left + (width - left) / 2
    half = (width - left) / 2 - 70
    biggest = max((abs(v) for _, v in items), default=0.0) or 1.0
    body = [
        f'<line x1="{middle}" x2="{middle}" y1="0" y2="{len(items) * row + 8}" stroke="{GREY}"/>'
    ]
    for index, (name, value) in enumerate(items):
        y = index * row + 4
        length = half * abs(value) / biggest
        x = middle if value >= 0 else middle - length
        color = GREEN if value >= 0 else RED
        text_x = middle + length + 6 if value >= 0 else middle - length - 6
        anchor = "start" if value >= 0 else "end"
        body.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" fill="{INK}">'
            f"{escape(name)}</text>"
            f'<rect x="{x:.1f}" y="{y + 3}" width="{length:.1f}" height="16" fill="{color}"/>'
            f'<text x="{text_x:.1f}" y="{y + 15}" text-anchor="{anchor}" fill="{INK}">'
            f"{escape(fmt(value))}</text>"
        )
    return _svg(width, max(len(items), 1) * row + 8, label, body)
