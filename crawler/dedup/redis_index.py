"""The near-duplicate index in Redis (`[dedup] redis_url`), shared by several workers.

datasketch's `MinHashLSH` with its Redis storage holds the buckets, cut with the same
`lsh_params` as the in-memory index. A worker finds copies another worker indexed,
and a rebuild inserts only what is not there yet.
"""

from __future__ import annotations

import contextlib
import functools
import pickle
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
from datasketch import MinHashLSH

from crawler.dedup.fingerprint import SCHEME, SEED, from_signature, signature_rows
from crawler.dedup.index import IndexUnavailable, lsh_params
from crawler.settings import DedupSettings

F = TypeVar("F", bound=Callable[..., Any])

CONNECT_TIMEOUT = 2.0
"""Seconds to connect to Redis. Ingest runs on the event loop: a Redis that does not
answer must cost one short wait, then the in-memory fallback, not a stalled daemon."""
COMMAND_TIMEOUT = 5.0
"""Seconds for one Redis command (a pipeline of a whole batch included)."""


def _reachable(method: F) -> F:
    """Redis failures of `method` become one `IndexUnavailable` line, never a traceback."""

    @functools.wraps(method)
    def wrapper(self: RedisIndex, *args: Any, **kwargs: Any) -> Any:
        with self.reachable():
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class RedisIndex:
    """datasketch's LSH buckets in Redis; implements `crawler.dedup.index.Index`.

    Beside the buckets, a marker key holds a token set by whichever worker last loaded
    the index from the database (`mark_loaded`). A Redis that restarted without its
    data has no marker: `generation()` answers None, and ingest rebuilds the index.
    """

    def __init__(self, settings: DedupSettings) -> None:
        import redis

        self.num_perm = settings.num_perm
        storage = _storage(settings)
        self.where = _where(storage["storage_config"]["redis"])
        self._lsh = MinHashLSH(
            num_perm=settings.num_perm,
            params=lsh_params(settings.threshold, settings.num_perm),
            **storage,
        )
        self._marker = storage["storage_config"]["basename"] + b"_loaded"
        self._redis = redis.Redis(**storage["storage_config"]["redis"])

    @contextlib.contextmanager
    def reachable(self) -> Iterator[None]:
        """Turn Redis errors into `IndexUnavailable`, naming the server (no password)."""
        from redis.exceptions import RedisError

        try:
            yield
        except (RedisError, OSError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise IndexUnavailable(
                f"Redis at {self.where} is unavailable ({type(exc).__name__}"
                + (f": {reason}" if reason else "")
                + ")"
            ) from None

    @_reachable
    def generation(self) -> str | None:
        """The token of the last load from the database; None when Redis lost the index."""
        return _text(self._redis.get(self._marker))

    @_reachable
    def mark_loaded(self) -> str:
        """Say the index holds every stored article; the token in force (another worker's,
        if it marked first)."""
        self._redis.set(self._marker, uuid.uuid4().hex, nx=True)
        return _text(self._redis.get(self._marker)) or ""

    @_reachable
    def __contains__(self, article_id: int) -> bool:
        return article_id in self._lsh

    @_reachable
    def insert(self, article_id: int, signature: bytes, keys: np.ndarray | None = None) -> None:
        """Index an article unless some worker did; `keys` are the in-memory index's: unused."""
        if article_id not in self._lsh:
            self._lsh.insert(
                article_id, from_signature(signature, self.num_perm), check_duplication=False
            )

    @_reachable
    def insert_many(self, rows: Sequence[tuple[int, bytes]]) -> None:
        """Band keys cut from a whole batch of signatures at once, in the byte form
        datasketch's `MinHashLSH.insert` gives them, and written to its storage with
        buffering (one Redis pipeline per batch); per-row `insert` ran at ~3,000/s."""
        sigs = signature_rows([s for _, s in rows], self.num_perm)
        lsh = self._lsh
        swapped = sigs.astype(np.uint32).byteswap()  # what datasketch's _byteswap does per band
        bands = [
            np.ascontiguousarray(swapped[:, a:b]).view(np.dtype((np.void, 4 * (b - a)))).ravel()
            for a, b in lsh.hashranges
        ]
        keys = [pickle.dumps(i) if lsh.prepickle else i for i, _ in rows]
        columns = [band.tolist() for band in bands]
        for row, key in enumerate(keys):
            hs = [column[row] for column in columns]
            lsh.keys.insert(key, *hs, buffer=True)
            for h, table in zip(hs, lsh.hashtables, strict=True):
                table.insert(h, key, buffer=True)
        lsh.keys.empty_buffer()
        for table in lsh.hashtables:
            table.empty_buffer()

    @_reachable
    def query(self, signature: bytes, keys: np.ndarray | None = None) -> list[int]:
        return [int(i) for i in self._lsh.query(from_signature(signature, self.num_perm))]

    @_reachable
    def remove(self, article_ids: Iterable[int]) -> None:
        for article_id in article_ids:
            if article_id in self._lsh:
                self._lsh.remove(article_id)

    @_reachable
    def present(self) -> set[int]:
        """Ids already in the shared index (another worker, or an earlier run, put them)."""
        return {int(pickle.loads(k)) for k in self._lsh.keys}


def _storage(settings: DedupSettings) -> dict:
    """datasketch's storage options: Redis buckets under a name that fixes their layout."""
    if settings.redis_url is None:
        raise ValueError("a shared index needs [dedup] redis_url")
    from redis.backoff import NoBackoff
    from redis.connection import parse_url
    from redis.retry import Retry

    params = parse_url(settings.redis_url)
    # Fail fast: redis-py's default retries with backoff spend ~4 s on a refused
    # connection, on the event loop. One immediate retry still survives a pooled
    # connection that a Redis restart closed.
    params.update(
        socket_connect_timeout=CONNECT_TIMEOUT,
        socket_timeout=COMMAND_TIMEOUT,
        retry=Retry(NoBackoff(), 1),
    )
    # Everything that changes a bucket key is in the name, so no two layouts mix.
    layout = f"v1:{SCHEME}:{SEED}:{settings.shingle}:{settings.num_perm}:{settings.threshold}"
    basename = f"{settings.redis_prefix}:dedup:{layout}".encode()
    return {
        "storage_config": {"type": "redis", "basename": basename, "redis": params},
    }


def _text(value: Any) -> str | None:
    """A Redis reply as text (bytes unless the client decodes replies)."""
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def _where(params: dict[str, Any]) -> str:
    """The server as a person names it, without credentials."""
    if params.get("path"):
        return str(params["path"])
    return f"{params.get('host', 'localhost')}:{params.get('port', 6379)}"
