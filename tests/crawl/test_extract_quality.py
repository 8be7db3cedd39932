"""What extraction keeps, what it drops, and what it refuses to call an article."""

from __future__ import annotations

import re

import pytest

from crawler.extract.article import extract_article
from crawler.sources.sitemap import SitemapError, parse_sitemap
from tests.crawl.testsite import (
    COMMON_BOILERPLATE,
    TestSite,
    article_html,
    news_sitemap,
    seed_articles,
    synthetic_articles,
)

ARTICLES = seed_articles() + synthetic_articles()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.slug)
def test_body_paragraphs_kept_and_boilerplate_dropped(article) -> None:  # type: ignore[no-untyped-def]
    page = extract_article(article_html(article), f"https://example.org{article.path}")
    assert page.error is None
    text = _norm(page.text)
    for paragraph in article.paragraphs:
        assert _norm(paragraph) in text
    for line in [*article.boilerplate, *COMMON_BOILERPLATE]:
        assert line not in page.text
    assert page.title == article.title
    assert page.author == article.author
    assert page.published is not None and page.published.startswith(article.published[:10])


def test_date_falls_back_to_htmldate_when_metadata_has_none() -> None:
    article = synthetic_articles()[0]
    html = article_html(article)
    html = re.sub(r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)
    html = re.sub(r'<meta property="article:published_time"[^>]*>', "", html)
    page = extract_article(html)
    assert page.published is not None and page.published.startswith(article.published[:10])


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("", "empty page"),
        ("<html><body><p>Russia and Ukraine talk.</p></body></html>", "too short"),
        (
            "<html><body><h1>Page not found</h1><p>Sorry, the page you are looking for "
            "could not be found. Try the search box or go back to the home page.</p>"
            "</body></html>",
            "error page",
        ),
        (
            "<html><body><p>Please enable JavaScript and verify you are human to "
            "continue to the site you requested.</p></body></html>",
            "bot check",
        ),
    ],
)
def test_pages_that_are_not_articles_give_no_text(html: str, reason: str) -> None:
    page = extract_article(html, "https://example.org/x")
    assert page.text == ""
    assert page.error is not None and reason in page.error


def test_an_article_mentioning_cookies_is_still_an_article() -> None:
    article = synthetic_articles()[1]
    article.paragraphs.append(
        "Officials said negotiators would not accept all cookies offered at the reception, "
        "a joke that broke the tension in a long and difficult session of the talks."
    )
    article.paragraphs *= 3
    page = extract_article(article_html(article))
    assert page.error is None and "reception" in page.text


def test_news_sitemap_fields_are_read() -> None:
    site = TestSite()
    sitemap = parse_sitemap(news_sitemap("https://example.org", site.sitemapped).encode())
    assert sitemap.kind == "urlset"
    first = sitemap.entries[0]
    assert first.title == site.sitemapped[0].title
    assert first.published == site.sitemapped[0].published_at
    assert first.loc == "https://example.org" + site.sitemapped[0].path


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<rss></rss>", "not a sitemap"),
        (b"\x00garbage", "not XML"),
        (b'<!DOCTYPE u [<!ENTITY x "y">]><urlset>&x;</urlset>', "DTD"),
        (b"<!doctype html><html><body>hi</body></html>", "HTML"),
    ],
)
def test_sitemap_garbage_is_refused(body: bytes, reason: str) -> None:
    with pytest.raises(SitemapError, match=reason):
        parse_sitemap(body)


def _page(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<html><head><title>Talks</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>Talks</h1>{body}</article><footer>Contact us</footer></body></html>"
    )


def test_an_unspaced_japanese_article_is_not_too_short() -> None:
    paragraphs = [
        "ロシアとウクライナの代表団は月曜日にイスタンブールで和平交渉の新たな協議を行い、"
        "捕虜の交換と停戦の条件について話し合ったと当局者が明らかにした。",
        "交渉は約二時間続き、双方は次回の会合の日程について合意したが、"
        "領土の問題では依然として大きな隔たりが残っていると関係者は述べた。",
    ]
    page = extract_article(_page(paragraphs), "https://example.jp/news/1")
    assert page.error is None
    assert paragraphs[0] in page.text


def test_a_sixty_word_wire_brief_is_an_article() -> None:
    brief = (
        "Russian and Ukrainian negotiators met in Istanbul on Monday for a new round of "
        "talks and agreed to exchange prisoners of war, officials from both delegations "
        "said. The meeting lasted about two hours. Kyiv's delegation said a ceasefire was "
        "not discussed in detail, and Moscow's said the next round would be held within "
        "weeks at a place still to be agreed by both sides."
    )
    assert 50 <= len(brief.split()) < 80
    page = extract_article(_page([brief]), "https://example.org/brief")
    assert page.error is None and "prisoners of war" in page.text
