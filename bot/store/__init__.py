"""The store behind the answer cache and wrong-answer reports; the only place speaking SQL.

One interface, two backends chosen by `CITEBOT_DATABASE_URL`: an SQLite file (the default, no
setup; sqlite.py) or a PostgreSQL database shared by several processes or machines
(postgres.py). The statements are written once, with `?` placeholders and a few `{tokens}` each
backend spells its own way; a backend supplies transactions, the schema version and its error
translation. The schema grows by numbered, forward-only migrations. A database citebot cannot
use is reported, never repaired, replaced or deleted.

Modules: schema (migrations' SQL, tables), migrations (applying them), models (what the store
returns), errors, backend (the Backend protocol, which engine a setting names), core (the Store),
maintenance (db check, backup, restore); the backends sqlite (with sqlite_files: backup and
restore of the file; in_use: who has it open; disk_full: reading on a full disk) and postgres.
Everything other packages use is re-exported here.
"""

from bot.store.backend import (
    BUSY_TIMEOUT_S,
    DB_FILENAME,
    PLAIN_WRITE,
    QUICK_TIMEOUT_S,
    WAIT_NOTICE_S,
    Backend,
    Params,
    Row,
    Tx,
    Write,
    database_path,
    database_target,
    is_postgres_url,
    open_backend,
    waiting_noted,
)
from bot.store.core import HIT_FLUSH_S, MAX_REASON_CHARS, MAX_ROW_ID, Store
from bot.store.errors import (
    RESTORE_HELP,
    CommunityClosed,
    CorrectionClosed,
    RecordNotFound,
    ReportClosed,
    StoreBusyError,
    StoreError,
    busy_message,
)
from bot.store.maintenance import (
    aside_name,
    backup_database,
    check_database,
    check_store,
    restore_database,
)
from bot.store.models import (
    BackupResult,
    CacheKey,
    CacheStats,
    CheckResult,
    CommunityAnswer,
    Correction,
    Feedback,
    NewCorrection,
    Report,
    StoredAnswer,
    answer_ref,
    question_key,
)
from bot.store.schema import COUNTED, MIGRATIONS, SCHEMA_VERSION, TABLES, spell

__all__ = [
    "BUSY_TIMEOUT_S",
    "COUNTED",
    "DB_FILENAME",
    "HIT_FLUSH_S",
    "MAX_REASON_CHARS",
    "MAX_ROW_ID",
    "MIGRATIONS",
    "PLAIN_WRITE",
    "QUICK_TIMEOUT_S",
    "RESTORE_HELP",
    "SCHEMA_VERSION",
    "TABLES",
    "WAIT_NOTICE_S",
    "Backend",
    "BackupResult",
    "CacheKey",
    "CacheStats",
    "CheckResult",
    "CommunityAnswer",
    "CommunityClosed",
    "Correction",
    "CorrectionClosed",
    "Feedback",
    "NewCorrection",
    "Params",
    "RecordNotFound",
    "Report",
    "ReportClosed",
    "Row",
    "Store",
    "StoreBusyError",
    "StoreError",
    "StoredAnswer",
    "Tx",
    "Write",
    "answer_ref",
    "aside_name",
    "backup_database",
    "busy_message",
    "check_database",
    "check_store",
    "database_path",
    "database_target",
    "is_postgres_url",
    "open_backend",
    "question_key",
    "restore_database",
    "spell",
    "waiting_noted",
]
