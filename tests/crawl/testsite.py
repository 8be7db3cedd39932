"""A local news site for crawl tests: listing pages, a news sitemap, robots.txt, and
article pages buried in the boilerplate real outlets wrap them in.

Each fixture article knows its body paragraphs and its boilerplate lines, so a test
can say exactly what extraction must keep and what it must drop.
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.servers import ThreadingServer

SEEDS = Path(__file__).parents[1] / "data" / "seeds"

COMMON_BOILERPLATE = [
    "We use cookies to give you the best experience on our site.",
    "Accept all cookies",
    "Manage preferences",
    "Share on Facebook",
    "Share on X",
    "Recommendations",
    "0 Comments",
    "Be the first to comment on this story.",
    "Sign up for the Morning Briefing newsletter",
    "All rights reserved",
    "trackPageView",
    "Disclaimer: This article was generated in part using artificial intelligence",
    "Markets rally as central bank holds rates",
    "Ten recipes for a rainy weekend",
]


@dataclass
class Page:
    status: int
    ctype: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Article:
    slug: str
    title: str
    published: str
    author: str
    paragraphs: list[str]
    subheads: list[str] = field(default_factory=list)
    boilerplate: list[str] = field(default_factory=list)
    section: str = "world"

    @property
    def path(self) -> str:
        return f"/{self.section}/{self.slug}.html"

    @property
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self.published)


def _seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def _body_lines(text: str, skip: set[str]) -> list[str]:
    return [
        line.strip()
        for line in text.splitlines()
        if len(line.strip()) > 60 and line.strip() not in skip and "Disclaimer:" not in line
    ]


def seed_articles() -> list[Article]:
    ap = _seed_text("ap-2025-05-20-peace-talks-stalled.txt")
    ap_title = ap.splitlines()[0].strip()
    nd = _seed_text("nishadil-2025-10-09-fading-echo-of-diplomacy.txt")
    nd_title = "The Fading Echo of Diplomacy: Why Russia-Ukraine Peace Talks Have Stalled"
    disclaimer = next(line for line in nd.splitlines() if line.startswith("Disclaimer:"))
    return [
        Article(
            slug="peace-talks-stalled",
            title=ap_title,
            published="2025-05-20T09:30:00+00:00",
            author="The Associated Press",
            paragraphs=_body_lines(ap, {ap_title}),
            subheads=["The Challenges Ahead", "Looking Ahead"],
            boilerplate=["Recommendations"],
        ),
        Article(
            slug="fading-echo-of-diplomacy",
            title=nd_title,
            published="2025-10-09T06:15:00+00:00",
            author="Nishadil",
            paragraphs=_body_lines(nd, {nd_title}),
            boilerplate=[
                "Delhi | 25°C (windy)",
                "0 Comments",
                "2 minutes read",
                "5 Views",
                disclaimer.strip(),
            ],
        ),
    ]


def synthetic_articles() -> list[Article]:
    def story(n: int, place: str, topic: str) -> Article:
        return Article(
            slug=f"{place.lower()}-talks-{n}",
            title=f"Delegations meet in {place} as Russia and Ukraine discuss {topic}",
            published=f"2025-11-{10 + n:02d}T12:00:00+00:00",
            author=f"Reporter {n}",
            paragraphs=[
                f"Ukrainian and Russian delegations met in {place} on Tuesday for a further "
                f"round of talks on {topic}, officials from both governments said, in what "
                f"mediators described as a cautious but businesslike session number {n}.",
                f"Kyiv's negotiators said the talks in {place} focused on practical steps and "
                f"that no agreement had yet been reached, while Moscow said its delegation "
                f"would report to the Kremlin before the next meeting.",
                f"Diplomats in {place} said a second day of discussions was planned and that "
                f"both sides had exchanged written proposals on {topic}, which would be "
                f"studied in the capitals over the coming week.",
            ],
            subheads=[f"What comes next in {place}"],
        )

    places = [
        ("Istanbul", "prisoner exchanges"),
        ("Geneva", "energy infrastructure"),
        ("Riyadh", "Black Sea shipping"),
        ("Vienna", "nuclear plant safety"),
    ]
    return [story(i + 1, p, t) for i, (p, t) in enumerate(places)]


def article_html(article: Article, *, site: str = "Example News") -> str:
    e = html.escape
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": article.published,
            "author": {"@type": "Person", "name": article.author},
        }
    )
    body: list[str] = []
    per_head = max(1, len(article.paragraphs) // (len(article.subheads) + 1))
    heads = list(article.subheads)
    for i, para in enumerate(article.paragraphs):
        if i and i % per_head == 0 and heads:
            body.append(f"<h2>{e(heads.pop(0))}</h2>")
        body.append(f"<p>{e(para)}</p>")
    inline = [b for b in article.boilerplate if b.startswith("Disclaimer:")]
    meta = [b for b in article.boilerplate if b not in inline and b != "Recommendations"]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{e(article.title)} | {site}</title>
<meta property="og:title" content="{e(article.title)}">
<meta name="author" content="{e(article.author)}">
<meta property="article:published_time" content="{article.published}">
<script type="application/ld+json">{ld}</script>
<script>window.dataLayer = window.dataLayer || []; function trackPageView() {{
  dataLayer.push({{event: "Sign up for the Morning Briefing newsletter"}}); }}</script>
</head><body>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to give you the best experience
on our site.</p><button>Accept all cookies</button><button>Manage preferences</button></div>
<header class="site-header"><nav><ul><li><a href="/">Home</a></li><li><a href="/world/">World</a>
</li><li><a href="/business/">Business</a></li><li><a href="/sport/">Sport</a></li></ul></nav>
<div class="weather-widget">{e(meta[0]) if meta else "London | 12°C (cloudy)"}</div></header>
<main><article class="post">
<h1 class="entry-title">{e(article.title)}</h1>
<ul class="post-meta"><li>{e(article.author)}</li>
<li><time datetime="{article.published}">{article.published[:10]}</time></li>
<li>0 Comments</li>{"".join(f"<li>{e(m)}</li>" for m in meta[1:])}</ul>
<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Share on X</a></div>
<div class="entry-content">
{chr(10).join(body)}
{"".join(f"<p>{e(d)}</p>" for d in inline)}
</div>
<div class="ai-note"><p>Disclaimer: This article was generated in part using artificial
intelligence and reviewed by our editors.</p></div>
<div class="recommendations"><h3>Recommendations</h3><ul>
<li><a href="/business/markets.html">Markets rally as central bank holds rates</a></li>
<li><a href="/life/recipes.html">Ten recipes for a rainy weekend</a></li></ul></div>
</article>
<section class="comments"><h3>0 Comments</h3><p>Be the first to comment on this story.</p>
</section></main>
<footer><p>© 2025 {site}. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
<script>trackPageView();</script>
</body></html>"""


