"""URL identity: one article, one canonical URL, whatever tracking or AMP dressing it wears."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tldextract
from w3lib.url import canonicalize_url, url_query_cleaner

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


@lru_cache(maxsize=65536)
def outlet_of(url: str) -> str:
    """The registrable domain of a URL (the host, for an IP address or a bare host)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    parts = _extract(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host
