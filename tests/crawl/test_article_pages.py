"""Feed entries' pages fetched and read: text replaces the summary, failures keep it."""

from __future__ import annotations

import contextlib
import itertools

from crawler.model import Candidate
from crawler.runtime.loop import run
from crawler.settings import NetworkSettings
from crawler.sources.sites import crawl_site, fetch_article_pages, read_pages
from tests.crawl.testsite import Page, TestSite, article_html

COOKIE_WALL = """<html lang="en"><body><div class="consent"><h1>Before you continue</h1>
<p>We use cookies and data to deliver and maintain our services. If you choose to
Accept all, we will also use cookies to personalise ads. Select Reject all to decline.</p>
<button>Reject all</button><button>Accept all cookies</button></div></body></html>"""

PAYWALL = """<html lang="en"><body><article><h1>Russia and Ukraine resume talks</h1>
<p>Negotiators from both sides met in Istanbul on Friday for the first time in weeks.</p>
<div class="paywall"><p>Subscribe to continue reading. Already a subscriber? Sign in.</p>
</div></article></body></html>"""


def _candidate(site: TestSite, path: str, **extra: object) -> Candidate:
    return Candidate(
        url=site.url(path),
        title="",
        topic="russia-ukraine-talks",
        summary="Feed summary.",
        **extra,  # type: ignore[arg-type]
    )


async def test_pages_fill_text_author_language_and_date(
    site: TestSite, network: NetworkSettings
) -> None:
    seeds = site.articles[:2]
    candidates = [_candidate(site, a.path) for a in seeds]
    pages: list[int] = []

    await fetch_article_pages(candidates, network, on_page=lambda: pages.append(1))

    assert len(pages) == 2
    for candidate, article in zip(candidates, seeds, strict=True):
        assert candidate.text_source == "page" and candidate.extract_error is None
        assert article.paragraphs[0] in (candidate.text or "")
        assert candidate.summary == "Feed summary."
        assert candidate.author == article.author
        assert candidate.language == "en"
        assert candidate.published == article.published_at
        assert candidate.title == article.title


async def test_failed_pages_keep_their_summary_and_say_why(
    site: TestSite, network: NetworkSettings
) -> None:
    site.add("/consent.html", COOKIE_WALL)
    site.add("/paywalled.html", PAYWALL)
    site.add("/broken.html", "<h1>Server error</h1>", status=500)
    site.add("/feed.pdf", "%PDF-1.4", ctype="application/pdf")
    cases = {
        "/consent.html": "cookie or consent wall",
        "/paywalled.html": "paywall stub",
        "/missing.html": "HTTP 404",
        "/broken.html": "HTTP 500",
        "/feed.pdf": "not a web page",
    }
    candidates = [_candidate(site, path) for path in cases]

    await fetch_article_pages(candidates, network)

    for candidate, (path, reason) in zip(candidates, cases.items(), strict=True):
        assert candidate.text is None, path
        assert candidate.text_source == "summary"
        assert candidate.body == "Feed summary."
        assert candidate.extract_error is not None and reason in candidate.extract_error, path


async def test_meta_refresh_pages_lead_to_the_article(
    site: TestSite, network: NetworkSettings
) -> None:
    article = site.articles[0]
    refresh = f'<html><head><META HTTP-EQUIV="Refresh" CONTENT="0; url={article.path}">'
    site.add("/go/plain.html", refresh + "</head><body>Moved</body></html>")
    candidates = [_candidate(site, "/go/plain.html")]
    await fetch_article_pages(candidates, network)
    assert candidates[0].text_source == "page", candidates[0].extract_error
    assert article.paragraphs[0][:40] in (candidates[0].text or "")


async def test_feed_dates_are_kept(site: TestSite, network: NetworkSettings) -> None:
    from datetime import UTC, datetime

    given = datetime(2025, 1, 2, tzinfo=UTC)
    candidate = _candidate(site, site.articles[0].path, published=given)
    await fetch_article_pages([candidate], network)
    assert candidate.published == given


