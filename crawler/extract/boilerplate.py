"""Page furniture that is not the article: what differs between two copies of one story.

Syndicated copies differ mostly in what each site wraps around the text: counters
("0 Comments", "5 Views"), share bars, "Recommendations", weather widgets, bylines,
datelines, AI disclaimers, copyright lines, the headline repeated above the body.
`strip_boilerplate` drops those lines so that a content hash and the shingles see
only the story. It works on lines, which both trafilatura and `html_to_text` keep.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)

# A short line without sentence punctuation, among longer text, is furniture:
# a counter, a byline, a date, a widget, a section label or a subheading.
SHORT_LINE_WORDS = 5
_SENTENCE_END = frozenset('.!?…"”»)')

# Furniture recognised by how a line starts (tried at the start only: cheap).
_DROP_START = re.compile(
    "|".join(
        f"(?:{p})"
        for p in (
            r"\s*(disclaimer|editor'?s note|editor’s note)\s*:",
            r"\W*\(?\s*(reporting|additional reporting|writing|editing) by\b",
            r"\W*by\s+[\w.'’ -]+(,[^.]{0,60})?$",
            r"\W*(published|updated|last updated|posted|first published)\b[^.]{0,80}$",
            r"\W*\d[\d,.]*\s*k?\s*(comments?|views?|shares?|reads?|likes?)\W*$",
            r"\W*\d+\s*(min|mins|minutes?)\s*(read|to read)\W*$",
            r"\W*(read more|also read|read also|related|recommended|recommendations|more from"
            r"|most read|trending|advertisement|sponsored|story continues below|continue reading"
            r"|subscribe|sign up|follow us|click here|watch|listen|join our)\b.{0,80}$",
        )
    ),
    re.IGNORECASE,
)
# Furniture recognised anywhere in a line; searched only when a cue word is present.
_DROP_ANYWHERE = re.compile(
    r"(generated|written|produced|created)\b.{0,40}\b(artificial intelligence|\bai\b)"
    r"|\b(artificial intelligence|\bai)[- ](generated|assisted)\b"
    r"|copyright|©|\(c\)\s*\d{4}|all rights reserved"
    r"|may not be (published|reproduced), broadcast, rewritten"
    r"|-?\d+\s*°\s*[cf]\b",
    re.IGNORECASE,
)
_CUES = (
    "artificial intelligence",
    " ai",
    "ai-",
    "copyright",
    "©",
    "(c)",
    "reserved",
    "rewritten",
    "°",
)
# One search for any cue: a generator over the cues cost a Python frame per cue per line.
_CUE = re.compile("|".join(re.escape(cue) for cue in _CUES))

_SHARE_WORDS = frozenset(
    [
        "share",
        "this",
        "article",
        "story",
        "on",
        "via",
        "facebook",
        "twitter",
        "x",
        "whatsapp",
        "email",
        "e",
        "mail",
        "print",
        "linkedin",
        "telegram",
        "reddit",
        "copy",
        "link",
        "tweet",
        "pinterest",
        "messenger",
        "flipboard",
        "save",
        "comment",
        "comments",
    ]
)

# "KYIV, Ukraine (AP) — ", "MOSCOW (Reuters) - ", "ISTANBUL, May 16 (Reuters) - ".
_DATELINE = re.compile(
    r"^[A-ZÀ-Þ][A-ZÀ-Þ.'’ -]{2,30}"
    r"(?:,[^—–\-()\n]{1,40})?"
    r"(?:\s*\([^)\n]{1,40}\))?"
    r"\s*[—–-]{1,2}\s+"
)


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def _is_boilerplate(line: str, words: list[str]) -> bool:
    if _DROP_START.match(line):
        return True
    low = line.casefold()
    if _CUE.search(low) and _DROP_ANYWHERE.search(line):
        return True
    return bool(words) and len(words) <= 12 and set(words) <= _SHARE_WORDS


def strip_dateline(paragraph: str) -> str:
    return _DATELINE.sub("", paragraph, count=1)


def strip_boilerplate(text: str, title: str = "") -> str:
    """The text without furniture lines, the repeated headline or a leading dateline.

    Short unpunctuated lines go only when longer text remains, so a one-line feed
    summary is kept whole.
    """
    return "\n".join(_strip(text, _words(title))[0])


def strip_boilerplate_words(text: str, title: str = "") -> tuple[list[str], list[str]]:
    """`_words` of the title and of `strip_boilerplate(text, title)`, tokenising once.

    The stripping reads every line's words anyway, and a line break is a boundary that
    NFKC, casefolding and `\\w+` never cross, so the kept lines' words joined are the
    words of the stripped text: a fingerprint needs no second pass over the body.
    """
    title_words = _words(title)
    lines, line_words = _strip(text, title_words)
    if lines and lines[0] != line_words[0][0]:
        line_words[0] = (lines[0], _words(lines[0]))  # a dateline was cut from it
    return title_words, [w for _, words in line_words for w in words]


def _strip(text: str, title_words: list[str]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The kept lines, and (line before dateline stripping, its words) for each."""
    kept: list[tuple[str, list[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        words = _words(line)
        if not words or words == title_words or _is_boilerplate(line, words):
            continue
        kept.append((line, words))
    chosen = [
        (line, w) for line, w in kept if len(w) > SHORT_LINE_WORDS or line[-1] in _SENTENCE_END
    ]
    chosen = chosen or kept
    lines = [line for line, _ in chosen]
    if lines:
        lines[0] = strip_dateline(lines[0])
    return lines, chosen