def listing_html(title: str, links: list[tuple[str, str]], next_path: str | None) -> str:
    items = "".join(f'<li><a href="{p}">{html.escape(t)}</a></li>' for p, t in links)
    nav = f'<a class="next" href="{next_path}">Next page</a>' if next_path else ""
    return f"""<!DOCTYPE html><html lang="en"><head><title>{title}</title></head><body>
<nav><a href="/">Home</a> <a href="/business/">Business</a></nav>
<h1>{title}</h1><ul class="stories">{items}</ul>
<div class="pager">{nav}</div></body></html>"""


def news_sitemap(base: str, entries: list[Article]) -> str:
    urls = "".join(
        f"<url><loc>{base}{a.path}</loc><news:news><news:publication>"
        f"<news:name>Example News</news:name><news:language>en</news:language>"
        f"</news:publication><news:publication_date>{a.published}</news:publication_date>"
        f"<news:title>{html.escape(a.title)}</news:title></news:news></url>"
        for a in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>"
    )


def sitemap_index(base: str, children: list[tuple[str, str]]) -> str:
    items = "".join(
        f"<sitemap><loc>{base}{p}</loc><lastmod>{m}</lastmod></sitemap>" for p, m in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + items
        + "</sitemapindex>"
    )


NOT_FOUND = Page(404, "text/html", "<h1>Not found</h1>")
ROBOTS = "User-agent: *\nDisallow: /world/secret-\n"


class TestSite:
    """The site, served from a thread on 127.0.0.1; `requested` lists every path asked for."""

    __test__ = False

    def __init__(self) -> None:
        seeds, synth = seed_articles(), synthetic_articles()
        self.articles = seeds + synth
        self.listed = [seeds[0], synth[0], seeds[1], synth[1], synth[2]]
        self.sitemapped = [synth[3], seeds[0], synth[0]]
        self.pages: dict[str, Page] = {}
        self.requested: list[str] = []
        self.agents: set[str] = set()
        self.times: dict[str, list[float]] = {}
        self.delays: dict[str, float] = {}
        self.handlers: dict[str, Callable[[], Page]] = {}
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes; with Nagle on, the body waits for
            # the client's delayed ACK: 40 ms per keep-alive request.
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with site._lock:
                    site.requested.append(self.path)
                    site.agents.add(self.headers.get("User-Agent", ""))
                    site.times.setdefault(self.path, []).append(time.monotonic())
                if self.path in site.delays:
                    time.sleep(site.delays[self.path])
                handler = site.handlers.get(self.path)
                page = handler() if handler else site.pages.get(self.path, NOT_FOUND)
                body = page.text.encode("utf-8")
                try:
                    self.send_response(page.status)
                    self.send_header("Content-Type", f"{page.ctype}; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in page.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (time-budget tests)

        self.server = ThreadingServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._build()

    def _build(self) -> None:
        for a in self.articles:
            self.add(a.path, article_html(a))
        l1, l2 = self.listed[:2], self.listed[2:4]
        l3 = self.listed[4:]
        secret = ("/world/secret-briefing.html", "Secret briefing on Russia Ukraine talks")
        self.add(
            "/world/",
            listing_html("World", [*[(a.path, a.title) for a in l1], secret], "/world/page2.html"),
        )
        self.add(
            "/world/page2.html",
            listing_html("World, page 2", [(a.path, a.title) for a in l2], "/world/page3.html"),
        )
        self.add(
            "/world/page3.html",
            listing_html("World, page 3", [(a.path, a.title) for a in l3], None),
        )
        self.add("/world/secret-briefing.html", article_html(self.articles[2]))
        self.add("/robots.txt", ROBOTS, "text/plain")
        self.add(
            "/sitemap.xml",
            sitemap_index(
                self.base,
                [
                    ("/sitemaps/news.xml", "2025-11-20T00:00:00+00:00"),
                    ("/sitemaps/archive.xml", "2020-01-01T00:00:00+00:00"),
                ],
            ),
            "application/xml",
        )
        self.add("/sitemaps/news.xml", news_sitemap(self.base, self.sitemapped), "application/xml")
        self.add("/sitemaps/archive.xml", news_sitemap(self.base, []), "application/xml")

    def add(self, path: str, text: str, ctype: str = "text/html", status: int = 200) -> None:
        self.pages[path] = Page(status, ctype, text)

    def requests_for(self, prefix: str) -> list[str]:
        return [p for p in self.requested if p.startswith(prefix)]

    def url(self, path: str) -> str:
        return self.base + path

    def article_at(self, url: str) -> Article:
        return next(a for a in self.articles if url.endswith(a.path))

    def start(self) -> TestSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
