"""The Discord face: the client and its lifecycle (`app`), the slash commands and buttons
(`cogs`). It reaches the answers only through `bot.service.Service` and draws every message with
`bot.render`, which owns Discord's limits."""
