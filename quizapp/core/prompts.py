"""A card's front as one line of plain text, as the study screen shows it: for every listing
(`quizapp cards`, the browser, the stats' hardest cards), never the deck file's raw markup."""

from __future__ import annotations

import json
import re

from quizapp.core.kinds import KINDS, CardData, Code, Heading, Plain, Printed, Prose
from quizapp.core.latex import to_unicode
from quizapp.core.untrusted import visible

_INLINE_MARKS = re.compile(r"`([^`\n]+)`|\*\*(.+?)\*\*")
_SPACES = re.compile(r"\s+")


def rendered_prompt(kind: str, card_id: str, data: str | CardData, width: int | None = None) -> str:
    """The front of a card as the study screen shows it, as one line of plain text.

    Formulas become Unicode, `code` and **bold** lose their marks, a cloze shows its blank as `[…]`
    (never the `{{c1::…}}` source), a code card its first lines; control characters are made
    visible. Cut to `width` characters with an ellipsis when given.
    """
    fields: CardData = json.loads(data) if isinstance(data, str) else data
    try:
        blocks = KINDS[kind].front(card_id, fields)
    except (KeyError, TypeError, ValueError):  # a kind this version does not know, or a damaged row
        return ""
    parts = []
    for block in blocks:
        if isinstance(block, Prose):
            parts.append(_INLINE_MARKS.sub(lambda m: m.group(1) or m.group(2), to_unicode(block.text)))
        elif isinstance(block, (Plain, Printed, Heading)):
            parts.append(block.text)
        elif isinstance(block, Code):
            parts.append(
                " ⏎ ".join(line.strip() for line in block.code.strip().splitlines()[:3] if line.strip())
            )
    line = visible(_SPACES.sub(" ", " ".join(part for part in parts if part)).strip())
    if width is not None and len(line) > width:
        return line[: max(width - 1, 0)] + "…"
    return line
