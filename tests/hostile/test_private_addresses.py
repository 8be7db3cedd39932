"""Links and redirects learned from content never reach private addresses.

With `network.allow_private = false`, a feed link, a page link or a redirect to
loopback, a private network, link-local (169.254.169.254, the cloud metadata
service) or a non-HTTP scheme is refused with a reason, and the target never sees a
request. Hostnames count by what they resolve to (`localhost`, this machine's name),
and numeric disguises of an address (2852039166, 0xa9fea9fe, ::ffff:127.0.0.1,
2002:7f00:1::) by the address they spell.
"""

from __future__ import annotations

import socket

import pytest

from crawler.fetch.guard import BlockedURL, check_url
from crawler.fetch.http import FetchError, HttpFetcher
from crawler.model import Candidate
from crawler.settings import NetworkSettings, SourceSettings
from crawler.sources.sites import crawl_site, fetch_article_pages
from tests.servers import LocalHTTPServer, Response

GUARDED = NetworkSettings(allow_private=False, total_timeout=5)
HOSTNAME = socket.gethostname()


def _resolves_to_loopback(host: str) -> bool:
    try:
        return any(i[4][0].startswith("127.") for i in socket.getaddrinfo(host, None))
    except OSError:
        return False


def _targets(server: LocalHTTPServer) -> dict[str, str]:
    port = server.base.rsplit(":", 1)[1]
    targets = {
        "loopback": f"http://127.0.0.1:{port}/secret",
        "localhost": f"http://localhost:{port}/secret",
        "loopback-short": f"http://127.1:{port}/secret",
        "loopback-decimal": f"http://2130706433:{port}/secret",
        "ipv6-loopback": f"http://[::1]:{port}/secret",
        "ipv4-mapped": f"http://[::ffff:127.0.0.1]:{port}/secret",
        "6to4-loopback": f"http://[2002:7f00:1::]:{port}/secret",
        "nat64-loopback": f"http://[64:ff9b::7f00:1]:{port}/secret",
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "metadata-decimal": "http://2852039166/latest/meta-data/",
        "metadata-hex": "http://0xa9fea9fe/latest/meta-data/",
        "private-10": "http://10.0.0.1/",
        "unspecified": f"http://0.0.0.0:{port}/secret",
        "file": "file:///etc/passwd",
        "ftp": "ftp://127.0.0.1/",
    }
    if _resolves_to_loopback(HOSTNAME):
        targets["hostname"] = f"http://{HOSTNAME}:{port}/secret"
    return targets


@pytest.fixture
def guarded(server: LocalHTTPServer) -> LocalHTTPServer:
    server.route("/secret", Response(body=b"<rss>internal</rss>"))
    server.route("/robots.txt", Response(404))
    return server


def _refusal(reason: str) -> bool:
    return "private address" in reason or "only http and https" in reason


async def test_check_url_refuses_every_disguise(guarded: LocalHTTPServer) -> None:
    for name, url in _targets(guarded).items():
        with pytest.raises(BlockedURL) as refused:
            await check_url(url, allow_private=False)
        assert _refusal(str(refused.value)), (name, str(refused.value))


async def test_untrusted_fetches_are_refused_before_any_request(guarded: LocalHTTPServer) -> None:
    async with HttpFetcher(GUARDED) as fetcher:
        for name, url in _targets(guarded).items():
            with pytest.raises(FetchError) as refused:
                await fetcher.get(url, trusted=False)
            assert _refusal(refused.value.reason), (name, refused.value.reason)
    assert guarded.requests == []


async def test_redirects_from_a_trusted_source_are_checked(guarded: LocalHTTPServer) -> None:
    """The configured feed is trusted; where its server redirects is content."""
    async with HttpFetcher(GUARDED) as fetcher:
        for name, target in _targets(guarded).items():
            if target.startswith("http://127.0.0.1:"):
                continue  # the trusted source's own host
            guarded.route(f"/go-{name}", Response(302, headers={"Location": target}))
            with pytest.raises(FetchError) as refused:
                await fetcher.get(guarded.url(f"/go-{name}"), trusted=True)
            assert _refusal(refused.value.reason), (name, refused.value.reason)
    assert guarded.hits("/secret") == 0


async def test_feed_links_to_private_addresses_are_not_fetched(guarded: LocalHTTPServer) -> None:
    targets = _targets(guarded)
    candidates = [
        Candidate(url=url, title=name, topic="russia-ukraine-talks", summary="kept")
        for name, url in targets.items()
        if url.startswith("http")
    ]
    await fetch_article_pages(candidates, GUARDED, time_budget=20)
    for candidate in candidates:
        assert candidate.text is None and candidate.summary == "kept"
        assert candidate.extract_error and "private address" in candidate.extract_error, (
            candidate.title,
            candidate.extract_error,
        )
    assert guarded.hits("/secret") == 0


async def test_spiders_refuse_links_and_redirects_learned_from_a_listing(
    guarded: LocalHTTPServer,
) -> None:
    port = guarded.base.rsplit(":", 1)[1]
    links = "".join(f'<a href="{url}">story</a>' for url in _targets(guarded).values())
    links += f'<a href="http://localhost:{port}/world/redirect.html">story</a>'
    guarded.route(
        "/world/",
        Response(
            body=f"<html><body>{links}</body></html>".encode(),
            headers={"Content-Type": "text/html"},
        ),
    )
    guarded.route("/start/", Response(302, headers={"Location": f"http://localhost:{port}/world/"}))
    listing = SourceSettings(
        name="listing", kind="listing", url=guarded.url("/world/"), link_pattern=".", max_pages=1
    )
    crawl = await crawl_site(
        listing, GUARDED, known_urls=lambda u: set(), since=None, time_budget=20
    )
    assert crawl.candidates == []
    assert crawl.failed and all(_refusal(r) for r in crawl.failed.values()), crawl.failed
    # A configured listing whose server redirects into the private network.
    moved = listing.model_copy(update={"url": guarded.url("/start/")})
    crawl = await crawl_site(moved, GUARDED, known_urls=lambda u: set(), since=None, time_budget=20)
    assert crawl.candidates == [] and crawl.error and "private address" in crawl.error
    assert guarded.hits("/secret") == 0 and guarded.hits("/world/redirect.html") == 0


async def test_allow_private_lets_them_through(guarded: LocalHTTPServer) -> None:
    async with HttpFetcher(GUARDED.model_copy(update={"allow_private": True})) as fetcher:
        result = await fetcher.get(_targets(guarded)["localhost"], trusted=False)
    assert result.body == b"<rss>internal</rss>"
