"""`citebot chat`: the bot's commands in the terminal (bot/cli/chat_session.py), no token needed.
The session (and discord.py, whose embeds it prints) is imported only when the command runs."""

from __future__ import annotations

import argparse

from bot.cli.common import add_common, run_service


def register(sub: argparse._SubParsersAction) -> None:
    chat = sub.add_parser("chat", help="the bot's commands in the terminal, no token needed")
    add_common(chat)
    chat.set_defaults(handler=run_chat)


def run_chat(args: argparse.Namespace) -> int:
    from bot.cli.chat_session import chat

    return run_service(args, chat)
