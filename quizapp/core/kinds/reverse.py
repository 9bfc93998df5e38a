"""reverse: studied both ways, front → back and back → front (`<id>#rev`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from quizapp.core.kinds.basic import Basic

if TYPE_CHECKING:
    from quizapp.core.kinds.base import CardData
    from quizapp.core.kinds.fields import CardFields


class Reverse(Basic):
    """Shown as a basic card each way; the reversed one has the sides swapped."""

    name = "reverse"

    def define_fields(self) -> type[CardFields]:
        from quizapp.core.kinds.fields import CardFields, Text

        class ReverseCard(CardFields):
            kind: Literal["reverse"]
            front: Text
            back: Text

        return ReverseCard

    def expand(self, card: Mapping[str, Any]) -> list[tuple[str, CardData]]:
        return [
            (card["id"], {"front": card["front"], "back": card["back"]}),
            (f"{card['id']}#rev", {"front": card["back"], "back": card["front"], "reversed": True}),
        ]


KIND = Reverse()
