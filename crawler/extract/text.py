"""Plain text from the HTML fragments feeds put in titles and summaries."""

from __future__ import annotations

import html
import re

from w3lib.html import remove_tags, remove_tags_with_content

_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLOCK = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr|/blockquote)\b[^>]*>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def html_to_text(fragment: str | None) -> str:
    """Tags and scripts removed, entities decoded, whitespace tidied, paragraphs kept."""
    if not fragment:
        return ""
    text = remove_tags_with_content(fragment, which_ones=("script", "style", "noscript"))
    text = _BLOCK.sub("\n", text)
    text = html.unescape(remove_tags(text))
    text = _CONTROL.sub("", text)
    lines = (_tidy(line) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _tidy(line: str) -> str:
    """The line with runs of spaces as one space. Most lines hold single spaces alone
    (printable: no tab, no non-breaking space), which the substitution would only
    rewrite one by one: over half of a summary's cost."""
    if line.isprintable() and "  " not in line:
        return line.strip()
    return _SPACE.sub(" ", line).strip()


def one_line(text: str | None) -> str:
    """A title fit for one line: no newlines, no runs of spaces."""
    return " ".join(html_to_text(text).split())
