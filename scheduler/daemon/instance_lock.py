"""One daemon per SQLite database: a lock file next to the database file.

SQLite has no row leases worth the name across processes, so two daemons on one file
would poll every source twice. The second one stops before it does anything. The lock
is `fcntl.flock` on `<database>.lock`, which the kernel drops when the process dies,
so a daemon killed with SIGKILL leaves nothing to clean up.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from crawler.store.db import is_sqlite


class AlreadyRunning(RuntimeError):
    """Another daemon holds the lock; the message is the line the user reads."""


def lock_path(database_url: str) -> Path | None:
    """`<database>.lock` for a SQLite file; None for PostgreSQL or an in-memory database."""
    if not is_sqlite(database_url):
        return None
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database).resolve().with_name(Path(database).name + ".lock")


class InstanceLock:
    def __init__(self, database_url: str) -> None:
        self.path = lock_path(database_url)
        self._file: IO[str] | None = None

    def acquire(self) -> InstanceLock:
        if self.path is None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the process)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            database = self.path.with_name(self.path.name.removesuffix(".lock"))
            raise AlreadyRunning(
                f"another peacewatch daemon (pid {holder}) is already running on {database} "
                f"(lock file {self.path})"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
