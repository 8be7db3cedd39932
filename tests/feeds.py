"""Feed documents built for tests, from the seeds and from made-up entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

DATA = Path(__file__).resolve().parent / "data"
SEEDS = DATA / "seeds"
REAL_FEEDS = DATA / "real-feeds"
"""Real feeds saved from news sites; where each came from is in its provenance.tsv."""


@dataclass
class Entry:
    title: str
    link: str
    summary: str = ""
    published: datetime | None = None


def seed(name: str) -> tuple[str, str]:
    """(headline, body) of a seed article: the first line is the headline."""
    text = (SEEDS / name).read_text(encoding="utf-8")
    headline, _, body = text.partition("\n")
    return headline.strip(), body.strip()


def seed_names() -> list[str]:
    return sorted(p.name for p in SEEDS.glob("*.txt"))


def rss(entries: list[Entry], title: str = "Test feed", encoding: str = "utf-8") -> bytes:
    items = []
    for e in entries:
        date = f"<pubDate>{format_datetime(e.published)}</pubDate>" if e.published else ""
        items.append(
            f"<item><title>{escape(e.title)}</title><link>{escape(e.link)}</link>"
            f"<guid>{escape(e.link)}</guid>{date}"
            f"<description>{escape(e.summary)}</description></item>"
        )
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.org/</link>"
        f"<description>test</description>{''.join(items)}</channel></rss>"
    )
    return doc.encode(encoding, errors="xmlcharrefreplace")


def atom(entries: list[Entry], title: str = "Test atom") -> bytes:
    items = []
    for e in entries:
        date = e.published.isoformat() if e.published else "2025-05-20T10:00:00+00:00"
        items.append(
            f'<entry><title type="html">{escape(e.title)}</title>'
            f'<link rel="alternate" href="{escape(e.link)}"/><id>{escape(e.link)}</id>'
            f"<updated>{date}</updated><summary>{escape(e.summary)}</summary></entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:test</id><updated>2025-05-20T10:00:00Z</updated>"
        f"{''.join(items)}</feed>"
    ).encode()


def rdf(entries: list[Entry]) -> bytes:
    items = "".join(
        f'<item rdf:about="{escape(e.link)}"><title>{escape(e.title)}</title>'
        f"<link>{escape(e.link)}</link><description>{escape(e.summary)}</description>"
        f"<dc:date>2025-05-20T10:00:00Z</dc:date></item>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<channel rdf:about="http://example.org/"><title>RDF</title>'
        "<link>http://example.org/</link><description>d</description></channel>"
        f"{items}</rdf:RDF>"
    ).encode()


def talks_entry(n: int, base: str = "https://news.example.org") -> Entry:
    return Entry(
        f"Ukraine and Russia negotiators meet for round {n} of peace talks",
        f"{base}/world/talks-round-{n}.html",
        f"Negotiators from Kyiv and Moscow met for the {n}th round of talks on a ceasefire, "
        f"officials in the Kremlin and in Ukraine said of meeting number {n}.",
    )


def unrelated_entry(base: str = "https://news.example.org") -> Entry:
    return Entry(
        "Local bakery wins national bread award",
        f"{base}/life/bread-award.html",
        "A family bakery took the top prize for its sourdough at the national fair.",
    )
