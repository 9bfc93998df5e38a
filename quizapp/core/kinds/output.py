"""output: what does this print? The learner types the output."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from quizapp.core import answers
from quizapp.core.kinds.base import (
    Answer,
    AnswerMode,
    Block,
    CardData,
    Code,
    Heading,
    Kind,
    Printed,
    Prose,
    typed_back,
)

if TYPE_CHECKING:
    from quizapp.core.kinds.fields import CardFields


class Output(Kind):
    name = "output"
    answer_mode = AnswerMode.TYPE
    rendered_fields = ("explain",)

    def define_fields(self) -> type[CardFields]:
        from quizapp.core.kinds.fields import CardFields, Text

        class OutputCard(CardFields):
            kind: Literal["output"]
            code: Text
            output: str
            explain: str | None = None
            lang: str = "python"

        return OutputCard

    def expand(self, card: Mapping[str, Any]) -> list[tuple[str, CardData]]:
        data = {key: card[key] for key in ("code", "output", "explain", "lang")}
        return [(card["id"], data)]

    def prompt(self, data: CardData) -> str:
        return str(data["code"])

    def front(self, card_id: str, data: CardData) -> list[Block]:
        return [Heading("What does this print?"), Code(data["code"], data["lang"])]

    def back(self, data: CardData, answer: Answer | None) -> list[Block]:
        blocks = [*typed_back(answer), Heading("It prints:"), Printed(data["output"])]
        if data.get("explain"):
            blocks.append(Prose(data["explain"]))
        return blocks

    def judge(self, data: CardData, given: str) -> bool:
        """Right when it prints the same, spacing and quotes aside; an empty answer never is."""
        return bool(given.strip()) and answers.normalise(given) == answers.normalise(data["output"])


KIND = Output()
