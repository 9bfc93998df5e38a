"""basic: a front and a back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from quizapp.core.kinds.base import Answer, Block, CardData, Kind, Prose

if TYPE_CHECKING:
    from quizapp.core.kinds.fields import CardFields


class Basic(Kind):
    name = "basic"
    rendered_fields = ("front", "back")

    def define_fields(self) -> type[CardFields]:
        from quizapp.core.kinds.fields import CardFields, Text

        class BasicCard(CardFields):
            kind: Literal["basic"]
            front: Text
            back: Text

        return BasicCard

    def expand(self, card: Mapping[str, Any]) -> list[tuple[str, CardData]]:
        return [(card["id"], {"front": card["front"], "back": card["back"]})]

    def prompt(self, data: CardData) -> str:
        return str(data["front"])

    def front(self, card_id: str, data: CardData) -> list[Block]:
        return [Prose(data["front"])]

    def back(self, data: CardData, answer: Answer | None) -> list[Block]:
        return [Prose(data["back"])]


KIND = Basic()
