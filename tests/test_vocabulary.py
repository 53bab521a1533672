"""Report categories and statuses are named once (bot/store/vocabulary.py): the command line,
the terminal chat, the Discord choices and the database's CHECK constraints all follow it."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import pytest

from bot.cli.app import build_parser
from bot.cli.chat_session import LISTED, LISTED_CORRECTIONS
from bot.discord.cogs.moderation import CORRECTION_CHOICES, REPORT_CHOICES
from bot.discord.cogs.reports import CATEGORIES as CATEGORY_HELP
from bot.store import DB_FILENAME, Store
from bot.store.vocabulary import CATEGORIES, CORRECTION_STATUSES, STATUSES


def _choices(*command: str, option: str) -> tuple[str, ...]:
    parser = build_parser()
    for name in command:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    action = next(a for a in parser._actions if option in a.option_strings)
    return tuple(action.choices)


def test_every_face_offers_the_same_names() -> None:
    assert _choices("report", option="--category") == CATEGORIES
    assert _choices("reports", option="--status") == (*STATUSES, "all")
    assert _choices("corrections", option="--status") == (*CORRECTION_STATUSES, "all")
    assert (*STATUSES, "all") == LISTED and (*CORRECTION_STATUSES, "all") == LISTED_CORRECTIONS
    assert tuple(c.value for c in REPORT_CHOICES) == (*STATUSES, "all")
    assert tuple(c.value for c in CORRECTION_CHOICES) == (*CORRECTION_STATUSES, "all")
    assert tuple(CATEGORY_HELP) == CATEGORIES


@pytest.mark.parametrize(
    ("column", "allowed"),
    [("category", CATEGORIES), ("status", STATUSES)],
)
async def test_the_database_refuses_a_name_the_vocabulary_lacks(tmp_path: Path, column, allowed):
    store = await Store.open(tmp_path / DB_FILENAME)
    await store.close()
    with sqlite3.connect(tmp_path / DB_FILENAME) as db:
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'reports'").fetchone()[0]
    assert f"CHECK ({column} IN ({', '.join(repr(n) for n in allowed)}))" in sql
