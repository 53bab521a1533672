"""Discord cogs: one per feature, each calling bot/service.py and rendering with bot/render.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.discord_app import CiteBot


async def add_cogs(bot: CiteBot) -> None:
    from bot.cogs.admin import AdminCog
    from bot.cogs.ask import AskCog
    from bot.cogs.feedback import AnsweredButton
    from bot.cogs.moderation import ModerationCog
    from bot.cogs.reports import ReportButton, ReportsCog
    from bot.cogs.timeline import TimelineCog

    for cog in (AskCog(bot), TimelineCog(bot), ReportsCog(bot), ModerationCog(bot), AdminCog(bot)):
        await bot.add_cog(cog)
    bot.add_dynamic_items(ReportButton, AnsweredButton)
