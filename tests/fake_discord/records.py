"""What the fake remembers about each REST call, and the faults a test asks it to inject."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RecordedFile:
    """One uploaded file from a multipart request (``files[n]`` field)."""

    field: str
    filename: str
    content_type: str
    data: bytes

    def text(self, encoding: str = "utf-8") -> str:
        return self.data.decode(encoding)


@dataclass
class RecordedRequest:
    """One REST request as the fake received it, and what it answered.

    ``path`` is relative to the API base (``/channels/1/messages``), without the query.
    ``json`` is the JSON body, or the ``payload_json`` part of a multipart body.
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[RecordedFile]
    headers: dict[str, str]
    authorized: bool
    index: int
    status: int = 0
    response: Any = None
    injected: bool = False

    def matches(self, method: str, path_regex: str) -> bool:
        return (method == "*" or self.method == method.upper()) and bool(
            re.fullmatch(path_regex, self.path)
        )

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def __repr__(self) -> str:
        extra = " (injected)" if self.injected else ""
        return f"<{self.method} {self.path} -> {self.status}{extra}>"


@dataclass
class FaultRule:
    """Answer the next ``times`` requests matching ``method`` + ``path_regex`` with an error.

    A 429 carries what discord.py's rate-limit handling reads: a ``Via`` header (without it
    discord.py assumes a Cloudflare ban), ``Retry-After`` and a JSON body with
    ``retry_after`` and ``global``.
    """

    method: str
    path_regex: str
    times: int = 1
    status: int = 429
    retry_after: float = 0.05
    is_global: bool = False
    body: dict[str, Any] | None = None
    hits: list[RecordedRequest] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.times - len(self.hits)

    def applies_to(self, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and (self.method == "*" or self.method == method.upper())
            and re.fullmatch(self.path_regex, path) is not None
        )

    def response(self) -> tuple[int, dict[str, str], dict[str, Any]]:
        if self.status != 429:
            body = self.body or {"message": f"{self.status}: injected error", "code": 0}
            return self.status, {}, body
        headers = {
            "Retry-After": str(max(1, math.ceil(self.retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
            "X-RateLimit-Scope": "global" if self.is_global else "user",
            "Via": "1.1 google",
        }
        if self.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = self.body or {
            "message": "You are being rate limited.",
            "retry_after": self.retry_after,
            "global": self.is_global,
            "code": 0,
        }
        return 429, headers, body
