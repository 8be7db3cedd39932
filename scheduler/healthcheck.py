"""`python -m scheduler.healthcheck`: the container's HEALTHCHECK, on the configured port.

The image used to ask a fixed http://127.0.0.1:8080/healthz, so a config (or
$PEACEWATCH_WEB_PORT) with another port made a healthy daemon look dead. This reads the
same effective config the daemon runs with and asks its own `/healthz`; exit 0 when it
answers 200, else 1 with one line saying why.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from scheduler.config import ConfigError, load_settings

_ANY = {"0.0.0.0", "::", ""}


def healthz_url(host: str, port: int) -> str:
    """Where the daemon answers from inside its own container or machine.

    A wildcard bind is asked on loopback; a specific address on itself.
    """
    if host in _ANY:
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/healthz"


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    url = healthz_url(settings.web.host, settings.web.port)
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            ok = response.status == 200
    except urllib.error.HTTPError as exc:
        print(f"unhealthy: {url} answered {exc.code}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"unhealthy: {url}: {getattr(exc, 'reason', exc)}", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
