"""Discord's documented size limits, enforced like Discord does: a 400 "Invalid Form Body".

The bot must stay inside these limits (bot/render.py owns them on the bot side); the fake
checks them independently so an end-to-end test fails the way production would.
"""

from __future__ import annotations

from typing import Any

CONTENT = 2000
EMBEDS = 10
EMBED_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
ACTION_ROWS = 5
ROW_ITEMS = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
MODAL_TITLE = 45
MODAL_COMPONENTS = 5
TEXT_INPUT_LABEL = 45
CHOICES = 25
CHOICE_NAME = 100


def _too_long(errors: dict[str, str], path: str, value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        errors[path] = f"Must be {limit} or fewer in length."


def _embed_errors(errors: dict[str, str], embeds: list[dict[str, Any]]) -> None:
    if len(embeds) > EMBEDS:
        errors["embeds"] = f"Must be {EMBEDS} or fewer in length."
    total = 0
    for i, embed in enumerate(embeds):
        p = f"embeds.{i}"
        texts = [
            (f"{p}.title", embed.get("title"), EMBED_TITLE),
            (f"{p}.description", embed.get("description"), EMBED_DESCRIPTION),
            (f"{p}.footer.text", (embed.get("footer") or {}).get("text"), EMBED_FOOTER),
            (f"{p}.author.name", (embed.get("author") or {}).get("name"), EMBED_AUTHOR),
        ]
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS:
            errors[f"{p}.fields"] = f"Must be {EMBED_FIELDS} or fewer in length."
        for j, fld in enumerate(fields):
            texts.append((f"{p}.fields.{j}.name", fld.get("name"), EMBED_FIELD_NAME))
            texts.append((f"{p}.fields.{j}.value", fld.get("value"), EMBED_FIELD_VALUE))
            if not fld.get("name") or not fld.get("value"):
                errors[f"{p}.fields.{j}"] = "Field name and value are required."
        for path, value, limit in texts:
            _too_long(errors, path, value, limit)
            total += len(value) if isinstance(value, str) else 0
    if total > EMBED_TOTAL:
        errors["embeds"] = f"Embed size exceeds maximum size of {EMBED_TOTAL}"


def _component_errors(errors: dict[str, str], rows: list[dict[str, Any]]) -> None:
    classic = all(row.get("type") == 1 for row in rows)
    if classic and len(rows) > ACTION_ROWS:
        errors["components"] = f"Must be {ACTION_ROWS} or fewer in length."
    for i, row in enumerate(rows):
        children = row.get("components") or []
        if row.get("type") == 1 and len(children) > ROW_ITEMS:
            errors[f"components.{i}.components"] = f"Must be {ROW_ITEMS} or fewer in length."
        for j, item in enumerate(children):
            p = f"components.{i}.components.{j}"
            _too_long(errors, f"{p}.custom_id", item.get("custom_id"), CUSTOM_ID)
            _too_long(errors, f"{p}.label", item.get("label"), BUTTON_LABEL)
            if item.get("type") == 2 and item.get("style") != 5 and not item.get("custom_id"):
                errors[f"{p}.custom_id"] = "A custom id is required for non-link buttons."


def message_errors(payload: dict[str, Any]) -> dict[str, str]:
    """Errors in a message create/edit payload, keyed by dotted field path."""
    errors: dict[str, str] = {}
    _too_long(errors, "content", payload.get("content"), CONTENT)
    _embed_errors(errors, payload.get("embeds") or [])
    _component_errors(errors, payload.get("components") or [])
    return errors


def is_empty(payload: dict[str, Any], files: list[Any]) -> bool:
    """Discord refuses (50006) a message with nothing to show."""
    keys = ("content", "embeds", "components", "sticker_ids", "poll")
    return not files and not any(payload.get(key) for key in keys)


def modal_errors(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    _too_long(errors, "data.title", data.get("title"), MODAL_TITLE)
    _too_long(errors, "data.custom_id", data.get("custom_id"), CUSTOM_ID)
    components = data.get("components") or []
    if not 1 <= len(components) <= MODAL_COMPONENTS:
        errors["data.components"] = f"Must be between 1 and {MODAL_COMPONENTS} in length."
    for i, top in enumerate(components):
        inner = top.get("components") or ([top["component"]] if "component" in top else [])
        _too_long(errors, f"data.components.{i}.label", top.get("label"), TEXT_INPUT_LABEL)
        for j, item in enumerate(inner):
            p = f"data.components.{i}.components.{j}"
            _too_long(errors, f"{p}.custom_id", item.get("custom_id"), CUSTOM_ID)
            _too_long(errors, f"{p}.label", item.get("label"), TEXT_INPUT_LABEL)
    return errors


def autocomplete_errors(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    choices = data.get("choices") or []
    if len(choices) > CHOICES:
        errors["data.choices"] = f"Must be {CHOICES} or fewer in length."
    for i, choice in enumerate(choices):
        _too_long(errors, f"data.choices.{i}.name", choice.get("name"), CHOICE_NAME)
    return errors


def invalid_form_body(errors: dict[str, str]) -> dict[str, Any]:
    """Discord's 50035 body: errors nested by path, each with ``_errors``."""
    nested: dict[str, Any] = {}
    for path, message in errors.items():
        node = nested
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "INVALID_FORM_BODY", "message": message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": nested}
