"""Refusing links learned from content that point into private networks.

Feed entries and page links are untrusted: one pointing at 127.0.0.1, 10.0.0.0/8 or
169.254.169.254 could make peacewatch probe its own network. Configured source URLs
are trusted; everything learned from content passes `check_url` unless
`network.allow_private` is set.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = frozenset({"http", "https"})


class BlockedURL(ValueError):
    """A URL peacewatch will not fetch; the message says why."""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv6 address that carries an IPv4 one (mapped, 6to4, Teredo, NAT64) is
        # only as public as the address it carries: 2002:7f00:1:: is 127.0.0.1.
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo or (None, None))[1]
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
        if ip.ipv4_mapped:
            return True
    return ip.is_global and not ip.is_multicast


def check_scheme(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:  # "http://[", "http://[]/": urllib's own refusal
        raise BlockedURL(f"refused malformed URL: {exc}") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise BlockedURL(f"refused {parts.scheme or 'relative'} URL (only http and https)")
    if not host:
        raise BlockedURL("refused URL without a host")
    return host


def resolve_host_sync(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise BlockedURL(f"cannot resolve {host}: {exc}") from None
    return sorted({info[4][0] for info in infos})


def check_addresses(host: str, addresses: list[str]) -> None:
    for address in addresses:
        if not is_public_address(address.split("%", 1)[0]):
            raise BlockedURL(f"refused {host}: resolves to private address {address}")


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raise BlockedURL unless `url` is http(s) to public addresses only."""
    host = check_scheme(url)
    if allow_private:
        return
    try:
        ipaddress.ip_address(host.strip("[]"))
        addresses = [host.strip("[]")]
    except ValueError:
        addresses = await asyncio.get_running_loop().run_in_executor(None, resolve_host_sync, host)
    check_addresses(host, addresses)
