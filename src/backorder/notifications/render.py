"""Render a customer notice: subject, plain text and HTML from the kind's templates.

Each kind has `<kind>.txt` and `<kind>.html` in `templates/`, both extending a layout that
shows the line's facts; the subject is the `subject` block of the text template. HTML is
autoescaped (customer and item names are data, not markup); text is not.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from backorder.domain.notifications import NoticeContent

_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class RenderedNotice:
    """A notice ready to store and send."""

    subject: str
    text: str
    html: str


def format_day(value: date | None) -> str:
    """A date in words (`Tuesday 1 December 2026`), or that there is none yet."""
    if value is None:
        return "not known yet"
    return f"{value:%A} {value.day} {value:%B %Y}"


def format_units(value: int) -> str:
    """A quantity with its noun (`1 unit`, `12 units`)."""
    return f"{value:,} unit" if value == 1 else f"{value:,} units"


@functools.cache
def _environment() -> Environment:
    # Built on first use, not at import: loading templates touches the package files.
    environment = Environment(
        loader=PackageLoader("backorder.notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["day"] = format_day
    environment.filters["units"] = format_units
    return environment


def render(content: NoticeContent) -> RenderedNotice:
    """Subject, text and HTML of a notice."""
    environment = _environment()
    values = {"n": content}
    text_template = environment.get_template(f"{content.kind.value}.txt")
    subject = "".join(text_template.blocks["subject"](text_template.new_context(values)))
    text = _BLANK_RUNS.sub("\n\n", text_template.render(values)).strip() + "\n"
    html = environment.get_template(f"{content.kind.value}.html").render(values)
    # A subject is one header line: no newline may reach the message headers.
    return RenderedNotice(subject=" ".join(subject.split()), text=text, html=html.strip() + "\n")
