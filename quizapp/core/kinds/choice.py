"""choice: a question and 2–9 options, one of them right; answered by pressing its number."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from quizapp.core.kinds.base import (
    Answer,
    AnswerMode,
    Block,
    CardData,
    Hint,
    Kind,
    Labelled,
    Options,
    Prose,
)

if TYPE_CHECKING:
    from quizapp.core.kinds.fields import CardFields


class Choice(Kind):
    name = "choice"
    answer_mode = AnswerMode.CHOOSE
    rendered_fields = ("question", "options", "answer", "explain")

    def define_fields(self) -> type[CardFields]:
        from pydantic import Field

        from quizapp.core.kinds.fields import CardFields, Text

        class ChoiceCard(CardFields):
            kind: Literal["choice"]
            question: Text
            options: list[Text] = Field(min_length=2, max_length=9)
            answer: Text
            """The right option, written exactly as in `options`."""
            explain: str | None = None

        return ChoiceCard

    def check(self, card: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        if not isinstance(card.get("options"), list) or card.get("answer") is None:
            return
        right = sum(str(option) == str(card["answer"]) for option in card["options"])
        if right == 0:
            yield "answer", "answer matches none of the options; write the right option exactly"
        elif right > 1:
            yield "answer", f"answer matches {right} options; exactly one must be right"

    def expand(self, card: Mapping[str, Any]) -> list[tuple[str, CardData]]:
        data = {key: card[key] for key in ("question", "options", "answer", "explain")}
        return [(card["id"], data)]

    def prompt(self, data: CardData) -> str:
        return str(data["question"])

    def choices(self, card_id: str, data: CardData) -> tuple[str, ...]:
        """The options shuffled, the same way each time the card is shown."""
        order = list(range(len(data["options"])))
        random.Random(card_id).shuffle(order)
        return tuple(data["options"][index] for index in order)

    def front(self, card_id: str, data: CardData) -> list[Block]:
        return [
            Prose(data["question"]),
            Options(self.choices(card_id, data)),
            Hint("Press the number of your answer.", spaced=True),
        ]

    def answered_front(self, card_id: str, data: CardData, answer: Answer) -> list[Block]:
        choices = self.choices(card_id, data)
        chosen = choices.index(answer.given) if answer.given in choices else None
        right = choices.index(data["answer"]) if data["answer"] in choices else None
        return [Prose(data["question"]), Options(choices, chosen, right)]

    def back(self, data: CardData, answer: Answer | None) -> list[Block]:
        blocks: list[Block] = [Labelled("Answer: ", data["answer"])]
        if data.get("explain"):
            blocks.append(Prose(data["explain"]))
        return blocks

    def judge(self, data: CardData, given: str) -> bool:
        return bool(given == data["answer"])


KIND = Choice()
