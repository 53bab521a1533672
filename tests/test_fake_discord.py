"""The fake Discord server drives a real discord.py Client through its real code paths.

The client here is a minimal stand-in defined in this file (not citebot's bot): a slash
command that defers then follows up with an embed and a DynamicItem button, a modal, an
autocomplete, a message context menu and a mention handler.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands

from tests.fake_discord import FakeDiscord, FakeDiscordError

FOLLOWUP = r"/webhooks/\d+/[^/]+"
CALLBACK = r"/interactions/\d+/[^/]+/callback"


class ReportButton(discord.ui.DynamicItem[discord.ui.Button], template=r"report:(?P<id>\d+)"):
    def __init__(self, answer_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Report wrong answer",
                style=discord.ButtonStyle.danger,
                custom_id=f"report:{answer_id}",
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match):  # type: ignore[override]
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        interaction.client.events.append(("clicked", self.answer_id, interaction.user.id))
        await interaction.response.send_modal(ReportModal(self.answer_id))


class ReportModal(discord.ui.Modal, title="Report answer"):
    reason = discord.ui.TextInput(label="Reason", style=discord.TextStyle.paragraph)
    category = discord.ui.Label(
        text="Category",
        component=discord.ui.Select(
            options=[
                discord.SelectOption(label="Wrong quote", value="wrong_quote"),
                discord.SelectOption(label="Wrong citation", value="wrong_citation"),
            ]
        ),
    )

    def __init__(self, answer_id: int) -> None:
        super().__init__()
        self.answer_id = answer_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        select = self.category.component
        assert isinstance(select, discord.ui.Select)
        report = ("report", self.answer_id, select.values[0], self.reason.value)
        interaction.client.events.append(report)
        await interaction.response.send_message(
            "Thanks, a moderator will review it.", ephemeral=True
        )


class MiniBot(discord.Client):
    """Just enough bot to exercise each kind of gateway event and REST call."""

    def __init__(self, intents: discord.Intents | None = None) -> None:
        super().__init__(
            intents=intents or discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
        )
        self.events: list[tuple] = []
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(_ask)
        self.tree.add_command(
            app_commands.ContextMenu(name="Report answer", callback=_report_context)
        )
        self.tree.add_command(_reports)
        self.tree.add_command(_pages)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(ReportButton)

    async def on_message(self, message: discord.Message) -> None:
        if message.author == self.user:
            return
        self.events.append(("message", message.content))
        if self.user in message.mentions:
            await message.reply(f"You asked: {message.content}")


@app_commands.command(name="ask", description="Ask a question")
@app_commands.describe(question="What to ask")
async def _ask(interaction: discord.Interaction, question: str, private: bool = False) -> None:
    await interaction.response.defer(ephemeral=private, thinking=True)
    embed = discord.Embed(title="Answer", description=f"> {question}")
    view = discord.ui.View(timeout=None)
    view.add_item(ReportButton(42))
    await interaction.followup.send(embed=embed, view=view)


@_ask.autocomplete("question")
async def _ask_autocomplete(interaction: discord.Interaction, current: str):
    return [app_commands.Choice(name=f"{current} {n}", value=f"{current} {n}") for n in range(3)]


async def _report_context(interaction: discord.Interaction, message: discord.Message) -> None:
    interaction.client.events.append(("context", message.id, message.author.id))
    await interaction.response.send_message("Reported.", ephemeral=True)


_reports = app_commands.Group(
    name="reports",
    description="Moderate reports",
    default_permissions=discord.Permissions(manage_messages=True),
)


@_reports.command(name="list", description="List reports")
async def _reports_list(interaction: discord.Interaction, status: str = "open") -> None:
    await interaction.response.send_message(f"{status}: none", ephemeral=True)


class Pager(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.page = 0

    @discord.ui.button(label="Next")
    async def next_page(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        self.page += 1
        await interaction.response.edit_message(content=f"page {self.page}", view=self)

    @discord.ui.select(options=[discord.SelectOption(label=y, value=y) for y in ("1914", "1918")])
    async def jump(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.edit_message(content=f"year {select.values[0]}", view=self)


@app_commands.command(name="pages", description="Paginated output")
async def _pages(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("page 0", view=Pager())


@_reports.command(name="export", description="Reports as CSV")
async def _reports_export(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    csv = discord.File(io.BytesIO(b"id,reason\n1,wrong date\n"), filename="reports.csv")
    await interaction.followup.send(file=csv, ephemeral=True)


@pytest.fixture(autouse=True)
async def _no_leaked_tasks() -> AsyncIterator[None]:
    """Runs its teardown last: after the client and the fake have both stopped."""
    before = asyncio.all_tasks()
    yield
    await asyncio.sleep(0)
    current = asyncio.current_task()
    leaked = [t for t in asyncio.all_tasks() - before if t is not current and not t.done()]
    assert leaked == [], f"leaked tasks: {leaked}"


async def _synced(fake: FakeDiscord, bot: MiniBot) -> list[app_commands.AppCommand]:
    guild = discord.Object(fake.guild.id)
    bot.tree.copy_global_to(guild=guild)
    return await bot.tree.sync(guild=guild)


async def test_connects_identifies_and_caches_the_guild(fake_discord: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.members = True  # so discord.py caches (and chunks) the guild's members
    bot = MiniBot(intents)
    async with fake_discord.running(bot):
        assert bot.user is not None and bot.user.id == fake_discord.bot_user.id
        assert bot.application_id == fake_discord.application_id
        guild = bot.get_guild(fake_discord.guild.id)
        assert guild is not None and guild.name == "Test Guild"
        assert guild.get_channel(fake_discord.channel.id) is not None
        mod = guild.get_member(fake_discord.moderator.id)
        alice = guild.get_member(fake_discord.member.id)
        assert mod is not None and mod.guild_permissions.manage_messages
        assert alice is not None and not alice.guild_permissions.manage_messages

        session = await fake_discord.wait_for_session()
        assert session.identify["token"] == fake_discord.token
        assert session.intents == bot.intents.value
        assert session.connection is not None
        assert session.connection.query["compress"] == "zlib-stream"
        assert session.connection.heartbeats >= 1  # discord.py beats right after HELLO
    assert fake_discord.api_base_url == discord.http.Route.BASE
    assert fake_discord.unhandled == []


async def test_sync_records_guild_commands(fake_discord: FakeDiscord) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        synced = await _synced(fake_discord, bot)
    put = fake_discord.find_requests("PUT", r"/applications/\d+/guilds/\d+/commands")
    assert len(put) == 1 and put[0].ok
    names = {c["name"] for c in fake_discord.commands[fake_discord.guild.id]}
    assert names == {"ask", "Report answer", "reports", "pages"}
    assert {c.name for c in synced} == names
    assert None not in fake_discord.commands  # nothing synced globally
    ask = fake_discord.find_command("ask", fake_discord.guild.id)
    assert ask is not None and [o["name"] for o in ask["options"]] == ["question", "private"]


async def test_slash_command_defers_then_follows_up(fake_discord: FakeDiscord) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        await _synced(fake_discord, bot)
        ix = await fake_discord.slash("ask", {"question": "where @everyone met?"})
        callback = await ix.wait_callback()
        assert callback.json["type"] == 5  # deferred channel message
        followup = await ix.wait_followup()
    body = followup.json
    assert body["embeds"][0]["description"] == "> where @everyone met?"
    button = body["components"][0]["components"][0]
    assert button["custom_id"] == "report:42" and button["label"] == "Report wrong answer"
    assert body["allowed_mentions"] == {"parse": []}
    # The first follow-up after a defer replaces the "thinking..." message.
    assert ix.original is not None and ix.original["id"] == followup.response["id"]
    assert ix.original["embeds"][0]["title"] == "Answer"
    assert not ix.original["flags"] & 64


async def test_private_ask_is_ephemeral(fake_discord: FakeDiscord) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        await _synced(fake_discord, bot)
        ix = await fake_discord.slash("ask", {"question": "q", "private": True})
        assert (await ix.wait_callback()).json["data"]["flags"] == 64
        message = await ix.wait_original()
    assert message["flags"] & 64


async def test_rate_limited_followup_is_retried_and_delivered(fake_discord: FakeDiscord) -> None:
    rule = fake_discord.fail_next("POST", FOLLOWUP, times=1, retry_after=0.05)
    bot = MiniBot()
    async with fake_discord.running(bot):
        ix = await fake_discord.slash("ask", {"question": "q"})
        delivered = await ix.wait_followup()
    attempts = fake_discord.find_requests("POST", FOLLOWUP)
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[0].injected and rule.remaining == 0
    assert delivered is attempts[1]
    assert ix.original is not None and ix.original["embeds"][0]["title"] == "Answer"


async def test_button_click_reaches_dynamic_item_then_modal_submit(
    fake_discord: FakeDiscord,
) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        ix = await fake_discord.slash("ask", {"question": "q"})
        await ix.wait_followup()
        assert ix.original is not None
        click = await fake_discord.click(
            ix.original, label="Report wrong answer", user=fake_discord.reviewer
        )
        modal_cb = await click.wait_callback()
        assert modal_cb.json["type"] == 9 and click.modal is not None
        assert click.modal["title"] == "Report answer"

        submit = await fake_discord.submit_modal(
            {"Reason": "the date is wrong", "Category": "wrong_citation"}
        )
        thanks = await submit.wait_callback()
    assert ("clicked", 42, fake_discord.reviewer.id) in bot.events
    assert ("report", 42, "wrong_citation", "the date is wrong") in bot.events
    assert thanks.json["type"] == 4 and thanks.json["data"]["flags"] == 64
    assert submit.payload["member"]["user"]["id"] == str(fake_discord.reviewer.id)


async def test_dynamic_item_button_still_works_after_restart(fake_discord: FakeDiscord) -> None:
    first = MiniBot()
    async with fake_discord.running(first):
        ix = await fake_discord.slash("ask", {"question": "q"})
        await ix.wait_followup()
    answer = ix.original
    assert answer is not None

    second = MiniBot()
    async with fake_discord.running(second):
        click = await fake_discord.click(answer, "report:42")
        assert (await click.wait_callback()).json["type"] == 9
    assert ("clicked", 42, fake_discord.member.id) in second.events
    assert len(fake_discord.identifies) == 2


async def test_mention_gets_a_reply_and_other_messages_arrive_blank(
    fake_discord: FakeDiscord,
) -> None:
    bot = MiniBot()  # default intents: no message content
    async with fake_discord.running(bot):
        plain = await fake_discord.send_message("just chatting")
        question = f"{fake_discord.bot_user.mention} where did they first meet?"
        asked = await fake_discord.send_message(question, author=fake_discord.member)
        reply = await fake_discord.wait_for_request(
            "POST",
            rf"/channels/{fake_discord.channel.id}/messages",
            predicate=lambda r: str(r.json["message_reference"]["message_id"]) == asked["id"],
        )
    assert reply.json["content"] == f"You asked: {question}"
    assert reply.response["referenced_message"]["id"] == asked["id"]
    assert reply.response["mentions"] == []  # AllowedMentions.none(): pings nobody
    assert ("message", "") in bot.events  # content of a non-mention is withheld
    assert plain["content"] == "just chatting"  # ...though the fake stored it


async def test_message_content_intent_delivers_all_content(fake_discord: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    bot = MiniBot(intents)
    async with fake_discord.running(bot):
        await fake_discord.send_message("just chatting")
        await fake_discord.wait_until(lambda: bot.events, what="on_message")
    assert bot.events == [("message", "just chatting")]


async def test_privileged_intent_not_enabled_in_portal_is_refused(
    fake_discord: FakeDiscord,
) -> None:
    fake_discord.allowed_privileged_intents = 0
    intents = discord.Intents.default()
    intents.message_content = True
    bot = MiniBot(intents)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with fake_discord.running(bot):
            pass


async def test_rejected_token_fails_login(fake_discord: FakeDiscord) -> None:
    fake_discord.patch_discord_py()
    bot = MiniBot()
    with pytest.raises(discord.LoginFailure):
        await bot.login("not-the-token")
    await bot.close()
    assert fake_discord.requests[-1].status == 401


async def test_autocomplete_choices_are_recorded(fake_discord: FakeDiscord) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        await _synced(fake_discord, bot)
        ix = await fake_discord.autocomplete("ask", {"question": "whe"}, focused="question")
        callback = await ix.wait_callback()
    assert callback.json["type"] == 8
    assert [c["name"] for c in callback.json["data"]["choices"]] == ["whe 0", "whe 1", "whe 2"]
    assert ix.choices == callback.json["data"]["choices"]


async def test_message_context_menu_receives_target(fake_discord: FakeDiscord) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        await _synced(fake_discord, bot)
        ix = await fake_discord.slash("ask", {"question": "q"})
        answer = await ix.wait_original()
        menu = await fake_discord.message_command("Report answer", answer)
        assert (await menu.wait_callback()).json["data"]["content"] == "Reported."
    assert ("context", int(answer["id"]), fake_discord.bot_user.id) in bot.events


async def test_subcommand_and_default_permissions(fake_discord: FakeDiscord) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        await _synced(fake_discord, bot)
        ix = await fake_discord.slash(
            "reports list", {"status": "resolved"}, user=fake_discord.moderator
        )
        assert (await ix.wait_callback()).json["data"]["content"] == "resolved: none"
        # Discord hides a command with default_member_permissions from other members.
        with pytest.raises(FakeDiscordError, match="default_member_permissions"):
            await fake_discord.slash("reports list", user=fake_discord.member)
        with pytest.raises(FakeDiscordError, match="no option"):
            await fake_discord.slash("ask", {"question": "q", "bogus": 1})
        fake_discord.strict_commands = True
        fake_discord.commands.clear()
        with pytest.raises(FakeDiscordError, match="never synced"):
            await fake_discord.slash("ask", {"question": "q"})


async def test_oversized_message_is_rejected_like_discord(fake_discord: FakeDiscord) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        channel = bot.get_channel(fake_discord.channel.id)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.HTTPException) as info:
            await channel.send("x" * 2001)
        csv = discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="r.csv")
        sent = await channel.send("ok", file=csv)
        assert await sent.attachments[0].read() == b"a,b\n1,2\n"  # served by the fake
    assert info.value.status == 400 and info.value.code == 50035
    upload = fake_discord.find_requests("POST", r"/channels/\d+/messages", ok=True)[-1]
    assert upload.files[0].filename == "r.csv" and upload.files[0].text() == "a,b\n1,2\n"
    assert sent.attachments[0].filename == "r.csv"


async def test_second_response_to_an_interaction_is_refused(fake_discord: FakeDiscord) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        ix = await fake_discord.slash("ask", {"question": "q"})
        await ix.wait_followup()
        again = await bot.http._HTTPClient__session.post(  # type: ignore[attr-defined]
            f"{fake_discord.api_base_url}/interactions/{ix.id}/{ix.token}/callback",
            json={"type": 4, "data": {"content": "late"}},
        )
        assert again.status == 400
        assert (await again.json())["code"] == 40060


async def test_reconnect_resumes_the_session(fake_discord: FakeDiscord) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        session = await fake_discord.wait_for_session()
        await fake_discord.reconnect()
        await fake_discord.wait_until(lambda: session.resumes == 1, what="RESUME")
        ix = await fake_discord.slash("ask", {"question": "after resume"})
        await ix.wait_followup()
    assert len(fake_discord.identifies) == 1
    assert re.fullmatch(r"ws://127\.0\.0\.1:\d+/gateway", fake_discord.gateway_url)


async def test_button_on_a_view_edits_its_message(fake_discord: FakeDiscord) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        ix = await fake_discord.slash("pages")
        message = await ix.wait_original()
        for expected in ("page 1", "page 2"):
            click = await fake_discord.click(message, label="Next")
            assert (await click.wait_callback()).json["type"] == 7  # update message
            assert fake_discord.messages[int(message["id"])]["content"] == expected
        select_id = fake_discord.components(message)[1]["custom_id"]
        pick = await fake_discord.click(message, select_id, values=["1918"])
        await pick.wait_callback()
    assert fake_discord.messages[int(message["id"])]["content"] == "year 1918"


async def test_late_response_gets_unknown_interaction(fake_discord: FakeDiscord) -> None:
    fake_discord.interaction_deadline = 0.0  # Discord allows 3 s
    bot = MiniBot()
    async with fake_discord.running(bot):
        ix = await fake_discord.slash("pages")
        late = await fake_discord.wait_for_request("POST", CALLBACK, status=404)
    assert late.response["code"] == 10062
    assert ix.callback is None and ix.original is None


async def test_global_rate_limit_on_channel_send_is_retried(fake_discord: FakeDiscord) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        channel = bot.get_channel(fake_discord.channel.id)
        assert isinstance(channel, discord.TextChannel)
        rule = fake_discord.fail_next("POST", r"/channels/\d+/messages", is_global=True, times=2)
        sent = await channel.send("hello")
    assert [r.status for r in fake_discord.find_requests("POST", r"/channels/\d+/messages")] == [
        429,
        429,
        200,
    ]
    assert rule.hits[0].response["global"] is True
    assert fake_discord.messages[sent.id]["content"] == "hello"


async def test_direct_messages(fake_discord: FakeDiscord) -> None:
    dm = fake_discord.world.dm_channel(fake_discord.member.user)
    bot = MiniBot()
    async with fake_discord.running(bot):
        ix = await fake_discord.slash("ask", {"question": "q"}, channel=dm)
        await ix.wait_followup()
        await fake_discord.send_message("hello in private", channel=dm)
        await fake_discord.wait_until(lambda: ("message", "hello in private") in bot.events)
    assert "member" not in ix.payload and ix.payload["user"]["id"] == str(fake_discord.member.id)
    assert ix.original is not None and ix.original["channel_id"] == str(dm.id)


async def test_followup_with_a_file_replaces_the_ephemeral_placeholder(
    fake_discord: FakeDiscord,
) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        await _synced(fake_discord, bot)
        ix = await fake_discord.slash("reports export", user=fake_discord.moderator)
        upload = await ix.wait_followup()
        message = await ix.wait_original()
    assert upload.files[0].filename == "reports.csv"
    assert upload.files[0].text() == "id,reason\n1,wrong date\n"
    assert message["flags"] & 64 and message["attachments"][0]["filename"] == "reports.csv"


@pytest.mark.parametrize(
    ("allowed", "pings"),
    [(discord.AllowedMentions.none(), False), (discord.AllowedMentions.all(), True)],
)
async def test_stored_mentions_follow_allowed_mentions(
    fake_discord: FakeDiscord, allowed: discord.AllowedMentions, pings: bool
) -> None:
    bot = MiniBot()
    async with fake_discord.running(bot):
        channel = bot.get_channel(fake_discord.channel.id)
        assert isinstance(channel, discord.TextChannel)
        text = f"@everyone {fake_discord.member.mention} {fake_discord.moderators_role.mention}"
        sent = await channel.send(text, allowed_mentions=allowed)
    stored = fake_discord.messages[sent.id]
    assert stored["mention_everyone"] is pings
    assert bool(stored["mentions"]) is pings and bool(stored["mention_roles"]) is pings
