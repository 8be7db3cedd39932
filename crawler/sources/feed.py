"""Feed polling: one conditional GET, one parse, candidate articles out.

A 304 parses nothing and counts as healthy. A document that declares a DTD or
entities is refused before any parser sees it (entity-expansion bombs and external
entities), and a feed that cannot be read is an error with a readable reason, never
an exception that stops the other sources.
"""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import fastfeedparser
import feedparser
from feedparser.encodings import convert_to_utf8
from lxml import etree

from crawler.analysis import gate_entries
from crawler.fetch.errors import FetchError
from crawler.fetch.urls import identity, outlet_of
from crawler.model import AnalysisSpec, Candidate, PollResult, TurnedAway
from crawler.runtime import workers
from crawler.settings import SourceSettings
from crawler.sources import SourceRun

if TYPE_CHECKING:  # the parsing workers import this module and never fetch
    from crawler.fetch.http import HttpFetcher

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_OPENING = re.compile(rb"(?:\s|<\?.*?\?>|<!--.*?-->)*", re.DOTALL)
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_REPLACEMENT_REF = b"&#xFFFD;"
_ENTRY_TAG = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)[\s/>]")
_DECLARED = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding=[\"']([\w.:-]+)[\"']")
_COLON_OFFSET = re.compile(rb"\d\d:\d\d(?::\d\d)? +[+-]\d\d:\d\d\s*<")
"""An RFC 822 date with a "+01:00" offset, which fastfeedparser reads as UTC."""
_ABSOLUTE, _NO_HOST = ("http://", "https://"), ("http:///", "https:///")
_STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)


class FeedError(Exception):
    """A feed that could not be read; the message says why."""


def _prolog(document: bytes) -> bytes:
    """What stands between the comments and processing instructions that open a
    document and its root element: where a DTD or an entity would be declared."""
    start = _OPENING.match(document, 3 if document.startswith(b"\xef\xbb\xbf") else 0).end()
    match = _FIRST_ELEMENT.search(document, start)
    return document[start : match.start() if match else len(document)]


def refuse_declarations(body: bytes, headers: dict[str, str] | None = None) -> None:
    """Refuse documents that declare a DTD or entities: nothing a feed needs.

    The check reads the document as feedparser will: after its own decoding (UTF-16,
    UTF-32, UTF-7, EBCDIC, the HTTP charset), so no encoding hides a declaration.
    """
    try:
        as_parsed = convert_to_utf8(dict(headers or {}), body, {})
    except Exception:  # feedparser cannot decode it either; its parse will say so
        as_parsed = body
    for document in (body, as_parsed):
        found = _DECLARATION.search(_prolog(document))
        if found:
            kind = found.group(1).decode().upper()
            raise FeedError(
                f"refused: the document declares a {kind} (possible entity-expansion attack)"
            )


def _valid_char_ref(match: re.Match[bytes]) -> bytes:
    hex_digits, digits = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(digits)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return _REPLACEMENT_REF
    return match.group(0)


def replace_bad_char_refs(body: bytes) -> bytes:
    """Character references to no character (`&#x110000;`, surrogates) become U+FFFD.

    feedparser turns them into `chr(n)` and dies on the whole document (ValueError,
    OverflowError, UnicodeEncodeError), so one bad reference would cost every entry.
    """
    return _CHAR_REF.sub(_valid_char_ref, body) if b"&#" in body else body


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _entry_link(entry: Any, base: str) -> str | None:
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links", []):
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    if not link and str(entry.get("id", "")).startswith(("http://", "https://")):
        link = entry["id"]
    if not link:
        return None
    link = str(link).strip()
    try:
        if not link.startswith(_ABSOLUTE) or link.startswith(_NO_HOST):
            link = urljoin(base, link)  # 7 us an entry: most links are absolute already
        parts = urlsplit(link)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:  # "http://[", "http://a:99999/": not a link, skip the entry
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    # As parsed: urlsplit drops the control characters and spaces around a link
    # ("\x00https://...") that a fetch would not.
    return parts.geturl()


def _named_outlet(entry: Any) -> str | None:
    """The outlet an aggregator's item names (RSS `<source url>`, Atom `source`), if any.

    Its address gives the registrable domain, like any other outlet; a bare name is
    folded to lower case so "Reuters" and "reuters" count once.
    """
    named = entry.get("source")
    if not isinstance(named, dict):
        return None
    href = named.get("href") or named.get("link")
    if isinstance(href, str) and href.strip().lower().startswith(("http://", "https://")):
        try:
            outlet = outlet_of(href.strip())
        except ValueError:
            outlet = ""
        if outlet:
            return outlet
    return _folded(str(named.get("title") or ""))[:100] or None


def _folded(name: str) -> str:
    """An outlet's name as it is compared and counted: one space between words, lower case."""
    return " ".join(name.split()).lower()


