"""Alembic environment: runs against the engine `scheduler.database` hands it."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import notifier.models  # noqa: F401  (registers every table on the metadata)

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")

if connection is None:
    from crawler.db import make_engine

    with make_engine(context.config.get_main_option("sqlalchemy.url")).connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
