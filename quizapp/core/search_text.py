"""A card's own words, as the card browser's free-word search reads them (`cards.search_text`)."""

from __future__ import annotations

import json

NOT_TEXT_KEYS = frozenset({"lang"})
"""Fields whose value says how to show the card (a code card's language), not what it says."""


def search_text(data: object) -> str:
    """Every string and number in a card's data, one per line: its fields' values without their
    names, JSON's quotes and escapes, or the constants true, false and null."""
    parts: list[str] = []
    _collect(data, parts)
    return "\n".join(parts)


def search_text_of_json(data: str) -> str:
    return search_text(json.loads(data))


def _collect(value: object, parts: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in NOT_TEXT_KEYS:
                _collect(item, parts)
    elif isinstance(value, list):
        for item in value:
            _collect(item, parts)
    elif isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        parts.append(str(value))
