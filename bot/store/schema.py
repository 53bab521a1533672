"""The schema: the numbered migrations that build it, its tables, and how each backend spells
the few `{tokens}` the shared SQL leaves open."""

from __future__ import annotations

from bot.store.vocabulary import (
    CATEGORIES,
    COMMUNITY_STATUSES,
    CORRECTION_STATUSES,
    STATUSES,
    sql_in,
)

# Forward only: never edit a released step, append a new one. Step N takes schema version N-1 to
# N. Each backend replaces `{serial_key}` (an auto-numbered integer primary key) and `{utc_now}`
# (the current UTC time as ISO text) with its own spelling; the rest is SQL both engines speak.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: every computed answer, and which of them the cache may serve.
    (
        """CREATE TABLE answers (
            answer_id TEXT PRIMARY KEY,
            question_key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            answerer_version TEXT NOT NULL,
            question TEXT NOT NULL,
            answer_json TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (question_key, fingerprint, answerer_version)
        )""",
        """CREATE TABLE cache (
            answer_id TEXT PRIMARY KEY REFERENCES answers (answer_id) ON DELETE CASCADE,
            cached_at TEXT NOT NULL
        )""",
    ),
    # 2: wrong-answer reports; one open report per reporter, answer and guild.
    (
        """CREATE TABLE reports (
            report_id {serial_key},
            answer_id TEXT NOT NULL REFERENCES answers (answer_id),
            question TEXT NOT NULL,
            answer_text TEXT NOT NULL,
            reporter_key TEXT NOT NULL,
            reporter_id TEXT,
            reporter_name TEXT NOT NULL,
            guild_id TEXT,
            channel_id TEXT,
            category TEXT NOT NULL
                CHECK (category IN """
        + sql_in(CATEGORIES)
        + """),
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN """
        + sql_in(STATUSES)
        + """),
            moderator TEXT,
            resolution_note TEXT,
            resolved_at TEXT
        )""",
        "CREATE INDEX reports_by_answer ON reports (answer_id, status)",
        "CREATE INDEX reports_by_status ON reports (status, guild_id)",
        """CREATE UNIQUE INDEX reports_one_open_per_reporter
            ON reports (answer_id, reporter_key, coalesce(guild_id, '')) WHERE status = 'open'""",
    ),
    # 3: cache statistics: hits per entry and hit/miss counters since the file was made.
    (
        "ALTER TABLE cache ADD COLUMN hits INTEGER NOT NULL DEFAULT 0",
        "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """INSERT INTO meta (key, value)
            VALUES ('counting_since', {utc_now})""",
    ),
    # 4: moderators' corrections (the passage that answers a question, per guild) and
    # "This answered me" clicks on the closest passages of a low-confidence answer.
    (
        """CREATE TABLE corrections (
            correction_id {serial_key},
            guild_id TEXT,
            corpus TEXT NOT NULL,
            report_id INTEGER REFERENCES reports (report_id),
            question TEXT NOT NULL,
            question_key TEXT NOT NULL,
            source_id TEXT NOT NULL,
            paragraph INTEGER NOT NULL,
            sentence INTEGER,
            quote TEXT NOT NULL,
            moderator TEXT NOT NULL,
            created_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active'
                CHECK (status IN """
        + sql_in(CORRECTION_STATUSES)
        + """),
            closed_by TEXT,
            closed_at TEXT,
            closed_note TEXT
        )""",
        "CREATE INDEX corrections_by_guild ON corrections (status, guild_id, corpus)",
        """CREATE TABLE feedback (
            feedback_id {serial_key},
            answer_id TEXT NOT NULL REFERENCES answers (answer_id),
            question TEXT NOT NULL,
            source_id TEXT NOT NULL,
            paragraph INTEGER NOT NULL,
            quote TEXT NOT NULL,
            user_key TEXT NOT NULL,
            user_id TEXT,
            user_name TEXT NOT NULL,
            guild_id TEXT,
            channel_id TEXT,
            created_at TEXT NOT NULL
        )""",
        """CREATE UNIQUE INDEX feedback_once_per_user ON feedback
            (answer_id, source_id, paragraph, user_key, coalesce(guild_id, ''))""",
    ),
    # 5: which Discord message shows which answer, so a reply to it (or a message in the thread
    # opened for it) is read as a follow-up of that answer, across restarts.
    (
        """CREATE TABLE answer_messages (
            message_id TEXT PRIMARY KEY,
            answer_id TEXT NOT NULL REFERENCES answers (answer_id),
            guild_id TEXT,
            channel_id TEXT,
            created_at TEXT NOT NULL
        )""",
    ),
    # 6: passages members found answered a question (per guild, question and passage), with
    # each member's one vote: +1 for "This answered me", -1 for a report against it.
    (
        """CREATE TABLE community_answers (
            community_id {serial_key},
            guild_id TEXT,
            corpus TEXT NOT NULL,
            question TEXT NOT NULL,
            question_key TEXT NOT NULL,
            source_id TEXT NOT NULL,
            paragraph INTEGER NOT NULL,
            quote TEXT NOT NULL,
            created_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN """
        + sql_in(COMMUNITY_STATUSES)
        + """),
            moderator TEXT,
            closed_at TEXT,
            correction_id INTEGER REFERENCES corrections (correction_id)
        )""",
        """CREATE UNIQUE INDEX community_once ON community_answers
            (coalesce(guild_id, ''), corpus, question_key, source_id, paragraph)""",
        """CREATE TABLE community_votes (
            community_id INTEGER NOT NULL REFERENCES community_answers (community_id),
            user_key TEXT NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (1, -1)),
            created_at TEXT NOT NULL,
            PRIMARY KEY (community_id, user_key)
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
# Every table, parents before children: what `citebot db export` copies (append new tables).
TABLES: tuple[str, ...] = (
    "answers",
    "cache",
    "reports",
    "corrections",
    "feedback",
    "counters",
    "meta",
    "answer_messages",
    "community_answers",
    "community_votes",
)
# The tables `citebot db check` counts rows of.
COUNTED: tuple[str, ...] = (
    "answers",
    "cache",
    "reports",
    "corrections",
    "feedback",
    "community_answers",
)


def spell(sql: str, tokens: dict[str, str]) -> str:
    """The shared SQL with a backend's spelling of the `{tokens}` (see MIGRATIONS)."""
    for token, spelling in tokens.items():
        sql = sql.replace(token, spelling)
    return sql
