"""The dashboard's guards: loopback unless a token is set, a strict CSP, CSRF on the POST,
and a Host allow-list against DNS rebinding and forged links.

The dashboard shows article text chosen by strangers, so it never runs script it did
not ship (`script-src 'self'`, no inline script or style) and never binds beyond this
machine without a token.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from urllib.parse import urlsplit

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
TOKEN_COOKIE = "peacewatch_session"
CSRF_COOKIE = "peacewatch_csrf"
CSRF_FIELD = "csrf"


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})


class BindError(ValueError):
    """Serving on this address would expose the dashboard; the message says why."""


def is_loopback(host: str) -> bool:
    if host.strip().lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(host: str) -> str:
    """A host as it stands in a Host header: lower case, IPv6 literals in brackets."""
    host = host.strip().lower().strip("[]")
    return f"[{host}]" if ":" in host else host


def allowed_hosts(bind: str, public_url: str | None = None) -> list[str]:
    """The Host names the dashboard answers to; any other is a 400.

    The bound address; on loopback (or a wildcard bind, which covers loopback) also
    localhost, 127.0.0.1 and [::1]; on a wildcard bind also this machine's host name;
    and the host of `[web] public_url`, the name a proxy in front of the dashboard
    forwards. A DNS-rebinding page sends its own name, which is none of these.
    """
    names: set[str] = set()
    wildcard = bind.strip().strip("[]") in WILDCARD_BINDS
    if not wildcard:
        names.add(_host_name(bind))
    if wildcard or is_loopback(bind):
        names.update(LOOPBACK_NAMES)
    if wildcard:
        names.add(socket.gethostname().lower())
    public = urlsplit(str(public_url)).hostname if public_url else None
    if public:
        names.add(_host_name(public))
    return sorted(names)


class HostCheck:
    """Starlette's `TrustedHostMiddleware` with `allowed_hosts`, except on `open_paths`
    (`/healthz`, `/metrics`: orchestrators and scrapers ask them by any name, pod IP or
    service name, as they ask them without the token)."""

    def __init__(self, app: ASGIApp, allowed: Sequence[str], open_paths: Iterable[str]) -> None:
        self.app = app
        self.checked = TrustedHostMiddleware(app, allowed_hosts=allowed, www_redirect=False)
        self.open = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in self.open:
            await self.app(scope, receive, send)
        else:
            await self.checked(scope, receive, send)


def effective_token(token: str | None) -> str | None:
    """The token requests must carry: surrounding whitespace is no part of it (HTTP
    strips it from a header), and a blank token is no token at all."""
    return (token or "").strip() or None


def check_bind(host: str, token: str | None) -> None:
    """Refuse any non-loopback address unless `[web] token` is set (and not blank)."""
    if not is_loopback(host) and not effective_token(token):
        raise BindError(
            f"refusing to serve on {host}: binding beyond 127.0.0.1 needs [web] token "
            "in the config or $PEACEWATCH_WEB_TOKEN, not blank (requests must then carry it)"
        )


def _session_value(token: str) -> str:
    """The cookie holds a digest of the token, so the token itself never sits in it."""
    return hmac.new(token.encode(), b"peacewatch-session", hashlib.sha256).hexdigest()


def _same(given: bytes, expected: bytes) -> bool:
    """Constant-time, on bytes: `compare_digest` refuses str beyond ASCII (a TypeError,
    so a 500, for a stranger's `?token=é`)."""
    return hmac.compare_digest(given, expected)


def _token_from(request: Request, token: str) -> tuple[bool, bool]:
    """(authorised, came by query string — so set the cookie).

    The token is compared as UTF-8 bytes. A header arrives as the bytes the client sent,
    which Starlette decodes as Latin-1 (so encoding back is lossless); a query string is
    percent-decoded as UTF-8.
    """
    expected = token.encode("utf-8")
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and _same(value.strip().encode("latin-1", "replace"), expected):
        return True, False
    cookie = request.cookies.get(TOKEN_COOKIE)
    if cookie and _same(cookie.encode("utf-8"), _session_value(token).encode("ascii")):
        return True, False
    query = request.query_params.get("token")
    if query and _same(query.strip().encode("utf-8", "replace"), expected):
        return True, True
    return False, False


Handler = Callable[[Request], Awaitable[Response]]


def guard(token: str | None, open_paths: Iterable[str] = ()) -> Callable[..., Awaitable[Response]]:
    """HTTP middleware: security headers on every response, the token when one is set."""
    public = frozenset(open_paths)
    token = effective_token(token)

    async def middleware(request: Request, call_next: Handler) -> Response:
        set_cookie = False
        if token and request.url.path not in public:
            authorised, set_cookie = _token_from(request, token)
            if not authorised:
                response: Response = PlainTextResponse(
                    "token required: send Authorization: Bearer <token> or open ?token=<token>",
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                response.headers.update(SECURITY_HEADERS)
                return response
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if set_cookie and token:
            response.set_cookie(
                TOKEN_COOKIE,
                _session_value(token),
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
        return response

    return middleware


def csrf_token(request: Request) -> tuple[str, bool]:
    """The double-submit token of this browser, and whether it must be set as a cookie."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) >= 32:
        return existing, False
    return secrets.token_urlsafe(32), True


def set_csrf_cookie(response: Response, request: Request, value: str) -> None:
    response.set_cookie(
        CSRF_COOKIE,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def csrf_ok(request: Request, submitted: str | None) -> bool:
    """The form's token matches the cookie, and the request comes from this site."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        return False
    origin = request.headers.get("origin") or request.headers.get("referer")
    return origin is None or urlsplit(origin).netloc == request.url.netloc
