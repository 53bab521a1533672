"""Discord cogs: one per feature, each calling bot/service.py and rendering with bot/render.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.discord.app import CiteBot


async def add_cogs(bot: CiteBot) -> None:
    from bot.discord.cogs.admin import AdminCog
    from bot.discord.cogs.ask import AskCog
    from bot.discord.cogs.feedback import AnsweredButton
    from bot.discord.cogs.moderation import ModerationCog
    from bot.discord.cogs.reports import ReportButton, ReportsCog
    from bot.discord.cogs.sources import SourcesCog
    from bot.discord.cogs.timeline import TimelineCog

    cogs = (AskCog, TimelineCog, ReportsCog, ModerationCog, SourcesCog, AdminCog)
    for cog in cogs:
        await bot.add_cog(cog(bot))
    bot.add_dynamic_items(ReportButton, AnsweredButton)
