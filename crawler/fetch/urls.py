"""URL identity: one article, one canonical URL, whatever tracking or AMP dressing it wears."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import tldextract
from w3lib.url import canonicalize_url, url_query_cleaner

if TYPE_CHECKING:
    from crawler.model import Candidate

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ocid",
        "cmpid",
        "ito",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "taid",
        "smid",
        "ref",
        "ref_src",
        "ref_url",
        "cmp",
        "src",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "s_cid",
        "_ga",
        "_gl",
        "spm",
        "share",
        "amp",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "hsa_", "oly_", "vero_", "__twitter")
_MOBILE_HOST = re.compile(r"^(m|mobile|amp)\.")
_AMP_PATH = re.compile(r"(/amp/?$|/amp(?=/)|\.amp(?=\.html?$|$)|\.amp$)")
_DEFAULT_PORTS = {"http": 80, "https": 443}

_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


@lru_cache(maxsize=16384)
def canonical_url(url: str) -> str:
    """The identity of an article's URL.

    Lower-case scheme and host, no default port, no fragment, no tracking
    parameters, sorted query, and AMP and mobile variants folded onto the plain page.
    Raises ValueError for what is not a URL of a page: no host, a port that is not one,
    a broken IPv6 literal.

    Cached: a crawl asks for the same entry's identity several times (which are
    stored before fetching pages, which are stored on ingest) and every poll asks again
    for the entries a feed still lists; each answer costs ~40 us. Errors are not cached.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise ValueError(f"not a URL with a host: {url[:200]!r}")
    if host.startswith("www."):
        host = host[4:]
    host = _MOBILE_HOST.sub("", host) if host.count(".") >= 2 else host
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = _AMP_PATH.sub("", parts.path) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    cleaned = urlunsplit(
        ("https" if scheme == "https" else scheme, netloc, path, urlencode(query), "")
    )
    cleaned = url_query_cleaner(cleaned, parameterlist=(), remove=True, keep_fragments=False)
    return canonicalize_url(cleaned, keep_fragments=False)


def canonical_or_none(url: str) -> str | None:
    """The canonical URL, or None for a link learned from content that is not one."""
    try:
        return canonical_url(url)
    except ValueError:
        return None


def identity(candidate: Candidate) -> str | None:
    """The candidate's canonical URL, as its source worked it out if it did: a crawl asks
    for it several times across awaits (stored yet? gated, then stored), between which
    other feeds' URLs can push it out of `canonical_url`'s cache."""
    if candidate.canonical is None:
        candidate.canonical = canonical_or_none(candidate.url)
    return candidate.canonical


SHARED_PARENTS = frozenset({"go.com"})
"""Registrable domains that several outlets share, each on its own subdomain: ABC News
is abcnews.go.com (Disney's go.com also carried ESPN and others), so "go.com" names no
outlet. Under these the outlet is the first label below the domain plus the domain."""
_IGNORED_LABELS = frozenset({"www", "m", "amp", "mobile"})


@lru_cache(maxsize=65536)
def outlet_of(url: str) -> str:
    """The registrable domain of a URL (the host, for an IP address or a bare host);
    under a shared parent (`SHARED_PARENTS`), the outlet's own subdomain of it."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    parts = _extract(host)
    if parts.domain and parts.suffix:
        registrable = f"{parts.domain}.{parts.suffix}"
        if registrable in SHARED_PARENTS:
            labels = [x for x in parts.subdomain.split(".") if x and x not in _IGNORED_LABELS]
            if labels:
                return f"{labels[-1]}.{registrable}"
        return registrable
    return host


_SECRET_WORDS = frozenset(
    {
        "key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "pass",
        "auth",
        "sig",
        "signature",
        "credential",
        "credentials",
    }
)
_SECRET_ENDINGS = ("key", "token", "secret", "password", "passwd")
_NOT_SECRET_ENDINGS = ("monkey", "turkey", "hockey", "jockey", "whiskey", "donkey")
_WORD = re.compile(r"[a-z0-9]+")
_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>`]+")
REDACTED = "***"


def _is_secret(name: str) -> bool:
    """A parameter named like a credential: `apikey`, `api_key`, `X-Api-Key`, `token`,
    `access_token`, `secret`, `client_secret`, `password`, `X-Amz-Signature`, …"""
    words = _WORD.findall(unquote_plus(name).lower())
    joined = "".join(words)
    return any(w in _SECRET_WORDS for w in words) or (
        joined.endswith(_SECRET_ENDINGS) and not joined.endswith(_NOT_SECRET_ENDINGS)
    )


def _redact_pairs(text: str) -> str:
    pairs = []
    for pair in text.split("&"):
        name, equals, value = pair.partition("=")
        if equals and value and _is_secret(name):
            value = REDACTED
        pairs.append(f"{name}{equals}{value}")
    return "&".join(pairs)


def redact_url(url: str) -> str:
    """`url` fit to show a person or a log: credentials replaced by `***`.

    The userinfo (`user:pass@`, or a token as the user) goes whole; so does the value of
    every query (and fragment) parameter named like a credential, in any case. Host,
    path and the other parameters stay as they were written.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = len(rest)
    for mark in "/?#":
        found = rest.find(mark)
        if found != -1:
            end = min(end, found)
    authority, tail = rest[:end], rest[end:]
    if "@" in authority:
        authority = f"{REDACTED}@{authority.rpartition('@')[2]}"
    tail, hash_, fragment = tail.partition("#")
    path, question, query = tail.partition("?")
    if question:
        query = _redact_pairs(query)
    if hash_ and "=" in fragment:
        fragment = _redact_pairs(fragment)
    return f"{scheme}{sep}{authority}{path}{question}{query}{hash_}{fragment}"


def redact_text(text: str) -> str:
    """Every URL in `text` (an error, a log line) redacted as `redact_url` does."""

    def one(match: re.Match[str]) -> str:
        url = match.group(0)
        bare = url.rstrip(".,;:!?)]}")  # the sentence's punctuation, not the URL's
        return redact_url(bare) + url[len(bare) :]

    return _URL_IN_TEXT.sub(one, text)
