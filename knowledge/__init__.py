"""Pure, synchronous question answering over source articles: no Discord, no asyncio."""
