"""Entity expansion and external entities: refused in every encoding, feed and sitemap.

The contract: a feed or sitemap that declares a DTD or entities is refused, and the
reason says so. A declaration hidden behind a comment, a processing instruction,
padding, or an encoding other than UTF-8 is still a declaration.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.settings import SourceSettings
from crawler.sources.feed import FeedError, parse_feed
from crawler.sources.sitemap import SitemapError, parse_sitemap

SOURCE = SourceSettings(name="x", url="http://feeds.example/rss")


def _laughs() -> str:
    entities = ['<!ENTITY l0 "Ukraine Russia talks ">']
    entities += [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    return "".join(entities)


def _feed_dtd(secret: Path) -> str:
    return (
        f'<!DOCTYPE rss [{_laughs()}<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>&l9; &xxe;</title>'
        "<link>https://x.example.org/a</link></item></channel></rss>"
    )


def _sitemap_dtd(secret: Path) -> str:
    return (
        f'<!DOCTYPE urlset [{_laughs()}<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>https://x.example/&xxe;&l9;</loc></url></urlset>"
    )


def _disguises(doc: str) -> dict[str, bytes]:
    decl = '<?xml version="1.0" encoding="{}"?>'
    return {
        "plain": doc.encode(),
        "utf-8 BOM": b"\xef\xbb\xbf" + doc.encode(),
        "comment first": ("<!-- <rss> <urlset> -->" + doc).encode(),
        "processing instruction first": ("<?style <rss> <urlset> ?>" + doc).encode(),
        "8 KB of padding": (" " * 8192 + doc).encode(),
        "utf-16": (decl.format("utf-16") + doc).encode("utf-16"),
        "utf-16-le without BOM": (decl.format("utf-16le") + doc).encode("utf-16-le"),
        "utf-32": (decl.format("utf-32") + doc).encode("utf-32"),
        "utf-32-be without BOM": (decl.format("utf-32be") + doc).encode("utf-32-be"),
        "utf-7": (decl.format("utf-7") + doc.replace("<", "+ADw-")).encode(),
        "ebcdic": (decl.format("cp037") + doc).encode("cp037"),
        "lower case": doc.replace("DOCTYPE", "doctype").encode(),
    }


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-VALUE")
    return path


def test_feeds_declaring_entities_are_refused_in_any_disguise(secret: Path) -> None:
    for name, body in _disguises(_feed_dtd(secret)).items():
        with pytest.raises(FeedError, match="declares a DOCTYPE") as refused:
            parse_feed(body, url=str(SOURCE.url), source=SOURCE)
        assert "TOP-SECRET" not in str(refused.value), name


def test_a_charset_from_http_cannot_hide_a_declaration(secret: Path) -> None:
    body = _feed_dtd(secret).replace("<", "+ADw-").encode()
    headers = {"Content-Type": "application/xml; charset=utf-7"}
    with pytest.raises(FeedError, match="declares a DOCTYPE"):
        parse_feed(body, url=str(SOURCE.url), source=SOURCE, headers=headers)


def test_sitemaps_declaring_entities_are_refused_in_any_disguise(secret: Path) -> None:
    for name, body in _disguises(_sitemap_dtd(secret)).items():
        # libxml2 reads neither UTF-7 nor EBCDIC: "not XML", a refusal too.
        unreadable = name in ("utf-7", "ebcdic")
        reason = "not XML" if unreadable else "DTD or entities|entity amplification"
        with pytest.raises(SitemapError, match=reason) as refused:
            parse_sitemap(body)
        assert "TOP-SECRET" not in str(refused.value), name


def test_an_undeclared_entity_is_not_expanded(secret: Path) -> None:
    body = (
        b'<rss version="2.0"><channel><item><title>Ukraine Russia talks &xxe;</title>'
        b"<link>https://x.example.org/a</link></item></channel></rss>"
    )
    candidates, _ = parse_feed(body, url=str(SOURCE.url), source=SOURCE)
    assert all("TOP-SECRET" not in c.title + c.summary for c in candidates)
