from __future__ import annotations

from types import SimpleNamespace

import discord

from bot.discord.cogs.reports import (
    CATEGORIES,
    CUSTOM_ID_PREFIX,
    MAX_REASON_CHARS,
    ReportButton,
    ReportModal,
    answer_id_from_custom_ids,
    answer_view,
)
from bot.render import report_thanks as thanks


async def test_report_button_carries_the_answer_id_in_its_custom_id():
    view = answer_view("a1b2c3d4e5")
    (row,) = view.to_components()
    (button,) = row["components"]
    assert button["custom_id"] == f"{CUSTOM_ID_PREFIX}a1b2c3d4e5"
    assert button["label"] == "Report wrong answer" and button["type"] == 2
    assert view.timeout is None and view.is_persistent()


async def test_custom_id_round_trips_through_the_dynamic_item_template():
    longest = "x" * 64
    custom_id = ReportButton(longest).custom_id
    assert len(custom_id) <= 100  # Discord's custom_id limit
    match = ReportButton.__discord_ui_compiled_template__.fullmatch(custom_id)
    item = await ReportButton.from_custom_id(None, None, match)
    assert item.answer_id == longest


def test_answer_id_is_found_among_other_components():
    ids = [None, "citebot:timeline:next", f"{CUSTOM_ID_PREFIX}abc_1-2", "other"]
    assert answer_id_from_custom_ids(ids) == "abc_1-2"
    assert answer_id_from_custom_ids(["citebot:report:", "citebot:report:a b"]) is None


async def test_report_modal_asks_for_a_category_and_a_reason():
    payload = ReportModal("a1").to_dict()
    assert payload["title"] == "Report a wrong answer"
    category, reason = payload["components"]
    assert category["type"] == reason["type"] == 18  # labels
    select = category["component"]
    assert [o["value"] for o in select["options"]] == list(CATEGORIES)
    assert [o.get("default", False) for o in select["options"]] == [True, False, False, False]
    text = reason["component"]
    assert text["style"] == discord.TextStyle.paragraph.value
    assert text["max_length"] == MAX_REASON_CHARS and text["required"] is True


def test_thanks_names_the_report_and_answer():
    text = thanks(SimpleNamespace(report_id=7, answer_id="a1"))
    assert text.startswith("Thanks, a moderator will review it") and "#7" in text


async def test_report_command_and_message_menu_are_registered(command_payloads):
    report = command_payloads["report"]
    names = [o["name"] for o in report["options"]]
    assert names == ["answer_id", "reason", "category"]
    assert report["options"][1]["max_length"] == MAX_REASON_CHARS
    assert [c["value"] for c in report["options"][2]["choices"]] == list(CATEGORIES)
    assert command_payloads["Report answer"]["type"] == 3  # message context menu