async def test_429_is_retried_after_the_time_retry_after_asks(
    site: TestSite, network: NetworkSettings
) -> None:
    article = site.articles[2]
    answers = itertools.chain(
        [Page(429, "text/html", "slow down", {"Retry-After": "1"})],
        itertools.repeat(Page(200, "text/html", article_html(article))),
    )
    site.handlers["/busy.html"] = lambda: next(answers)
    candidate = _candidate(site, "/busy.html")

    await fetch_article_pages([candidate], network)

    assert candidate.extract_error is None and article.paragraphs[0] in (candidate.text or "")
    first, second = site.times["/busy.html"]
    assert second - first >= 1.0


async def test_feed_links_to_private_addresses_are_refused(site: TestSite) -> None:
    candidate = _candidate(site, site.articles[0].path)
    await fetch_article_pages([candidate], NetworkSettings(allow_private=False))
    assert candidate.extract_error is not None and "private address" in candidate.extract_error
    assert site.requested == []


async def test_a_crawl_of_garbage_does_not_disturb_the_next(
    site: TestSite, network: NetworkSettings
) -> None:
    site.add("/binary.html", "\x00\xff" * 5000)
    bad = _candidate(site, "/binary.html")
    good = _candidate(site, site.articles[3].path)
    await fetch_article_pages([bad], network)
    await fetch_article_pages([good], network)
    assert bad.extract_error is not None and bad.text is None
    assert good.extract_error is None and good.text


def test_run_can_be_called_again_for_each_crawl(site: TestSite, network: NetworkSettings) -> None:
    from crawler.settings import SourceSettings

    source = SourceSettings(
        name="s", kind="sitemap", url=site.url("/sitemap.xml"), topic="russia-ukraine-talks"
    )

    async def once() -> int:
        crawl = await crawl_site(source, network, known_urls=lambda u: set(), since=None)
        return len(crawl.candidates)

    assert [run(once()) for _ in range(2)] == [len(site.sitemapped)] * 2
    (page,) = run(read_pages([site.url(site.articles[0].path)], network))
    assert page.error is None and page.title == site.articles[0].title


async def test_fetched_pages_are_stored_while_a_slow_page_still_downloads(
    site: TestSite, network: NetworkSettings, tmp_path
) -> None:
    """A crash or a hung page must not cost the pages already read: they are stored
    within a second of arriving, before the feed's slowest page is in."""
    import asyncio

    from sqlalchemy import func, select

    from crawler.crawl import STORE_AFTER, Crawl
    from crawler.settings import SourceSettings, TopicSettings
    from crawler.store.db import session_scope
    from crawler.store.ingest import Ingestor
    from crawler.store.migrate import open_database
    from crawler.store.tables import Article
    from tests.feeds import Entry, rss

    slow, *others = site.articles
    site.delays[slow.path] = STORE_AFTER + 6
    entries = [Entry(a.title, site.url(a.path), "Feed summary.") for a in site.articles]
    site.add("/talks.xml", rss(entries).decode(), "application/rss+xml")
    engine = open_database(f"sqlite:///{tmp_path}/t.db")
    topic = TopicSettings()
    source = SourceSettings(
        name="talks", url=site.url("/talks.xml"), topic=topic.name, fetch_articles=True
    )

    def stored() -> int:
        with session_scope(engine) as session:
            return session.exec(select(func.count(Article.id))).scalar_one()  # type: ignore[call-overload]

    crawl = asyncio.ensure_future(Crawl(engine, Ingestor([topic]), network).run([source]))
    loop = asyncio.get_running_loop()
    waited_until = loop.time() + STORE_AFTER + 4  # the slow page takes 2 s longer
    while stored() < len(others) and loop.time() < waited_until:
        await asyncio.sleep(0.1)

    assert stored() == len(others) and not crawl.done()
    report = await crawl
    assert report.new_articles == stored() == len(site.articles)
    assert not report.errors


