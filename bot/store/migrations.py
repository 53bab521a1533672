"""Bringing a database to the current schema: forward only, one step per transaction, safe
when several processes start at once, and never over a database that is not citebot's."""

from __future__ import annotations

from bot.store.backend import Backend, Tx, Write
from bot.store.errors import StoreError
from bot.store.schema import MIGRATIONS, SCHEMA_VERSION


async def migrate(backend: Backend) -> None:
    """Apply the missing MIGRATIONS; refuse a newer schema or someone else's database."""
    async with backend.read() as tx:  # one snapshot: another process may migrate
        version = await backend.schema_version(tx)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{backend.location} was written by a newer citebot (schema {version}; this "
                f"one knows up to {SCHEMA_VERSION}); upgrade citebot or use another database"
            )
        if version == 0:
            await _refuse_foreign_database(backend, tx)  # before anything writes to it
    while version < SCHEMA_VERSION:
        async with backend.transaction(Write(durable=True)) as tx:
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = await backend.schema_version(tx)
            if version == 0:
                await _refuse_foreign_database(backend, tx)
            if version < SCHEMA_VERSION:
                for statement in MIGRATIONS[version]:
                    await tx.execute(statement)
                version += 1
                await backend.set_schema_version(tx, version)


async def _refuse_foreign_database(backend: Backend, tx: Tx) -> None:
    tables = await backend.foreign_tables(tx)
    if tables:
        raise StoreError(
            f"{backend.location} is a database but not citebot's (it already holds {tables} "
            "tables or indexes); citebot leaves it untouched: set CITEBOT_DATABASE_URL "
            "(or CITEBOT_DATA, --data) to another one"
        )