def _without_outlet(entry: Any) -> str:
    """An aggregator's headline without the " - Outlet" it ends with when that is the
    outlet its item names (news-search feeds add it): the outlet is stored apart, and in
    the headline its name reads as news (with " - Kyiv Post" added, 70 rather than 30 of
    dev's 907 items about something else passed the relevance gate)."""
    title = str(entry.get("title") or "")
    named = entry.get("source")
    name = _folded(str(named.get("title") or "")) if isinstance(named, dict) else ""
    head, dash, tail = title.rpartition(" - ")
    if name and dash and head.strip() and _folded(tail) == name:
        return head.rstrip()
    return title


def _entry_summary(entry: Any) -> str:
    summary = entry.get("summary") or ""
    for content in entry.get("content", []) or []:
        value = content.get("value") or ""
        if len(value) > len(summary):
            summary = value
    return summary


@dataclass
class ParsedFeed:
    candidates: list[Candidate]
    warning: str | None = None
    ttl_minutes: int | None = None
    turned_away: TurnedAway | None = None


def parse_feed(
    body: bytes, *, url: str, source: SourceSettings, headers: dict[str, str] | None = None
) -> tuple[list[Candidate], str | None]:
    """Candidates from a feed document, plus a warning when the XML was not clean."""
    parsed = parse_feed_document(body, url=url, source=source, headers=headers)
    return parsed.candidates, parsed.warning


def _ttl(parsed: Any) -> int | None:
    """RSS `<ttl>`: minutes the publisher asks readers to wait between polls."""
    value = str(parsed.get("feed", {}).get("ttl") or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) <= 7 * 24 * 60 else None


def _local(element: Any) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _iso_time(value: Any) -> time.struct_time | None:
    try:
        return datetime.fromisoformat(str(value)).astimezone(UTC).timetuple() if value else None
    except ValueError:
        return None


def _fast_read(body: bytes, headers: dict[str, str], source: SourceSettings) -> Any | None:
    """The document as fastfeedparser reads it, in feedparser's shape, where it reads
    what feedparser would: a well-formed document in the encoding it declares, no
    `xml:base`, no dates it misreads, every entry found; else None, and feedparser
    reads it. fastfeedparser parses the same bytes some 30 times cheaper
    (`tests/bench/bench_feeds.py`), and parsing is most of a crawl's CPU."""
    charset = headers.get("content-type", "").partition("charset=")[2].strip(" \"';").lower()
    declared = _DECLARED.match(body)
    encoding = declared.group(1).decode().lower() if declared else "utf-8"
    if source.aggregator or (charset and charset != encoding) or b"xml:base" in body:
        return None  # aggregators' `<source>` and relative bases only feedparser reads
    if _COLON_OFFSET.search(body):
        return None
    try:
        root = etree.fromstring(body, _STRICT)
        parsed = fastfeedparser.parse(body)
    except Exception:  # malformed, or a document fastfeedparser cannot read
        return None
    if len(parsed.entries) != len(_ENTRY_TAG.findall(body)):
        return None
    channel = next((c for c in root if _local(c) == "channel"), root)
    fields = {
        _local(c): (c.text or "").strip() for c in channel if _local(c) in ("language", "ttl")
    }
    language = fields.get("language") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    entries = []
    for entry in parsed.entries:
        shaped = dict(entry, summary=entry.get("description") or "")
        shaped["published_parsed"] = _iso_time(entry.get("published"))
        shaped["updated_parsed"] = _iso_time(entry.get("updated"))
        entries.append(shaped)
    feed = {"language": language, "ttl": fields.get("ttl")}
    return {"entries": entries, "feed": feed, "version": "fast", "bozo": 0}


