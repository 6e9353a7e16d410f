"""HTML mail bodies to plain text that keeps the line structure extraction relies on."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset({"p", "div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6"})
_LINE_TAGS = frozenset({"br", "tr", "li"})  # start a new line, but not a new paragraph
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "blockquote"})
_QUOTE_CLASSES = ("gmail_quote", "moz-cite-prefix", "yahoo_quoted", "divrplyfwdmsg")


class _TextCollector(HTMLParser):
    """Collects text, turning blocks into lines and table cells into `|` columns."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0  # inside <style>, a quoted reply, ...
        self._stack: list[tuple[str, bool]] = []  # (tag, opened a skip region)
        self._first_cell = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a block, line, cell or skipped region."""
        classes = " ".join(v or "" for k, v in attrs if k == "class")
        skips = tag in _SKIP_TAGS or any(q in classes for q in _QUOTE_CLASSES)
        if tag not in ("br", "img", "hr", "meta", "link", "input"):
            self._stack.append((tag, skips))
        if skips:
            self._skip_depth += 1
        if self._skip_depth:
            return
        if tag in _BLOCK_TAGS or tag in _LINE_TAGS:
            self.parts.append("\n")
        if tag == "tr":
            self._first_cell = True
        elif tag in ("td", "th"):
            # A table row becomes one line of `|`-separated cells, which the table reader knows.
            self.parts.append("" if self._first_cell else " | ")
            self._first_cell = False
        elif tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        """Close whatever `tag` opened (tolerating unclosed inner tags)."""
        while self._stack:
            open_tag, skipped = self._stack.pop()
            if skipped:
                self._skip_depth -= 1
            if open_tag == tag:
                break
        if not self._skip_depth and tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        """Keep visible text with its whitespace collapsed."""
        if self._skip_depth or (not data.strip() and "\n" in data):
            return  # source indentation between tags is not text
        self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    """Strip tags, keeping paragraphs, list items and table rows on their own lines."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    text = "".join(collector.parts).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
