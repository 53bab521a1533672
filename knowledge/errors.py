"""The one root of citebot's exceptions, so every face catches the same two classes.

`CitebotError` is anything citebot itself raises on purpose. `UserError` is the subset whose
message is written for the person using citebot: safe to show as is (no traceback, no secret)
and naming no command-line flag, since the same message reaches the CLI, the terminal chat and
Discord; each face adds its own hint ("see --help", a slash-command option...).
"""


class CitebotError(Exception):
    """Raised on purpose by citebot; anything else escaping is a bug."""


class UserError(CitebotError):
    """The input cannot be used as given; the message says why, for the user to read."""


ECHO_CHARS = 40  # of user input quoted back in a message


def echoed(text: str, limit: int = ECHO_CHARS) -> str:
    """User input quoted in a message, trimmed and cut to `limit` characters (an id pasted
    100,000 characters long must not come back whole)."""
    text = text.strip()
    return repr(text if len(text) <= limit else f"{text[:limit]}\u2026")