async def test_a_cancelled_page_fetch_leaves_no_task_behind(
    site: TestSite, network: NetworkSettings
) -> None:
    """The caller of a page fetch gives up (its ingest failed, the daemon stops): the
    spider stops with it, at once, and none of Scrapy's downloads or scrapes outlive
    it, to be destroyed pending (with an "Exception ignored" traceback each) when the
    loop closes."""
    import asyncio

    from crawler.model import AnalysisSpec
    from crawler.settings import DedupSettings, TopicSettings
    from tests.crawl.testsite import Article

    spec = AnalysisSpec.of(DedupSettings(), TopicSettings())
    candidates = []
    for n in range(120):
        article = Article(
            slug=f"round-{n}",
            title=f"Russia and Ukraine hold round {n} of talks",
            published="2025-11-10T12:00:00+00:00",
            author="Desk",
            paragraphs=[f"Negotiators from Kyiv and Moscow met for round {n} of talks. " * 6] * 3,
        )
        site.add(article.path, article_html(article))
        candidates.append(_candidate(site, article.path))
    arrived: list[Candidate] = []
    fetch = asyncio.ensure_future(
        fetch_article_pages(
            candidates, network, analysis=lambda _topic: spec, on_ready=arrived.append
        )
    )
    while len(arrived) < 10:
        await asyncio.sleep(0.02)
    began = asyncio.get_running_loop().time()
    fetch.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await fetch
    assert asyncio.get_running_loop().time() - began < 2.0
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert len(arrived) < len(candidates)


async def test_a_page_is_read_in_the_language_ingest_stores_it_in(
    site: TestSite, network: NetworkSettings, tmp_path
) -> None:
    """The worker reads a page's status beside extraction; ingest keeps that reading only
    if it was made in the article's stored language, so a page that declares a language
    its letters do not show reads as `classify` reads it in that language."""
    from sqlmodel import select

    from crawler.crawl import Crawl
    from crawler.settings import SourceSettings, TopicSettings
    from crawler.status import corpus
    from crawler.status.learned.model import load_reader
    from crawler.store.db import session_scope
    from crawler.store.ingest import Ingestor
    from crawler.store.migrate import open_database
    from crawler.store.tables import Article as Stored
    from tests.crawl.testsite import Article
    from tests.feeds import Entry, rss

    # Real coverage on a page that says it is in German: the first English corpus item
    # whose reading in English differs from its reading in German (the fine-tuned
    # encoder joins for the languages it was fitted on, English, Russian and Ukrainian,
    # and the n-grams read the rest alone), its lede followed by the lede of en-16b4657879
    # (nytimes.com, 2023-07-19), as one lede is too short to pass for an article. Which
    # item that is depends on the shipped models; that one exists does not.
    reader = load_reader()
    second = next(i.text for i in corpus.items() if i.id == "en-16b4657879")

    def page_text(item: corpus.Item) -> str:
        return f"{item.title}\n{item.text}\n{second}"

    title, lede = next(
        (item.title, item.text)
        for item in corpus.items()
        if item.lang == "en"
        and len(item.text) > 120
        and reader.is_relevant(item.title, page_text(item))
        and reader(item.title, page_text(item), "en").status
        != reader(item.title, page_text(item), "de").status
    )
    article = Article(
        slug="read-in-german",
        title=title,
        published="2023-07-18T12:00:00+00:00",
        author="Desk",
        paragraphs=[lede, second],
    )
    site.add(article.path, article_html(article).replace('lang="en"', 'lang="de"', 1))
    site.add(
        "/de.xml",
        rss([Entry(title, site.url(article.path), "")]).decode(),
        "application/rss+xml",
    )
    engine = open_database(f"sqlite:///{tmp_path}/t.db")
    topic = TopicSettings()
    source = SourceSettings(
        name="de", url=site.url("/de.xml"), topic=topic.name, fetch_articles=True
    )

    report = await Crawl(engine, Ingestor([topic]), network).run([source])

    assert report.new_articles == 1 and not report.errors
    with session_scope(engine) as session:
        stored = session.exec(select(Stored)).one()
    in_german = reader(stored.title, stored.text or "", "de").status
    assert in_german != reader(stored.title, stored.text or "", "en").status
    assert (stored.language, stored.status) == ("de", in_german)
