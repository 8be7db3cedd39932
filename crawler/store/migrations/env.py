"""Alembic environment: runs against the connection `crawler.store.migrate` hands it.

Autogenerate compares with every table registered on SQLModel's metadata: import the
tables of each package whose revisions are in the run before calling it.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import crawler.store.tables  # noqa: F401  (registers the crawler's tables)

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")

if connection is None:
    from crawler.store.db import make_engine

    with make_engine(context.config.get_main_option("sqlalchemy.url")).connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
