"""type: type the answer; matched after normalising whitespace, quotes and trailing semicolons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from quizapp.core import answers
from quizapp.core.kinds.base import (
    Answer,
    AnswerMode,
    Block,
    CardData,
    Kind,
    Labelled,
    Plain,
    Prose,
    typed_back,
)

if TYPE_CHECKING:
    from quizapp.core.kinds.fields import CardFields


class TypeIn(Kind):
    name = "type"
    answer_mode = AnswerMode.TYPE
    rendered_fields = ("question", "explain")  # the answers are code, shown as they are

    def define_fields(self) -> type[CardFields]:
        from pydantic import Field, field_validator

        from quizapp.core.kinds.fields import CardFields, Text
        from quizapp.core.kinds.fixtures import Fixture, FixtureItem, check_names

        class TypeCard(CardFields):
            kind: Literal["type"]
            question: Text
            answer: Text
            accept: list[Text] = Field(default_factory=list)
            """Other spellings that count as right."""
            case_sensitive: bool = True
            explain: str | None = None
            fixture: Fixture | None = None
            """Inputs to run the answers on (fixtures.py): then any expression with the same result is right."""

            @field_validator("fixture")
            @classmethod
            def _fixture_names(cls, value: dict[str, FixtureItem] | None) -> dict[str, FixtureItem] | None:
                return check_names(value)

        return TypeCard

    def expand(self, card: Mapping[str, Any]) -> list[tuple[str, CardData]]:
        data = {
            "question": card["question"],
            "answers": [card["answer"], *card["accept"]],
            "case_sensitive": card["case_sensitive"],
            "explain": card["explain"],
        }
        if card.get("fixture"):
            data["fixture"] = {
                name: item.model_dump(exclude_none=True) for name, item in card["fixture"].items()
            }
        return [(card["id"], data)]

    def prompt(self, data: CardData) -> str:
        return str(data["question"])

    def front(self, card_id: str, data: CardData) -> list[Block]:
        return [Prose(data["question"])]

    def back(self, data: CardData, answer: Answer | None) -> list[Block]:
        blocks = [*typed_back(answer), Labelled("Answer: ", data["answers"][0])]
        if len(data["answers"]) > 1:
            blocks.append(Plain("Also accepted: " + " · ".join(data["answers"][1:]), muted=True))
        if data.get("explain"):
            blocks.append(Prose(data["explain"]))
        return blocks

    def judge(self, data: CardData, given: str) -> bool:
        return answers.matches(given, data["answers"], case_sensitive=data["case_sensitive"])


KIND = TypeIn()