def parse_feed_document(
    body: bytes, *, url: str, source: SourceSettings, headers: dict[str, str] | None = None
) -> ParsedFeed:
    """Candidates, a warning when the XML was not clean, and the feed's TTL."""
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    refuse_declarations(body, response_headers)
    try:
        parsed = _fast_read(body, response_headers, source) or feedparser.parse(
            replace_bad_char_refs(body),
            response_headers=response_headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser's own bug on hostile bytes: this feed's error
        raise FeedError(f"cannot parse feed: {type(exc).__name__}: {exc}") from None
    entries = parsed.get("entries") or []
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not entries:
        if problem is not None:
            raise FeedError(f"malformed feed: {_describe(problem)}")
        if not parsed.get("version"):
            raise FeedError("not a feed: no RSS, Atom or RDF document found")
    base = parsed.get("href") or url
    candidates = []
    for entry in entries:
        link = _entry_link(entry, base)
        if link is None:
            continue
        candidates.append(
            Candidate(
                url=link,
                title=_without_outlet(entry) if source.aggregator else entry.get("title") or "",
                summary=_entry_summary(entry),
                published=_entry_time(entry),
                source=source.name,
                outlet=_named_outlet(entry) if source.aggregator else None,
                topic=source.topic or "",
                author=entry.get("author") or None,
                language=parsed.get("feed", {}).get("language") or source.language,
            )
        )
    if problem is not None and not candidates:
        raise FeedError(f"malformed feed: {_describe(problem)}")
    warning = f"feed has defects: {_describe(problem)}" if problem is not None else None
    return ParsedFeed(candidates, warning, _ttl(parsed))


def read_feed(
    body: bytes,
    *,
    url: str,
    source: SourceSettings,
    headers: dict[str, str] | None = None,
    gate: AnalysisSpec | None = None,
) -> ParsedFeed:
    """`parse_feed_document`, then, given the topic's spec, each entry tidied and gated,
    and those kept fingerprinted and read (`crawler.analysis.gate_entries`), in the
    worker that parsed it, not on the loop. The entries the gate turns away, on a first
    crawl most of a feed's, are only counted (`TurnedAway`): sending them back cost both
    processes more than gating them. The canonical URLs ingest looks up are worked out
    here too."""
    parsed = parse_feed_document(body, url=url, source=source, headers=headers)
    try:
        gate_entries(gate, parsed.candidates)
    except Exception:  # a gate that cannot load here: the entries as parsed; ingest gates
        parsed = parse_feed_document(body, url=url, source=source, headers=headers)
    kept: list[Candidate] = []
    for candidate in parsed.candidates:
        if (admission := candidate.admission) is None or admission.relevant:
            identity(candidate)
            kept.append(candidate)
            continue
        turned = parsed.turned_away = parsed.turned_away or TurnedAway(admission.topic)
        turned.count += 1
        if admission.cut:
            turned.cut[candidate.url] = admission.cut
    parsed.candidates = kept
    return parsed


def _describe(problem: Any) -> str:
    text = str(getattr(problem, "getMessage", lambda: problem)()).strip()
    return f"{type(problem).__name__}: {text}" if text else type(problem).__name__


async def poll_feed(
    fetcher: HttpFetcher,
    source: SourceSettings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    into: PollResult | None = None,
    gate: AnalysisSpec | None = None,
) -> PollResult:
    """Poll one feed once into `into` (or a new result); errors are recorded, never raised.
    With `gate`, the entries are tidied, gated and read beside the parse (`read_feed`)."""
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    poll = into if into is not None else PollResult(source.name)
    poll.etag, poll.last_modified = etag, last_modified
    try:
        result = await fetcher.get(str(source.url), headers=headers, accept=FEED_ACCEPT)
    except FetchError as exc:
        poll.error, poll.status, poll.retry_after = exc.reason, exc.status, exc.retry_after
        return poll
    poll.status, poll.final_url = result.status, result.url
    poll.headers = {k.lower(): v for k, v in result.headers.items()}
    if result.not_modified:
        poll.not_modified = True
        return poll
    poll.etag = result.headers.get("etag")
    poll.last_modified = result.headers.get("last-modified")
    try:
        parsed = await workers.run_light(
            partial(
                read_feed,
                result.body,
                url=result.url,
                source=source,
                headers=poll.headers,
                gate=gate,
            )
        )
        poll.candidates, poll.warning, poll.ttl_minutes, poll.turned_away = (
            parsed.candidates,
            parsed.warning,
            parsed.ttl_minutes,
            parsed.turned_away,
        )
    except FeedError as exc:
        poll.error = str(exc)
    except Exception as exc:  # a parser bug on hostile bytes must not stop the run
        poll.error = f"cannot parse feed: {type(exc).__name__}: {exc}"
    return poll


async def poll(run: SourceRun, source: SourceSettings, result: PollResult) -> None:
    """The `feed` kind: a conditional GET, a parse (in a worker if they run), then pages
    if asked for."""
    etag = last_modified = None
    if result.conditional:
        etag, last_modified = run.validators(source.name)
    # A source's first crawl brings its whole backlog: gated where the feed is parsed, in
    # parallel, when that is a worker process (in a thread it would only contend with the
    # loop for the interpreter: a daemon's first round took 62 ms of CPU a poll against
    # 48). Later polls bring a few new entries among stored ones (only ingest knows
    # which), and ingest gates those. Entries whose pages are fetched are gated on the
    # pages' text, at ingest.
    first = not source.fetch_articles and not run.polled_before(source.name)
    gate = run.analysis(source.topic or "") if first and workers.started() else None
    await poll_feed(
        run.fetcher, source, etag=etag, last_modified=last_modified, into=result, gate=gate
    )
    if result.error:
        run.fail(result, result.error)
        return
    candidates = result.candidates
    if source.fetch_articles and candidates:
        began = time.monotonic()
        candidates = await run.with_pages(result, candidates)
        result.pages_seconds = time.monotonic() - began
    run.store(result, candidates)
